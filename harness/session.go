package harness

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conform-kit/conform/harness/jsontree"
	"github.com/conform-kit/conform/signing"
)

// Config is what a run needs to know about the listener under test.
type Config struct {
	Provider string
	Profile  string // "" = the provider's default profile
	// Target is a base URL; each endpoint defaults to Target + its Path.
	Target string
	// URLs override single endpoints ("decision", "event", "callback").
	URLs   map[string]string
	APIKey string
	Secret string
	// Budget is how fast a listener must answer a delivery.
	Budget time.Duration
	Client ClientOptions
	// Seed makes generated ids reproducible.
	Seed int64
	// Grace is how long the runner waits after a disruptive check before
	// probing liveness, and (five times over) before the final check.
	// Zero means DefaultGrace.
	Grace time.Duration
	// Assets is the repository-rooted file system holding golden/fixtures.
	Assets fs.FS
	// Ext carries what checks with Check.Needs use (for "lifecycle": the
	// environment of the lifecycle package), keyed by capability name.
	Ext map[string]any
}

// DefaultGrace lets a listener that dies just after answering be seen dead.
const DefaultGrace = 50 * time.Millisecond

// MinCredentialLength is the shortest API key or secret conform accepts:
// output is redacted by replacing every occurrence of them, and a short
// value ("s") would occur everywhere and wreck every message. Real keys and
// secrets are UUID-sized.
const MinCredentialLength = 8

// Session is one run against one listener: the target, the client and the
// payload builders every check uses. Checks run one at a time.
type Session struct {
	Provider *Provider
	Profile  signing.Profile
	URLs     map[string]string
	Budget   time.Duration
	Grace    time.Duration
	Client   *Client
	Fixtures *Fixtures
	// Ext is Config.Ext: capabilities beyond a listener, by name.
	Ext map[string]any

	apiKey, secret string
	rngMu          sync.Mutex
	rng            *rand.Rand
	requests       atomic.Int64
	last           atomic.Pointer[Exchange]

	touchedMu sync.Mutex
	touched   map[string]bool // delivery kinds sent to since ResetTouched
}

// NewSession validates cfg. Every error it returns is a configuration error
// (exit 2) and names the flag or variable to fix.
func NewSession(cfg Config) (*Session, error) {
	p, err := LookupProvider(cfg.Provider)
	if err != nil {
		return nil, fmt.Errorf("--provider: %w", err)
	}
	prof, err := p.Profile(cfg.Profile)
	if err != nil {
		return nil, fmt.Errorf("--profile: %w", err)
	}
	if cfg.Secret == "" {
		return nil, errors.New("no API secret: set CONFORM_API_SECRET (the shared secret your listener verifies signatures with)")
	}
	if p.APIKeyHeader != "" && cfg.APIKey == "" {
		return nil, fmt.Errorf("no API key: set CONFORM_API_KEY (%s sends it in %s)", p.Title, p.APIKeyHeader)
	}
	if err := checkCredential("API secret (CONFORM_API_SECRET)", cfg.Secret); err != nil && cfg.Secret != "" {
		return nil, err
	}
	if err := checkCredential("API key (CONFORM_API_KEY)", cfg.APIKey); err != nil && cfg.APIKey != "" {
		return nil, err
	}
	if cfg.Grace < 0 {
		return nil, errors.New("grace must not be negative")
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Budget <= 0 {
		return nil, errors.New("--budget must be positive")
	}
	urls := map[string]string{}
	for _, ep := range p.Endpoints {
		u, flag := cfg.URLs[ep.Name], "--"+ep.Flag
		if u == "" {
			if cfg.Target == "" {
				return nil, fmt.Errorf("no URL for the %s endpoint: give --target or --%s", ep.Name, ep.Flag)
			}
			if err := checkURL(cfg.Target); err != nil {
				return nil, fmt.Errorf("--target %q: %w", withoutPassword(cfg.Target), err)
			}
			u, flag = strings.TrimRight(cfg.Target, "/")+ep.Path, "--target"
		}
		if err := checkURL(u); err != nil {
			return nil, fmt.Errorf("%s %q: %w", flag, withoutPassword(u), err)
		}
		urls[ep.Name] = u
	}
	for name := range cfg.URLs {
		if _, ok := urls[name]; !ok && cfg.URLs[name] != "" {
			return nil, fmt.Errorf("%s has no %s endpoint", p.Title, name)
		}
	}
	client, err := NewClient(cfg.Client)
	if err != nil {
		return nil, err
	}
	if cfg.Assets == nil {
		return nil, errors.New("no fixtures file system")
	}
	fx, err := LoadFixtures(cfg.Assets)
	if err != nil {
		return nil, err
	}
	if _, err := fx.Get(p.Baseline); err != nil {
		return nil, err
	}
	return &Session{
		Provider: p, Profile: prof, URLs: urls, Budget: cfg.Budget, Grace: cfg.Grace, Client: client, Fixtures: fx, Ext: cfg.Ext,
		apiKey: cfg.APIKey, secret: cfg.Secret,
		rng: rand.New(rand.NewSource(cfg.Seed)), //nolint:gosec // ids need to be reproducible, not secret
	}, nil
}

// checkCredential refuses values that cannot travel in a header or cannot
// be redacted reliably. The value itself never enters the message.
func checkCredential(what, v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return fmt.Errorf("the %s contains a line break or NUL (a CRLF .env file?); it cannot be sent in a header", what)
	}
	if strings.TrimSpace(v) != v {
		return fmt.Errorf("the %s starts or ends with white space; remove it (a provider never sends it)", what)
	}
	if len(v) < MinCredentialLength {
		return fmt.Errorf("the %s is shorter than %d characters: too short to redact reliably from conform's output; real ones are longer", what, MinCredentialLength)
	}
	return nil
}

