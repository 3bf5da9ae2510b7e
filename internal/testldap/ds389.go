package testldap

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// 389 Directory Server, the Debian 389-ds-base build.
//
// dscreate takes about 15 s, so it runs once per machine and package
// version, into a cached template (see cached); each start copies the
// template, points its dse.ldif at the copy and at fresh ports, and starts
// ns-slapd, which takes about a second.
//
// The instance lives in a prefix tree the way `dscreate ds-root` lays one
// out for non-root users (ds-root itself refuses root and hard-codes
// /usr/lib64): nothing goes to /etc/dirsrv or /var/lib/dirsrv, and systemd
// is not involved (`systemd = False` in the inf file). ns-slapd switches to
// the user dirsrv, hence root.
const (
	ds389Instance = "testldap"
	ds389BindDN   = "cn=Directory Manager"
	ds389BindPW   = "Admin123!" // dscreate wants at least 8 characters
)

var ds389Programs = []string{"/usr/sbin/dscreate", "/usr/sbin/ns-slapd", "/usr/share/dirsrv/inf/defaults.inf"}

func startDS389(opts Options) (*Server, error) {
	if err := needRoot(DS389, "ns-slapd runs as the user dirsrv"); err != nil {
		return nil, err
	}
	if err := needCommands(DS389, "389-ds-base", ds389Programs...); err != nil {
		return nil, err
	}
	// The name carries the revision of this recipe; the hash, the package's.
	tpl, err := cached("389ds-r1", []string{"dpkg-query", "-W", "389-ds-base"}, buildDS389)
	if err != nil {
		return nil, err
	}
	dir, err := newInstanceDir(DS389)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Kind: DS389, BaseDN: baseDN, BindDN: ds389BindDN, BindPassword: ds389BindPW,
		PeopleDN: "ou=People," + baseDN, GroupsDN: "ou=Groups," + baseDN,
		Dir: dir, tempDir: true, opts: opts, ServerName: "localhost",
		CAFile: filepath.Join(dir, "etc/dirsrv/slapd-"+ds389Instance, "ca.crt"),
	}
	return s.fromTemplate(tpl, s.configureDS389Copy, s.launchDS389)
}

// configureDS389Copy picks the copy's ports and rewrites its dse.ldif: the
// template's paths (builtAt) become ours, its ports the picked ones.
func (s *Server) configureDS389Copy(builtAt string) error {
	if err := s.pickPorts(); err != nil {
		return err
	}
	dse := filepath.Join(s.Dir, "etc/dirsrv/slapd-"+ds389Instance, "dse.ldif")
	b, err := os.ReadFile(dse)
	if err != nil {
		return fmt.Errorf("testldap: %w", err)
	}
	// LDIF folds long lines; the paths only match once unfolded, and
	// ns-slapd reads long lines just as well.
	text := strings.ReplaceAll(string(b), "\n ", "")
	text = strings.ReplaceAll(text, builtAt, s.Dir)
	text = rePort.ReplaceAllString(text, "nsslapd-port: "+strconv.Itoa(s.Port))
	text = reSecurePort.ReplaceAllString(text, "nsslapd-securePort: "+strconv.Itoa(s.LDAPSPort))
	// Referential integrity follows manager too (its default list is
	// member, uniquemember, owner, seeAlso), as the bridge's README asks of
	// a site that maps the manager. Set per copy, so the cached template
	// (shared with other checkouts) stays as it is.
	if !reReferintManager.MatchString(text) {
		text = reReferintSeeAlso.ReplaceAllString(text, "${0}\nreferint-membership-attr: manager")
	}
	// memberOf lists direct groups only, as OpenLDAP's memberof overlay
	// and AD do; the bridge computes nested memberships itself (the
	// plug-in's default adds every group up the chain).
	if !reSkipNested.MatchString(text) {
		text = reMemberOfAttr.ReplaceAllString(text, "${0}\nmemberOfSkipNested: on")
	}
	// os.WriteFile keeps the owner (dirsrv) of the existing file.
	if err := os.WriteFile(dse, []byte(text), 0o600); err != nil {
		return fmt.Errorf("testldap: %w", err)
	}
	// NSS's module list names the certificate dir too.
	for _, f := range []string{"etc/dirsrv/slapd-" + ds389Instance + "/pkcs11.txt"} {
		p := filepath.Join(s.Dir, f)
		if b, err := os.ReadFile(p); err == nil {
			_ = os.WriteFile(p, bytes.ReplaceAll(b, []byte(builtAt), []byte(s.Dir)), 0o600)
		}
	}
	return nil
}

