package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/conform-kit/conform/clock"
)

// The benchmarks below measure the mock's own cost of the client path that
// bench/mock-vs-prism.sh loads: a signed POST /v1/sessions (validated,
// signature checked, answer signed) and signed GETs of its decision. They
// call the handler in-process (httptest.ResponseRecorder), so what they
// measure is the mock's CPU per request, not the network's.

// benchMock is a mock driven in-process, with the load tool's requests.
type benchMock struct {
	b *testing.B
	m *Mock
	h http.Handler
	n int
}

func newBenchMock(b *testing.B, maxSessions int) *benchMock {
	b.Helper()
	m, err := New(Config{APIKey: testKey, Secret: testSecret, Clock: clock.New(time.Now().Truncate(time.Millisecond)),
		MaxSessions: maxSessions})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)
	return &benchMock{b: b, m: m, h: m.Handler()}
}

func (bm *benchMock) do(method, path string, body []byte, signed []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-AUTH-CLIENT", testKey)
	req.Header.Set(bm.m.veriff.Header, bm.m.veriff.Sign(testSecret, signed))
	w := httptest.NewRecorder()
	bm.h.ServeHTTP(w, req)
	return w
}

// create sends the load tool's create body (unique vendorData, current
// timestamp, a non-ASCII name) and returns the new session's id.
func (bm *benchMock) create() string {
	bm.n++
	body := []byte(fmt.Sprintf(`{"verification":{"callback":"https://shop.example/kyc/done","person":{"firstName":"Siobhán","lastName":"O'Connor"},`+
		`"document":{"number":"PX4417302","type":"PASSPORT","country":"IE"},"vendorData":"bench-%d","timestamp":"%s"}}`,
		bm.n, fmtTime(bm.m.clock.Now())))
	w := bm.do("POST", "/v1/sessions", body, body)
	if w.Code != http.StatusCreated {
		bm.b.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var out struct {
		Verification struct{ ID string } `json:"verification"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Verification.ID == "" {
		bm.b.Fatalf("create answer: %v %s", err, w.Body)
	}
	return out.Verification.ID
}

func (bm *benchMock) poll(id string) {
	if w := bm.do("GET", "/v1/sessions/"+id+"/decision", nil, []byte(id)); w.Code != http.StatusOK {
		bm.b.Fatalf("decision: %d %s", w.Code, w.Body)
	}
}

func (bm *benchMock) decide(id string) {
	req := httptest.NewRequest("POST", "/_conform/sessions/"+id+"/decision", bytes.NewReader([]byte(`{"status":"approved"}`)))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	bm.h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		bm.b.Fatalf("decide: %d %s", w.Code, w.Body)
	}
}

// BenchmarkCreateAndPoll is the client mix of bench/mock-vs-prism.sh, row 1:
// create, poll the decision twice (3 counted requests per iteration).
func BenchmarkCreateAndPoll(b *testing.B) {
	bm := newBenchMock(b, 1<<30)
	bm.poll(bm.create()) // compile what is compiled once per process
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := bm.create()
		bm.poll(id)
		bm.poll(id)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(3*b.N)/1e3, "µs/request")
}

// BenchmarkCreateDecideAtCap is row 2 at the default --max-sessions, already
// full of decided sessions: every create evicts the oldest finished one, and
// the tester decides every session (the admin call costs the mock too).
func BenchmarkCreateDecideAtCap(b *testing.B) {
	bm := newBenchMock(b, DefaultMaxSessions)
	for i := 0; i < DefaultMaxSessions; i++ {
		bm.decide(bm.create())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := bm.create()
		bm.poll(id)
		bm.decide(id)
		bm.poll(id)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(3*b.N)/1e3, "µs/request")
	if got := len(bm.m.Sessions()); got != DefaultMaxSessions {
		b.Fatalf("holds %d sessions, want the cap %d", got, DefaultMaxSessions)
	}
}
