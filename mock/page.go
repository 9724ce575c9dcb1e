package mock

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The hosted verification page: what the end user's browser sees at a
// session URL. It stands in for the provider's hosted flow so a tester (or a
// browser test) plays the end user: opening the URL starts the attempt
// (7001), and the page offers the outcomes — approve, decline or request
// resubmission (each submits the attempt, 7002, and decides it), or abandon
// (leave without submitting). Finishing sends the browser to the session's
// callback URL, as Veriff does ("Once the end user completes the KYC, they
// will be redirected back to the callback URL").
//
// Plain HTML forms, no JavaScript: it works in any browser, with curl, and
// in tests. Every value is escaped by html/template; every POST must carry a
// form token bound to the session and attempt (page_form.go) and pass Go's
// cross-origin protection (Fetch metadata / Origin).
//
// A different page plugs in through Config.Page, using SessionByToken, Open
// and Decide.

// Documents' words the pages quote.
const (
	quoteNothingToDo = "The verification process is complete. Accessing the sessionURL again will show the client that nothing is to be done here."
	quoteConclusive  = "Responses 9001, 9102, and 9104 are conclusive responses. The session is closed and the URL is not available for the end user."
	quoteExpired     = "After 7 days the session get's expired. If the client started the verification process we reply \"abandoned\" here, otherwise if the client never arrived in our environment the status will be \"expired\""
	quoteProcessing  = "The session is being processed, it is not open for the end user, and you will soon receive one of the above conclusive or inconclusive responses."
	quoteResubmit    = "The same sessionURL can and should be used for this purpose."
)

// errPageInternal marks a failure of the mock itself, not of the choice.
var errPageInternal = errors.New("mock: recording the decision failed after the attempt was submitted")

// maxPageForm bounds a page form body; the real one is under 200 bytes.
const maxPageForm = 4 << 10

// pageCSRF refuses cross-site form posts (Sec-Fetch-Site, or Origin against
// Host). Requests without either header — curl, Go tests — pass, and are
// still held to the form token.
var pageCSRF = http.NewCrossOriginProtection()

// serveVeriffPage serves the Veriff session URL /v/{token}.
func (m *Mock) serveVeriffPage(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		m.showVeriffPage(w, r)
	case http.MethodPost:
		m.finishVeriffPage(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		m.message(w, http.StatusMethodNotAllowed, "Veriff", "Method not allowed",
			"A session URL is opened (GET) and its page's forms are posted (POST); nothing else.")
	}
}

// showVeriffPage opens the session (GET starts the current attempt, as the
// end user arriving does; HEAD only looks) and shows where it stands.
func (m *Mock) showVeriffPage(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	var err error
	if r.Method == http.MethodGet {
		_, err = m.Open(tok)
	} else {
		_, err = m.SessionByToken(tok)
	}
	if err != nil && !errors.Is(err, ErrExpired) {
		m.unknownSession(w)
		return
	}
	m.mu.Lock()
	s, ok := m.tokens[tok]
	if !ok { // evicted between the two looks
		m.mu.Unlock()
		m.unknownSession(w)
		return
	}
	status, d, origin := m.sessionPageLocked(s, m.clock.Now())
	m.mu.Unlock()
	m.render(w, status, d, origin)
}