var (
	rePort       = regexp.MustCompile(`(?mi)^nsslapd-port: \d+`)
	reSecurePort = regexp.MustCompile(`(?mi)^nsslapd-securePort: \d+`)
	// The referint plug-in's attribute list, in the template's dse.ldif.
	reReferintSeeAlso = regexp.MustCompile(`(?mi)^referint-membership-attr: seeAlso$`)
	reReferintManager = regexp.MustCompile(`(?mi)^referint-membership-attr: manager$`)
	// The MemberOf plug-in's entry.
	reMemberOfAttr = regexp.MustCompile(`(?mi)^memberofattr: memberOf$`)
	reSkipNested   = regexp.MustCompile(`(?mi)^memberOfSkipNested:`)
)

// launchDS389 runs ns-slapd in the foreground (-d 0) as our child, like
// slapd: a daemon would be re-parented to init, and where init does not
// reap (containers, VMs with a minimal init) a killed ns-slapd stays a
// zombie whose pid, still in its lock dir, blocks every restart ("already
// running"). Its log goes to the errors file as usual.
func (s *Server) launchDS389() error {
	conf := filepath.Join(s.Dir, "etc/dirsrv/slapd-"+ds389Instance)
	pidFile := filepath.Join(s.Dir, "run/dirsrv/slapd-"+ds389Instance+".pid")
	errLog := filepath.Join(s.Dir, "var/log/dirsrv/slapd-"+ds389Instance, "errors")
	_ = os.Remove(pidFile)
	// A killed instance leaves its pid here, and ns-slapd refuses to start
	// while that pid exists, whoever has it now.
	stale, _ := filepath.Glob(filepath.Join(s.Dir, "run/lock/dirsrv/slapd-"+ds389Instance, "server", "*"))
	for _, f := range stale {
		os.Remove(f)
	}
	cmd := exec.Command("/usr/sbin/ns-slapd", "-D", conf, "-i", pidFile, "-d", "0")
	err := s.runChild(cmd, filepath.Join(s.Dir, "ns-slapd.log"), time.Minute, func() bool {
		return readPid(pidFile) == cmd.Process.Pid && ping(s.URL) == nil
	})
	if err != nil {
		return fmt.Errorf("%w\n%s:\n%s", err, errLog, logTail(errLog))
	}
	// For the reaper: ns-slapd switches to dirsrv, which clears Pdeathsig.
	_ = os.WriteFile(filepath.Join(s.Dir, "server.pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	return nil
}

// buildDS389 makes the template: dscreate into a prefix tree in dir, the
// settings the tests rely on, then a clean shutdown.
func buildDS389(dir string) error {
	if err := os.Chmod(dir, 0o755); err != nil { // dirsrv must traverse it
		return err
	}
	// lib389 creates missing parent dirs as root with mode 0770, which
	// dirsrv cannot traverse ("Unable to access nsslapd-rundir"): make them
	// 0755 first.
	for _, d := range []string{"share", "etc/dirsrv", "tmp", "var/log/dirsrv", "var/lib/dirsrv/slapd-" + ds389Instance,
		"run/lock/dirsrv", "lib/dirsrv"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
		_ = os.Chmod(filepath.Join(dir, d), 0o755)
	}
	if out, err := exec.Command("chown", "dirsrv:dirsrv", filepath.Join(dir, "tmp")).CombinedOutput(); err != nil {
		return fmt.Errorf("testldap: chown dirsrv (is 389-ds-base installed?): %v\n%s", err, out)
	}
	for _, c := range [][]string{
		{"cp", "-a", "/usr/share/dirsrv", filepath.Join(dir, "share") + "/"},
		{"cp", "-a", "/etc/dirsrv/config", "/etc/dirsrv/schema", filepath.Join(dir, "etc/dirsrv") + "/"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("testldap: %v: %v\n%s", c, err, out)
		}
	}
	if err := writeDS389Defaults(dir); err != nil {
		return err
	}
	// The ports only matter while the template is configured; each copy
	// gets its own.
	s := &Server{Dir: dir, BindDN: ds389BindDN, BindPassword: ds389BindPW}
	if err := s.pickPorts(); err != nil {
		return err
	}
	inf := fmt.Sprintf(`[general]
full_machine_name = localhost
strict_host_checking = False
start = True
selinux = False
systemd = False

[slapd]
instance_name = %s
port = %d
secure_port = %d
root_password = %s
self_sign_cert = True

[backend-userroot]
suffix = %s
create_suffix_entry = True
sample_entries = no
`, ds389Instance, s.Port, s.LDAPSPort, ds389BindPW, baseDN)
	infPath := filepath.Join(dir, "instance.inf")
	if err := os.WriteFile(infPath, []byte(inf), 0o600); err != nil {
		return err
	}
	cmd := exec.Command("/usr/sbin/dscreate", "-v", "from-file", infPath)
	cmd.Env = append(os.Environ(), "PREFIX="+dir, "INSTALL_PREFIX="+dir)
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(filepath.Join(dir, "dscreate.log"), out, 0o644)
	if err != nil {
		return fmt.Errorf("testldap: dscreate: %v\n%s", err, tail(string(out), 30))
	}
	pidFile := filepath.Join(dir, "run/dirsrv/slapd-"+ds389Instance+".pid")
	if pid := readPid(pidFile); pid > 0 {
		s.daemonPid = pid
	}
	defer s.signal(syscall.SIGTERM, 30*time.Second) //nolint:errcheck // best effort: the template is kept either way
	if err := configureDS389(s); err != nil {
		return err
	}
	if err := s.signal(syscall.SIGTERM, 30*time.Second); err != nil {
		return err
	}
	// Not part of the template: region files are recreated (and hold 100 MB),
	// share/ was only for dscreate.
	for _, g := range []string{"var/lib/dirsrv/slapd-" + ds389Instance + "/db/__db.*", "run/dirsrv/*.pid",
		"etc/dirsrv/slapd-" + ds389Instance + "/dse.ldif.startOK"} {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		for _, f := range m {
			os.Remove(f)
		}
	}
	os.RemoveAll(filepath.Join(dir, "share"))
	for _, f := range []string{"access", "errors", "audit", "security"} {
		_ = os.Truncate(filepath.Join(dir, "var/log/dirsrv/slapd-"+ds389Instance, f), 0)
	}
	return nil
}

// writeDS389Defaults writes the prefix tree's defaults.inf: Debian's, with
// every path moved into dir.
func writeDS389Defaults(dir string) error {
	b, err := os.ReadFile("/usr/share/dirsrv/inf/defaults.inf")
	if err != nil {
		return err
	}
	set := map[string]string{
		"with_systemd": "0", "with_selinux": "no", "prefix": dir,
		"data_dir":          filepath.Join(dir, "share"),
		"inst_dir":          filepath.Join(dir, "lib/dirsrv/slapd-{instance_name}"),
		"system_schema_dir": filepath.Join(dir, "share/dirsrv/schema"),
	}
	keep := map[string]bool{"bin_dir": true, "sbin_dir": true, "lib_dir": true, "plugin_dir": true}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		k, v, ok := strings.Cut(l, " = ")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		if nv, ok := set[strings.TrimSpace(k)]; ok {
			lines[i] = k + " = " + nv
		} else if strings.HasPrefix(v, "/") && !keep[strings.TrimSpace(k)] {
			lines[i] = k + " = " + filepath.Join(dir, v)
		}
	}
	p := filepath.Join(dir, "share/dirsrv/inf/defaults.inf")
	return os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644)
}

