package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// bridge is the scim2ldap binary running as a child process.
type bridge struct {
	cmd   *exec.Cmd
	base  string
	token string
	http  *http.Client

	mu  sync.Mutex
	ids []string // of the users the create phase made
}

// startBridge builds ./cmd/scim2ldap and serves examples/openldap.yaml in
// front of dir on a free loopback port.
func startBridge(ctx context.Context, tmp string, dir *testldap.Server) (*bridge, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(tmp, "scim2ldap")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/scim2ldap")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/scim2ldap: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	b := &bridge{base: "http://" + addr + "/scim/v2", token: hex.EncodeToString(tok)}
	logf, err := os.Create(filepath.Join(tmp, "bridge.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	b.cmd = exec.Command(bin, "serve", "--config", filepath.Join(root, "examples", "openldap.yaml"))
	b.cmd.Env = append(os.Environ(),
		"SCIM2LDAP_LDAP_URL="+dir.URL, "SCIM2LDAP_BIND_DN="+dir.BindDN, "SCIM2LDAP_BIND_PASSWORD="+dir.BindPassword,
		"SCIM2LDAP_LISTEN="+addr, "SCIM2LDAP_TOKEN="+b.token)
	b.cmd.Stdout, b.cmd.Stderr = logf, logf
	if err := b.cmd.Start(); err != nil {
		return nil, err
	}
	b.http = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for start := time.Now(); ; {
		st, _, err := b.do(ctx, "GET", "/ServiceProviderConfig", "")
		if err == nil && st == http.StatusOK {
			return b, nil
		}
		if time.Since(start) > 15*time.Second || ctx.Err() != nil {
			b.stop()
			log, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("bridge not answering on %s (status %d, %v); its log:\n%s", addr, st, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the bench from inside the scim2ldap module (go run ./internal/bench)")
	}
	return filepath.Dir(gomod), nil
}

func (b *bridge) stop() {
	if b.cmd.Process != nil {
		_ = b.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = b.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = b.cmd.Process.Kill()
			<-done
		}
	}
}

// memory returns the child's peak and current resident set, in KiB, from
// /proc (0 where there is none).
func (b *bridge) memory() (hwm, rss int) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", b.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		switch k {
		case "VmHWM":
			hwm = n
		case "VmRSS":
			rss = n
		}
	}
	return hwm, rss
}

// do sends one SCIM request the way Okta does and returns status and body.
func (b *bridge) do(ctx context.Context, method, path, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Accept", "application/scim+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	res, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

func (b *bridge) want(ctx context.Context, status int, method, path, body string) ([]byte, error) {
	st, raw, err := b.do(ctx, method, path, body)
	if err == nil && st != status {
		err = fmt.Errorf("%s %s: status %d, want %d: %s", method, path, st, status, raw)
	}
	return raw, err
}

func benchName(i int) string { return fmt.Sprintf("bench%06d@example.com", i) }

// create posts Okta cloud's user body, without a password: the raw add it
// is compared with is one write, and the password would be a second
// (Password Modify) one.
func (b *bridge) create(ctx context.Context, p params) (float64, error) {
	if len(b.ids) != p.ops {
		b.ids = make([]string, p.ops)
	}
	return rate(ctx, p.part(p.ops), p.conc, func(_, i int) error {
		u := benchName(i)
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + u +
			`","name":{"givenName":"Bench","familyName":"` + strconv.Itoa(i) + `"},"emails":[{"primary":true,"value":"` + u +
			`","type":"work"}],"displayName":"Bench ` + strconv.Itoa(i) + `","externalId":"00ubench` + strconv.Itoa(i) + `","active":true}`
		raw, err := b.want(ctx, http.StatusCreated, "POST", "/Users", body)
		if err != nil {
			return err
		}
		var r struct{ ID string }
		if err := json.Unmarshal(raw, &r); err != nil || r.ID == "" {
			return fmt.Errorf("create answer without id: %s", raw)
		}
		b.mu.Lock()
		b.ids[i] = r.ID
		b.mu.Unlock()
		return nil
	})
}

// lookup is Okta's "does this user exist" check.
func (b *bridge) lookup(ctx context.Context, p params) (float64, error) {
	return rate(ctx, p.part(p.lookups), p.conc, func(_, i int) error {
		q := url.QueryEscape(`userName eq "` + userName(spread(i, p.n)) + `"`)
		raw, err := b.want(ctx, http.StatusOK, "GET", "/Users?filter="+q, "")
		if err == nil && !bytes.Contains(raw, []byte(`"totalResults":1`)) {
			err = fmt.Errorf("lookup of %s: %s", userName(spread(i, p.n)), raw)
		}
		return err
	})
}

// patch is Entra's PATCH of two attributes.
func (b *bridge) patch(ctx context.Context, p params) (float64, error) {
	return rate(ctx, p.part(p.ops), p.conc, func(_, i int) error {
		body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
			`{"op":"Replace","path":"title","value":"Engineer ` + strconv.Itoa(i) + `"},` +
			`{"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"+1 555 0100 ` + strconv.Itoa(i) + `"}]}`
		_, err := b.want(ctx, http.StatusOK, "PATCH", "/Users/"+b.ids[i], body)
		return err
	})
}

func (b *bridge) delete(ctx context.Context, p params) (float64, error) {
	return rate(ctx, p.part(p.ops), p.conc, func(_, i int) error {
		_, err := b.want(ctx, http.StatusNoContent, "DELETE", "/Users/"+b.ids[i], "")
		return err
	})
}

// importResult describes one Okta-style import.
type importResult struct {
	users, pages                        int
	total, first, last, slowest, median time.Duration
	slowestAt                           int
}

// importAll pages through every user like Okta's import (startIndex 1,
// 1+count, … until past totalResults) and checks each came exactly once.
func (b *bridge) importAll(ctx context.Context, n, count int) (importResult, error) {
	var res importResult
	seen := make(map[string]struct{}, n)
	var lat []time.Duration
	start := time.Now()
	for si := 1; si <= n+count; si += count { // bounded: at most n/count+1 pages
		t := time.Now()
		raw, err := b.want(ctx, http.StatusOK, "GET", fmt.Sprintf("/Users?startIndex=%d&count=%d", si, count), "")
		if err != nil {
			return res, err
		}
		var page struct {
			TotalResults int
			Resources    []struct{ UserName string }
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return res, fmt.Errorf("page %d: %w", si, err)
		}
		d := time.Since(t)
		lat = append(lat, d)
		if si > 1 && d > res.slowest { // the first page is reported on its own
			res.slowest, res.slowestAt = d, si
		}
		for _, r := range page.Resources {
			if _, dup := seen[r.UserName]; dup {
				return res, fmt.Errorf("%s returned twice (page at %d)", r.UserName, si)
			}
			seen[r.UserName] = struct{}{}
		}
		if si+count > page.TotalResults {
			break
		}
	}
	res.total = time.Since(start)
	if len(seen) != n {
		return res, fmt.Errorf("import returned %d users, want %d", len(seen), n)
	}
	res.users, res.pages = len(seen), len(lat)
	res.first, res.last = lat[0], lat[len(lat)-1]
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	res.median = sorted[len(sorted)/2]
	return res, nil
}