// finishVeriffPage takes the end user's choice from the page's form.
func (m *Mock) finishVeriffPage(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	if _, err := m.parseToken(tok); err != nil {
		m.unknownSession(w)
		return
	}
	if err := pageCSRF.Check(r); err != nil {
		m.message(w, http.StatusForbidden, "Veriff", "Form refused",
			"This form was posted from another site ("+err.Error()+"). Open the session URL and choose there.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPageForm)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			m.message(w, http.StatusRequestEntityTooLarge, "Veriff", "Form too large",
				fmt.Sprintf("The page's form is a few hundred bytes; this one is over %d.", maxPageForm))
			return
		}
		m.message(w, http.StatusBadRequest, "Veriff", "Unreadable form", "The form could not be read: "+err.Error())
		return
	}
	f := r.PostForm
	m.mu.Lock()
	s, ok := m.tokens[tok]
	if !ok {
		m.mu.Unlock()
		m.unknownSession(w)
		return
	}
	now := m.clock.Now()
	attemptID := f.Get("attempt")
	if !m.validFormToken(s.id, attemptID, f.Get("form_token")) {
		m.mu.Unlock()
		m.message(w, http.StatusForbidden, "Veriff", "Form refused",
			"The form token is missing or does not belong to this session. Open the session URL again and choose there.")
		return
	}
	if status, d, origin := m.sessionPageLocked(s, now); d.Form == nil {
		// Closed, expired or being processed: the choice comes too late.
		m.mu.Unlock()
		if status == http.StatusOK {
			status = http.StatusConflict
		}
		m.render(w, status, d, origin)
		return
	}
	if a := s.current(); attemptID != a.id {
		n := len(s.attempts)
		m.mu.Unlock()
		m.messageBack(w, http.StatusConflict, "This form is out of date",
			fmt.Sprintf("The form belongs to an earlier attempt; attempt %d is open now. Nothing was changed.", n), tok)
		return
	}
	outcome, err := m.applyOutcomeLocked(s, f.Get("outcome"), f.Get("reasonCode"), now)
	callback := s.callback
	id := s.id
	m.mu.Unlock()
	if errors.Is(err, errPageInternal) {
		m.message(w, http.StatusInternalServerError, "Veriff", "The mock failed", err.Error())
		return
	}
	if err != nil {
		m.messageBack(w, http.StatusBadRequest, "Choice refused", err.Error()+" Nothing was changed.", tok)
		return
	}
	// Webhooks are queued; the worker sends them now, off this request, so
	// they may reach the listener before or after the browser reaches the
	// callback — as with the provider, whose redirect carries no decision.
	if target, _, ok := redirectTarget(callback); ok {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Location", target)
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	why := "This session has no callback URL (Veriff would use the account's default), so there is nowhere to return to: you can close this window."
	if callback != "" {
		why = "The session's callback URL is not an absolute http(s) URL the mock can send a browser to, so it does not redirect: you can close this window."
	}
	m.render(w, http.StatusOK, pageData{
		Provider: "Veriff", Title: "Verification finished",
		Lead:    []string{fmt.Sprintf("Session %s: %s.", id, outcome), why},
		Details: callbackDetail(callback),
	}, "")
}

// applyOutcomeLocked plays the end user's choice on the current attempt and
// returns it in words. The decision is checked before anything changes, so a
// refused choice leaves the session as it was.
func (m *Mock) applyOutcomeLocked(s *session, outcome, reasonField string, now time.Time) (string, error) {
	var d Decision
	switch outcome {
	case "approve":
		d.Status = StatusApproved
	case "decline":
		d.Status = StatusDeclined
	case "resubmit":
		d.Status = StatusResubmit
	case "abandon":
		// The end user leaves without submitting. The provider learns
		// nothing (there is no "left" event); the attempt stays started and
		// the 7-day expiry makes the session abandoned (9104).
		m.startLocked(s, now)
		return "abandoned by the end user; the session stays started and becomes abandoned (9104) 7 days after its creation, " + fmtTime(s.expires), nil
	default:
		return "", fmt.Errorf("unknown outcome %q: choose approve, decline, resubmit or abandon.", outcome)
	}
	if d.Status != StatusApproved && reasonField != "" {
		n, err := strconv.Atoi(reasonField)
		if err != nil {
			return "", fmt.Errorf("reason code %q is not a number.", reasonField)
		}
		d.ReasonCode = &n
	}
	code, _, err := d.resolve(s)
	if err != nil {
		return "", fmt.Errorf("%v.", err)
	}
	m.submitLocked(s, now)
	if err := m.decideLocked(s, d, now); err != nil {
		// resolve passed, so only a broken fixture gets here: a bug in the
		// mock, and the attempt is already submitted.
		return "", fmt.Errorf("%w: %v", errPageInternal, err)
	}
	if d.ReasonCode != nil {
		return fmt.Sprintf("submitted (7002) and %s (%d, reason code %d)", d.Status, code, *d.ReasonCode), nil
	}
	return fmt.Sprintf("submitted (7002) and %s (%d)", d.Status, code), nil
}

