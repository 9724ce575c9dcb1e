// Package mock is a stand-in for the identity-verification providers: it
// serves Veriff API v1 and Shufti Pro's status/delete calls from
// spec/openapi.yaml, in memory, on a virtual clock.
//
// Every client request is validated against the contract (kin-openapi), its
// signature is checked under the configured signing profile, and a broken rule
// is answered with the document's own error and recorded in a client contract
// report. Sessions live through the documented lifecycle — created, started,
// submitted, decided, expired or abandoned after 7 days — and each step sends
// the webhook the provider would send, signed, retried on a schedule for up to
// a week. Time is virtual (package clock): a week passes when the tester says
// so, in milliseconds.
//
// Routes served by Handler:
//
//	/v1/...          Veriff API v1 (the integrator's client)
//	/shuftipro/...   Shufti Pro status and delete (the integrator's client)
//	/v/{token}       Veriff session URL (the end user)
//	/s/{token}       Shufti Pro verification URL (the end user)
//	/_conform/...    admin API (the tester): clock, sessions, decisions, deliveries, report
package mock

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/conform-kit/conform"
	"github.com/conform-kit/conform/clock"
	"github.com/conform-kit/conform/contract"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/signing"
)

// Defaults for Config's zero values.
const (
	DefaultPublicURL     = "http://127.0.0.1:8089"
	DefaultMaxSessions   = 10000
	DefaultMaxMediaBytes = 5 << 20
	DefaultMaxBodyBytes  = 256 << 10
	// DefaultMediaBudgetFactor: all media together may take this many times
	// MaxMediaBytes before finished sessions' media are evicted.
	DefaultMediaBudgetFactor = 64
	DefaultDeliveryTimeout   = 10 * time.Second
	DefaultMaxAnswer         = 64 << 10

	// SessionLifetime is how long a Veriff session and its URL live: "A
	// session is valid for 7 days and expires automatically after that."
	SessionLifetime = 7 * 24 * time.Hour
	// ShuftiTimeout: "The onsite request will Time Out after 60 minutes."
	ShuftiTimeout = 60 * time.Minute
	// TimestampMaxAge: error 1201 "Timestamp must not be older than one hour."
	TimestampMaxAge = time.Hour
)

// Config configures a Mock. Only Secret (and APIKey for Veriff) is required.
type Config struct {
	// Profile is the Veriff signing profile: "veriff-x-signature" (the
	// document's scheme, default) or "veriff-hmac" (Veriff's current one).
	Profile string
	// ShuftiProfile is "shuftipro" (default) or "shuftipro-legacy".
	ShuftiProfile string
	// APIKey is Veriff's X-AUTH-CLIENT and Shufti Pro's client id (Basic
	// auth user name). Secret signs everything and is Shufti's Basic auth
	// password. Neither ever appears in output, reports or logs.
	APIKey string
	Secret string
	// DecisionURL and EventURL receive Veriff's webhooks. Empty means the
	// webhook is built and recorded but not sent.
	DecisionURL string
	EventURL    string
	// PublicURL is the mock's own base URL as clients reach it; session URLs,
	// media and timestamp URLs are built on it.
	PublicURL string
	// Clock is the virtual clock; nil means a new clock standing at the
	// current wall time.
	Clock *clock.Clock
	// MaxSessions bounds Veriff sessions and Shufti requests (each).
	MaxSessions int
	// MaxMediaBytes bounds one uploaded image, decoded.
	MaxMediaBytes int64
	// MaxMediaTotal bounds all stored media; 0 means
	// DefaultMediaBudgetFactor * MaxMediaBytes.
	MaxMediaTotal int64
	// MaxBodyBytes bounds request bodies other than media uploads.
	MaxBodyBytes int64
	// DeliveryTimeout bounds one webhook delivery; MaxAnswer caps how much
	// of a listener's answer is read.
	DeliveryTimeout time.Duration
	MaxAnswer       int64
	// Sink, when set, receives every client request record after it is
	// added to the report (for live logging).
	Sink func(RequestRecord)
	// Page, when set, serves the session URLs (/v/ and /s/) instead of the
	// built-in minimal page. It can use SessionByToken, Open and Decide.
	Page http.Handler
}

