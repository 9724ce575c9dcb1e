package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conform-kit/conform/mock"
)

const (
	mockTestKey    = "cli-mock-key-91c2"
	mockTestSecret = "cli-mock-secret-77ab-e5"
)

var mockEnv = map[string]string{envAPIKey: mockTestKey, envSecret: mockTestSecret}

// runningMock is `conform mock` started in-process on 127.0.0.1:0.
type runningMock struct {
	url  string
	stop func()
	done chan cliResult
}

func startMock(t *testing.T, args ...string) *runningMock {
	t.Helper()
	type started struct {
		url  string
		stop func()
	}
	ready := make(chan started, 1)
	mockStarted = func(u string, stop func()) { ready <- started{u, stop} }
	t.Cleanup(func() { mockStarted = func(string, func()) {} })
	done := make(chan cliResult, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(append([]string{"mock", "--addr", "127.0.0.1:0"}, args...),
			&streams{in: strings.NewReader(""), out: &out, err: &errb, getenv: func(k string) string { return mockEnv[k] }})
		done <- cliResult{code: code, out: out.String(), err: errb.String()}
	}()
	select {
	case s := <-ready:
		return &runningMock{url: s.url, stop: s.stop, done: done}
	case r := <-done:
		t.Fatalf("mock exited early: %d %s %s", r.code, r.out, r.err)
	case <-time.After(10 * time.Second):
		t.Fatal("mock did not start")
	}
	return nil
}

func (m *runningMock) finish(t *testing.T) cliResult {
	t.Helper()
	m.stop()
	select {
	case r := <-m.done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("mock did not stop")
	}
	return cliResult{}
}

func postVeriff(t *testing.T, url string, body []byte, sign bool) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v1/sessions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-AUTH-CLIENT", mockTestKey)
	if sign {
		sum := sha256.Sum256(append(append([]byte(nil), body...), mockTestSecret...))
		req.Header.Set("X-SIGNATURE", hex.EncodeToString(sum[:]))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestMockRunsReportsAndFailsOnViolation(t *testing.T) {
	var mu sync.Mutex
	var hooks [][]byte
	lis := listen(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		mu.Lock()
		hooks = append(hooks, b.Bytes())
		mu.Unlock()
	}))
	report := filepath.Join(t.TempDir(), "report.json")
	m := startMock(t, "--report", report, "--fail-on-violation", "--decision-url", lis+"/decision", "--event-url", lis+"/events")

	// A client that never signs, and one that sends a stale timestamp.
	good := []byte(`{"verification":{"timestamp":"` + time.Now().UTC().Format(time.RFC3339) + `"}}`)
	if st := postVeriff(t, m.url, good, false); st != 401 {
		t.Fatalf("unsigned: %d", st)
	}
	if st := postVeriff(t, m.url, []byte(`{"verification":{"timestamp":"2016-05-19T08:30:25.597Z"}}`), true); st != 400 {
		t.Fatalf("stale: %d", st)
	}
	if st := postVeriff(t, m.url, good, true); st != 201 {
		t.Fatalf("good: %d", st)
	}
	r := cliRun(t, nil, nil, "trigger", "--mock", m.url, "sessions")
	var sessions []mock.SessionView
	if r.code != 0 || json.Unmarshal([]byte(r.out), &sessions) != nil || len(sessions) != 1 {
		t.Fatalf("sessions: %d %s %s", r.code, r.out, r.err)
	}
	id := sessions[0].ID
	if r := cliRun(t, nil, nil, "trigger", "--mock", m.url, "event", id, "started"); r.code != 0 {
		t.Fatalf("event: %d %s", r.code, r.err)
	}
	cliRun(t, nil, nil, "trigger", "--mock", m.url, "decide", id, "resubmission_requested").expectUsage(t, "needs a reasonCode")
	if r := cliRun(t, nil, nil, "trigger", "--mock", m.url, "decide", id, "resubmission_requested", "--reason-code", "204"); r.code != 0 || !strings.Contains(r.out, `"state": "resubmission_requested"`) {
		t.Fatalf("decide: %d %s %s", r.code, r.out, r.err)
	}
	if r := cliRun(t, nil, nil, "trigger", "--mock", m.url, "advance", "7d"); r.code != 0 || !strings.Contains(r.out, `"advanced": "168h0m0s"`) {
		t.Fatalf("advance: %d %s %s", r.code, r.out, r.err)
	}
	r = cliRun(t, nil, nil, "trigger", "--mock", m.url, "session", id)
	if !strings.Contains(r.out, `"state": "abandoned"`) {
		t.Fatalf("after 7 days: %s", r.out)
	}
	r = cliRun(t, nil, nil, "trigger", "--mock", m.url, "deliveries", "--subject", id)
	var ds []mock.DeliveryView
	if json.Unmarshal([]byte(r.out), &ds) != nil || len(ds) != 3 || ds[2].State != mock.DeliveryDelivered {
		t.Fatalf("deliveries: %s", r.out)
	}
	if r := cliRun(t, nil, nil, "trigger", "--mock", m.url, "redeliver", ds[2].ID); r.code != 0 || !strings.Contains(r.out, `"manual": true`) {
		t.Fatalf("redeliver: %d %s %s", r.code, r.out, r.err)
	}
	cliRun(t, nil, nil, "trigger", "--mock", m.url, "redeliver", "d424242").expectUsage(t, "no delivery")
	cliRun(t, nil, nil, "trigger", "--mock", m.url, "advance", "soon").expectUsage(t, "invalid duration")

	res := m.finish(t)
	if res.code != exitFailed || !strings.Contains(res.err, "2 client request(s) broke a rule") {
		t.Fatalf("exit %d\n%s", res.code, res.err)
	}
	for _, want := range []string{"veriff/signature-missing", "veriff/1201-timestamp-stale", "Timestamp must not be older than one hour"} {
		if !strings.Contains(res.err, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.err)
		}
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc mock.ReportDoc
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Summary.Requests != 3 || doc.Summary.Violations["veriff/1201-timestamp-stale"] != 1 {
		t.Fatalf("report: %v %s", err, raw)
	}
	mu.Lock()
	if len(hooks) != 4 { // 7001, 9103, 9104 abandoned, redelivery
		t.Errorf("listener got %d webhooks", len(hooks))
	}
	mu.Unlock()
	all := res.out + res.err + string(raw)
	for _, s := range []string{mockTestKey, mockTestSecret} {
		if strings.Contains(all, s) {
			t.Fatalf("%q printed", s)
		}
	}
}

