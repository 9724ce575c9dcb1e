package mock

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/conform-kit/conform/clock"
)

// Shufti Pro's verification request (the call that creates a request and
// names its callback_url) is not in shuftipro-responses-docs.txt, so the
// contract has no operation for it; the admin API creates requests instead
// (POST /_conform/shuftipro/requests). Everything the document does cover is
// served as documented: /status and /delete with Basic auth, signed
// responses, and callbacks for every callback event.

// shuftiFinal are events after which nothing more happens to a request.
var shuftiFinal = map[string]bool{
	"verification.accepted": true, "verification.declined": true, "verification.cancelled": true,
	"request.timeout": true, "request.deleted": true,
}

// shuftiHTTPEvents are the events whose "HTTP Response" column is Yes: only
// these can answer /status.
var shuftiHTTPEvents = map[string]bool{
	"request.pending": true, "verification.cancelled": true, "verification.accepted": true,
	"verification.declined": true, "request.deleted": true, "request.received": true, "review.pending": true,
}

type shuftiRequest struct {
	Reference   string
	CallbackURL string
	Token       string
	URL         string
	Created     time.Time
	Event       string // latest event
	httpBody    []byte // the latest event /status may answer with, as sent
	timeout     *clock.Timer
	finishedAt  time.Time
}

// ShuftiView is a Shufti request as the admin API shows it.
type ShuftiView struct {
	Reference       string `json:"reference"`
	CallbackURL     string `json:"callback_url"`
	VerificationURL string `json:"verification_url"`
	Created         string `json:"created"`
	Event           string `json:"event"`
	TimesOutAt      string `json:"timesOutAt,omitempty"`
}

func (m *Mock) shuftiView(r *shuftiRequest) ShuftiView {
	v := ShuftiView{Reference: r.Reference, CallbackURL: r.CallbackURL, VerificationURL: r.URL, Created: fmtTime(r.Created), Event: r.Event}
	if r.Event == "request.pending" || r.Event == "request.received" {
		v.TimesOutAt = fmtTime(r.Created.Add(ShuftiTimeout))
	}
	return v
}

