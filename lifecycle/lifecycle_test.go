package lifecycle_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/lifecycle"
	"github.com/conform-kit/conform/lifecycle/integrator"
	"github.com/conform-kit/conform/mock"
	"github.com/conform-kit/conform/signing"
)

const (
	testKey    = "lifecycle-test-key-3e7a"
	testSecret = "lifecycle-test-secret-91bd-only"
	testToken  = "lifecycle-hook-token-5c2f"
)

func stack(t *testing.T, defect string) (*integrator.Stack, *lifecycle.Env) {
	t.Helper()
	st, err := integrator.StartStack(integrator.StackConfig{Profile: signing.VeriffHMAC, APIKey: testKey, Secret: testSecret, Defect: defect, HookToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	env, err := lifecycle.New(lifecycle.Config{HookURL: st.HookURL, HookToken: testToken, MockURL: st.MockURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return st, env
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]lifecycle.Config{
		"no hook":         {MockURL: "http://127.0.0.1:8089"},
		"no mock":         {HookURL: "http://127.0.0.1:8080/hook"},
		"hook not http":   {HookURL: "ftp://x/hook", MockURL: "http://127.0.0.1:8089"},
		"mock with query": {HookURL: "http://127.0.0.1:8080/hook", MockURL: "http://127.0.0.1:8089/?x=1"},
		"credentials":     {HookURL: "http://u:p@127.0.0.1:8080/hook", MockURL: "http://127.0.0.1:8089"},
		"token with CRLF": {HookURL: "http://127.0.0.1:8080/hook", MockURL: "http://127.0.0.1:8089", HookToken: "a\r\nb"},
	} {
		if _, err := lifecycle.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The whole loop through the Env's steps: register, open, submit, decide,
// read; resubmission keeps the URL; a week later a new session.
func TestStepsAgainstTheReferenceApp(t *testing.T) {
	_, env := stack(t, "")
	ctx := context.Background()
	if err := env.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	u, f := env.StartUser(ctx, "Siobhán", "O'Connor")
	if f != nil {
		t.Fatal(f)
	}
	if u.View.SessionURL != u.Session.URL || u.View.Access != lifecycle.AccessPending || *u.Session.VendorData != u.VendorData {
		t.Fatalf("registration: view %s, session %+v", u.View, u.Session)
	}
	if f := env.Open(ctx, u.Session.ID, u.Session.URL); f != nil {
		t.Fatal(f)
	}
	ds, _ := env.Deliveries(ctx, u.Session.ID)
	if len(ds) != 1 || ds[0].State != mock.DeliveryDelivered {
		t.Fatalf("opening the URL must deliver 7001 before Open returns: %+v", ds)
	}
	if f := env.Submit(ctx, u.Session.ID); f != nil {
		t.Fatal(f)
	}
	r204 := 204
	if _, f := env.Decide(ctx, u.Session.ID, mock.Decision{Status: mock.StatusResubmit, ReasonCode: &r204}); f != nil {
		t.Fatal(f)
	}
	r, f := env.Resume(ctx, u)
	if f != nil {
		t.Fatal(f)
	}
	if r.View.SessionURL != u.Session.URL || len(r.NewSessions) != 0 || !r.View.Notified(mock.StatusResubmit) {
		t.Fatalf("resubmission: %s, %d new sessions", r.View, len(r.NewSessions))
	}
	if _, f := env.Expire(ctx, u.Session.ID); f != nil {
		t.Fatal(f)
	}
	r, f = env.Resume(ctx, u)
	if f != nil {
		t.Fatal(f)
	}
	if len(r.NewSessions) != 1 || r.View.SessionURL != r.NewSessions[0].URL || r.View.SessionURL == u.Session.URL {
		t.Fatalf("after a week: %s, new sessions %+v", r.View, r.NewSessions)
	}
	old, _ := env.Session(ctx, u.Session.ID)
	if old.State != mock.StatusAbandoned {
		t.Fatalf("the started session must be abandoned, is %s", old.State)
	}
}

func TestHookTokenIsRequiredAndNeverShown(t *testing.T) {
	st, _ := stack(t, "")
	env, err := lifecycle.New(lifecycle.Config{HookURL: st.HookURL, MockURL: st.MockURL})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	_, f := env.StartUser(context.Background(), "Ada", "Lovelace")
	if f == nil {
		t.Fatal("the hook accepted a request without its token")
	}
	msg := f.Format(nil)
	if !strings.Contains(msg, "401") || !strings.Contains(msg, "CONFORM_TEST_HOOK_TOKEN") {
		t.Fatalf("the failure must say the token is missing:\n%s", msg)
	}
	_, env2 := stack(t, integrator.HTTPCallback)
	_, f = env2.StartUser(context.Background(), "Ada", "Lovelace")
	if f == nil || strings.Contains(f.Format(nil), testToken) {
		t.Fatalf("expected a failure without the token in it, got %v", f)
	}
}

// A client refused by the mock: the failure quotes the mock's finding and
// says the fix is in the Veriff request.
func TestFailedStepExplainsTheMockFinding(t *testing.T) {
	_, env := stack(t, integrator.HTTPCallback)
	_, f := env.StartUser(context.Background(), "Ada", "Lovelace")
	if f == nil {
		t.Fatal("an http:// callback must be refused")
	}
	for _, want := range []string{"1302", "Only HTTPS return URLs are allowed.", "Veriff client sent a request conform mock refused"} {
		if !strings.Contains(f.Format(nil), want) {
			t.Errorf("failure lacks %q:\n%s", want, f.Format(nil))
		}
	}
}

// A client stamping wall time keeps working after the mock's clock moved a
// week ahead: the mock judges staleness against both clocks.
func TestWallClockStampsStillFreshAfterAdvance(t *testing.T) {
	_, env := stack(t, "")
	ctx := context.Background()
	if _, err := env.Admin().Advance(ctx, 8*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, f := env.StartUser(ctx, "Ada", "Lovelace"); f != nil {
		t.Fatalf("a wall-clock timestamp must stay fresh after the virtual clock advanced:\n%s", f.Format(nil))
	}
}

func TestUnreachableDoorsFail(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	st, _ := stack(t, "")
	for name, cfg := range map[string]lifecycle.Config{
		"hook": {HookURL: closed + "/hook", MockURL: st.MockURL, Timeout: time.Second},
		"mock": {HookURL: st.HookURL, HookToken: testToken, MockURL: closed, Timeout: time.Second},
	} {
		env, err := lifecycle.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Probe(context.Background()); err == nil {
			t.Errorf("%s unreachable: Probe succeeded", name)
		}
		if _, f := env.StartUser(context.Background(), "Ada", "Lovelace"); f == nil {
			t.Errorf("%s unreachable: StartUser succeeded", name)
		}
		env.Close()
	}
}

func TestViewRulesOfTheContract(t *testing.T) {
	a := lifecycle.View{UserID: "u", Access: "pending", Notifications: []string{"declined"}}
	b := a
	b.Notifications = []string{"declined", "declined"}
	if a.Same(b) || !a.Same(a) || !a.Notified("declined") || a.Notified("approved") {
		t.Fatal("Same/Notified")
	}
}
