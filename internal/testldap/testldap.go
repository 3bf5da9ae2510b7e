// Package testldap starts private, throwaway OpenLDAP (slapd) instances so
// that every integration test, demo and benchmark gets the same directory:
// dc=example,dc=com with ou=People, ou=Groups and a lockout password policy,
// and the overlays memberof, refint, ppolicy and sssvlv (paging, sorting and
// VLV), listening on free loopback ports with plain LDAP (+StartTLS) and LDAPS.
//
// It needs only the Debian package slapd (scripts/deps.sh installs it); no
// system slapd, systemd or root is involved. Each instance
// runs as a child process of the caller, out of its own directory:
//
//	slapd.conf  base.ldif  data/  tls.crt  tls.key  slapd.log  slapd.pid
//
// Other layouts (Fedora, Homebrew) can point TESTLDAP_SLAPD, TESTLDAP_SLAPADD,
// TESTLDAP_MODULEPATH and TESTLDAP_SCHEMADIR at their files. On Ubuntu the
// AppArmor profile of slapd denies directories under /tmp: set TMPDIR or
// Options.Dir elsewhere, or put the profile in complain mode.
//
// Options.Kind starts 389 Directory Server (DS389, ds389.go) or a Samba
// Active Directory domain controller (SambaAD, samba.go) instead, with the
// same Server fields and helpers; those two need root and their Debian
// packages, and start from templates cached per machine (kind.go).
package testldap

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"
)

// Options tunes an instance; the zero value is what tests normally want.
type Options struct {
	Kind        Kind   // "" = OpenLDAP; DS389 and SambaAD need root (see kind.go)
	Port        int    // 0 = pick a free loopback port
	LDAPSPort   int    // 0 = pick a free port; -1 = no ldaps listener
	Dir         string // "" = a fresh temp dir (removed on Stop); else use/create this dir (kept)
	NoSync      bool   // mdb dbnosync (fast writes, for benchmarks)
	PreloadLDIF string // slapadd this LDIF before start (bulk seeding; only into a fresh database)
	Debug       string // slapd -d level; default "none" (errors only); log goes to Dir/slapd.log
}

// Server is one running (or killed, see Kill) directory server.
type Server struct {
	Kind               Kind
	URL, LDAPSURL      string // ldap://127.0.0.1:PORT, ldaps://127.0.0.1:PORT2 ("" if off)
	Port, LDAPSPort    int
	BaseDN, BindDN     string
	BindPassword       string
	PeopleDN, GroupsDN string
	CAFile             string // the CA of the server's certificate, for ldaps/StartTLS
	// ServerName is the name to verify the certificate against: empty when
	// it holds 127.0.0.1 (OpenLDAP, Samba), "localhost" for 389-ds, whose
	// self-signed certificate names only that.
	ServerName string
	Dir        string

	opts    Options
	tempDir bool // we created Dir, so Stop removes it

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has been waited for
	removed bool

	// daemonPid is a server that forked into the background (the ns-slapd
	// dscreate starts while a 389-ds template is made): not our child, so
	// it is signalled by pid instead of through cmd.
	daemonPid int
	// relaunch starts the server again on the same ports and data (Restart).
	relaunch func() error
	// release runs once after the server has stopped (Samba's port lock).
	release func()
	// repl makes the instance one provider of a replicated pair
	// (replicated.go); nil for a standalone server.
	repl *replica
}

const (
	baseDN   = "dc=example,dc=com"
	bindDN   = "cn=admin," + baseDN
	bindPW   = "admin"
	tempGlob = "testldap-" // prefix of temp dirs, also what the reaper looks for
)

