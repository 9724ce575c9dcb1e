package harness

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Status is the outcome of one check.
type Status string

// Outcomes. Blocked means the check could not judge because an earlier,
// named check found the root cause (the listener went down, or it rejects
// every correctly signed delivery): the verdict points at that check instead
// of repeating its failure under unrelated labels. A blocked check still
// makes the run non-conformant.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Warned  Status = "warned" // a SHOULD check failed without --strict
	Blocked Status = "blocked"
)

// Outcome is the recorded result of one check.
type Outcome struct {
	ID        string        `json:"id"`
	Title     string        `json:"title"`
	Provider  string        `json:"provider"`
	Area      string        `json:"area"`
	Severity  Severity      `json:"severity"`
	Labels    []string      `json:"labels"`
	Status    Status        `json:"status"`
	BlockedBy string        `json:"blocked_by,omitempty"`
	Message   string        `json:"message,omitempty"`
	Requests  int64         `json:"requests"`
	Duration  time.Duration `json:"duration_ns"`
}

// Runner executes checks against one session and remembers their outcomes.
type Runner struct {
	Session *Session
	Strict  bool

	mu        sync.Mutex
	outcomes  []Outcome
	byID      map[string]Outcome
	downSince string
	downWhy   string
	// timeouts counts consecutive checks whose deliveries timed out while
	// the listener still answered a liveness probe.
	timeouts     int
	firstTimeout string
	// baselineProbe caches, per delivery kind, the probe baselineFailed
	// sends before the baseline check itself has run.
	baselineProbe map[string]bool
}

// NewRunner returns a runner for s.
func NewRunner(s *Session, strict bool) *Runner {
	return &Runner{Session: s, Strict: strict, byID: map[string]Outcome{}, baselineProbe: map[string]bool{}}
}

// BaselineID is the check every acceptance-dependent check of a provider
// relies on.
func BaselineID(p *Provider) string { return p.Name + "/signature/valid-accepted" }

// Execute runs one check and records its outcome.
func (r *Runner) Execute(ctx context.Context, in Instance) Outcome {
	s := r.Session
	out := Outcome{
		ID: in.ID, Title: in.Check.Title, Provider: in.Provider.Name, Area: in.Check.Area,
		Severity: in.Check.Severity, Labels: in.Labels, Status: Passed,
	}
	r.mu.Lock()
	down, why := r.downSince, r.downWhy
	r.mu.Unlock()
	if down != "" {
		out.Status, out.BlockedBy = Blocked, down
		out.Message = fmt.Sprintf("%s not run: %s during %s; fix that first", in.ID, why, down)
		return r.record(out)
	}

	start, sent := time.Now(), s.Requests()
	s.ResetTouched()
	fail := r.run(ctx, in)
	killed := r.judgeLiveness(ctx, in, &fail)
	out.Duration, out.Requests = time.Since(start), s.Requests()-sent

	if fail == nil {
		if in.Check.Rejects {
			for _, kind := range in.Provider.KindNames() {
				if !s.Touched(kind) {
					continue
				}
				if failed, id := r.baselineFailed(ctx, in.Provider, kind); failed && id != in.ID {
					out.Status, out.BlockedBy = Blocked, id
					out.Message = fmt.Sprintf("%s not judged: the listener refused what this check sends, but it also refuses a correctly signed %s delivery (%s failed), so the refusal proves nothing. Fix %s first.",
						in.ID, kind, id, id)
					break
				}
			}
		}
		return r.record(out)
	}

	fail.ID, fail.Severity, fail.Rule, fail.Document = in.ID, in.Check.Severity, in.Rule, in.Provider.Document
	out.Message = fail.Format(s.Redact) + r.headerNote()
	switch {
	case killed:
		// Taking the listener down is never a matter of style, whatever the
		// severity of the check that happened to do it.
		out.Status = Failed
	case in.Check.NeedsAcceptance:
		// The provider's primary baseline first: a listener that verifies
		// signatures wrongly refuses every kind, and the verdict belongs to
		// the signature check, not to whichever endpoint's check noticed.
		kinds := []string{in.Provider.KindNames()[0], s.KindOf(fail.Exchange)}
		blocked := false
		for _, kind := range kinds {
			if failed, id := r.baselineFailed(ctx, in.Provider, kind); failed && id != in.ID {
				out.Status, out.BlockedBy, blocked = Blocked, id, true
				out.Message = fmt.Sprintf("%s not judged: %s failed — the listener refuses correctly signed %s deliveries, so this check cannot tell a wrong verdict from that root cause. Its own observation:\n%s",
					in.ID, id, kind, out.Message)
				break
			}
		}
		if blocked {
			break
		}
		fallthrough
	default:
		out.Status = Failed
		if in.Check.Severity == SHOULD && !r.Strict {
			out.Status = Warned
		}
	}
	return r.record(out)
}

