// Package listener provides webhook listeners that conform's own tests and
// `conform demo` run the conformance suites against: a reference listener that
// does exactly what the provider documents require, defective listeners that
// each carry one bug real integrations have, and hostile listeners (hang,
// reset, slow, huge, redirect, down) for the delivery client's robustness.
//
// The reference listener follows veriff-api-v1-docs.txt, "Handling security":
// compare X-AUTH-CLIENT to the API key, verify the signature over the request
// body "before it is parsed", and "only now" parse the JSON. It answers exactly
// 200, because Veriff retries "any non-200 response code … for up to a week"
// ("Configuring the webhook endpoint"). Shufti Pro callbacks carry only the
// Signature header ("Response Signature").
package listener

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conform-kit/conform/signing"
)

// Paths the listeners serve. The harness appends them to Server.URL.
const (
	VeriffDecisionPath = "/veriff/decision"
	VeriffEventPath    = "/veriff/events"
	ShuftiCallbackPath = "/shuftipro/callback"
)

// Delivery kinds, as recorded in Delivery.Kind.
const (
	KindDecision = "decision"
	KindEvent    = "event"
	KindCallback = "callback"
)

const (
	// DefaultMaxBody caps a webhook body. The largest documented payload (a
	// Shufti Pro callback with AML hits) is tens of kilobytes; 5 MiB leaves
	// room for providers growing their payloads without reading unbounded input.
	DefaultMaxBody = 5 << 20
	// DefaultSlowDelay is how long the "slow" defect waits before answering.
	DefaultSlowDelay = 3 * time.Second
)

// Config describes one listener.
type Config struct {
	// Profile decides the provider, the signature header and the formula.
	Profile signing.Profile
	// APIKey is the expected X-AUTH-CLIENT value (Veriff only).
	APIKey string
	// Secret is the shared signing secret.
	Secret string
	// Defect is "" for the reference listener, else a name from Defects().
	Defect string
	// Log receives one line per request; optional. The secret, the API key
	// and header values are never written to it.
	Log io.Writer
	// SlowDelay is the "slow" defect's delay; 0 means DefaultSlowDelay.
	SlowDelay time.Duration
	// MaxBody caps the request body; 0 means DefaultMaxBody.
	MaxBody int64
	// LateDelay is how long the dies-after-invalid-json defect lives on
	// after answering; 0 means 150ms.
	LateDelay time.Duration
	// Reject, if set, refuses an authenticated, parsed delivery with 400 when
	// it returns a non-empty reason. Tests use it to build listeners that
	// refuse exactly one kind of payload, proving that the check accepting
	// that payload fails on them.
	Reject func(kind string, obj map[string]any) string
}

// Delivery is one webhook the listener accepted and recorded.
type Delivery struct {
	Kind   string // KindDecision, KindEvent or KindCallback
	ID     string // Veriff session id, Shufti Pro reference
	Status string // Veriff decision status (verification.status)
	Code   int    // Veriff decision or event code; 0 when absent
	Action string // Veriff event action
	Event  string // Shufti Pro event
	// BodySHA256 is the hex SHA-256 of the raw body, part of the idempotency key.
	BodySHA256 string
	Time       time.Time
}

// Listener is a webhook listener: the reference one or one defective variant.
type Listener struct {
	cfg     Config
	profile signing.Profile
	// other is the provider's other profile, used only by the wrong-formula defect.
	other   signing.Profile
	defect  string
	maxBody int64
	delay   time.Duration

	mu         sync.Mutex
	seen       map[string]bool
	sessions   map[string]*session
	deliveries []Delivery

	logMu sync.Mutex

	// stop is closed when the listener stops (simulated exit or Server.Close);
	// it releases requests waiting in the slow defect.
	stop     chan struct{}
	stopOnce sync.Once
	lateOnce sync.Once // dies-after-invalid-json arms its exit timer once
	lateMu   sync.Mutex
	late     *time.Timer
	// dead is set once the listener "exited": every later request is dropped.
	dead atomic.Bool
	// onExit is how a simulated process exit reaches the Server (set by Start).
	onExit func()
}

// session is what the listener remembers about one Veriff session or Shufti
// Pro reference, for the out-of-order defect.
type session struct {
	decided      bool
	lastDecision time.Time
	final        string // Shufti Pro final event seen (verification.accepted/declined)
}

