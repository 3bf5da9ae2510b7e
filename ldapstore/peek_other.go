//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package ldapstore

import "syscall"

// peerClosed cannot peek here (Windows): it answers no, and a write on a
// connection the server closed a moment ago fails as possibly sent, as
// before the guard existed.
func peerClosed(syscall.RawConn) bool { return false }