// sessionPageLocked is the page a session's URL shows now: the choices while
// the current attempt is open, otherwise why there is nothing to choose. It
// returns the HTTP status and, for the choices, the callback origin the
// page's forms may be redirected to.
func (m *Mock) sessionPageLocked(s *session, now time.Time) (int, pageData, string) {
	d := pageData{Provider: "Veriff", Now: fmtTime(now)}
	a := s.current()
	switch {
	case m.expired(s, now) || s.state == StatusExpired || s.state == StatusAbandoned:
		d.Title = "Verification session expired"
		d.Lead = []string{fmt.Sprintf("This verification session has expired (%s, 9104): a session is valid for 7 days. Nothing can be done here any more; ask for a new verification link.", expiredStatus(s))}
		d.Quote = &docQuote{quoteExpired, veriffDoc + ", response code 9104"}
		d.Details = []pageDetail{{"Session", s.id}, {"Expired at", fmtTime(s.expires)}}
		return http.StatusGone, d, ""
	case s.conclusive:
		d.Title = "Nothing to do here"
		d.Lead = []string{fmt.Sprintf("This verification is complete (%s, %d). Nothing more is to be done here.", s.decision.Status, s.decision.Code)}
		d.Quote = &docQuote{quoteConclusive, veriffDoc + ", Lifecycle of the verification session"}
		if s.decision.Code == codeApproved {
			d.Quote = &docQuote{quoteNothingToDo, veriffDoc + ", response code 9001"}
		}
		d.Details = []pageDetail{{"Session", s.id}, {"Attempts", strconv.Itoa(len(s.attempts))}}
		return http.StatusOK, d, ""
	case a.state == StateCreated || a.state == StateStarted:
		_, origin, _ := redirectTarget(s.callback)
		d.Title = "Verify your identity"
		d.Lead = []string{fmt.Sprintf("Attempt %d of this session is open and started (event 7001 sent). Choose how the verification ends.", len(s.attempts))}
		d.Details = m.sessionDetailsLocked(s)
		d.Form = &pageForm{
			Attempt: len(s.attempts), AttemptID: a.id, FormToken: m.formToken(s.id, a.id),
			Decline: reasonOptions(declineReasons), Resubmit: reasonOptions(resubmitReasons),
		}
		if len(s.attempts) > 1 {
			if prev := s.attempts[len(s.attempts)-2].decision; prev != nil {
				d.Form.Previous = fmt.Sprintf("Attempt %d ended with %s (%d)%s. This is a new attempt at the same URL: “%s”", len(s.attempts)-1,
					prev.Status, prev.Code, reasonSuffix(prev), quoteResubmit)
			}
		}
		return http.StatusOK, d, origin
	default:
		d.Title = "Verification in progress"
		d.Lead = []string{fmt.Sprintf("Attempt %d was submitted and is being processed (%s). Nothing is to be done here now.", len(s.attempts), s.state)}
		d.Quote = &docQuote{quoteProcessing, veriffDoc + ", Lifecycle of the verification session"}
		d.Details = []pageDetail{{"Session", s.id}}
		return http.StatusOK, d, ""
	}
}

func expiredStatus(s *session) string {
	if s.state == StatusExpired || s.state == StatusAbandoned {
		return s.state
	}
	if s.everStarted {
		return StatusAbandoned
	}
	return StatusExpired
}

func reasonSuffix(d *decisionRec) string {
	if d.ReasonCode == nil {
		return ""
	}
	out := fmt.Sprintf(", reason code %d", *d.ReasonCode)
	if d.Reason != nil {
		out += " — " + strings.TrimSuffix(*d.Reason, ".")
	}
	return out
}

func (m *Mock) sessionDetailsLocked(s *session) []pageDetail {
	out := []pageDetail{{"Session", s.id}, {"Attempt", fmt.Sprintf("%d (%s)", len(s.attempts), s.current().id)}}
	if name := personName(s.person); name != "" {
		out = append(out, pageDetail{"Person", name})
	}
	if s.vendorData != nil {
		out = append(out, pageDetail{"vendorData", *s.vendorData})
	}
	out = append(out, pageDetail{"Expires", fmtTime(s.expires) + " (7 days after creation, virtual time)"})
	return append(out, callbackDetail(s.callback)...)
}

func personName(p map[string]string) string {
	name := p["firstName"]
	if last := p["lastName"]; last != "" {
		if name != "" {
			name += " "
		}
		name += last
	}
	return name
}

func callbackDetail(callback string) []pageDetail {
	if callback == "" {
		return []pageDetail{{"Callback", "none (the provider would use the account's default)"}}
	}
	return []pageDetail{{"Callback", callback}}
}

func (m *Mock) unknownSession(w http.ResponseWriter) {
	m.message(w, http.StatusNotFound, "Veriff", "Unknown verification session",
		"This link does not belong to a verification session of this mock.")
}

func (m *Mock) serveShuftiPage(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	req, ok := m.shuftiTok[r.PathValue("token")]
	var v ShuftiView
	if ok {
		v = m.shuftiView(req)
	}
	m.mu.Unlock()
	if !ok {
		m.message(w, http.StatusNotFound, "Shufti Pro", "Unknown verification request", "This link does not belong to a Shufti Pro request of this mock.")
		return
	}
	if v.Event == "request.timeout" {
		m.message(w, http.StatusGone, "Shufti Pro", "Verification request timed out", "The onsite request timed out after 60 minutes.")
		return
	}
	m.message(w, http.StatusOK, "Shufti Pro", "Verification request "+v.Reference, "Current event: "+v.Event+".")
}
