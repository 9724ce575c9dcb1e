package integrator

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/conform-kit/conform/signing"
)

// veriffClient is the app's Veriff API client: it creates sessions, signing
// each request body and verifying each response ("We sign all responses
// using same logic").
type veriffClient struct {
	base    string
	profile signing.Profile
	key     string
	secret  string
	cfg     Config
	http    *http.Client
}

func newVeriffClient(cfg Config) *veriffClient {
	return &veriffClient{
		base: strings.TrimRight(cfg.VeriffURL, "/"), profile: cfg.Profile, key: cfg.APIKey, secret: cfg.Secret, cfg: cfg,
		http: &http.Client{Timeout: cfg.Timeout},
	}
}

// maxVeriffAnswer bounds a Veriff answer the app reads.
const maxVeriffAnswer = 1 << 20

type person struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

type sessionRequest struct {
	Verification struct {
		Callback   string  `json:"callback"`
		Person     person  `json:"person"`
		VendorData *string `json:"vendorData,omitempty"`
		Timestamp  string  `json:"timestamp"`
	} `json:"verification"`
}

// createSession is POST /sessions; it returns the session id and URL.
func (c *veriffClient) createSession(ctx context.Context, first, last, vendorData string) (id, url string, err error) {
	var req sessionRequest
	v := &req.Verification
	v.Callback = c.cfg.Callback
	v.Person = person{FirstName: first, LastName: last}
	if c.cfg.Defect != NoVendorData {
		v.VendorData = &vendorData
	}
	// The current time, as the document's samples send it; a stale or
	// hard-coded timestamp is answered 1201.
	v.Timestamp = c.cfg.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	body, err := json.Marshal(req)
	if err != nil {
		return "", "", err
	}
	sig := c.profile.Sign(c.secret, body)
	if c.cfg.Defect == EscapesNonASCII {
		// The defect: the HTTP library re-encodes the body ASCII-only after
		// the signature was computed over the UTF-8 bytes.
		body = escapeNonASCII(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/sessions", bytes.NewReader(body))
	if err != nil {
		return "", "", err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("X-AUTH-CLIENT", c.key)
	hreq.Header.Set(c.profile.Header, sig)
	resp, err := c.http.Do(hreq)
	if err != nil {
		return "", "", fmt.Errorf("POST /sessions: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxVeriffAnswer))
	if err != nil {
		return "", "", fmt.Errorf("POST /sessions: reading the answer: %w", err)
	}
	if !c.authentic(resp, answer) {
		return "", "", fmt.Errorf("POST /sessions: the answer (%d) is not signed by Veriff; ignored", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("POST /sessions: Veriff answered %d: %s", resp.StatusCode, oneLine(answer))
	}
	var out struct {
		Status       string `json:"status"`
		Verification struct {
			ID  string `json:"id"`
			URL string `json:"url"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(answer, &out); err != nil || out.Verification.ID == "" || out.Verification.URL == "" {
		return "", "", fmt.Errorf("POST /sessions: unexpected answer: %s", oneLine(answer))
	}
	return out.Verification.ID, out.Verification.URL, nil
}

// authentic verifies a response: X-AUTH-CLIENT is our key and the signature
// covers the exact answer bytes.
func (c *veriffClient) authentic(resp *http.Response, answer []byte) bool {
	key := resp.Header.Get("X-AUTH-CLIENT")
	return subtle.ConstantTimeCompare([]byte(key), []byte(c.key)) == 1 &&
		c.profile.Verify(c.secret, answer, resp.Header.Get(c.profile.Header))
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// escapeNonASCII writes every non-ASCII character of a JSON text as \uXXXX
// (a surrogate pair above U+FFFF): the same JSON value, different bytes.
func escapeNonASCII(body []byte) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		body = body[size:]
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.Bytes()
}
