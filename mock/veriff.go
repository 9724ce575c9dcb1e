package mock

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/conform-kit/conform/signing"
)

// exchange is one client request being answered: it collects the rules the
// request broke and records the request in the report when it is done.
type exchange struct {
	m   *Mock
	w   http.ResponseWriter
	r   *http.Request
	rec RequestRecord
	now time.Time
}

// authClientKey is X-AUTH-CLIENT as http.Header stores it: given in
// canonical form, Set and Get need not canonicalize it on every request.
const authClientKey = "X-Auth-Client"

func (m *Mock) newExchange(w http.ResponseWriter, r *http.Request, provider string) *exchange {
	now := m.clock.Now()
	return &exchange{m: m, w: w, r: r, now: now,
		rec: RequestRecord{Time: fmtTime(now), Provider: provider, Method: r.Method, Path: r.URL.Path}}
}

func (x *exchange) violate(p problem) {
	x.rec.Violations = append(x.rec.Violations, Violation{Rule: rules[p.rule], Detail: p.detail})
}

func (x *exchange) done() {
	rec := x.m.report.add(x.rec)
	if x.m.cfg.Sink != nil {
		x.m.cfg.Sink(rec)
	}
}

// writeVeriff sends a Veriff response: "We sign all responses using same
// logic", so every answer, failures included, carries X-AUTH-CLIENT and the
// profile's signature over the exact body bytes.
func (x *exchange) writeVeriff(status int, contentType string, body []byte) {
	h := x.w.Header()
	h.Set("Content-Type", contentType)
	h.Set(authClientKey, x.m.cfg.APIKey)
	h.Set(x.m.veriffSigKey, x.m.veriff.Sign(x.m.cfg.Secret, body))
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
	x.rec.Status = status
}

func (x *exchange) json(status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // only the mock's own types are marshalled
	}
	x.writeVeriff(status, "application/json", body)
}

// fail answers with the document's fail envelope. Every problem is a
// violation in the report; the first (see topProblem) picks the code. The
// detail goes in X-Conform-Detail, never into the body, which stays exactly
// the document's.
func (x *exchange) fail(status int, probs ...problem) {
	var top problem
	if len(probs) > 0 {
		top, probs = topProblem(probs)
		for _, p := range probs {
			x.violate(p)
		}
		x.w.Header().Set("X-Conform-Detail", x.m.redact(oneLine(top.detail)))
	}
	env := struct {
		Status  string `json:"status"`
		Code    string `json:"code,omitempty"`
		Message string `json:"message"`
	}{Status: "fail"}
	switch {
	case status == http.StatusNotFound:
		env.Message = "Not Found."
	case status == http.StatusUnauthorized && top.code == "":
		env.Message = "Not Authorized."
	case top.code != "":
		// The document writes the code as a string ("code:": "1102").
		env.Code, env.Message = top.code, veriffErrors[top.code].message
	default:
		env.Message = oneLine(top.detail)
	}
	x.rec.Code = env.Code
	x.json(status, env)
}

// limit answers a request the mock refuses for its own limits (not a
// provider rule): the status says which limit, the message says how to stay
// under it.
func (x *exchange) limit(status int, rule, detail string) {
	x.violate(problem{rule: rule, detail: detail})
	x.w.Header().Set("X-Conform-Detail", x.m.redact(detail))
	body, _ := json.Marshal(struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}{"fail", detail})
	x.writeVeriff(status, "application/json", body)
}

