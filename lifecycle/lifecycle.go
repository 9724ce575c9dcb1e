// Package lifecycle drives end-to-end checks of an integrator's whole KYC
// loop: its Veriff client creates a session, the end user verifies, a
// decision webhook arrives, and the integrator's system grants access, asks
// for a resubmission on the same URL, or starts a new session after 7 days.
//
// conform sees the integrator through two doors:
//
//   - the integrator's test hook (docs/lifecycle.md): a small HTTP contract,
//     exposed in test builds only, to register a test user (which starts its
//     verification through the integrator's own Veriff client), to let the
//     user come back and ask to verify, and to read what the integrator's
//     system now believes about the user;
//   - conform mock (package mock), which the integrator's Veriff client talks
//     to instead of Veriff: conform sets the world through its admin API
//     (the user opens the URL, a decision is made, a week passes) the way Pact
//     sets provider states, then asks the hook what the integrator concluded.
//
// Env holds both clients and the scenario steps the checks in
// suites/lifecycle.go are built from. Every step returns a *harness.Failure
// when it cannot be taken, written for the integrator (what conform expected,
// what came back, what to fix, and the mock's client contract report for the
// requests the step caused), so a check never passes because a step was
// silently skipped.
package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conform-kit/conform/harness"
)

// Capability is the name of the capability lifecycle checks need
// (harness.Check.Needs) and the key of the Env in harness.Config.Ext.
const Capability = "lifecycle"

// Defaults for Config's zero values.
const (
	// DefaultTimeout bounds one request to the hook or to the admin API.
	DefaultTimeout = 10 * time.Second
	// DefaultAdvanceTimeout bounds an admin call that moves the clock: the
	// mock delivers every webhook due on the way (with their retries) before
	// it answers.
	DefaultAdvanceTimeout = 2 * time.Minute
	// DefaultSettle bounds waiting for the mock to finish a delivery it
	// started on its own (the 7001 event after the user opens the URL).
	DefaultSettle = 5 * time.Second
)

// Config says where the integrator's test hook and conform mock are.
type Config struct {
	// HookURL is the base URL of the integrator's test hook, e.g.
	// http://127.0.0.1:8080/conform-hook; the operations are under it.
	HookURL string
	// HookToken, when set, is sent as "Authorization: Bearer <token>" to the
	// hook (never printed).
	HookToken string
	// MockURL is the base URL of conform mock (its admin API is under
	// /_conform/). The integrator's Veriff client must use MockURL + "/v1"
	// as its Veriff base URL, and the mock's decision and event URLs must be
	// the integrator's listener.
	MockURL string
	// Timeout bounds one hook or admin request; AdvanceTimeout one admin
	// call that moves the clock; Settle waiting for a delivery the mock makes
	// on its own.
	Timeout        time.Duration
	AdvanceTimeout time.Duration
	Settle         time.Duration
}

// Env is the lifecycle environment of one run: the hook and mock clients and
// the scenario steps. Checks run one at a time (harness.Session), and so do
// Env's steps.
type Env struct {
	hookURL string
	hook    *harness.Client
	admin   *Admin
	settle  time.Duration
	// run makes vendorData unique across runs against the same integrator;
	// seq across users of one run.
	run string
	seq atomic.Int64
}

// New validates cfg. Errors name the setting to fix.
func New(cfg Config) (*Env, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.AdvanceTimeout == 0 {
		cfg.AdvanceTimeout = DefaultAdvanceTimeout
	}
	if cfg.Settle == 0 {
		cfg.Settle = DefaultSettle
	}
	if cfg.Timeout < 0 || cfg.AdvanceTimeout < 0 || cfg.Settle < 0 {
		return nil, errors.New("lifecycle: timeouts must be positive")
	}
	if err := checkBase(cfg.HookURL); err != nil {
		return nil, fmt.Errorf("--test-hook %q: %w", cfg.HookURL, err)
	}
	if err := checkBase(cfg.MockURL); err != nil {
		return nil, fmt.Errorf("--mock %q: %w", cfg.MockURL, err)
	}
	if strings.ContainsAny(cfg.HookToken, "\r\n\x00") {
		return nil, errors.New("the test hook token contains a line break or NUL; it cannot be sent in a header")
	}
	opts := harness.ClientOptions{Timeout: cfg.Timeout, MaxAnswer: 1 << 20}
	if cfg.HookToken != "" {
		// Client headers are added when sending and never enter a recorded
		// request, so the token appears in no report or reproduction.
		opts.Header = http.Header{"Authorization": {"Bearer " + cfg.HookToken}}
	}
	hook, err := harness.NewClient(opts)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &Env{
		hookURL: strings.TrimRight(cfg.HookURL, "/"),
		hook:    hook,
		admin:   NewAdmin(cfg.MockURL, cfg.Timeout, cfg.AdvanceTimeout),
		settle:  cfg.Settle,
		run:     hex.EncodeToString(b),
	}, nil
}

// Admin is the client of the mock's admin API.
func (e *Env) Admin() *Admin { return e.admin }

// HookURL is the hook's base URL.
func (e *Env) HookURL() string { return e.hookURL }

// Close releases idle connections.
func (e *Env) Close() {
	e.hook.Close()
	e.admin.Close()
}

// Probe checks that both doors answer: the mock's admin API and the hook
// (any HTTP answer to a read of an unknown user counts). It is what
// `conform run` calls before starting, to exit 3 when either is unreachable.
func (e *Env) Probe(ctx context.Context) error {
	if _, err := e.admin.Clock(ctx); err != nil {
		return fmt.Errorf("conform mock at %s: %w", e.admin.base, err)
	}
	ex := e.hook.Do(ctx, &harness.Request{Method: http.MethodGet, URL: e.hookURL + "/users/conform-probe", Header: http.Header{}})
	if !ex.Answered() {
		return fmt.Errorf("test hook at %s: %s", e.hookURL, harness.DescribeOutcome(ex))
	}
	return nil
}

func checkBase(raw string) error {
	if raw == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must be an http:// or https:// URL")
	}
	if u.Host == "" {
		return errors.New("has no host")
	}
	if u.User != nil {
		return errors.New("must not carry credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must be a base URL without query or fragment")
	}
	return nil
}

// FromSession returns the Env a session carries (harness.Config.Ext).
func FromSession(s *harness.Session) (*Env, bool) {
	e, ok := s.Ext[Capability].(*Env)
	return e, ok
}
