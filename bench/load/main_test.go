package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testKey    = "test-key"
	testSecret = "test-secret"
)

func xsig(payload []byte) string {
	h := sha256.Sum256(append(append([]byte{}, payload...), testSecret...))
	return hex.EncodeToString(h[:])
}

// fakeMock checks what the load tool sends the way the conform mock does
// (API key, X-SIGNATURE over the body or the id, a valid-looking body) and
// signs its answers. pollStatus is the status of every decision poll.
func fakeMock(t *testing.T, pollStatus int, decided *atomic.Int64) *httptest.Server {
	t.Helper()
	var n atomic.Int64
	reply := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("X-SIGNATURE", xsig([]byte(body)))
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-AUTH-CLIENT") != testKey && !strings.HasPrefix(r.URL.Path, "/_conform/") {
			reply(w, 401, `{"status":"fail"}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method == "POST" && r.URL.Path == "/v1/sessions":
			var doc struct {
				Verification struct {
					VendorData string `json:"vendorData"`
					Timestamp  string `json:"timestamp"`
				} `json:"verification"`
			}
			if err := json.Unmarshal(body, &doc); err != nil || doc.Verification.Timestamp == "" || doc.Verification.VendorData == "" {
				reply(w, 400, `{"status":"fail","code":"1102"}`)
				return
			}
			if r.Header.Get("X-SIGNATURE") != xsig(body) {
				reply(w, 401, `{"status":"fail"}`)
				return
			}
			reply(w, 201, fmt.Sprintf(`{"status":"success","verification":{"id":"0c1e9a74-5d3b-4f2a-8b6c-%012d"}}`, n.Add(1)))
		case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/decision"):
			id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/sessions/"), "/decision")
			if r.Header.Get("X-SIGNATURE") != xsig([]byte(id)) {
				reply(w, 401, `{"status":"fail"}`)
				return
			}
			reply(w, pollStatus, `{"status":"success","verification":null}`)
		case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/_conform/sessions/"):
			decided.Add(1)
			reply(w, 200, `{}`)
		default:
			reply(w, 404, `{"status":"fail","message":"Not Found."}`)
		}
	}))
}

func testConfig(t *testing.T, srv *httptest.Server, decide bool) config {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return config{base: u, workers: 2, duration: 300 * time.Millisecond, decide: decide, verifySigs: 5,
		rssEvery: time.Second, apiKey: testKey, secret: testSecret, pid: os.Getpid()}
}

func TestSignedFlowCountsOnlyClientRequests(t *testing.T) {
	var decided atomic.Int64
	srv := fakeMock(t, 200, &decided)
	defer srv.Close()
	res, err := run(t.Context(), testConfig(t, srv, true), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Flows == 0 || res.Non2xx != 0 || res.Errors != 0 || res.FirstFailure != "" {
		t.Fatalf("want signed requests accepted: %+v", res)
	}
	creates, polls := res.ByOp[opCreate]["201"], res.ByOp[opPoll]["200"]
	if int64(creates+polls) != res.Requests {
		t.Fatalf("counted %d requests, but %d creates + %d polls", res.Requests, creates, polls)
	}
	if res.ByOp[opDecide]["200"] == 0 || int64(res.ByOp[opDecide]["200"]) != decided.Load() {
		t.Fatalf("admin decisions: result %v, server saw %d", res.ByOp[opDecide], decided.Load())
	}
	if res.SigChecked == 0 || res.SigBad != 0 {
		t.Fatalf("answer signatures: %d checked, %d bad", res.SigChecked, res.SigBad)
	}
	if res.RPS <= 0 || res.P50ms <= 0 || res.P99ms < res.P50ms {
		t.Fatalf("figures: rps %v p50 %v p99 %v", res.RPS, res.P50ms, res.P99ms)
	}
	if res.HWMKiB == 0 || res.RSSMaxKiB == 0 {
		t.Fatalf("memory of -pid not read: %+v", res)
	}
}

func TestNon2xxAndBadSignaturesAreReported(t *testing.T) {
	var decided atomic.Int64
	srv := fakeMock(t, 503, &decided)
	defer srv.Close()
	cfg := testConfig(t, srv, false)
	res, err := run(t.Context(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Non2xx == 0 || res.Non2xxRatio < 0.4 || !strings.Contains(res.FirstFailure, "503") {
		t.Fatalf("503 polls not reported: %+v", res)
	}

	cfg.secret = "another-secret" // the server rejects every signature
	res, err = run(t.Context(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Non2xxRatio != 1 || res.ByOp[opCreate]["401"] == 0 {
		t.Fatalf("wrongly signed requests not reported: %+v", res)
	}
}

func TestFlagsRefuseNonLoopbackAndMissingSecrets(t *testing.T) {
	t.Setenv("CONFORM_API_KEY", testKey)
	t.Setenv("CONFORM_API_SECRET", testSecret)
	for _, args := range [][]string{
		{"-url", "http://10.0.0.1:8089"},
		{"-url", "http://example.com"},
		{"-url", "http://127.0.0.1:8089", "-c", "0"},
		{"-url", "http://127.0.0.1:8089", "-d", "11m"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := parseFlags([]string{"-url", "http://127.0.0.1:8089"}); err != nil {
		t.Errorf("loopback refused: %v", err)
	}
	t.Setenv("CONFORM_API_SECRET", "")
	if _, err := parseFlags([]string{"-url", "http://127.0.0.1:8089"}); err == nil || !strings.Contains(err.Error(), "CONFORM_API_SECRET") {
		t.Errorf("missing secret: %v", err)
	}
}
