//go:build linux

package testldap

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sysProcAttr puts slapd in its own process group, so a Ctrl-C at the
// terminal goes only to the Go program (which can then Stop in order), and
// asks the kernel to SIGKILL slapd when the Go program dies without
// stopping it (test timeout, os.Exit, kill -9): no orphan keeps a port. mdb
// survives SIGKILL; dbnosync only risks data on a machine crash.
// Pdeathsig fires when the starting OS thread exits; Go only ends threads of
// goroutines that exit while locked (runtime.LockOSThread), so don't start
// servers from such a goroutine.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// reapOrphans removes temp dirs left by test processes that died without
// Stop (Pdeathsig already killed their slapd; the kill here is a backstop),
// so they do not pile up in TMPDIR. Best effort: dirs of a live owner, or
// ones we may not remove, are left alone.
func reapOrphans() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempGlob+"*"))
	for _, d := range dirs {
		if !alive(readPid(filepath.Join(d, "owner.pid"))) {
			// slapd.pid, or server.pid of ns-slapd, whose switch to the
			// user dirsrv clears Pdeathsig; its command line names the dir.
			for _, f := range []string{"slapd.pid", "server.pid"} {
				if pid := readPid(filepath.Join(d, f)); pid > 0 && alive(pid) {
					cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
					if bytes.Contains(cmdline, []byte(d+"/")) {
						_ = syscall.Kill(pid, syscall.SIGKILL)
					}
				}
			}
			_ = os.RemoveAll(d)
		}
	}
}

func alive(pid int) bool {
	if pid < 0 {
		return true
	}
	if pid == 0 {
		return false
	}
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}

// freeze stops (SIGSTOP) or continues (SIGCONT) a process: a frozen slapd
// keeps its sockets, so the kernel still accepts connections, but nothing
// is answered — a hung directory.
func freeze(p *os.Process, stop bool) error {
	if !stop {
		return p.Signal(syscall.SIGCONT)
	}
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	// SIGSTOP takes effect asynchronously: on a busy machine a slapd
	// thread answered a bind after Pause had returned. Wait until every
	// thread is stopped.
	tasks := "/proc/" + strconv.Itoa(p.Pid) + "/task"
	for range 500 {
		if allStopped(tasks) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("testldap: slapd did not stop within 5s of SIGSTOP")
}

// allStopped reports whether every thread under /proc/PID/task is in
// state T (stopped); the state follows the ")" that ends the name in stat.
func allStopped(tasks string) bool {
	dirs, err := os.ReadDir(tasks)
	if err != nil || len(dirs) == 0 {
		return false
	}
	for _, d := range dirs {
		b, err := os.ReadFile(tasks + "/" + d.Name() + "/stat")
		if err != nil {
			return false
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) == 0 || !strings.Contains("TtZX", f[0]) { // stopped, or an exited thread
			return false
		}
	}
	return true
}

// signalPid signals a server that is not our child and waits up to grace
// for it to go, then kills it. A zombie counts as gone: in a container
// whose init does not reap, it would otherwise never disappear.
func signalPid(pid int, sig syscall.Signal, grace time.Duration) error {
	if gone(pid) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGCONT)
	if err := syscall.Kill(pid, sig); err != nil {
		return nil // already gone
	}
	if sig == syscall.SIGKILL {
		grace = 10 * time.Second // only the kernel's cleanup to wait for
	}
	deadline := time.Now().Add(grace)
	for !gone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			for i := 0; i < 100 && !gone(pid); i++ {
				time.Sleep(50 * time.Millisecond)
			}
			return fmt.Errorf("testldap: pid %d ignored %v for %v; killed", pid, sig, grace)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name: "pid (comm) S ...".
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] == 'Z' || b[i+2] == 'X'
	}
	return false
}