// Mock is the provider stand-in. Create it with New, serve Handler, and
// Close it when done.
type Mock struct {
	cfg      Config
	veriff   signing.Profile
	shufti   signing.Profile
	clock    *clock.Clock
	router   routers.Router
	contract *contract.Contract
	fixtures *harness.Fixtures
	client   *harness.Client
	tokenKey []byte
	public   string
	report   *Report
	handler  http.Handler
	// veriffSigKey is veriff.Header in its canonical form (the map key
	// http.Header.Set and Get use), computed once instead of per request.
	veriffSigKey string

	mu         sync.Mutex
	sessions   map[string]*session
	tokens     map[string]*session
	attempts   map[string]*attempt
	media      map[string]*media
	stamps     map[string]*media // timestamp id -> the media it stamps
	mediaBytes int64
	deliveries map[string]*delivery
	delivOrder []*delivery
	delivSeq   int64
	finishSeq  int64
	finished   finishedQueue // finished sessions, first finished first (session.go)
	shuftiReqs map[string]*shuftiRequest
	shuftiTok  map[string]*shuftiRequest

	kick      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New validates cfg and builds a mock. Errors name the setting to fix.
func New(cfg Config) (*Mock, error) {
	if cfg.Profile == "" {
		cfg.Profile = signing.VeriffXSignature.Name
	}
	if cfg.ShuftiProfile == "" {
		cfg.ShuftiProfile = signing.ShuftiPro.Name
	}
	vp, err := signing.Lookup(cfg.Profile)
	if err != nil || vp.Provider != "veriff" {
		return nil, fmt.Errorf("profile %q is not a Veriff signing profile (use veriff-x-signature or veriff-hmac)", cfg.Profile)
	}
	sp, err := signing.Lookup(cfg.ShuftiProfile)
	if err != nil || sp.Provider != "shuftipro" {
		return nil, fmt.Errorf("shufti profile %q is not a Shufti Pro signing profile (use shuftipro or shuftipro-legacy)", cfg.ShuftiProfile)
	}
	if cfg.Secret == "" {
		return nil, errors.New("no API secret: set CONFORM_API_SECRET (the mock signs responses and webhooks with it)")
	}
	if cfg.APIKey == "" {
		return nil, errors.New("no API key: set CONFORM_API_KEY (clients send it in X-AUTH-CLIENT)")
	}
	for name, u := range map[string]string{"decision URL": cfg.DecisionURL, "event URL": cfg.EventURL} {
		if u == "" {
			continue
		}
		if err := checkWebhookURL(u); err != nil {
			return nil, fmt.Errorf("%s %q: %w", name, u, err)
		}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = DefaultPublicURL
	}
	if pu, err := url.Parse(cfg.PublicURL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, fmt.Errorf("public URL %q must be an absolute http:// or https:// URL", cfg.PublicURL)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.New(time.Now().Truncate(time.Millisecond))
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxMediaBytes <= 0 {
		cfg.MaxMediaBytes = DefaultMaxMediaBytes
	}
	if cfg.MaxMediaTotal <= 0 {
		cfg.MaxMediaTotal = DefaultMediaBudgetFactor * cfg.MaxMediaBytes
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.DeliveryTimeout <= 0 {
		cfg.DeliveryTimeout = DefaultDeliveryTimeout
	}
	if cfg.MaxAnswer <= 0 {
		cfg.MaxAnswer = DefaultMaxAnswer
	}
	c, router, fx, err := loadShared()
	if err != nil {
		return nil, err
	}
	client, err := harness.NewClient(harness.ClientOptions{Timeout: cfg.DeliveryTimeout, MaxAnswer: cfg.MaxAnswer})
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	m := &Mock{
		cfg: cfg, veriff: vp, veriffSigKey: http.CanonicalHeaderKey(vp.Header), shufti: sp, clock: cfg.Clock, router: router, contract: c, fixtures: fx,
		client: client, tokenKey: key, public: strings.TrimRight(cfg.PublicURL, "/"),
		sessions: map[string]*session{}, tokens: map[string]*session{}, attempts: map[string]*attempt{},
		media: map[string]*media{}, stamps: map[string]*media{}, deliveries: map[string]*delivery{},
		shuftiReqs: map[string]*shuftiRequest{}, shuftiTok: map[string]*shuftiRequest{},
		kick: make(chan struct{}, 1), done: make(chan struct{}),
	}
	m.report = newReport(m.redact)
	m.handler = m.routes()
	m.wg.Add(1)
	go m.worker()
	return m, nil
}

var (
	sharedOnce     sync.Once
	sharedContract *contract.Contract
	sharedRouter   routers.Router
	sharedFixtures *harness.Fixtures
	sharedErr      error
)

// loadShared loads what every mock reads and never changes: the contract,
// its router (building one validates the whole document, ~0.1 s) and the
// fixtures.
func loadShared() (*contract.Contract, routers.Router, *harness.Fixtures, error) {
	sharedOnce.Do(func() {
		sharedContract, sharedErr = contract.Default()
		if sharedErr != nil {
			return
		}
		sharedRouter, sharedErr = legacy.NewRouter(sharedContract.OpenAPI())
		if sharedErr != nil {
			sharedErr = fmt.Errorf("mock: routing spec/openapi.yaml: %w", sharedErr)
			return
		}
		sharedFixtures, sharedErr = harness.LoadFixtures(conform.Files)
	})
	return sharedContract, sharedRouter, sharedFixtures, sharedErr
}

func checkWebhookURL(raw string) error {
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
	return nil
}

// Handler serves every route of the mock.
func (m *Mock) Handler() http.Handler { return m.handler }

// Clock is the mock's virtual clock.
func (m *Mock) Clock() *clock.Clock { return m.clock }

// Report is the client contract report collected so far.
func (m *Mock) Report() *Report { return m.report }

// ReportDoc is a snapshot of the report.
func (m *Mock) ReportDoc() ReportDoc { return m.report.Snapshot(m.clock.Now()) }

// Close stops the delivery worker and releases connections. Timers still
// pending stay pending; nothing more is delivered.
func (m *Mock) Close() {
	m.closeOnce.Do(func() {
		close(m.done)
		m.wg.Wait()
		m.client.Close()
	})
}

// worker delivers what became due because of a client request (a 7001
// event when media is uploaded, a 7002 on PATCH), off the request's
// goroutine, so a slow listener never slows the client's API calls.
func (m *Mock) worker() {
	defer m.wg.Done()
	for {
		select {
		case <-m.done:
			return
		case <-m.kick:
			_, _ = m.clock.Fire()
		}
	}
}

func (m *Mock) wake() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Flush runs, on the caller's goroutine, everything due at the current
// virtual time (pending deliveries), and returns when it is done.
func (m *Mock) Flush() error {
	_, err := m.clock.Fire()
	return err
}

// Advance moves the virtual clock forward, running every expiry, timeout and
// delivery (with its retries) due on the way. It returns how many scheduled
// actions ran.
func (m *Mock) Advance(d time.Duration) (int, error) {
	return m.clock.Advance(d)
}

// redact removes the API key and secret (and Shufti's hashed secret, which is
// key material) from text meant for people.
func (m *Mock) redact(s string) string {
	if m.cfg.Secret != "" {
		s = strings.ReplaceAll(s, m.cfg.Secret, "[redacted secret]")
		s = strings.ReplaceAll(s, hashedSecret(m.cfg.Secret), "[redacted]")
	}
	if m.cfg.APIKey != "" {
		s = strings.ReplaceAll(s, m.cfg.APIKey, "[redacted API key]")
	}
	return s
}

func (m *Mock) newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	// The same text as fmt.Sprintf("%x-%x-%x-%x-%x", ...), without fmt.
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (m *Mock) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/", m.serveVeriff)
	mux.HandleFunc("/shuftipro/", m.serveShufti)
	if m.cfg.Page != nil {
		mux.Handle("/v/", m.cfg.Page)
		mux.Handle("/s/", m.cfg.Page)
	} else {
		mux.HandleFunc("/v/{token}", m.serveVeriffPage) // GET shows, POST takes the choice (page.go)
		mux.HandleFunc("GET /s/{token}", m.serveShuftiPage)
	}
	m.adminRoutes(mux)
	mux.HandleFunc("/", m.serveUnknown)
	return mux
}

func (m *Mock) serveUnknown(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "{\"error\":%q}\n", "no such route: "+rules[RuleUnknownProviderPath].Quote)
}

// readBody reads at most limit bytes. A larger body is refused without
// reading it to the end, so a client streaming gigabytes costs nothing.
func readBody(r *http.Request, limit int64) ([]byte, bool, error) {
	if r.Body == nil {
		return nil, false, nil
	}
	if r.ContentLength > limit {
		return nil, true, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return nil, true, nil
	}
	return data, false, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
