package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/expect"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/report"
)

func renderMarkdown(t *testing.T, r *report.Report, xf *expect.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Markdown(&b, xf); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// outsideFences drops fenced code blocks (whose content is shown verbatim,
// never as markup) and returns the rest, failing on an unclosed fence.
func outsideFences(t *testing.T, md string) string {
	t.Helper()
	var out []string
	fence := ""
	for _, l := range strings.Split(md, "\n") {
		switch {
		case fence == "" && strings.HasPrefix(l, "```"):
			fence = l[:len(l)-len(strings.TrimLeft(l, "`"))]
		case fence != "" && strings.TrimSpace(l) == fence:
			fence = ""
		case fence == "":
			out = append(out, l)
		}
	}
	if fence != "" {
		t.Fatalf("unclosed fence %q", fence)
	}
	return strings.Join(out, "\n")
}

func TestMarkdownSummary(t *testing.T) {
	rep, _ := demo{defects: map[string]string{"veriff": "reserialized-body", "shuftipro": "wrong-formula"}, wrap: hostile}.run(t)
	md := renderMarkdown(t, rep, nil)
	if !strings.HasPrefix(md, "## ❌ conform: NOT CONFORMANT\n") {
		t.Fatalf("verdict line: %.80q", md)
	}
	prose := outsideFences(t, md)
	if strings.Contains(prose, "<script") || strings.Contains(prose, "<img") {
		t.Fatal("listener markup reached the summary outside code blocks")
	}
	if o, c := strings.Count(prose, "<details>"), strings.Count(prose, "</details>"); o != c || o == 0 {
		t.Fatalf("%d <details> and %d </details>", o, c)
	}
	// One table row per provider and area that ran.
	areas := map[string]bool{}
	for _, o := range rep.Checks {
		areas[o.Provider+"/"+o.Area] = true
	}
	rows := regexp.MustCompile(`(?m)^\| (veriff|shuftipro) \| `).FindAllString(md, -1)
	if len(rows) != len(areas) {
		t.Errorf("%d area rows, want %d", len(rows), len(areas))
	}
	for _, o := range rep.Checks {
		// The first checks are shown with details (bold ID); past the cap,
		// the rest are named by ID only.
		shown := strings.Contains(md, "**`"+o.ID+"`**")
		switch o.Status {
		case harness.Failed, harness.Blocked:
			if !shown {
				if !strings.Contains(md, "`"+o.ID+"`") {
					t.Errorf("%s %s is not in the summary", o.Status, o.ID)
				}
				continue
			}
			f := report.ParseMessage(o.Message)
			if fix := f.Get("fix"); fix != "" && o.Status == harness.Failed && !strings.Contains(prose, "Fix: ") {
				t.Errorf("no fix line for %s", o.ID)
			}
			if exp := f.Get("expected"); exp != "" && !strings.Contains(md, exp) {
				t.Errorf("the expected of %s is missing", o.ID)
			}
		case harness.Passed:
			if shown {
				t.Errorf("passed %s is listed", o.ID)
			}
		}
	}
	if !strings.Contains(md, "*(blocked by `shuftipro/signature/valid-accepted`)*") {
		t.Error("blocked checks do not name their blocker")
	}
}

func TestMarkdownConformantAndExpected(t *testing.T) {
	rep, _ := demo{defect: "reserialized-body", providers: []string{"veriff"}}.run(t)
	list, err := expect.Parse("xf.yaml", []byte("expected_failures:\n"+
		"  - {check: veriff/signature/raw-body-pretty, reason: 'gateway *pretty* prints | tracked', expires: 2099-01-01}\n"+
		"  - {check: veriff/signature/raw-body-unicode-escapes, reason: r}\n"+
		"  - {check: veriff/signature/raw-body-slash-escapes, reason: r}\n"+
		"  - {check: veriff/signature/raw-body-crlf-tabs, reason: r}\n"+
		"  - {check: veriff/signature/raw-body-trailing-newline, reason: r}\n"+
		"  - {check: shuftipro/signature/raw-body-pretty, reason: not run here}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	xf := list.Apply(rep.Checks, time.Now())
	rep.ApplyExpected(&xf)
	if !rep.Conformant || rep.Counts["expected"] != 5 || rep.Counts["failed"] != 0 {
		t.Fatalf("with every failure listed: conformant=%v counts=%v", rep.Conformant, rep.Counts)
	}
	md := renderMarkdown(t, rep, &xf)
	for _, want := range []string{
		"## ✅ conform: CONFORMANT\n",
		", 5 expected, ",
		"### Expected failures (5), listed in `xf.yaml`",
		"- `veriff/signature/raw-body-pretty` — gateway \\*pretty\\* prints \\| tracked (until 2099-01-01)",
		"1 expected-failure entry not judged (not selected): `shuftipro/signature/raw-body-pretty`",
		"| expected |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "### Failed") {
		t.Error("expected failures are listed as failed")
	}
}

func TestMarkdownCapsDetails(t *testing.T) {
	var outs []harness.Outcome
	for i := range 40 {
		id := "veriff/signature/c" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		outs = append(outs, harness.Outcome{ID: id, Provider: "veriff", Area: "signature", Severity: harness.MUST, Status: harness.Failed,
			Message: (&harness.Failure{ID: id, Severity: harness.MUST, Expected: "e", Actual: strings.Repeat("a", 10000), Fix: "f"}).Format(nil)})
	}
	md := renderMarkdown(t, &report.Report{Checks: outs, Started: time.Now()}, nil)
	if n := strings.Count(md, "<details>"); n != 25 {
		t.Errorf("%d detailed checks, want 25", n)
	}
	if !strings.Contains(md, "And 15 more, in the HTML and JSON reports: `veriff/signature/cz`, `veriff/signature/cax`") {
		t.Error("the checks beyond the cap are not named")
	}
	if len(md) > 200_000 {
		t.Errorf("summary is %d bytes", len(md))
	}
	if !strings.Contains(md, "more bytes in the HTML and JSON reports)") {
		t.Error("long sections are not marked as cut")
	}
}

// Text from the run must not be able to close a code span or fence.
func TestMarkdownFencesHoldBackticks(t *testing.T) {
	body := "x ```` y\n```\n<script>z</script>"
	f := &harness.Failure{ID: "veriff/a/b", Severity: harness.MUST, Expected: "e", Actual: body, Fix: "use `code` | pipes"}
	rep := &report.Report{Started: time.Now(), Checks: []harness.Outcome{{ID: "veriff/a/b", Provider: "veriff", Area: "a", Severity: harness.MUST, Status: harness.Failed, Message: f.Format(nil)}}}
	md := renderMarkdown(t, rep, nil)
	prose := outsideFences(t, md)
	if strings.Contains(prose, "<script>") {
		t.Fatalf("the body escaped its fence:\n%s", md)
	}
	if !strings.Contains(md, "`````text\n"+body+"\n`````\n") {
		t.Errorf("fence is not longer than the body's backtick runs:\n%s", md)
	}
	if !strings.Contains(md, "Fix: use \\`code\\` \\| pipes") {
		t.Errorf("fix line not escaped:\n%s", md)
	}
}

func TestWriteStepSummary(t *testing.T) {
	rep, _ := demo{providers: []string{"shuftipro"}}.run(t)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	path, err := report.WriteStepSummary(rep, nil, getenv)
	if err != nil || path != "" {
		t.Fatalf("outside Actions: %q, %v", path, err)
	}

	env["GITHUB_STEP_SUMMARY"] = filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(env["GITHUB_STEP_SUMMARY"], []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if path, err = report.WriteStepSummary(rep, nil, getenv); err != nil || path != env["GITHUB_STEP_SUMMARY"] {
			t.Fatalf("WriteStepSummary: %q, %v", path, err)
		}
	}
	data, _ := os.ReadFile(path)
	one := renderMarkdown(t, rep, nil)
	if string(data) != "earlier step\n"+one+one {
		t.Fatalf("the file is not the earlier content plus two summaries:\n%s", data)
	}
	if !strings.HasPrefix(one, "## ✅ conform: CONFORMANT") {
		t.Errorf("reference listener summary: %.60q", one)
	}

	env["GITHUB_STEP_SUMMARY"] = filepath.Join(t.TempDir(), "missing", "summary.md")
	if _, err := report.WriteStepSummary(rep, nil, getenv); err == nil || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY") {
		t.Fatalf("unwritable summary: %v", err)
	}
}
