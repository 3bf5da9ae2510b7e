package main

import (
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// TestServeDryRunAndSIGHUP runs the binary with --dry-run: a create is
// answered 201 and the directory stays unchanged. Then the token in the
// file is rotated and SIGHUP makes the new one valid and the old one
// invalid, without a restart.
func TestServeDryRunAndSIGHUP(t *testing.T) {
	dir := testldap.Start(t)
	bin := buildBinary(t)
	listen := testldap.FreeAddr(t)
	path := writeConfig(t, dir.URL, listen)
	cmd, logs := serveBinary(t, bin, "--dry-run", "--config", path)
	base := "http://" + listen + "/scim/v2"
	do := func(method, path, token, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return -1
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := 0; i < 100 && do("GET", "/ServiceProviderConfig", checkToken, "") != http.StatusOK; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	status := do("POST", "/Users", checkToken, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dry.run","password":"Dry-Run-Pw-1","name":{"familyName":"Run"}}`)
	if status != http.StatusCreated {
		t.Fatalf("dry-run create: %d", status)
	}
	if e := dir.Entry(t, "uid=dry.run,"+dir.PeopleDN); e != nil {
		t.Errorf("--dry-run wrote the entry: %v", e)
	}

	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), checkToken, "rotated-token-0815", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && do("GET", "/ServiceProviderConfig", "rotated-token-0815", "") != http.StatusOK; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if s := do("GET", "/ServiceProviderConfig", "rotated-token-0815", ""); s != http.StatusOK {
		t.Errorf("new token after SIGHUP: %d", s)
	}
	if s := do("GET", "/ServiceProviderConfig", checkToken, ""); s != http.StatusUnauthorized {
		t.Errorf("old token after SIGHUP: %d, want 401", s)
	}
	// A broken file is refused and the running configuration stays.
	if err := os.WriteFile(path, []byte("server:\n  lisen: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && !strings.Contains(logs.String(), "configuration not applied"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if s := do("GET", "/ServiceProviderConfig", "rotated-token-0815", ""); s != http.StatusOK {
		t.Errorf("after a broken reload: %d", s)
	}
	out := logs.String()
	for _, want := range []string{"DRY RUN", `msg="dry-run: not sent" op=add`, "reload: applied", "reload: configuration not applied"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	for _, secret := range []string{checkToken, "rotated-token-0815", "Dry-Run-Pw-1"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains secret %q", secret)
		}
	}
}