func (m *Mock) serveVeriff(w http.ResponseWriter, r *http.Request) {
	x := m.newExchange(w, r, "veriff")
	defer x.done()

	limit := m.cfg.MaxBodyBytes
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/media") {
		limit = m.cfg.MaxMediaBytes/3*4 + 8 + 64<<10 // base64 of the largest image plus the JSON around it
	}
	body, tooLarge, err := readBody(r, limit)
	if err != nil {
		x.rec.Status = 400
		x.violate(problem{rule: RuleInvalidJSON, detail: "reading the request body failed: " + err.Error()})
		return
	}
	if tooLarge {
		x.limit(http.StatusRequestEntityTooLarge, RuleLimitBody, fmt.Sprintf("request body larger than %d bytes; the mock does not read it", limit))
		return
	}

	route, params, err := m.router.FindRoute(r)
	if err != nil || !strings.HasPrefix(route.Path, "/v1/") {
		x.fail(http.StatusNotFound, problem{rule: RuleUnknownEndpoint, detail: fmt.Sprintf("%s %s is not a Veriff API v1 endpoint", r.Method, r.URL.Path)})
		return
	}
	op := route.Operation.OperationID
	x.rec.Operation = op

	if !m.authenticVeriff(x, body, params) {
		return
	}
	if probs := idProblems(params); len(probs) > 0 {
		x.fail(http.StatusBadRequest, probs...)
		return
	}
	validated, kerr := kinValidateBody(r, route, params, body)
	probs := veriffProblems(r, kerr)
	semantic, img, doc := m.semanticProblems(op, body, x.now, validated)
	probs = append(probs, semantic...)
	if len(probs) > 0 {
		x.fail(http.StatusBadRequest, probs...)
		return
	}

	switch op {
	case "veriffCreateSession":
		m.createSession(x, body, doc)
	case "veriffSubmitSession":
		m.submitSession(x, params["sessionId"])
	case "veriffUploadSessionMedia":
		m.uploadMedia(x, params["sessionId"], body, img)
	case "veriffListSessionMedia":
		m.listMedia(x, params["sessionId"], "")
	case "veriffListAttemptMedia":
		m.listMedia(x, "", params["attemptId"])
	case "veriffGetSessionPerson":
		m.getPerson(x, params["sessionId"])
	case "veriffListSessionTimestamps":
		m.listTimestamps(x, params["sessionId"])
	case "veriffListSessionAttempts":
		m.listAttempts(x, params["sessionId"])
	case "veriffGetSessionDecision":
		m.getDecision(x, params["sessionId"])
	case "veriffGetMedia":
		m.getMedia(x, params["mediaId"])
	case "veriffGetTimestamp":
		m.getTimestamp(x, params["timestampId"])
	default:
		x.fail(http.StatusNotFound, problem{rule: RuleUnknownEndpoint, detail: "operation " + op + " is not served by the mock"})
	}
}

// authenticVeriff checks X-AUTH-CLIENT and the signature: "X-AUTH-CLIENT:
// string (required) - API Key", "X-SIGNATURE: string (required) - Request
// Body signed with API Secret" (GETs: "Session ID signed with API Secret").
func (m *Mock) authenticVeriff(x *exchange, body []byte, params map[string]string) bool {
	key := x.r.Header.Get(authClientKey)
	if subtle.ConstantTimeCompare([]byte(key), []byte(m.cfg.APIKey)) != 1 {
		detail := "X-AUTH-CLIENT is not the API key the mock was started with"
		if key == "" {
			detail = "no X-AUTH-CLIENT header"
		}
		x.fail(http.StatusUnauthorized, problem{code: "1101", rule: RuleAPIKey, detail: detail})
		return false
	}
	payload, what := body, "the raw request body"
	if x.r.Method == http.MethodGet {
		for name, v := range params { // every Veriff GET has exactly one path id
			payload, what = []byte(v), "the "+name+" in the path"
		}
	}
	missingRule, mismatchRule := RuleSignatureMissing, RuleSignatureMismatch
	if m.veriff.Name == signing.VeriffHMAC.Name {
		missingRule, mismatchRule = RuleSignatureHMAC, RuleSignatureHMAC
	}
	got := x.r.Header.Get(m.veriffSigKey)
	if got == "" {
		detail := fmt.Sprintf("no %s header; sign %s: %s = %s", m.veriff.Header, what, m.veriff.Header, m.veriff.Formula)
		for _, other := range signing.ForProvider("veriff") {
			if other.Name != m.veriff.Name && x.r.Header.Get(other.Header) != "" {
				detail = fmt.Sprintf("sent %s, but this mock plays the %s profile: send %s = %s over %s",
					other.Header, m.veriff.Name, m.veriff.Header, m.veriff.Formula, what)
			}
		}
		x.fail(http.StatusUnauthorized, problem{rule: missingRule, detail: detail})
		return false
	}
	if !m.veriff.Verify(m.cfg.Secret, payload, got) {
		detail := fmt.Sprintf("%s does not verify: the mock computes %s over %s (%d bytes)", m.veriff.Header, m.veriff.Formula, what, len(payload))
		if len(payload) <= 64<<10 {
			d := signing.Diagnose(m.veriff, m.cfg.Secret, payload, got)
			for _, f := range d.Findings {
				if f.Kind != signing.KindUnknown {
					detail += "; " + f.Message
				}
			}
		}
		x.fail(http.StatusUnauthorized, problem{rule: mismatchRule, detail: detail})
		return false
	}
	return true
}

