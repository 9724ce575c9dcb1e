// Package integrator is a small but real integrator app, the kind the
// lifecycle checks exist for: users, a Veriff client that creates sessions,
// a webhook listener that applies decisions, and the test hook of
// docs/lifecycle.md through which conform drives and reads it. Defective
// variants carry one real-world bug each, so conform's own tests can prove
// that each lifecycle check catches the bug it exists for (Defects).
//
// The app follows veriff-api-v1-docs.txt:
//
//   - it tracks the session id it got at creation ("The easiest way is to
//     track the session ID provided by Veriff during session creation") and
//     sends its own reference as vendorData;
//   - its listener is package listener's reference listener (API key,
//     signature over the raw body, then parse; exactly 200), so it passes the
//     listener suites too; the app applies each authenticated delivery;
//   - "Responses 9001, 9102, and 9104 are conclusive responses. The session is
//     closed": a conclusive decision is final, and a later or repeated
//     delivery changes nothing;
//   - "9103 … The same sessionURL can and should be used": after a
//     resubmission request the user is sent back to the same URL;
//   - after 9104 (expired or abandoned) a returning user gets a new session.
package integrator

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/conform-kit/conform/listener"
	"github.com/conform-kit/conform/signing"
)

// HookPath is where the app serves its test hook.
const HookPath = "/test-hook"

// DefaultCallback is where the app asks Veriff to send the user back to.
const DefaultCallback = "https://integrator.example/kyc/return"

// Config configures the app.
type Config struct {
	// VeriffURL is the Veriff API base URL, e.g. https://api.veriff.me/v1
	// or conform mock's http://127.0.0.1:8089/v1.
	VeriffURL string
	// Profile is the Veriff signing profile the app signs requests and
	// verifies webhooks and responses with.
	Profile        signing.Profile
	APIKey, Secret string
	// Callback is the verification.callback the app sends; default
	// DefaultCallback.
	Callback string
	// HookToken, when set, is the bearer token the test hook requires.
	HookToken string
	// Defect is "" for the reference app, else a name from Defects().
	Defect string
	// Now is the clock the app stamps Veriff requests with; default
	// time.Now. Real clients use wall time, and so does every caller in
	// this repository.
	Now func() time.Time
	// Timeout bounds one Veriff request; default 10s.
	Timeout time.Duration
}

// App is the integrator app.
type App struct {
	cfg      Config
	veriff   *veriffClient
	listener *listener.Listener
	mux      *http.ServeMux

	mu        sync.Mutex
	users     map[string]*user
	bySession map[string]*user
	byVendor  map[string]*user
	seen      map[[32]byte]bool // decision deliveries applied (a retry is a repeat)
	nextID    int
}

type user struct {
	id, first, last, vendorData string
	access                      string
	sessions                    []*session // the latest is current
	notifications               []string
}

func (u *user) current() *session {
	if len(u.sessions) == 0 {
		return nil
	}
	return u.sessions[len(u.sessions)-1]
}

// session is what the app remembers of one Veriff session.
type session struct {
	id, url    string
	status     string // "" until the first decision, then its status
	conclusive bool   // 9001, 9102, 9104: closed for good
	closed     bool   // expired or abandoned: the user needs a new session
	lastAt     time.Time
}

