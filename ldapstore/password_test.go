package ldapstore

import (
	"crypto/md5" //nolint:gosec // test vectors for the legacy schemes
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// hashed builds a {SCHEME} value the way slappasswd does: base64 of
// H(password + salt) followed by the salt.
func hashed(scheme string, h func() hash.Hash, password, salt string) string {
	d := h()
	d.Write([]byte(password))
	d.Write([]byte(salt))
	return "{" + scheme + "}" + base64.StdEncoding.EncodeToString(append(d.Sum(nil), salt...))
}

func TestVerifyPassword(t *testing.T) {
	const pw = "s3cret ünï"
	salt := "\x01\x02saltSALT\xff"
	bc, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	schemes := []struct {
		name string
		h    func() hash.Hash
	}{{"SHA", sha1.New}, {"SHA256", sha256.New}, {"SHA384", sha512.New384}, {"SHA512", sha512.New}, {"MD5", md5.New}}

	type vector struct {
		name, stored string
		ok, known    bool
	}
	vectors := []vector{
		{"cleartext", pw, true, true},
		{"cleartext other", "other", false, true},
		{"cleartext prefix of", pw[:3], false, true},
		{"bcrypt", "{BCRYPT}" + string(bc), true, true},
		{"crypt bcrypt", "{CRYPT}" + string(bc), true, true},
		{"bcrypt 2b", "{BCRYPT}" + strings.Replace(string(bc), "$2a$", "$2b$", 1), true, true},
		{"bcrypt other", "{BCRYPT}" + mustBcrypt(t, "other"), false, true},
		{"bcrypt malformed", "{BCRYPT}$2a$10$garbage", false, false},
		{"crypt des", "{CRYPT}abJnggxhB/yJU", false, false},
		{"crypt md5", "{CRYPT}$1$WH$0aFaGTMJWMvb.U0gQsJtn/", false, false},
		{"sha-crypt without hash", "{CRYPT}$6$salt", false, false},
		{"sha-crypt bad rounds", "{CRYPT}$6$rounds=x$salt$abc", false, false},
		{"unknown scheme", "{PBKDF2-SHA3}10000$abc$def", false, false},
		{"pbkdf2 malformed", "{PBKDF2-SHA512}10000$abc", false, false},
		{"pbkdf2 iterations not a number", "{PBKDF2-SHA512}ten$c2FsdA==$aGFzaA==", false, false},
		{"pbkdf2 too many iterations", "{PBKDF2-SHA512}999999999$c2FsdA==$aGFzaA==", false, false},
		{"pbkdf2 nss too short", "{PBKDF2_SHA256}AAAgAA==", false, false},
		{"argon2", "{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", false, false},
		{"bad base64", "{SSHA}!!!not-base64!!!", false, false},
		{"too short", "{SSHA}" + base64.StdEncoding.EncodeToString([]byte("short")), false, false},
		{"unsalted with extra bytes", "{SHA}" + base64.StdEncoding.EncodeToString(make([]byte, 25)), false, false},
	}
	for _, s := range schemes {
		vectors = append(vectors,
			vector{s.name, hashed(s.name, s.h, pw, ""), true, true},
			vector{s.name + " wrong", hashed(s.name, s.h, "wrong", ""), false, true},
			vector{"S" + s.name, hashed("S"+s.name, s.h, pw, salt), true, true},
			vector{"S" + s.name + " lower-case scheme", strings.Replace(hashed("S"+s.name, s.h, pw, salt), "{S"+s.name+"}", "{s"+strings.ToLower(s.name)+"}", 1), true, true},
			vector{"S" + s.name + " wrong", hashed("S"+s.name, s.h, "wrong", salt), false, true},
			vector{"S" + s.name + " unpadded", strings.TrimRight(hashed("S"+s.name, s.h, pw, "abc"), "="), true, true},
		)
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			ok, known := verifyPassword(v.stored, pw)
			if ok != v.ok || known != v.known {
				t.Errorf("verifyPassword(%q) = (%v, %v), want (%v, %v)", v.stored, ok, known, v.ok, v.known)
			}
		})
	}

}

