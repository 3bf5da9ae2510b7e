package connector

import (
	"context"
	stderrors "errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/elimity-com/scim/errors"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// The library answers 500 with err.Error() as detail for anything but a bare
// errors.ScimError value, which would leak LDAP text and DNs to the client;
// so every handler error goes through here and becomes a bare ScimError.

func scimErr(status int, scimType errors.ScimType, detail string) errors.ScimError {
	return errors.ScimError{Status: status, ScimType: scimType, Detail: detail}
}

func badValue(detail string) errors.ScimError {
	return scimErr(http.StatusBadRequest, errors.ScimTypeInvalidValue, detail)
}

func notFound(kind, id string) errors.ScimError {
	return scimErr(http.StatusNotFound, "", fmt.Sprintf("%s %q not found", kind, id))
}

func conflict(detail string) errors.ScimError {
	return scimErr(http.StatusConflict, errors.ScimTypeUniqueness, detail)
}

// ldapToSCIM is the one place where LDAP result codes become SCIM errors.
// The detail tells the client what went wrong in SCIM terms; the LDAP
// diagnostic (which names DNs and schema) goes only to the log.
var ldapToSCIM = map[int]errors.ScimError{
	ldapstore.CodeNoSuchObject:             scimErr(http.StatusNotFound, "", "The resource does not exist (any more)."),
	ldapstore.CodeEntryAlreadyExists:       conflict("A resource with this name already exists."),
	ldapstore.CodeAttributeOrValueExists:   conflict("The value already exists."),
	ldapstore.CodeConstraintViolation:      badValue("The directory rejected a value (constraint violation, e.g. password policy)."),
	ldapstore.CodeObjectClassViolation:     badValue("The directory rejected the entry: a required attribute is missing or an attribute is not allowed."),
	ldapstore.CodeInvalidAttributeSyntax:   badValue("The directory rejected a value: wrong syntax for the attribute."),
	ldapstore.CodeUndefinedAttributeType:   badValue("The directory does not know an attribute the mapping writes."),
	ldapstore.CodeNamingViolation:          badValue("The directory rejected the entry name."),
	ldapstore.CodeInvalidDNSyntax:          badValue("The directory rejected the entry name."),
	ldapstore.CodeNotAllowedOnRDN:          badValue("The value is part of the entry name and cannot be removed."),
	ldapstore.CodeInsufficientAccessRights: scimErr(http.StatusForbidden, "", "The bridge's directory account may not do this; grant it write access."),
	ldapstore.CodeUnwillingToPerform:       badValue("The directory refused the operation."),
	ldapstore.CodeConfidentialityRequired: scimErr(http.StatusInternalServerError, "",
		"The directory accepts this only over an encrypted connection; the bridge's admin must use ldaps:// or ldap.startTLS."),
	ldapstore.CodeSizeLimitExceeded:  scimErr(http.StatusBadRequest, errors.ScimTypeTooMany, "Too many results; narrow the filter."),
	ldapstore.CodeAdminLimitExceeded: scimErr(http.StatusBadRequest, errors.ScimTypeTooMany, "Too many results; narrow the filter."),
	// The write's If-Match version was checked by the directory itself
	// (Assertion control) and someone changed the entry in between.
	ldapstore.CodeAssertionFailed: scimErr(http.StatusPreconditionFailed, "", "The resource changed while this request was being applied; read it again and retry."),
}

// alreadyExists is the 409 for a name another resource has (kind is
// "User" or "Group").
func alreadyExists(kind, name string) errors.ScimError {
	return conflict(fmt.Sprintf("%s %q already exists.", kind, name))
}

// nameConflict is err, except that an entry already existing under the
// new name becomes the 409 that names it.
func nameConflict(err error, kind, name string) error {
	if ldapstore.Code(err) == ldapstore.CodeEntryAlreadyExists {
		return alreadyExists(kind, name)
	}
	return err
}

// toSCIM converts any handler error into a bare ScimError and logs what the
// client is not told.
func toSCIM(ctx context.Context, log *slog.Logger, op string, err error) error {
	if err == nil {
		return nil
	}
	var se errors.ScimError
	if stderrors.As(err, &se) {
		return se
	}
	// Before the code table: a password policy refusal is a 19 or 53 like
	// many others, told apart by AD's 0000052D.
	if reason, ok := ldapstore.PasswordPolicyRejection(err); ok {
		log.InfoContext(ctx, "directory refused the password", "op", op, "err", err)
		detail := "The directory's password policy rejected the password (too short, not complex enough, or used before)."
		if reason != "" {
			detail = "The directory's password policy rejected the password: " + reason
		}
		return badValue(detail)
	}
	if stderrors.Is(err, ldapstore.ErrPasswordNeedsTLS) {
		log.ErrorContext(ctx, "password not sent: the connection to the directory is not encrypted", "op", op, "err", err)
		return scimErr(http.StatusInternalServerError, "",
			"The bridge does not send passwords to the directory without TLS; its admin must use ldaps:// or ldap.startTLS.")
	}
	// Before the code table, where 4 and 11 read "narrow the filter": a
	// limit on the service account stops even an unfiltered import, and
	// only the directory's admin can lift it. The advice names settings,
	// never DNs or values.
	if advice, ok := ldapstore.DirectoryLimit(err); ok {
		log.ErrorContext(ctx, "a directory limit stopped the request", "op", op, "err", err)
		return scimErr(http.StatusInternalServerError, "", "A directory limit on the bridge's service account stopped the listing; the directory's admin must lift it: "+advice)
	}
	if e, ok := refusedValue(err); ok {
		log.InfoContext(ctx, "directory refused a value", "op", op, "err", err)
		return e
	}
	if e, ok := ldapToSCIM[ldapstore.Code(err)]; ok {
		log.InfoContext(ctx, "directory refused request", "op", op, "err", err)
		return e
	}
	if ldapstore.IsUnavailable(err) {
		log.ErrorContext(ctx, "directory unavailable", "op", op, "err", err)
		return scimErr(http.StatusInternalServerError, "", "The directory is not reachable; try again later.")
	}
	log.ErrorContext(ctx, "request failed", "op", op, "err", err)
	return scimErr(http.StatusInternalServerError, "", "Internal error; see the bridge's log.")
}

// refusal is a write the directory refused, with what was written, so that
// the 400 can name the attribute the directory objects to and carry its
// reason (which the bare result code does not give: "constraint
// violation" covers a '/' in sAMAccountName as well as a password policy).
// values never holds a password: those attributes are left out, and
// secrets are cut out of the directory's text before a client sees it.
type refusal struct {
	err      error
	values   map[string][]string // LDAP attribute → values written
	secrets  []string
	password bool // the write was the password alone
}

// Error is the wrapped error's text without the secrets, for the log.
func (r *refusal) Error() string {
	text := r.err.Error()
	for _, s := range r.secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "(password)")
		}
	}
	return text
}
func (r *refusal) Unwrap() error { return r.err }

