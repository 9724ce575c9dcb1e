package suites_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/listener"
	"github.com/conform-kit/conform/signing"
	"github.com/conform-kit/conform/suites"
)

// The suite's cost against its floor, in one run: BenchmarkVeriffSuite runs
// every Veriff check against the reference listener; BenchmarkFloor sends the
// same number of requests (a correctly signed decision each) with a bare
// keep-alive client to the same kind of listener. bench/suite.sh runs both
// side by side and writes the medians and their ratio.

func benchListener(b *testing.B) *listener.Server {
	b.Helper()
	srv, err := listener.Start(listener.Config{Profile: signing.VeriffXSignature, APIKey: testKey, Secret: testSecret})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	return srv
}

// benchGrace isolates conform's own work from the deliberate pauses before
// liveness probes (harness.DefaultGrace, reported separately).
const benchGrace = time.Millisecond

// suiteRun executes the whole Veriff suite once and returns its request count.
func suiteRun(b *testing.B, srv *listener.Server, grace time.Duration) int64 {
	sess, err := harness.NewSession(harness.Config{
		Provider: "veriff", URLs: map[string]string{"decision": srv.DecisionURL, "event": srv.EventURL},
		APIKey: testKey, Secret: testSecret, Budget: 2 * time.Second, Grace: grace,
		Client: harness.ClientOptions{Timeout: 5 * time.Second}, Seed: 1, Assets: conform.Files,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Client.Close()
	r := harness.NewRunner(sess, true)
	for _, in := range suites.Registry().Instances("veriff") {
		if !sess.Provides(in.Check.Needs) {
			continue
		}
		if o := r.Execute(context.Background(), in); o.Status != harness.Passed {
			b.Fatalf("%s %s:\n%s", o.ID, o.Status, o.Message)
		}
	}
	return sess.Requests()
}

func BenchmarkVeriffSuite(b *testing.B) {
	benchSuite(b, benchGrace)
}

// BenchmarkVeriffSuiteDefaultGrace is the suite as users run it: with the
// default pauses before liveness probes (3 after disruptive checks, 5x
// before the final check), which dominate its wall time.
func BenchmarkVeriffSuiteDefaultGrace(b *testing.B) {
	benchSuite(b, harness.DefaultGrace)
}

func benchSuite(b *testing.B, grace time.Duration) {
	srv := benchListener(b)
	var requests int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		requests = suiteRun(b, srv, grace)
	}
	b.ReportMetric(float64(requests), "requests/op")
}

func BenchmarkFloor(b *testing.B) {
	srv := benchListener(b)
	requests := suiteRun(b, srv, benchGrace) // the same count the suite sends
	body := []byte(`{"status":"success","verification":{"id":"5c0f8f3e-8a53-4c8e-9a61-0d6a3b7f1c21","code":9001,"status":"approved"}}`)
	sig := signing.VeriffXSignature.Sign(testSecret, body)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := int64(0); j < requests; j++ {
			req, _ := http.NewRequest(http.MethodPost, srv.DecisionURL, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-AUTH-CLIENT", testKey)
			req.Header.Set("X-SIGNATURE", sig)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	b.ReportMetric(float64(requests), "requests/op")
}