var (
	slapdPath   = envOr("TESTLDAP_SLAPD", "/usr/sbin/slapd")
	slapaddPath = envOr("TESTLDAP_SLAPADD", "/usr/sbin/slapadd")
	moduleDir   = envOr("TESTLDAP_MODULEPATH", "/usr/lib/ldap")
	schemaDir   = envOr("TESTLDAP_SCHEMADIR", "/etc/ldap/schema")
	reapOnce    sync.Once
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// errPortInUse marks a start that lost a race for its port; StartProcess
// then retries with fresh ports when it picked them itself.
var errPortInUse = errors.New("port already in use")

// StartProcess starts an instance without a testing.TB (demo and bench
// commands). The caller must Stop it; if the caller dies first, Linux kills
// slapd with it (Pdeathsig).
func StartProcess(opts Options) (*Server, error) {
	if opts.Kind != "" && opts.Kind != OpenLDAP {
		reapOnce.Do(reapOrphans)
		return startKind(opts)
	}
	return startSlapd(opts, nil)
}

// startSlapd starts an OpenLDAP instance; repl, when set, makes it one
// provider of a replicated pair (StartReplicatedProcess).
func startSlapd(opts Options, repl *replica) (*Server, error) {
	if err := preflight(); err != nil {
		return nil, err
	}
	reapOnce.Do(reapOrphans)
	if opts.Debug == "" {
		// Not "0": at -d 0 slapd prints nothing at all, even fatal config or
		// bind errors go only to syslog. "none" is just as quiet when all is
		// well but logs errors (-d keeps slapd in the foreground either way).
		opts.Debug = "none"
	}
	s := &Server{
		Kind:   OpenLDAP,
		BaseDN: baseDN, BindDN: bindDN, BindPassword: bindPW,
		PeopleDN: "ou=People," + baseDN, GroupsDN: "ou=Groups," + baseDN,
		opts: opts, Dir: opts.Dir, repl: repl,
	}
	s.relaunch = s.launch
	if s.Dir == "" {
		d, err := newTempDir(tempGlob)
		if err != nil {
			return nil, err
		}
		s.Dir, s.tempDir = d, true
	} else {
		// slapd.conf holds paths to Dir; absolute ones survive a chdir.
		var err error
		if s.Dir, err = filepath.Abs(s.Dir); err == nil {
			err = os.MkdirAll(s.Dir, 0o755)
		}
		if err != nil {
			return nil, fmt.Errorf("testldap: %w", err)
		}
	}
	s.CAFile = filepath.Join(s.Dir, "tls.crt")
	err := s.setup()
	if err == nil {
		err = s.firstLaunch()
	}
	if err != nil {
		if s.tempDir {
			os.RemoveAll(s.Dir)
		}
		return nil, err
	}
	return s, nil
}

// firstLaunch picks ports and starts slapd. Free ports are found by binding
// and closing, so another process can take one before slapd binds it: then
// a retry with new ports is worthwhile, unless the busy port is the caller's.
func (s *Server) firstLaunch() error {
	for attempt := 1; ; attempt++ {
		err := s.pickPorts()
		if err == nil {
			err = s.launch()
		}
		if !errors.Is(err, errPortInUse) || attempt == 3 ||
			(s.opts.Port > 0 && busy(s.opts.Port)) || (s.opts.LDAPSPort > 0 && busy(s.opts.LDAPSPort)) {
			return err
		}
	}
}

func preflight() error {
	const fix = "apt-get install -y slapd ldap-utils (or run scripts/deps.sh)"
	for _, f := range []struct{ what, path string }{
		{"slapd", slapdPath},
		{"slapadd", slapaddPath},
		{"slapd module back_mdb", filepath.Join(moduleDir, "back_mdb.so")},
		{"LDAP schema", filepath.Join(schemaDir, "nis.schema")},
	} {
		if _, err := os.Stat(f.path); err != nil {
			return fmt.Errorf("testldap: %s not found at %s: %s", f.what, f.path, fix)
		}
	}
	return nil
}

// setup writes config and certificate, and seeds a fresh database offline
// (slapadd is much faster than LDAP adds and needs no running server).
func (s *Server) setup() error {
	if err := ensureCert(s.Dir); err != nil {
		return fmt.Errorf("testldap: TLS certificate: %w", err)
	}
	conf := filepath.Join(s.Dir, "slapd.conf")
	f, err := os.Create(conf)
	if err != nil {
		return fmt.Errorf("testldap: %w", err)
	}
	err = confTmpl.Execute(f, map[string]any{
		"Dir": s.Dir, "SchemaDir": schemaDir, "ModuleDir": moduleDir,
		"Suffix": baseDN, "RootDN": bindDN, "RootPW": bindPW, "NoSync": s.opts.NoSync,
		"Repl": s.repl,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("testldap: write %s: %w", conf, err)
	}
	data := filepath.Join(s.Dir, "data")
	if _, err := os.Stat(filepath.Join(data, "data.mdb")); err == nil {
		return nil // a kept Dir: reuse its database as is
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return fmt.Errorf("testldap: %w", err)
	}
	base := filepath.Join(s.Dir, "base.ldif")
	if err := os.WriteFile(base, []byte(strings.ReplaceAll(baseLDIF, "SUFFIX", baseDN)), 0o644); err != nil {
		return fmt.Errorf("testldap: %w", err)
	}
	ldifs := []string{base}
	if s.opts.PreloadLDIF != "" {
		ldifs = append(ldifs, s.opts.PreloadLDIF)
	}
	args := []string{"-q", "-f", conf}
	if s.repl != nil {
		if !s.repl.seed {
			// The second provider starts empty and takes everything from
			// the first by replication: two seeds would be two entries
			// per DN with different entryUUIDs, a conflict.
			return nil
		}
		// -w stores the contextCSN, so the peer's first refresh has a
		// state to compare against.
		args = append(args, "-w")
	}
	for _, l := range ldifs {
		out, err := exec.Command(slapaddPath, append(args, "-l", l)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("testldap: slapadd -l %s: %v\n%s", l, err, tail(string(out), 20))
		}
	}
	return nil
}

// pickPorts fills in the ports the caller left to us. Both are held open
// together so that the two are distinct.
func (s *Server) pickPorts() error {
	s.Port, s.LDAPSPort = s.opts.Port, s.opts.LDAPSPort
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for _, p := range []*int{&s.Port, &s.LDAPSPort} {
		if *p != 0 {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("testldap: find a free port: %w", err)
		}
		ls = append(ls, l)
		*p = l.Addr().(*net.TCPAddr).Port
	}
	s.URL = fmt.Sprintf("ldap://127.0.0.1:%d", s.Port)
	s.LDAPSURL = ""
	if s.LDAPSPort > 0 {
		s.LDAPSURL = fmt.Sprintf("ldaps://127.0.0.1:%d", s.LDAPSPort)
	} else {
		s.LDAPSPort = 0
	}
	return nil
}

// launch runs slapd in the foreground (-d) as our child rather than as a
// daemon, so that its lifetime is tied to ours and Stop knows whom to kill.
func (s *Server) launch() error {
	listen := s.URL + "/"
	if s.LDAPSURL != "" {
		listen += " " + s.LDAPSURL + "/"
	}
	cmd := exec.Command(slapdPath, "-f", filepath.Join(s.Dir, "slapd.conf"), "-h", listen, "-d", s.opts.Debug)
	// Ready means our pid is in slapd.pid (written after the listeners are
	// bound and the config is loaded) and the rootDSE answers: the answer
	// alone could come from another instance that took our port in a race.
	pidFile := filepath.Join(s.Dir, "slapd.pid")
	err := s.runChild(cmd, filepath.Join(s.Dir, "slapd.log"), 10*time.Second, func() bool {
		return readPid(pidFile) == cmd.Process.Pid && ping(s.URL) == nil
	})
	if errors.Is(err, errExited) {
		for _, p := range []int{s.Port, s.LDAPSPort} {
			if p > 0 && busy(p) {
				return fmt.Errorf("testldap: slapd exited (%v): 127.0.0.1:%d: %w", cmd.ProcessState, p, errPortInUse)
			}
		}
	}
	return err
}

// newTempDir makes a fresh temp dir named prefix…, with owner.pid: a later
// run reaps the dir if this process dies without Stop.
func newTempDir(prefix string) (string, error) {
	d, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("testldap: temp dir: %w (set TMPDIR to a writable directory)", err)
	}
	_ = os.WriteFile(filepath.Join(d, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	return d, nil
}

// busy reports whether someone else holds a loopback port.
func busy(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return true
	}
	l.Close()
	return false
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 30 s) and removes
// Dir if StartProcess created it. Stopping twice, or after Kill, is fine.
func (s *Server) Stop() error {
	err := s.signal(syscall.SIGTERM, 30*time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.release != nil {
		s.release()
		s.release = nil
	}
	if s.tempDir && !s.removed {
		s.removed = true
		if rerr := os.RemoveAll(s.Dir); err == nil {
			err = rerr
		}
	}
	return err
}

// Kill ends slapd abruptly (an outage), keeping its data for Restart.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL, 0) }

// Pause freezes slapd (SIGSTOP) without closing anything: connections
// are still accepted by the kernel but no request is answered, as with a
// hung or overloaded directory. Resume undoes it; Stop, Kill and Restart
// resume a paused slapd first so that it can act on their signal.
func (s *Server) Pause() error { return s.freeze(true) }

// Resume lets a paused slapd run again; it then answers what queued up.
func (s *Server) Resume() error { return s.freeze(false) }

func (s *Server) freeze(stop bool) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return errors.New("testldap: slapd was never started")
	}
	select {
	case <-done:
		return errors.New("testldap: slapd is not running")
	default:
	}
	return freeze(cmd.Process, stop)
}

// Restart starts slapd again on the same ports with the same data; a
// running instance is shut down first.
func (s *Server) Restart() error {
	if err := s.signal(syscall.SIGTERM, 30*time.Second); err != nil {
		return err
	}
	s.mu.Lock()
	removed, relaunch := s.removed, s.relaunch
	s.mu.Unlock()
	if removed {
		return errors.New("testldap: Restart after Stop: the temp dir is gone (use Kill, or Options.Dir)")
	}
	return relaunch()
}

func (s *Server) signal(sig syscall.Signal, grace time.Duration) error {
	s.mu.Lock()
	cmd, done, daemon := s.cmd, s.done, s.daemonPid
	s.mu.Unlock()
	if daemon > 0 {
		return signalPid(daemon, sig, grace)
	}
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	if sig != syscall.SIGKILL {
		_ = freeze(cmd.Process, false) // a paused slapd cannot act on SIGTERM
	}
	// Signal fails on Windows for anything but Kill; fall through to Kill.
	if sig == syscall.SIGKILL || cmd.Process.Signal(sig) != nil {
		_ = cmd.Process.Kill()
		<-done
		return nil
	}
	select {
	case <-done:
		return nil
	case <-time.After(grace):
	}
	_ = cmd.Process.Kill()
	<-done
	return fmt.Errorf("testldap: slapd pid %d ignored %v for %v; killed", cmd.Process.Pid, sig, grace)
}

// readPid returns -1 for a missing file (the reaper counts that as a live
// owner still setting up) and 0 for a garbled one.
func readPid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return tail(string(b), 20)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// The configuration of shared/testbeds/start-openldap.sh. Paths are quoted
// because TMPDIR may contain spaces.
var confTmpl = template.Must(template.New("slapd.conf").Parse(`# generated by internal/testldap
include "{{.SchemaDir}}/core.schema"
include "{{.SchemaDir}}/cosine.schema"
include "{{.SchemaDir}}/inetorgperson.schema"
include "{{.SchemaDir}}/nis.schema"

modulepath "{{.ModuleDir}}"
moduleload back_mdb
moduleload memberof
moduleload refint
moduleload ppolicy
moduleload sssvlv
{{- if .Repl}}
moduleload syncprov

# One provider of a multi-provider pair (replicated.go).
serverID {{.Repl.ID}}
{{- end}}

pidfile  "{{.Dir}}/slapd.pid"
argsfile "{{.Dir}}/slapd.args"
TLSCertificateFile    "{{.Dir}}/tls.crt"
TLSCertificateKeyFile "{{.Dir}}/tls.key"

# Soft limit 500 like stock slapd, but paged searches may return everything:
# the stock size.prtotal (= hard limit = 500) silently truncates paging for
# non-root binds.
sizelimit size.soft=500 size.hard=unlimited size.prtotal=unlimited
timelimit 60

database mdb
maxsize 8589934592
suffix "{{.Suffix}}"
rootdn "{{.RootDN}}"
rootpw {{.RootPW}}
directory "{{.Dir}}/data"
{{if .NoSync}}dbnosync
{{end -}}
index objectClass eq
index uid,cn,mail eq,sub
index sn,givenName,displayName eq,sub
index entryUUID,entryCSN eq
index member,uniqueMember,memberOf eq
index employeeNumber,uidNumber,gidNumber,memberUid eq
# meta.lastModified gt (the Okta agent's incremental import): back-mdb
# answers ranges from the eq index of a generalizedTime.
index modifyTimestamp,createTimestamp eq
{{- if .Repl}}

# Pull every change of the peer provider, and keep the connection open for
# the ones that follow (refreshAndPersist). retry "1 +": reconnect every
# second forever, so a restarted peer is caught up within about a second.
syncrepl rid={{printf "%03d" .Repl.ID}}
  provider={{.Repl.Peer}}
  bindmethod=simple binddn="{{.RootDN}}" credentials={{.RootPW}}
  searchbase="{{.Suffix}}"
  type=refreshAndPersist
  retry="1 +"
  timeout=2
  network-timeout=2
multiprovider on
{{- end}}

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by self write
  by * read

# overlays: the last one listed runs first
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
memberof-dangling ignore

overlay refint
refint_attributes member uniqueMember manager owner seeAlso
# groupOfNames must keep one member: when refint removes the last one it
# leaves this placeholder, the same DN scim2ldap's groups.emptyMember uses.
refint_nothing cn=nobody

overlay ppolicy
ppolicy_default "cn=default,ou=Policies,{{.Suffix}}"
ppolicy_hash_cleartext
ppolicy_use_lockout

overlay sssvlv
sssvlv-max 64
sssvlv-maxperconn 16
{{- if .Repl}}

# Listed last, so it runs first: it sees every change, including those the
# other overlays derive (memberOf, refint's cleanups).
overlay syncprov
syncprov-checkpoint 100 1
{{- end}}
`))

const baseLDIF = `dn: SUFFIX
objectClass: top
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=People,SUFFIX
objectClass: organizationalUnit
ou: People

dn: ou=Groups,SUFFIX
objectClass: organizationalUnit
ou: Groups

dn: ou=Policies,SUFFIX
objectClass: organizationalUnit
ou: Policies

dn: cn=default,ou=Policies,SUFFIX
objectClass: top
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE
pwdMaxFailure: 5
pwdLockoutDuration: 300
pwdFailureCountInterval: 300
pwdAllowUserChange: TRUE
pwdMustChange: FALSE
pwdCheckQuality: 0
`
