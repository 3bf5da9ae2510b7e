package connector

import (
	stderrors "errors"
	"regexp"
	"sort"
	"strings"

	"github.com/elimity-com/scim/errors"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

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
