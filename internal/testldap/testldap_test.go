package testldap

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func TestFeatures(t *testing.T) {
	t0 := time.Now()
	s := Start(t)
	t.Logf("start took %v (%s, %s)", time.Since(t0), s.URL, s.LDAPSURL)

	t.Run("rootDSE", func(t *testing.T) {
		root := s.Entry(t, "", "supportedControl", "namingContexts")
		for _, oid := range []string{"1.2.840.113556.1.4.319", "2.16.840.1.113730.3.4.9", "1.2.840.113556.1.4.473"} {
			if !slices.Contains(root["supportedcontrol"], oid) {
				t.Errorf("rootDSE lacks control %s: %v", oid, root["supportedcontrol"])
			}
		}
		if !slices.Equal(root["namingcontexts"], []string{s.BaseDN}) {
			t.Errorf("namingContexts = %v", root["namingcontexts"])
		}
	})

	alice, bob := "uid=alice,"+s.PeopleDN, "uid=bob,"+s.PeopleDN
	group := "cn=devs," + s.GroupsDN
	person := func(uid, pw string) map[string][]string {
		return map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {uid}, "cn": {uid}, "sn": {uid}, "userPassword": {pw}}
	}
	s.MustAdd(t, alice, person("alice", "secret1"))
	s.MustAdd(t, bob, person("bob", "secret2"))
	s.MustAdd(t, group, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"devs"}, "member": {alice, bob}})

	t.Run("entryUUID+memberOf", func(t *testing.T) {
		e := s.Entry(t, alice, "entryUUID", "memberOf", "cn")
		if u := e["entryuuid"]; len(u) != 1 || len(u[0]) != 36 {
			t.Errorf("entryUUID = %v", u)
		}
		if !slices.Equal(e["memberof"], []string{group}) {
			t.Errorf("memberOf = %v, want %s", e["memberof"], group)
		}
		if s.Entry(t, "uid=nobody,"+s.PeopleDN) != nil {
			t.Error("Entry of a missing DN is not nil")
		}
		if got := s.Search(t, s.PeopleDN, "(objectClass=inetOrgPerson)", "uid"); len(got) != 2 || got[bob]["uid"][0] != "bob" {
			t.Errorf("Search = %v", got)
		}
	})

	t.Run("ppolicy admin lock", func(t *testing.T) {
		if err := s.CanBind(alice, "secret1"); err != nil {
			t.Fatalf("bind before lock: %v", err)
		}
		s.MustModify(t, alice, map[string][]string{"pwdAccountLockedTime": {"000001010000Z"}})
		if err := s.CanBind(alice, "secret1"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			t.Errorf("bind while locked: %v, want 49", err)
		}
		s.MustModify(t, alice, map[string][]string{"pwdAccountLockedTime": nil})
		if err := s.CanBind(alice, "secret1"); err != nil {
			t.Errorf("bind after unlock: %v", err)
		}
	})

	t.Run("refint on delete", func(t *testing.T) {
		c := s.admin(t)
		defer c.Close()
		if err := c.Del(ldap.NewDelRequest(bob, nil)); err != nil {
			t.Fatal(err)
		}
		if m := s.Entry(t, group, "member")["member"]; !slices.Equal(m, []string{alice}) {
			t.Errorf("member after deleting bob = %v", m)
		}
	})

	t.Run("TLS with CAFile", func(t *testing.T) {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg := &tls.Config{RootCAs: pool}
		c, err := ldap.DialURL(s.LDAPSURL, ldap.DialWithTLSConfig(cfg))
		if err != nil {
			t.Fatalf("ldaps: %v", err)
		}
		err = c.Bind(s.BindDN, s.BindPassword)
		c.Close()
		if err != nil {
			t.Fatalf("bind over ldaps: %v", err)
		}
		c, err = ldap.DialURL(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.StartTLS(&tls.Config{RootCAs: pool, ServerName: "localhost"}); err != nil {
			t.Fatalf("StartTLS: %v", err)
		}
	})
}

func TestKillRestart(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{LDAPSPort: -1, NoSync: true})
	if s.LDAPSURL != "" || s.LDAPSPort != 0 {
		t.Errorf("ldaps off, yet LDAPSURL=%q port %d", s.LDAPSURL, s.LDAPSPort)
	}
	dn := "uid=carol," + s.PeopleDN
	s.MustAdd(t, dn, map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {"carol"}, "cn": {"c"}, "sn": {"c"}})
	url := s.URL
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := s.CanBind(s.BindDN, s.BindPassword); err == nil {
		t.Fatal("bind succeeded after Kill")
	}
	t0 := time.Now()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart took %v", time.Since(t0))
	if s.URL != url {
		t.Errorf("URL changed on Restart: %s -> %s", url, s.URL)
	}
	if s.Entry(t, dn, "uid") == nil {
		t.Error("entry lost across Kill+Restart")
	}
}

func TestParallelServers(t *testing.T) {
	t.Parallel()
	a, b := Start(t), Start(t)
	if a.Port == b.Port || a.LDAPSPort == b.LDAPSPort || a.Dir == b.Dir {
		t.Fatalf("servers share ports or dir: %+v %+v", a, b)
	}
	dn := "uid=dave," + a.PeopleDN
	a.MustAdd(t, dn, map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {"dave"}, "cn": {"d"}, "sn": {"d"}})
	if a.Entry(t, dn) == nil || b.Entry(t, dn) != nil {
		t.Error("entry added to one server is not exactly there")
	}
}

// A kept Dir survives Stop, and Stop+Restart reuses data and certificate;
// PreloadLDIF is applied on creation.
func TestKeptDirAndPreload(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "bed")
	ldif := filepath.Join(t.TempDir(), "seed.ldif")
	seed := "dn: uid=erin,ou=People,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: erin\ncn: e\nsn: e\n"
	if err := os.WriteFile(ldif, []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Start(t, Options{Dir: dir, PreloadLDIF: ldif, LDAPSPort: -1})
	erin := "uid=erin," + s.PeopleDN
	if e := s.Entry(t, erin, "entryUUID"); len(e["entryuuid"]) != 1 {
		t.Fatalf("preloaded entry = %v", e)
	}
	crt, _ := os.ReadFile(s.CAFile)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Entry(t, erin) == nil {
		t.Error("kept dir lost its data")
	}
	if crt2, _ := os.ReadFile(s.CAFile); string(crt) != string(crt2) {
		t.Error("certificate regenerated in a kept dir")
	}
}

// A port the caller fixed that is taken must fail fast, naming the port.
func TestFixedPortBusy(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	s, err := StartProcess(Options{Port: port, LDAPSPort: -1})
	if err == nil {
		s.Stop()
		t.Fatal("started on a busy port")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error does not say the port is in use: %v", err)
	}
}

func TestPauseResume(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{LDAPSPort: -1, NoSync: true})
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	// A frozen slapd still completes TCP handshakes (the kernel does) but
	// answers nothing: the search must run into its timeout.
	c, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}))
	if err != nil {
		t.Fatalf("dial while paused: %v (the kernel should still accept)", err)
	}
	c.SetTimeout(300 * time.Millisecond)
	if err := c.Bind(s.BindDN, s.BindPassword); err == nil {
		t.Fatal("bind answered while paused")
	}
	c.Close()
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := s.CanBind(s.BindDN, s.BindPassword); err != nil {
		t.Fatalf("bind after Resume: %v", err)
	}
	// Stop must work on a paused server too (Cleanup calls it).
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
}
