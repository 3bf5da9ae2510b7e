package config

import (
	"crypto/hmac"
	"crypto/sha256"
	"unicode/utf8"
)

// minDigestKey is the shortest users.password.digestKey accepted: the key
// is all that keeps the digests from being an offline guessing target.
const minDigestKey = 16

// DigestOn reports whether users.password.digestAttribute is in use.
func (p *Password) DigestOn() bool {
	return p.DigestAttribute != "" && p.DigestAttribute != "-"
}

// PasswordDigestKey is the HMAC key for users.password.digestAttribute:
// digestKey (or digestKeyFile), else one derived from ldap.bindPassword,
// the one secret every bridge of a site already shares. Nil when the
// digest is off.
func (c *Config) PasswordDigestKey() []byte {
	p := &c.Users.Password
	if !p.DigestOn() {
		return nil
	}
	if p.DigestKey != "" {
		return []byte(p.DigestKey)
	}
	m := hmac.New(sha256.New, []byte("scim2ldap users.password.digestKey v1"))
	m.Write([]byte(c.LDAP.BindPassword))
	return m.Sum(nil)
}

func (pw *Password) check(p *problems) {
	checkOneOf(p, "users.password.onCreateWithout", pw.OnCreateWithout, OnCreateGenerate, OnCreateDisabled, OnCreateRefuse, OnCreateAllow)
	if pw.DigestOn() {
		checkAttribute(p, "users.password.digestAttribute", pw.DigestAttribute,
			`an attribute of the user entry the bridge may read and write, or "-" to write every password sent`, "msDS-cloudExtensionAttribute20")
		if pw.Attribute == "-" {
			p.add("users.password.digestAttribute", `is set while users.password.attribute is "-" (passwords ignored); remove it`)
		}
	}
	if pw.DigestKey != "" && utf8.RuneCountInString(pw.DigestKey) < minDigestKey {
		p.add("users.password.digestKey", "is shorter than %d characters; use a long random key, e.g. from `openssl rand -base64 32`", minDigestKey)
	}
	if pw.MustChangeGenerated && (pw.Method != PasswordUnicodePwd || pw.OnCreateWithout != OnCreateGenerate) {
		p.add("users.password.mustChangeGenerated", "works only with users.password.method unicodePwd and onCreateWithout generate; remove it")
	}
}

// checkDigestKey: without a bind password there is nothing secret to
// derive the key from.
func (c *Config) checkDigestKey(p *problems) {
	pw := &c.Users.Password
	if pw.DigestOn() && pw.DigestKey == "" && c.LDAP.BindPassword == "" && c.LDAP.BindPasswordFile == "" {
		p.add("users.password.digestKey", "is needed for users.password.digestAttribute when the bridge binds anonymously; "+
			"set it (e.g. ${SCIM2LDAP_DIGEST_KEY}) or users.password.digestKeyFile, or set digestAttribute: \"-\"")
	}
}