// withoutPassword hides the user:password part of a URL in messages.
func withoutPassword(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = nil
		return strings.Replace(u.String(), "://", "://[redacted]@", 1)
	}
	return raw
}

func checkURL(raw string) error {
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
		return errors.New("must not carry credentials; use -H for a gateway's auth header")
	}
	return nil
}

// Provides reports whether the session offers a capability (Check.Needs).
func (s *Session) Provides(capability string) bool {
	if capability == "" {
		return true
	}
	_, ok := s.Ext[capability]
	return ok
}

// Requests is how many requests the session has sent.
func (s *Session) Requests() int64 { return s.requests.Load() }

// Send delivers one request.
func (s *Session) Send(ctx context.Context, r *Request) *Exchange {
	s.requests.Add(1)
	ex := s.redactAnswer(s.Client.Do(ctx, r))
	s.last.Store(ex)
	s.touchedMu.Lock()
	if s.touched == nil {
		s.touched = map[string]bool{}
	}
	s.touched[s.KindOf(ex)] = true
	s.touchedMu.Unlock()
	return ex
}

// ResetTouched starts recording which endpoints (delivery kinds) requests
// go to; Touched reads the record. The runner uses it to judge a check
// against the baselines of the endpoints it actually exercised.
func (s *Session) ResetTouched() {
	s.touchedMu.Lock()
	s.touched = map[string]bool{}
	s.touchedMu.Unlock()
}

// Touched reports whether a request went to kind's endpoint since ResetTouched.
func (s *Session) Touched(kind string) bool {
	s.touchedMu.Lock()
	defer s.touchedMu.Unlock()
	return s.touched[kind]
}

// redactAnswer removes credentials a listener echoes (a debug page, an
// error dump) from its answer as soon as it arrives, before any check cuts
// it into a snippet. Verdicts depend on statuses, never on answer bodies.
func (s *Session) redactAnswer(ex *Exchange) *Exchange {
	if ex.Response != nil && len(ex.Response.Body) > 0 {
		ex.Response.Body = []byte(s.Redact(string(ex.Response.Body)))
	}
	return ex
}

// LastExchange is the most recent delivery sent (liveness probes excluded):
// when a listener dies after a check passed, it is the request to blame.
func (s *Session) LastExchange() *Exchange { return s.last.Load() }

// Redact removes the API key and secret from text meant for people, with
// the forms they may take in a body: JSON-escaped, and hex(sha256(secret)),
// which is Shufti Pro's key material and the signature of an empty body
// under the sha256(payload || secret) profiles. In a reproducing curl the API
// key header becomes a shell variable reference.
func (s *Session) Redact(text string) string {
	if s.apiKey != "" && s.Provider.APIKeyHeader != "" {
		canon := http.CanonicalHeaderKey(s.Provider.APIKeyHeader)
		text = strings.ReplaceAll(text, shellQuote(canon+": "+s.apiKey), `"`+canon+": "+APIKeyPlaceholder+`"`)
		text = replaceForms(text, s.apiKey, "[redacted API key]")
	}
	if s.secret != "" {
		text = replaceForms(text, s.secret, "[redacted secret]")
		sum := sha256.Sum256([]byte(s.secret))
		h := hex.EncodeToString(sum[:])
		text = strings.ReplaceAll(text, h, "[redacted: sha256 of the secret]")
		text = strings.ReplaceAll(text, strings.ToUpper(h), "[redacted: sha256 of the secret]")
	}
	return text
}

// replaceForms replaces v as written and as JSON would escape it.
func replaceForms(text, v, with string) string {
	text = strings.ReplaceAll(text, v, with)
	if b, err := json.Marshal(v); err == nil {
		if esc := string(b[1 : len(b)-1]); esc != v {
			text = strings.ReplaceAll(text, esc, with)
		}
	}
	return text
}

// KindOf tells which delivery kind an exchange was sent as, from its URL;
// the first kind when it cannot tell.
func (s *Session) KindOf(ex *Exchange) string {
	kinds := s.Provider.KindNames()
	if ex != nil && ex.Request != nil {
		for _, k := range kinds {
			if s.URL(k) == ex.Request.URL {
				return k
			}
		}
	}
	return kinds[0]
}

