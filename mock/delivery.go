package mock

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/conform-kit/conform/clock"
	"github.com/conform-kit/conform/harness"
)

// Delivery kinds.
const (
	kindDecision = "decision"
	kindEvent    = "event"
	kindCallback = "callback"
)

// Delivery states.
const (
	DeliveryPending   = "pending"   // not yet answered with 200; a retry is scheduled
	DeliveryDelivered = "delivered" // answered 200
	DeliveryGaveUp    = "gave-up"   // no 200 within RetryWindow
	DeliveryNoURL     = "not-sent"  // no URL configured for its kind: recorded, never sent
)

// RetrySchedule is the pause after each failed attempt; after the last entry
// the mock retries every RetryEvery until RetryWindow has passed since the
// first attempt. The document promises only that "Veriff will retry the
// notification multiple times for up to a week" on "any non-200 response
// code"; the intervals are the mock's own.
var (
	RetrySchedule = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}
	RetryEvery    = 12 * time.Hour
	RetryWindow   = 7 * 24 * time.Hour
)

// maxAttemptRecords bounds the attempts kept per delivery (scheduled ones
// number at most 19; manual redeliveries are unbounded in count).
const maxAttemptRecords = 64

// maxAnswerShown bounds the part of a listener's answer kept in the record.
const maxAnswerShown = 512

// maxDeliveries bounds the deliveries kept; finished ones are evicted
// oldest first.
func (m *Mock) maxDeliveries() int { return 8 * m.cfg.MaxSessions }

type delivery struct {
	ID       string
	Kind     string
	Subject  string // Veriff session id or Shufti reference
	Label    string
	URL      string
	Body     []byte
	Created  time.Time
	State    string
	NextAt   time.Time
	Attempts []DeliveryAttempt
	Dropped  int
	failures int
	timer    *clock.Timer
}

// DeliveryAttempt is one try at delivering a webhook, and the answer.
type DeliveryAttempt struct {
	N       int    `json:"n"`
	At      string `json:"at"` // virtual time
	Manual  bool   `json:"manual,omitempty"`
	Status  int    `json:"status,omitempty"`
	Error   string `json:"error,omitempty"`
	Answer  string `json:"answer,omitempty"`
	Elapsed string `json:"elapsed"` // wall time the attempt took
}

// DeliveryView is a delivery as the admin API shows it. Header values are
// not shown: they carry the API key; the signature can be recomputed from
// the body with `conform sign`.
type DeliveryView struct {
	ID       string            `json:"id"`
	Kind     string            `json:"kind"`
	Subject  string            `json:"subject"`
	Label    string            `json:"label"`
	URL      string            `json:"url"`
	Headers  []string          `json:"headers"`
	Body     string            `json:"body"`
	Created  string            `json:"created"`
	State    string            `json:"state"`
	NextAt   string            `json:"nextAttemptAt,omitempty"`
	Attempts []DeliveryAttempt `json:"attempts"`
	Dropped  int               `json:"attemptsNotListed,omitempty"`
}

func (m *Mock) viewDelivery(d *delivery) DeliveryView {
	v := DeliveryView{
		ID: d.ID, Kind: d.Kind, Subject: d.Subject, Label: d.Label, URL: d.URL, Body: m.redact(string(d.Body)),
		Created: fmtTime(d.Created), State: d.State, Attempts: append([]DeliveryAttempt{}, d.Attempts...), Dropped: d.Dropped,
		Headers: m.deliveryHeaderNames(d.Kind),
	}
	if d.State == DeliveryPending {
		v.NextAt = fmtTime(d.NextAt)
	}
	return v
}

func (m *Mock) deliveryHeaderNames(kind string) []string {
	if kind == kindCallback {
		return []string{"Content-Type", m.shufti.Header}
	}
	return []string{"Content-Type", "X-AUTH-CLIENT", m.veriff.Header}
}

// queueEventLocked builds and queues a Veriff event webhook.
func (m *Mock) queueEventLocked(s *session, a *attempt, action string, now time.Time) {
	body, err := m.eventPayload(s, a, action)
	if err != nil {
		// Fixtures are validated when the mock starts; this is a bug.
		panic(fmt.Sprintf("mock: building %s event: %v", action, err))
	}
	code := eventCodeStarted
	if action == eventSubmitted {
		code = eventCodeSubmitted
	}
	m.queueLocked(kindEvent, s.id, fmt.Sprintf("event %s %d", action, code), m.cfg.EventURL, body, now)
}

// queueLocked records a delivery and schedules its first attempt at now. It
// runs on the next Fire (the worker, an admin call) or during Advance.
func (m *Mock) queueLocked(kind, subject, label, url string, body []byte, now time.Time) *delivery {
	m.delivSeq++
	d := &delivery{
		ID: fmt.Sprintf("d%06d", m.delivSeq), Kind: kind, Subject: subject, Label: label, URL: url, Body: body,
		Created: now, State: DeliveryPending, NextAt: now,
	}
	if url == "" {
		d.State = DeliveryNoURL
	}
	m.deliveries[d.ID] = d
	m.delivOrder = append(m.delivOrder, d)
	m.evictDeliveriesLocked()
	if d.State == DeliveryPending {
		d.timer = m.clock.Schedule(now, func(at time.Time) { m.attempt(d, at, false) })
		m.wake()
	}
	return d
}