// refused wraps err (nil stays nil) with what the failed write carried.
// passwordAttr's values are never kept.
func refused(err error, written map[string][]string, passwordAttr string, secrets ...string) error {
	if err == nil {
		return nil
	}
	var already *refusal
	if stderrors.As(err, &already) {
		return err
	}
	vals := make(map[string][]string, len(written))
	for a, v := range written {
		if !strings.EqualFold(a, passwordAttr) && !strings.EqualFold(a, "objectClass") {
			vals[a] = v
		}
	}
	return &refusal{err: err, values: vals, secrets: secrets}
}

// refusedPassword is refused for a write of the password alone.
func refusedPassword(err error, password string) error {
	err = refused(err, nil, "", password)
	if r, ok := err.(*refusal); ok {
		r.password = true
	}
	return err
}

// refusedChanges is refused for a modify.
func refusedChanges(err error, changes []ldapstore.Change, passwordAttr string, secrets ...string) error {
	if err == nil {
		return nil
	}
	written := map[string][]string{}
	for _, c := range changes {
		written[c.Attr] = append(written[c.Attr], c.Values...)
	}
	return refused(err, written, passwordAttr, secrets...)
}

var (
	// AD and Samba start with the Windows error code: "0000202F: ".
	winErrPrefix = regexp.MustCompile(`^[0-9A-Fa-f]{8}: `)
	// Samba then names its module: "samldb: ", "objectclass_attrs: ".
	moduleInReason = regexp.MustCompile(`^[a-z_]+: `)
	// Entry names are the bridge's business, not the client's.
	entryInReason = regexp.MustCompile(`(?i)\s*on entry '[^']*'`)
	dnInReason    = regexp.MustCompile(`(?i)\b(?:cn|ou|dc|uid|o)=[^,'"]*(?:,\s*(?:cn|ou|dc|uid|o|l|c|st)=[^,'"]*)+`)
	wordChars     = regexp.MustCompile(`[A-Za-z0-9-]+`)
)

