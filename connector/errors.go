package connector

import (
	"context"
	stderrors "errors"
	"fmt"
	"log/slog"
	"net/http"

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
