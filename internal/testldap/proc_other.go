//go:build !linux

package testldap

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// Without Pdeathsig, keeping slapd in our process group is the better
// choice: a Ctrl-C at the terminal then reaches slapd too, instead of
// leaving it orphaned.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func reapOrphans() {}

func freeze(*os.Process, bool) error { return errors.New("testldap: Pause and Resume need Linux") }

func signalPid(int, syscall.Signal, time.Duration) error {
	return errors.New("testldap: 389-ds needs Linux")
}

func gone(int) bool { return true }