// refusedValue is the 400 for a value the directory refused, naming the
// attribute and carrying the directory's reason; ok is false when err is
// no such refusal or its code is not about a value.
func refusedValue(err error) (scimErr errors.ScimError, ok bool) {
	detail, ok := refusalDetail(err)
	if !ok {
		return errors.ScimError{}, false
	}
	if ldapstore.Code(err) == ldapstore.CodeEntryAlreadyExists {
		return conflict(detail), true
	}
	return badValue(detail), true
}

// refusalDetail is the detail text of refusedValue.
func refusalDetail(err error) (detail string, ok bool) {
	var r *refusal
	var le *ldapstore.Error
	if !stderrors.As(err, &r) || !stderrors.As(err, &le) {
		return "", false
	}
	switch le.Code {
	case ldapstore.CodeOperationsError:
		// Samba answers 1 for a UPN it cannot make a Kerberos principal
		// of ("jo@example.com@example.com"); only such a reason that
		// names what was written is the client's fault.
	case ldapstore.CodeEntryAlreadyExists:
		// Only where no entry has the name: another unique attribute
		// (AD's sAMAccountName) is taken.
	case ldapstore.CodeConstraintViolation, ldapstore.CodeInvalidAttributeSyntax, ldapstore.CodeUnwillingToPerform,
		ldapstore.CodeNamingViolation, ldapstore.CodeInvalidDNSyntax, ldapstore.CodeObjectClassViolation:
	default:
		return "", false
	}
	reason := strings.TrimSpace(le.Diagnostic)
	reason = winErrPrefix.ReplaceAllString(reason, "")
	reason = moduleInReason.ReplaceAllString(reason, "")
	reason = entryInReason.ReplaceAllString(reason, "")
	reason = dnInReason.ReplaceAllString(reason, "(an entry)")
	redacted := false
	for _, s := range r.secrets {
		if s != "" && strings.Contains(reason, s) {
			reason, redacted = strings.ReplaceAll(reason, s, "(password)"), true
		}
	}
	if n := 300; len(reason) > n {
		reason = reason[:n] + "…"
	}
	attr, named := r.attributeIn(reason)
	if (redacted || r.password) && !named {
		attr, named = "the password", true
	}
	if !named && (le.Code == ldapstore.CodeOperationsError || le.Code == ldapstore.CodeEntryAlreadyExists) {
		return "", false
	}
	var b strings.Builder
	b.WriteString("The directory refused ")
	if attr == "the password" {
		b.WriteString(attr)
	} else if attr != "" {
		b.WriteString("the value of " + attr)
	} else {
		b.WriteString("a value")
	}
	if reason != "" {
		b.WriteString(": " + strings.TrimRight(reason, ".!") + ".")
	} else {
		b.WriteString(".")
	}
	return b.String(), true
}

// attributeIn finds which written attribute the directory's reason is
// about: one it names (Samba: "sAMAccountName contains invalid '/'
// character", 389 DS: "mail: value #0 invalid per syntax"), else one whose
// value it quotes (389 DS's 7-bit check), else the logon name a Kerberos
// principal is made of (Samba), else the only one written.
// named is false for the last guess.
func (r *refusal) attributeIn(reason string) (attr string, named bool) {
	names := make([]string, 0, len(r.values))
	for a := range r.values {
		names = append(names, a)
	}
	sort.Strings(names)
	words := map[string]bool{}
	for _, w := range wordChars.FindAllString(reason, -1) {
		words[strings.ToLower(w)] = true
	}
	for _, a := range names {
		if words[strings.ToLower(a)] {
			return a, true
		}
	}
	if words["principal"] {
		for _, a := range []string{"userPrincipalName", "sAMAccountName"} {
			for _, n := range names {
				if strings.EqualFold(n, a) {
					return n, true
				}
			}
		}
	}
	for _, a := range names {
		for _, v := range r.values[a] {
			if len(v) >= 2 && strings.Contains(reason, v) {
				return a, true
			}
		}
	}
	if len(names) == 1 {
		return names[0], false
	}
	return "", false
}

// createConflict is the error of a failed add: a unique attribute other
// than the name that the directory names as taken (Samba: "samAccountName
// 'R&D _ EMEA' already in use") is a 409 that says so, any other
// entryAlreadyExists the 409 naming the resource.
func createConflict(err error, written map[string][]string, passwordAttr, kind, name string) error {
	err = refused(err, written, passwordAttr)
	if e, ok := refusedValue(err); ok && ldapstore.Code(err) == ldapstore.CodeEntryAlreadyExists {
		return e
	}
	return nameConflict(err, kind, name)
}
