//go:build linux

package testldap

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
			if pid := readPid(filepath.Join(d, "slapd.pid")); alive(pid) {
				cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
				if bytes.Contains(cmdline, []byte(filepath.Join(d, "slapd.conf"))) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
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
//
// kill(2) returns before the signal is delivered, and a slapd thread busy
// on another CPU may still answer a request sent right after it; so a stop
// waits (bounded) until every thread shows state T or t in /proc.
func freeze(p *os.Process, stop bool) error {
	if !stop {
		return p.Signal(syscall.SIGCONT)
	}
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	for range 500 { // 5 s
		if allStopped(p.Pid) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("testldap: slapd pid %d did not stop within 5s of SIGSTOP", p.Pid)
}

func allStopped(pid int) bool {
	tasks, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "stat"))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			return false
		}
		// The state follows the command name, which is in parentheses
		// and may itself contain ") ".
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+2 >= len(b) || (b[i+2] != 'T' && b[i+2] != 't') {
			return false
		}
	}
	return true
}
