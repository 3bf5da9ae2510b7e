package connector

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// digestPrefix marks the value users.password.digestAttribute holds:
// scim2ldap-hmac1$<salt>$<HMAC-SHA256(key, salt ‖ password)>, both
// base64. The salt keeps two users with the same password from having the
// same value; the key keeps a reader of the attribute from testing guesses.
const digestPrefix = "scim2ldap-hmac1$"

// passwordDigest is the value to store for password.
func (u *users) passwordDigest(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return digestPrefix + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(u.digestMAC(salt, password)), nil
}

func (u *users) digestMAC(salt []byte, password string) []byte {
	m := hmac.New(sha256.New, u.digestKey)
	m.Write(salt)
	m.Write([]byte(password))
	return m.Sum(nil)
}

// digestMatches reports whether stored is the digest of password; a value
// in another format (an admin's, or none) never matches.
func (u *users) digestMatches(stored, password string) bool {
	rest, ok := strings.CutPrefix(stored, digestPrefix)
	if !ok {
		return false
	}
	saltText, macText, ok := strings.Cut(rest, "$")
	if !ok {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(saltText)
	mac, err2 := base64.RawStdEncoding.DecodeString(macText)
	return err1 == nil && err2 == nil && hmac.Equal(mac, u.digestMAC(salt, password))
}

func (u *users) digestOn() bool { return u.cfg.Password.DigestOn() && len(u.digestKey) > 0 }

// lastPushedPassword reports whether password is the one the bridge last
// wrote to the entry, from the digest stored with it.
func (u *users) lastPushedPassword(ctx context.Context, dn, password string) (bool, error) {
	if !u.digestOn() {
		return false, nil
	}
	attr := u.cfg.Password.DigestAttribute
	e, err := u.readDN(ctx, dn, []string{attr})
	if err != nil {
		return false, err
	}
	for _, v := range e.Get(attr) {
		if u.digestMatches(v, password) {
			return true, nil
		}
	}
	return false, nil
}

// withDigest adds the digest of password to changes, so that the
// password and its digest are written in one modify (never one without
// the other).
func (u *users) withDigest(changes []ldapstore.Change, password string) ([]ldapstore.Change, error) {
	if !u.digestOn() {
		return changes, nil
	}
	d, err := u.passwordDigest(password)
	if err != nil {
		return nil, err
	}
	return append(changes, ldapstore.Change{Op: ldapstore.ChangeReplace, Attr: u.cfg.Password.DigestAttribute, Values: []string{d}}), nil
}

// Character classes of a generated password: Active Directory's
// complexity rule wants three of upper case, lower case, digits and
// symbols; it gets all four. No characters that look alike.
var passwordClasses = []string{
	"ABCDEFGHJKLMNPQRSTUVWXYZ",
	"abcdefghijkmnopqrstuvwxyz",
	"23456789",
	"!#%+-.:=?@_~",
}

const generatedPasswordLength = 24

// generatePassword makes a random password that meets Active Directory's
// complexity rules, including not containing the account name. It is
// written with the add and then forgotten: never logged or returned.
func generatePassword(accountNames ...string) (string, error) {
	all := strings.Join(passwordClasses, "")
	for {
		b := make([]byte, generatedPasswordLength)
		for i := range b {
			set := all
			if i < len(passwordClasses) {
				set = passwordClasses[i]
			}
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
			if err != nil {
				return "", err
			}
			b[i] = set[n.Int64()]
		}
		// The class-per-position start must not be predictable.
		for i := len(b) - 1; i > 0; i-- {
			j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
			if err != nil {
				return "", err
			}
			b[i], b[j.Int64()] = b[j.Int64()], b[i]
		}
		p := string(b)
		if !containsName(p, accountNames) {
			return p, nil
		}
	}
}

// containsName applies AD's rule: a password may not contain the account
// name (when it has 3 or more characters), ignoring case.
func containsName(p string, names []string) bool {
	lp := strings.ToLower(p)
	for _, n := range names {
		if len(n) >= 3 && strings.Contains(lp, strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// createPassword decides the password of a new user from what the client
// sent and users.password.onCreateWithout; it may turn the user inactive
// ("disabled"). generated passwords get no digest: the client has never
// sent them.
func (u *users) createPassword(doc map[string]interface{}, userName string, active bool) (password string, has, generated, stillActive bool, err error) {
	password, has = u.password(doc)
	if has || u.cfg.Password.Attribute == "-" || !active {
		return password, has, false, active, nil
	}
	switch u.cfg.Password.OnCreateWithout {
	case config.OnCreateGenerate:
		p, err := generatePassword(userName, strings.Split(userName, "@")[0])
		if err != nil {
			return "", false, false, active, err
		}
		return p, true, true, true, nil
	case config.OnCreateDisabled:
		return "", false, false, false, nil
	case config.OnCreateRefuse:
		return "", false, false, active, badValue("A password is required to create an active user (users.password.onCreateWithout: refuse); send one, or create the user with active: false.")
	}
	return "", false, false, active, nil
}