// Baseline is a fresh, correctly built delivery of kind's baseline fixture.
func (s *Session) Baseline(kind string) (*Delivery, error) {
	return s.NewDelivery(s.Provider.Kinds[kind].Baseline)
}

// Delivery is one payload the provider would send for one session.
type Delivery struct {
	Kind      string
	Fixture   *Fixture
	Doc       *jsontree.Node
	SessionID string
}

// NewDelivery builds a delivery from a fixture for a fresh session.
func (s *Session) NewDelivery(fixtureID string) (*Delivery, error) {
	return s.delivery(fixtureID, "")
}

// Follow builds another delivery for the same session as d (an event after
// its decision, a second decision after resubmission).
func (s *Session) Follow(d *Delivery, fixtureID string) (*Delivery, error) {
	return s.delivery(fixtureID, d.SessionID)
}

func (s *Session) delivery(fixtureID, sessionID string) (*Delivery, error) {
	f, err := s.Fixtures.Get(fixtureID)
	if err != nil {
		return nil, err
	}
	if f.Provider != s.Provider.Name {
		return nil, fmt.Errorf("fixture %s is not a %s payload", f.ID, s.Provider.Title)
	}
	kind := s.Provider.Kinds[f.Kind]
	if sessionID == "" {
		sessionID = s.newID(kind.IDFormat)
	}
	doc := f.Doc()
	if err := doc.Set(jsontree.Str(sessionID), kind.IDPath...); err != nil {
		return nil, fmt.Errorf("fixture %s: %w", f.ID, err)
	}
	if kind.AttemptPath != nil {
		if err := doc.Set(jsontree.Str(s.newID("uuid")), kind.AttemptPath...); err != nil {
			return nil, fmt.Errorf("fixture %s: %w", f.ID, err)
		}
	}
	now := time.Now().UTC()
	for i, p := range kind.TimePaths {
		// Earlier paths are earlier moments (acceptance before decision).
		t := now.Add(time.Duration(i-len(kind.TimePaths)+1) * 5 * time.Minute)
		if doc.Get(p...) != nil {
			if err := doc.Set(jsontree.Str(t.Format("2006-01-02T15:04:05.000Z")), p...); err != nil {
				return nil, err
			}
		}
	}
	return &Delivery{Kind: f.Kind, Fixture: f, Doc: doc, SessionID: sessionID}, nil
}

// SetTime sets a timestamp field of the delivery.
func (d *Delivery) SetTime(t time.Time, path ...string) error {
	return d.Doc.Set(jsontree.Str(t.UTC().Format("2006-01-02T15:04:05.000Z")), path...)
}

// WireForm is how conform spells every delivery unless a check varies it:
// compact, keys sorted. Any spelling is as valid as another for a listener
// that hashes raw bytes; sorted keys make the raw-body checks vary exactly
// one thing each, and let a listener that re-serializes through a sorted map
// (Go's json.Marshal) pass the baseline and fail precisely those checks.
var WireForm = jsontree.Options{SortKeys: true}

// Body is the delivery in WireForm.
func (d *Delivery) Body() []byte { return d.Doc.Encode(WireForm) }

func (s *Session) newID(format string) string {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	var b [16]byte
	s.rng.Read(b[:])
	if format == "reference" {
		return fmt.Sprintf("conform-%x", b[:8])
	}
	b[6] = (b[6] & 0x0f) | 0x40 // version 4
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// URL returns the listener URL a delivery kind is posted to.
func (s *Session) URL(kind string) string { return s.URLs[s.Provider.Kinds[kind].Endpoint] }

// Signed builds the request the provider sends for body: POST to the kind's
// endpoint, JSON content type, the API key header if the provider has one,
// and the profile's signature over exactly these bytes.
func (s *Session) Signed(kind string, body []byte) *Request {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if s.Provider.APIKeyHeader != "" {
		h.Set(s.Provider.APIKeyHeader, s.apiKey)
	}
	h.Set(s.Profile.Header, s.Profile.Sign(s.secret, body))
	return &Request{Method: http.MethodPost, URL: s.URL(kind), Header: h, Body: body}
}

// SignWith returns the signature of body under another profile or secret, for
// checks that send wrong signatures. An empty secret means the real one.
func (s *Session) SignWith(p signing.Profile, secret string, body []byte) string {
	if secret == "" {
		secret = s.secret
	}
	return p.Sign(secret, body)
}

// Deliver sends d as the provider would.
func (s *Session) Deliver(ctx context.Context, d *Delivery) *Exchange {
	return s.Send(ctx, s.Signed(d.Kind, d.Body()))
}

// Alive probes whether the listener still answers HTTP at all: any status
// counts. It is sent after disruptive checks and after transport errors.
func (s *Session) Alive(ctx context.Context) *Exchange {
	var first string
	for _, ep := range s.Provider.Endpoints {
		first = s.URLs[ep.Name]
		break
	}
	return s.redactAnswer(s.Client.Do(ctx, &Request{Method: http.MethodGet, URL: first, Header: http.Header{}}))
}
