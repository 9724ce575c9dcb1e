package integrator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/conform-kit/conform/signing"
)

const (
	key    = "integrator-test-key-11"
	secret = "integrator-test-secret-22"
)

func TestNewRefusesBadConfig(t *testing.T) {
	good := Config{VeriffURL: "http://127.0.0.1:1/v1", Profile: signing.VeriffXSignature, APIKey: key, Secret: secret}
	for name, mutate := range map[string]func(*Config){
		"shufti profile": func(c *Config) { c.Profile = signing.ShuftiPro },
		"no secret":      func(c *Config) { c.Secret = "" },
		"no key":         func(c *Config) { c.APIKey = "" },
		"bad URL":        func(c *Config) { c.VeriffURL = "api.veriff.me" },
		"unknown defect": func(c *Config) { c.Defect = "nope" },
	} {
		c := good
		mutate(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, d := range Defects() {
		c := good
		c.Defect = d.Name
		if _, err := New(c); err != nil {
			t.Errorf("defect %s: %v", d.Name, err)
		}
	}
}

func TestDefectsAreDistinctAndCaught(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Defects() {
		if seen[d.Name] || d.Description == "" || len(d.CaughtBy) == 0 {
			t.Errorf("defect %+v: duplicate, undescribed or caught by nothing", d)
		}
		seen[d.Name] = true
		for _, id := range d.CaughtBy {
			if !strings.HasPrefix(id, "veriff/lifecycle/") {
				t.Errorf("defect %s: %s is not a lifecycle check", d.Name, id)
			}
		}
	}
}

func TestEscapeNonASCIIKeepsTheValueNotTheBytes(t *testing.T) {
	in := []byte(`{"a":"Siobhán 李 𠜎 O'C"}`)
	out := escapeNonASCII(in)
	if bytes.Equal(in, out) || !bytes.Contains(out, []byte(`\u00e1`)) || !bytes.Contains(out, []byte(`\ud841\udf0e`)) {
		t.Fatalf("escaped: %s", out)
	}
	var a, b any
	if json.Unmarshal(in, &a) != nil || json.Unmarshal(out, &b) != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("not the same JSON value: %s vs %s", in, out)
	}
}

// The listener in front of the app: a webhook with a wrong signature is
// refused and applies nothing; with trusts-forged-webhooks it is applied.
func TestForgedDecisionIsRefusedUnlessTheDefect(t *testing.T) {
	for _, defect := range []string{"", TrustsForgedWebhooks} {
		app, err := New(Config{VeriffURL: "http://127.0.0.1:1/v1", Profile: signing.VeriffHMAC, APIKey: key, Secret: secret, Defect: defect})
		if err != nil {
			t.Fatal(err)
		}
		u := &user{id: "user-1", vendorData: "v", access: "pending", sessions: []*session{{id: "3f1e2d4c-5b6a-4789-9abc-def012345678", url: "http://mock/v/t"}}}
		app.users[u.id], app.bySession[u.sessions[0].id] = u, u
		body := []byte(`{"status":"success","verification":{"id":"3f1e2d4c-5b6a-4789-9abc-def012345678","code":9001,"status":"approved","vendorData":"v","decisionTime":"2025-01-01T00:00:00.000Z"}}`)
		req := httptest.NewRequest(http.MethodPost, "/veriff/decision", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-AUTH-CLIENT", key)
		req.Header.Set(signing.VeriffHMAC.Header, signing.VeriffHMAC.Sign("not-the-secret", body))
		rec := httptest.NewRecorder()
		app.Handler().ServeHTTP(rec, req)
		granted := u.access == "granted"
		if defect == "" && (rec.Code != http.StatusUnauthorized || granted) {
			t.Errorf("reference: answered %d, granted %v", rec.Code, granted)
		}
		if defect != "" && (rec.Code != http.StatusOK || !granted) {
			t.Errorf("%s: answered %d, granted %v", defect, rec.Code, granted)
		}
	}
}

func TestHookNeedsItsToken(t *testing.T) {
	app, err := New(Config{VeriffURL: "http://127.0.0.1:1/v1", Profile: signing.VeriffXSignature, APIKey: key, Secret: secret, HookToken: "tok-123456"})
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range []string{"", "Bearer wrong", "tok-123456"} {
		req := httptest.NewRequest(http.MethodGet, HookPath+"/users/user-1", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		app.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d", auth, rec.Code)
		}
	}
	req := httptest.NewRequest(http.MethodGet, HookPath+"/users/user-1", nil)
	req.Header.Set("Authorization", "Bearer tok-123456")
	rec := httptest.NewRecorder()
	app.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("with the token, an unknown user is 404, got %d", rec.Code)
	}
}
