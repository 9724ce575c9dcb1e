package report_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/listener"
	"github.com/conform-kit/conform/report"
	"github.com/conform-kit/conform/suites"
)

// demo describes an in-process run, as `conform demo` makes one but without
// Ginkgo: a listener per provider on 127.0.0.1, a session and a runner each,
// and every check of the provider executed in registry order.
type demo struct {
	defect      string                          // listener defect for every provider it applies to ("" = reference)
	defects     map[string]string               // per-provider defect, overriding defect
	key, secret string                          // credentials; generated-looking defaults when empty
	providers   []string                        // nil = every provider
	wrap        func(http.Handler) http.Handler // rewrites the listener's answers (a hostile listener)
	labels      func(harness.Instance) bool     // selects checks; nil = all
}

func (d demo) run(t *testing.T) (*report.Report, []*harness.Runner) {
	t.Helper()
	if d.key == "" {
		d.key = "test-key-3f9c1a"
	}
	if d.secret == "" {
		d.secret = "test-secret-77d2e0"
	}
	started := time.Now()
	var runners []*harness.Runner
	for _, p := range harness.Providers() {
		if d.providers != nil && !contains(d.providers, p.Name) {
			continue
		}
		defect := d.defect
		if defect != "" && !applies(defect, p.Name) {
			defect = ""
		}
		if pd, ok := d.defects[p.Name]; ok {
			defect = pd
		}
		prof, err := p.Profile("")
		if err != nil {
			t.Fatal(err)
		}
		cfg := listener.Config{Profile: prof, APIKey: d.key, Secret: d.secret, Defect: defect}
		var base string
		if d.wrap == nil {
			// Start, not New: a defect that "exits" stops this server.
			srv, err := listener.Start(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			base = srv.URL
		} else {
			l, err := listener.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(d.wrap(l.Handler())) // binds 127.0.0.1
			t.Cleanup(srv.Close)
			base = srv.URL
		}
		urls := map[string]string{"decision": base + listener.VeriffDecisionPath, "event": base + listener.VeriffEventPath, "callback": base + listener.ShuftiCallbackPath}
		for name := range urls {
			if _, ok := p.Kinds[name]; !ok {
				delete(urls, name)
			}
		}
		sess, err := harness.NewSession(harness.Config{
			Provider: p.Name, Profile: prof.Name, Target: base, URLs: urls, APIKey: d.key, Secret: d.secret,
			Budget: 2 * time.Second, Client: harness.ClientOptions{Timeout: 5 * time.Second, MaxAnswer: 64 << 10},
			Seed: 4242, Assets: conform.Files,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sess.Client.Close() })
		r := harness.NewRunner(sess, false)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		for _, in := range suites.Registry().Instances(p.Name) {
			if (d.labels == nil || d.labels(in)) && r.Session.Provides(in.Check.Needs) {
				r.Execute(ctx, in)
			}
		}
		cancel()
		runners = append(runners, r)
	}
	return report.Build("test", started, 4242, "", false, runners), runners
}

func applies(defect, provider string) bool {
	for _, d := range listener.DefectsFor(provider) {
		if d.Name == defect {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hostileBodies makes every 4xx answer of the listener carry markup that
// would run script if a report failed to escape it.
const hostileBody = `{"status":"fail","message":"</pre><script>document.title='pwned'</script><img src=x onerror=alert(1)>"}`

func hostile(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		if rec.Code >= 400 && rec.Code < 500 {
			body = []byte(hostileBody)
			w.Header().Del("Content-Length")
		}
		w.WriteHeader(rec.Code)
		_, _ = bytes.NewReader(body).WriteTo(w)
	})
}
