//go:build !linux

package testldap

import "syscall"

// Without Pdeathsig, keeping slapd in our process group is the better
// choice: a Ctrl-C at the terminal then reaches slapd too, instead of
// leaving it orphaned.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func reapOrphans() {}
