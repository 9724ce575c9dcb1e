package mock

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/signing"
)

func TestApprovedLifecycle(t *testing.T) {
	for _, p := range signing.ForProvider("veriff") {
		t.Run(p.Name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Profile = p.Name })
			id, url := e.create()
			if !strings.HasPrefix(url, e.srv.URL+"/v/") {
				t.Fatalf("session URL %s is not served by the mock", url)
			}
			if st, _ := e.open(url); st != 200 {
				t.Fatalf("open: %d", st)
			}
			ev := e.events()
			if len(ev) != 1 || ev[0]["code"] != 7001.0 || ev[0]["action"] != "started" || ev[0]["id"] != id || ev[0]["vendorData"] != "cust-0417" {
				t.Fatalf("7001: %v", ev)
			}
			// Opening again does not start again.
			e.open(url)
			if up := e.upload(id); up.status != 201 {
				t.Fatalf("upload %d", up.status)
			}
			if r := e.patch(id); r.status != 200 || r.json(t)["verification"].(map[string]any)["status"] != "submitted" {
				t.Fatalf("patch %d %s", r.status, r.body)
			}
			ev = e.events()
			if len(ev) != 2 || ev[1]["code"] != 7002.0 || ev[1]["attemptId"] != ev[0]["attemptId"] {
				t.Fatalf("7002: %v", ev)
			}
			var v SessionView
			if st := e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusApproved}, &v); st != 200 || v.State != StatusApproved || !v.Conclusive {
				t.Fatalf("decide %d %+v", st, v)
			}
			dec := e.decisions()
			if len(dec) != 1 {
				t.Fatalf("decisions %d", len(dec))
			}
			ver := verification(dec[0])
			if ver["id"] != id || ver["code"] != 9001.0 || ver["status"] != "approved" || ver["vendorData"] != "cust-0417" ||
				ver["person"].(map[string]any)["lastName"] != "O'Connor" || ver["decisionTime"] != fmtTime(t0) {
				t.Fatalf("decision %v", ver)
			}
			// GET /decision answers the same decision object.
			got := e.veriff("GET", "/v1/sessions/"+id+"/decision", nil).json(t)
			if verification(got)["code"] != 9001.0 {
				t.Fatalf("GET decision %v", got)
			}
			// Conclusive: closed for the client and the end user.
			if r := e.patch(id); r.status != 400 || r.code != "1104" || !strings.Contains(r.header.Get("X-Conform-Detail"), "closed") {
				t.Fatalf("patch after approval: %d %s", r.status, r.body)
			}
			if st, body := e.open(url); st != 200 || !strings.Contains(body, "Nothing more is to be done") {
				t.Fatalf("page after approval: %d %s", st, body)
			}
			if st := e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusDeclined, ReasonCode: intp(101)}, nil); st != http.StatusConflict {
				t.Fatalf("second conclusive decision: %d", st)
			}
		})
	}
}

func TestDeclinedCarriesReason(t *testing.T) {
	e := newEnv(t)
	id, _ := e.create()
	e.patch(id)
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusDeclined, ReasonCode: intp(102)}, nil)
	ver := verification(e.decisions()[0])
	if ver["code"] != 9102.0 || ver["reasonCode"] != 102.0 || ver["reason"] != "Suspected document tampering." {
		t.Fatalf("%v", ver)
	}
	for _, bad := range []Decision{{Status: StatusDeclined}, {Status: StatusDeclined, ReasonCode: intp(104)}, {Status: StatusResubmit, ReasonCode: intp(101)},
		{Status: StatusApproved, ReasonCode: intp(101)}, {Status: "maybe"}, {Status: StatusReview, Code: 9151}} {
		id2, _ := e.create()
		var out map[string]string
		if st := e.admin("POST", "/_conform/sessions/"+id2+"/decision", bad, &out); st != 400 || out["error"] == "" {
			t.Errorf("%+v: %d %v", bad, st, out)
		}
	}
}