// New builds the app.
func New(cfg Config) (*App, error) {
	p, err := signing.Lookup(cfg.Profile.Name)
	if err != nil || p.Provider != "veriff" {
		return nil, fmt.Errorf("integrator: profile %q is not a Veriff signing profile", cfg.Profile.Name)
	}
	cfg.Profile = p
	if cfg.APIKey == "" || cfg.Secret == "" {
		return nil, errors.New("integrator: the API key and secret are required")
	}
	if !strings.HasPrefix(cfg.VeriffURL, "http://") && !strings.HasPrefix(cfg.VeriffURL, "https://") {
		return nil, fmt.Errorf("integrator: Veriff URL %q must be an http(s) URL", cfg.VeriffURL)
	}
	if cfg.Defect != "" {
		if _, ok := lookupDefect(cfg.Defect); !ok {
			return nil, fmt.Errorf("integrator: unknown defect %q (see Defects)", cfg.Defect)
		}
	}
	if cfg.Callback == "" {
		cfg.Callback = DefaultCallback
	}
	if cfg.Defect == HTTPCallback {
		cfg.Callback = strings.Replace(cfg.Callback, "https://", "http://", 1)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	a := &App{
		cfg: cfg, users: map[string]*user{}, bySession: map[string]*user{}, byVendor: map[string]*user{},
		seen: map[[32]byte]bool{},
	}
	a.veriff = newVeriffClient(cfg)
	lcfg := listener.Config{Profile: p, APIKey: cfg.APIKey, Secret: cfg.Secret, Reject: a.apply}
	if cfg.Defect == TrustsForgedWebhooks {
		lcfg.Defect = listener.NoSignatureCheck
	}
	a.listener, err = listener.New(lcfg)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/veriff/", a.listener.Handler())
	mux.HandleFunc("POST "+HookPath+"/users", a.hooked(a.register))
	mux.HandleFunc("POST "+HookPath+"/users/{id}/verification", a.hooked(a.verify))
	mux.HandleFunc("GET "+HookPath+"/users/{id}", a.hooked(a.read))
	a.mux = mux
	return a, nil
}

// Handler serves the listener (/veriff/decision, /veriff/events) and the
// test hook (HookPath).
func (a *App) Handler() http.Handler { return a.mux }

// Close releases the Veriff client's connections.
func (a *App) Close() { a.veriff.http.CloseIdleConnections() }

// ---- test hook ----

type hookFunc func(r *http.Request) (int, any)

// hooked checks the hook's bearer token and writes JSON answers.
func (a *App) hooked(h hookFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, v := http.StatusUnauthorized, any(map[string]string{"error": "test hook: bearer token missing or wrong"})
		if a.cfg.HookToken == "" || tokenMatches(r.Header.Get("Authorization"), a.cfg.HookToken) {
			status, v = h(r)
		}
		body, _ := json.Marshal(v)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(append(body, '\n'))
	}
}

