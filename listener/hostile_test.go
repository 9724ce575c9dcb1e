package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startHostile(t *testing.T, kind string, opt HostileOptions) *Server {
	t.Helper()
	s, err := StartHostileWith(kind, opt)
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != kind || s.DecisionURL == "" || s.EventURL == "" || s.CallbackURL == "" {
		t.Fatalf("%s: incomplete server %+v", kind, s)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("%s: URL %s is not on 127.0.0.1", kind, s.URL)
	}
	return s
}

func postJSON(url string) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"status":"success"}`))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func timeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestHostileHang(t *testing.T) {
	s := startHostile(t, HostileHang, HostileOptions{})
	c := newClient(200 * time.Millisecond)
	defer c.CloseIdleConnections()
	start := time.Now()
	_, _, err := do(c, postJSON(s.DecisionURL))
	if !timeout(err) {
		t.Errorf("err = %v, want a client timeout", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("timed out after %v", took)
	}
	// A client without a timeout is released by Close.
	errc := make(chan error, 1)
	patient := newClient(0)
	defer patient.CloseIdleConnections()
	go func() {
		code, body, err := do(patient, postJSON(s.EventURL))
		if err == nil {
			err = fmt.Errorf("answered %d %q", code, body)
		}
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-errc:
		if strings.HasPrefix(err.Error(), "answered") {
			t.Errorf("the hanging server %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not release the hanging request")
	}
}

func TestHostileReset(t *testing.T) {
	s := startHostile(t, HostileReset, HostileOptions{})
	defer s.Close()
	c := newClient(2 * time.Second)
	defer c.CloseIdleConnections()
	_, _, err := do(c, postJSON(s.CallbackURL))
	if err == nil {
		t.Fatal("the resetting server answered")
	}
	if timeout(err) {
		t.Fatalf("err = %v: a timeout, not a reset", err)
	}
	t.Logf("client error: %v", err)
	// RST, not FIN: the client sees a reset (or a broken pipe if it was still writing).
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Errorf("err = %v, want connection reset", err)
	}
}

func TestHostileSlow(t *testing.T) {
	const delay = 300 * time.Millisecond
	s := startHostile(t, HostileSlow, HostileOptions{Delay: delay})
	defer s.Close()
	impatient := newClient(100 * time.Millisecond)
	defer impatient.CloseIdleConnections()
	if _, _, err := do(impatient, postJSON(s.DecisionURL)); !timeout(err) {
		t.Errorf("err = %v, want a timeout", err)
	}
	patient := newClient(2 * time.Second)
	defer patient.CloseIdleConnections()
	start := time.Now()
	code, body, err := do(patient, postJSON(s.DecisionURL))
	if err != nil || code != 200 || body != `{"status":"success"}` || time.Since(start) < delay {
		t.Errorf("%d %q %v after %v", code, body, err, time.Since(start))
	}
}

// TestHostileSlowBody: the status line comes at once, the body trickles.
func TestHostileSlowBody(t *testing.T) {
	const delay = 300 * time.Millisecond
	s := startHostile(t, HostileSlowBody, HostileOptions{Delay: delay})
	defer s.Close()
	c := newClient(2 * time.Second)
	defer c.CloseIdleConnections()
	start := time.Now()
	resp, err := c.Do(postJSON(s.DecisionURL))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	headers := time.Since(start)
	b, err := io.ReadAll(resp.Body)
	total := time.Since(start)
	if err != nil || resp.StatusCode != 200 || string(b) != `{"status":"success"}` {
		t.Fatalf("%d %q %v", resp.StatusCode, b, err)
	}
	if headers > delay/2 || total < delay*3/4 {
		t.Errorf("headers after %v, body after %v; want headers fast and the body over ~%v", headers, total, delay)
	}
	// A client bounding the whole exchange gives up mid-body.
	short := newClient(100 * time.Millisecond)
	defer short.CloseIdleConnections()
	if _, _, err := do(short, postJSON(s.DecisionURL)); !timeout(err) {
		t.Errorf("bounded client: err = %v, want a timeout", err)
	}
}

// countWriter counts bytes and remembers the first and last few.
type countWriter struct {
	n          int64
	head, tail []byte
}

func (w *countWriter) Write(p []byte) (int, error) {
	if len(w.head) < 64 {
		w.head = append(w.head, p[:min(len(p), 64-len(w.head))]...)
	}
	if len(p) >= 64 {
		w.tail = append(w.tail[:0], p[len(p)-64:]...)
	} else {
		w.tail = append(w.tail, p...)
		w.tail = w.tail[max(0, len(w.tail)-64):]
	}
	w.n += int64(len(p))
	return len(p), nil
}

func TestHostileHuge(t *testing.T) {
	s := startHostile(t, HostileHuge, HostileOptions{})
	defer s.Close()
	c := newClient(10 * time.Second)
	defer c.CloseIdleConnections()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := c.Do(postJSON(s.DecisionURL))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var w countWriter
	if _, err := io.Copy(&w, resp.Body); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	const size = 10 << 20
	if resp.StatusCode != 200 || resp.ContentLength != size || w.n != size {
		t.Fatalf("status %d, Content-Length %d, read %d; want 200 and %d bytes", resp.StatusCode, resp.ContentLength, w.n, size)
	}
	if !bytes.HasPrefix(w.head, []byte(`{"status":"success","padding":"xxx`)) || !bytes.HasSuffix(w.tail, []byte(`xxx"}`)) {
		t.Errorf("body is not the padded JSON object: %q … %q", w.head, w.tail)
	}
	// Streamed: the whole process allocated far less than the body's size.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/2 {
		t.Errorf("allocated %d bytes serving a %d-byte body", alloc, size)
	}
	// A client that stops reading early does not hold the server.
	resp2, err := c.Do(postJSON(s.DecisionURL))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.CopyN(io.Discard, resp2.Body, 1024)
	resp2.Body.Close()
}

func TestHostileRedirect(t *testing.T) {
	s := startHostile(t, HostileRedirect, HostileOptions{})
	defer s.Close()
	noFollow := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer noFollow.CloseIdleConnections()
	resp, err := noFollow.Do(postJSON(s.DecisionURL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != s.RedirectTarget() || s.RedirectTarget() == "" {
		t.Errorf("status %d Location %q, want 307 to %q", resp.StatusCode, resp.Header.Get("Location"), s.RedirectTarget())
	}
	if s.RedirectHits() != 0 {
		t.Errorf("target hit without following")
	}
	follow := newClient(2 * time.Second)
	defer follow.CloseIdleConnections()
	if code, _, err := do(follow, postJSON(s.DecisionURL)); err != nil || code != 200 || s.RedirectHits() != 1 {
		t.Errorf("following client: %d %v, hits %d", code, err, s.RedirectHits())
	}

	other := startHostile(t, HostileRedirect, HostileOptions{RedirectTo: "https://example.invalid/elsewhere"})
	defer other.Close()
	resp, err = noFollow.Do(postJSON(other.CallbackURL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 307 || resp.Header.Get("Location") != "https://example.invalid/elsewhere" {
		t.Errorf("configured target: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestHostileDown(t *testing.T) {
	s := startHostile(t, HostileDown, HostileOptions{})
	defer s.Close()
	if !isClosed(s.Done()) {
		t.Error("a down server's Done is open")
	}
	c := newClient(2 * time.Second)
	defer c.CloseIdleConnections()
	if _, _, err := do(c, postJSON(s.DecisionURL)); !refused(err) {
		t.Errorf("err = %v, want connection refused", err)
	}
}

func TestHostileKinds(t *testing.T) {
	for _, k := range HostileKinds() {
		s, err := StartHostileWith(k, HostileOptions{Delay: 10 * time.Millisecond})
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: Close: %v", k, err)
		}
	}
	if _, err := StartHostile("teapot"); err == nil || !strings.Contains(err.Error(), "unknown hostile kind") {
		t.Errorf("unknown kind: err = %v", err)
	}
}

// TestNoGoroutineLeak exercises every server kind, closes everything, and
// checks the goroutine count returns to where it started (bounded wait).
func TestNoGoroutineLeak(t *testing.T) {
	runtime.GC()
	base := runtime.NumGoroutine()

	func() {
		c := newClient(150 * time.Millisecond)
		defer c.CloseIdleConnections()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for _, k := range HostileKinds() {
			s, err := StartHostileWith(k, HostileOptions{Delay: 50 * time.Millisecond, Size: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(postJSON(s.DecisionURL).WithContext(ctx))
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err := s.Close(); err != nil {
				t.Errorf("%s: Close: %v", k, err)
			}
		}
		for _, e := range envs() {
			for _, d := range append([]string{""}, CrashOnInvalidJSON, ExitsAfterFirstWebhook, Slow) {
				cfg := e.config(d)
				cfg.SlowDelay = 2 * time.Second // longer than the client waits
				s, err := Start(cfg)
				if err != nil {
					t.Fatal(err)
				}
				url := s.URL + e.mainPath()
				bodies := [][]byte{e.mainBody(sessA), []byte("{")}
				if d == Slow {
					bodies = bodies[:1] // the client gives up; once is enough
				}
				for _, b := range bodies {
					if code, _, err := do(c, e.clientPost(url, b)); err == nil && code >= 500 {
						t.Errorf("%s/%q: %d", e.p.Name, d, code)
					}
				}
				if err := s.Close(); err != nil {
					t.Errorf("%s/%q: Close: %v", e.p.Name, d, err)
				}
			}
		}
	}()

	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
