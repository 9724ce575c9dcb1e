package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/conform-kit/conform/harness"
)

// The test hook contract (docs/lifecycle.md), as conform calls it.
//
//	POST {hook}/users                      register a test user and start its verification -> 201 View
//	POST {hook}/users/{userId}/verification the user comes back and asks to verify          -> 200 View
//	GET  {hook}/users/{userId}             what the integrator's system believes now         -> 200 View

// NewUser is the body of POST {hook}/users.
type NewUser struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	// VendorData is the value the integrator sends as
	// verification.vendorData for this user.
	VendorData string `json:"vendorData"`
}

// Access values of a View.
const (
	AccessGranted = "granted"
	AccessDenied  = "denied"
	AccessPending = "pending"
)

// View is what the integrator's system believes about a user.
type View struct {
	UserID     string `json:"userId"`
	VendorData string `json:"vendorData"`
	// Access is granted, denied or pending.
	Access string `json:"access"`
	// SessionID is the Veriff session the user's verification is on: the
	// latest one the integrator created for the user ("" if none).
	SessionID string `json:"sessionId"`
	// SessionURL is the URL the integrator sends the user to now to start
	// or continue verifying; "" when it would send them to none.
	SessionURL string `json:"sessionUrl"`
	// Notifications are the decisions the integrator told the user about,
	// in order, one entry per message sent (e.g. "declined").
	Notifications []string `json:"notifications"`
}

// Same reports whether two views say the same thing to the user.
func (v View) Same(o View) bool {
	return v.Access == o.Access && v.SessionID == o.SessionID && v.SessionURL == o.SessionURL &&
		slices.Equal(v.Notifications, o.Notifications)
}

// Notified reports whether the user was told about status.
func (v View) Notified(status string) bool { return slices.Contains(v.Notifications, status) }

// String is the view as one line of JSON, for messages.
func (v View) String() string {
	b, _ := json.Marshal(v)
	return string(b)
}

// hookCall is one hook request and what it answered.
type hookCall struct {
	ex   *harness.Exchange
	view View
	err  string // why the answer is not a valid View ("" when it is)
}

func (e *Env) hookDo(ctx context.Context, method, path string, body any) hookCall {
	req := &harness.Request{Method: method, URL: e.hookURL + path, Header: http.Header{"Accept": {"application/json"}}}
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			panic(err) // conform's own types
		}
		req.Body = data
		req.Header.Set("Content-Type", "application/json")
	}
	c := hookCall{ex: e.hook.Do(ctx, req)}
	c.view, c.err = decodeView(c.ex)
	return c
}

// decodeView reads a View from a hook answer and checks the contract's
// rules for its members.
func decodeView(ex *harness.Exchange) (View, string) {
	var v View
	if !ex.Answered() {
		return v, "no answer"
	}
	if ex.Response.Truncated {
		return v, "the answer is longer than 1 MiB"
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(ex.Response.Body))
	if err := dec.Decode(&raw); err != nil {
		return v, "the answer is not a JSON object: " + err.Error()
	}
	for _, k := range []string{"userId", "access", "sessionUrl", "notifications"} {
		if _, ok := raw[k]; !ok {
			return v, fmt.Sprintf("the answer has no %q member", k)
		}
	}
	if err := json.Unmarshal(ex.Response.Body, &v); err != nil {
		return v, "a member has the wrong type: " + err.Error()
	}
	switch {
	case v.UserID == "":
		return v, `"userId" is empty`
	case v.Access != AccessGranted && v.Access != AccessDenied && v.Access != AccessPending:
		return v, fmt.Sprintf(`"access" is %q; it must be one of granted, denied, pending`, v.Access)
	case v.Notifications == nil:
		return v, `"notifications" must be an array (empty when the user was told nothing)`
	}
	if v.SessionURL != "" {
		if u, err := url.Parse(v.SessionURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return v, fmt.Sprintf(`"sessionUrl" %q is not an absolute http(s) URL`, v.SessionURL)
		}
	}
	return v, ""
}

func userPath(id string) string { return "/users/" + url.PathEscape(id) }

// hookFailure describes a hook call that did not answer as the contract says.
func (e *Env) hookFailure(c hookCall, op, want string) *harness.Failure {
	actual := harness.DescribeOutcome(c.ex)
	if st := c.ex.Status(); st >= 200 && st < 300 && c.err != "" {
		actual += "\n" + c.err
	}
	fix := "answer every hook operation as docs/lifecycle.md describes (" + op + ")"
	switch st := c.ex.Status(); {
	case st == 0:
		fix = "the test hook did not answer: start the integrator's test build and give its hook's base URL (--test-hook)"
	case st == http.StatusNotFound && !strings.Contains(op, "{userId}"):
		fix = "the test hook has no such operation: check the base URL given with --test-hook (" + e.hookURL + ") and the paths in docs/lifecycle.md"
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		fix = "the test hook refused conform: give its bearer token (CONFORM_TEST_HOOK_TOKEN)"
	}
	return &harness.Failure{
		Expected: op + " answers " + want + " with the user's view (docs/lifecycle.md)",
		Actual:   actual,
		Fix:      fix,
		Exchange: c.ex,
	}
}
