package main

// End-to-end tests of run, demo and list through the real binary: Ginkgo's
// RunSpecs may run once per process, and exit codes and output are part of
// conform's interface, so these run conform as a user would.

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/conform-kit/conform/lifecycle/integrator"
	"github.com/conform-kit/conform/listener"
	"github.com/conform-kit/conform/signing"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// conformBinary builds the command once per test process.
func conformBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "conform-e2e-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "conform")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("building conform: %v", binErr)
	}
	return binPath
}

type result struct {
	stdout, stderr string
	code           int
}

// conformExec runs the binary with only the given environment variables.
func conformExec(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	cmd := exec.Command(conformBinary(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

const (
	e2eKey    = "e2e-KEY-9f3a61d0c2"
	e2eSecret = "e2e-SECRET-4c7e1b9a55-test-only"
)

var e2eEnv = map[string]string{"CONFORM_API_KEY": e2eKey, "CONFORM_API_SECRET": e2eSecret}

func startListener(t *testing.T, prof signing.Profile, defect string) *listener.Server {
	t.Helper()
	srv, err := listener.Start(listener.Config{Profile: prof, APIKey: e2eKey, Secret: e2eSecret, Defect: defect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

type jsonReport struct {
	Conformant bool           `json:"conformant"`
	Counts     map[string]int `json:"counts"`
	Checks     []struct {
		ID     string   `json:"id"`
		Status string   `json:"status"`
		Labels []string `json:"labels"`
	} `json:"checks"`
}

func readReport(t *testing.T, path string) jsonReport {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r jsonReport
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	return r
}

func TestDemoReferenceIsConformant(t *testing.T) {
	dir := t.TempDir()
	res := conformExec(t, nil, "demo", "--json", filepath.Join(dir, "r.json"), "--junit", filepath.Join(dir, "j.xml"), "--seed", "7")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "CONFORMANT: 89 checks") {
		t.Errorf("no verdict line:\n%s", res.stdout)
	}
	r := readReport(t, filepath.Join(dir, "r.json"))
	if !r.Conformant || len(r.Checks) != 89 || r.Counts["passed"] != 89 {
		t.Errorf("report: conformant=%v checks=%d counts=%v", r.Conformant, len(r.Checks), r.Counts)
	}
	junit, err := os.ReadFile(filepath.Join(dir, "j.xml"))
	if err != nil || !bytes.Contains(junit, []byte("<testsuite")) || !bytes.Contains(junit, []byte("veriff/signature/valid-accepted")) {
		t.Errorf("JUnit report missing or incomplete (%v)", err)
	}
}

func TestDemoDefectShowsWhatToFix(t *testing.T) {
	res := conformExec(t, nil, "demo", "--provider", "veriff", "--defect", "no-signature-check", "--no-color")
	if res.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.stdout)
	}
	for _, want := range []string{"veriff/signature/mismatch-one-digit", "expected:", "actual:", "— the listener ACCEPTED it", "reproduce:", "curl -sS -i -X POST", "NOT CONFORMANT"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestRunJudgesYourListener(t *testing.T) {
	dir := t.TempDir()
	good := startListener(t, signing.VeriffHMAC, "")
	res := conformExec(t, e2eEnv, "run", "--provider", "veriff", "--profile", "veriff-hmac", "--target", good.URL)
	if res.code != 0 {
		t.Fatalf("reference listener: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}

	bad := startListener(t, signing.ShuftiProLegacy, listener.PrefixCompare)
	report := filepath.Join(dir, "bad.json")
	res = conformExec(t, e2eEnv, "run", "--provider", "shuftipro", "--profile", "shuftipro-legacy",
		"--callback-url", bad.CallbackURL, "--json", report)
	if res.code != exitFailed {
		t.Fatalf("prefix-compare listener: exit %d, want 1\n%s", res.code, res.stdout)
	}
	r := readReport(t, report)
	failed := []string{}
	for _, c := range r.Checks {
		if c.Status == "failed" {
			failed = append(failed, c.ID)
		}
	}
	if strings.Join(failed, ",") != "shuftipro/signature/truncated" {
		t.Errorf("failed checks %v, want exactly shuftipro/signature/truncated", failed)
	}

	// A label filter runs only what it selects.
	res = conformExec(t, e2eEnv, "run", "--provider", "veriff", "--profile", "veriff-hmac", "--target", good.URL,
		"--labels", "auth || events", "--json", report)
	if res.code != 0 {
		t.Fatalf("filtered run: exit %d\n%s", res.code, res.stderr)
	}
	for _, c := range readReport(t, report).Checks {
		if !strings.Contains(strings.Join(c.Labels, ","), "auth") && !strings.Contains(strings.Join(c.Labels, ","), "events") {
			t.Errorf("--labels 'auth || events' ran %s", c.ID)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	down, err := listener.StartHostile("down")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	hang, err := listener.StartHostile("hang")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	good := startListener(t, signing.VeriffXSignature, "")

	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		err  string
	}{
		{"down at start", e2eEnv, []string{"run", "--provider", "veriff", "--target", down.URL}, exitUnreachable, "target unreachable"},
		{"hangs at start", e2eEnv, []string{"run", "--provider", "veriff", "--target", hang.URL, "--timeout", "300ms"}, exitUnreachable, "timeout"},
		{"no provider", e2eEnv, []string{"run", "--target", good.URL}, exitUsage, "--provider is required"},
		{"unknown provider", e2eEnv, []string{"run", "--provider", "acme", "--target", good.URL}, exitUsage, "unknown provider"},
		{"profile of the other provider", e2eEnv, []string{"run", "--provider", "veriff", "--profile", "shuftipro", "--target", good.URL}, exitUsage, "does not belong to Veriff"},
		{"no secret", map[string]string{"CONFORM_API_KEY": e2eKey}, []string{"run", "--provider", "veriff", "--target", good.URL}, exitUsage, "CONFORM_API_SECRET"},
		{"no api key", map[string]string{"CONFORM_API_SECRET": e2eSecret}, []string{"run", "--provider", "veriff", "--target", good.URL}, exitUsage, "CONFORM_API_KEY"},
		{"no target", e2eEnv, []string{"run", "--provider", "veriff"}, exitUsage, "--target"},
		{"bad URL", e2eEnv, []string{"run", "--provider", "veriff", "--target", "ftp://example"}, exitUsage, "http:// or https://"},
		{"bad label filter", e2eEnv, []string{"run", "--provider", "veriff", "--target", good.URL, "--labels", "(("}, exitUsage, "--labels"},
		{"filter selects nothing", e2eEnv, []string{"run", "--provider", "veriff", "--target", good.URL, "--labels", "nosuchlabel"}, exitUsage, "selects no check"},
		{"report into a directory", e2eEnv, []string{"run", "--provider", "veriff", "--target", good.URL, "--json", os.TempDir()}, exitUsage, "is a directory"},
		{"header conform owns", e2eEnv, []string{"run", "--provider", "veriff", "--target", good.URL, "-H", "X-Signature: x"}, exitUsage, "conform sets this header"},
		{"malformed header", e2eEnv, []string{"run", "--provider", "veriff", "--target", good.URL, "-H", "novalue"}, exitUsage, "want 'Name: value'"},
		{"header value with a newline", e2eEnv, []string{"run", "--provider", "veriff", "--target", good.URL, "-H", "X-A: a\nb"}, exitUsage, "line break"},
		{"header name with a bracket", e2eEnv, []string{"run", "--provider", "veriff", "--target", good.URL, "-H", "X(A: b"}, exitUsage, "not a valid header name"},
		{"api key from a CRLF .env", map[string]string{"CONFORM_API_KEY": e2eKey + "\r", "CONFORM_API_SECRET": e2eSecret}, []string{"run", "--provider", "veriff", "--target", good.URL}, exitUsage, "line break"},
		{"secret too short to redact", map[string]string{"CONFORM_API_KEY": e2eKey, "CONFORM_API_SECRET": "s"}, []string{"run", "--provider", "veriff", "--target", good.URL}, exitUsage, "too short"},
		{"bad label filter before anything starts", nil, []string{"demo", "--labels", "(("}, exitUsage, "--labels"},
		{"unknown flag", e2eEnv, []string{"run", "--provider", "veriff", "--frobnicate"}, exitUsage, "unknown flag"},
		{"negative timeout", e2eEnv, []string{"run", "--provider", "veriff", "--target", good.URL, "--timeout", "-1s"}, exitUsage, "--timeout"},
		{"unknown defect", nil, []string{"demo", "--defect", "nope"}, exitUsage, "not a built-in defect"},
		{"list: bad filter", nil, []string{"list", "--labels", "(("}, exitUsage, "--labels"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := conformExec(t, tc.env, tc.args...)
			if res.code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", res.code, tc.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stderr, tc.err) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.err)
			}
			if n := strings.Count(strings.TrimSpace(res.stderr), "\n"); tc.code == exitUsage && n > 0 {
				t.Errorf("a usage error must be one line, got %d:\n%s", n+1, res.stderr)
			}
		})
	}
}

// TestNoSecretInAnyOutput runs conform against listeners whose failures print
// requests, bodies and curl commands, with every report enabled, and scans
// every byte it wrote for the API key and secret.
func TestNoSecretInAnyOutput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		prof   signing.Profile
		defect string
	}{
		{signing.VeriffXSignature, listener.ReserializedBody},
		{signing.VeriffHMAC, listener.AcceptEverything},
		{signing.ShuftiPro, listener.CrashOnInvalidJSON},
		{signing.VeriffXSignature, listener.WrongFormula},
	} {
		srv := startListener(t, tc.prof, tc.defect)
		js, ju, ht := filepath.Join(dir, tc.defect+".json"), filepath.Join(dir, tc.defect+".xml"), filepath.Join(dir, tc.defect+".html")
		md := filepath.Join(dir, tc.defect+".md")
		env := map[string]string{"GITHUB_STEP_SUMMARY": md}
		for k, v := range e2eEnv {
			env[k] = v
		}
		res := conformExec(t, env, "run", "--provider", tc.prof.Provider, "--profile", tc.prof.Name, "--target", srv.URL,
			"--json", js, "--junit", ju, "--html", ht, "-v", "--strict")
		if res.code != exitFailed {
			t.Fatalf("%s: exit %d, want 1", tc.defect, res.code)
		}
		outputs := map[string]string{"stdout": res.stdout, "stderr": res.stderr}
		for _, f := range []string{js, ju, ht, md} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			outputs[f] = string(b)
		}
		for name, text := range outputs {
			for secretName, secret := range map[string]string{"secret": e2eSecret, "API key": e2eKey} {
				if strings.Contains(text, secret) {
					t.Errorf("%s: the %s appears in %s", tc.defect, secretName, name)
				}
			}
		}
		if tc.prof.Provider == "veriff" && !strings.Contains(res.stdout, `"X-Auth-Client: $CONFORM_API_KEY"`) {
			t.Errorf("%s: reproductions should carry the API key as $CONFORM_API_KEY", tc.defect)
		}
	}
}

func TestListPrintsTheCatalogue(t *testing.T) {
	res := conformExec(t, nil, "list", "--labels", "veriff && auth")
	if res.code != 0 || !strings.Contains(res.stdout, "veriff/auth/wrong-api-key") || !strings.Contains(res.stdout, "3 checks") {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	res = conformExec(t, nil, "list", "--format", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil || len(rows) != 89 {
		t.Fatalf("list --format json: %v, %d rows", err, len(rows))
	}
}

// TestRunOverTLS proves the TLS options against an https listener: an
// unknown CA is unreachable (exit 3) with a hint, --ca-cert trusts it, and
// --insecure skips verification.
func TestRunOverTLS(t *testing.T) {
	l, err := listener.New(listener.Config{Profile: signing.VeriffXSignature, APIKey: e2eKey, Secret: e2eSecret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(l.Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshake is expected
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"run", "--provider", "veriff", "--target", srv.URL, "--labels", "signature"}

	res := conformExec(t, e2eEnv, base...)
	if res.code != exitUnreachable || !strings.Contains(res.stderr, "--ca-cert") {
		t.Errorf("unknown CA: exit %d, stderr %q; want 3 and a --ca-cert hint", res.code, res.stderr)
	}
	if res := conformExec(t, e2eEnv, append(base, "--ca-cert", ca)...); res.code != 0 {
		t.Errorf("--ca-cert: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if res := conformExec(t, e2eEnv, append(base, "--insecure")...); res.code != 0 {
		t.Errorf("--insecure: exit %d\n%s", res.code, res.stderr)
	}
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	_ = os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	if res := conformExec(t, e2eEnv, append(base, "--ca-cert", notPEM)...); res.code != exitUsage || !strings.Contains(res.stderr, "no PEM certificate") {
		t.Errorf("bad --ca-cert: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestExpectedFailuresAndReports: listed failures are tolerated, a stale
// entry fails the run, and the HTML and Markdown reports are written.
func TestExpectedFailuresAndReports(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "expected.yaml")
	write := func(ids ...string) {
		var b strings.Builder
		b.WriteString("expected_failures:\n")
		for _, id := range ids {
			b.WriteString("  - check: " + id + "\n    reason: gateway re-serializes bodies\n")
		}
		if err := os.WriteFile(list, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	failing := []string{"veriff/signature/raw-body-pretty", "veriff/signature/raw-body-unicode-escapes", "veriff/signature/raw-body-slash-escapes",
		"veriff/signature/raw-body-trailing-newline", "veriff/signature/raw-body-crlf-tabs"}
	summary := filepath.Join(dir, "summary.md")
	env := map[string]string{"GITHUB_STEP_SUMMARY": summary}
	html := filepath.Join(dir, "r.html")
	args := []string{"demo", "--provider", "veriff", "--defect", "reserialized-body", "--expected-failures", list, "--html", html}

	write(failing...)
	if res := conformExec(t, env, args...); res.code != 0 || !strings.Contains(res.stdout, "5 expected failures") {
		t.Fatalf("all failures listed: exit %d, want 0\n%s", res.code, res.stdout)
	}
	for _, f := range []string{html, summary} {
		if b, err := os.ReadFile(f); err != nil || !bytes.Contains(b, []byte("veriff/signature/raw-body-pretty")) {
			t.Errorf("%s not written or incomplete: %v", f, err)
		}
	}

	write(append(failing, "veriff/signature/raw-body-key-order")...)
	res := conformExec(t, env, args...)
	if res.code != exitFailed || !strings.Contains(res.stdout, "now passes") {
		t.Errorf("stale entry: exit %d, want 1 with an explanation\n%s", res.code, res.stdout)
	}

	write(failing[:2]...)
	if res := conformExec(t, env, args...); res.code != exitFailed {
		t.Errorf("an unlisted failure must still fail the run: exit %d", res.code)
	}

	_ = os.WriteFile(list, []byte("expected_failures:\n  - check: veriff/nope\n    reason: x\n"), 0o600)
	if res := conformExec(t, env, args...); res.code != exitUsage || !strings.Contains(res.stderr, "expected.yaml:2") {
		t.Errorf("unknown check ID: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestConfigFile: conform run reads conform.yaml (found in the working
// directory or given with --config), flags on the command line win, and a
// mistake in the file is a usage error naming its line.
func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	good := startListener(t, signing.VeriffHMAC, "")
	md := filepath.Join(dir, "summary.md")
	cfg := "provider: veriff\nprofile: veriff-hmac\ntarget: " + good.URL + "\n" +
		"api_key: ${CONFORM_API_KEY}\napi_secret: ${CONFORM_API_SECRET}\nlabels: signature\n" +
		"reports:\n  markdown: summary.md\n"
	if err := os.WriteFile(filepath.Join(dir, "conform.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(env map[string]string, args ...string) result {
		cmd := exec.Command(conformBinary(t), args...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return result{out.String(), errb.String(), code}
	}

	res := run(e2eEnv, "run")
	if res.code != 0 || !strings.Contains(res.stdout, "using conform.yaml") || !strings.Contains(res.stdout, "checks selected") {
		t.Fatalf("conform.yaml in the working directory: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if b, err := os.ReadFile(md); err != nil || !bytes.Contains(b, []byte("CONFORMANT")) {
		t.Errorf("reports.markdown from the file was not written: %v", err)
	}
	// A flag wins over the file: the file says veriff-hmac, the listener
	// verifies hmac; forcing x-signature must make it fail.
	if res := run(e2eEnv, "run", "--profile", "veriff-x-signature"); res.code != exitFailed {
		t.Errorf("--profile overriding the file: exit %d, want 1", res.code)
	}
	// An unset ${VAR} is an error naming the variable, not an empty secret.
	if res := run(map[string]string{"CONFORM_API_KEY": e2eKey}, "run"); res.code != exitUsage || !strings.Contains(res.stderr, "CONFORM_API_SECRET") {
		t.Errorf("unset variable: exit %d, stderr %q", res.code, res.stderr)
	}
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("provider: veriff\ntiemout: 5s\n"), 0o600)
	if res := run(e2eEnv, "run", "--config", bad); res.code != exitUsage || !strings.Contains(res.stderr, "bad.yaml:2") || !strings.Contains(res.stderr, "timeout") {
		t.Errorf("typo in the file: exit %d, stderr %q", res.code, res.stderr)
	}
	_ = os.WriteFile(bad, []byte("provider: veriff\napi_secret: plain-text-secret-123\n"), 0o600)
	if res := run(e2eEnv, "run", "--config", bad); res.code != exitUsage || strings.Contains(res.stderr, "plain-text-secret-123") {
		t.Errorf("literal secret: exit %d (want 2), stderr %q (must not echo it)", res.code, res.stderr)
	}
}

// TestRunLifecycle: with --test-hook-url and --mock-url, run drives a real
// integrator app (its client talking to a conform mock) through the session
// lifecycle; the flags go together, are Veriff's, and unreachable doors are
// exit 3.
func TestRunLifecycle(t *testing.T) {
	st, err := integrator.StartStack(integrator.StackConfig{Profile: signing.VeriffXSignature, APIKey: e2eKey, Secret: e2eSecret, HookToken: "hook-token-123456"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	env := map[string]string{"CONFORM_TEST_HOOK_TOKEN": "hook-token-123456"}
	for k, v := range e2eEnv {
		env[k] = v
	}
	args := []string{"run", "--provider", "veriff", "--decision-url", st.DecisionURL, "--event-url", st.EventURL,
		"--test-hook-url", st.HookURL, "--mock-url", st.MockURL, "--labels", "lifecycle"}
	res := conformExec(t, env, args...)
	if res.code != 0 || !strings.Contains(res.stdout, "CONFORMANT: 12 checks") {
		t.Fatalf("lifecycle run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if res := conformExec(t, env, "run", "--provider", "veriff", "--target", st.AppURL, "--test-hook-url", st.HookURL); res.code != exitUsage || !strings.Contains(res.stderr, "go together") {
		t.Errorf("--test-hook-url alone: exit %d, stderr %q", res.code, res.stderr)
	}
	if res := conformExec(t, env, "run", "--provider", "veriff", "--target", st.AppURL, "--labels", "lifecycle"); res.code != exitUsage || !strings.Contains(res.stderr, "selects no check") {
		t.Errorf("lifecycle labels without a hook: exit %d, stderr %q", res.code, res.stderr)
	}
	down, err := listener.StartHostile("down")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	if res := conformExec(t, env, "run", "--provider", "veriff", "--target", st.AppURL, "--test-hook-url", down.URL+"/hook", "--mock-url", st.MockURL); res.code != exitUnreachable {
		t.Errorf("unreachable hook: exit %d, want 3; stderr %q", res.code, res.stderr)
	}
}