// ShuftiCreate creates a verification request as if the integrator had
// made one with this reference and callback_url, and sends its
// request.pending callback.
func (m *Mock) ShuftiCreate(reference, callbackURL string) (ShuftiView, error) {
	if strings.TrimSpace(reference) == "" {
		return ShuftiView{}, fmt.Errorf("reference is required (\"Your unique request reference\")")
	}
	if len(reference) > 250 {
		return ShuftiView{}, fmt.Errorf("reference is longer than 250 characters")
	}
	if callbackURL != "" {
		if err := checkWebhookURL(callbackURL); err != nil {
			return ShuftiView{}, fmt.Errorf("callback_url %q: %w", callbackURL, err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.shuftiReqs[reference]; dup {
		return ShuftiView{}, fmt.Errorf("%w: reference %q already exists", errConflict, reference)
	}
	if !m.evictShuftiLocked() {
		return ShuftiView{}, fmt.Errorf("%w: the mock already holds %d Shufti Pro requests and none is finished", errConflict, m.cfg.MaxSessions)
	}
	now := m.clock.Now()
	r := &shuftiRequest{Reference: reference, CallbackURL: callbackURL, Token: randomHex(24), Created: now}
	r.URL = m.public + "/s/" + r.Token
	m.shuftiReqs[reference] = r
	m.shuftiTok[r.Token] = r
	// "request.timeout: Request has timed out after a specific period of
	// time. The onsite request will Time Out after 60 minutes."
	r.timeout = m.clock.Schedule(now.Add(ShuftiTimeout), func(at time.Time) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if r.Event == "request.pending" || r.Event == "request.received" {
			_ = m.shuftiEventLocked(r, "request.timeout", at)
		}
	})
	if err := m.shuftiEventLocked(r, "request.pending", now); err != nil {
		return ShuftiView{}, err
	}
	return m.shuftiView(r), nil
}

// ShuftiEvent moves a request to event and sends its callback.
func (m *Mock) ShuftiEvent(reference, event string) (ShuftiView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.shuftiReqs[reference]
	if !ok {
		return ShuftiView{}, fmt.Errorf("%w: no Shufti Pro request %q", errNotFound, reference)
	}
	if r.Event == "request.deleted" {
		return ShuftiView{}, fmt.Errorf("%w: request %q is deleted", errConflict, reference)
	}
	if err := m.shuftiEventLocked(r, event, m.clock.Now()); err != nil {
		return ShuftiView{}, err
	}
	return m.shuftiView(r), nil
}

func (m *Mock) shuftiEventLocked(r *shuftiRequest, event string, now time.Time) error {
	if _, err := m.fixtures.Get("shuftipro/callback/" + event); err != nil {
		return fmt.Errorf("%q is not a Shufti Pro callback event (known: %s)", event, strings.Join(shuftiCallbackEvents(m), ", "))
	}
	body, err := m.shuftiPayload(r, event)
	if err != nil {
		return err
	}
	r.Event = event
	if shuftiHTTPEvents[event] {
		r.httpBody = body
	}
	if shuftiFinal[event] {
		r.finishedAt = now
		r.timeout.Stop()
	}
	m.queueLocked(kindCallback, r.Reference, "callback "+event, r.CallbackURL, body, now)
	return nil
}

func shuftiCallbackEvents(m *Mock) []string {
	var out []string
	for _, f := range m.fixtures.Select("shuftipro", "callback") {
		out = append(out, f.Event)
	}
	sort.Strings(out)
	return out
}

func (m *Mock) evictShuftiLocked() bool {
	if len(m.shuftiReqs) < m.cfg.MaxSessions {
		return true
	}
	var oldest *shuftiRequest
	for _, r := range m.shuftiReqs {
		if shuftiFinal[r.Event] && (oldest == nil || r.finishedAt.Before(oldest.finishedAt)) {
			oldest = r
		}
	}
	if oldest == nil {
		return false
	}
	delete(m.shuftiReqs, oldest.Reference)
	delete(m.shuftiTok, oldest.Token)
	return true
}

// ShuftiRequests lists the Shufti requests, oldest first.
func (m *Mock) ShuftiRequests() []ShuftiView {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []ShuftiView{}
	for _, r := range m.shuftiReqs {
		out = append(out, m.shuftiView(r))
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created < out[j].Created || (out[i].Created == out[j].Created && out[i].Reference < out[j].Reference)
	})
	return out
}

// ---- the client API ----

// writeShufti sends a Shufti Pro response: "Every HTTP and Callback response
// will be in application/JSON with a key Signature in the header."
func (x *exchange) writeShufti(status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	x.writeShuftiRaw(status, body)
}

func (x *exchange) writeShuftiRaw(status int, body []byte) {
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(x.m.shufti.Header, x.m.shufti.Sign(x.m.cfg.Secret, body))
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
	x.rec.Status = status
}

type shuftiError struct {
	Reference string         `json:"reference,omitempty"`
	Event     string         `json:"event"`
	Error     map[string]any `json:"error"`
}

func (x *exchange) shuftiFail(status int, event, reference string, probs ...problem) {
	top, probs := topProblem(probs)
	for _, p := range probs {
		x.violate(p)
	}
	x.w.Header().Set("X-Conform-Detail", x.m.redact(oneLine(top.detail)))
	e := map[string]any{"message": oneLine(top.detail)}
	if top.key != "" {
		e["key"] = top.key
	}
	x.rec.Code = event
	x.writeShufti(status, shuftiError{Reference: reference, Event: event, Error: e})
}

func (m *Mock) serveShufti(w http.ResponseWriter, r *http.Request) {
	x := m.newExchange(w, r, "shuftipro")
	defer x.done()
	body, tooLarge, err := readBody(r, m.cfg.MaxBodyBytes)
	if err != nil {
		x.rec.Status = 400
		x.violate(problem{rule: RuleShuftiInvalid, detail: "reading the request body failed: " + err.Error()})
		return
	}
	if tooLarge {
		x.violate(problem{rule: RuleLimitBody, detail: fmt.Sprintf("request body larger than %d bytes", m.cfg.MaxBodyBytes)})
		x.writeShufti(http.StatusRequestEntityTooLarge, map[string]any{"error": map[string]string{"message": "request body too large"}})
		return
	}
	var probe struct {
		Reference any `json:"reference"`
	}
	_ = json.Unmarshal(body, &probe)
	ref, _ := probe.Reference.(string)

	route, params, err := m.router.FindRoute(r)
	if err != nil || !strings.HasPrefix(route.Path, "/shuftipro/") {
		x.violate(problem{rule: RuleShuftiEndpoint, detail: fmt.Sprintf("%s %s is not a Shufti Pro endpoint the document describes (POST /status, POST /delete)", r.Method, r.URL.Path)})
		x.writeShufti(http.StatusNotFound, map[string]any{"error": map[string]string{"message": "Resource not found"}})
		return
	}
	x.rec.Operation = route.Operation.OperationID

	// Basic auth with client id and secret key, as the sample sends them.
	user, pass, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(m.cfg.APIKey)) != 1 || subtle.ConstantTimeCompare([]byte(pass), []byte(m.cfg.Secret)) != 1 {
		detail := "Authorization is not Basic base64(client_id:secret_key) with the mock's credentials"
		if r.Header.Get("Authorization") == "" {
			detail = "no Authorization header; send Authorization: Basic base64(client_id:secret_key)"
		}
		x.shuftiFail(http.StatusUnauthorized, "request.unauthorized", ref, problem{rule: RuleShuftiUnauthorized, detail: detail})
		return
	}
	var probs []problem
	for _, p := range veriffProblems(r, kinValidate(r, route, params, body)) {
		p.code = ""
		p.rule = RuleShuftiInvalid
		probs = append(probs, p)
	}
	if len(probs) > 0 {
		x.shuftiFail(http.StatusBadRequest, "request.invalid", ref, probs...)
		return
	}

	m.mu.Lock()
	req, ok := m.shuftiReqs[ref]
	if !ok || (route.Operation.OperationID == "shuftiproDelete" && req.Event == "request.deleted") {
		m.mu.Unlock()
		detail := fmt.Sprintf("no request with reference %q", ref)
		if ok {
			detail = fmt.Sprintf("request %q is already deleted", ref)
		}
		x.shuftiFail(http.StatusBadRequest, "request.invalid", ref, problem{rule: RuleShuftiReference, key: "reference", detail: detail})
		return
	}
	x.rec.Session = ref
	switch route.Operation.OperationID {
	case "shuftiproStatus":
		body := req.httpBody
		event := req.Event
		m.mu.Unlock()
		x.rec.Code = event
		// The latest HTTP-visible event's payload, byte for byte as its
		// callback was sent.
		x.writeShuftiRaw(http.StatusOK, body)
	case "shuftiproDelete":
		_ = m.shuftiEventLocked(req, "request.deleted", x.now)
		m.mu.Unlock()
		x.rec.Code = "request.deleted"
		x.writeShufti(http.StatusOK, map[string]string{"reference": ref, "event": "request.deleted"})
	}
}

func hashedSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
