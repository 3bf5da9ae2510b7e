package ldapstore

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// ChildDN returns rdnAttr=rdnValue,parentDN with rdnValue escaped per
// RFC 4514; an empty parentDN gives just the RDN. rdnAttr must be a valid
// attribute name (see ValidateAttributeName); it comes from configuration.
func ChildDN(rdnAttr, rdnValue, parentDN string) string {
	rdn := rdnAttr + "=" + escapeDNValue(rdnValue)
	if parentDN == "" {
		return rdn
	}
	return rdn + "," + parentDN
}

// escapeDNValue escapes an attribute value for a DN (RFC 4514 §2.4).
//
// Not ldap.EscapeDN (v3.4.15), which gets the RFC cases right but rewrites
// bytes that are not valid UTF-8 to U+FFFD (it writes back decoded runes),
// silently changing the value. Here: the RFC's specials get a backslash
// (`"+,;<>\`, plus `=` which the RFC allows escaping and which some parsers
// treat as a separator), a leading '#' or space and a trailing space are
// escaped, and control bytes, DEL and invalid UTF-8 are hex-escaped, so the
// result is printable and decodes to exactly the input. Valid non-ASCII
// UTF-8 is kept as is.
func escapeDNValue(v string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(v) + 8)
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == ' ' && (i == 0 || i == len(v)-1), c == '#' && i == 0,
			c == '"', c == '+', c == ',', c == ';', c == '<', c == '>', c == '\\', c == '=':
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
			continue
		case c < 0x20 || c == 0x7f:
			b.WriteByte('\\')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
			i++
			continue
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteByte('\\')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		} else {
			b.WriteString(v[i : i+n])
		}
		i += n
	}
	return b.String()
}

// ParentDN returns the DN of dn's parent, as written in dn (case and
// escaping preserved); the parent of a one-RDN DN is "" (the root).
func ParentDN(dn string) (string, error) {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return "", fmt.Errorf("ldapstore: DN %q: %w", dn, err)
	}
	if len(parsed.RDNs) == 0 {
		return "", errors.New("ldapstore: the root DN has no parent")
	}
	// Find the first unescaped RDN separator. A backslash escapes the next
	// character (for \XX hex pairs the pair contains no separator), and
	// ParseDN has already rejected quoted values.
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',', ';':
			return strings.TrimSpace(dn[i+1:]), nil
		}
	}
	return "", nil
}

// RDNValue returns the attribute and the (unescaped) value of dn's first
// RDN. Multi-valued RDNs (a=1+b=2) are an error.
func RDNValue(dn string) (attr, value string, err error) {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return "", "", fmt.Errorf("ldapstore: DN %q: %w", dn, err)
	}
	if len(parsed.RDNs) == 0 {
		return "", "", errors.New("ldapstore: the root DN has no RDN")
	}
	rdn := parsed.RDNs[0]
	if len(rdn.Attributes) != 1 {
		return "", "", fmt.Errorf("ldapstore: DN %q: multi-valued RDN", dn)
	}
	return rdn.Attributes[0].Type, rdn.Attributes[0].Value, nil
}

// EqualDN compares two DNs after parsing, ignoring case of attribute types
// and values and insignificant spaces and escaping. Unparseable DNs are
// never equal (not even to themselves).
func EqualDN(a, b string) bool {
	pa, err := ldap.ParseDN(a)
	if err != nil {
		return false
	}
	pb, err := ldap.ParseDN(b)
	if err != nil {
		return false
	}
	return pa.EqualFold(pb)
}

// NormalizeDN returns a canonical form of dn for use as a map key: attribute
// types and values lower-cased, values unescaped and re-escaped one way,
// insignificant spaces dropped. Two DNs for which EqualDN holds normalise to
// the same string. An unparseable DN is returned as is.
func NormalizeDN(dn string) string {
	p, err := ldap.ParseDN(dn)
	if err != nil {
		return dn
	}
	var b strings.Builder
	for i, rdn := range p.RDNs {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, a := range rdn.Attributes {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(strings.ToLower(a.Type))
			b.WriteByte('=')
			b.WriteString(escapeDNValue(strings.ToLower(a.Value)))
		}
	}
	return b.String()
}
