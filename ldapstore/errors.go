package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// LDAP result codes (RFC 4511 §4.1.9) the bridge cares about, so callers can
// compare Code(err) without importing go-ldap.
const (
	CodeSuccess                      = 0
	CodeOperationsError              = 1
	CodeProtocolError                = 2
	CodeTimeLimitExceeded            = 3
	CodeSizeLimitExceeded            = 4
	CodeAuthMethodNotSupported       = 7
	CodeStrongAuthRequired           = 8
	CodeAdminLimitExceeded           = 11
	CodeUnavailableCriticalExtension = 12
	CodeConfidentialityRequired      = 13
	CodeNoSuchAttribute              = 16
	CodeUndefinedAttributeType       = 17
	CodeInappropriateMatching        = 18
	CodeConstraintViolation          = 19
	CodeAttributeOrValueExists       = 20
	CodeInvalidAttributeSyntax       = 21
	CodeNoSuchObject                 = 32
	CodeInvalidDNSyntax              = 34
	CodeInappropriateAuthentication  = 48
	CodeInvalidCredentials           = 49
	CodeInsufficientAccessRights     = 50
	CodeBusy                         = 51
	CodeUnavailable                  = 52
	CodeUnwillingToPerform           = 53
	CodeNamingViolation              = 64
	CodeObjectClassViolation         = 65
	CodeNotAllowedOnNonLeaf          = 66
	CodeNotAllowedOnRDN              = 67
	CodeEntryAlreadyExists           = 68
	CodeObjectClassModsProhibited    = 69
	CodeOther                        = 80
	CodeAssertionFailed              = 122
)

var (
	// ErrPasswordUnknown is returned by PasswordMatches when the stored
	// password cannot be checked (unknown hash scheme, malformed value, or an
	// attribute the service account cannot read): the caller should write
	// the password rather than assume it is unchanged.
	ErrPasswordUnknown = errors.New("ldapstore: stored password cannot be verified")
	// ErrEmptyPassword rejects empty passwords locally: a simple bind with
	// an empty password is an unauthenticated bind, which servers accept.
	ErrEmptyPassword = errors.New("ldapstore: empty password")
	// ErrClosed is returned for operations on a closed Store.
	ErrClosed = errors.New("ldapstore: store is closed")
	// ErrNotUnique is returned by SearchOne when more than one entry matches.
	ErrNotUnique = errors.New("ldapstore: more than one entry matches")
	// ErrInvalidFilter is wrapped by Validate and by searches refused because
	// their filter is not well formed.
	ErrInvalidFilter = errors.New("ldapstore: invalid filter")
)

// Error is what every operation of a Store returns on failure. Code is the
// LDAP result code sent by the server (0 when the failure is local or
// network-level; Err says what happened then).
type Error struct {
	Op         string // "add", "modify", "search", "bind", "dial", …
	DN         string // the entry operated on, "" if none
	Code       int    // LDAP result code from the server, 0 if none
	Diagnostic string // the server's diagnosticMessage, if any
	Err        error  // underlying error (go-ldap, network, context, …)
	// Hint says what an admin can do about a result whose code and
	// diagnostic do not (see DirectoryLimit); "" for most.
	Hint string
}

// Error renders "ldap <op> <dn>: <code name> (<code>): <diagnostic>" for a
// server result, else "ldap <op> <dn>: <cause>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ldap ")
	b.WriteString(e.Op)
	if e.DN != "" {
		b.WriteByte(' ')
		b.WriteString(e.DN)
	}
	b.WriteString(": ")
	if e.Code != 0 && !e.nested() {
		b.WriteString(codeName(e.Code))
		b.WriteString(" (")
		b.WriteString(strconv.Itoa(e.Code))
		b.WriteByte(')')
		if e.Diagnostic != "" {
			b.WriteString(": ")
			b.WriteString(e.Diagnostic)
		}
		if e.Hint != "" {
			b.WriteString("; ")
			b.WriteString(e.Hint)
		}
		return b.String()
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString(codeName(e.Code))
	}
	return b.String()
}