// New checks cfg and builds a listener.
func New(cfg Config) (*Listener, error) {
	// Re-resolve the profile by name: a Profile built outside the signing
	// package has no digest function and must not reach Verify.
	p, err := signing.Lookup(cfg.Profile.Name)
	if err != nil {
		return nil, fmt.Errorf("listener: %w", err)
	}
	if cfg.Profile.Header != "" && cfg.Profile.Header != p.Header {
		return nil, fmt.Errorf("listener: profile %s does not use header %s", p.Name, cfg.Profile.Header)
	}
	if cfg.Secret == "" {
		return nil, errors.New("listener: the signing secret is empty")
	}
	if p.Provider == providerVeriff && cfg.APIKey == "" {
		return nil, errors.New("listener: Veriff listeners need the API key to check X-AUTH-CLIENT")
	}
	if cfg.Defect != "" {
		if _, err := lookupDefect(cfg.Defect, p.Provider); err != nil {
			return nil, fmt.Errorf("listener: %w", err)
		}
	}
	if cfg.SlowDelay < 0 || cfg.MaxBody < 0 {
		return nil, errors.New("listener: SlowDelay and MaxBody must not be negative")
	}
	l := &Listener{
		cfg:      cfg,
		profile:  p,
		defect:   cfg.Defect,
		maxBody:  cfg.MaxBody,
		delay:    cfg.SlowDelay,
		seen:     map[string]bool{},
		sessions: map[string]*session{},
		stop:     make(chan struct{}),
	}
	if l.maxBody == 0 {
		l.maxBody = DefaultMaxBody
	}
	if l.delay == 0 {
		l.delay = DefaultSlowDelay
	}
	for _, o := range signing.ForProvider(p.Provider) {
		if o.Name != p.Name {
			l.other = o
		}
	}
	if l.defect == WrongFormula && l.other.Name == "" {
		return nil, fmt.Errorf("listener: provider %s has no second signing profile", p.Provider)
	}
	return l, nil
}

// Profile returns the signing profile the listener verifies with.
func (l *Listener) Profile() signing.Profile { return l.profile }

// Defect returns the listener's defect name, "" for the reference listener.
func (l *Listener) Defect() string { return l.defect }

// Handler returns the listener's routes: Veriff POST /veriff/decision and
// POST /veriff/events, Shufti Pro POST /shuftipro/callback.
func (l *Listener) Handler() http.Handler {
	mux := http.NewServeMux()
	if l.profile.Provider == providerVeriff {
		mux.Handle(VeriffDecisionPath, l.route(KindDecision))
		if l.defect != EventsRejected {
			mux.Handle(VeriffEventPath, l.route(KindEvent))
		}
	} else {
		mux.Handle(ShuftiCallbackPath, l.route(KindCallback))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.dead.Load() {
			panic(http.ErrAbortHandler)
		}
		l.logf("%s %s -> 404 (no such webhook path)", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, failBody("Not Found."))
	}))
	return mux
}

// Deliveries returns the webhooks accepted so far, in arrival order; a
// duplicate delivery is recorded once.
func (l *Listener) Deliveries() []Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Delivery(nil), l.deliveries...)
}

func (l *Listener) lateDelay() time.Duration {
	if l.cfg.LateDelay > 0 {
		return l.cfg.LateDelay
	}
	return 150 * time.Millisecond
}

// Exited reports whether the listener simulated a process exit.
func (l *Listener) Exited() bool { return l.dead.Load() }

// after is what happens once a reply is decided.
type after int

const (
	afterNothing  after = iota
	afterExit           // answer, then "exit" (exits-after-first-webhook)
	afterCrash          // "exit" without answering (crash-on-invalid-json)
	afterLateExit       // answer, then "exit" a moment later (dies-after-invalid-json)
)

// reply is the listener's decision about one request.
type reply struct {
	code   int
	reason string // for the log and the fail body; never holds a secret
	then   after
}