// ---- operations ----

type verificationOut struct {
	ID           string  `json:"id"`
	URL          string  `json:"url"`
	VendorData   *string `json:"vendorData,omitempty"`
	Host         string  `json:"host"`
	Status       string  `json:"status"`
	SessionToken string  `json:"sessionToken"`
	BaseURL      string  `json:"baseUrl,omitempty"`
}

type createFields struct {
	Callback   string            `json:"callback"`
	Person     map[string]string `json:"person"`
	Document   map[string]string `json:"document"`
	VendorData *string           `json:"vendorData"`
	Lang       string            `json:"lang"`
}

// createSession creates the session. doc is the body as semanticProblems
// decoded it, or nil; fieldsFromDoc reads the fields from it when that
// gives exactly what json.Unmarshal would, and the body is parsed again
// otherwise.
func (m *Mock) createSession(x *exchange, body []byte, doc map[string]any) {
	var req struct {
		Verification createFields `json:"verification"`
	}
	if v, ok := fieldsFromDoc(doc); ok {
		req.Verification = v
	} else if err := json.Unmarshal(body, &req); err != nil {
		x.fail(http.StatusBadRequest, problem{code: "1104", rule: RuleInvalidParameters, detail: err.Error()})
		return
	}
	m.mu.Lock()
	if !m.evictSessionLocked() {
		m.mu.Unlock()
		x.limit(http.StatusServiceUnavailable, RuleLimitSessions, fmt.Sprintf(
			"the mock already holds %d sessions and none is finished; decide some or advance the clock past their 7-day expiry", m.cfg.MaxSessions))
		return
	}
	v := req.Verification
	s := &session{
		id: m.newUUID(), created: x.now, expires: x.now.Add(SessionLifetime), vendorData: v.VendorData,
		callback: v.Callback, person: v.Person, document: v.Document, lang: v.Lang, state: StateCreated,
	}
	s.token = m.newToken(s.id, s.created, s.expires)
	s.url = m.public + "/v/" + s.token
	a := &attempt{id: m.newUUID(), session: s, created: x.now, state: StateCreated}
	s.attempts = []*attempt{a}
	m.sessions[s.id] = s
	m.tokens[s.token] = s
	m.attempts[a.id] = a
	s.expiry = m.clock.Schedule(s.expires, func(at time.Time) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.expireLocked(s, at)
	})
	out := verificationOut{ID: s.id, URL: s.url, VendorData: s.vendorData, Host: m.public, Status: StateCreated, SessionToken: s.token, BaseURL: m.public}
	m.mu.Unlock()
	x.rec.Session = s.id
	x.json(http.StatusCreated, struct {
		Status       string          `json:"status"`
		Verification verificationOut `json:"verification"`
	}{"success", out})
}

