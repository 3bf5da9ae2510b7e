//go:build linux || darwin || freebsd || netbsd || openbsd

package ldapstore

import (
	"errors"
	"syscall"
)

// peerClosed reports whether the server has closed the TCP connection: a
// non-blocking peek finds its FIN (0 bytes) or a reset. Pending data or an
// empty, open socket mean no. The peek consumes nothing, so go-ldap's
// reader still gets every byte.
func peerClosed(raw syscall.RawConn) bool {
	closed := false
	var b [1]byte
	err := raw.Control(func(fd uintptr) {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = (err == nil && n == 0) || errors.Is(err, syscall.ECONNRESET)
	})
	return err == nil && closed
}