func tokenMatches(header, token string) bool {
	got := sha256.Sum256([]byte(strings.TrimPrefix(header, "Bearer ")))
	want := sha256.Sum256([]byte(token))
	return strings.HasPrefix(header, "Bearer ") && subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

func hookError(status int, format string, args ...any) (int, any) {
	return status, map[string]string{"error": fmt.Sprintf(format, args...)}
}

// register is POST {hook}/users: a new user signs up and starts verifying.
func (a *App) register(r *http.Request) (int, any) {
	var req struct {
		FirstName  string `json:"firstName"`
		LastName   string `json:"lastName"`
		VendorData string `json:"vendorData"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || json.Unmarshal(data, &req) != nil {
		return hookError(http.StatusBadRequest, "body must be JSON {firstName, lastName, vendorData}")
	}
	if req.VendorData == "" {
		return hookError(http.StatusBadRequest, "vendorData is required")
	}
	a.mu.Lock()
	a.nextID++
	u := &user{id: fmt.Sprintf("user-%d", a.nextID), first: req.FirstName, last: req.LastName, vendorData: req.VendorData, access: "pending"}
	a.users[u.id] = u
	a.byVendor[u.vendorData] = u
	a.mu.Unlock()
	if err := a.startSession(r.Context(), u); err != nil {
		return hookError(http.StatusBadGateway, "user %s registered, but starting the verification failed: %v", u.id, err)
	}
	return http.StatusCreated, a.view(u)
}

// verify is POST {hook}/users/{id}/verification: the user comes back and
// asks to verify. The app sends them to the session they can continue, or
// creates a new one when theirs is over.
func (a *App) verify(r *http.Request) (int, any) {
	a.mu.Lock()
	u, ok := a.users[r.PathValue("id")]
	if !ok {
		a.mu.Unlock()
		return hookError(http.StatusNotFound, "no user %q", r.PathValue("id"))
	}
	need := a.needsNewSession(u)
	a.mu.Unlock()
	if need {
		if err := a.startSession(r.Context(), u); err != nil {
			return hookError(http.StatusBadGateway, "starting a new verification failed: %v", err)
		}
	}
	return http.StatusOK, a.view(u)
}

// needsNewSession decides whether a returning user gets a new session.
// Called with a.mu held.
func (a *App) needsNewSession(u *user) bool {
	if u.access != "pending" {
		return false // decided: nothing more to verify
	}
	cur := u.current()
	switch {
	case cur == nil || cur.closed:
		return true
	case a.cfg.Defect == NewSessionOnResubmission && cur.status == statusResubmission:
		return true
	case a.cfg.Defect == NewSessionOnReturn && cur.status != statusResubmission:
		return true
	}
	return false
}

func (a *App) read(r *http.Request) (int, any) {
	a.mu.Lock()
	u, ok := a.users[r.PathValue("id")]
	a.mu.Unlock()
	if !ok {
		return hookError(http.StatusNotFound, "no user %q", r.PathValue("id"))
	}
	return http.StatusOK, a.view(u)
}

// view is the hook's View of a user (lifecycle.View).
func (a *App) view(u *user) any {
	a.mu.Lock()
	defer a.mu.Unlock()
	v := struct {
		UserID        string   `json:"userId"`
		VendorData    string   `json:"vendorData"`
		Access        string   `json:"access"`
		SessionID     string   `json:"sessionId"`
		SessionURL    string   `json:"sessionUrl"`
		Notifications []string `json:"notifications"`
	}{UserID: u.id, VendorData: u.vendorData, Access: u.access, Notifications: append([]string{}, u.notifications...)}
	if cur := u.current(); cur != nil {
		if a.cfg.Defect != ForgetsSession {
			v.SessionID = cur.id
		}
		if u.access == "pending" && !cur.closed {
			v.SessionURL = cur.url
		}
	}
	return v
}

// startSession creates a Veriff session for u and makes it current.
func (a *App) startSession(ctx context.Context, u *user) error {
	a.mu.Lock()
	first, last, vd := u.first, u.last, u.vendorData
	a.mu.Unlock()
	id, url, err := a.veriff.createSession(ctx, first, last, vd)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	u.sessions = append(u.sessions, &session{id: id, url: url})
	if a.cfg.Defect != ForgetsSession {
		a.bySession[id] = u
	}
	return nil
}

// ---- webhooks ----

const (
	statusApproved     = "approved"
	statusDeclined     = "declined"
	statusResubmission = "resubmission_requested"
	statusExpired      = "expired"
	statusAbandoned    = "abandoned"
)

// apply is called by the listener for every authenticated, parsed delivery
// (listener.Config.Reject); it never refuses one, so the listener answers
// 200 as Veriff requires.
func (a *App) apply(kind string, obj map[string]any) string {
	if kind != listener.KindDecision {
		return "" // events (7001, 7002) inform; they decide nothing
	}
	v, _ := obj["verification"].(map[string]any)
	if v == nil {
		return ""
	}
	id, status := str(v["id"]), str(v["status"])
	code := num(v["code"])
	at, _ := time.Parse(time.RFC3339Nano, str(v["decisionTime"]))
	canon, _ := json.Marshal(obj) // sorted keys: the same delivery hashes the same
	sum := sha256.Sum256(canon)

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen[sum] && a.cfg.Defect != NotifiesEveryDelivery {
		return "" // a provider retry of a delivery already applied
	}
	a.seen[sum] = true
	u, s := a.find(id, str(v["vendorData"]))
	if s == nil {
		return "" // not ours (or long gone): acknowledge, nothing to do
	}
	if a.cfg.Defect != LastWebhookWins {
		if s.conclusive {
			return "" // "conclusive responses. The session is closed"
		}
		if !at.IsZero() && at.Before(s.lastAt) {
			return "" // older than the decision already applied
		}
	}
	if at.After(s.lastAt) {
		s.lastAt = at
	}
	current := s == u.current()
	switch {
	case code == 9001:
		s.status, s.conclusive = statusApproved, true
		if current && a.cfg.Defect != ApprovalNotGranted {
			u.access = "granted"
		}
		u.notify(statusApproved)
	case code == 9102:
		s.status, s.conclusive = statusDeclined, true
		if current {
			u.access = "denied"
			if a.cfg.Defect == GrantsOnDeclined {
				u.access = "granted" // "The verification process is complete." read as success
			}
		}
		u.notify(statusDeclined)
	case code == 9103:
		s.status = statusResubmission
		if current {
			u.access = "pending" // matters only to last-webhook-wins: the reference never gets here once decided
		}
		u.notify(statusResubmission)
	case code == 9104:
		if a.cfg.Defect == ReusesExpiredSession || a.cfg.Defect == IgnoresAbandoned && status == statusAbandoned {
			return ""
		}
		s.status, s.conclusive, s.closed = status, true, true
	default:
		// 9121 review, 9151/9161 intermediate: being processed; nothing
		// changes for the user yet.
		s.status = status
	}
	return ""
}

// find returns the user and session a decision is about: by session id,
// as the document recommends, or (forgets-session) by vendorData only.
func (a *App) find(sessionID, vendorData string) (*user, *session) {
	if a.cfg.Defect == ForgetsSession {
		u := a.byVendor[vendorData]
		if u == nil {
			return nil, nil
		}
		return u, u.current()
	}
	u := a.bySession[sessionID]
	if u == nil {
		return nil, nil
	}
	for _, s := range u.sessions {
		if s.id == sessionID {
			return u, s
		}
	}
	return nil, nil
}

func (u *user) notify(status string) { u.notifications = append(u.notifications, status) }

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	case float64:
		return int(n)
	}
	return 0
}
