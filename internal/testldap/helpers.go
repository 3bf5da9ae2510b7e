package testldap

import (
	"maps"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"
)

// Start starts an instance for a test and stops it in tb.Cleanup. It never
// skips: a directory that cannot start fails the run loudly, with the cause
// and the fix. (To share one instance across a package, use StartProcess
// and Stop in TestMain.)
func Start(tb testing.TB, opts ...Options) *Server {
	tb.Helper()
	var o Options
	switch len(opts) {
	case 0:
	case 1:
		o = opts[0]
	default:
		tb.Fatalf("testldap.Start: at most one Options, got %d", len(opts))
	}
	s, err := StartProcess(o)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("%v", err)
		}
	})
	return s
}

func dial(url string) (*ldap.Conn, error) {
	c, err := ldap.DialURL(url, ldap.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(30 * time.Second)
	return c, nil
}

// ping is the readiness check: an anonymous rootDSE read proves slapd has
// loaded its config and serves requests, not just that the port is open.
func ping(url string, opts ...ldap.DialOpt) error {
	c, err := ldap.DialURL(url, append(opts, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))...)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetTimeout(time.Second)
	_, err = c.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"namingContexts"}, nil))
	return err
}

// admin opens a fresh connection per call: helpers then keep working across
// Kill/Restart and never share state between parallel tests.
func (s *Server) admin(tb testing.TB) *ldap.Conn {
	tb.Helper()
	c, err := dial(s.URL)
	if err == nil {
		if err = c.Bind(s.BindDN, s.BindPassword); err != nil {
			c.Close()
		}
	}
	if err != nil {
		tb.Fatalf("testldap: admin bind to %s: %v", s.URL, err)
	}
	return c
}

// Entry reads one entry as admin: attribute names lower-cased, nil if it
// does not exist. With no attrs it returns all user attributes; operational
// ones (entryUUID, memberOf, pwdAccountLockedTime, modifyTimestamp, "+")
// come back when named.
func (s *Server) Entry(tb testing.TB, dn string, attrs ...string) map[string][]string {
	tb.Helper()
	c := s.admin(tb)
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", attrs, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil
	}
	if err != nil {
		tb.Fatalf("testldap: read %s: %v", dn, err)
	}
	if len(res.Entries) == 0 {
		return nil
	}
	return attrMap(res.Entries[0])
}

// Search is a subtree search as admin (no size limit): DN -> attributes,
// names lower-cased as in Entry. It pages, since AD answers at most 1,000
// entries per search even to its administrator.
func (s *Server) Search(tb testing.TB, base, filter string, attrs ...string) map[string]map[string][]string {
	tb.Helper()
	c := s.admin(tb)
	defer c.Close()
	res, err := c.SearchWithPaging(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, filter, attrs, nil), 500)
	if err != nil {
		tb.Fatalf("testldap: search %s %s: %v", base, filter, err)
	}
	out := make(map[string]map[string][]string, len(res.Entries))
	for _, e := range res.Entries {
		out[e.DN] = attrMap(e)
	}
	return out
}

func attrMap(e *ldap.Entry) map[string][]string {
	m := make(map[string][]string, len(e.Attributes))
	for _, a := range e.Attributes {
		k := strings.ToLower(a.Name)
		m[k] = append(m[k], a.Values...)
	}
	return m
}

// CanBind tries a simple bind on a fresh connection; nil means success.
// A wrong password and a locked account both give result code 49: test with
// ldap.IsErrorWithCode(err, 49), or without go-ldap for "Result Code 49" in
// err.Error().
func (s *Server) CanBind(dn, password string) error {
	c, err := dial(s.URL)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Bind(dn, password)
}

// MustAdd adds an entry as admin or fails the test.
func (s *Server) MustAdd(tb testing.TB, dn string, attrs map[string][]string) {
	tb.Helper()
	c := s.admin(tb)
	defer c.Close()
	if err := c.Add(addRequest(dn, attrs)); err != nil {
		tb.Fatalf("testldap: add %s: %v", dn, err)
	}
}

// MustAddMany adds n entries made by entry(i) on one admin connection, or
// fails the test: bulk seeding without a bind per entry (binds to AD are
// slow).
func (s *Server) MustAddMany(tb testing.TB, n int, entry func(i int) (dn string, attrs map[string][]string)) {
	tb.Helper()
	c := s.admin(tb)
	defer c.Close()
	for i := range n {
		dn, attrs := entry(i)
		if err := c.Add(addRequest(dn, attrs)); err != nil {
			tb.Fatalf("testldap: add %s: %v", dn, err)
		}
	}
}