func TestResubmissionKeepsSessionAndURL(t *testing.T) {
	e := newEnv(t)
	id, url := e.create()
	e.open(url)
	e.patch(id)
	var v SessionView
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusResubmit, ReasonCode: intp(204)}, &v)
	if len(v.Attempts) != 2 || v.URL != url || !v.Open || v.State != StatusResubmit {
		t.Fatalf("after resubmission: %+v", v)
	}
	ver := verification(e.decisions()[0])
	if ver["code"] != 9103.0 || ver["reasonCode"] != 204.0 {
		t.Fatalf("%v", ver)
	}
	// The same URL opens the new attempt: a second 7001 with a new attempt id.
	if st, _ := e.open(url); st != 200 {
		t.Fatal(st)
	}
	ev := e.events()
	if len(ev) != 3 || ev[2]["code"] != 7001.0 || ev[2]["attemptId"] == ev[0]["attemptId"] || ev[2]["attemptId"] != v.Attempts[1].ID {
		t.Fatalf("events %v", ev)
	}
	if r := e.patch(id); r.status != 200 {
		t.Fatalf("patch of the new attempt: %d %s", r.status, r.body)
	}
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusApproved}, &v)
	dec := e.decisions()
	if len(dec) != 2 || verification(dec[1])["id"] != id || v.Attempts[1].Decided.Status != StatusApproved {
		t.Fatalf("second decision %v", dec)
	}
	att := e.veriff("GET", "/v1/sessions/"+id+"/attempts", nil).json(t)["verifications"].([]any)
	if len(att) != 2 {
		t.Fatalf("attempts %v", att)
	}
}

func TestReviewThenDecision(t *testing.T) {
	e := newEnv(t)
	id, _ := e.create()
	e.patch(id)
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusReview}, nil)
	if r := e.patch(id); r.status != 400 || r.code != "1104" {
		t.Fatalf("patch during review: %d %s", r.status, r.body)
	}
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusApproved, Code: 9151}, nil)
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusApproved}, nil)
	var codes []float64
	for _, d := range e.decisions() {
		codes = append(codes, verification(d)["code"].(float64))
	}
	if len(codes) != 3 || codes[0] != 9121 || codes[1] != 9151 || codes[2] != 9001 {
		t.Fatalf("codes %v", codes)
	}
}

// TestSevenDays: a session never opened expires, one opened is abandoned,
// both 9104; the URL says expired and the PATCH is refused and reported.
func TestSevenDaysExpiredVersusAbandoned(t *testing.T) {
	e := newEnv(t)
	never, neverURL := e.create()
	opened, openedURL := e.create()
	e.open(openedURL)
	var c ClockView
	if st := e.admin("POST", "/_conform/clock/advance", map[string]string{"by": "167h59m"}, &c); st != 200 {
		t.Fatal(st)
	}
	if len(e.decisions()) != 0 {
		t.Fatal("decided before 7 days")
	}
	e.admin("POST", "/_conform/clock/advance", map[string]string{"by": "1m"}, &c)
	if c.Now != fmtTime(t0.Add(168*time.Hour)) {
		t.Fatalf("clock %s", c.Now)
	}
	byID := map[string]map[string]any{}
	for _, d := range e.decisions() {
		v := verification(d)
		byID[v["id"].(string)] = v
	}
	if v := byID[never]; v == nil || v["status"] != "expired" || v["code"] != 9104.0 || v["decisionTime"] != fmtTime(t0.Add(168*time.Hour)) {
		t.Fatalf("never opened: %v", v)
	}
	if v := byID[opened]; v == nil || v["status"] != "abandoned" || v["code"] != 9104.0 {
		t.Fatalf("opened: %v", v)
	}
	for _, u := range []string{neverURL, openedURL} {
		if st, body := e.open(u); st != http.StatusGone || !strings.Contains(body, "expired") {
			t.Fatalf("page %d %s", st, body)
		}
	}
	r := e.patch(opened)
	if r.status != 400 || r.code != "1104" {
		t.Fatalf("patch after expiry: %d %s", r.status, r.body)
	}
	if e.upload(never).status != 400 {
		t.Fatal("upload after expiry accepted")
	}
	rep := e.m.ReportDoc()
	if rep.Summary.Violations[RuleSessionExpired] != 2 || rep.Rules[RuleSessionExpired].Quote == "" {
		t.Fatalf("report %+v", rep.Summary)
	}
	// Reading is still allowed: the decision says why.
	if got := e.veriff("GET", "/v1/sessions/"+never+"/decision", nil); got.status != 200 {
		t.Fatal(got.status)
	}
}

