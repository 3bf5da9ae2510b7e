package ldapstore

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"
)

// Active Directory specifics: binary GUIDs as SCIM ids, the bitwise-AND
// matching rule for userAccountControl, and unicodePwd.

// ErrPasswordNeedsTLS is returned when unicodePwd would be sent on a
// connection without TLS. Active Directory refuses it anyway; Samba accepts
// it, which would put the password on the wire in clear.
var ErrPasswordNeedsTLS = errors.New("ldapstore: refusing to send unicodePwd (a password) on a connection without TLS; use ldaps:// or StartTLS")

// IDFormat says how an id attribute's stored value becomes a SCIM id.
type IDFormat int

const (
	// IDString: the value as stored (entryUUID, nsUniqueId).
	IDString IDFormat = iota
	// IDGUID: 16 bytes in Microsoft's mixed-endian order (objectGUID),
	// shown as the canonical lower-case GUID string.
	IDGUID
)

// ParseIDFormat reads the configuration words "string" and "guid".
func ParseIDFormat(s string) (IDFormat, error) {
	switch s {
	case "", "string":
		return IDString, nil
	case "guid":
		return IDGUID, nil
	}
	return IDString, fmt.Errorf("ldapstore: unknown id format %q", s)
}

// Format renders a stored value as a SCIM id; a value that is not a GUID
// (16 bytes) is rendered as "" so that it never leaks as raw bytes.
func (f IDFormat) Format(stored string) string {
	if f != IDGUID {
		return stored
	}
	s, err := GUIDString([]byte(stored))
	if err != nil {
		return ""
	}
	return s
}

// Canonical spells an id as Format renders it, so that ids a client wrote
// differently ("{ABC…}" for a GUID) compare equal; other ids are returned
// as they are.
func (f IDFormat) Canonical(id string) string {
	if f != IDGUID {
		return id
	}
	raw, err := ParseGUID(id)
	if err != nil {
		return id
	}
	return f.Format(string(raw))
}

// Filter is an equality filter on attr for a SCIM id; ok is false when id
// cannot be a value of this format (the caller answers "not found").
func (f IDFormat) Filter(attr, id string) (flt Filter, ok bool) {
	if f != IDGUID {
		return Eq(attr, id), true
	}
	raw, err := ParseGUID(id)
	if err != nil {
		return None(), false
	}
	return EqBytes(attr, raw), true
}

// GUIDString renders a 16-byte objectGUID as
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". Windows stores the first three
// fields little-endian, so "{00112233-4455-6677-8899-aabbccddeeff}" is the
// bytes 33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff.
func GUIDString(raw []byte) (string, error) {
	if len(raw) != 16 {
		return "", fmt.Errorf("ldapstore: a GUID has 16 bytes, not %d", len(raw))
	}
	b := guidSwap(raw)
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

// ParseGUID is the inverse of GUIDString. It accepts either case and
// optional braces ("{…}", as Windows tools print them).
func ParseGUID(s string) ([]byte, error) {
	t := strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return nil, fmt.Errorf("ldapstore: %q is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", s)
	}
	var b [16]byte
	if _, err := hex.Decode(b[:], []byte(t[0:8]+t[9:13]+t[14:18]+t[19:23]+t[24:36])); err != nil {
		return nil, fmt.Errorf("ldapstore: %q is not a GUID: %w", s, err)
	}
	out := guidSwap(b[:])
	return out[:], nil
}

// guidSwap converts between the wire order and the printed order; it is
// its own inverse.
func guidSwap(in []byte) [16]byte {
	var b [16]byte
	copy(b[:], in)
	b[0], b[1], b[2], b[3] = in[3], in[2], in[1], in[0]
	b[4], b[5] = in[5], in[4]
	b[6], b[7] = in[7], in[6]
	return b
}

// bytesFilter is an equality assertion on a binary value: every byte is
// written as \xx, so no byte can be read as filter syntax (and the filter
// is plain ASCII whatever the value).
type bytesFilter struct {
	attr  string
	value []byte
}

func (f bytesFilter) String() string { return str(f) }
func (f bytesFilter) render(b *strings.Builder) error {
	if err := checkAttr(f.attr); err != nil {
		return err
	}
	b.WriteByte('(')
	b.WriteString(f.attr)
	b.WriteByte('=')
	b.WriteString(EscapeBytes(f.value))
	b.WriteByte(')')
	return nil
}

// EqBytes matches entries where the binary attr equals value, e.g.
// objectGUID.
func EqBytes(attr string, value []byte) Filter {
	return bytesFilter{attr, append([]byte(nil), value...)}
}