func (l *Listener) route(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.dead.Load() {
			// A process that exited answers nothing.
			panic(http.ErrAbortHandler)
		}
		// dies-after-invalid-json dies once it has been idle for LateDelay:
		// each request pushes its death back, so it survives a busy run and
		// dies in the first pause, like a crash in a background job.
		l.lateMu.Lock()
		if l.late != nil {
			l.late.Reset(l.lateDelay())
		}
		l.lateMu.Unlock()
		rep := l.decide(w, r, kind)
		if l.defect == Slow {
			select {
			case <-time.After(l.delay):
			case <-r.Context().Done():
				panic(http.ErrAbortHandler) // the client left
			case <-l.stop:
				panic(http.ErrAbortHandler) // the "process" is gone: no answer
			}
		}
		l.logf("%s %s -> %s", r.Method, r.URL.Path, describe(rep))
		if rep.then == afterCrash {
			l.exit()
			panic(http.ErrAbortHandler)
		}
		if rep.code == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost)
		}
		if rep.then == afterExit {
			w.Header().Set("Connection", "close")
		}
		if rep.code < 300 {
			writeJSON(w, rep.code, `{"status":"success"}`)
		} else {
			writeJSON(w, rep.code, failBody(rep.reason))
		}
		if rep.then == afterExit {
			// Push the answer out before the "process" goes away, as Node
			// would have written it before process.exit().
			_ = http.NewResponseController(w).Flush()
			l.exit()
		}
		if rep.then == afterLateExit {
			l.lateOnce.Do(func() {
				l.lateMu.Lock()
				l.late = time.AfterFunc(l.lateDelay(), l.exit)
				l.lateMu.Unlock()
			})
		}
	})
}

// decide runs the checks in the order the documents require and returns the
// answer. Each defect changes exactly one step.
func (l *Listener) decide(w http.ResponseWriter, r *http.Request, kind string) reply {
	d := l.defect
	if d == AcceptEverything {
		body, err := l.readBody(w, r)
		if err == nil {
			if obj, perr := parseObject(body); perr == nil {
				l.accept(kind, body, obj)
			}
		}
		return reply{code: http.StatusOK, reason: "accepted without any check"}
	}
	if r.Method != http.MethodPost {
		if d == WrongMethodAccepted {
			return reply{code: http.StatusOK, reason: "non-POST accepted"}
		}
		return reply{code: http.StatusMethodNotAllowed, reason: "Only POST is allowed."}
	}
	if d != AcceptsAnyContentType && !isJSONContentType(r.Header.Get("Content-Type")) {
		return reply{code: http.StatusUnsupportedMediaType, reason: "Content-Type must be application/json."}
	}
	// The raw bytes, before anything parses them: the signature covers them.
	body, err := l.readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return reply{code: http.StatusRequestEntityTooLarge, reason: fmt.Sprintf("Body exceeds %d bytes.", l.maxBody)}
		}
		return reply{code: http.StatusBadRequest, reason: "Could not read the body."}
	}
	if d == ParseBeforeVerify {
		if _, perr := parseObject(body); perr != nil {
			return reply{code: http.StatusBadRequest, reason: perr.Error()}
		}
	}
	unverified := d == EventsUnverified && kind == KindEvent ||
		d == UnauthenticatedPing && r.Header.Get("X-AUTH-CLIENT") == "" && r.Header.Get(l.profile.Header) == ""
	if unverified {
		obj, perr := parseObject(body)
		if perr != nil {
			return reply{code: http.StatusBadRequest, reason: perr.Error()}
		}
		l.accept(kind, body, obj)
		return reply{code: http.StatusOK, reason: "accepted without verification"}
	}
	if l.profile.Provider == providerVeriff && d != NoAPIKeyCheck && !l.apiKeyMatches(r.Header.Get("X-AUTH-CLIENT")) {
		return reply{code: http.StatusUnauthorized, reason: "Not Authorized: X-AUTH-CLIENT does not match the API key."}
	}
	if d != NoSignatureCheck {
		// Only the profile's own header counts: a listener configured for
		// X-HMAC-SIGNATURE ignores an X-SIGNATURE header and vice versa.
		sig := r.Header.Get(l.profile.Header)
		switch {
		case sig == "" && d == MissingSignature500:
			return reply{code: http.StatusInternalServerError, reason: "TypeError: Cannot read properties of undefined (reading 'toLowerCase')"}
		case sig == "" && d == MissingSignatureAccepted:
			// The defect: "verify if present".
		case sig == "":
			return reply{code: http.StatusUnauthorized, reason: "Not Authorized: " + l.profile.Header + " header missing."}
		case !l.verify(body, sig):
			return reply{code: http.StatusUnauthorized, reason: "Not Authorized: " + l.profile.Header + " does not match the body."}
		}
	}
	obj, perr := parseObject(body)
	if perr != nil {
		if errors.Is(perr, errInvalidJSON) {
			switch d {
			case CrashOnInvalidJSON:
				return reply{reason: "crashed on invalid JSON", then: afterCrash}
			case ServerErrorOnInvalidJSON:
				return reply{code: http.StatusInternalServerError, reason: "Internal Server Error."}
			case DiesAfterInvalidJSON:
				return reply{code: http.StatusBadRequest, reason: perr.Error(), then: afterLateExit}
			}
		}
		return reply{code: http.StatusBadRequest, reason: perr.Error()}
	}
	if l.cfg.Reject != nil {
		if rej := l.cfg.Reject(kind, obj); rej != "" {
			return reply{code: http.StatusBadRequest, reason: rej}
		}
	}
	if d == UnknownFieldsRejected && kind == KindDecision {
		if err := strictDecision(body); err != nil {
			return reply{code: http.StatusBadRequest, reason: err.Error()}
		}
	}
	if rej := l.rejectByContent(kind, obj); rej != "" {
		return reply{code: http.StatusBadRequest, reason: rej}
	}
	switch l.accept(kind, body, obj) {
	case acceptedDuplicate:
		if d == DuplicateRejected {
			return reply{code: http.StatusConflict, reason: "Duplicate delivery."}
		}
	case rejectedOutOfOrder:
		return reply{code: http.StatusConflict, reason: "Delivery out of order."}
	}
	rep := reply{code: http.StatusOK, reason: "accepted"}
	if d == Non200Success {
		rep.code = http.StatusAccepted
	}
	if d == ExitsAfterFirstWebhook {
		rep.then = afterExit
	}
	return rep
}

