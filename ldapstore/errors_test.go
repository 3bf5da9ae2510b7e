package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestErrorFormat(t *testing.T) {
	server := &ldap.Error{ResultCode: 68, Err: errors.New("already exists")}
	tests := []struct {
		err  error
		want string
		code int
	}{
		{wrapErr("add", "uid=a,ou=x", server), "ldap add uid=a,ou=x: Entry Already Exists (68): already exists", 68},
		{wrapErr("add", "uid=a,ou=x", fmt.Errorf("context: %w", server)), "ldap add uid=a,ou=x: Entry Already Exists (68): already exists", 68},
		{wrapErr("modify", "", &ldap.Error{ResultCode: 32, Err: errors.New("")}), "ldap modify: No Such Object (32)", 32},
		{wrapErr("search", "ou=x", io.EOF), "ldap search ou=x: EOF", 0},
		{wrapErr("search", "ou=x", wrapErr("bind", "cn=svc", &ldap.Error{ResultCode: 49, Err: errors.New("")})), "ldap search ou=x: ldap bind cn=svc: Invalid Credentials (49)", 49},
		{&Error{Op: "add", Code: 65}, "ldap add: Object Class Violation (65)", 65},
		{wrapErr("search", "ou=x", &ldap.Error{ResultCode: 11, Err: errors.New("")}), "ldap search ou=x: Admin Limit Exceeded (11); " + adminLimitHint, 11},
		{&Error{Op: "x", Code: 9999}, "ldap x: Result Code 9999 (9999)", 9999},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if got := Code(tt.err); got != tt.code {
			t.Errorf("Code(%q) = %d, want %d", tt.err, got, tt.code)
		}
	}
	if wrapErr("x", "y", nil) != nil {
		t.Error("wrapErr(nil) != nil")
	}
	e := wrapErr("add", "dn", server)
	if !errors.Is(e, server) {
		t.Error("*Error does not unwrap to the go-ldap error")
	}
	if Code(nil) != 0 || Code(errors.New("x")) != 0 || Code(&ldap.Error{ResultCode: ldap.ErrorNetwork}) != 0 {
		t.Error("Code of non-server errors is not 0")
	}
}

func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"refused", refused, true},
		{"wrapped refused", wrapErr("search", "", refused), true},
		{"eof", io.EOF, true},
		{"unexpected eof", fmt.Errorf("x: %w", io.ErrUnexpectedEOF), true},
		{"net closed", net.ErrClosed, true},
		{"go-ldap network", wrapErr("search", "", ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection closed"))), true},
		{"go-ldap timeout", ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection timed out")), true},
		{"reader EOF, flattened", wrapErr("search", "", errors.New("unable to read LDAP response packet: EOF")), true},
		{"starttls cert", ldap.NewError(ldap.ErrorNetwork, errors.New("TLS handshake failed (tls: failed to verify certificate)")), false},
		{"busy", wrapErr("add", "", &ldap.Error{ResultCode: 51, Err: errors.New("")}), true},
		{"unavailable", wrapErr("add", "", &ldap.Error{ResultCode: 52, Err: errors.New("")}), true},
		{"exists", wrapErr("add", "", &ldap.Error{ResultCode: 68, Err: errors.New("")}), false},
		{"invalid creds", wrapErr("bind", "", &ldap.Error{ResultCode: 49, Err: errors.New("")}), false},
		{"deadline", wrapErr("search", "", context.DeadlineExceeded), true},
		{"canceled", wrapErr("search", "", context.Canceled), false},
		{"closed store", wrapErr("search", "", ErrClosed), false},
		{"plain", errors.New("boom"), false},
		{"dial all down", &dialError{causes: []error{&urlError{"ldap://a", refused}, &urlError{"ldap://b", io.EOF}}}, true},
		{"dial one bad creds", &dialError{causes: []error{&urlError{"ldap://a", refused}, &urlError{"ldap://b", wrapErr("bind", "", &ldap.Error{ResultCode: 49, Err: errors.New("")})}}}, false},
		{"dial canceled", &dialError{causes: []error{&urlError{"ldap://a", refused}}, last: context.Canceled}, false},
		{"dial wrapped", wrapErr("search", "ou=x", &dialError{causes: []error{&urlError{"ldap://a", refused}}}), true},
	}
	for _, tt := range tests {
		if got := IsUnavailable(tt.err); got != tt.want {
			t.Errorf("%s: IsUnavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestDirectoryLimit: the limits a directory stops a paged search with are
// told apart from other refusals, and name the setting that lifts them.
func TestDirectoryLimit(t *testing.T) {
	server := func(code uint16) error { return &ldap.Error{ResultCode: code, Err: errors.New("")} }
	tests := []struct {
		err  error
		want string // in the advice; "" = not a directory limit
	}{
		{wrapErr("search", "ou=People", server(11)), "nsLookThroughLimit: -1"},
		{wrapErr("search", "ou=People", server(4)), "size.prtotal=unlimited"},
		{wrapErr("search", "ou=People", server(3)), "nsTimeLimit: -1"},
		{wrapErr("add", "uid=a", server(4)), ""},
		{wrapErr("search", "ou=People", server(50)), ""},
		{errors.New("x"), ""},
		{nil, ""},
	}
	for _, tt := range tests {
		advice, ok := DirectoryLimit(tt.err)
		if ok != (tt.want != "") || !strings.Contains(advice, tt.want) {
			t.Errorf("DirectoryLimit(%v) = %q, %v; want one with %q", tt.err, advice, ok, tt.want)
		}
	}
}
