package testldap

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Samba as an Active Directory domain controller (Debian samba 4.17), the
// stand-in for Microsoft AD: realm EXAMPLE.COM, base DN DC=example,DC=com,
// OU=People and OU=Groups, Administrator / Passw0rd!.
//
// `samba-tool domain provision` takes about 6 s, so it runs once per
// machine and Samba version, into a cached template; each start copies the
// template, points its smb.conf at the copy and runs `samba -i` (the
// foreground) as our child, ready in about a second.
//
// Samba's LDAP ports are hard-coded (389, 636 and the global catalog's
// 3268/3269): one instance per machine, serialised by SambaLockPath.
// Only the ldap service runs (no kdc, smbd, dns, rpc, winbindd).
const (
	sambaBindDN = "CN=Administrator,CN=Users,DC=example,DC=com"
	sambaBindPW = "Passw0rd!" // must meet AD's complexity rules
	sambaBase   = "DC=example,DC=com"
)

var sambaPorts = []int{389, 636, 3268, 3269}

// SambaLockPath is the machine-wide lock a Samba instance holds while it
// runs (a name the temp-dir reaper leaves alone). Tests in other packages,
// or other checkouts, wait for it rather than fail on a busy port 389.
var SambaLockPath = filepath.Join(os.TempDir(), "scim2ldap-testldap-samba.lock")

// sambaLockWait bounds the wait for another test process's Samba: a whole
// package's tests can run in front of us.
const sambaLockWait = 10 * time.Minute

func startSamba(opts Options) (*Server, error) {
	if opts.Port != 0 || opts.LDAPSPort != 0 {
		return nil, fmt.Errorf("testldap: %s listens on 389 and 636 only (hard-coded in Samba); leave Port and LDAPSPort 0", SambaAD)
	}
	if err := needRoot(SambaAD, "it binds ports 389 and 636"); err != nil {
		return nil, err
	}
	if err := needCommands(SambaAD, "samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind",
		"/usr/sbin/samba", "/usr/bin/samba-tool"); err != nil {
		return nil, err
	}
	tpl, err := cached("samba-r3", []string{"/usr/sbin/samba", "-V"}, buildSamba)
	if err != nil {
		return nil, err
	}
	unlock, err := lockFile(SambaLockPath, sambaLockWait)
	if err != nil {
		return nil, fmt.Errorf("%w (another test process runs Samba AD; only one can, its ports are fixed)", err)
	}
	if err := waitPortsFree(sambaPorts, time.Minute); err != nil {
		unlock()
		return nil, err
	}
	dir, err := newInstanceDir(SambaAD)
	if err != nil {
		unlock()
		return nil, err
	}
	s := &Server{
		Kind: SambaAD, URL: "ldap://127.0.0.1:389", LDAPSURL: "ldaps://127.0.0.1:636", Port: 389, LDAPSPort: 636,
		BaseDN: sambaBase, BindDN: sambaBindDN, BindPassword: sambaBindPW,
		PeopleDN: "OU=People," + sambaBase, GroupsDN: "OU=Groups," + sambaBase,
		CAFile: filepath.Join(dir, "tls.crt"), Dir: dir, tempDir: true, opts: opts, release: unlock,
	}
	return s.fromTemplate(tpl, s.configureSamba, s.launchSamba)
}

// configureSamba gives the copy its own paths (the template's, builtAt,
// become ours) and certificate. Samba's own certificate names only its
// host in the CN, which Go rejects; ours has SANs for 127.0.0.1 and
// localhost.
func (s *Server) configureSamba(builtAt string) error {
	if err := ensureCert(s.Dir); err != nil {
		return fmt.Errorf("testldap: TLS certificate: %w", err)
	}
	conf := filepath.Join(s.Dir, "etc/smb.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		return fmt.Errorf("testldap: %w", err)
	}
	text := strings.ReplaceAll(string(b), builtAt, s.Dir)
	return os.WriteFile(conf, []byte(text), 0o644)
}