// fieldsFromDoc reads createFields from the decoded body when every one of
// them is absent or of the plain JSON type json.Unmarshal fills it from (a
// string; an object of strings) and no key differs from a field's name only
// in case (json.Unmarshal matches those too). Anything else (null, another
// type, a case variant) answers ok=false and createSession parses the body
// with json.Unmarshal as before. The request has passed the schema by then,
// which already rules all of those out.
func fieldsFromDoc(doc map[string]any) (f createFields, ok bool) {
	if doc == nil || !exactKeys(doc, "verification") {
		return f, false
	}
	raw, present := doc["verification"]
	if !present {
		return f, true
	}
	v, isObj := raw.(map[string]any)
	if !isObj || !exactKeys(v, "callback", "person", "document", "vendorData", "lang") {
		return f, false
	}
	str := func(k string, dst *string) bool {
		x, present := v[k]
		if !present {
			return true
		}
		s, ok := x.(string)
		*dst = s
		return ok
	}
	strMap := func(k string, dst *map[string]string) bool {
		x, present := v[k]
		if !present {
			return true
		}
		obj, ok := x.(map[string]any)
		if !ok {
			return false
		}
		out := make(map[string]string, len(obj))
		for key, val := range obj {
			s, ok := val.(string)
			if !ok {
				return false
			}
			out[key] = s
		}
		*dst = out
		return true
	}
	var vd string
	_, hasVD := v["vendorData"]
	if !str("callback", &f.Callback) || !str("lang", &f.Lang) || !str("vendorData", &vd) ||
		!strMap("person", &f.Person) || !strMap("document", &f.Document) {
		return createFields{}, false
	}
	if hasVD {
		f.VendorData = &vd
	}
	return f, true
}

// exactKeys reports whether no key of obj matches one of names
// case-insensitively without being it.
func exactKeys(obj map[string]any, names ...string) bool {
	for k := range obj {
		for _, n := range names {
			if k != n && strings.EqualFold(k, n) {
				return false
			}
		}
	}
	return true
}

// openSession finds a session a client wants to change and refuses one the
// document says is no longer open. Called with m.mu held; on failure it
// answers and returns nil.
func (m *Mock) openSessionLocked(x *exchange, id string) *session {
	s, ok := m.sessions[id]
	if !ok {
		x.fail(http.StatusNotFound, problem{rule: RuleUnknownSession, detail: "no session " + id})
		return nil
	}
	x.rec.Session = id
	// A session past its 7 days is refused with 400/1104: the session id is
	// a parameter that no longer names a session that can change. 404 would
	// claim it never existed, while its decision (expired or abandoned) is
	// still readable with GET.
	if m.expired(s, x.now) || s.state == StatusExpired || s.state == StatusAbandoned {
		x.fail(http.StatusBadRequest, problem{code: "1104", rule: RuleSessionExpired, detail: fmt.Sprintf(
			"session %s expired at %s (7 days after creation, status %s); create a new session", id, fmtTime(s.expires), s.state)})
		return nil
	}
	if s.conclusive {
		x.fail(http.StatusBadRequest, problem{code: "1104", rule: RuleSessionClosed, detail: fmt.Sprintf(
			"session %s is closed: decision %s (%d) is conclusive", id, s.decision.Status, s.decision.Code)})
		return nil
	}
	switch s.current().state {
	case StateCreated, StateStarted, StateSubmitted:
		return s
	}
	x.fail(http.StatusBadRequest, problem{code: "1104", rule: RuleSessionProcessing, detail: fmt.Sprintf(
		"session %s is being processed (decision %s, %d); wait for the next decision", id, s.decision.Status, s.decision.Code)})
	return nil
}

func (m *Mock) submitSession(x *exchange, id string) {
	m.mu.Lock()
	s := m.openSessionLocked(x, id)
	if s == nil {
		m.mu.Unlock()
		return
	}
	// Submitting twice is harmless: the second PATCH changes nothing and
	// sends no second 7002.
	m.submitLocked(s, x.now)
	out := verificationOut{ID: s.id, URL: s.url, VendorData: s.vendorData, Host: m.public, Status: StateSubmitted, SessionToken: s.token}
	m.mu.Unlock()
	x.json(http.StatusOK, struct {
		Status       string          `json:"status"`
		Verification verificationOut `json:"verification"`
	}{"success", out})
}

type stampRef struct {
	URL string `json:"url"`
	ID  string `json:"id"`
}

type imageOut struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Context  string   `json:"context,omitempty"`
	URL      string   `json:"url"`
	Size     int      `json:"size"`
	Mimetype string   `json:"mimetype"`
	Stamp    stampRef `json:"timestamp"`
}

