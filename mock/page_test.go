package mock

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Tests of the hosted verification page over plain HTTP: every state the
// session URL can show, every choice, the form token and the redirect rules.
// browser_test.go drives the same page in headless Chromium.

const pageCallback = "https://shop.example/kyc/done?user=42"

// createPage makes a session whose callback is callback (none if empty)
// and whose person and vendorData are extra JSON members (may be empty).
func (e *env) createPage(callback, extra string) (id, sessionURL string) {
	e.t.Helper()
	var members []string
	if callback != "" {
		cb, _ := json.Marshal(callback)
		members = append(members, `"callback":`+string(cb))
	}
	if extra != "" {
		members = append(members, extra)
	}
	members = append(members, `"timestamp":"`+e.now()+`"`)
	r := e.veriff("POST", "/v1/sessions", []byte(`{"verification":{`+strings.Join(members, ",")+`}}`))
	if r.status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", r.status, r.body)
	}
	v := r.json(e.t)["verification"].(map[string]any)
	return v["id"].(string), v["url"].(string)
}

// pageAnswer is one answer of the page, redirects not followed.
type pageAnswer struct {
	status int
	header http.Header
	body   string
}

func (e *env) pageDo(method, target string, form url.Values, header map[string]string) pageAnswer {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err := e.m.Flush(); err != nil {
		e.t.Fatal(err)
	}
	return pageAnswer{res.StatusCode, res.Header, string(b)}
}

func (e *env) getPage(u string) pageAnswer { return e.pageDo(http.MethodGet, u, nil, nil) }

var (
	attemptField = regexp.MustCompile(`name="attempt" value="([^"]+)"`)
	tokenField   = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
)

// formOf returns the hidden fields every form of a ready page carries.
func formOf(t testing.TB, page pageAnswer) url.Values {
	t.Helper()
	a, k := attemptField.FindAllStringSubmatch(page.body, -1), tokenField.FindAllStringSubmatch(page.body, -1)
	if len(a) != 4 || len(k) != 4 {
		t.Fatalf("a ready page has 4 forms, each with attempt and form_token; got %d/%d in %d %s", len(a), len(k), page.status, page.body)
	}
	return url.Values{"attempt": {a[0][1]}, "form_token": {k[0][1]}}
}

// choose opens the page and posts one outcome from its form.
func (e *env) choose(sessionURL, outcome, reason string) pageAnswer {
	e.t.Helper()
	f := formOf(e.t, e.getPage(sessionURL))
	f.Set("outcome", outcome)
	if reason != "" {
		f.Set("reasonCode", reason)
	}
	return e.pageDo(http.MethodPost, sessionURL, f, nil)
}

// eventsOf and decisionsOf are the verified webhooks of one session.
func (e *env) eventsOf(id string) (out []map[string]any) {
	for _, ev := range e.events() {
		if ev["id"] == id {
			out = append(out, ev)
		}
	}
	return out
}

func (e *env) decisionsOf(id string) (out []map[string]any) {
	for _, d := range e.decisions() {
		if verification(d)["id"] == id {
			out = append(out, verification(d))
		}
	}
	return out
}

func eventCodes(evs []map[string]any) (out []string) {
	for _, ev := range evs {
		out = append(out, fmt.Sprintf("%v/%v", ev["code"], ev["attemptId"]))
	}
	return out
}

func mustState(t testing.TB, e *env, id, state string, attempts int) SessionView {
	t.Helper()
	v, err := e.m.Session(id)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != state || len(v.Attempts) != attempts {
		t.Fatalf("session %s: state %s with %d attempts, want %s with %d", id, v.State, len(v.Attempts), state, attempts)
	}
	return v
}

