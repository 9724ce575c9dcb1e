package mock

import (
	"testing"
	"time"
)

// BenchmarkSevenDayExpiry is the goal, end to end over real HTTP on
// 127.0.0.1: a client creates a session, the end user opens its URL (7001
// delivered), a week of virtual time passes, and the abandoned (9104)
// decision webhook is delivered, signed, to the listener. Goal: well under
// 1 s per scenario.
func BenchmarkSevenDayExpiry(b *testing.B) {
	e := newEnv(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, url := e.create()
		if st, _ := e.open(url); st != 200 {
			b.Fatalf("open: %d", st)
		}
		if _, err := e.m.Advance(168 * time.Hour); err != nil {
			b.Fatal(err)
		}
		got := e.lis.received()
		last := got[len(got)-1]
		if last.path != "/veriff/decision" || !e.profile.Verify(testSecret, last.body, last.header.Get(e.profile.Header)) {
			b.Fatalf("last delivery %s", last.path)
		}
		v, err := e.m.Session(id)
		if err != nil || v.State != StatusAbandoned {
			b.Fatalf("%+v %v", v, err)
		}
	}
}

// TestSevenDayExpiryUnderOneSecond runs the benchmark's scenario once as a
// test, so the goal is checked on every go test.
func TestSevenDayExpiryUnderOneSecond(t *testing.T) {
	e := newEnv(t)
	// The first request compiles the contract's schemas (once per process);
	// the scenario is measured after that, as the benchmark does.
	e.veriff("GET", "/v1/sessions/0c1e9a74-5d3b-4f2a-8b6c-93e1d7f4a215/decision", nil)
	start := time.Now()
	_, url := e.create()
	e.open(url)
	e.m.Advance(168 * time.Hour)
	if d := e.decisions(); len(d) != 1 || verification(d[0])["status"] != "abandoned" {
		t.Fatalf("%v", d)
	}
	if wall := time.Since(start); wall > time.Second {
		t.Fatalf("7-day scenario took %s of wall time", wall)
	}
}