// launchSamba runs samba in the foreground (-i) as one process (-M
// single), so it is our child and dies with us, and waits until both LDAP
// and LDAPS answer (the TLS listener comes up a little later).
func (s *Server) launchSamba() error {
	cmd := exec.Command("/usr/sbin/samba", "-i", "-M", "single", "-s", filepath.Join(s.Dir, "etc/smb.conf"))
	return s.runChild(cmd, filepath.Join(s.Dir, "samba.log"), 2*time.Minute, func() bool {
		return ping(s.URL) == nil && pingTLS(s.LDAPSURL, s.CAFile) == nil
	})
}

func pingTLS(url, caFile string) error {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return ping(url, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool}))
}

// waitPortsFree waits for a Samba stopped a moment ago to let go of its
// ports, and names the port when something else holds it.
func waitPortsFree(ports []int, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for _, p := range ports {
		for busy(p) {
			if time.Now().After(deadline) {
				return fmt.Errorf("testldap: %s needs 127.0.0.1:%d, which another program holds (a system slapd or samba? `ss -ltnp 'sport = :%d'`)", SambaAD, p, p)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

// buildSamba provisions the template domain into dir.
func buildSamba(dir string) error {
	for _, d := range []string{"run", "etc"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	// Without --configfile samba-tool merges /etc/samba/smb.conf into ours.
	empty := filepath.Join(dir, "empty.conf")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		return err
	}
	run := func(args ...string) error {
		out, err := exec.Command("/usr/bin/samba-tool", args...).CombinedOutput()
		f, _ := os.OpenFile(filepath.Join(dir, "provision.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if f != nil {
			fmt.Fprintf(f, "--- samba-tool %s\n%s", args[0:2], out)
			f.Close()
		}
		if err != nil {
			return fmt.Errorf("testldap: samba-tool %s: %v\n%s", strings.Join(args[:2], " "), err, tail(string(out), 30))
		}
		return nil
	}
	opt := func(kv string) string { return "--option=" + kv }
	err := run("domain", "provision", "--configfile="+empty, "--targetdir="+dir,
		"--realm=EXAMPLE.COM", "--domain=EXAMPLE", "--server-role=dc", "--dns-backend=NONE", "--use-rfc2307",
		"--adminpass="+sambaBindPW, "--host-name=dc1", "--host-ip=127.0.0.1",
		opt("interfaces = 127.0.0.1"), opt("bind interfaces only = yes"), opt("server services = ldap"),
		opt("pid directory = "+dir+"/run"), opt("ncalrpc dir = "+dir+"/run/ncalrpc"),
		opt("winbindd socket directory = "+dir+"/run/winbindd"),
		opt("ntp signd socket directory = "+dir+"/run/ntp_signd"), opt("log file = "+dir+"/log.%m"))
	if err != nil {
		return err
	}
	sam := filepath.Join(dir, "private/sam.ldb")
	// Passwords may change right away (AD's default minimum age is a day);
	// complexity and the minimum length of 7 stay as in AD.
	if err := run("domain", "passwordsettings", "set", "-H", sam, "--min-pwd-age=0"); err != nil {
		return err
	}
	for _, ou := range []string{"People", "Groups"} {
		if err := run("ou", "create", "OU="+ou+","+sambaBase, "-H", sam); err != nil {
			return err
		}
	}
	// provision drops "ldap server require strong auth" given as --option,
	// so it is added here. "no" lets tests bind on plain 389 as AD with
	// signing off would; the bridge itself still refuses to send passwords
	// without TLS.
	conf := filepath.Join(dir, "etc/smb.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		return err
	}
	// "old password allowed period = 0": Samba otherwise accepts the
	// previous password for an hour on simple binds (it checks them like
	// NTLM logons), where AD refuses it; password tests would then pass
	// for the wrong reason.
	extra := "[global]\n" +
		"\tldap server require strong auth = no\n" +
		"\told password allowed period = 0\n" +
		// A throwaway domain needs no fsync per write; Samba's own
		// selftest runs so. Adds are several times faster.
		"\tldb:nosync = true\n" +
		"\ttls enabled = yes\n" +
		"\ttls keyfile = " + dir + "/tls.key\n" +
		"\ttls certfile = " + dir + "/tls.crt\n" +
		"\ttls cafile = " + dir + "/tls.crt\n"
	text := strings.Replace(string(b), "[global]\n", extra, 1)
	if text == string(b) {
		return fmt.Errorf("testldap: no [global] in %s", conf)
	}
	return os.WriteFile(conf, []byte(text), 0o644)
}