// MustModify replaces attributes as admin or fails the test; an empty value
// list deletes the attribute (LDAP replace semantics).
func (s *Server) MustModify(tb testing.TB, dn string, replace map[string][]string) {
	tb.Helper()
	c := s.admin(tb)
	defer c.Close()
	req := ldap.NewModifyRequest(dn, nil)
	for _, k := range sortedKeys(replace) {
		req.Replace(k, replace[k])
	}
	if err := c.Modify(req); err != nil {
		tb.Fatalf("testldap: modify %s: %v", dn, err)
	}
}

func addRequest(dn string, attrs map[string][]string) *ldap.AddRequest {
	req := ldap.NewAddRequest(dn, nil)
	for _, k := range sortedKeys(attrs) {
		req.Attribute(k, attrs[k])
	}
	return req
}

// sortedKeys keeps requests deterministic, so failures reproduce.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// SetPassword sets a user's password as admin or fails the test, the way
// each kind wants it: AD's unicodePwd (the quoted password in UTF-16LE),
// 389-ds's userPassword, OpenLDAP's Password Modify extended operation; the
// server hashes it in every case.
func (s *Server) SetPassword(tb testing.TB, dn, password string) {
	tb.Helper()
	c := s.admin(tb)
	defer c.Close()
	var err error
	switch s.Kind {
	case SambaAD:
		req := ldap.NewModifyRequest(dn, nil)
		req.Replace("unicodePwd", []string{UnicodePwd(password)})
		err = c.Modify(req)
	case DS389:
		// 389-ds answers the extended operation only over TLS (13,
		// confidentiality required), and hashes a userPassword written in
		// clear itself.
		req := ldap.NewModifyRequest(dn, nil)
		req.Replace("userPassword", []string{password})
		err = c.Modify(req)
	default:
		_, err = c.PasswordModify(ldap.NewPasswordModifyRequest(dn, "", password))
	}
	if err != nil {
		tb.Fatalf("testldap: set password of %s: %v", dn, err)
	}
}

// UnicodePwd encodes a password for AD's unicodePwd attribute.
func UnicodePwd(password string) string {
	u := utf16.Encode([]rune(`"` + password + `"`))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		b[2*i], b[2*i+1] = byte(r), byte(r>>8)
	}
	return string(b)
}

// FreeAddr is a loopback host:port nothing listens on at the moment, for a
// bridge to listen on or for a client to find dead.
func FreeAddr(tb testing.TB) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(tb)))
}

// FreePort is a loopback port nothing listens on at the moment, e.g. for a
// directory started later in the test (Options.Port).
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// LDAPModify applies LDIF change records as the server's admin with the
// ldapmodify command (ldap-utils), exactly as an admin following the
// README would, or fails the test.
func (s *Server) LDAPModify(tb testing.TB, ldif string) {
	tb.Helper()
	cmd := exec.Command("ldapmodify", "-x", "-H", s.URL, "-D", s.BindDN, "-w", s.BindPassword)
	cmd.Stdin = strings.NewReader(ldif)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("testldap: ldapmodify: %v\n%s", err, out)
	}
}

// DocBlock returns the first fenced code block (```lang) after the line
// of the document at path that contains marker, without the fence and
// without the indentation of its opening fence: the commands a README
// gives, for a test to run as written.
func DocBlock(tb testing.TB, path, marker, lang string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, marker)
	if i < 0 {
		tb.Fatalf("testldap: %s has no %q", path, marker)
	}
	lines := strings.Split(text[i:], "\n")
	var out []string
	indent := ""
	in := false
	for _, l := range lines[1:] {
		t := strings.TrimLeft(l, " ")
		switch {
		case !in && t == "```"+lang:
			in, indent = true, l[:len(l)-len(t)]
		case in && t == "```":
			return strings.Join(out, "\n") + "\n"
		case in:
			out = append(out, strings.TrimPrefix(l, indent))
		}
	}
	tb.Fatalf("testldap: no ```%s block after %q in %s", lang, marker, path)
	return ""
}

// MustMove moves an entry under newSuperior, keeping its RDN (a modrdn with
// a new superior, as an admin moving a user between OUs does), and returns
// its new DN, or fails the test.
func (s *Server) MustMove(tb testing.TB, dn, newSuperior string) string {
	tb.Helper()
	c := s.admin(tb)
	defer c.Close()
	rdn, _, _ := strings.Cut(dn, ",")
	if err := c.ModifyDN(ldap.NewModifyDNRequest(dn, rdn, true, newSuperior)); err != nil {
		tb.Fatalf("testldap: move %s under %s: %v", dn, newSuperior, err)
	}
	return rdn + "," + newSuperior
}
