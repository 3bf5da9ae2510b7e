package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

func TestVersionAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "scim2ldap ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "serve --config") {
		t.Errorf("unknown command: %d %q", code, errb.String())
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("server:\n  lisen: 127.0.0.1:1\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"serve", "--config", path}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "server.lisen") || !strings.Contains(errb.String(), `"listen"`) {
		t.Errorf("the error should name the path and suggest the key: %s", errb.String())
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildBinary builds the command once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scim2ldap-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "scim2ldap")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// TestServeStopsGracefullyOnSIGTERM runs the real binary with the example
// configuration against a private slapd, and checks that SIGTERM ends it
// with exit code 0, as systemd expects.
func TestServeStopsGracefullyOnSIGTERM(t *testing.T) {
	dir := testldap.Start(t)
	bin := buildBinary(t)
	addr := testldap.FreeAddr(t)
	cmd := exec.Command(bin, "serve", "--config", "../../examples/openldap.yaml")
	cmd.Env = append(os.Environ(), "SCIM2LDAP_LDAP_URL="+dir.URL, "SCIM2LDAP_LISTEN="+addr, "SCIM2LDAP_TOKEN=test-token-123")
	// Read while the bridge may still write (the failure messages below).
	logs := &testldap.LogBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var res *http.Response
	var err error
	for i := 0; i < 100; i++ {
		req, _ := http.NewRequest("GET", "http://"+addr+"/scim/v2/Users?count=1", nil)
		req.Header.Set("Authorization", "Bearer test-token-123")
		if res, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("bridge never answered: %v\n%s", err, logs.String())
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", res.StatusCode, logs.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30s after SIGTERM\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "test-token-123") {
		t.Errorf("token in the log")
	}
}
