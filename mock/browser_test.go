//go:build unix

package mock

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestBrowserPage drives the hosted verification page in headless Chromium,
// as an end user would: open the session URL, choose, land on the callback.
// It speaks the W3C WebDriver protocol to chromedriver over plain HTTP on
// 127.0.0.1 (no client library). Without chromium and chromedriver it skips,
// unless CONFORM_REQUIRE_CHROMIUM=1 (CI), where it fails.
//
// Screenshots go to $CONFORM_ARTIFACTS/mock-page/ when set (kept), else to
// the test's temporary directory.
func TestBrowserPage(t *testing.T) {
	browser, driver := chromiumTools(t)
	wd := startWebDriver(t, browser, driver)
	shots := artifactsDir(t)

	t.Run("approve", func(t *testing.T) {
		e := newEnv(t)
		site := newCallbackSite(t)
		id, u := e.createPage(site.callback, `"person":{"firstName":"Siobhán","lastName":"O'Connor"},"vendorData":"cust-<0417>"`)
		wd.navigate(t, u)
		if title := wd.title(t); !strings.HasPrefix(title, "Verify your identity") {
			t.Fatalf("title %q", title)
		}
		if txt := wd.text(t, "main"); !strings.Contains(txt, "Siobhán O'Connor") || !strings.Contains(txt, "cust-<0417>") ||
			!strings.Contains(txt, "Attempt 1 of this session is open") {
			t.Fatalf("page text:\n%s", txt)
		}
		wd.screenshot(t, filepath.Join(shots, "page-ready.png"))
		wd.click(t, "#approve")
		wd.waitURL(t, site.callback)
		site.mustHaveLanded(t, e)
		v := mustState(t, e, id, StatusApproved, 1)
		if got := eventCodes(e.eventsOf(id)); strings.Join(got, " ") != "7001/"+v.Attempts[0].ID+" 7002/"+v.Attempts[0].ID {
			t.Fatalf("events %v", got)
		}
		if dec := e.decisionsOf(id); len(dec) != 1 || dec[0]["code"] != 9001.0 || dec[0]["vendorData"] != "cust-<0417>" {
			t.Fatalf("decisions %v", dec)
		}
		wd.navigate(t, u)
		if txt := wd.text(t, "main"); !strings.Contains(txt, "Nothing more is to be done here") ||
			!strings.Contains(txt, "Accessing the sessionURL again will show the client that nothing is to be done here.") {
			t.Fatalf("revisit:\n%s", txt)
		}
		wd.screenshot(t, filepath.Join(shots, "page-nothing-to-do.png"))
	})

	t.Run("decline with a reason", func(t *testing.T) {
		e := newEnv(t)
		site := newCallbackSite(t)
		id, u := e.createPage(site.callback, "")
		wd.navigate(t, u)
		wd.click(t, `#decline-reason option[value="103"]`)
		if got := wd.property(t, "#decline-reason", "value"); got != "103" {
			t.Fatalf("selected reason %q", got)
		}
		wd.click(t, "#decline")
		wd.waitURL(t, site.callback)
		site.mustHaveLanded(t, e)
		mustState(t, e, id, StatusDeclined, 1)
		if dec := e.decisionsOf(id); len(dec) != 1 || dec[0]["code"] != 9102.0 || dec[0]["reasonCode"] != 103.0 {
			t.Fatalf("decisions %v", dec)
		}
		wd.navigate(t, u)
		if txt := wd.text(t, "main"); !strings.Contains(txt, "Nothing more is to be done here") {
			t.Fatalf("revisit:\n%s", txt)
		}
	})

	t.Run("resubmit twice then approve, same URL", func(t *testing.T) {
		e := newEnv(t)
		site := newCallbackSite(t)
		id, u := e.createPage(site.callback, "")
		for i, reason := range []string{"204", "201"} {
			wd.navigate(t, u)
			if txt := wd.text(t, "main"); !strings.Contains(txt, fmt.Sprintf("Attempt %d of this session is open", i+1)) {
				t.Fatalf("attempt %d page:\n%s", i+1, txt)
			}
			if i == 1 {
				if prev := wd.text(t, "#previous"); !strings.Contains(prev, "Attempt 1 ended with resubmission_requested (9103), reason code 204 — Poor image quality.") {
					t.Fatalf("previous attempt note %q", prev)
				}
				wd.screenshot(t, filepath.Join(shots, "page-attempt-2.png"))
			}
			wd.click(t, `#resubmit-reason option[value="`+reason+`"]`)
			wd.click(t, "#resubmit")
			wd.waitURL(t, site.callback)
			v := mustState(t, e, id, StatusResubmit, i+2)
			if v.URL != u {
				t.Fatalf("the session URL changed: %s", v.URL)
			}
		}
		wd.navigate(t, u)
		if txt := wd.text(t, "main"); !strings.Contains(txt, "Attempt 3 of this session is open") {
			t.Fatalf("attempt 3 page:\n%s", txt)
		}
		wd.click(t, "#approve")
		wd.waitURL(t, site.callback)
		site.mustHaveLanded(t, e)
		v := mustState(t, e, id, StatusApproved, 3)
		var want []string
		for _, a := range v.Attempts {
			want = append(want, "7001/"+a.ID, "7002/"+a.ID)
		}
		if got := eventCodes(e.eventsOf(id)); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("events\n got %v\nwant %v", got, want)
		}
		dec := e.decisionsOf(id)
		if len(dec) != 3 || dec[0]["reasonCode"] != 204.0 || dec[1]["reasonCode"] != 201.0 || dec[2]["code"] != 9001.0 {
			t.Fatalf("decisions %v", dec)
		}
	})

	t.Run("abandon, then 168h", func(t *testing.T) {
		e := newEnv(t)
		site := newCallbackSite(t)
		id, u := e.createPage(site.callback, "")
		wd.navigate(t, u)
		wd.click(t, "#abandon")
		wd.waitURL(t, site.callback)
		site.mustHaveLanded(t, e)
		mustState(t, e, id, StateStarted, 1)
		if ev, dec := e.eventsOf(id), e.decisionsOf(id); len(ev) != 1 || len(dec) != 0 {
			t.Fatalf("abandon sent %v and %v", eventCodes(ev), dec)
		}
		if _, err := e.m.Advance(168 * time.Hour); err != nil {
			t.Fatal(err)
		}
		if dec := e.decisionsOf(id); len(dec) != 1 || dec[0]["status"] != "abandoned" || dec[0]["code"] != 9104.0 {
			t.Fatalf("after 168h: %v", dec)
		}
		wd.navigate(t, u)
		if txt := wd.text(t, "main"); !strings.Contains(txt, "This verification session has expired (abandoned, 9104)") {
			t.Fatalf("expired page:\n%s", txt)
		}
		wd.screenshot(t, filepath.Join(shots, "page-expired.png"))
	})

	t.Run("never opened, expired", func(t *testing.T) {
		e := newEnv(t)
		id, u := e.createPage(pageCallback, "")
		if _, err := e.m.Advance(SessionLifetime); err != nil {
			t.Fatal(err)
		}
		wd.navigate(t, u)
		if txt := wd.text(t, "main"); !strings.Contains(txt, "This verification session has expired (expired, 9104)") {
			t.Fatalf("expired page:\n%s", txt)
		}
		mustState(t, e, id, StatusExpired, 1)
	})
}