// TestSessionTokenCarriesSevenDayExpiry: the token is JWT-shaped with iat
// and exp 7 days apart, like the document's token example.
func TestSessionTokenCarriesSevenDayExpiry(t *testing.T) {
	e := newEnv(t)
	_, url := e.create()
	tok := url[strings.LastIndex(url, "/")+1:]
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %s", tok)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c TokenClaims
	if err := json.Unmarshal(raw, &c); err != nil || c.IAT != t0.Unix() || c.EXP-c.IAT != 604800 {
		t.Fatalf("claims %s", raw)
	}
	// A forged token (payload changed) is unknown.
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"session_id":"x","iat":1,"exp":2}`)) + "." + parts[2]
	if st, _ := e.open(e.srv.URL + "/v/" + forged); st != 404 {
		t.Fatalf("forged token: %d", st)
	}
}

func TestRetriesUntilAWeekThenGiveUp(t *testing.T) {
	e := newEnv(t)
	failing := make([]int, 100)
	for i := range failing {
		failing[i] = http.StatusInternalServerError
	}
	e.lis.answer(failing...)
	id, _ := e.create()
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusApproved}, nil)
	e.admin("POST", "/_conform/clock/advance", map[string]string{"by": "8d"}, nil)
	var ds []DeliveryView
	e.admin("GET", "/_conform/deliveries?subject="+id, nil, &ds)
	if len(ds) != 1 {
		t.Fatalf("deliveries %d", len(ds))
	}
	d := ds[0]
	// 0, +1m, +5m, +30m, +2h, +6h, then every 12h while within 168h.
	want := []time.Duration{0, time.Minute, 6 * time.Minute, 36 * time.Minute, 156 * time.Minute, 516 * time.Minute}
	for at := 516*time.Minute + 12*time.Hour; at <= 168*time.Hour; at += 12 * time.Hour {
		want = append(want, at)
	}
	if d.State != DeliveryGaveUp || len(d.Attempts) != len(want) {
		t.Fatalf("state %s, %d attempts, want gave-up after %d", d.State, len(d.Attempts), len(want))
	}
	for i, a := range d.Attempts {
		if a.At != fmtTime(t0.Add(want[i])) || a.Status != 500 || a.Answer != "answer 500" {
			t.Fatalf("attempt %d: %+v, want at %s", i, a, fmtTime(t0.Add(want[i])))
		}
	}
	if got := len(e.lis.received()); got != len(want) {
		t.Fatalf("listener got %d", got)
	}
}

func TestRetryStopsAtFirst200AndRedeliver(t *testing.T) {
	e := newEnv(t)
	e.lis.answer(503, 404) // two failures, then 200
	id, _ := e.create()
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusApproved}, nil)
	e.admin("POST", "/_conform/clock/advance", map[string]string{"by": "1h"}, nil)
	var ds []DeliveryView
	e.admin("GET", "/_conform/deliveries", nil, &ds)
	if len(ds) != 1 || ds[0].State != DeliveryDelivered || len(ds[0].Attempts) != 3 || ds[0].Attempts[2].At != fmtTime(t0.Add(6*time.Minute)) {
		t.Fatalf("%+v", ds)
	}
	var d DeliveryView
	if st := e.admin("POST", "/_conform/deliveries/"+ds[0].ID+"/redeliver", nil, &d); st != 200 || len(d.Attempts) != 4 || !d.Attempts[3].Manual {
		t.Fatalf("redeliver %d %+v", st, d)
	}
	if got := e.lis.received(); len(got) != 4 || string(got[3].body) != string(got[0].body) {
		t.Fatal("redelivery is not the same body")
	}
	if st := e.admin("POST", "/_conform/deliveries/d999999/redeliver", nil, nil); st != 404 {
		t.Fatal(st)
	}
}

func TestUnreachableListenerIsRecorded(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.DecisionURL = "http://127.0.0.1:1/decision" })
	id, _ := e.create()
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusApproved}, nil)
	var ds []DeliveryView
	e.admin("GET", "/_conform/deliveries", nil, &ds)
	if len(ds) != 1 || ds[0].State != DeliveryPending || !strings.Contains(ds[0].Attempts[0].Error, "refused") {
		t.Fatalf("%+v", ds)
	}
}

func TestNoURLMeansRecordedNotSent(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.DecisionURL, c.EventURL = "", "" })
	id, url := e.create()
	e.open(url)
	e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusApproved}, nil)
	var ds []DeliveryView
	e.admin("GET", "/_conform/deliveries", nil, &ds)
	if len(ds) != 2 || ds[0].State != DeliveryNoURL || ds[1].State != DeliveryNoURL || len(e.lis.received()) != 0 {
		t.Fatalf("%+v", ds)
	}
	mustValidate(t, "veriff/decision-webhook", []byte(ds[1].Body))
}