// nested reports whether Err carries its own context (another *Error or a
// dial error), which then reads better than the bare code.
func (e *Error) nested() bool {
	var inner *Error
	var de *dialError
	return e.Err != nil && (errors.As(e.Err, &inner) || errors.As(e.Err, &de))
}

func (e *Error) Unwrap() error { return e.Err }

func codeName(code int) string {
	if code >= 0 && code <= 0xffff {
		if n, ok := ldap.LDAPResultCodeMap[uint16(code)]; ok {
			return n
		}
	}
	return "Result Code " + strconv.Itoa(code)
}

// Code returns the LDAP result code carried by err, or 0 if there is none.
func Code(err error) int {
	var e *Error
	if errors.As(err, &e) && e.Code != 0 {
		return e.Code
	}
	var le *ldap.Error
	if errors.As(err, &le) && isServerCode(le.ResultCode) {
		return int(le.ResultCode)
	}
	if e != nil && e.Err != nil {
		return Code(e.Err)
	}
	return 0
}

// isServerCode separates result codes a server can send from the ones
// go-ldap invents for local failures (ErrorNetwork = 200 and up).
func isServerCode(c uint16) bool {
	return c < ldap.ErrorNetwork || c == ldap.LDAPResultSyncRefreshRequired
}

// IsUnavailable reports whether err means the directory is (temporarily)
// not there: dial failures on every URL, network errors, closed
// connections, timeouts (including a context deadline, since the caller's
// budget ran out waiting for the directory) and the result codes busy (51)
// and unavailable (52). Cancellation by the caller is not unavailability.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrClosed) {
		return false
	}
	var de *dialError
	if errors.As(err, &de) {
		return de.unavailable()
	}
	switch Code(err) {
	case CodeBusy, CodeUnavailable:
		return true
	case 0:
	default:
		return false
	}
	var le *ldap.Error
	if errors.As(err, &le) && le.ResultCode == ldap.ErrorNetwork {
		// go-ldap reports a failed StartTLS handshake (bad certificate,
		// wrong name) as a network error and flattens the cause into a
		// string; that is a configuration problem, not an outage.
		return !strings.Contains(le.Error(), "TLS handshake failed")
	}
	// go-ldap reports a failed write of a request, and a connection whose
	// reader hit EOF (the server died after the request was sent), as plain
	// errors with the cause flattened into the text (v3.4.15, conn.go
	// processMessages and reader).
	if msg := err.Error(); strings.Contains(msg, "unable to send request: ") || strings.Contains(msg, "unable to read LDAP response packet: ") {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// notSent reports whether err proves that the request never reached the
// server, so that running it again cannot apply it twice: go-ldap failed
// to write it ("unable to send request", also when sendGuard saw the
// server's close first), or refused it because the connection was already
// closing ("connection closed", "could not send message"). A timeout or a
// lost reply proves nothing. (A failed dial sent nothing either, but it
// has already tried every URL; see mayRetry.)
func notSent(err error) bool {
	if strings.Contains(err.Error(), "unable to send request: ") {
		return true
	}
	var le *ldap.Error
	if errors.As(err, &le) && le.ResultCode == ldap.ErrorNetwork && le.Err != nil {
		switch le.Err.Error() {
		case "ldap: connection closed", "ldap: could not send message for unknown reason":
			return true
		}
	}
	return false
}

// wrapErr turns whatever an operation returned into an *Error (nil stays
// nil), pulling out the result code and diagnostic of a server result.
func wrapErr(op, dn string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, DN: dn, Err: err}
	var le *ldap.Error
	if errors.As(err, &le) && isServerCode(le.ResultCode) {
		e.Code = int(le.ResultCode)
		if le.Err != nil {
			e.Diagnostic = le.Err.Error()
		}
		if e.Code == CodeAdminLimitExceeded {
			e.Hint = adminLimitHint
		}
		return e
	}
	e.Code = Code(err)
	return e
}

