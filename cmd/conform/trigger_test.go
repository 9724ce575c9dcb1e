package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/conform-kit/conform/contract"
	"github.com/conform-kit/conform/signing"
)

func TestTriggerSendSignsLikeTheProvider(t *testing.T) {
	type got struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var reqs []got
	status := http.StatusOK
	url := listen(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Header.Clone(), b})
		st := status
		mu.Unlock()
		w.WriteHeader(st)
		w.Write([]byte(`{"ok":true}`))
	}))
	c, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fixture, profile, schema string
		p                        signing.Profile
	}{
		{"veriff/decision/approved", "veriff-hmac", "veriff/decision-webhook", signing.VeriffHMAC},
		{"veriff/event/started", "", "veriff/event-webhook", signing.VeriffXSignature},
		{"shuftipro/callback/verification.accepted", "shuftipro-legacy", "shuftipro/callback", signing.ShuftiProLegacy},
	}
	for i, tc := range cases {
		args := []string{"trigger", "send", "--fixture", tc.fixture, "--url", url + "/hook"}
		if tc.profile != "" {
			args = append(args, "--profile", tc.profile)
		}
		r := cliRun(t, mockEnv, nil, args...)
		if r.code != 0 || r.out != "HTTP 200 OK\n{\"ok\":true}\n" {
			t.Fatalf("%s: exit %d\n%s\n%s", tc.fixture, r.code, r.out, r.err)
		}
		mu.Lock()
		g := reqs[i]
		mu.Unlock()
		if !tc.p.Verify(mockTestSecret, g.body, g.header.Get(tc.p.Header)) {
			t.Errorf("%s: %s does not verify", tc.fixture, tc.p.Header)
		}
		if (tc.p.Provider == "veriff") != (g.header.Get("X-AUTH-CLIENT") == mockTestKey) {
			t.Errorf("%s: X-AUTH-CLIENT %q", tc.fixture, g.header.Get("X-AUTH-CLIENT"))
		}
		if res, _ := c.Validate(tc.schema, g.body); !res.Valid() {
			t.Errorf("%s: %v", tc.fixture, res.Errors)
		}
		if strings.Contains(r.out+r.err, mockTestSecret) || strings.Contains(r.out+r.err, mockTestKey) {
			t.Fatal("secret printed")
		}
	}
	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	r := cliRun(t, mockEnv, nil, "trigger", "send", "--fixture", "veriff/decision/declined", "--url", url)
	if r.code != exitFailed || !strings.HasPrefix(r.out, "HTTP 500 Internal Server Error\n") || !strings.Contains(r.err, "retries any non-200") {
		t.Fatalf("500: %d %q %q", r.code, r.out, r.err)
	}
}

func TestTriggerErrors(t *testing.T) {
	cliRun(t, mockEnv, nil, "trigger", "send", "--fixture", "veriff/decision/nope", "--url", "http://127.0.0.1:1").expectUsage(t, "unknown fixture")
	cliRun(t, mockEnv, nil, "trigger", "send", "--url", "http://127.0.0.1:1").expectUsage(t, "--fixture and --url are required")
	cliRun(t, map[string]string{envAPIKey: "k"}, nil, "trigger", "send", "--fixture", "veriff/decision/approved", "--url", "http://127.0.0.1:1").expectUsage(t, "no API secret")
	cliRun(t, mockEnv, nil, "trigger", "send", "--fixture", "veriff/decision/approved", "--url", "http://127.0.0.1:1", "--profile", "shuftipro").expectUsage(t, "does not belong to Veriff")
	r := cliRun(t, mockEnv, nil, "trigger", "send", "--fixture", "veriff/decision/approved", "--url", "http://127.0.0.1:1/hook")
	if r.code != exitUnreachable {
		t.Fatalf("unreachable listener: %d %s", r.code, r.err)
	}
	r = cliRun(t, nil, nil, "trigger", "--mock", "http://127.0.0.1:1", "clock")
	if r.code != exitUnreachable || !strings.Contains(r.err, "no conform mock answering") {
		t.Fatalf("unreachable mock: %d %s", r.code, r.err)
	}
	cliRun(t, nil, nil, "trigger", "--mock", "ftp://x", "clock").expectUsage(t, "want the mock's base URL")
	cliRun(t, nil, nil, "trigger", "decide", "only-one").expectUsage(t, "want 2 argument(s), got 1")
}

func TestTriggerShufti(t *testing.T) {
	var mu sync.Mutex
	var events []string
	lis := listen(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v struct{ Event string }
		b, _ := io.ReadAll(r.Body)
		json.NewDecoder(bytes.NewReader(b)).Decode(&v)
		mu.Lock()
		events = append(events, v.Event)
		mu.Unlock()
	}))
	m := startMock(t, "--quiet", "--shufti-profile", "shuftipro-legacy")
	if r := cliRun(t, nil, nil, "trigger", "--mock", m.url, "shufti-create", "ref-9", "--callback-url", lis+"/cb"); r.code != 0 {
		t.Fatalf("%d %s", r.code, r.err)
	}
	if r := cliRun(t, nil, nil, "trigger", "--mock", m.url, "shufti-event", "ref-9", "review.pending"); r.code != 0 {
		t.Fatalf("%d %s", r.code, r.err)
	}
	if r := cliRun(t, nil, nil, "trigger", "--mock", m.url, "shufti-requests"); !strings.Contains(r.out, `"event": "review.pending"`) {
		t.Fatalf("%s", r.out)
	}
	m.finish(t)
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(events, ",") != "request.pending,review.pending" {
		t.Fatalf("%v", events)
	}
}
