package testldap

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Kind is the directory server an instance runs. Its values are the
// config's directory presets, so a table of presets can start its server
// with Options{Kind: testldap.Kind(preset)}.
type Kind string

const (
	// OpenLDAP is slapd (Debian package slapd); the default.
	OpenLDAP Kind = "openldap"
	// DS389 is 389 Directory Server (Debian package 389-ds-base), run
	// without systemd out of a private prefix directory. Needs root.
	DS389 Kind = "389ds"
	// SambaAD is a Samba Active Directory domain controller (Debian
	// packages samba, samba-ad-dc, samba-ad-provision, samba-dsdb-modules,
	// winbind), the stand-in for Microsoft AD. Its LDAP ports are fixed at
	// 389 and 636, so only one runs on a machine at a time: Start waits for
	// a machine-wide lock (see SambaLockPath). Needs root.
	SambaAD Kind = "activedirectory"
)

// Kinds lists every kind, in the order a shared test table runs them.
var Kinds = []Kind{OpenLDAP, DS389, SambaAD}

// startKind starts the servers that are not slapd; StartProcess handles
// OpenLDAP itself.
func startKind(opts Options) (*Server, error) {
	if opts.NoSync || opts.PreloadLDIF != "" || opts.Debug != "" || opts.Dir != "" {
		return nil, fmt.Errorf("testldap: %s: NoSync, PreloadLDIF, Debug and Dir are OpenLDAP options", opts.Kind)
	}
	switch opts.Kind {
	case DS389:
		return startDS389(opts)
	case SambaAD:
		return startSamba(opts)
	}
	return nil, fmt.Errorf("testldap: unknown Kind %q; use %s, %s or %s", opts.Kind, OpenLDAP, DS389, SambaAD)
}

// needRoot explains why a kind cannot start as another user.
func needRoot(kind Kind, why string) error {
	if os.Geteuid() == 0 {
		return nil
	}
	return fmt.Errorf("testldap: %s needs root (%s); run the tests as root, e.g. sudo -E go test ./... (CI runs as root)", kind, why)
}

// needCommands fails with the install line when a program is missing.
func needCommands(kind Kind, install string, paths ...string) error {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("testldap: %s: %s not found: apt-get install -y %s (or run scripts/deps.sh)", kind, p, install)
		}
	}
	return nil
}

// newInstanceDir makes the fresh temp dir an instance lives in, readable
// by other users (daemons that drop privileges must traverse it).
func newInstanceDir(kind Kind) (string, error) {
	d, err := newTempDir(tempGlob + string(kind) + "-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(d, 0o755); err != nil {
		os.RemoveAll(d)
		return "", fmt.Errorf("testldap: %w", err)
	}
	return d, nil
}

