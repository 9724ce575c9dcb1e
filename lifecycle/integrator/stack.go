package integrator

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/conform-kit/conform/clock"
	"github.com/conform-kit/conform/listener"
	"github.com/conform-kit/conform/mock"
	"github.com/conform-kit/conform/signing"
)

// The stack's mock clock starts at wall time. The app stamps Veriff
// requests with wall time, as every real client does; after the lifecycle
// checks advance the virtual clock by a week, the mock still accepts them,
// because it judges a timestamp stale (1201) only when it is older than an
// hour against both its virtual clock and the wall clock.

// StackConfig configures StartStack.
type StackConfig struct {
	Profile        signing.Profile // a Veriff profile
	APIKey, Secret string
	Defect         string // the app's defect ("" for the reference app)
	HookToken      string
}

// Stack is an integrator app and a conform mock wired to each other on
// 127.0.0.1: the app's Veriff client talks to the mock, the mock sends its
// webhooks to the app's listener. It is what `conform demo` and the tests
// run the lifecycle checks against.
type Stack struct {
	App  *App
	Mock *mock.Mock
	// AppURL is the app's base URL; HookURL its test hook; DecisionURL and
	// EventURL its webhook listener.
	AppURL, HookURL, DecisionURL, EventURL string
	// MockURL is the mock's base URL (Veriff API at MockURL + "/v1").
	MockURL string

	servers []*http.Server
	done    []chan struct{}
}

// StartStack starts the app and the mock.
func StartStack(cfg StackConfig) (*Stack, error) {
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mockLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		appLn.Close()
		return nil, err
	}
	st := &Stack{AppURL: "http://" + appLn.Addr().String(), MockURL: "http://" + mockLn.Addr().String()}
	st.HookURL = st.AppURL + HookPath
	st.DecisionURL = st.AppURL + listener.VeriffDecisionPath
	st.EventURL = st.AppURL + listener.VeriffEventPath
	fail := func(err error) (*Stack, error) {
		appLn.Close()
		mockLn.Close()
		if st.Mock != nil {
			st.Mock.Close()
		}
		return nil, err
	}
	st.Mock, err = mock.New(mock.Config{
		Profile: cfg.Profile.Name, APIKey: cfg.APIKey, Secret: cfg.Secret,
		DecisionURL: st.DecisionURL, EventURL: st.EventURL, PublicURL: st.MockURL,
		Clock:           clock.New(time.Now().Truncate(time.Millisecond)),
		DeliveryTimeout: 5 * time.Second,
	})
	if err != nil {
		return fail(err)
	}
	st.App, err = New(Config{
		VeriffURL: st.MockURL + "/v1", Profile: cfg.Profile, APIKey: cfg.APIKey, Secret: cfg.Secret,
		Defect: cfg.Defect, HookToken: cfg.HookToken,
	})
	if err != nil {
		return fail(err)
	}
	st.serve(appLn, st.App.Handler())
	st.serve(mockLn, st.Mock.Handler())
	return st, nil
}

func (st *Stack) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // ends with ErrServerClosed on Close; callers see refused connections otherwise
	}()
	st.servers = append(st.servers, srv)
	st.done = append(st.done, done)
}

// Close stops both servers (bounded) and the mock.
func (st *Stack) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range st.servers {
		_ = srv.Shutdown(ctx)
	}
	for _, d := range st.done {
		select {
		case <-d:
		case <-ctx.Done():
		}
	}
	st.Mock.Close()
	st.App.Close()
}
