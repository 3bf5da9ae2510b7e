package testldap

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// TestKinds starts each directory the way the shared suites do and checks
// what they rely on: the base entries, admin and user binds, LDAPS with
// CAFile and ServerName, Kill and Restart, and that Stop leaves nothing
// behind.
func TestKinds(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			t0 := time.Now()
			s, err := StartProcess(Options{Kind: kind})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s started in %v: %s %s base %s", kind, time.Since(t0).Round(time.Millisecond), s.URL, s.LDAPSURL, s.BaseDN)
			stopped := false
			defer func() {
				if !stopped {
					_ = s.Stop()
				}
			}()

			root := s.Entry(t, "", "supportedControl", "namingContexts")
			if !slices.Contains(root["supportedcontrol"], ldap.ControlTypePaging) {
				t.Errorf("no paged results control: %v", root["supportedcontrol"])
			}
			if !slices.ContainsFunc(root["namingcontexts"], func(v string) bool { return strings.EqualFold(v, s.BaseDN) }) {
				t.Errorf("namingContexts %v lack %s", root["namingcontexts"], s.BaseDN)
			}
			for _, dn := range []string{s.PeopleDN, s.GroupsDN} {
				if s.Entry(t, dn) == nil {
					t.Errorf("%s missing", dn)
				}
			}

			dn, attrs := testUser(s, "kind.user")
			s.MustAdd(t, dn, attrs)
			s.SetPassword(t, dn, "Kind-Pass-123")
			if kind == SambaAD {
				s.MustModify(t, dn, map[string][]string{"userAccountControl": {"512"}})
			}
			if err := s.CanBind(dn, "Kind-Pass-123"); err != nil {
				t.Errorf("user bind: %v", err)
			}
			if err := s.CanBind(dn, "wrong-Pass-123"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
				t.Errorf("bind with a wrong password: %v, want 49", err)
			}

			t.Run("ldaps", func(t *testing.T) {
				pem, err := os.ReadFile(s.CAFile)
				if err != nil {
					t.Fatal(err)
				}
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					t.Fatalf("no certificate in %s", s.CAFile)
				}
				c, err := ldap.DialURL(s.LDAPSURL, ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}),
					ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: s.ServerName}))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if err := c.Bind(s.BindDN, s.BindPassword); err != nil {
					t.Fatal(err)
				}
			})

			// Outage tests kill a directory and bring it back with its data.
			t.Run("Kill and Restart", func(t *testing.T) {
				if err := s.Kill(); err != nil {
					t.Fatal(err)
				}
				if ping(s.URL) == nil {
					t.Fatal("still answers after Kill")
				}
				if err := s.Restart(); err != nil {
					t.Fatal(err)
				}
				if err := s.CanBind(dn, "Kind-Pass-123"); err != nil {
					t.Errorf("user bind after Restart: %v", err)
				}
			})

			stopped = true
			if err := s.Stop(); err != nil {
				t.Error(err)
			}
			if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
				t.Errorf("Dir %s left behind: %v", s.Dir, err)
			}
			if ping(s.URL) == nil {
				t.Errorf("%s still answers after Stop", s.URL)
			}
		})
	}
}

// testUser is a minimal user entry of the kind's schema.
func testUser(s *Server, name string) (string, map[string][]string) {
	if s.Kind == SambaAD {
		return "CN=" + name + "," + s.PeopleDN, map[string][]string{
			"objectClass": {"user"}, "cn": {name}, "sAMAccountName": {name}, "userPrincipalName": {name + "@example.com"},
		}
	}
	return "uid=" + name + "," + s.PeopleDN, map[string][]string{
		"objectClass": {"inetOrgPerson"}, "uid": {name}, "cn": {name}, "sn": {name},
	}
}