// rejectByContent applies the defects that refuse payload values the
// reference listener accepts; it returns "" to accept.
func (l *Listener) rejectByContent(kind string, obj map[string]any) string {
	p := extract(kind, obj)
	switch {
	case l.defect == UnknownStatusRejected && kind == KindDecision:
		if !knownDecisionStatus[p.status] || !knownDecisionCode[p.code] {
			return fmt.Sprintf("Unknown decision status %q / code %d.", p.status, p.code)
		}
	case l.defect == ExpiredRejected && kind == KindDecision:
		if p.code == 9104 || p.status == "expired" || p.status == "abandoned" {
			return "Expired or abandoned session."
		}
	case l.defect == UnknownEventRejected && kind == KindCallback:
		if !shuftiFinalEvent[p.event] {
			return fmt.Sprintf("Unknown event %q.", p.event)
		}
	}
	return ""
}

// The 2019 document's value sets ("/webhooks /decision (POST)", properties
// status and code), which the unknown-status-rejected defect treats as closed.
var (
	knownDecisionStatus = map[string]bool{"approved": true, "declined": true, "resubmission_requested": true, "expired": true, "abandoned": true}
	knownDecisionCode   = map[int]bool{9001: true, 9102: true, 9103: true, 9104: true, 9151: true}
	shuftiFinalEvent    = map[string]bool{"verification.accepted": true, "verification.declined": true}
)

func (l *Listener) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, l.maxBody))
}

// apiKeyMatches compares in constant time. Hashing first makes the
// comparison independent of the key's length too.
func (l *Listener) apiKeyMatches(got string) bool {
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256([]byte(l.cfg.APIKey))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// verify checks sig over body the way the listener (or its defect) does.
func (l *Listener) verify(body []byte, sig string) bool {
	secret := l.cfg.Secret
	switch l.defect {
	case ReserializedBody:
		if re, err := signing.JSONStringify(body); err == nil {
			body = re
		}
		return l.profile.Verify(secret, body, sig)
	case TrimsBody:
		return l.profile.Verify(secret, bytes.TrimSpace(body), sig)
	case NormalizesCRLF:
		return l.profile.Verify(secret, bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), sig)
	case ReserializedGo:
		var v any
		if err := json.Unmarshal(body, &v); err == nil {
			if re, err := json.Marshal(v); err == nil {
				body = re
			}
		}
		return l.profile.Verify(secret, body, sig)
	case PrefixCompare:
		got := strings.ToLower(sig)
		return got != "" && strings.HasPrefix(l.profile.Sign(secret, body), got)
	case SecretPrepended:
		h := sha256.New()
		h.Write([]byte(secret))
		h.Write(body)
		dec, err := hex.DecodeString(sig)
		return err == nil && subtle.ConstantTimeCompare(dec, h.Sum(nil)) == 1
	case WrongFormula:
		return l.other.Verify(secret, body, sig)
	}
	return l.profile.Verify(secret, body, sig)
}

