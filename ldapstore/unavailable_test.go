package ldapstore

import (
	"errors"
	"testing"
)

// TestUnavailableFlattenedErrors: go-ldap flattens the cause of a dead
// connection into text. Both forms must count as unavailable, or a read
// on a connection whose server was killed is not retried on a fresh one
// and the bridge answers "Internal error" instead of recovering.
func TestUnavailableFlattenedErrors(t *testing.T) {
	for _, msg := range []string{
		"unable to read LDAP response packet: EOF",
		"unable to read LDAP response packet: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer",
		"unable to send request: write tcp 127.0.0.1:1->127.0.0.1:2: write: broken pipe",
	} {
		if err := wrapErr("search", "dc=example,dc=com", errors.New(msg)); !IsUnavailable(err) {
			t.Errorf("IsUnavailable(%q) = false", msg)
		}
	}
}