func TestPageReadyShowsChoicesAndStartsOnce(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage(pageCallback, "")
	// HEAD looks without starting.
	if h := e.pageDo(http.MethodHead, u, nil, nil); h.status != 200 || len(e.eventsOf(id)) != 0 {
		t.Fatalf("HEAD: %d, events %v", h.status, e.eventsOf(id))
	}
	p := e.getPage(u)
	if p.status != 200 {
		t.Fatalf("GET %d %s", p.status, p.body)
	}
	e.getPage(u)
	v := mustState(t, e, id, StateStarted, 1)
	if ev := e.eventsOf(id); len(ev) != 1 || ev[0]["code"] != 7001.0 || ev[0]["attemptId"] != v.Attempts[0].ID {
		t.Fatalf("two visits must send exactly one 7001 for attempt 1: %v", eventCodes(ev))
	}
	for _, want := range []string{
		`<html lang="en">`, `id="approve"`, `id="decline"`, `id="resubmit"`, `id="abandon"`,
		`<label for="decline-reason">`, `<select id="decline-reason" name="reasonCode">`,
		`<label for="resubmit-reason">`, `<select id="resubmit-reason" name="reasonCode">`,
		`<form method="post"`, id, v.Attempts[0].ID, "Attempt 1 of this session is open",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("ready page lacks %q", want)
		}
	}
	// Every reason code of the document's tables, with its text; no 104.
	for c, text := range declineReasons {
		if !strings.Contains(p.body, fmt.Sprintf(`<option value="%d">%d — %s</option>`, c, c, text)) {
			t.Errorf("decline reason %d missing", c)
		}
	}
	for c, text := range resubmitReasons {
		if !strings.Contains(p.body, fmt.Sprintf(`<option value="%d">%d — %s</option>`, c, c, text)) {
			t.Errorf("resubmit reason %d missing", c)
		}
	}
	if strings.Contains(p.body, `value="104"`) {
		t.Error("104 is not in the document's decline table")
	}
	// Self-contained: no script, no external resource of any kind.
	for _, banned := range []string{"<script", "<link", " src=", "<img", "@import", "url("} {
		if strings.Contains(p.body, banned) {
			t.Errorf("page contains %q", banned)
		}
	}
	h := p.header
	if h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Cache-Control") != "no-store" ||
		h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
	csp := h.Get("Content-Security-Policy")
	style := regexp.MustCompile(`(?s)<style>(.*)</style>`).FindStringSubmatch(p.body)
	if style == nil {
		t.Fatal("no inline stylesheet")
	}
	sum := sha256.Sum256([]byte(style[1]))
	for _, want := range []string{"default-src 'none'", "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"form-action 'self' https://shop.example", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
}

func TestPageEscapesEverything(t *testing.T) {
	e := newEnv(t)
	_, u := e.createPage("https://shop.example/done?a=1&b=<i>", `"person":{"firstName":"<script>alert(1)</script>","lastName":"O'Connor & Ñúñez"},"vendorData":"\"><img src=x onerror=alert(2)>"`)
	p := e.getPage(u)
	for _, raw := range []string{"<script>alert(1)", "<img src=x", "b=<i>", "O'Connor & "} {
		if strings.Contains(p.body, raw) {
			t.Errorf("unescaped %q in the page", raw)
		}
	}
	for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "O&#39;Connor &amp; Ñúñez", "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;", "a=1&amp;b=&lt;i&gt;"} {
		if !strings.Contains(p.body, esc) {
			t.Errorf("page lacks the escaped %q", esc)
		}
	}
}

func TestPageApproveRedirectsAndClosesTheURL(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage(pageCallback, "")
	r := e.choose(u, "approve", "")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != pageCallback || r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("approve: %d Location %q Referrer-Policy %q", r.status, r.header.Get("Location"), r.header.Get("Referrer-Policy"))
	}
	v := mustState(t, e, id, StatusApproved, 1)
	if !v.Conclusive {
		t.Fatal("approved is conclusive")
	}
	ev := e.eventsOf(id)
	if len(ev) != 2 || ev[0]["code"] != 7001.0 || ev[1]["code"] != 7002.0 || ev[1]["action"] != "submitted" || ev[1]["attemptId"] != v.Attempts[0].ID {
		t.Fatalf("events %v", eventCodes(ev))
	}
	dec := e.decisionsOf(id)
	if len(dec) != 1 || dec[0]["status"] != "approved" || dec[0]["code"] != 9001.0 || dec[0]["reasonCode"] != nil {
		t.Fatalf("decisions %v", dec)
	}
	// Revisiting: nothing left to do, in the document's words.
	p := e.getPage(u)
	if p.status != 200 || !strings.Contains(p.body, "Nothing more is to be done here") ||
		!strings.Contains(p.body, "Accessing the sessionURL again will show the client that nothing is to be done here.") ||
		strings.Contains(p.body, "<form") {
		t.Fatalf("revisit: %d %s", p.status, p.body)
	}
	// The old form (back button) changes nothing.
	f := url.Values{"attempt": {v.Attempts[0].ID}, "form_token": {e.m.formToken(id, v.Attempts[0].ID)}, "outcome": {"decline"}, "reasonCode": {"101"}}
	if r := e.pageDo(http.MethodPost, u, f, nil); r.status != http.StatusConflict || !strings.Contains(r.body, "Nothing more is to be done here") {
		t.Fatalf("post after approval: %d %s", r.status, r.body)
	}
	if len(e.decisionsOf(id)) != 1 || len(e.eventsOf(id)) != 2 {
		t.Fatal("a post to a closed session sent webhooks")
	}
}

