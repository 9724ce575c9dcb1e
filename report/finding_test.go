package report_test

import (
	"strings"
	"testing"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/report"
)

// The parser reads what harness.Failure.Format writes: build messages with
// Format itself, so a change of format breaks this test, not the reports.
func TestParseMessageReadsFailureFormat(t *testing.T) {
	req := &harness.Request{Method: "POST", URL: "http://127.0.0.1:9/veriff/decision",
		Header: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte("{\"a\":\n1}")}
	f := &harness.Failure{
		ID: "veriff/signature/raw-body-pretty", Severity: harness.MUST,
		Rule:     harness.Rule{Section: `Handling "security"`, Quote: `access the body (before it is parsed) — "raw"`},
		Document: "veriff-api-v1-docs.txt",
		Expected: "accepted with 2xx\nsecond line of expected\n  indented third line",
		Actual:   "401 Unauthorized, body: {\"x\":\"  expected:  not a label\"}",
		Fix:      "hash the raw body",
		Exchange: &harness.Exchange{Request: req},
		Sent:     []*harness.Exchange{{Request: req}},
	}
	msg := f.Format(nil)
	got := report.ParseMessage(msg)
	if !got.Parsed {
		t.Fatalf("not parsed:\n%s", msg)
	}
	if got.Header != "veriff/signature/raw-body-pretty [MUST]" || got.Note != "" {
		t.Errorf("header %q note %q", got.Header, got.Note)
	}
	for label, want := range map[string]string{
		"expected":  f.Expected,
		"actual":    f.Actual,
		"fix":       f.Fix,
		"sent":      harness.DescribeRequest(req),
		"reproduce": harness.Curl(req),
	} {
		if g := got.Get(label); g != want {
			t.Errorf("%s:\n got %q\nwant %q", label, g, want)
		}
	}
	if b := got.Before(); len(b) != 1 || b[0].Label != "before 1" || !strings.HasPrefix(b[0].Text, "POST http://127.0.0.1:9/veriff/decision\n") {
		t.Errorf("before = %+v", b)
	}
	if o := got.Others(); len(o) != 0 {
		t.Errorf("others = %+v", o)
	}
	rule, ok := report.ParseRule(got.Get("rule"))
	if !ok || rule.Document != f.Document || rule.Section != f.Rule.Section || rule.Quote != f.Rule.Quote {
		t.Errorf("rule = %+v, %v from %q", rule, ok, got.Get("rule"))
	}
}

func TestParseMessageNotesAndFallback(t *testing.T) {
	inner := (&harness.Failure{ID: "shuftipro/events/request-pending", Severity: harness.MUST, Expected: "e", Actual: "a"}).Format(nil)
	blocked := "shuftipro/events/request-pending not judged: shuftipro/signature/valid-accepted failed — root cause. Its own observation:\n" + inner
	got := report.ParseMessage(blocked)
	if !got.Parsed || !strings.HasPrefix(got.Note, "shuftipro/events/request-pending not judged") || got.Get("expected") != "e" || got.Get("actual") != "a" {
		t.Errorf("blocked message: %+v", got)
	}

	for name, msg := range map[string]string{
		"not run":        "veriff/x/y not run: the listener stopped answering during veriff/a/b; fix that first",
		"unknown shape":  "veriff/x/y [MUST]\nsomething else entirely\n  expected:  e\n",
		"header only":    "veriff/x/y [MUST]\n",
		"label mispaded": "veriff/x/y [MUST]\n  expected: e\n",
		"empty":          "",
	} {
		got := report.ParseMessage(msg)
		if got.Parsed || got.Raw != msg || got.Note != strings.TrimSpace(msg) || len(got.Sections) != 0 {
			t.Errorf("%s: want the raw fallback, got %+v", name, got)
		}
	}

	if _, ok := report.ParseRule("free text without quotes"); ok {
		t.Error("ParseRule accepted free text")
	}
}
