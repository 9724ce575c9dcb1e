package lifecycle

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/mock"
)

// User is a test user registered through the hook.
type User struct {
	ID         string
	FirstName  string
	LastName   string
	VendorData string
	// Session is the Veriff session the integrator created in the mock when
	// the user was registered; URL is the hook's answer at registration.
	Session mock.SessionView
	View    View
	// Registered is the hook exchange that registered the user.
	Registered *harness.Exchange
}

// mark is a point in a scenario: the sessions the mock knew and the client
// requests it had seen, so a step can tell what the integrator did since.
type mark struct {
	sessions map[string]bool
	seq      int64
}

func (e *Env) mark(ctx context.Context) (mark, *harness.Failure) {
	ss, err := e.admin.Sessions(ctx)
	if err != nil {
		return mark{}, e.mockFailure(err)
	}
	rep, err := e.admin.Report(ctx)
	if err != nil {
		return mark{}, e.mockFailure(err)
	}
	m := mark{sessions: map[string]bool{}, seq: rep.Summary.Requests}
	for _, s := range ss {
		m.sessions[s.ID] = true
	}
	return m, nil
}

// newSessions are the sessions created since m.
func (e *Env) newSessions(ctx context.Context, m mark) ([]mock.SessionView, *harness.Failure) {
	ss, err := e.admin.Sessions(ctx)
	if err != nil {
		return nil, e.mockFailure(err)
	}
	var out []mock.SessionView
	for _, s := range ss {
		if !m.sessions[s.ID] {
			out = append(out, s)
		}
	}
	return out, nil
}

// ClientReport describes the client requests the mock recorded since m that
// broke a rule, with the document's words, plus a note when the integrator
// sent none at all. It is what explains a failed step.
func (e *Env) clientReport(ctx context.Context, m mark) (text string, violations bool) {
	rep, err := e.admin.Report(ctx)
	if err != nil {
		return "\n(the mock's client contract report could not be read: " + err.Error() + ")", false
	}
	var b strings.Builder
	var n int
	stale := false
	for _, r := range rep.Requests {
		if r.Seq <= m.seq {
			continue
		}
		n++
		for _, v := range r.Violations {
			violations = true
			fmt.Fprintf(&b, "\nconform mock: #%d %s %s -> %d %s broke %s (%s, %q: %q): %s",
				r.Seq, r.Method, r.Path, r.Status, r.Code, v.ID, v.Document, v.Section, v.Quote, v.Detail)
			if r.Code == "1201" {
				stale = true
			}
		}
	}
	if n == 0 && rep.Summary.Requests == m.seq {
		b.WriteString("\nconform mock received no request from the integrator's Veriff client during this step: is its Veriff base URL " + e.admin.base + "/v1?")
	}
	if stale {
		b.WriteString(e.clockNote(ctx))
	}
	return b.String(), violations
}

// explain adds to a failed step what the mock saw the integrator's Veriff
// client do meanwhile; when a request broke a rule, that is the fix.
func (e *Env) explain(ctx context.Context, f *harness.Failure, m mark) *harness.Failure {
	text, violations := e.clientReport(ctx, m)
	f.Actual += text
	if violations {
		f.Fix = "the integrator's Veriff client sent a request conform mock refused: fix it as the quoted rule says (conform mock --report FILE lists every request)"
	}
	return f
}

// clockNote explains a 1201 when the mock's virtual clock, not the client,
// is the cause: after the clock was advanced, a client stamping requests with
// the current wall time looks more than an hour late.
func (e *Env) clockNote(ctx context.Context) string {
	now, err := e.admin.Now(ctx)
	if err != nil {
		return ""
	}
	if ahead := now.Sub(time.Now()); ahead > 50*time.Minute {
		return fmt.Sprintf("\nnote: the mock's virtual clock is %s ahead of this machine's clock (it was advanced), so a client stamping requests with the current time is answered 1201. That is the environment, not your client: run the lifecycle checks against a freshly started conform mock (they advance its clock themselves)",
			ahead.Round(time.Minute))
	}
	return ""
}

func (e *Env) mockFailure(err error) *harness.Failure {
	return &harness.Failure{
		Expected: "conform mock answers its admin API at " + e.admin.base + mock.AdminPrefix,
		Actual:   err.Error(),
		Fix:      "start conform mock (docs/mock.md) with the integrator's listener as --decision-url and --event-url, and give its base URL with --mock",
	}
}