// ---- the tools ----

func chromiumTools(t *testing.T) (browser, driver string) {
	t.Helper()
	find := func(env string, names ...string) string {
		if p := os.Getenv(env); p != "" {
			return p
		}
		for _, n := range names {
			if p, err := exec.LookPath(n); err == nil {
				return p
			}
		}
		return ""
	}
	browser = find("CONFORM_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
	driver = find("CONFORM_CHROMEDRIVER", "chromedriver")
	if browser != "" && driver != "" {
		return browser, driver
	}
	msg := fmt.Sprintf("headless browser test needs chromium and chromedriver (found browser %q, driver %q): "+
		"apt-get install -y chromium chromium-driver, or set CONFORM_CHROMIUM / CONFORM_CHROMEDRIVER", browser, driver)
	if os.Getenv("CONFORM_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(msg + " (CONFORM_REQUIRE_CHROMIUM=1: failing, not skipping)")
	}
	t.Skip(msg)
	return "", ""
}

func artifactsDir(t *testing.T) string {
	dir := os.Getenv("CONFORM_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "mock-page")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// callbackSite is the integrator's callback page, on 127.0.0.1 over TLS
// (session creation accepts only https:// callbacks, code 1302).
type callbackSite struct {
	srv      *httptest.Server
	callback string
	mu       sync.Mutex
	visits   []*http.Request
}

func newCallbackSite(t *testing.T) *callbackSite {
	c := &callbackSite{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.visits = append(c.visits, r.Clone(r.Context()))
		c.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="en"><title>Back at the shop</title><h1 id="shop">Back at the shop</h1></html>`)
	}))
	c.srv.Listener = ln
	c.srv.StartTLS()
	t.Cleanup(c.srv.Close)
	c.callback = c.srv.URL + "/kyc/done?user=42"
	return c
}

// mustHaveLanded checks the browser's last visit: a GET of the callback
// that does not carry the session URL (with its token) in a Referer.
func (c *callbackSite) mustHaveLanded(t *testing.T, e *env) {
	t.Helper()
	if err := e.m.Flush(); err != nil { // the page's webhooks, sent off the request
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var last *http.Request
	for _, r := range c.visits {
		if r.URL.Path == "/kyc/done" {
			last = r
		}
	}
	if last == nil || last.Method != http.MethodGet || last.URL.RawQuery != "user=42" {
		t.Fatalf("the callback page was not visited with GET ?user=42: %v", last)
	}
	if ref := last.Header.Get("Referer"); strings.Contains(ref, "/v/") {
		t.Fatalf("the session URL leaked to the callback site in Referer %q", ref)
	}
}

// webDriver is a minimal W3C WebDriver client: the handful of commands the
// test needs, JSON over net/http, every call bounded.
type webDriver struct {
	base    string
	session string
	http    *http.Client
}

const (
	wdElementKey    = "element-6066-11e4-a52e-4f735466cecf"
	wdCommandLimit  = 30 * time.Second
	wdStartLimit    = 20 * time.Second
	wdRedirectLimit = 10 * time.Second
)

// capped keeps the first 64 KiB a process writes, for failure messages.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := 64<<10 - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func startWebDriver(t *testing.T, browser, driver string) *webDriver {
	t.Helper()
	wd := &webDriver{http: &http.Client{Timeout: wdCommandLimit}}
	var lastErr error
	for try := 0; try < 3 && wd.base == ""; try++ { // a free port can be taken before chromedriver binds it
		lastErr = nil
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		out := &capped{}
		// No --allowed-ips: with it chromedriver listens on every
		// interface; without it, on loopback only.
		cmd := exec.Command(driver, fmt.Sprintf("--port=%d", port))
		cmd.Stdout, cmd.Stderr = out, out
		// Its own process group: cleanup ends chromedriver and every
		// browser process it started, and nothing else.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting %s: %v", driver, err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
			}
		}
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		deadline := time.Now().Add(wdStartLimit)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				lastErr = fmt.Errorf("chromedriver exited: %s", out.String())
			default:
			}
			if lastErr != nil {
				break
			}
			if ready(wd.http, base) {
				wd.base = base
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if wd.base == "" {
			stop()
			if lastErr == nil {
				lastErr = fmt.Errorf("chromedriver not ready within %s: %s", wdStartLimit, out.String())
			}
			continue
		}
		t.Cleanup(func() {
			if wd.session != "" {
				req, _ := http.NewRequest(http.MethodDelete, wd.base+"/session/"+wd.session, nil)
				if res, err := wd.http.Do(req); err == nil {
					res.Body.Close()
				}
			}
			stop()
			if t.Failed() {
				t.Logf("chromedriver output:\n%s", out.String())
			}
		})
	}
	if wd.base == "" {
		t.Fatal(lastErr)
	}
	profile := t.TempDir()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		// The callback site is 127.0.0.1 with httptest's self-signed
		// certificate.
		"acceptInsecureCerts": true,
		"pageLoadStrategy":    "normal",
		"timeouts":            map[string]int{"pageLoad": 15000, "script": 5000, "implicit": 0},
		"goog:chromeOptions": map[string]any{"binary": browser, "args": []string{
			"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
			"--disable-sync", "--disable-extensions", "--disable-dev-shm-usage", "--window-size=1000,1500",
			// No name resolution at all: the test only visits 127.0.0.1.
			"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
			"--user-data-dir=" + profile,
		}},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(wd.do(t, http.MethodPost, "/session", caps), &created); err != nil || created.SessionID == "" {
		t.Fatalf("new WebDriver session: %v", err)
	}
	wd.session = created.SessionID
	return wd
}

func ready(c *http.Client, base string) bool {
	res, err := c.Get(base + "/status")
	if err != nil {
		return false
	}
	defer res.Body.Close()
	var st struct {
		Value struct {
			Ready bool `json:"ready"`
		} `json:"value"`
	}
	return json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&st) == nil && st.Value.Ready
}

// do sends one command and returns its "value"; a WebDriver error fails the
// test with the driver's message.
func (wd *webDriver) do(t testing.TB, method, path string, body any) json.RawMessage {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, wd.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := wd.http.Do(req)
	if err != nil {
		t.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		t.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
	var out struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("WebDriver %s %s: %d %.300s", method, path, res.StatusCode, raw)
	}
	if res.StatusCode != http.StatusOK {
		var e struct{ Error, Message string }
		json.Unmarshal(out.Value, &e)
		t.Fatalf("WebDriver %s %s: %d %s: %.500s", method, path, res.StatusCode, e.Error, e.Message)
	}
	return out.Value
}

func (wd *webDriver) s(path string) string { return "/session/" + wd.session + path }

func (wd *webDriver) navigate(t testing.TB, u string) {
	t.Helper()
	wd.do(t, http.MethodPost, wd.s("/url"), map[string]string{"url": u})
}

func (wd *webDriver) currentURL(t testing.TB) string {
	t.Helper()
	var u string
	json.Unmarshal(wd.do(t, http.MethodGet, wd.s("/url"), nil), &u)
	return u
}

func (wd *webDriver) title(t testing.TB) string {
	t.Helper()
	var s string
	json.Unmarshal(wd.do(t, http.MethodGet, wd.s("/title"), nil), &s)
	return s
}

func (wd *webDriver) find(t testing.TB, css string) string {
	t.Helper()
	var el map[string]string
	json.Unmarshal(wd.do(t, http.MethodPost, wd.s("/element"), map[string]string{"using": "css selector", "value": css}), &el)
	if el[wdElementKey] == "" {
		t.Fatalf("no element %s", css)
	}
	return el[wdElementKey]
}

func (wd *webDriver) click(t testing.TB, css string) {
	t.Helper()
	wd.do(t, http.MethodPost, wd.s("/element/"+wd.find(t, css)+"/click"), map[string]string{})
}

func (wd *webDriver) text(t testing.TB, css string) string {
	t.Helper()
	var s string
	json.Unmarshal(wd.do(t, http.MethodGet, wd.s("/element/"+wd.find(t, css)+"/text"), nil), &s)
	return s
}

func (wd *webDriver) property(t testing.TB, css, name string) string {
	t.Helper()
	var s string
	json.Unmarshal(wd.do(t, http.MethodGet, wd.s("/element/"+wd.find(t, css)+"/property/"+name), nil), &s)
	return s
}

// waitURL waits, bounded, until the browser is at exactly want.
func (wd *webDriver) waitURL(t testing.TB, want string) {
	t.Helper()
	deadline := time.Now().Add(wdRedirectLimit)
	var got string
	for time.Now().Before(deadline) {
		if got = wd.currentURL(t); got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("browser at %q after %s, want %q; page:\n%s", got, wdRedirectLimit, want, wd.text(t, "body"))
}

func (wd *webDriver) screenshot(t testing.TB, path string) {
	t.Helper()
	var b64 string
	json.Unmarshal(wd.do(t, http.MethodGet, wd.s("/screenshot"), nil), &b64)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot is not a PNG (%v)", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
