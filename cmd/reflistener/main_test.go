package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conform-kit/conform/signing"
)

var creds = map[string]string{"CONFORM_API_KEY": "test-key-0123456789", "CONFORM_API_SECRET": "test-secret-0123456789abcdef"}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// syncBuffer is written by the server goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingAt = regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`)

// start runs the command on a free port and returns its base URL, a stop
// function returning the exit code, and its output.
func start(t *testing.T, args ...string) (string, func() int, *syncBuffer, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), out, errb, env(creds)) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingAt.FindStringSubmatch(out.String()); m != nil {
			stop := func() int {
				cancel()
				select {
				case code := <-done:
					return code
				case <-time.After(10 * time.Second):
					t.Fatal("did not stop within 10s of the signal")
					return -1
				}
			}
			return m[1], stop, out, errb
		}
		select {
		case code := <-done:
			t.Fatalf("exited %d before serving: %s%s", code, out, errb)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("not serving after 10s: %s%s", out, errb)
	return "", nil, nil, nil
}

func status(t *testing.T, method, url string, body string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServesBothProvidersAndStopsOnSignal(t *testing.T) {
	base, stop, out, errb := start(t)
	if got := status(t, "GET", base+"/veriff/decision", "", nil); got != http.StatusMethodNotAllowed {
		t.Errorf("GET /veriff/decision: %d, want 405", got)
	}
	if got := status(t, "GET", base+"/nowhere", "", nil); got != http.StatusNotFound {
		t.Errorf("GET /nowhere: %d, want 404", got)
	}
	// A correctly signed Shufti Pro callback is accepted; one signed with
	// another secret is not.
	body := `{"event":"request.pending","reference":"ref-1"}`
	prof, _ := signing.Lookup("shuftipro")
	h := http.Header{"Content-Type": {"application/json"}}
	h.Set(prof.Header, prof.Sign(creds["CONFORM_API_SECRET"], []byte(body)))
	if got := status(t, "POST", base+"/shuftipro/callback", body, h); got != http.StatusOK {
		t.Errorf("signed callback: %d, want 200", got)
	}
	h.Set(prof.Header, prof.Sign("another-secret-0123456789", []byte(body)))
	if got := status(t, "POST", base+"/shuftipro/callback", body, h); got != http.StatusUnauthorized {
		t.Errorf("callback signed with another secret: %d, want 401", got)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after the signal, want 0", code)
	}
	for _, want := range []string{"reference Veriff listener, profile veriff-x-signature, POST at ", "/veriff/decision, /veriff/events", "reference Shufti Pro listener, profile shuftipro, POST at ", "reflistener: stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errb.String(), "POST /shuftipro/callback -> 200") {
		t.Errorf("no request log on stderr:\n%s", errb)
	}
	for _, secret := range creds {
		if strings.Contains(out.String()+errb.String(), secret) {
			t.Error("a credential appears in the output")
		}
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Error("still accepting connections after stopping")
	}
}

func TestDefectAndProviderSelection(t *testing.T) {
	base, stop, out, _ := start(t, "--provider", "veriff", "--defect", "no-signature-check", "--quiet")
	defer stop()
	if !strings.Contains(out.String(), "defective (no-signature-check) Veriff listener") || strings.Contains(out.String(), "Shufti") {
		t.Errorf("stdout:\n%s", out)
	}
	if got := status(t, "POST", base+"/shuftipro/callback", "{}", nil); got != http.StatusNotFound {
		t.Errorf("Shufti Pro path served by a Veriff-only listener: %d", got)
	}
	// The defect: a wrong signature is accepted.
	h := http.Header{"Content-Type": {"application/json"}, "X-Auth-Client": {creds["CONFORM_API_KEY"]}, "X-Signature": {strings.Repeat("0", 64)}}
	body := `{"status":"success","verification":{"id":"0b6a1b4a-8a7e-4bd7-9a4b-7d8e7f1f2a3c","code":9001,"status":"approved"}}`
	if got := status(t, "POST", base+"/veriff/decision", body, h); got != http.StatusOK {
		t.Errorf("wrongly signed decision: %d, want 200 from the no-signature-check defect", got)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
		code int
	}{
		{nil, map[string]string{"CONFORM_API_KEY": "k"}, "CONFORM_API_SECRET is not set", 2},
		{nil, map[string]string{"CONFORM_API_SECRET": "s"}, "CONFORM_API_KEY is not set", 2},
		{[]string{"--provider", "acme"}, creds, "--provider", 2},
		{[]string{"--profile", "nope"}, creds, "--profile", 2},
		{[]string{"--defect", "nope"}, creds, `--defect "nope" is not a defect`, 2},
		{[]string{"--provider", "shuftipro", "--defect", "events-rejected"}, creds, "not a defect of the selected provider", 2},
		{[]string{"extra"}, creds, `unexpected argument "extra"`, 2},
		{[]string{"--bogus"}, creds, "flag provided but not defined", 2},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, tc.args...), &out, &errb, env(tc.env))
		if code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
	}
	// The Shufti Pro listener needs no API key.
	if _, _, err := build(options{provider: "shuftipro"}, "", "secret-0123456789", nil); err != nil {
		t.Errorf("shuftipro without an API key: %v", err)
	}
}

func TestAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--addr", ln.Addr().String()}, &out, &errb, env(creds))
	if code != 1 || !strings.Contains(errb.String(), "address already in use") {
		t.Errorf("exit %d, stderr %q; want 1 and 'address already in use'", code, errb.String())
	}
}
