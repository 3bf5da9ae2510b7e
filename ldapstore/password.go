package ldapstore

import (
	"context"
	"crypto/md5" //nolint:gosec // verifying legacy {MD5}/{SMD5} values, not hashing new ones
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"golang.org/x/crypto/bcrypt"
)

// SetPassword sets dn's password with the RFC 3062 Password Modify extended
// operation, so the server hashes it per its own policy (and ppolicy sees a
// password change). An empty password is refused: the server would
// generate one instead.
func (s *Store) SetPassword(ctx context.Context, dn, password string) error {
	if password == "" {
		return wrapErr("password modify", dn, ErrEmptyPassword)
	}
	if s.opts.DryRun {
		return s.dryPassword(ctx, dn)
	}
	if err := s.checkAssertion(ctx, "password modify", dn); err != nil {
		return err
	}
	req := ldap.NewPasswordModifyRequest(dn, "", password)
	return s.exec(ctx, "password modify", dn, func(l *ldap.Conn) error {
		_, err := l.PasswordModify(req)
		return err
	})
}

// PasswordMatches reports whether candidate is dn's current password, by
// reading attr (e.g. userPassword) as the service account and verifying
// locally. Unlike a bind, a wrong candidate is not a failed login, so it
// cannot lock the account under a lockout policy.
//
// Supported values: cleartext (no {SCHEME} prefix); {SHA} {SSHA} {SHA256}
// {SSHA256} {SHA384} {SSHA384} {SHA512} {SSHA512} {MD5} {SMD5}; bcrypt as
// {BCRYPT}$2a$… or {CRYPT}$2a$… ($2b$, $2y$ too); SHA-crypt as
// {CRYPT}$5$… and {CRYPT}$6$… (389 DS's CRYPT-SHA256/512, /etc/shadow's
// format); 389 DS's PBKDF2 schemes,
// {PBKDF2-SHA512} (its default since 2.0), {PBKDF2-SHA256}, {PBKDF2-SHA1},
// {PBKDF2} and the older {PBKDF2_SHA256} (the default of 1.4). Comparisons
// are constant time. If no value matches and some value could not be checked (unknown
// scheme, malformed), or the attribute is absent or unreadable, the result
// is (false, ErrPasswordUnknown): the caller should write the password.
func (s *Store) PasswordMatches(ctx context.Context, dn, attr, candidate string) (bool, error) {
	if err := ValidateAttributeName(attr); err != nil {
		return false, wrapErr("search", dn, err)
	}
	if candidate == "" {
		return false, nil
	}
	e, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Attributes: []string{attr}})
	if err != nil {
		return false, err
	}
	if e == nil {
		return false, wrapErr("search", dn, ErrPasswordUnknown)
	}
	unknown := false
	for _, stored := range e.Get(attr) {
		ok, known := verifyPassword(stored, candidate)
		if ok {
			return true, nil
		}
		unknown = unknown || !known
	}
	if unknown || len(e.Get(attr)) == 0 {
		// An absent attribute usually means "not readable by us" (ACLs hide
		// attributes silently), so we cannot say the password differs.
		return false, ErrPasswordUnknown
	}
	return false, nil
}

// saltedSchemes maps each {SCHEME} to its hash and whether a salt follows
// the digest in the base64 value.
var saltedSchemes = map[string]struct {
	newHash func() hash.Hash
	salted  bool
}{
	"SHA":     {sha1.New, false},
	"SSHA":    {sha1.New, true},
	"SHA256":  {sha256.New, false},
	"SSHA256": {sha256.New, true},
	"SHA384":  {sha512.New384, false},
	"SSHA384": {sha512.New384, true},
	"SHA512":  {sha512.New, false},
	"SSHA512": {sha512.New, true},
	"MD5":     {md5.New, false},
	"SMD5":    {md5.New, true},
}