// TestSlappasswdVectors uses values made by OpenLDAP's slappasswd (with the
// pw-sha2 and argon2 modules) for the password "secret".
func TestSlappasswdVectors(t *testing.T) {
	vectors := []struct {
		stored    string
		ok, known bool
	}{
		{"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", true, true},
		{"{SSHA}+j4BoaqvCitqGIjlbzBp1/2+sBL2o6lq", true, true},
		{"{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", true, true},
		{"{SMD5}CcaMstpC7UyevHY+RJL7jApkxYM=", true, true},
		{"{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=", true, true},
		{"{SSHA256}k3RqQmac0AgNAhyckW5UVbfbU3JjtSjcX9cLZ/wMJ0OZozE2XYL5Bg==", true, true},
		{"{SHA384}WKd1ukESvjAFrkQHznV9iP2nHUBJe7gCbsrFTU4//HIyzo3jq1rLMK45dg/ufFPt", true, true},
		{"{SSHA384}I6ahX47haBXk4Re/zPTdW1XAPoQ1WElJZwScjAtrwIIUpkOxtcTj2hpgITX3nAFzBNYfGpL5kSc=", true, true},
		{"{SHA512}vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==", true, true},
		{"{SSHA512}Vazz7m0BrA2xRGCL+zEe0l3UTOJ+bFPdFPaZJ4ZsL8IIU/9bzqgC+a37hvUVlRNFIn1SUcmQcaoypN4fcNH+f7nJ2/R7CkKu", true, true},
		{"{ARGON2}$argon2i$v=19$m=4096,t=3,p=1$kf1eAQlFrZ9hIxUPq2qQ7g$jYsAHfuqo+CfIvDkA+dMM6BaBXBwqm4Pk4M/5InZxAU", false, false},
	}
	for _, v := range vectors {
		if ok, known := verifyPassword(v.stored, "secret"); ok != v.ok || known != v.known {
			t.Errorf("verifyPassword(%q, secret) = (%v, %v), want (%v, %v)", v.stored, ok, known, v.ok, v.known)
		}
		if v.known {
			if ok, _ := verifyPassword(v.stored, "Secret"); ok {
				t.Errorf("verifyPassword(%q, Secret) = true", v.stored)
			}
		}
	}
}

// TestDS389Vectors uses values made by 389 DS 2.3's pwdhash (the test
// bed's instance, pwdhash -D <instance dir> -s SCHEME) for "Str0ng-Pass-1".
func TestDS389Vectors(t *testing.T) {
	const pw = "Str0ng-Pass-1"
	vectors := []struct{ scheme, stored string }{
		{"PBKDF2-SHA512", "{PBKDF2-SHA512}10000$sgjQGwf0+1TID8BqYVxwzZvxe3ik5Dou$mjPHmGU2ntcQHHEG61wYsiFdUp6zCtEdzwyfzijd/nLAhE0OeWD1ikbLBbVhU5TkV1wuZ6E0SCFkSJimKllAMw=="},
		{"PBKDF2-SHA256", "{PBKDF2-SHA256}10000$/TUpGB+H3h1UprgxHRBpo7EkoZtysvmE$dypzY9XLjqweDTf3QZB6wKeWvhArnNzPZ3jPCjlAeoI="},
		{"PBKDF2-SHA1", "{PBKDF2-SHA1}10000$Mwy/2RXqgsgFduLiXI2uo8c+BV4YcVoi$VjGD8Os1xvmoYT75NRv+NxJpy8Y="},
		{"PBKDF2 (written as PBKDF2-SHA1)", "{PBKDF2-SHA1}10000$SnKEYJREYR99tMwWGqRqBDLFxIxPi3b7$bXduEAXTSdwDc8BiuCEv37wJNhY="},
		{"PBKDF2 name", "{PBKDF2}10000$SnKEYJREYR99tMwWGqRqBDLFxIxPi3b7$bXduEAXTSdwDc8BiuCEv37wJNhY="},
		{"PBKDF2_SHA256", "{PBKDF2_SHA256}AAAgANCXG5RdQw/d1lmDp1o0BIigy56o5nXjEajy0kcBgo1hSMDF2GofHooMG2AqGcawSTZsLPn6xVSrb603NBmsCVOlJyxxUznretdxdKNaVSCaUrIfwNkK4ercSf+NGKx9fMBCksUMdcpOg2sUKWbz8lntSJdwU7b+dAPtwQjN7sh5O2bdqEEDMqWi2btMm2clN1a3S294monGQN5uEtNOvrQ9fisk7UgQ5rol1Vm/icc/5p5oSjUVhlx6/1zzgeoZVdiyMyA8GGhDP5uqM5s4lLvzum4oTJqFZOx2oD0jQcPUtQfHurkpUkziPc7EiEBRl+TBW05K0FRaK7rOYiATjVS3K1hHOqqoDYe6eymOM2JXIczplaC9yUMDUWZlvooFog6PQ59M/gJs+fNm1cT/5pbLB3PsB+QVh+wYk45ROwne"},
		{"CRYPT-SHA512", "{crypt}$6$OO$YlSj.H.F0I3iaE0vjYKPaIxhZgLKezv1sETNFbMppXxjuAdOBLdBvUmkAOgi.IgGrLKu5MWvDlCTJXIJALb8a/"},
		{"CRYPT-SHA256", "{crypt}$5$YF$a/lVhI.UutbA41ioShpNdxldMRbzOVA15Dftoonnd2/"},
		{"SSHA512", "{SSHA512}H9nxHrKop8/Ps5RpeJ6aKUFwvrcum63w5sW3UPhIZ7IPGukD3WIkMY1KfXzlfX2btVDO9pq2WDYc+LiOr4qVVG0s9kFZe7XA"},
	}
	for _, v := range vectors {
		t.Run(v.scheme, func(t *testing.T) {
			if ok, known := verifyPassword(v.stored, pw); !ok || !known {
				t.Errorf("right password: (%v, %v), want (true, true)", ok, known)
			}
			if ok, known := verifyPassword(v.stored, "Str0ng-Pass-2"); ok || !known {
				t.Errorf("wrong password: (%v, %v), want (false, true)", ok, known)
			}
		})
	}
}

