package mock

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// The Go API below is what the admin API, `conform trigger` and a hosted
// verification page use to look at and drive sessions.

var (
	errNotFound = errors.New("not found")
	errConflict = errors.New("conflict")
	// ErrExpired is returned when a session's 7 days are over.
	ErrExpired = errors.New("session expired")
)

// IsNotFound reports whether err means the session, request or delivery
// does not exist.
func IsNotFound(err error) bool { return errors.Is(err, errNotFound) }

// IsConflict reports whether err means the thing exists but cannot do that now.
func IsConflict(err error) bool { return errors.Is(err, errConflict) }

// SessionView is a Veriff session as the admin API shows it.
type SessionView struct {
	ID         string        `json:"id"`
	URL        string        `json:"url"`
	State      string        `json:"state"` // created, started, submitted or a decision status
	Open       bool          `json:"open"`  // the end user can still act on the URL
	Conclusive bool          `json:"conclusive"`
	Expired    bool          `json:"expired"`
	Created    string        `json:"created"`
	ExpiresAt  string        `json:"expiresAt"`
	VendorData *string       `json:"vendorData"`
	Callback   string        `json:"callback,omitempty"`
	Decision   *decisionView `json:"decision,omitempty"`
	Attempts   []attemptView `json:"attempts"`
}

type decisionView struct {
	Status     string  `json:"status"`
	Code       int     `json:"code"`
	ReasonCode *int    `json:"reasonCode"`
	Reason     *string `json:"reason"`
	Time       string  `json:"time"`
	AttemptID  string  `json:"attemptId"`
}

type attemptView struct {
	ID      string        `json:"id"`
	State   string        `json:"state"`
	Created string        `json:"created"`
	Media   int           `json:"media"`
	Decided *decisionView `json:"decision,omitempty"`
}

func viewDecision(d *decisionRec) *decisionView {
	if d == nil {
		return nil
	}
	return &decisionView{Status: d.Status, Code: d.Code, ReasonCode: d.ReasonCode, Reason: d.Reason, Time: fmtTime(d.Time), AttemptID: d.AttemptID}
}

func (m *Mock) viewLocked(s *session, now time.Time) SessionView {
	v := SessionView{
		ID: s.id, URL: s.url, State: s.state, Conclusive: s.conclusive, Expired: m.expired(s, now),
		Created: fmtTime(s.created), ExpiresAt: fmtTime(s.expires), Callback: m.redact(s.callback),
		Decision: viewDecision(s.decision),
	}
	// Client-supplied text is echoed back redacted: a client that put the
	// key or secret into vendorData must not see it in admin answers.
	if s.vendorData != nil {
		vd := m.redact(*s.vendorData)
		v.VendorData = &vd
	}
	st := s.current().state
	v.Open = !s.conclusive && !v.Expired && (st == StateCreated || st == StateStarted)
	for _, a := range s.attempts {
		v.Attempts = append(v.Attempts, attemptView{ID: a.id, State: a.state, Created: fmtTime(a.created), Media: len(a.media), Decided: viewDecision(a.decision)})
	}
	return v
}

// Sessions lists every session, oldest first.
func (m *Mock) Sessions() []SessionView {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	out := make([]SessionView, 0, len(m.sessions))
	for _, s := range m.sessions {
		out = append(out, m.viewLocked(s, now))
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created < out[j].Created || (out[i].Created == out[j].Created && out[i].ID < out[j].ID)
	})
	return out
}

// Session returns one session.
func (m *Mock) Session(id string) (SessionView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return SessionView{}, fmt.Errorf("%w: no session %q", errNotFound, id)
	}
	return m.viewLocked(s, m.clock.Now()), nil
}

// SessionByToken finds the session a session URL token belongs to. The
// token must verify; an expired session is still returned (its page must say
// it expired).
func (m *Mock) SessionByToken(token string) (SessionView, error) {
	if _, err := m.parseToken(token); err != nil {
		return SessionView{}, fmt.Errorf("%w: %v", errNotFound, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.tokens[token]
	if !ok {
		return SessionView{}, fmt.Errorf("%w: the session of this token is gone (evicted)", errNotFound)
	}
	return m.viewLocked(s, m.clock.Now()), nil
}

// Open is the end user opening the session URL: the current attempt starts
// (7001) unless it already has. It fails with ErrExpired after 7 days.
func (m *Mock) Open(token string) (SessionView, error) {
	if _, err := m.parseToken(token); err != nil {
		return SessionView{}, fmt.Errorf("%w: %v", errNotFound, err)
	}
	m.mu.Lock()
	s, ok := m.tokens[token]
	if !ok {
		m.mu.Unlock()
		return SessionView{}, fmt.Errorf("%w: the session of this token is gone (evicted)", errNotFound)
	}
	now := m.clock.Now()
	if m.expired(s, now) || s.state == StatusExpired || s.state == StatusAbandoned {
		v := m.viewLocked(s, now)
		m.mu.Unlock()
		return v, ErrExpired
	}
	if !s.conclusive {
		m.startLocked(s, now)
	}
	v := m.viewLocked(s, now)
	m.mu.Unlock()
	return v, nil
}

// Decide records a decision for a session and delivers its webhook before
// returning (the delivery and its answer are in Deliveries).
func (m *Mock) Decide(id string, d Decision) (SessionView, error) {
	m.mu.Lock()
	s, ok := m.sessions[id]
	if !ok {
		m.mu.Unlock()
		return SessionView{}, fmt.Errorf("%w: no session %q", errNotFound, id)
	}
	now := m.clock.Now()
	if err := m.decideLocked(s, d, now); err != nil {
		m.mu.Unlock()
		if s.conclusive {
			return SessionView{}, fmt.Errorf("%w: %v", errConflict, err)
		}
		return SessionView{}, err
	}
	m.mu.Unlock()
	err := m.Flush()
	return m.sessionOrErr(id, err)
}

// Event plays the end user's step: "started" (7001, as when the URL is
// opened) or "submitted" (7002, as on PATCH). The event webhook is sent
// even if the attempt already took that step, so a tester can replay a
// duplicate.
func (m *Mock) Event(id, action string) (SessionView, error) {
	m.mu.Lock()
	s, ok := m.sessions[id]
	if !ok {
		m.mu.Unlock()
		return SessionView{}, fmt.Errorf("%w: no session %q", errNotFound, id)
	}
	now := m.clock.Now()
	if s.conclusive || m.expired(s, now) {
		m.mu.Unlock()
		return SessionView{}, fmt.Errorf("%w: session %s is %s; no more events", errConflict, id, s.state)
	}
	a := s.current()
	switch action {
	case eventStarted:
		if a.state == StateCreated {
			m.startLocked(s, now)
		} else {
			m.queueEventLocked(s, a, eventStarted, now)
		}
	case eventSubmitted:
		if a.state == StateCreated || a.state == StateStarted {
			m.submitLocked(s, now)
		} else {
			m.queueEventLocked(s, a, eventSubmitted, now)
		}
	default:
		m.mu.Unlock()
		return SessionView{}, fmt.Errorf("unknown event %q (known: started, submitted)", action)
	}
	m.mu.Unlock()
	err := m.Flush()
	return m.sessionOrErr(id, err)
}

func (m *Mock) sessionOrErr(id string, err error) (SessionView, error) {
	v, verr := m.Session(id)
	if err != nil {
		return v, err
	}
	return v, verr
}