// configureDS389 sets what the tests rely on: loopback only, the memberOf
// and referential integrity plugins (off by default; they act after the
// restart each copy does anyway), ou=People and ou=Groups.
func configureDS389(s *Server) error {
	c, err := dial(s.URL)
	if err != nil {
		return fmt.Errorf("testldap: 389-ds after dscreate: %w", err)
	}
	defer c.Close()
	if err := c.Bind(s.BindDN, s.BindPassword); err != nil {
		return fmt.Errorf("testldap: 389-ds bind: %w", err)
	}
	mods := map[string]map[string]string{
		"cn=config": {"nsslapd-listenhost": "127.0.0.1", "nsslapd-securelistenhost": "127.0.0.1"},
		"cn=MemberOf Plugin,cn=plugins,cn=config":                     {"nsslapd-pluginEnabled": "on"},
		"cn=referential integrity postoperation,cn=plugins,cn=config": {"nsslapd-pluginEnabled": "on"},
	}
	for dn, attrs := range mods {
		req := ldap.NewModifyRequest(dn, nil)
		for _, k := range sortedKeys(attrs) {
			req.Replace(k, []string{attrs[k]})
		}
		if err := c.Modify(req); err != nil {
			return fmt.Errorf("testldap: 389-ds modify %s: %w", dn, err)
		}
	}
	for _, ou := range []string{"People", "Groups"} {
		req := addRequest("ou="+ou+","+baseDN, map[string][]string{"objectClass": {"top", "organizationalUnit"}, "ou": {ou}})
		if err := c.Add(req); err != nil {
			return fmt.Errorf("testldap: 389-ds add ou=%s: %w", ou, err)
		}
	}
	return nil
}