// cacheRoot holds what is slow to make and the same every time (a
// provisioned Samba domain, a 389-ds instance), once per machine:
// TESTLDAP_CACHE, else scim2ldap-testldap-cache in the temp dir. Not the
// user's cache dir: root's (/root, mode 0700) cannot be traversed by the
// dirsrv user that ns-slapd runs as while its template is made.
func cacheRoot() (string, error) {
	d := os.Getenv("TESTLDAP_CACHE")
	if d == "" {
		d = filepath.Join(os.TempDir(), "scim2ldap-testldap-cache")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	return d, os.Chmod(d, 0o755)
}

// cached returns the template dir name for the output of a version
// command (so a package upgrade makes a new template) plus a revision of
// our own recipe, making it with build (into a staging dir that is renamed
// into place) unless it exists. A file lock keeps parallel test processes
// from building the same template twice.
func cached(name string, versionCmd []string, build func(dir string) error) (string, error) {
	root, err := cacheRoot()
	if err != nil {
		return "", fmt.Errorf("testldap: cache dir: %w", err)
	}
	out, err := exec.Command(versionCmd[0], versionCmd[1:]...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("testldap: %v: %v\n%s", versionCmd, err, out)
	}
	sum := sha256.Sum256(out)
	dir := filepath.Join(root, name+"-"+hex.EncodeToString(sum[:6]))
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	unlock, err := lockFile(dir+".lock", 10*time.Minute)
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil // another process built it while we waited
	}
	os.RemoveAll(dir)
	stage := dir + ".staging"
	os.RemoveAll(stage)
	if err := os.MkdirAll(stage, 0o755); err != nil {
		return "", fmt.Errorf("testldap: %w", err)
	}
	if err := build(stage); err != nil {
		return "", fmt.Errorf("%w (staging dir kept: %s)", err, stage)
	}
	if err := os.WriteFile(filepath.Join(stage, rootFile), []byte(stage), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(stage, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(stage, dir); err != nil {
		return "", fmt.Errorf("testldap: %w", err)
	}
	// Templates of older package versions or recipes ("samba-r2-…" once
	// "samba-r3-…" exists) are never used again.
	kind, _, _ := strings.Cut(name, "-r")
	old, _ := filepath.Glob(filepath.Join(root, kind+"-r*-*"))
	for _, o := range old {
		if o != dir && !strings.HasSuffix(o, ".lock") && !strings.HasSuffix(o, ".staging") {
			os.RemoveAll(o)
			os.Remove(o + ".lock")
		}
	}
	return dir, nil
}

// rootFile records, in a template, the absolute path it was built at: its
// configuration holds that path and a copy replaces it with its own.
const rootFile = "template.root"

// fromTemplate makes s a copy of the template tpl and launches it.
// configure gets the path the template was built at, to point the copy's
// configuration at s.Dir instead; launch starts the server, and is what
// Restart runs again. On failure s is stopped and its dir removed.
func (s *Server) fromTemplate(tpl string, configure func(builtAt string) error, launch func() error) (*Server, error) {
	s.relaunch = launch
	err := copyTree(tpl, s.Dir)
	if err == nil {
		var old []byte
		if old, err = os.ReadFile(filepath.Join(tpl, rootFile)); err != nil {
			err = fmt.Errorf("testldap: %s template %s: %w (remove it to rebuild)", s.Kind, tpl, err)
		} else {
			err = configure(strings.TrimSpace(string(old)))
		}
	}
	if err == nil {
		err = launch()
	}
	if err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// copyTree copies a template into an instance dir with cp -a, which keeps
// owners, modes, symlinks and sockets as they are.
func copyTree(from, to string) error {
	if out, err := exec.Command("cp", "-a", from+"/.", to).CombinedOutput(); err != nil {
		return fmt.Errorf("testldap: cp -a %s %s: %v\n%s", from, to, err, out)
	}
	return nil
}

// runChild starts a server in the foreground as our child (killed with
// us, see sysProcAttr), logging to logPath, and waits until ready reports
// true or the child exits or the timeout passes.
func (s *Server) runChild(cmd *exec.Cmd, logPath string, timeout time.Duration, ready func() bool) error {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testldap: %w", err)
	}
	fmt.Fprintf(logf, "--- testldap %s: %v\n", time.Now().Format(time.RFC3339), cmd.Args)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	logf.Close()
	if err != nil {
		return fmt.Errorf("testldap: start %s: %w", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	start := time.Now()
	for {
		if ready() {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("testldap: %s %w (%v); %s:\n%s", filepath.Base(cmd.Path), errExited, cmd.ProcessState, logPath, logTail(logPath))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(start) > timeout {
			_ = s.Kill()
			return fmt.Errorf("testldap: %s not answering on %s after %v; %s:\n%s", filepath.Base(cmd.Path), s.URL, timeout, logPath, logTail(logPath))
		}
	}
}

// errExited marks a server that exited before it was ready (slapd then
// checks whether it lost a race for its port).
var errExited = errors.New("exited")

var errNoLock = errors.New("testldap: file locks need a Unix system")