// TestSHACryptVectors: the test vectors of the SHA-crypt specification
// (Drepper, "Unix crypt using SHA-256 and SHA-512"), rounds= included
// (below the minimum of 1000 it counts as 1000); the first as glibc's
// crypt and openssl passwd -5 make it.
func TestSHACryptVectors(t *testing.T) {
	vectors := []struct{ stored, pw string }{
		{"$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!"},
		{"$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA", "Hello world!"},
		{"$5$rounds=10$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC", "the minimum number is still observed"},
		{"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "Hello world!"},
		{"$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.", "Hello world!"},
		{"$6$rounds=1400$anotherlongsaltstring$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1", "a very much longer text to encrypt.  This one even stretches over morethan one line."},
	}
	if ok, known := verifyPassword("{CRYPT}"+vectors[0].stored, strings.Repeat("x", 1<<20)); ok || known {
		t.Errorf("a 1 MiB candidate: (%v, %v), want (false, false): not verified, so written", ok, known)
	}
	for _, v := range vectors {
		if ok, known := verifyPassword("{CRYPT}"+v.stored, v.pw); !ok || !known {
			t.Errorf("%s: (%v, %v), want (true, true)", v.stored, ok, known)
		}
		if ok, known := verifyPassword("{CRYPT}"+v.stored, v.pw+"x"); ok || !known {
			t.Errorf("%s with a wrong password: (%v, %v), want (false, true)", v.stored, ok, known)
		}
	}
}

func mustBcrypt(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestSplitScheme(t *testing.T) {
	tests := []struct {
		in, scheme, rest string
		ok               bool
	}{
		{"{SSHA}abc", "SSHA", "abc", true},
		{"{ssha}abc", "SSHA", "abc", true},
		{"plain", "", "plain", false},
		{"{}x", "", "{}x", false},
		{"{unterminated", "", "{unterminated", false},
	}
	for _, tt := range tests {
		scheme, rest, ok := splitScheme(tt.in)
		if scheme != tt.scheme || rest != tt.rest || ok != tt.ok {
			t.Errorf("splitScheme(%q) = %q, %q, %v", tt.in, scheme, rest, ok)
		}
	}
}

func TestPasswordsOnServer(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv)
	ctx := t.Context()
	alice := ChildDN("uid", "alice", srv.PeopleDN)
	bob := ChildDN("uid", "bob", srv.PeopleDN)
	carol := ChildDN("uid", "carol", srv.PeopleDN)
	for _, dn := range []string{alice, bob, carol} {
		_, uid, _ := RDNValue(dn)
		if err := s.Add(ctx, dn, person(uid)); err != nil {
			t.Fatal(err)
		}
	}

	// No password yet: cannot be verified, so the caller writes one.
	if ok, err := s.PasswordMatches(ctx, alice, "userPassword", "anything"); ok || !errors.Is(err, ErrPasswordUnknown) {
		t.Errorf("PasswordMatches without a password = %v, %v; want ErrPasswordUnknown", ok, err)
	}

	const pw = "Corr3ct horse ✓"
	for _, dn := range []string{alice, bob} {
		if err := s.SetPassword(ctx, dn, pw); err != nil {
			t.Fatalf("SetPassword: %v", err)
		}
	}
	if err := srv.CanBind(alice, pw); err != nil {
		t.Fatalf("bind with the new password: %v", err)
	}
	stored := srv.Entry(t, alice, "userPassword")["userpassword"]
	if len(stored) != 1 || !strings.HasPrefix(stored[0], "{SSHA}") {
		t.Errorf("stored password %q: want a server-side {SSHA} hash", stored)
	}
	if err := s.SetPassword(ctx, alice, ""); !errors.Is(err, ErrEmptyPassword) {
		t.Errorf("SetPassword empty = %v", err)
	}
	if err := s.SetPassword(ctx, ChildDN("uid", "nobody", srv.PeopleDN), pw); err == nil {
		t.Error("SetPassword on a missing entry succeeded")
	} else if strings.Contains(err.Error(), pw) {
		t.Errorf("error leaks the password: %v", err)
	}

	if ok, err := s.PasswordMatches(ctx, alice, "userPassword", pw); !ok || err != nil {
		t.Errorf("PasswordMatches(right) = %v, %v", ok, err)
	}
	if ok, err := s.PasswordMatches(ctx, alice, "userPassword", ""); ok || err != nil {
		t.Errorf("PasswordMatches(empty) = %v, %v", ok, err)
	}
	// Many wrong candidates: not bind failures, so no lockout (the policy
	// locks after 5 failed binds).
	for i := range 10 {
		if ok, err := s.PasswordMatches(ctx, alice, "userPassword", fmt.Sprintf("wrong%d", i)); ok || err != nil {
			t.Fatalf("PasswordMatches(wrong) = %v, %v", ok, err)
		}
	}
	if err := srv.CanBind(alice, pw); err != nil {
		t.Errorf("bind after 10 wrong PasswordMatches: %v (locked?)", err)
	}
	if e := srv.Entry(t, alice, "pwdFailureTime"); len(e["pwdfailuretime"]) != 0 {
		t.Errorf("PasswordMatches recorded failures: %v", e)
	}

	// Control: the same number of wrong binds does lock bob.
	for i := range 6 {
		if err := s.Bind(ctx, bob, fmt.Sprintf("wrong%d", i)); Code(err) != CodeInvalidCredentials || IsUnavailable(err) {
			t.Fatalf("Bind(wrong) = %v, want 49", err)
		} else if strings.Contains(err.Error(), "wrong") {
			t.Errorf("Bind error leaks the password: %v", err)
		}
	}
	if err := srv.CanBind(bob, pw); err == nil {
		t.Error("bob is not locked after 6 wrong binds: the lockout control is broken")
	}

	// Bind: right, wrong, empty.
	if err := s.Bind(ctx, alice, pw); err != nil {
		t.Errorf("Bind(right) = %v", err)
	}
	if err := s.Bind(ctx, alice, ""); !errors.Is(err, ErrEmptyPassword) {
		t.Errorf("Bind(empty) = %v", err)
	}
	// The pooled connections still act as the service account after Bind.
	if err := s.Modify(ctx, carol, []Change{{Op: ChangeReplace, Attr: "description", Values: []string{"still admin"}}}); err != nil {
		t.Errorf("Modify after Bind: %v", err)
	}

	// A value hashed elsewhere in a scheme slapd knows is stored as is and
	// verified too. (Schemes slapd does not know, such as {BCRYPT} here, are
	// re-hashed as cleartext by ppolicy_hash_cleartext, and the policy
	// allows one value only; the verifiers' unit tests cover those.)
	if err := s.Modify(ctx, carol, []Change{{Op: ChangeReplace, Attr: "userPassword", Values: []string{"{SMD5}CcaMstpC7UyevHY+RJL7jApkxYM="}}}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.PasswordMatches(ctx, carol, "userPassword", "secret"); !ok || err != nil {
		t.Errorf("{SMD5} PasswordMatches = %v, %v", ok, err)
	}
	if err := srv.CanBind(carol, "secret"); err != nil {
		t.Errorf("slapd disagrees about the {SMD5} value: %v", err)
	}
	if _, err := s.PasswordMatches(ctx, ChildDN("uid", "nobody", srv.PeopleDN), "userPassword", "x"); Code(err) != CodeNoSuchObject {
		t.Errorf("PasswordMatches on a missing entry = %v, want 32", err)
	}
}

// A service account that may not read userPassword gets ErrPasswordUnknown,
// not a false "differs".
func TestPasswordUnreadable(t *testing.T) {
	srv := startServer(t)
	admin, _ := openStore(t, srv)
	ctx := t.Context()
	svc, user := "cn=svc,"+srv.BaseDN, ChildDN("uid", "u", srv.PeopleDN)
	if err := admin.Add(ctx, svc, map[string][]string{"objectClass": {"person"}, "cn": {"svc"}, "sn": {"svc"}, "userPassword": {"svcpw"}}); err != nil {
		t.Fatal(err)
	}
	if err := admin.Add(ctx, user, person("u", "userPassword", "userpw")); err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t, srv, func(o *Options) { o.BindDN, o.BindPassword = svc, "svcpw" })
	if ok, err := s.PasswordMatches(ctx, user, "userPassword", "userpw"); ok || !errors.Is(err, ErrPasswordUnknown) {
		t.Errorf("PasswordMatches without read access = %v, %v; want ErrPasswordUnknown", ok, err)
	}
}