func TestMockCleanExitWithoutViolations(t *testing.T) {
	m := startMock(t, "--quiet")
	res := m.finish(t)
	if res.code != 0 || !strings.Contains(res.out, "conform mock listening on http://127.0.0.1:") || !strings.Contains(res.err, "0 request(s), 0 broke a rule") {
		t.Fatalf("%d %s %s", res.code, res.out, res.err)
	}
}

func TestMockUsageErrors(t *testing.T) {
	cliRun(t, mockEnv, nil, "mock", "--addr", "0.0.0.0:0").expectUsage(t, "only loopback addresses are allowed without --allow-remote")
	cliRun(t, mockEnv, nil, "mock", "--addr", ":8089").expectUsage(t, "listens on every interface")
	cliRun(t, mockEnv, nil, "mock", "--addr", "nonsense").expectUsage(t, "want host:port")
	cliRun(t, map[string]string{envSecret: "s"}, nil, "mock", "--addr", "127.0.0.1:0").expectUsage(t, "no API key")
	cliRun(t, map[string]string{envAPIKey: "k"}, nil, "mock", "--addr", "127.0.0.1:0").expectUsage(t, "no API secret")
	cliRun(t, mockEnv, nil, "mock", "--addr", "127.0.0.1:0", "--profile", "shuftipro").expectUsage(t, "not a Veriff signing profile")
	cliRun(t, mockEnv, nil, "mock", "--addr", "127.0.0.1:0", "--decision-url", "ftp://x").expectUsage(t, "must be an http:// or https:// URL")
	cliRun(t, mockEnv, nil, "mock", "--addr", "127.0.0.1:0", "--max-sessions", "0").expectUsage(t, "--max-sessions must be positive")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cliRun(t, mockEnv, nil, "mock", "--addr", ln.Addr().String()).expectUsage(t, "cannot listen on")
}

// TestMockSurvivesSlowloris: a client that never finishes its headers is
// cut off by the server's timeout while other clients are served.
func TestMockSurvivesSlowloris(t *testing.T) {
	old := mockReadHeaderTimeout
	mockReadHeaderTimeout = 300 * time.Millisecond
	defer func() { mockReadHeaderTimeout = old }()
	m := startMock(t, "--quiet")
	conn, err := net.Dial("tcp", strings.TrimPrefix(m.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("POST /v1/sessions HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = bufio.NewReader(conn).ReadByte() // the server closes (or answers 408) instead of waiting
	if time.Since(start) > 3*time.Second {
		t.Fatalf("slow client held the connection for %s (%v)", time.Since(start), err)
	}
	if st := postVeriff(t, m.url, []byte(`{}`), false); st != 401 {
		t.Fatalf("mock not serving: %d", st)
	}
	m.finish(t)
}

func listen(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
