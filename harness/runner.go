package harness

import (
	"context"
	"fmt"
	"runtime/debug"
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
	// baselineProbe caches the probe baselineFailed sends before the
	// baseline check itself has run.
	baselineProbe *bool
}

// NewRunner returns a runner for s.
func NewRunner(s *Session, strict bool) *Runner {
	return &Runner{Session: s, Strict: strict, byID: map[string]Outcome{}}
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
	down := r.downSince
	r.mu.Unlock()
	if down != "" {
		out.Status, out.BlockedBy = Blocked, down
		out.Message = fmt.Sprintf("%s not run: the listener stopped answering during %s; fix that first", in.ID, down)
		return r.record(out)
	}

	start, sent := time.Now(), s.Requests()
	fail := r.run(ctx, in)
	if fail != nil && fail.Exchange != nil && !fail.Exchange.Answered() || in.Check.Disruptive {
		probe := s.Alive(ctx)
		if !probe.Answered() {
			r.mu.Lock()
			r.downSince = in.ID
			r.mu.Unlock()
			if fail == nil {
				fail = &Failure{
					Expected: "the listener keeps answering after this check's requests",
					Actual:   "after the last request below, a liveness probe (GET " + probe.Request.URL + ") got " + DescribeOutcome(probe),
					Fix:      "the request below took the listener down: it must answer and keep serving, whatever a delivery contains",
					Exchange: s.LastExchange(),
				}
			} else {
				fail.Actual += "\nafterwards a liveness probe (GET " + probe.Request.URL + ") also got no answer: the listener is down"
			}
		}
	}
	out.Duration, out.Requests = time.Since(start), s.Requests()-sent

	if fail != nil {
		fail.ID, fail.Severity, fail.Rule, fail.Document = in.ID, in.Check.Severity, in.Rule, in.Provider.Document
		out.Message = fail.Format(s.Redact)
		switch {
		case in.Check.NeedsAcceptance && in.ID != BaselineID(in.Provider) && r.baselineFailed(ctx, in.Provider):
			out.Status, out.BlockedBy = Blocked, BaselineID(in.Provider)
			out.Message = fmt.Sprintf("%s not judged: %s failed — the listener rejects correctly signed deliveries, so this check cannot tell a wrong verdict from that root cause. Its own observation:\n%s",
				in.ID, out.BlockedBy, out.Message)
		case in.Check.Severity == SHOULD && !r.Strict:
			out.Status = Warned
		default:
			out.Status = Failed
		}
	}
	return r.record(out)
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

// baselineFailed reports whether the listener rejects a correctly signed
// baseline delivery. The baseline check's own outcome decides when it has
// run; before that (acceptance-dependent checks in earlier areas, or a label
// filter that leaves it out) one probe delivery decides, once per run.
func (r *Runner) baselineFailed(ctx context.Context, p *Provider) bool {
	r.mu.Lock()
	o, ran := r.byID[BaselineID(p)]
	probed := r.baselineProbe
	r.mu.Unlock()
	if ran {
		return o.Status == Failed || o.Status == Blocked
	}
	if probed == nil {
		d, err := r.Session.NewDelivery(p.Baseline)
		if err != nil {
			return false
		}
		ex := r.Session.Deliver(ctx, d)
		failed := !(ex.Status() >= 200 && ex.Status() < 300)
		probed = &failed
		r.mu.Lock()
		r.baselineProbe = probed
		r.mu.Unlock()
	}
	return *probed
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
