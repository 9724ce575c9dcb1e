package report_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/expect"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/report"
	"github.com/conform-kit/conform/suites"
)

// scriptTag finds a script element in the page source (the report itself
// has none).
var scriptTag = regexp.MustCompile(`(?i)<script`)

func renderHTML(t *testing.T, r *report.Report, xf *expect.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.HTML(&b, xf); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A hostile listener answers with markup; the failures quote its answers.
func TestHTMLEscapesListenerAnswers(t *testing.T) {
	rep, _ := demo{defect: "reserialized-body", wrap: hostile}.run(t)
	quoted := 0
	for _, o := range rep.Checks {
		if strings.Contains(o.Message, "</pre><script>") {
			quoted++
		}
	}
	if quoted == 0 {
		t.Fatal("no failure quotes the hostile body: the test proves nothing")
	}
	page := renderHTML(t, rep, nil)
	if m := scriptTag.FindString(page); m != "" {
		t.Fatalf("the page holds live markup %q", m)
	}
	if strings.Contains(page, "</pre><script>") {
		t.Fatal("the hostile body reached the page unescaped")
	}
	if n := strings.Count(page, "&lt;/pre&gt;&lt;script&gt;"); n < quoted {
		t.Fatalf("the escaped body appears %d times, want at least once per quoting failure (%d)", n, quoted)
	}
}

// Every field a report shows can carry markup, not only bodies.
func TestHTMLEscapesEveryField(t *testing.T) {
	evil := `</pre></code><script>x()</script><a href="javascript:x()" onclick=x()>`
	f := &harness.Failure{ID: "veriff/a/b" + evil, Severity: harness.MUST,
		Rule:     harness.Rule{Section: evil, Quote: evil},
		Document: evil, Expected: evil, Actual: evil, Fix: evil,
		Exchange: &harness.Exchange{Request: &harness.Request{Method: "POST", URL: "http://127.0.0.1:1/" + evil, Body: []byte(evil)}}}
	outs := []harness.Outcome{
		{ID: "veriff/a/b" + evil, Title: evil, Provider: "veriff" + evil, Area: evil, Severity: harness.MUST, Labels: []string{evil}, Status: harness.Failed, Message: f.Format(nil)},
		{ID: "veriff/a/c", Title: evil, Provider: "veriff", Area: "a", Severity: harness.SHOULD, Labels: []string{"x"}, Status: harness.Warned, Message: "not parsed " + evil},
		{ID: "veriff/a/d", Title: evil, Provider: "veriff", Area: "a", Severity: harness.MUST, Status: harness.Blocked, BlockedBy: evil, Message: evil + "\n" + f.Format(nil)},
		{ID: "veriff/a/e", Title: evil, Provider: "veriff", Area: "a", Severity: harness.MUST, Status: harness.Passed},
	}
	rep := &report.Report{Tool: "conform", Version: evil, Labels: evil, Started: time.Now(),
		Targets: []report.Target{{Provider: evil, Profile: evil, URLs: map[string]string{evil: evil}}}, Checks: outs}
	page := renderHTML(t, rep, nil)
	if m := scriptTag.FindString(page); m != "" {
		t.Fatalf("the page holds live markup %q", m)
	}
	// Unescaped, the quotes would close an attribute and open a handler.
	if strings.Contains(page, `"javascript:x()" onclick`) || strings.Contains(page, `href="javascript:`) {
		t.Fatal("the link markup reached the page unescaped")
	}
	if !strings.Contains(page, html.EscapeString("<script>x()</script>")) {
		t.Fatal("the escaped text is missing: fields were dropped rather than escaped")
	}
}

func TestWriteHTMLAtomically(t *testing.T) {
	rep, _ := demo{providers: []string{"veriff"}}.run(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTML(path, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) || !bytes.Contains(data, []byte("CONFORMANT")) {
		t.Fatalf("report: %v %.100q", err, data)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("leftover files: %v", entries)
	}
	err = rep.WriteHTML(filepath.Join(dir, "no-such-dir", "r.html"), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "--html ") {
		t.Fatalf("write into a missing directory: %v", err)
	}
}

// TestHTMLInChromium opens a real report in headless Chromium and checks what
// a person sees: the verdict, a failed check with its expected, actual and
// curl, a blocked check naming its blocker, the expected-failure verdicts,
// and no script running. It leaves report.html and report.png in
// $CONFORM_ARTIFACTS (or the test's temporary directory).
func TestHTMLInChromium(t *testing.T) {
	browser := chromium(t)
	rep, _ := demo{
		defects: map[string]string{"veriff": "reserialized-body", "shuftipro": "wrong-formula"},
		wrap:    hostile,
	}.run(t)
	xfSrc := "expected_failures:\n" +
		"  - {check: veriff/signature/raw-body-slash-escapes, reason: our PHP gateway escapes slashes, expires: 2099-12-31, link: https://tracker.example/PAY-7}\n" +
		"  - {check: veriff/auth/wrong-api-key, reason: fixed last sprint}\n"
	var known []string
	for _, in := range suites.Registry().Instances("") {
		known = append(known, in.ID)
	}
	list, err := expect.Parse("conform-expected.yaml", []byte(xfSrc), known)
	if err != nil {
		t.Fatal(err)
	}
	xf := list.Apply(rep.Checks, time.Now())
	rep.ApplyExpected(&xf)

	dir := os.Getenv("CONFORM_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	if err := rep.WriteHTML(page, &xf); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	_ = os.Remove(shot)

	dom := runChromium(t, browser, "--dump-dom", "file://"+page)
	runChromium(t, browser, "--screenshot="+shot, "--window-size=1280,2000", "file://"+page)
	t.Logf("HTML report: %s\nscreenshot: %s", page, shot)

	// The DOM as Chromium built it: no script element, and the title is
	// ours (the hostile body would set it to "pwned" if it ran).
	if regexp.MustCompile(`(?i)<script`).MatchString(dom) {
		t.Fatal("the rendered DOM holds a script element")
	}
	if m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(dom); m == nil || !strings.HasPrefix(m[1], "conform: NOT CONFORMANT") {
		t.Fatalf("page title %q", m)
	}
	text := visibleText(dom)

	var failed, blocked *harness.Outcome
	for i, o := range rep.Checks {
		if o.ID == "veriff/signature/raw-body-pretty" {
			failed = &rep.Checks[i]
		}
		if o.Status == harness.Blocked && blocked == nil {
			blocked = &rep.Checks[i]
		}
	}
	if failed == nil || failed.Status != harness.Failed || blocked == nil {
		t.Fatalf("the run did not produce the failures this test reads: failed=%v blocked=%v", failed, blocked)
	}
	fnd := report.ParseMessage(failed.Message)
	curl := fnd.Get("reproduce")
	for what, want := range map[string]string{
		"verdict":             "NOT CONFORMANT",
		"failed check":        failed.ID,
		"its title":           failed.Title,
		"expected":            fnd.Get("expected"),
		"actual":              fnd.Get("actual"),
		"fix":                 fnd.Get("fix"),
		"curl, first line":    curl[:strings.Index(curl, "\n")],
		"curl, API key":       `-H "X-Auth-Client: $CONFORM_API_KEY"`,
		"rule quote":          "access the http request body (before it is parsed)",
		"blocked check":       blocked.ID,
		"its blocker":         "Blocked by " + blocked.BlockedBy,
		"expected failure":    "expected failure (conform-expected.yaml:2): our PHP gateway escapes slashes",
		"stale entry":         "veriff/auth/wrong-api-key now passes but conform-expected.yaml:3 lists it as an expected failure",
		"escaped body, shown": "</pre><script>document.title='pwned'</script>",
	} {
		if !strings.Contains(text, collapse(want)) {
			t.Errorf("the rendered page lacks the %s: %q", what, want)
		}
	}

	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if len(png) < 10_000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || binary.BigEndian.Uint32(png[16:20]) != 1280 {
		t.Fatalf("screenshot %s is not a 1280-wide PNG with content (%d bytes)", shot, len(png))
	}
}

// chromium finds Debian's chromium. CI sets CONFORM_REQUIRE_CHROMIUM=1 so a
// missing browser fails there instead of passing silently.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "headless Chromium not found (apt-get install -y chromium)"
	if os.Getenv("CONFORM_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(msg + "; CONFORM_REQUIRE_CHROMIUM=1 requires it")
	}
	t.Skip(msg + "; set CONFORM_REQUIRE_CHROMIUM=1 to make this a failure")
	return ""
}

func runChromium(t *testing.T, browser string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", browser, args, err, lastLines(errb.String(), 10))
	}
	return out.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var (
	tags   = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`)
	spaces = regexp.MustCompile(`\s+`)
)

// visibleText is the page's text as a person reads it, whitespace collapsed.
func visibleText(dom string) string {
	return collapse(html.UnescapeString(tags.ReplaceAllString(dom, " ")))
}

func collapse(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }
