package listener

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conform-kit/conform/signing"
)

// TestReferenceProbes: the reference listener answers every probe the way
// the documents require ("Handling security", "Testing security",
// "Configuring the webhook endpoint").
func TestReferenceProbes(t *testing.T) {
	for _, e := range envs() {
		for _, p := range probes(e) {
			t.Run(e.p.Name+"/"+p.name, func(t *testing.T) {
				got, _ := runSteps(t, e.config(""), p.reqs(e))
				if got != p.want {
					t.Errorf("got %s, want %s", got, p.want)
				}
			})
		}
	}
}

// TestReferenceResponses checks the answer itself, not only its status.
func TestReferenceResponses(t *testing.T) {
	for _, e := range envs() {
		t.Run(e.p.Name, func(t *testing.T) {
			l, err := New(e.config(""))
			if err != nil {
				t.Fatal(err)
			}
			h := l.Handler()

			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, e.post(e.mainPath(), e.mainBody(sessA)))
			if rec.Code != 200 || rec.Body.String() != `{"status":"success"}` || rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("accepted delivery: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}

			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, e.post(e.mainPath(), nil, method(http.MethodGet)))
			if rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
				t.Errorf("GET: %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
			}

			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, e.post(e.mainPath(), e.mainBody(sessA), delHeader(e.p.Header)))
			if rec.Code != 401 || !strings.Contains(rec.Body.String(), `"status":"fail"`) {
				t.Errorf("unsigned: %d %q", rec.Code, rec.Body.String())
			}
		})
	}
}

// TestReferenceBodyLimit: the body is read with a cap, and the cap answers 413.
func TestReferenceBodyLimit(t *testing.T) {
	e := env{signing.VeriffHMAC}
	cfg := e.config("")
	cfg.MaxBody = 1024
	big := decision(sessA, "approved", 9001, "2031-05-04T10:00:00Z")
	big = append(big[:len(big)-1:len(big)-1], []byte(`,"pad":"`+strings.Repeat("x", 2048)+`"}`)...)
	got, _ := runSteps(t, cfg, []*http.Request{e.post(VeriffDecisionPath, big)})
	if got != "413" {
		t.Errorf("oversized body: got %s, want 413", got)
	}
	small := decision(sessA, "approved", 9001, "2031-05-04T10:00:00Z")
	if got, _ := runSteps(t, cfg, []*http.Request{e.post(VeriffDecisionPath, small)}); got != "200" {
		t.Errorf("body under the cap: got %s, want 200", got)
	}
}

// TestReferenceDeliveries: what was accepted is recorded once per delivery,
// with its identifying fields.
func TestReferenceDeliveries(t *testing.T) {
	e := env{signing.VeriffXSignature}
	reqs := []*http.Request{
		e.post(VeriffEventPath, event(sessA, 7001, "started")),
		e.post(VeriffDecisionPath, decision(sessA, "review", 9121, "2031-05-04T10:00:00Z")),
		e.post(VeriffDecisionPath, decision(sessA, "review", 9121, "2031-05-04T10:00:00Z")), // retry
		e.post(VeriffEventPath, event(sessA, 7002, "submitted")),                            // late event
		e.post(VeriffDecisionPath, decision(sessA, "declined", 9102, "2031-05-05T10:00:00Z")),
		e.post(VeriffDecisionPath, nil, delHeader("X-AUTH-CLIENT")), // rejected: not recorded
	}
	got, l := runSteps(t, e.config(""), reqs)
	if got != "200,200,200,200,200,401" {
		t.Fatalf("statuses %s", got)
	}
	want := []Delivery{
		{Kind: KindEvent, ID: sessA, Code: 7001, Action: "started"},
		{Kind: KindDecision, ID: sessA, Status: "review", Code: 9121},
		{Kind: KindEvent, ID: sessA, Code: 7002, Action: "submitted"},
		{Kind: KindDecision, ID: sessA, Status: "declined", Code: 9102},
	}
	ds := l.Deliveries()
	if len(ds) != len(want) {
		t.Fatalf("recorded %d deliveries, want %d: %+v", len(ds), len(want), ds)
	}
	for i, d := range ds {
		if d.Time.IsZero() || len(d.BodySHA256) != 64 {
			t.Errorf("delivery %d lacks time or body hash: %+v", i, d)
		}
		d.Time, d.BodySHA256 = time.Time{}, ""
		if d != want[i] {
			t.Errorf("delivery %d = %+v, want %+v", i, d, want[i])
		}
	}

	s := env{signing.ShuftiPro}
	_, l = runSteps(t, s.config(""), []*http.Request{s.post(ShuftiCallbackPath, callback("ref-9", "review.pending"))})
	if ds := l.Deliveries(); len(ds) != 1 || ds[0].Kind != KindCallback || ds[0].ID != "ref-9" || ds[0].Event != "review.pending" {
		t.Errorf("shufti delivery: %+v", ds)
	}
}

// TestReferenceConcurrent delivers in parallel over a real connection:
// every delivery is acknowledged and each distinct one recorded once.
func TestReferenceConcurrent(t *testing.T) {
	for _, e := range []env{{signing.VeriffHMAC}, {signing.ShuftiPro}} {
		t.Run(e.p.Name, func(t *testing.T) {
			srv, err := Start(e.config(""))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			client := &http.Client{Timeout: 5 * time.Second}
			defer client.CloseIdleConnections()
			const distinct, copies = 20, 3
			var wg sync.WaitGroup
			errs := make(chan error, distinct*copies)
			for i := range distinct * copies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := e.mainBody(fmt.Sprintf("00000000-0000-4000-8000-%012d", i%distinct))
					resp, err := client.Do(e.clientPost(srv.URL+e.mainPath(), body))
					if err != nil {
						errs <- err
						return
					}
					defer resp.Body.Close()
					b, _ := io.ReadAll(resp.Body)
					if resp.StatusCode != 200 || string(b) != `{"status":"success"}` {
						errs <- fmt.Errorf("got %d %s", resp.StatusCode, b)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n := len(srv.Listener.Deliveries()); n != distinct {
				t.Errorf("recorded %d deliveries, want %d", n, distinct)
			}
		})
	}
}

// TestLogNeverHoldsCredentials: the log gets a line per request and never
// the secret or the API key.
func TestLogNeverHoldsCredentials(t *testing.T) {
	for _, e := range envs() {
		for _, defect := range append([]string{""}, names(DefectsFor(e.p.Provider))...) {
			var log bytes.Buffer
			cfg := e.config(defect)
			cfg.Log = &log
			cfg.SlowDelay = time.Millisecond
			l, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			h := l.Handler()
			for _, p := range probes(e) {
				for _, r := range p.reqs(e) {
					serve(h, r)
				}
			}
			out := log.String()
			// A listener that "exited" logs no more, like a dead process.
			lines := 3
			if defect == ExitsAfterFirstWebhook || defect == CrashOnInvalidJSON {
				lines = 1
			}
			if strings.Count(out, "\n") < lines {
				t.Errorf("%s/%q: log has too few lines: %q", e.p.Name, defect, out)
			}
			for _, secret := range []string{testSecret, testKey} {
				if strings.Contains(out, secret) {
					t.Fatalf("%s/%q: log contains a credential", e.p.Name, defect)
				}
			}
		}
	}
}

func names(ds []Defect) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

// TestNewRejectsBadConfig: bad configuration is a clear error, not a
// listener that silently does something else.
func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown defect", Config{Profile: signing.VeriffHMAC, APIKey: "k", Secret: "s", Defect: "nope"}, "unknown defect"},
		{"veriff-only defect on shufti", Config{Profile: signing.ShuftiPro, Secret: "s", Defect: NoAPIKeyCheck}, "does not exist for provider shuftipro"},
		{"shufti-only defect on veriff", Config{Profile: signing.VeriffHMAC, APIKey: "k", Secret: "s", Defect: UnknownEventRejected}, "does not exist for provider veriff"},
		{"unknown profile", Config{Profile: signing.Profile{Name: "made-up"}, Secret: "s"}, "unknown signing profile"},
		{"zero profile", Config{Secret: "s"}, "unknown signing profile"},
		{"mismatched header", Config{Profile: signing.Profile{Name: "veriff-hmac", Header: "X-SIGNATURE"}, APIKey: "k", Secret: "s"}, "does not use header"},
		{"no secret", Config{Profile: signing.ShuftiPro}, "secret is empty"},
		{"veriff without key", Config{Profile: signing.VeriffXSignature, Secret: "s"}, "API key"},
		{"negative delay", Config{Profile: signing.ShuftiPro, Secret: "s", SlowDelay: -1}, "negative"},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", c.name, err)
		}
	}
	if _, err := Start(Config{Profile: signing.ShuftiPro}); err == nil {
		t.Error("Start accepted a config without a secret")
	}
}