func (m *Mock) imageOut(md *media) imageOut {
	return imageOut{ID: md.id, Name: md.name, URL: m.public + "/v1/media/" + md.id, Size: len(md.data), Mimetype: md.mimetype,
		Stamp: stampRef{URL: m.public + "/v1/timestamps/" + md.stampID, ID: md.stampID}}
}

func (m *Mock) uploadMedia(x *exchange, id string, body []byte, img *decodedImage) {
	if img == nil { // the schema requires content; kin-openapi answered already otherwise
		x.fail(http.StatusBadRequest, problem{code: "1102", rule: RuleMandatory, detail: "/image/content is missing"})
		return
	}
	if img.tooLarge {
		x.limit(http.StatusRequestEntityTooLarge, RuleLimitMedia, fmt.Sprintf("the image decodes to more than %d bytes (--max-media-bytes)", m.cfg.MaxMediaBytes))
		return
	}
	var req struct {
		Image struct {
			Context string `json:"context"`
		} `json:"image"`
	}
	_ = json.Unmarshal(body, &req) // validated above
	m.mu.Lock()
	s := m.openSessionLocked(x, id)
	if s == nil {
		m.mu.Unlock()
		return
	}
	if !m.makeMediaRoomLocked(int64(len(img.data))) {
		m.mu.Unlock()
		x.limit(http.StatusRequestEntityTooLarge, RuleLimitMedia, fmt.Sprintf(
			"the mock's media budget (%d bytes) is used by sessions still open; finish some sessions first", m.cfg.MaxMediaTotal))
		return
	}
	ext := "png"
	if img.mimetype == "image/jpeg" {
		ext = "jpg"
	}
	a := s.current()
	md := &media{id: m.newUUID(), stampID: m.newUUID(), name: req.Image.Context + "." + ext, context: req.Image.Context,
		mimetype: img.mimetype, data: img.data, created: x.now, attempt: a}
	a.media = append(a.media, md)
	m.media[md.id] = md
	m.stamps[md.stampID] = md
	m.mediaBytes += int64(len(md.data))
	// "started (7001, when the end user opens the URL or media is uploaded)"
	m.startLocked(s, x.now)
	out := m.imageOut(md)
	out.Context = ""
	m.mu.Unlock()
	x.json(http.StatusCreated, struct {
		Status string   `json:"status"`
		Image  imageOut `json:"image"`
	}{"success", out})
}

// lookupLocked finds a session for a read; reads work on every session,
// expired and closed ones included.
func (m *Mock) lookupLocked(x *exchange, id string) *session {
	s, ok := m.sessions[id]
	if !ok {
		x.fail(http.StatusNotFound, problem{rule: RuleUnknownSession, detail: "no session " + id})
		return nil
	}
	x.rec.Session = id
	return s
}

func (m *Mock) listMedia(x *exchange, sessionID, attemptID string) {
	m.mu.Lock()
	var atts []*attempt
	if attemptID != "" {
		a, ok := m.attempts[attemptID]
		if !ok {
			m.mu.Unlock()
			x.fail(http.StatusNotFound, problem{rule: RuleUnknownSession, detail: "no attempt " + attemptID})
			return
		}
		x.rec.Session = a.session.id
		atts = []*attempt{a}
	} else {
		s := m.lookupLocked(x, sessionID)
		if s == nil {
			m.mu.Unlock()
			return
		}
		atts = s.attempts
	}
	images := []imageOut{}
	for _, a := range atts {
		for _, md := range a.media {
			images = append(images, m.imageOut(md))
		}
	}
	m.mu.Unlock()
	x.json(http.StatusOK, struct {
		Status string     `json:"status"`
		Videos []struct{} `json:"videos"`
		Images []imageOut `json:"images"`
	}{"success", []struct{}{}, images})
}

func (m *Mock) getPerson(x *exchange, id string) {
	m.mu.Lock()
	s := m.lookupLocked(x, id)
	if s == nil {
		m.mu.Unlock()
		return
	}
	str := func(k string) *string {
		if v, ok := s.person[k]; ok {
			return &v
		}
		return nil
	}
	var gender *string
	if g := s.person["gender"]; g == "M" || g == "F" {
		gender = &g
	}
	person := map[string]any{
		"id": s.id, "firstName": str("firstName"), "lastName": str("lastName"), "idCode": str("idNumber"),
		"dateOfBirth": nil, "gender": gender, "nationality": nil, "placeOfBirth": nil,
		"citizenships": []any{}, "pepSanctionMatches": []any{},
	}
	m.mu.Unlock()
	x.json(http.StatusOK, map[string]any{"status": "success", "person": person})
}

