package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/conform-kit/conform/mock"
)

// maxAdminAnswer bounds one admin answer. The report lists up to
// mock.MaxReportRequests requests of a few hundred bytes each.
const maxAdminAnswer = 32 << 20

// Admin talks to the admin API of conform mock (/_conform/…, docs/mock.md).
// It speaks HTTP even when the mock runs in the same process, so a run
// against `conform mock` started by the integrator and a run against an
// in-process mock take the same path.
type Admin struct {
	base    string
	http    *http.Client
	timeout time.Duration
	advance time.Duration
}

// NewAdmin returns a client of the mock at base (e.g. http://127.0.0.1:8089).
func NewAdmin(base string, timeout, advanceTimeout time.Duration) *Admin {
	return &Admin{
		base:    strings.TrimRight(base, "/"),
		http:    &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		timeout: timeout,
		advance: advanceTimeout,
	}
}

// Close releases idle connections.
func (a *Admin) Close() { a.http.CloseIdleConnections() }

// Base is the mock's base URL.
func (a *Admin) Base() string { return a.base }

// AdminError is a refusal or failure answered by the admin API.
type AdminError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *AdminError) Error() string {
	return fmt.Sprintf("conform mock answered %s %s with %d: %s", e.Method, e.Path, e.Status, e.Message)
}

func (a *Admin) call(ctx context.Context, timeout time.Duration, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+mock.AdminPrefix+strings.TrimPrefix(path, "/"), body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("conform mock admin API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminAnswer+1))
	if err != nil {
		return fmt.Errorf("conform mock admin API %s %s: reading the answer: %w", method, path, err)
	}
	if len(data) > maxAdminAnswer {
		return fmt.Errorf("conform mock admin API %s %s: answer larger than %d bytes", method, path, maxAdminAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return &AdminError{Method: method, Path: path, Status: resp.StatusCode, Message: msg}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("conform mock admin API %s %s: the answer is not what conform expects (%v); is %s a conform mock of this version?", method, path, err, a.base)
	}
	return nil
}

// Clock is the mock's virtual clock.
func (a *Admin) Clock(ctx context.Context) (mock.ClockView, error) {
	var v mock.ClockView
	return v, a.call(ctx, a.timeout, http.MethodGet, "clock", nil, &v)
}

// Now is the mock's virtual time.
func (a *Admin) Now(ctx context.Context) (time.Time, error) {
	v, err := a.Clock(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, v.Now)
}

// Advance moves the virtual clock; every expiry and delivery due on the way
// has run when it returns.
func (a *Admin) Advance(ctx context.Context, d time.Duration) (mock.ClockView, error) {
	var v mock.ClockView
	return v, a.call(ctx, a.advance, http.MethodPost, "clock/advance", map[string]string{"by": d.String()}, &v)
}

// Sessions lists every Veriff session, oldest first.
func (a *Admin) Sessions(ctx context.Context) ([]mock.SessionView, error) {
	var v []mock.SessionView
	return v, a.call(ctx, a.timeout, http.MethodGet, "sessions", nil, &v)
}

// Session returns one session.
func (a *Admin) Session(ctx context.Context, id string) (mock.SessionView, error) {
	var v mock.SessionView
	return v, a.call(ctx, a.timeout, http.MethodGet, "sessions/"+url.PathEscape(id), nil, &v)
}

// Decide decides a session; the decision webhook has been delivered (and
// answered) when it returns.
func (a *Admin) Decide(ctx context.Context, id string, d mock.Decision) (mock.SessionView, error) {
	var v mock.SessionView
	return v, a.call(ctx, a.advance, http.MethodPost, "sessions/"+url.PathEscape(id)+"/decision", d, &v)
}

// Event plays the end user's step ("started", "submitted"); its event
// webhook has been delivered when it returns.
func (a *Admin) Event(ctx context.Context, id, action string) (mock.SessionView, error) {
	var v mock.SessionView
	return v, a.call(ctx, a.advance, http.MethodPost, "sessions/"+url.PathEscape(id)+"/events", map[string]string{"action": action}, &v)
}

// Deliveries lists the webhooks of one session (all when subject is "").
func (a *Admin) Deliveries(ctx context.Context, subject string) ([]mock.DeliveryView, error) {
	path := "deliveries"
	if subject != "" {
		path += "?subject=" + url.QueryEscape(subject)
	}
	var v []mock.DeliveryView
	return v, a.call(ctx, a.timeout, http.MethodGet, path, nil, &v)
}

// Redeliver sends a delivery again, byte for byte, as a provider retry does.
func (a *Admin) Redeliver(ctx context.Context, id string) (mock.DeliveryView, error) {
	var v mock.DeliveryView
	return v, a.call(ctx, a.advance, http.MethodPost, "deliveries/"+url.PathEscape(id)+"/redeliver", nil, &v)
}

// Report is the client contract report so far.
func (a *Admin) Report(ctx context.Context) (mock.ReportDoc, error) {
	var v mock.ReportDoc
	return v, a.call(ctx, a.timeout, http.MethodGet, "report", nil, &v)
}
