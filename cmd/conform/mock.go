package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/conform-kit/conform/mock"
)

func init() { register(newMockCmd) }

// Server timeouts: a client that trickles its headers or body (slowloris)
// is cut off instead of holding a connection forever. The write timeout is
// long because an admin "advance" delivers every webhook due on the way
// before it answers.
// They are variables so tests can shorten them.
var (
	mockReadHeaderTimeout = 5 * time.Second
	mockReadTimeout       = 30 * time.Second
	mockWriteTimeout      = 10 * time.Minute
	mockIdleTimeout       = 60 * time.Second
	mockShutdownTimeout   = 5 * time.Second
)

const mockMaxHeaderBytes = 64 << 10

// mockStarted is called once the mock listens, with its base URL and a
// function that stops it as SIGINT would. Tests replace it to drive the
// command in-process.
var mockStarted = func(baseURL string, stop func()) {}

type mockFlags struct {
	secret          secretFlags
	addr            string
	allowRemote     bool
	profile         string
	shuftiProfile   string
	decisionURL     string
	eventURL        string
	publicURL       string
	report          string
	failOnViolation bool
	maxSessions     int
	maxMediaBytes   int64
	quiet           bool
}

func newMockCmd(s *streams) *cobra.Command {
	f := &mockFlags{}
	cmd := &cobra.Command{
		Use:   "mock",
		Short: "Run a mock Veriff / Shufti Pro provider for testing your client, on a virtual clock",
		Long: `Mock serves Veriff API v1 and Shufti Pro's status/delete calls from the contract,
in memory. Every request your client makes is validated (schema, headers,
signature) and answered with the document's own errors; sessions go through
the documented lifecycle and the mock delivers signed webhooks to your
listener, retrying non-200 answers for up to a week of virtual time.

Time is virtual: move it with "conform trigger advance 168h" and a week
passes in milliseconds (sessions expire or are abandoned, retries run).

On exit (and on SIGINT/SIGTERM) the client contract report — every request
and each rule it broke, with the document's words — is printed as a summary
and written to --report as JSON.

The API key and secret come from CONFORM_API_KEY and CONFORM_API_SECRET (or
--secret-file); they are never printed. See docs/mock.md.

Exit codes: 0 stopped cleanly, 1 --fail-on-violation and a client broke a
rule, 2 usage or configuration error.`,
		Example: `  export CONFORM_API_KEY=… CONFORM_API_SECRET=…
  conform mock --decision-url http://127.0.0.1:8080/veriff/decision --event-url http://127.0.0.1:8080/veriff/events
  # point your client's Veriff base URL at http://127.0.0.1:8089/v1, then:
  conform trigger decide SESSION_ID approved
  conform trigger advance 168h
  conform mock --report mock-report.json --fail-on-violation   # in CI`,
		Args: noArgs("conform mock takes flags only"),
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(s) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8089", "`host:port` to listen on; loopback only unless --allow-remote")
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow a non-loopback --addr (the admin API is unauthenticated: anyone who reaches it can decide sessions)")
	fl.StringVar(&f.profile, "profile", "veriff-x-signature", "Veriff signing profile: veriff-x-signature or veriff-hmac")
	fl.StringVar(&f.shuftiProfile, "shufti-profile", "shuftipro", "Shufti Pro signing profile: shuftipro or shuftipro-legacy")
	fl.StringVar(&f.decisionURL, "decision-url", "", "your listener's Veriff decision webhook `URL` (unset: decisions are recorded, not sent)")
	fl.StringVar(&f.eventURL, "event-url", "", "your listener's Veriff event webhook `URL` (unset: events are recorded, not sent)")
	fl.StringVar(&f.publicURL, "public-url", "", "base `URL` clients and browsers reach the mock at (default: http://ADDR)")
	fl.StringVar(&f.report, "report", "", "write the client contract report as JSON to `FILE` on exit")
	fl.BoolVar(&f.failOnViolation, "fail-on-violation", false, "exit 1 if any client request broke a rule")
	fl.IntVar(&f.maxSessions, "max-sessions", mock.DefaultMaxSessions, "sessions (and Shufti requests) kept in memory; the oldest finished is evicted first")
	fl.Int64Var(&f.maxMediaBytes, "max-media-bytes", mock.DefaultMaxMediaBytes, "largest uploaded image, decoded, in bytes; all media together may use 64 times this")
	fl.BoolVar(&f.quiet, "quiet", false, "do not log each client request")
	f.secret.register(cmd)
	return cmd
}

// lockedWriter serializes writes from concurrent request handlers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (f *mockFlags) run(s *streams) error {
	if err := checkListenAddr(f.addr, f.allowRemote); err != nil {
		return err
	}
	if f.maxSessions <= 0 {
		return usageError("--max-sessions must be positive")
	}
	if f.maxMediaBytes <= 0 {
		return usageError("--max-media-bytes must be positive")
	}
	if f.report != "" {
		// Check now, not at exit: a typo must not lose a whole session's report.
		if err := checkWritable(f.report); err != nil {
			return usageError("--report %s: %v", f.report, err)
		}
	}
	secret, err := f.secret.secret(s)
	if err != nil {
		return err
	}
	key := apiKey(s)
	if key == "" {
		return usageError("no API key: set %s (clients send it in X-AUTH-CLIENT; it is also the Shufti Pro client id)", envAPIKey)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usageError("cannot listen on %s: %v", f.addr, err)
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	public := f.publicURL
	if public == "" {
		public = base
	}
	logw := &lockedWriter{w: s.err}
	cfg := mock.Config{
		Profile: f.profile, ShuftiProfile: f.shuftiProfile, APIKey: key, Secret: secret,
		DecisionURL: f.decisionURL, EventURL: f.eventURL, PublicURL: public,
		MaxSessions: f.maxSessions, MaxMediaBytes: f.maxMediaBytes,
	}
	if !f.quiet {
		cfg.Sink = func(r mock.RequestRecord) { logRequest(logw, r) }
	}
	m, err := mock.New(cfg)
	if err != nil {
		return usageError("%v", err)
	}
	defer m.Close()

	srv := &http.Server{
		Handler: m.Handler(), ReadHeaderTimeout: mockReadHeaderTimeout, ReadTimeout: mockReadTimeout,
		WriteTimeout: mockWriteTimeout, IdleTimeout: mockIdleTimeout, MaxHeaderBytes: mockMaxHeaderBytes,
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	fmt.Fprintf(s.out, "conform mock listening on %s (clock %s, virtual)\n", base, m.Clock().Now().Format(time.RFC3339))
	fmt.Fprintf(s.out, "  Veriff API:      %s/v1   (signing profile %s)\n", public, f.profile)
	fmt.Fprintf(s.out, "  Shufti Pro API:  %s/shuftipro   (Basic auth: API key : secret; signing profile %s)\n", public, f.shuftiProfile)
	fmt.Fprintf(s.out, "  admin API:       %s%s   (conform trigger --mock %s …)\n", base, mock.AdminPrefix, base)
	fmt.Fprintf(s.out, "  decision URL:    %s\n  event URL:       %s\n", orUnset(f.decisionURL), orUnset(f.eventURL))
	mockStarted(base, cancel)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), mockShutdownTimeout)
	_ = srv.Shutdown(shutdownCtx)
	cancelShutdown()

	doc := m.ReportDoc()
	mock.WriteSummary(s.err, doc)
	if f.report != "" {
		if err := mock.WriteFile(f.report, doc); err != nil {
			return usageError("%v", err)
		}
		fmt.Fprintf(s.err, "report written to %s\n", f.report)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return usageError("serving: %v", serveErr)
	}
	if f.failOnViolation && doc.Summary.ViolatingRequests > 0 {
		return failedError("%d client request(s) broke a rule (--fail-on-violation)", doc.Summary.ViolatingRequests)
	}
	return nil
}

func orUnset(u string) string {
	if u == "" {
		return "(unset: recorded, not sent)"
	}
	return u
}

// checkListenAddr refuses to expose the mock (whose admin API decides
// sessions without authentication) beyond this machine unless asked to.
func checkListenAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError("--addr %q: want host:port, e.g. 127.0.0.1:8089", addr)
	}
	if port == "" {
		return usageError("--addr %q: no port", addr)
	}
	if allowRemote {
		return nil
	}
	loopback := host == "localhost"
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if !loopback {
		what := host
		if host == "" {
			what = "every interface"
		}
		return usageError("--addr %q listens on %s; the mock's admin API is unauthenticated, so only loopback addresses are allowed without --allow-remote", addr, what)
	}
	return nil
}

func logRequest(w io.Writer, r mock.RequestRecord) {
	var b strings.Builder
	fmt.Fprintf(&b, "mock: #%d %s %s -> %d", r.Seq, r.Method, r.Path, r.Status)
	if r.Code != "" {
		fmt.Fprintf(&b, " %s", r.Code)
	}
	for i, v := range r.Violations {
		if i == 0 {
			b.WriteString("  broke:")
		}
		fmt.Fprintf(&b, " %s", v.ID)
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(w, b.String())
}
