package mock

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/signing"
)

func (e *env) shuftiPost(path, body string, auth bool) resp {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.SetBasicAuth(testKey, testSecret)
	}
	return e.do(req)
}

func TestShuftiLifecycle(t *testing.T) {
	for _, p := range signing.ForProvider("shuftipro") {
		t.Run(p.Name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.ShuftiProfile = p.Name })
			var v ShuftiView
			if st := e.admin("POST", "/_conform/shuftipro/requests", map[string]string{"reference": "ref-1", "callback_url": e.lis.url("/shufti/cb")}, &v); st != 200 {
				t.Fatalf("create %d", st)
			}
			if v.Event != "request.pending" || !strings.HasPrefix(v.VerificationURL, e.srv.URL+"/s/") {
				t.Fatalf("%+v", v)
			}
			if st := e.admin("POST", "/_conform/shuftipro/requests", map[string]string{"reference": "ref-1"}, nil); st != http.StatusConflict {
				t.Fatalf("duplicate reference: %d", st)
			}
			r := e.shuftiPost("/shuftipro/status", `{"reference":"ref-1"}`, true)
			if r.status != 200 || r.code != "request.pending" || !strings.Contains(string(r.body), v.VerificationURL) {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			e.admin("POST", "/_conform/shuftipro/requests/ref-1/events", map[string]string{"event": "verification.accepted"}, &v)
			if r := e.shuftiPost("/shuftipro/status", `{"reference":"ref-1"}`, true); r.code != "verification.accepted" {
				t.Fatalf("status after accept: %s", r.body)
			}
			if r := e.shuftiPost("/shuftipro/delete", `{"reference":"ref-1"}`, true); r.status != 200 || r.code != "request.deleted" {
				t.Fatalf("delete %d %s", r.status, r.body)
			}
			if r := e.shuftiPost("/shuftipro/delete", `{"reference":"ref-1"}`, true); r.status != 400 || r.code != "request.invalid" {
				t.Fatalf("second delete %d %s", r.status, r.body)
			}
			cbs := e.webhooks("/shufti/cb", "shuftipro/callback")
			var events []string
			for _, c := range cbs {
				events = append(events, c["event"].(string))
				if c["reference"] != "ref-1" {
					t.Errorf("reference %v", c["reference"])
				}
			}
			if strings.Join(events, ",") != "request.pending,verification.accepted,request.deleted" {
				t.Fatalf("callbacks %v", events)
			}
			for _, g := range e.lis.received() {
				if g.header.Get("X-AUTH-CLIENT") != "" {
					t.Error("Shufti callbacks carry no API key header")
				}
			}
		})
	}
}

func TestShuftiErrors(t *testing.T) {
	e := newEnv(t)
	e.admin("POST", "/_conform/shuftipro/requests", map[string]string{"reference": "ref-2", "callback_url": e.lis.url("/shufti/cb")}, nil)
	cases := []struct {
		name, path, body string
		auth             bool
		status           int
		event, rule      string
	}{
		{"no auth", "/shuftipro/status", `{"reference":"ref-2"}`, false, 401, "request.unauthorized", RuleShuftiUnauthorized},
		{"missing reference", "/shuftipro/status", `{"ref":"ref-2"}`, true, 400, "request.invalid", RuleShuftiInvalid},
		{"invalid json", "/shuftipro/status", `{"reference":`, true, 400, "request.invalid", RuleShuftiInvalid},
		{"unknown reference", "/shuftipro/status", `{"reference":"nope"}`, true, 400, "request.invalid", RuleShuftiReference},
		{"unknown endpoint", "/shuftipro/verify", `{"reference":"ref-2"}`, true, 404, "", RuleShuftiEndpoint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.m.ReportDoc().Summary.Violations[tc.rule]
			r := e.shuftiPost(tc.path, tc.body, tc.auth)
			if r.status != tc.status || (tc.event != "" && r.code != tc.event) {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if e.m.ReportDoc().Summary.Violations[tc.rule] != before+1 {
				t.Errorf("rule %s not reported", tc.rule)
			}
		})
	}
	// Wrong password: unauthorized, and the wrong password is not echoed.
	req, _ := http.NewRequest("POST", e.srv.URL+"/shuftipro/status", strings.NewReader(`{"reference":"ref-2"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(testKey, "guess")
	if r := e.do(req); r.status != 401 {
		t.Fatal(r.status)
	}
	var out map[string]string
	if st := e.admin("POST", "/_conform/shuftipro/requests/ref-2/events", map[string]string{"event": "request.invalid"}, &out); st != 400 || !strings.Contains(out["error"], "not a Shufti Pro callback event") {
		t.Fatalf("HTTP-only event as callback: %d %v", st, out)
	}
}

func TestShuftiTimeoutAfter60Minutes(t *testing.T) {
	e := newEnv(t)
	e.admin("POST", "/_conform/shuftipro/requests", map[string]string{"reference": "slow", "callback_url": e.lis.url("/shufti/cb")}, nil)
	e.admin("POST", "/_conform/shuftipro/requests", map[string]string{"reference": "done", "callback_url": e.lis.url("/shufti/cb")}, nil)
	e.admin("POST", "/_conform/shuftipro/requests/done/events", map[string]string{"event": "verification.declined"}, nil)
	e.m.Advance(59 * time.Minute)
	if n := len(e.webhooks("/shufti/cb", "shuftipro/callback")); n != 3 {
		t.Fatalf("%d callbacks before 60 minutes", n)
	}
	e.m.Advance(time.Minute)
	cbs := e.webhooks("/shufti/cb", "shuftipro/callback")
	if len(cbs) != 4 || cbs[3]["event"] != "request.timeout" || cbs[3]["reference"] != "slow" {
		t.Fatalf("%v", cbs)
	}
	var list []ShuftiView
	e.admin("GET", "/_conform/shuftipro/requests", nil, &list)
	if len(list) != 2 {
		t.Fatal(list)
	}
	for _, v := range list {
		if v.Reference == "slow" && v.Event != "request.timeout" {
			t.Fatalf("%+v", v)
		}
	}
	// The document's table never sends request.timeout over HTTP: /status
	// keeps answering the latest HTTP event.
	if r := e.shuftiPost("/shuftipro/status", `{"reference":"slow"}`, true); r.status != 200 || r.code != "request.pending" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	res, err := e.http.Get(list[0].VerificationURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}