// dialError collects why every configured URL failed.
type dialError struct {
	causes []error // one per URL tried, each "url: cause"
	last   error   // ctx error if the context ended the attempt
}

func (d *dialError) Error() string {
	parts := make([]string, 0, len(d.causes)+1)
	for _, c := range d.causes {
		parts = append(parts, c.Error())
	}
	if d.last != nil {
		parts = append(parts, d.last.Error())
	}
	return "no LDAP server usable: " + strings.Join(parts, "; ")
}

func (d *dialError) Unwrap() []error {
	if d.last != nil {
		return append(append([]error{}, d.causes...), d.last)
	}
	return d.causes
}

// unavailable is true only when every URL failed for availability reasons:
// a URL that answered with invalid credentials or a bad certificate is a
// configuration problem that retrying will not fix.
func (d *dialError) unavailable() bool {
	if d.last != nil && !IsUnavailable(d.last) {
		return false
	}
	for _, c := range d.causes {
		if !IsUnavailable(c) {
			return false
		}
	}
	return len(d.causes) > 0 || d.last != nil
}

// urlError names the URL a dial cause belongs to.
type urlError struct {
	url string
	err error
}

func (u *urlError) Error() string { return fmt.Sprintf("%s: %v", u.url, u.err) }
func (u *urlError) Unwrap() error { return u.err }

// adminLimitHint names the limits behind adminLimitExceeded (11), which
// servers send without a diagnostic (389 DS) and which reads like "the
// filter matched too much" when in fact the directory stopped a search,
// paged or not, after looking at a fixed number of entries.
const adminLimitHint = "a directory limit on the entries one search may examine stopped it, not the size of the answer: " +
	"on 389 DS the look-through limit (nsslapd-lookthroughlimit, 5000 entries by default), lifted for the service account with nsLookThroughLimit: -1 on its entry; " +
	"on OpenLDAP a size.unchecked or size.prtotal limit, lifted with limits dn.exact=\"<service account>\" size.unchecked=unlimited size.prtotal=unlimited; " +
	"on Active Directory the LDAP policy (MaxResultSetSize, MaxQueryDuration; ntdsutil \"ldap policies\")"

// DirectoryLimit reports whether err is a search the directory stopped at
// one of its own limits rather than a request the client got wrong, and
// which limit it was and how to lift it: adminLimitExceeded (11), and
// sizeLimitExceeded (4) or timeLimitExceeded (3) of a search (every list is
// paged, so a size limit there is the server's, not the client's). The
// text names settings, never values from the request.
func DirectoryLimit(err error) (advice string, ok bool) {
	var e *Error
	if !errors.As(err, &e) {
		return "", false
	}
	switch Code(err) {
	case CodeAdminLimitExceeded:
		return "the directory's administrative limit was hit (LDAP 11): " + adminLimitHint, true
	case CodeSizeLimitExceeded:
		if e.Op != "search" {
			return "", false
		}
		return "the directory's size limit for the service account was hit (LDAP 4) although the search was paged: " +
			"on OpenLDAP lift size.prtotal (limits dn.exact=\"<service account>\" size.soft=unlimited size.hard=unlimited size.prtotal=unlimited); " +
			"on 389 DS set nsSizeLimit: -1 and nsPagedSizeLimit: -1 on the service account's entry", true
	case CodeTimeLimitExceeded:
		if e.Op != "search" {
			return "", false
		}
		return "the directory's time limit for one search was hit (LDAP 3): " +
			"on 389 DS set nsTimeLimit: -1 on the service account's entry; on OpenLDAP lift time.hard in a limits line for it; " +
			"on Active Directory raise MaxQueryDuration in the LDAP policy", true
	}
	return "", false
}
