// Command demo runs scim2ldap against a private, throwaway OpenLDAP on
// loopback, with examples/openldap.yaml unchanged: the same test bed the
// integration tests use, and the real binary. Ctrl-C stops both.
//
//	go run ./internal/demo            (scripts/demo.sh installs slapd first)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8080", "where the bridge listens")
	token := flag.String("token", "demo-token-change-me", "bearer token the bridge accepts")
	flag.Parse()
	if l, err := net.Listen("tcp", *listen); err != nil {
		return fmt.Errorf("%s is taken (another demo running?): pass -listen 127.0.0.1:PORT", *listen)
	} else {
		l.Close()
	}

	tmp, err := os.MkdirTemp("", "scim2ldap-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "scim2ldap")
	build := exec.Command("go", "build", "-o", bin, "./cmd/scim2ldap")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building scim2ldap: %w", err)
	}

	dir, err := testldap.StartProcess(testldap.Options{LDAPSPort: -1})
	if err != nil {
		return err
	}
	defer dir.Stop()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bridge := exec.Command(bin, "serve", "--config", "examples/openldap.yaml")
	bridge.Env = append(os.Environ(),
		"SCIM2LDAP_LDAP_URL="+dir.URL,
		"SCIM2LDAP_BIND_DN="+dir.BindDN,
		"SCIM2LDAP_BIND_PASSWORD="+dir.BindPassword,
		"SCIM2LDAP_LISTEN="+*listen,
		"SCIM2LDAP_TOKEN="+*token,
	)
	bridge.Stdout, bridge.Stderr = os.Stdout, os.Stderr
	if err := bridge.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- bridge.Wait() }()
	if err := waitListening(*listen, done); err != nil {
		return err
	}

	fmt.Printf(`
scim2ldap is serving http://%[1]s/scim/v2/ in front of a private OpenLDAP at %[2]s
(data in %[3]s; bind %[4]s / %[5]s). Ctrl-C stops both.

Create a user:

  curl -s -X POST http://%[1]s/scim/v2/Users \
    -H 'Authorization: Bearer %[6]s' -H 'Content-Type: application/scim+json' \
    -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","name":{"givenName":"Alice","familyName":"Anders"},"emails":[{"value":"alice@example.com","type":"work","primary":true}],"password":"Wonder-Land-1","active":true}'

See it in the directory:

  ldapsearch -x -LLL -H %[2]s -D '%[4]s' -w '%[5]s' -b '%[7]s' '(uid=alice@example.com)'

`, *listen, dir.URL, dir.Dir, dir.BindDN, dir.BindPassword, *token, dir.PeopleDN)

	select {
	case err := <-done:
		return fmt.Errorf("scim2ldap exited: %v", err)
	case <-ctx.Done():
	}
	_ = bridge.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = bridge.Process.Kill()
	}
	return nil
}

// waitListening waits until the bridge accepts connections, or exits.
func waitListening(addr string, exited <-chan error) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("scim2ldap exited at start: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("scim2ldap did not start listening within 15s")
}