// VendorData returns a fresh vendorData for a test user: unique per run and
// user, within the document's 40 symbols.
func (e *Env) VendorData() string {
	return fmt.Sprintf("conform-%s-u%d", e.run, e.seq.Add(1))
}

// StartUser registers a test user through the hook, which starts its
// verification. It fails unless the hook answers with a valid view and the
// integrator created exactly one session in the mock.
func (e *Env) StartUser(ctx context.Context, first, last string) (*User, *harness.Failure) {
	m, f := e.mark(ctx)
	if f != nil {
		return nil, f
	}
	req := NewUser{FirstName: first, LastName: last, VendorData: e.VendorData()}
	c := e.hookDo(ctx, http.MethodPost, "/users", req)
	if st := c.ex.Status(); (st != http.StatusCreated && st != http.StatusOK) || c.err != "" {
		return nil, e.explain(ctx, e.hookFailure(c, "POST {hook}/users", "201"), m)
	}
	created, f := e.newSessions(ctx, m)
	if f != nil {
		return nil, f
	}
	if len(created) != 1 {
		actual := fmt.Sprintf("the hook answered %d, and the integrator created %d sessions in conform mock", c.ex.Status(), len(created))
		fix := "registering a user must start its verification: create one Veriff session (POST /v1/sessions) with the user's name and vendorData before answering"
		if len(created) > 1 {
			fix = "create one session per verification; a second session for the same user is a second verification (and a second bill)"
		}
		return nil, e.explain(ctx, &harness.Failure{
			Expected: "POST {hook}/users makes the integrator's Veriff client create exactly one session in conform mock",
			Actual:   actual,
			Fix:      fix,
			Exchange: c.ex,
		}, m)
	}
	return &User{ID: c.view.UserID, FirstName: first, LastName: last, VendorData: req.VendorData,
		Session: created[0], View: c.view, Registered: c.ex}, nil
}

// View reads what the integrator believes about u now.
func (e *Env) View(ctx context.Context, u *User) (View, *harness.Exchange, *harness.Failure) {
	c := e.hookDo(ctx, http.MethodGet, userPath(u.ID), nil)
	if c.ex.Status() != http.StatusOK || c.err != "" {
		return View{}, c.ex, e.hookFailure(c, "GET {hook}/users/{userId}", "200")
	}
	if c.view.UserID != u.ID {
		return View{}, c.ex, &harness.Failure{
			Expected: "GET {hook}/users/" + u.ID + " answers the view of that user",
			Actual:   "the view is of user " + c.view.UserID,
			Fix:      "answer the view of the user in the path",
			Exchange: c.ex,
		}
	}
	return c.view, c.ex, nil
}

// Resumed is what happened when the user came back and asked to verify.
type Resumed struct {
	View View
	// NewSessions are the sessions the integrator created meanwhile.
	NewSessions []mock.SessionView
	Exchange    *harness.Exchange
	// Report explains the Veriff requests the integrator made meanwhile.
	Report string
}

// Resume is the user coming back to the integrator's app and asking to
// verify (again): POST {hook}/users/{userId}/verification.
func (e *Env) Resume(ctx context.Context, u *User) (*Resumed, *harness.Failure) {
	m, f := e.mark(ctx)
	if f != nil {
		return nil, f
	}
	c := e.hookDo(ctx, http.MethodPost, userPath(u.ID)+"/verification", nil)
	if st := c.ex.Status(); (st != http.StatusOK && st != http.StatusCreated) || c.err != "" {
		return nil, e.explain(ctx, e.hookFailure(c, "POST {hook}/users/{userId}/verification", "200"), m)
	}
	created, f := e.newSessions(ctx, m)
	if f != nil {
		return nil, f
	}
	report, _ := e.clientReport(ctx, m)
	return &Resumed{View: c.view, NewSessions: created, Exchange: c.ex, Report: report}, nil
}

// maxPage bounds how much of a session page conform reads.
const maxPage = 64 << 10