// judgeLiveness probes the listener after disruptive checks and after
// transport errors, and decides whether it is down. It reports whether this
// check's requests took it down; fail is completed accordingly.
func (r *Runner) judgeLiveness(ctx context.Context, in Instance, fail **Failure) bool {
	s := r.Session
	f := *fail
	noAnswer := f != nil && f.Exchange != nil && !f.Exchange.Answered()
	if !noAnswer {
		r.mu.Lock()
		r.timeouts = 0
		r.mu.Unlock()
	}
	if !noAnswer && !in.Check.Disruptive {
		return false
	}
	if in.Check.Disruptive {
		// A process that dies while writing its last answer, or just after,
		// still looks alive to an immediate probe.
		sleep(ctx, s.Grace)
	}
	probe := s.Alive(ctx)
	if probe.Answered() {
		if noAnswer && f.Exchange.ErrKind == ErrTimeout {
			// Alive to a GET but not answering deliveries (a handler stuck
			// on a lock, a full worker pool): after two checks in a row,
			// stop spending a timeout on every remaining check.
			r.mu.Lock()
			r.timeouts++
			if r.timeouts == 1 {
				r.firstTimeout = in.ID
			}
			if r.timeouts >= 2 {
				r.downSince, r.downWhy = r.firstTimeout, "the listener stopped answering deliveries (they time out, though it still answers a GET)"
			}
			r.mu.Unlock()
		}
		return false
	}
	r.mu.Lock()
	r.downSince, r.downWhy = in.ID, "the listener stopped answering"
	r.mu.Unlock()
	if f == nil {
		*fail = &Failure{
			Expected: "the listener keeps answering after this check's requests",
			Actual:   "after the request below, a liveness probe (GET " + probe.Request.URL + ") got " + DescribeOutcome(probe),
			Fix:      "the request below took the listener down: it must answer and keep serving, whatever a delivery contains",
			Exchange: s.LastExchange(),
		}
		return true
	}
	f.Actual += "\nafterwards a liveness probe (GET " + probe.Request.URL + ") also got no answer: the listener is down"
	return true
}

// headerNote tells the reader that a reproduction lacks the -H headers the
// run added (they may be credentials, so their values are never printed).
func (r *Runner) headerNote() string {
	names := r.Session.Client.HeaderNames()
	if len(names) == 0 {
		return ""
	}
	return "  note:      the reproduction omits the headers given with -H (" + strings.Join(names, ", ") + "); add them to repeat it through the same gateway\n"
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// run calls the check, turning a panic into a failure that says it is
// conform's own bug: a crash of the harness must never read as a verdict
// about the listener, nor end the run.
func (r *Runner) run(ctx context.Context, in Instance) (fail *Failure) {
	defer func() {
		if p := recover(); p != nil {
			fail = &Failure{
				Expected: "the check to complete",
				Actual:   fmt.Sprintf("conform itself failed (a bug in conform, not in your listener; please report it): %v\n%s", p, debug.Stack()),
			}
		}
	}()
	return in.Check.Run(ctx, r.Session)
}

// baselineFailed reports whether the listener refuses the correctly signed
// baseline delivery of kind, and names the check that judges it. That
// check's own outcome decides once it has run; before that (or when a label
// filter leaves it out) one probe delivery per kind decides, once per run.
func (r *Runner) baselineFailed(ctx context.Context, p *Provider, kind string) (bool, string) {
	id := p.BaselineCheckID(kind)
	r.mu.Lock()
	o, ran := r.byID[id]
	probed, done := r.baselineProbe[kind]
	r.mu.Unlock()
	if ran {
		return o.Status == Failed || o.Status == Blocked, id
	}
	if !done {
		d, err := r.Session.NewDelivery(p.Kinds[kind].Baseline)
		if err != nil {
			return false, id
		}
		ex := r.Session.Deliver(ctx, d)
		probed = !(ex.Status() >= 200 && ex.Status() < 300)
		r.mu.Lock()
		r.baselineProbe[kind] = probed
		r.mu.Unlock()
	}
	return probed, id
}

func (r *Runner) record(o Outcome) Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes = append(r.outcomes, o)
	r.byID[o.ID] = o
	return o
}

// Outcomes returns every recorded outcome in execution order.
func (r *Runner) Outcomes() []Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Outcome(nil), r.outcomes...)
}

// Conformant reports whether the run passes: no check failed or blocked.
func (r *Runner) Conformant() bool {
	for _, o := range r.Outcomes() {
		if o.Status == Failed || o.Status == Blocked {
			return false
		}
	}
	return true
}