// acceptance is what recording a delivery found.
type acceptance int

const (
	acceptedNew acceptance = iota
	acceptedDuplicate
	rejectedOutOfOrder
)

// accept records a delivery unless it was seen before. The idempotency key
// is kind + id + status/code/action or event + the body's hash: providers
// retry with the same body, and a retry must be acknowledged, not redone.
// Only the out-of-order defect refuses anything here.
func (l *Listener) accept(kind string, body []byte, obj map[string]any) acceptance {
	p := extract(kind, obj)
	sum := sha256.Sum256(body)
	d := Delivery{Kind: kind, ID: p.id, Status: p.status, Code: p.code, Action: p.action, Event: p.event,
		BodySHA256: hex.EncodeToString(sum[:]), Time: time.Now()}
	key := strings.Join([]string{d.Kind, d.ID, d.Status, strconv.Itoa(d.Code), d.Action, d.Event, d.BodySHA256}, "\x00")

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[key] {
		return acceptedDuplicate
	}
	s := l.sessions[p.id]
	if s == nil {
		s = &session{}
	}
	if l.defect == OutOfOrderRejected && p.id != "" && outOfOrder(s, kind, p) {
		return rejectedOutOfOrder
	}
	l.seen[key] = true
	l.deliveries = append(l.deliveries, d)
	switch {
	case kind == KindDecision:
		s.decided = true
		if p.decisionTime.After(s.lastDecision) {
			s.lastDecision = p.decisionTime
		}
	case kind == KindCallback && shuftiFinalEvent[p.event]:
		s.final = p.event
	}
	if p.id != "" {
		l.sessions[p.id] = s
	}
	return acceptedNew
}

// outOfOrder is the out-of-order defect's (wrong) idea of a stale delivery.
func outOfOrder(s *session, kind string, p fields) bool {
	switch kind {
	case KindEvent:
		return s.decided
	case KindDecision:
		return !p.decisionTime.IsZero() && p.decisionTime.Before(s.lastDecision)
	case KindCallback:
		return s.final != "" && p.event != s.final
	}
	return false
}

// exit simulates the process going away: every later request is dropped and
// the Server (if any) closes its listener and connections.
func (l *Listener) exit() {
	l.dead.Store(true)
	l.shutdown()
	if l.onExit != nil {
		l.onExit()
	}
}

// shutdown releases waiting requests; Server.Close calls it.
func (l *Listener) shutdown() { l.stopOnce.Do(func() { close(l.stop) }) }

func (l *Listener) logf(format string, args ...any) {
	if l.cfg.Log == nil {
		return
	}
	l.logMu.Lock()
	defer l.logMu.Unlock()
	name := "reference"
	if l.defect != "" {
		name = l.defect
	}
	fmt.Fprintf(l.cfg.Log, "listener[%s/%s]: %s\n", l.profile.Name, name, fmt.Sprintf(format, args...))
}

func describe(r reply) string {
	if r.then == afterCrash {
		return "no answer (" + r.reason + ")"
	}
	return fmt.Sprintf("%d (%s)", r.code, r.reason)
}

// isJSONContentType accepts application/json with any parameters (charset).
func isJSONContentType(v string) bool {
	mt, _, err := mime.ParseMediaType(v)
	return err == nil && mt == "application/json"
}

// failBody is Veriff's documented error shape ("Response and error codes":
// 401 { "status": "fail", "message": "Not Authorized." }).
func failBody(msg string) string {
	b, _ := json.Marshal(struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}{"fail", msg})
	return string(b)
}

func writeJSON(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}