// Open is the end user following a session URL in their browser. The page
// must answer 200; when opening starts an attempt, Open waits (bounded) until
// the mock has delivered its 7001 event, so no delivery is in flight when the
// next step runs.
func (e *Env) Open(ctx context.Context, sessionID, sessionURL string) *harness.Failure {
	before, err := e.admin.Session(ctx, sessionID)
	if err != nil {
		return e.mockFailure(err)
	}
	expectEvent := len(before.Attempts) > 0 && before.Attempts[len(before.Attempts)-1].State == mock.StateCreated
	prior, err := e.admin.Deliveries(ctx, sessionID)
	if err != nil {
		return e.mockFailure(err)
	}
	reqCtx, cancel := context.WithTimeout(ctx, e.admin.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, sessionURL, nil)
	if err != nil {
		return &harness.Failure{Expected: "a session URL a browser can open", Actual: err.Error(), Fix: "offer the verification.url Veriff answered"}
	}
	resp, err := e.admin.http.Do(req)
	if err != nil {
		return &harness.Failure{
			Expected: "the session URL " + sessionURL + " opens in the user's browser",
			Actual:   err.Error(),
			Fix:      "offer the user the verification.url the session was created with",
		}
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &harness.Failure{
			Expected: "the session URL offered to the user opens (200)",
			Actual:   fmt.Sprintf("GET %s answered %d: %s", sessionURL, resp.StatusCode, harness.Snippet(page, 200)),
			Fix:      "offer only a URL of a session that is still open",
		}
	}
	if !expectEvent {
		return nil
	}
	return e.settled(ctx, sessionID, len(prior)+1)
}