func TestPageDeclineWithEachReason(t *testing.T) {
	e := newEnv(t)
	for code, text := range declineReasons {
		id, u := e.createPage(pageCallback, "")
		if r := e.choose(u, "decline", fmt.Sprint(code)); r.status != http.StatusSeeOther || r.header.Get("Location") != pageCallback {
			t.Fatalf("decline %d: %d %s", code, r.status, r.body)
		}
		mustState(t, e, id, StatusDeclined, 1)
		dec := e.decisionsOf(id)
		if len(dec) != 1 || dec[0]["code"] != 9102.0 || dec[0]["reasonCode"] != float64(code) || dec[0]["reason"] != text {
			t.Fatalf("decline %d: %v", code, dec)
		}
		if p := e.getPage(u); p.status != 200 || !strings.Contains(p.body, "Nothing more is to be done here") || !strings.Contains(p.body, quoteConclusive) {
			t.Fatalf("revisit after decline: %d %s", p.status, p.body)
		}
	}
}

// TestPageRefusedChoiceChangesNothing: a choice the document's tables do
// not allow is refused before anything is submitted.
func TestPageRefusedChoiceChangesNothing(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage(pageCallback, "")
	for _, c := range []struct{ outcome, reason, want string }{
		{"decline", "", "needs a reasonCode"},
		{"decline", "104", "not a decline reason code"},
		{"decline", "201", "not a decline reason code"},
		{"resubmit", "101", "not a resubmit reason code"},
		{"resubmit", "", "needs a reasonCode"},
		{"decline", "10x", "not a number"},
		{"expire", "", "unknown outcome"},
		{"", "", "unknown outcome"},
	} {
		r := e.choose(u, c.outcome, c.reason)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, c.want) || !strings.Contains(r.body, "Nothing was changed") {
			t.Errorf("%s %q: %d %s", c.outcome, c.reason, r.status, r.body)
		}
	}
	mustState(t, e, id, StateStarted, 1)
	if ev := e.eventsOf(id); len(ev) != 1 || len(e.decisionsOf(id)) != 0 {
		t.Fatalf("refused choices sent webhooks: %v", eventCodes(ev))
	}
}

func TestPageResubmitTwiceKeepsTheURL(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage(pageCallback, "")
	first := formOf(t, e.getPage(u))
	if r := e.choose(u, "resubmit", "204"); r.status != http.StatusSeeOther || r.header.Get("Location") != pageCallback {
		t.Fatalf("resubmit: %d %s", r.status, r.body)
	}
	v := mustState(t, e, id, StatusResubmit, 2)
	if v.URL != u || !v.Open {
		t.Fatalf("after resubmission: %+v", v)
	}
	// The first attempt's form is out of date: refused, nothing changes.
	first.Set("outcome", "approve")
	if r := e.pageDo(http.MethodPost, u, first, nil); r.status != http.StatusConflict || !strings.Contains(r.body, "earlier attempt") {
		t.Fatalf("stale form: %d %s", r.status, r.body)
	}
	mustState(t, e, id, StatusResubmit, 2)
	// The same URL shows the new attempt, ready.
	p := e.getPage(u)
	if p.status != 200 || !strings.Contains(p.body, "Attempt 2 of this session is open") ||
		!strings.Contains(p.body, "Attempt 1 ended with resubmission_requested (9103), reason code 204 — Poor image quality. This is a new attempt at the same URL") ||
		formOf(t, p).Get("attempt") != v.Attempts[1].ID {
		t.Fatalf("page after resubmission: %d %s", p.status, p.body)
	}
	if r := e.choose(u, "resubmit", "201"); r.status != http.StatusSeeOther {
		t.Fatalf("second resubmit: %d %s", r.status, r.body)
	}
	if r := e.choose(u, "approve", ""); r.status != http.StatusSeeOther {
		t.Fatalf("approve attempt 3: %d %s", r.status, r.body)
	}
	v = mustState(t, e, id, StatusApproved, 3)
	var want []string
	for _, a := range v.Attempts {
		want = append(want, "7001/"+a.ID, "7002/"+a.ID)
	}
	if got := eventCodes(e.eventsOf(id)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}
	dec := e.decisionsOf(id)
	if len(dec) != 3 || dec[0]["code"] != 9103.0 || dec[0]["reasonCode"] != 204.0 || dec[1]["code"] != 9103.0 ||
		dec[1]["reasonCode"] != 201.0 || dec[2]["code"] != 9001.0 {
		t.Fatalf("decisions %v", dec)
	}
}

