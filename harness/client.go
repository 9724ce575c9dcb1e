package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ClientOptions configure how conform talks to a listener.
type ClientOptions struct {
	// Timeout bounds one whole exchange: connect, send, headers and the part
	// of the answer conform reads. A hanging or trickling listener costs at
	// most this long per request.
	Timeout time.Duration
	// MaxAnswer caps how many bytes of an answer are read. The rest is
	// discarded unread (the connection is closed), so a listener answering
	// 10 MB cannot grow conform's memory.
	MaxAnswer int64
	// Header is added to every request (-H flags): for staging gateways that
	// want their own auth header. Never used for provider headers.
	Header http.Header
	// CACertFile trusts an extra PEM CA bundle; Insecure skips verification.
	CACertFile string
	Insecure   bool
	// Rate caps requests per second (0: unlimited). Runs against staging
	// default to a limit so a conformance run never looks like an attack.
	Rate float64
}

// Client sends deliveries. It never follows redirects: a provider posts to
// the URL the integrator configured, and a redirect there is a finding, not
// something to paper over.
type Client struct {
	http      *http.Client
	maxAnswer int64
	header    http.Header
	limit     *limiter
}

// NewClient validates the options and builds a client.
func NewClient(o ClientOptions) (*Client, error) {
	if o.Timeout <= 0 {
		return nil, errors.New("timeout must be positive")
	}
	if o.Rate < 0 {
		return nil, errors.New("rate must not be negative")
	}
	if o.MaxAnswer <= 0 {
		o.MaxAnswer = 64 << 10
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.Insecure} //nolint:gosec // --insecure is the user's explicit choice
	if o.CACertFile != "" {
		pem, err := os.ReadFile(o.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-cert: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-cert %s: no PEM certificate found in the file", o.CACertFile)
		}
		tlsConf.RootCAs = pool
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		// Deliveries are small and listeners answer JSON; transparent gzip
		// would hide what the listener really sent.
		DisableCompression: true,
	}
	return &Client{
		http: &http.Client{
			Transport:     tr,
			Timeout:       o.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		maxAnswer: o.MaxAnswer,
		header:    o.Header.Clone(),
		limit:     newLimiter(o.Rate),
	}, nil
}

// limiter spaces requests at least 1/rate apart.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return nil
	}
	return &limiter{interval: time.Duration(float64(time.Second) / rate)}
}

// wait blocks until the next request may go, or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HeaderNames lists the extra (-H) header names, sorted, without values.
func (c *Client) HeaderNames() []string {
	names := make([]string, 0, len(c.header))
	for k := range c.header {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Request is one HTTP request conform sends, kept verbatim for reports.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Response is what came back, capped.
type Response struct {
	Status    int
	Header    http.Header
	Body      []byte // at most MaxAnswer bytes
	Truncated bool   // the answer was longer than Body
}

// Exchange is one request and its outcome.
type Exchange struct {
	Request  *Request
	Response *Response // nil when Err is set
	Err      error
	ErrKind  ErrKind
	Elapsed  time.Duration
}

// ErrKind classifies transport failures so verdicts can say what happened.
type ErrKind string

// Transport failure kinds.
const (
	ErrNone    ErrKind = ""
	ErrTimeout ErrKind = "timeout"
	ErrRefused ErrKind = "connection refused"
	ErrReset   ErrKind = "connection reset"
	ErrTLS     ErrKind = "TLS"
	ErrOther   ErrKind = "transport"
)

// Do sends r and reads at most MaxAnswer bytes of the answer. It never
// returns an error: failures are part of the Exchange, because for a
// conformance tool a refused connection is an observation.
func (c *Client) Do(ctx context.Context, r *Request) *Exchange {
	ex := &Exchange{Request: r}
	if err := c.limit.wait(ctx); err != nil {
		ex.Err, ex.ErrKind = err, classify(err)
		return ex
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		ex.Err, ex.ErrKind = err, ErrOther
		return ex
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if len(r.Body) == 0 {
		req.ContentLength = 0
		req.Body = http.NoBody
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		ex.Elapsed = time.Since(start)
		ex.Err, ex.ErrKind = err, classify(err)
		return ex
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, c.maxAnswer+1))
	resp.Body.Close() // unread remainder: the transport drops the connection
	ex.Elapsed = time.Since(start)
	ex.Response = &Response{Status: resp.StatusCode, Header: resp.Header}
	if int64(len(body)) > c.maxAnswer {
		body, ex.Response.Truncated = body[:c.maxAnswer], true
	}
	ex.Response.Body = body
	if rerr != nil && !ex.Response.Truncated {
		// Headers arrived but the body broke off (reset, timeout while
		// trickling). The status is still an observation; keep both.
		ex.Err, ex.ErrKind = rerr, classify(rerr)
	}
	return ex
}

func classify(err error) ErrKind {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ErrTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		strings.Contains(err.Error(), "connection reset"), strings.Contains(err.Error(), "server closed"):
		return ErrReset
	}
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &recErr) || strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:") {
		return ErrTLS
	}
	return ErrOther
}

// Answered reports whether the listener produced an HTTP status.
func (e *Exchange) Answered() bool { return e.Response != nil }

// Status is the HTTP status, or 0 when there was no answer.
func (e *Exchange) Status() int {
	if e.Response == nil {
		return 0
	}
	return e.Response.Status
}

// IsLoopback reports whether a URL's host is this machine (localhost or a
// loopback address). Everything else is treated as someone's staging or
// production system, which conform approaches with care.
func IsLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