// settled waits until the mock holds at least n deliveries for the session
// and each has been attempted (or has no URL to go to).
func (e *Env) settled(ctx context.Context, sessionID string, n int) *harness.Failure {
	deadline := time.Now().Add(e.settle)
	for {
		ds, err := e.admin.Deliveries(ctx, sessionID)
		if err != nil {
			return e.mockFailure(err)
		}
		done := len(ds) >= n
		for _, d := range ds {
			if d.State == mock.DeliveryPending && len(d.Attempts) == 0 {
				done = false
			}
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return &harness.Failure{
				Expected: fmt.Sprintf("conform mock delivers session %s's webhooks within %s", sessionID, e.settle),
				Actual:   fmt.Sprintf("%d deliveries, some not yet attempted", len(ds)),
				Fix:      "the integrator's listener must answer webhooks promptly (the mock's delivery timeout is 10 s)",
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Submit is the end user finishing the flow: the session is submitted (7002).
func (e *Env) Submit(ctx context.Context, sessionID string) *harness.Failure {
	if _, err := e.admin.Event(ctx, sessionID, "submitted"); err != nil {
		return e.mockFailure(err)
	}
	return nil
}

// Decide makes the mock decide a session and returns the decision's
// delivery. It fails unless the integrator's listener answered it 200.
func (e *Env) Decide(ctx context.Context, sessionID string, d mock.Decision) (mock.DeliveryView, *harness.Failure) {
	if _, err := e.admin.Decide(ctx, sessionID, d); err != nil {
		return mock.DeliveryView{}, e.mockFailure(err)
	}
	return e.lastDecision(ctx, sessionID, "decision "+d.Status)
}

// lastDecision returns the newest decision delivery of a session and fails
// unless the integrator's listener acknowledged it.
func (e *Env) lastDecision(ctx context.Context, sessionID, what string) (mock.DeliveryView, *harness.Failure) {
	ds, err := e.admin.Deliveries(ctx, sessionID)
	if err != nil {
		return mock.DeliveryView{}, e.mockFailure(err)
	}
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		if d.Kind != "decision" {
			continue
		}
		return d, deliveredFailure(d, what)
	}
	return mock.DeliveryView{}, &harness.Failure{
		Expected: "conform mock sends the " + what + " webhook of session " + sessionID,
		Actual:   "the mock recorded no decision delivery for the session",
		Fix:      "this is unexpected; check the mock's log (conform trigger deliveries --subject " + sessionID + ")",
	}
}

// deliveredFailure fails a delivery the integrator's listener did not answer 200.
func deliveredFailure(d mock.DeliveryView, what string) *harness.Failure {
	switch d.State {
	case mock.DeliveryDelivered:
		return nil
	case mock.DeliveryNoURL:
		return &harness.Failure{
			Expected: "conform mock delivers the " + what + " webhook to the integrator's listener",
			Actual:   "the mock has no " + d.Kind + " URL: it recorded the webhook and sent it nowhere",
			Fix:      "start conform mock with --decision-url and --event-url set to the integrator's listener",
		}
	}
	answer := "no attempt yet"
	if n := len(d.Attempts); n > 0 {
		a := d.Attempts[n-1]
		answer = fmt.Sprintf("status %d", a.Status)
		if a.Error != "" {
			answer = a.Error
		}
		if a.Answer != "" {
			answer += ", answer: " + harness.Snippet([]byte(a.Answer), 160)
		}
	}
	return &harness.Failure{
		Expected: "the integrator's listener acknowledges the " + what + " webhook with 200",
		Actual:   fmt.Sprintf("delivery %s to %s is %s (%s)", d.ID, d.URL, d.State, answer),
		Fix:      "verify the webhook, apply it, and answer exactly 200 (Veriff retries any other answer); the listener checks (conform run without --labels lifecycle) say more",
	}
}

// Redeliver sends a delivery again, byte for byte, as a provider retry, and
// fails unless the listener acknowledged it.
func (e *Env) Redeliver(ctx context.Context, d mock.DeliveryView) *harness.Failure {
	got, err := e.admin.Redeliver(ctx, d.ID)
	if err != nil {
		return e.mockFailure(err)
	}
	if n := len(got.Attempts); n > 0 && got.Attempts[n-1].Status == http.StatusOK {
		return nil
	}
	got.State = "answered-non-200"
	return deliveredFailure(got, "repeated "+d.Label)
}

// Expire moves the mock's clock past the session's 7 days; the mock sends
// the 9104 decision (expired, or abandoned when the user started). It fails
// unless the integrator's listener acknowledged it.
func (e *Env) Expire(ctx context.Context, sessionID string) (mock.DeliveryView, *harness.Failure) {
	s, err := e.admin.Session(ctx, sessionID)
	if err != nil {
		return mock.DeliveryView{}, e.mockFailure(err)
	}
	expires, err := time.Parse(time.RFC3339Nano, s.ExpiresAt)
	if err != nil {
		return mock.DeliveryView{}, e.mockFailure(fmt.Errorf("session %s: expiresAt %q: %w", sessionID, s.ExpiresAt, err))
	}
	now, err := e.admin.Now(ctx)
	if err != nil {
		return mock.DeliveryView{}, e.mockFailure(err)
	}
	if by := expires.Sub(now); by > 0 {
		if _, err := e.admin.Advance(ctx, by); err != nil {
			return mock.DeliveryView{}, e.mockFailure(err)
		}
	}
	after, err := e.admin.Session(ctx, sessionID)
	if err != nil {
		return mock.DeliveryView{}, e.mockFailure(err)
	}
	if after.State != mock.StatusExpired && after.State != mock.StatusAbandoned {
		return mock.DeliveryView{}, &harness.Failure{
			Expected: "session " + sessionID + " is expired or abandoned 7 days after its creation",
			Actual:   "the mock says it is " + after.State,
			Fix:      "this is unexpected; check conform trigger session " + sessionID,
		}
	}
	return e.lastDecision(ctx, sessionID, "decision "+after.State+" 9104")
}

// Advance moves the mock's clock by d (a pause between two steps).
func (e *Env) Advance(ctx context.Context, d time.Duration) *harness.Failure {
	if _, err := e.admin.Advance(ctx, d); err != nil {
		return e.mockFailure(err)
	}
	return nil
}

// Session reads one session from the mock.
func (e *Env) Session(ctx context.Context, id string) (mock.SessionView, *harness.Failure) {
	s, err := e.admin.Session(ctx, id)
	if err != nil {
		return s, e.mockFailure(err)
	}
	return s, nil
}

// Deliveries lists a session's webhooks.
func (e *Env) Deliveries(ctx context.Context, sessionID string) ([]mock.DeliveryView, *harness.Failure) {
	ds, err := e.admin.Deliveries(ctx, sessionID)
	if err != nil {
		return nil, e.mockFailure(err)
	}
	return ds, nil
}

// Mark records the mock's sessions and client requests now, for checks that
// judge the requests a step made (Violations).
func (e *Env) Mark(ctx context.Context) (Mark, *harness.Failure) {
	m, f := e.mark(ctx)
	return Mark{m}, f
}

// Mark is an exported point in a scenario (see Env.Mark).
type Mark struct{ m mark }

// Violations lists the client requests since mk that broke a rule, one line
// each with the document's words; "" when there were none.
func (e *Env) Violations(ctx context.Context, mk Mark) (string, *harness.Failure) {
	rep, err := e.admin.Report(ctx)
	if err != nil {
		return "", e.mockFailure(err)
	}
	var lines []string
	for _, r := range rep.Requests {
		if r.Seq <= mk.m.seq {
			continue
		}
		for _, v := range r.Violations {
			lines = append(lines, fmt.Sprintf("#%d %s %s -> %d %s broke %s (%s, %q: %q): %s",
				r.Seq, r.Method, r.Path, r.Status, r.Code, v.ID, v.Document, v.Section, v.Quote, v.Detail))
		}
	}
	return strings.Join(lines, "\n"), nil
}