// verifyPassword checks candidate against one stored value. known is false
// when the value's scheme is not supported or the value is malformed.
func verifyPassword(stored, candidate string) (ok, known bool) {
	scheme, rest, hasScheme := splitScheme(stored)
	if !hasScheme {
		// Cleartext. Compare digests so that the time taken does not
		// depend on the stored value's length either.
		a, b := sha256.Sum256([]byte(stored)), sha256.Sum256([]byte(candidate))
		return subtle.ConstantTimeCompare(a[:], b[:]) == 1, true
	}
	switch scheme {
	case "BCRYPT", "CRYPT":
		if scheme == "CRYPT" && isSHACrypt(rest) {
			return verifySHACrypt(rest, candidate)
		}
		if !isBcrypt(rest) {
			return false, false // other crypt(3) formats (DES, MD5) are not supported
		}
		err := bcrypt.CompareHashAndPassword([]byte(rest), []byte(candidate))
		switch {
		case err == nil:
			return true, true
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, true
		default: // malformed hash, or a candidate bcrypt cannot take (> 72 bytes)
			return false, false
		}
	}
	if h, found := pbkdf2Schemes[scheme]; found {
		return verifyPBKDF2(h, rest, candidate)
	}
	if scheme == "PBKDF2_SHA256" {
		return verifyPBKDF2NSS(rest, candidate)
	}
	sch, found := saltedSchemes[scheme]
	if !found {
		return false, false
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(rest); err != nil {
			return false, false
		}
	}
	h := sch.newHash()
	size := h.Size()
	if len(raw) < size || (!sch.salted && len(raw) != size) {
		return false, false
	}
	h.Write([]byte(candidate))
	h.Write(raw[size:]) // the salt; empty for unsalted schemes
	return subtle.ConstantTimeCompare(h.Sum(nil), raw[:size]) == 1, true
}

// splitScheme splits "{SCHEME}rest" into the upper-cased scheme and rest.
func splitScheme(v string) (scheme, rest string, ok bool) {
	if !strings.HasPrefix(v, "{") {
		return "", v, false
	}
	end := strings.IndexByte(v, '}')
	if end < 2 {
		return "", v, false
	}
	return strings.ToUpper(v[1:end]), v[end+1:], true
}

func isBcrypt(h string) bool {
	return strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$") || strings.HasPrefix(h, "$2y$")
}

// pbkdf2Schemes are 389 DS's PBKDF2 schemes in the modular format of its
// pwdchan plug-in: "{PBKDF2-SHA512}10000$<salt>$<hash>", salt and hash in
// standard base64 (the salt is used decoded), the hash as long as the
// digest. {PBKDF2} is pwdchan's name for the SHA-1 variant.
var pbkdf2Schemes = map[string]func() hash.Hash{
	"PBKDF2":        sha1.New,
	"PBKDF2-SHA1":   sha1.New,
	"PBKDF2-SHA256": sha256.New,
	"PBKDF2-SHA512": sha512.New,
}

// pbkdf2MaxIterations bounds the work one stored value can demand of the
// bridge (389 DS uses 10,000; OWASP suggests up to 600,000): a value that
// asks for more is treated as not verifiable, and the password is written.
const pbkdf2MaxIterations = 5_000_000

func verifyPBKDF2(newHash func() hash.Hash, rest, candidate string) (ok, known bool) {
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return false, false
	}
	iter, err := strconv.Atoi(parts[0])
	if err != nil || iter < 1 || iter > pbkdf2MaxIterations {
		return false, false
	}
	salt, err1 := decodeB64(parts[1])
	want, err2 := decodeB64(parts[2])
	if err1 != nil || err2 != nil || len(salt) == 0 || len(want) == 0 || len(want) > 1024 {
		return false, false
	}
	return pbkdf2Equal(newHash, candidate, salt, iter, want)
}

// verifyPBKDF2NSS checks 389 DS's older {PBKDF2_SHA256} (its NSS-based
// plug-in): base64 of a 4-byte big-endian iteration count, a 64-byte salt
// and a 256-byte PBKDF2-HMAC-SHA256 hash.
func verifyPBKDF2NSS(rest, candidate string) (ok, known bool) {
	const saltLen, hashLen = 64, 256
	raw, err := decodeB64(rest)
	if err != nil || len(raw) != 4+saltLen+hashLen {
		return false, false
	}
	iter := binary.BigEndian.Uint32(raw[:4])
	if iter < 1 || iter > pbkdf2MaxIterations {
		return false, false
	}
	return pbkdf2Equal(sha256.New, candidate, raw[4:4+saltLen], int(iter), raw[4+saltLen:])
}

func pbkdf2Equal(newHash func() hash.Hash, candidate string, salt []byte, iter int, want []byte) (ok, known bool) {
	got, err := pbkdf2.Key(newHash, candidate, salt, iter, len(want))
	if err != nil {
		return false, false
	}
	return subtle.ConstantTimeCompare(got, want) == 1, true
}

// decodeB64 takes standard base64 with or without padding.
func decodeB64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}
