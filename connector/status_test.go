package connector_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testbridge"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// The status page's secrets and values: none may appear in its HTML.
const (
	statusUserPassword = "Zq-Status-Pw-4711"
	statusWrongToken   = "wrong-token-Zq0815"
	statusToken        = "status-token-Zq-9a8b7c6d5e"
)

var statusValues = []string{"Zebulon", "Quartermaine", "zq-mail@example.org", "+41 44 555 77 88", "Zebby", "Zebulon Quartermaine"}

// statusBridge is the example configuration on a real listener (the
// connect instructions need its address), with traffic the page must
// show: a user created over SCIM (with a password and an unmapped
// nickName), and a request with a wrong token.
func statusBridge(t *testing.T, tweak func(*config.Config)) (base, page string, dir *testldap.Server) {
	t.Helper()
	dir = testldap.Start(t)
	cfg := exampleConfig(t, dir)
	cfg.Server.Listen = testldap.FreeAddr(t)
	if tweak != nil {
		tweak(cfg)
	}
	b, srv := startBridge(t, dir, cfg, nil)
	addr, health := testbridge.Serve(t, srv)
	b.base = "http://" + addr.String() + cfg.Server.BasePath
	page = "http://" + addr.String() + "/status"
	if health != nil {
		page = "http://" + health.String() + "/status"
	}
	b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"zeb.status","name":{"givenName":"Zebulon","familyName":"Quartermaine"},`+
		`"displayName":"Zebulon Quartermaine","nickName":"Zebby","emails":[{"value":"zq-mail@example.org","type":"work","primary":true}],`+
		`"phoneNumbers":[{"value":"+41 44 555 77 88","type":"work"}],"password":"`+statusUserPassword+`","active":true}`).want(t, http.StatusCreated)
	b.do("GET", "/Users?filter="+urlEscape(`userName eq "zeb.status"`), "", "Authorization: Bearer "+statusWrongToken).want(t, http.StatusUnauthorized)
	return b.base, page, dir
}

// TestStatusPageInBrowser loads /status in Debian's chromium, headless:
// no console errors (a CSP violation, a missing asset or a script error
// would be one), the user created over SCIM in the audit list, the wrong
// token's failed request under its client, the unmapped nickName, the
// directory bound, and no secret or attribute value anywhere in the page.
// A browser that cannot start fails the test: it is never skipped.
// With SCIM2LDAP_STATUS_PNG=path the page's screenshot is written there
// (docs/status.png in the README is made so).
func TestStatusPageInBrowser(t *testing.T) {
	_, page, dir := statusBridge(t, nil)
	html, console, shot := browse(t, page)
	for _, m := range console {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
			t.Errorf("browser console: %s (%s:%d)", m.String(), m.URL, m.Line)
		}
	}
	section := func(id string) string {
		_, rest, ok := strings.Cut(html, `<section id="`+id+`">`)
		if !ok {
			t.Fatalf("no section %s in\n%s", id, html)
		}
		s, _, _ := strings.Cut(rest, "</section>")
		return s
	}
	for _, tc := range []struct{ section, want string }{
		{"audit", "uid=zeb.status," + dir.PeopleDN},
		{"audit", "<td>add</td>"},
		{"audit", "givenName"},
		{"clients", "token#1"},
		{"clients", "unauthenticated from 127.0.0.1"},
		{"clients", "401 Unauthorized: unknown bearer token"},
		{"unmapped", "nickName"},
		{"directories", dir.URL},
		{"directories", `<td class="ok">yes</td>`},
		{"traffic", "POST /scim/v2/Users"},
		{"traffic", "<svg"},
		{"mapping", "name.givenName"},
		{"connect", "/scim/v2?aadOptscim062020"},
	} {
		if !strings.Contains(section(tc.section), tc.want) {
			t.Errorf("section %s lacks %q:\n%s", tc.section, tc.want, section(tc.section))
		}
	}
	assertNoSecrets(t, html, dir)
	if path := os.Getenv("SCIM2LDAP_STATUS_PNG"); path != "" {
		if err := os.WriteFile(path, smallPNG(t, shot), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// smallPNG re-encodes a screenshot with a palette of its 256 most used
// colours, so that the README's picture stays small in the repository.
func smallPNG(t *testing.T, raw []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colors = append(colors, c)
	}
	sort.Slice(colors, func(i, j int) bool { return counts[colors[i]] > counts[colors[j]] })
	// The style sheet's accent colours first: they cover few pixels but
	// carry the meaning (green yes, red errors, the chart).
	pal := color.Palette{}
	for _, hex := range []uint32{0x1a7f37, 0xc62828, 0x2458c6, 0xe07b00, 0x8fb0ee, 0xe7eefc} {
		pal = append(pal, color.RGBA{uint8(hex >> 16), uint8(hex >> 8), uint8(hex), 0xff})
	}
	for _, c := range colors[:min(256-len(pal), len(colors))] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(b, pal)
	draw.Draw(out, b, img, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestStatusPageHTML checks the page as served (the browser's DOM may
// differ from the bytes): the security headers, and no token, password or
// attribute value in the HTML, also with the page on server.healthListen
// and a status token configured.
func TestStatusPageHTML(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*config.Config)
	}{
		{"on the SCIM listener", nil},
		{"on healthListen with a status token", func(c *config.Config) {
			c.Server.HealthListen = testldap.FreeAddr(t)
			c.Server.StatusToken = statusToken
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, page, dir := statusBridge(t, tc.tweak)
			res, err := http.Get(page)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET /status: %d\n%s", res.StatusCode, body)
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe") || strings.Contains(string(body), "<script") {
				t.Errorf("the page must run no script; CSP %q", csp)
			}
			if !strings.Contains(string(body), "uid=zeb.status") {
				t.Errorf("audit event missing:\n%s", body)
			}
			assertNoSecrets(t, string(body), dir)
		})
	}
}

// TestStatusPageAccess: loopback clients get the page; others only with
// server.statusToken (Basic password or bearer), never with a SCIM token;
// the page is read-only.
func TestStatusPageAccess(t *testing.T) {
	dir := testldap.Start(t)
	open := exampleConfig(t, dir)
	withToken := exampleConfig(t, dir)
	withToken.Server.StatusToken = statusToken
	_, openSrv := startBridge(t, dir, open, nil)
	_, tokenSrv := startBridge(t, dir, withToken, nil)
	for _, tc := range []struct {
		name       string
		token      bool // the bridge has server.statusToken
		method     string
		remote     string
		auth       string
		wantStatus int
	}{
		{"loopback v4", false, "GET", "127.0.0.1:5555", "", 200},
		{"loopback v6", false, "GET", "[::1]:5555", "", 200},
		{"remote, no status token configured", false, "GET", "192.0.2.7:5555", "", 403},
		{"remote with a SCIM token, none configured", false, "GET", "192.0.2.7:5555", "Bearer " + exampleToken, 403},
		{"remote without credentials", true, "GET", "192.0.2.7:5555", "", 401},
		{"remote with the SCIM token", true, "GET", "192.0.2.7:5555", "Bearer " + exampleToken, 401},
		{"remote with the status token as Basic password", true, "GET", "192.0.2.7:5555", basicHeader("admin", statusToken), 200},
		{"remote with the status token as bearer", true, "GET", "192.0.2.7:5555", "Bearer " + statusToken, 200},
		{"remote with a wrong Basic password", true, "GET", "192.0.2.7:5555", basicHeader("admin", "nope"), 401},
		{"POST is refused", false, "POST", "127.0.0.1:5555", "", 405},
		{"asset", false, "GET", "127.0.0.1:5555", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := openSrv.Handler()
			if tc.token {
				h = tokenSrv.Handler()
			}
			path := "/status"
			if tc.name == "asset" {
				path = "/status/assets/status.css"
			}
			req := httptest.NewRequest(tc.method, path, nil)
			req.RemoteAddr = tc.remote
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Errorf("%s %s from %s: %d, want %d\n%s", tc.method, path, tc.remote, rec.Code, tc.wantStatus, rec.Body.String())
			}
			if rec.Code == 401 && !strings.Contains(rec.Header().Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without a Basic challenge: a browser could not ask for the token")
			}
			if rec.Header().Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
}

func assertNoSecrets(t *testing.T, html string, dir *testldap.Server) {
	t.Helper()
	never := append([]string{exampleToken, statusWrongToken, statusToken, statusUserPassword, dir.BindPassword}, statusValues...)
	for _, s := range never {
		if s != "" && strings.Contains(html, s) {
			t.Errorf("the status page shows %q", s)
		}
	}
	// html/template escapes "+" in text? It does not; but check the
	// escaped forms of values with characters it does escape.
	if strings.Contains(html, "zq-mail&#64;example.org") {
		t.Error("the status page shows the mail address (escaped)")
	}
}

// browse loads url in headless chromium and returns the DOM as HTML, the
// console messages and a PNG of the whole page.
func browse(t *testing.T, url string) (html string, console []chromedp.ConsoleMessage, shot []byte) {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/deps.sh installs it): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.WindowSize(1100, 900),
		// Root in CI: chromium's sandbox refuses to run as root.
		chromedp.NoSandbox,
		chromedp.Flag("proxy-server", "direct://"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	var mu sync.Mutex
	listen, stopListening := context.WithCancel(ctx)
	done := make(chan struct{})
	if err := chromedp.Do(ctx); err != nil { // starts the browser and its tab
		t.Fatalf("chromium did not start: %v", err)
	}
	messages := chromedp.Console(listen)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m)
			mu.Unlock()
		}
	}()

	// The detector must see an error, or "no errors" proves nothing.
	if err := chromedp.Do(ctx, chromedp.Navigate(`data:text/html,<script>console.error("probe-error")</script>`)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if err := waitFor(func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range console {
			if strings.Contains(m.Text, "probe-error") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal("the console listener did not see a console.error of a test page")
	}
	mu.Lock()
	console = nil
	mu.Unlock()

	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("#connect"))); err != nil {
		t.Fatalf("chromium: load %s: %v", url, err)
	}
	if html, err = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatalf("chromium: screenshot: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // late console messages (a failed asset)
	stopListening()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return html, console, shot
}

func waitFor(cond func() bool) error {
	for i := 0; i < 50; i++ {
		if cond() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("timed out")
}