func (m *Mock) listTimestamps(x *exchange, id string) {
	m.mu.Lock()
	s := m.lookupLocked(x, id)
	if s == nil {
		m.mu.Unlock()
		return
	}
	type stampOut struct {
		ID      string `json:"id"`
		URL     string `json:"url"`
		Context string `json:"context"`
	}
	out := []stampOut{}
	for _, a := range s.attempts {
		for _, md := range a.media {
			out = append(out, stampOut{md.stampID, m.public + "/v1/timestamps/" + md.stampID, md.context})
		}
	}
	m.mu.Unlock()
	x.json(http.StatusOK, map[string]any{"status": "success", "timestamps": out})
}

// listAttempts lists the attempts that have a decision. The attempts schema
// (like the document's example) allows only decision statuses, so an attempt
// still in progress is not listed (reported as a contract gap).
func (m *Mock) listAttempts(x *exchange, id string) {
	m.mu.Lock()
	s := m.lookupLocked(x, id)
	if s == nil {
		m.mu.Unlock()
		return
	}
	type attOut struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	out := []attOut{}
	for _, a := range s.attempts {
		if a.decision != nil {
			out = append(out, attOut{a.id, a.decision.Status})
		}
	}
	m.mu.Unlock()
	x.json(http.StatusOK, map[string]any{"status": "success", "verifications": out})
}

func (m *Mock) getDecision(x *exchange, id string) {
	m.mu.Lock()
	s := m.lookupLocked(x, id)
	if s == nil {
		m.mu.Unlock()
		return
	}
	body := s.decisionBody
	m.mu.Unlock()
	if body == nil {
		// "Null if decision is not available yet".
		x.writeVeriff(http.StatusOK, "application/json", []byte(`{"status":"success","verification":null}`))
		return
	}
	// The GET answer is the webhook's body: the same decision object.
	x.writeVeriff(http.StatusOK, "application/json", body)
}

func (m *Mock) getMedia(x *exchange, id string) {
	m.mu.Lock()
	md, ok := m.media[id]
	var data []byte
	var mt string
	if ok {
		data, mt = md.data, md.mimetype
		x.rec.Session = md.attempt.session.id
	}
	m.mu.Unlock()
	if !ok || data == nil {
		detail := "no media " + id
		if ok {
			detail = "media " + id + " was evicted to keep the mock's memory bounded (its session finished)"
		}
		x.fail(http.StatusNotFound, problem{rule: RuleUnknownSession, detail: detail})
		return
	}
	// "Media data signed by API Secret": the signature covers the file.
	x.writeVeriff(http.StatusOK, mt, data)
}

func (m *Mock) getTimestamp(x *exchange, id string) {
	m.mu.Lock()
	md, ok := m.stamps[id]
	var sum [32]byte
	var context string
	if ok {
		sum = sha256.Sum256(md.data)
		context = md.context
		x.rec.Session = md.attempt.session.id
	}
	m.mu.Unlock()
	if !ok {
		x.fail(http.StatusNotFound, problem{rule: RuleUnknownSession, detail: "no timestamp " + id})
		return
	}
	// The real signature is a Guardtime KSI signature; the mock's is an
	// HMAC of the data hash under its own key: opaque, stable, verifiable by
	// nobody but the mock, which is all a client can rely on.
	mac := hmac.New(sha256.New, m.tokenKey)
	mac.Write(sum[:])
	x.json(http.StatusOK, map[string]any{"status": "success", "timestamp": map[string]any{
		"id": id, "context": context, "signature": base64.StdEncoding.EncodeToString(mac.Sum(nil)),
		"dataHash": map[string]string{"algorithm": "SHA-256", "value": hex.EncodeToString(sum[:])},
	}})
}
