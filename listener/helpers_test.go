package listener

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/conform-kit/conform/signing"
)

// Test credentials: invented for these tests, never a document's example.
const (
	testKey    = "0b7f6c1e-test-api-key-5d2a"
	testSecret = "e41d9c2a-test-secret-77b3"
)

// env builds requests the way conform's harness sends them.
type env struct {
	p signing.Profile
}

func (e env) veriff() bool { return e.p.Provider == "veriff" }

func (e env) config(defect string) Config {
	return Config{Profile: e.p, APIKey: testKey, Secret: testSecret, Defect: defect}
}

// mainPath is where the provider's main webhook goes.
func (e env) mainPath() string {
	if e.veriff() {
		return VeriffDecisionPath
	}
	return ShuftiCallbackPath
}

// mainBody is a webhook for one session/reference: an approved decision or
// an accepted callback.
func (e env) mainBody(id string) []byte {
	if e.veriff() {
		return decision(id, "approved", 9001, "2031-05-04T10:00:00.000Z")
	}
	return callback(id, "verification.accepted")
}

// decision is a Veriff decision webhook; compact, ASCII-only and with no
// characters JSON.stringify would rewrite, so its raw bytes equal its
// re-serialization (that difference is probed on purpose elsewhere).
func decision(id, status string, code int, at string) []byte {
	return fmt.Appendf(nil, `{"status":"success","verification":{"id":"%s","status":"%s","code":%d,"reason":null,"reasonCode":null,"person":{"firstName":"Ilse","lastName":"Vaher"},"decisionTime":"%s","acceptanceTime":"2031-05-04T09:58:00.000Z"},"technicalData":{"ip":"192.0.2.10"}}`, id, status, code, at)
}

func event(id string, code int, action string) []byte {
	return fmt.Appendf(nil, `{"id":"%s","attemptId":"4f1f7e0e-95a4-4d6b-a1d2-3c6a0b1e2f77","feature":"selfid","code":%d,"action":"%s"}`, id, code, action)
}

func callback(ref, ev string) []byte {
	return fmt.Appendf(nil, `{"reference":"%s","event":"%s","email":"kaja@example.org","country":"EE"}`, ref, ev)
}

// post is a correctly signed webhook request; mutators break one thing.
func (e env) post(path string, body []byte, mut ...func(*http.Request)) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if e.veriff() {
		r.Header.Set("X-AUTH-CLIENT", testKey)
	}
	r.Header.Set(e.p.Header, e.p.Sign(testSecret, body))
	for _, m := range mut {
		m(r)
	}
	return r
}

func setHeader(k, v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

func delHeader(k string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Del(k) }
}

func method(m string) func(*http.Request) {
	return func(r *http.Request) { r.Method = m }
}

// other is the provider's other signing profile.
func (e env) other() signing.Profile {
	for _, o := range signing.ForProvider(e.p.Provider) {
		if o.Name != e.p.Name {
			return o
		}
	}
	panic("no other profile")
}

func secretPrepended(body []byte) string {
	h := sha256.New()
	h.Write([]byte(testSecret))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// envs are the four signing profiles.
func envs() []env {
	var out []env
	for _, p := range signing.Profiles() {
		out = append(out, env{p})
	}
	return out
}

// serve runs one request through h and returns its status, or "abort" when
// the handler dropped the connection (a simulated crash or exit).
func serve(h http.Handler, r *http.Request) (out string) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				out = "abort"
				return
			}
			panic(v)
		}
	}()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return strconv.Itoa(rec.Code)
}

// runSteps sends requests in order to one fresh listener; the outcome is the
// statuses joined by commas.
func runSteps(t *testing.T, cfg Config, reqs []*http.Request) (string, *Listener) {
	t.Helper()
	l, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%s/%q): %v", cfg.Profile.Name, cfg.Defect, err)
	}
	h := l.Handler()
	var out []string
	for _, r := range reqs {
		out = append(out, serve(h, r))
	}
	return strings.Join(out, ","), l
}

// clientPost is a correctly signed webhook for a real HTTP client.
func (e env) clientPost(url string, body []byte, mut ...func(*http.Request)) *http.Request {
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.Header = e.post("/", body, mut...).Header.Clone()
	return r
}