func (m *Mock) evictDeliveriesLocked() {
	for len(m.delivOrder) > m.maxDeliveries() {
		idx := -1
		for i, d := range m.delivOrder {
			if d.State != DeliveryPending {
				idx = i
				break
			}
		}
		if idx < 0 {
			return // every kept delivery is still pending: keep them all
		}
		delete(m.deliveries, m.delivOrder[idx].ID)
		m.delivOrder = append(m.delivOrder[:idx], m.delivOrder[idx+1:]...)
	}
}

// request builds the HTTP request the provider sends for a delivery.
func (m *Mock) request(d *delivery) *harness.Request {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if d.Kind == kindCallback {
		h.Set(m.shufti.Header, m.shufti.Sign(m.cfg.Secret, d.Body))
	} else {
		h.Set("X-AUTH-CLIENT", m.cfg.APIKey)
		h.Set(m.veriff.Header, m.veriff.Sign(m.cfg.Secret, d.Body))
	}
	return &harness.Request{Method: http.MethodPost, URL: d.URL, Header: h, Body: d.Body}
}

// attempt sends d once and records the answer. Only exactly 200 counts as
// delivered ("any non-200 response code" is retried). A scheduled attempt
// that fails schedules the next one until RetryWindow has passed.
func (m *Mock) attempt(d *delivery, at time.Time, manual bool) DeliveryAttempt {
	m.mu.Lock()
	req := m.request(d)
	m.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.DeliveryTimeout)
	ex := m.client.Do(ctx, req)
	cancel()

	m.mu.Lock()
	defer m.mu.Unlock()
	rec := DeliveryAttempt{At: fmtTime(at), Manual: manual, Elapsed: ex.Elapsed.Round(time.Microsecond).String()}
	if ex.Response != nil {
		rec.Status = ex.Response.Status
		ans := ex.Response.Body
		if len(ans) > maxAnswerShown {
			ans = ans[:maxAnswerShown]
		}
		rec.Answer = m.redact(string(ans))
	}
	if ex.Err != nil {
		rec.Error = m.redact(fmt.Sprintf("%s: %v", ex.ErrKind, ex.Err))
	}
	total := len(d.Attempts) + d.Dropped
	rec.N = total + 1
	if len(d.Attempts) < maxAttemptRecords {
		d.Attempts = append(d.Attempts, rec)
	} else {
		d.Dropped++
	}
	ok := ex.Response != nil && ex.Response.Status == http.StatusOK
	switch {
	case ok:
		d.State = DeliveryDelivered
		d.timer.Stop()
	case manual:
		// A failed manual redelivery changes nothing: a pending delivery
		// keeps its schedule, a finished one its state.
	default:
		delay := RetryEvery
		if d.failures < len(RetrySchedule) {
			delay = RetrySchedule[d.failures]
		}
		d.failures++
		next := at.Add(delay)
		if next.Sub(d.Created) > RetryWindow {
			d.State = DeliveryGaveUp
			break
		}
		d.NextAt = next
		d.timer = m.clock.Schedule(next, func(at time.Time) { m.attempt(d, at, false) })
	}
	return rec
}

// Redeliver sends a delivery again now, whatever its state, and returns the
// attempt. A 200 marks it delivered and cancels pending retries.
func (m *Mock) Redeliver(id string) (DeliveryAttempt, DeliveryView, error) {
	m.mu.Lock()
	d, ok := m.deliveries[id]
	if !ok {
		m.mu.Unlock()
		return DeliveryAttempt{}, DeliveryView{}, fmt.Errorf("no delivery %q", id)
	}
	if d.URL == "" {
		m.mu.Unlock()
		return DeliveryAttempt{}, DeliveryView{}, fmt.Errorf("delivery %s has no URL: the mock was started without a %s URL", id, d.Kind)
	}
	m.mu.Unlock()
	rec := m.attempt(d, m.clock.Now(), true)
	m.mu.Lock()
	defer m.mu.Unlock()
	return rec, m.viewDelivery(d), nil
}

// Deliveries lists deliveries, oldest first; subject filters by session id
// or Shufti reference when not empty.
func (m *Mock) Deliveries(subject string) []DeliveryView {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []DeliveryView{}
	for _, d := range m.delivOrder {
		if subject == "" || d.Subject == subject {
			out = append(out, m.viewDelivery(d))
		}
	}
	return out
}

// Delivery returns one delivery.
func (m *Mock) Delivery(id string) (DeliveryView, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.deliveries[id]
	if !ok {
		return DeliveryView{}, false
	}
	return m.viewDelivery(d), true
}