// EscapeBytes writes every byte of v as a \xx filter escape.
func EscapeBytes(v []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 3*len(v))
	for _, c := range v {
		out = append(out, '\\', digits[c>>4], digits[c&0xf])
	}
	return string(out)
}

// bitAndOID is LDAP_MATCHING_RULE_BIT_AND of Active Directory (Samba has it
// too): (attr:1.2.840.113556.1.4.803:=N) matches when attr & N == N.
const bitAndOID = "1.2.840.113556.1.4.803"

type bitFilter struct {
	attr string
	mask int64
}

func (f bitFilter) String() string { return str(f) }
func (f bitFilter) render(b *strings.Builder) error {
	if err := checkAttr(f.attr); err != nil {
		return err
	}
	if f.mask <= 0 {
		return fmt.Errorf("%w: bit mask %d on %s", ErrInvalidFilter, f.mask, f.attr)
	}
	b.WriteString("(" + f.attr + ":" + bitAndOID + ":=" + strconv.FormatInt(f.mask, 10) + ")")
	return nil
}

// BitsSet matches entries whose integer attr has every bit of mask set,
// with Active Directory's bitwise-AND matching rule. Servers without the
// rule (OpenLDAP, 389 DS) answer it as undefined, matching nothing.
func BitsSet(attr string, mask int64) Filter { return bitFilter{attr, mask} }

// SetBits returns stored (a decimal integer such as userAccountControl;
// empty counts as fallback) with mask's bits set (on) or cleared, every other
// bit kept. userAccountControl is a signed 32-bit value in AD, written back
// in the same form.
func SetBits(stored string, fallback int64, mask int64, on bool) (string, error) {
	v := fallback
	if stored != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(stored), 10, 64)
		if err != nil {
			return "", fmt.Errorf("ldapstore: %q is not an integer: %w", stored, err)
		}
		v = n
	}
	if on {
		v |= mask
	} else {
		v &^= mask
	}
	return strconv.FormatInt(v, 10), nil
}

// BitsOn reports whether every bit of mask is set in stored (a decimal
// integer); an empty or malformed value has no bits set.
func BitsOn(stored string, mask int64) bool {
	n, err := strconv.ParseInt(strings.TrimSpace(stored), 10, 64)
	return err == nil && mask != 0 && n&mask == mask
}

// UnicodePwdAttribute is Active Directory's write-only password attribute.
const UnicodePwdAttribute = "unicodePwd"

// UnicodePwdValue encodes a password the way unicodePwd takes it: the
// password in double quotes, as UTF-16LE.
func UnicodePwdValue(password string) string {
	units := utf16.Encode([]rune(`"` + password + `"`))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// needsTLS reports whether a request writing these attributes must only be
// sent on an encrypted connection.
func needsTLS(attrs ...string) bool {
	for _, a := range attrs {
		base, _, _ := strings.Cut(a, ";")
		if strings.EqualFold(base, UnicodePwdAttribute) {
			return true
		}
	}
	return false
}

// PasswordPolicyRejection reports whether err is a directory refusing a
// password for its policy (too short, not complex, in the history), and
// the directory's own words when they are readable. Active Directory and
// Samba put the Windows error 0000052D (ERROR_PASSWORD_RESTRICTION) first
// in the diagnostic message, with constraintViolation (19) or
// unwillingToPerform (53).
func PasswordPolicyRejection(err error) (reason string, ok bool) {
	var e *Error
	if !errors.As(err, &e) || (e.Code != CodeConstraintViolation && e.Code != CodeUnwillingToPerform) {
		return "", false
	}
	if !strings.Contains(strings.ToUpper(e.Diagnostic), "0000052D") {
		return "", false
	}
	// Samba: "0000052D: Constraint violation - check_password_restrictions:
	// the password is too short. It should be equal or longer than 7
	// characters!". AD only gives internal codes (DSID-…, problem 5003).
	if _, why, found := strings.Cut(e.Diagnostic, "check_password_restrictions: "); found {
		return strings.TrimSpace(why), true
	}
	return "", true
}

// tlsGuard wraps a write of attrs so that, when one of them must not travel
// in clear (unicodePwd), it is refused unless this very connection is TLS
// (ldaps:// or after StartTLS), whatever the configuration said.
func tlsGuard(fn func(*ldap.Conn) error, attrs ...string) func(*ldap.Conn) error {
	if !needsTLS(attrs...) {
		return fn
	}
	return func(l *ldap.Conn) error {
		if _, ok := l.TLSConnectionState(); !ok {
			return ErrPasswordNeedsTLS
		}
		return fn(l)
	}
}