func TestPageAbandonThenSevenDays(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage(pageCallback, "")
	if r := e.choose(u, "abandon", ""); r.status != http.StatusSeeOther || r.header.Get("Location") != pageCallback {
		t.Fatalf("abandon: %d %s", r.status, r.body)
	}
	mustState(t, e, id, StateStarted, 1)
	if ev := e.eventsOf(id); len(ev) != 1 || len(e.decisionsOf(id)) != 0 {
		t.Fatalf("abandon sends nothing: %v", eventCodes(ev))
	}
	// The user may come back within the week: the page is still ready and
	// the attempt does not start twice.
	if _, err := e.m.Advance(167 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if p := e.getPage(u); p.status != 200 || !strings.Contains(p.body, `id="approve"`) || len(e.eventsOf(id)) != 1 {
		t.Fatalf("back after 167h: %d, events %v", p.status, eventCodes(e.eventsOf(id)))
	}
	stale := formOf(t, e.getPage(u))
	if _, err := e.m.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	mustState(t, e, id, StatusAbandoned, 1)
	if dec := e.decisionsOf(id); len(dec) != 1 || dec[0]["status"] != "abandoned" || dec[0]["code"] != 9104.0 {
		t.Fatalf("decisions %v", dec)
	}
	p := e.getPage(u)
	if p.status != http.StatusGone || !strings.Contains(p.body, "has expired (abandoned, 9104)") || !strings.Contains(p.body, "After 7 days the session get") {
		t.Fatalf("page after 7 days: %d %s", p.status, p.body)
	}
	stale.Set("outcome", "approve")
	if r := e.pageDo(http.MethodPost, u, stale, nil); r.status != http.StatusGone || len(e.decisionsOf(id)) != 1 {
		t.Fatalf("post after 7 days: %d %s", r.status, r.body)
	}
}

func TestPageNeverOpenedExpires(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage(pageCallback, "")
	if _, err := e.m.Advance(SessionLifetime); err != nil {
		t.Fatal(err)
	}
	p := e.getPage(u)
	if p.status != http.StatusGone || !strings.Contains(p.body, "has expired (expired, 9104)") || strings.Contains(p.body, "<form") {
		t.Fatalf("expired page: %d %s", p.status, p.body)
	}
	mustState(t, e, id, StatusExpired, 1)
	if len(e.eventsOf(id)) != 0 {
		t.Fatal("an expired session's page must not start it")
	}
}

func TestPageFormTokenAndCrossSite(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage(pageCallback, "")
	otherID, otherURL := e.createPage(pageCallback, "")
	good := formOf(t, e.getPage(u))
	other := formOf(t, e.getPage(otherURL))
	attempt := good.Get("attempt")
	for name, f := range map[string]url.Values{
		"no token":              {"attempt": {attempt}, "outcome": {"approve"}},
		"empty token":           {"attempt": {attempt}, "form_token": {""}, "outcome": {"approve"}},
		"wrong token":           {"attempt": {attempt}, "form_token": {strings.Repeat("A", 43)}, "outcome": {"approve"}},
		"other session's form":  {"attempt": other["attempt"], "form_token": other["form_token"], "outcome": {"approve"}},
		"token, other attempt":  {"attempt": other["attempt"], "form_token": good["form_token"], "outcome": {"approve"}},
		"no attempt":            {"form_token": good["form_token"], "outcome": {"approve"}},
		"session token as form": {"attempt": {attempt}, "form_token": {strings.TrimPrefix(u, e.srv.URL+"/v/")}, "outcome": {"approve"}},
	} {
		if r := e.pageDo(http.MethodPost, u, f, nil); r.status != http.StatusForbidden || !strings.Contains(r.body, "form token") {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	good.Set("outcome", "approve")
	for name, h := range map[string]map[string]string{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": "cross-site"},
		"Sec-Fetch-Site same-site":  {"Sec-Fetch-Site": "same-site"},
		"foreign Origin":            {"Origin": "https://evil.example"},
	} {
		if r := e.pageDo(http.MethodPost, u, good, h); r.status != http.StatusForbidden || !strings.Contains(r.body, "another site") {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	mustState(t, e, id, StateStarted, 1)
	mustState(t, e, otherID, StateStarted, 1)
	// What a browser sends for the page's own form passes.
	if r := e.pageDo(http.MethodPost, u, good, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.srv.URL}); r.status != http.StatusSeeOther {
		t.Fatalf("same-origin post: %d %s", r.status, r.body)
	}
	mustState(t, e, id, StatusApproved, 1)
	// Form tokens are per session and per attempt.
	if e.m.formToken(id, "a") == e.m.formToken(id, "b") || e.m.formToken(id, "a") == e.m.formToken(otherID, "a") {
		t.Fatal("form tokens must differ per session and attempt")
	}
}

// TestPageWhileProcessing: after the client submitted through the API, and
// during review, the page has nothing to offer and refuses a late choice.
func TestPageWhileProcessing(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage(pageCallback, "")
	f := formOf(t, e.getPage(u))
	if r := e.patch(id); r.status != 200 {
		t.Fatalf("patch %d", r.status)
	}
	for _, step := range []string{StateSubmitted, StatusReview} {
		if step == StatusReview {
			if _, err := e.m.Decide(id, Decision{Status: StatusReview}); err != nil {
				t.Fatal(err)
			}
		}
		p := e.getPage(u)
		if p.status != 200 || !strings.Contains(p.body, "is being processed ("+step+")") || strings.Contains(p.body, "<form") {
			t.Fatalf("%s: %d %s", step, p.status, p.body)
		}
		f.Set("outcome", "approve")
		if r := e.pageDo(http.MethodPost, u, f, nil); r.status != http.StatusConflict {
			t.Fatalf("%s: late choice %d %s", step, r.status, r.body)
		}
	}
	if dec := e.decisionsOf(id); len(dec) != 1 || dec[0]["code"] != 9121.0 {
		t.Fatalf("decisions %v", dec)
	}
}

func TestPageUnknownMethodsAndLimits(t *testing.T) {
	e := newEnv(t)
	_, u := e.createPage(pageCallback, "")
	forged := e.srv.URL + "/v/eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uX2lkIjoieCJ9.AAAA"
	if p := e.getPage(forged); p.status != 404 || !strings.Contains(p.body, "Unknown verification session") {
		t.Fatalf("forged GET %d", p.status)
	}
	if p := e.pageDo(http.MethodPost, forged, url.Values{"outcome": {"approve"}}, nil); p.status != 404 {
		t.Fatalf("forged POST %d", p.status)
	}
	if p := e.pageDo(http.MethodPut, u, url.Values{}, nil); p.status != http.StatusMethodNotAllowed || p.header.Get("Allow") != "GET, HEAD, POST" {
		t.Fatalf("PUT %d %v", p.status, p.header)
	}
	huge := url.Values{"outcome": {"approve"}, "pad": {strings.Repeat("x", maxPageForm)}}
	if p := e.pageDo(http.MethodPost, u, huge, nil); p.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge form %d %s", p.status, p.body)
	}
}

func TestPageWithoutCallbackSaysDone(t *testing.T) {
	e := newEnv(t)
	id, u := e.createPage("", "")
	p := e.getPage(u)
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") {
		t.Fatalf("CSP %q", csp)
	}
	r := e.choose(u, "approve", "")
	if r.status != 200 || r.header.Get("Location") != "" || !strings.Contains(r.body, "no callback URL") || !strings.Contains(r.body, "approved (9001)") {
		t.Fatalf("no callback: %d %v %s", r.status, r.header, r.body)
	}
	mustState(t, e, id, StatusApproved, 1)
}

// TestPageNeverRedirectsToUnsafeCallback: the document lets only https://
// callbacks through session creation (1302), but the page does not rely on
// it. Callbacks the API accepts yet no browser should be sent to, and ones
// it refuses (set directly, as a future code path might), never become a
// Location.
func TestPageNeverRedirectsToUnsafeCallback(t *testing.T) {
	e := newEnv(t)
	for _, cb := range []string{"javascript:alert(1)", "http://shop.example/done", "data:text/html,hi", "HTTPS://shop.example/done"} {
		body := []byte(`{"verification":{"callback":"` + cb + `","timestamp":"` + e.now() + `"}}`)
		if r := e.veriff("POST", "/v1/sessions", body); r.status != 400 || r.code != "1302" {
			t.Errorf("create with callback %q: %d %s, want 1302", cb, r.status, r.body)
		}
	}
	// Session creation refuses unusable https:// callbacks too (1302).
	for _, cb := range []string{"https://", "https:///kyc", "https://user:pw@shop.example/done", "https://exa mple.com/", "https://%0d%0aSet-Cookie:x=1"} {
		body := []byte(`{"verification":{"callback":"` + cb + `","timestamp":"` + e.now() + `"}}`)
		if r := e.veriff("POST", "/v1/sessions", body); r.status != 400 || r.code != "1302" {
			t.Errorf("create with callback %q: %d %s, want 1302", cb, r.status, r.body)
		}
	}
	apiAccepts := []string{"https://bücher.example/done"}
	direct := []string{"javascript:alert(1)", "//evil.example/x", "/relative", "data:text/html,hi", "ftp://shop.example/", "https:evil.example"}
	for _, cb := range append(apiAccepts, direct...) {
		var id, u string
		if strings.HasPrefix(cb, "https://") {
			id, u = e.createPage(cb, "")
		} else {
			id, u = e.createPage(pageCallback, "")
			e.m.mu.Lock()
			e.m.sessions[id].callback = cb
			e.m.mu.Unlock()
		}
		p := e.getPage(u)
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") {
			t.Errorf("%q: CSP %q names a form-action target", cb, csp)
		}
		r := e.choose(u, "approve", "")
		if r.status != 200 || r.header.Get("Location") != "" || !strings.Contains(r.body, "does not redirect") {
			t.Errorf("callback %q: %d Location %q", cb, r.status, r.header.Get("Location"))
		}
		mustState(t, e, id, StatusApproved, 1)
	}
}

func TestRedirectTarget(t *testing.T) {
	for raw, want := range map[string]string{
		"https://shop.example/kyc/done?user=42": "https://shop.example",
		"https://127.0.0.1:8443/cb":             "https://127.0.0.1:8443",
		"https://[::1]:8443/a":                  "https://[::1]:8443",
		"http://localhost/x":                    "http://localhost",
		"https://":                              "",
		"https://u@shop.example/":               "",
		"javascript:alert(1)":                   "",
		"//shop.example/":                       "",
		"https:shop.example":                    "",
		"https://bücher.example/":               "",
		"":                                      "",
	} {
		target, origin, ok := redirectTarget(raw)
		if origin != want || ok != (want != "") || (ok && target != raw) {
			t.Errorf("redirectTarget(%q) = %q %q %v, want origin %q", raw, target, origin, ok, want)
		}
	}
}

func TestShuftiPageStates(t *testing.T) {
	e := newEnv(t)
	v, err := e.m.ShuftiCreate("page-ref-1", "")
	if err != nil {
		t.Fatal(err)
	}
	tok := v.VerificationURL[strings.LastIndex(v.VerificationURL, "/")+1:]
	if p := e.getPage(e.srv.URL + "/s/" + tok); p.status != 200 || !strings.Contains(p.body, "request.pending") {
		t.Fatalf("shufti page %d %s", p.status, p.body)
	}
	if p := e.getPage(e.srv.URL + "/s/nope"); p.status != 404 {
		t.Fatalf("unknown shufti page %d", p.status)
	}
	e.m.Advance(ShuftiTimeout)
	if p := e.getPage(e.srv.URL + "/s/" + tok); p.status != http.StatusGone || !strings.Contains(p.body, "timed out") {
		t.Fatalf("timed-out shufti page %d %s", p.status, p.body)
	}
}
