package listener

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conform-kit/conform/signing"
)

func newClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{}}
}

// do sends r and returns the status and body, or the transport error.
func do(c *http.Client, r *http.Request) (int, string, error) {
	resp, err := c.Do(r)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(2 * time.Second):
		t.Fatalf("%s: Done not closed within 2s", what)
	}
}

func refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// TestStartServesEachProfile: Start binds 127.0.0.1, exposes the provider's
// URLs, answers, and after Close refuses connections.
func TestStartServesEachProfile(t *testing.T) {
	c := newClient(2 * time.Second)
	defer c.CloseIdleConnections()
	for _, e := range envs() {
		srv, err := Start(e.config(""))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
			t.Errorf("%s: URL %s is not on 127.0.0.1", e.p.Name, srv.URL)
		}
		urls := []string{srv.CallbackURL}
		if e.veriff() {
			urls = []string{srv.DecisionURL, srv.EventURL}
			if srv.CallbackURL != "" {
				t.Errorf("%s: Veriff listener has a callback URL", e.p.Name)
			}
		} else if srv.DecisionURL != "" || srv.EventURL != "" {
			t.Errorf("%s: Shufti Pro listener has Veriff URLs", e.p.Name)
		}
		for i, u := range urls {
			body := e.mainBody(sessA)
			if i == 1 {
				body = event(sessA, 7002, "submitted")
			}
			code, got, err := do(c, e.clientPost(u, body))
			if err != nil || code != 200 || got != `{"status":"success"}` {
				t.Errorf("%s %s: %d %q %v", e.p.Name, u, code, got, err)
			}
		}
		// The reference listener survives invalid JSON ("should not break or crash your server").
		if code, _, err := do(c, e.clientPost(urls[0], []byte("{not json"))); err != nil || code != 400 {
			t.Errorf("%s: invalid JSON: %d %v", e.p.Name, code, err)
		}
		if isClosed(srv.Done()) {
			t.Errorf("%s: Done closed while serving", e.p.Name)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("%s: Close: %v", e.p.Name, err)
		}
		waitClosed(t, srv.Done(), e.p.Name)
		c.CloseIdleConnections() // a new connection, not a kept-alive one
		if _, _, err := do(c, e.clientPost(urls[0], e.mainBody(sessB))); !refused(err) {
			t.Errorf("%s: after Close: err = %v, want connection refused", e.p.Name, err)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("%s: second Close: %v", e.p.Name, err)
		}
	}
}

// TestCrashOnInvalidJSONExits: the crashing listener drops the request,
// closes Done, and refuses every later connection.
func TestCrashOnInvalidJSONExits(t *testing.T) {
	e := env{signing.VeriffHMAC}
	srv, err := Start(e.config(CrashOnInvalidJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newClient(2 * time.Second)
	defer c.CloseIdleConnections()
	if code, _, err := do(c, e.clientPost(srv.DecisionURL, e.mainBody(sessA))); err != nil || code != 200 {
		t.Fatalf("valid delivery before the crash: %d %v", code, err)
	}
	// Unsigned invalid JSON is refused before parsing: no crash yet.
	if code, _, err := do(c, e.clientPost(srv.DecisionURL, []byte("{"), delHeader(e.p.Header))); err != nil || code != 401 {
		t.Fatalf("unsigned invalid JSON: %d %v", code, err)
	}
	if isClosed(srv.Done()) {
		t.Fatal("exited before the invalid JSON")
	}
	if _, _, err := do(c, e.clientPost(srv.DecisionURL, []byte("{"))); err == nil {
		t.Fatal("the crashing listener answered invalid JSON")
	}
	waitClosed(t, srv.Done(), "crash")
	if !srv.Listener.Exited() {
		t.Error("Listener.Exited() = false after the crash")
	}
	if _, _, err := do(c, e.clientPost(srv.DecisionURL, e.mainBody(sessB))); !refused(err) {
		t.Errorf("after the crash: err = %v, want connection refused", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close after crash: %v", err)
	}
}

// TestExitsAfterFirstWebhook: like the document's sample listener, the
// first accepted webhook gets its full answer; then nothing listens.
func TestExitsAfterFirstWebhook(t *testing.T) {
	e := env{signing.ShuftiPro}
	srv, err := Start(e.config(ExitsAfterFirstWebhook))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newClient(2 * time.Second)
	defer c.CloseIdleConnections()
	if code, _, err := do(c, e.clientPost(srv.CallbackURL, e.mainBody(sessA), delHeader("Signature"))); err != nil || code != 401 {
		t.Fatalf("rejected request: %d %v", code, err)
	}
	code, body, err := do(c, e.clientPost(srv.CallbackURL, e.mainBody(sessA)))
	if err != nil || code != 200 || body != `{"status":"success"}` {
		t.Fatalf("first webhook: %d %q %v", code, body, err)
	}
	waitClosed(t, srv.Done(), "exit")
	if _, _, err := do(c, e.clientPost(srv.CallbackURL, e.mainBody(sessB))); !refused(err) {
		t.Errorf("second webhook: err = %v, want connection refused", err)
	}
	if n := len(srv.Listener.Deliveries()); n != 1 {
		t.Errorf("recorded %d deliveries, want 1", n)
	}
}

// TestSlowDefectOverTheWire: a client with a short timeout gives up; Close
// releases the waiting handler at once.
func TestSlowDefectOverTheWire(t *testing.T) {
	e := env{signing.VeriffXSignature}
	cfg := e.config(Slow)
	cfg.SlowDelay = 300 * time.Millisecond
	srv, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(100 * time.Millisecond)
	defer c.CloseIdleConnections()
	_, _, err = do(c, e.clientPost(srv.DecisionURL, e.mainBody(sessA)))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("err = %v, want a timeout", err)
	}
	patient := newClient(2 * time.Second)
	defer patient.CloseIdleConnections()
	start := time.Now()
	code, _, err := do(patient, e.clientPost(srv.DecisionURL, e.mainBody(sessB)))
	if err != nil || code != 200 || time.Since(start) < cfg.SlowDelay {
		t.Errorf("patient client: %d %v after %v", code, err, time.Since(start))
	}
	start = time.Now()
	if err := srv.Close(); err != nil || time.Since(start) > time.Second {
		t.Errorf("Close: %v after %v", err, time.Since(start))
	}
}
