package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/conform-kit/conform/expect"
	"github.com/conform-kit/conform/harness"
)

// The page is one file with its CSS inline and no script, fonts or images,
// so it opens from a CI artifact, an e-mail or a laptop without network. Its
// Content-Security-Policy forbids scripts as well: bodies in the page come
// from the listener under test, and escaping is then not the only defence.
//
//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"lower": func(s any) string { return strings.ToLower(fmt.Sprint(s)) },
	"upper": func(s any) string { return strings.ToUpper(fmt.Sprint(s)) },
	"args":  func(v ...any) []any { return v },
	"int":   func(n int64) int { return int(n) },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}).Parse(htmlSource))

// WriteHTML writes the HTML report to path atomically (temp file + rename).
// xf is the applied expected-failures list, or nil.
func (r *Report) WriteHTML(path string, xf *expect.Result) error {
	var buf bytes.Buffer
	if err := r.HTML(&buf, xf); err != nil {
		return fmt.Errorf("--html %s: %w", path, err)
	}
	if err := writeAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("--html %s: %w", path, err)
	}
	return nil
}

// HTML renders the report as one self-contained HTML page.
func (r *Report) HTML(w io.Writer, xf *expect.Result) error {
	return htmlTemplate.Execute(w, newView(r, xf))
}

// writeAtomic writes data next to path and renames it into place, so a CI
// step never uploads half a report. Reports hold no secret and are meant to
// be shared, hence 0644 rather than CreateTemp's 0600.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".conform-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// view is what the templates (HTML and Markdown) read.
type view struct {
	R          *Report
	Conformant bool
	Verdict    string
	Started    string
	Duration   string
	Total      int
	Counts     tally
	Targets    []targetView
	XF         *expect.Result
	Problems   []expect.Verdict
	NotRun     []expect.Verdict
	ByArea     []tallyRow
	BySeverity []tallyRow
	ByLabel    []tallyRow
	Failed     []checkView
	Blocked    []checkView
	Warned     []checkView
	Expected   []checkView
	Passed     []checkView
}

type targetView struct {
	Provider, Profile string
	URLs              [][2]string
}

type tally struct{ Passed, Failed, Warned, Blocked, Expected int }

func (t *tally) add(s harness.Status) {
	switch s {
	case harness.Passed:
		t.Passed++
	case harness.Failed:
		t.Failed++
	case harness.Warned:
		t.Warned++
	case harness.Blocked:
		t.Blocked++
	case expect.Expected:
		t.Expected++
	}
}

// Bad reports whether anything in the row fails the run.
func (t tally) Bad() bool { return t.Failed+t.Blocked > 0 }

type tallyRow struct {
	Name, Sub string
	tally
}

type checkView struct {
	harness.Outcome
	Anchor          string
	BlockedByAnchor string
	Finding         Finding
	Rule            Rule
	RuleParsed      bool
	Expected        string
	Actual          string
	Fix             string
	Sent            string
	Reproduce       string
	Before          []Section
	Others          []Section
	NeedsKey        bool
	Verdict         *expect.Verdict
	Where           string // the verdict's entry as file:line
	DurationText    string
}

func newView(r *Report, xf *expect.Result) *view {
	v := &view{
		R: r, Conformant: r.Conformant, XF: xf, Total: len(r.Checks),
		Started:  r.Started.UTC().Format("2006-01-02 15:04:05 UTC"),
		Duration: r.Duration.Round(time.Millisecond).String(),
	}
	v.Verdict = "CONFORMANT"
	if !r.Conformant {
		v.Verdict = "NOT CONFORMANT"
	}
	for _, t := range r.Targets {
		tv := targetView{Provider: t.Provider, Profile: t.Profile}
		names := make([]string, 0, len(t.URLs))
		for n := range t.URLs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			tv.URLs = append(tv.URLs, [2]string{n, t.URLs[n]})
		}
		v.Targets = append(v.Targets, tv)
	}
	if xf != nil {
		for _, vd := range xf.Verdicts {
			switch {
			case vd.FailsRun:
				v.Problems = append(v.Problems, vd)
			case vd.Disposition == expect.NotRun:
				v.NotRun = append(v.NotRun, vd)
			}
		}
	}

	areas, labels, sevs := map[[2]string]*tallyRow{}, map[string]*tallyRow{}, map[string]*tallyRow{}
	var areaOrder [][2]string
	for _, o := range r.Checks {
		v.Counts.add(o.Status)
		k := [2]string{o.Provider, o.Area}
		if areas[k] == nil {
			areas[k] = &tallyRow{Name: o.Provider, Sub: o.Area}
			areaOrder = append(areaOrder, k)
		}
		areas[k].add(o.Status)
		for _, l := range o.Labels {
			if labels[l] == nil {
				labels[l] = &tallyRow{Name: l}
			}
			labels[l].add(o.Status)
		}
		sev := string(o.Severity)
		if sevs[sev] == nil {
			sevs[sev] = &tallyRow{Name: sev}
		}
		sevs[sev].add(o.Status)

		cv := newCheckView(o, xf)
		switch o.Status {
		case harness.Failed:
			v.Failed = append(v.Failed, cv)
		case harness.Blocked:
			v.Blocked = append(v.Blocked, cv)
		case harness.Warned:
			v.Warned = append(v.Warned, cv)
		case expect.Expected:
			v.Expected = append(v.Expected, cv)
		default:
			v.Passed = append(v.Passed, cv)
		}
	}
	for _, k := range areaOrder {
		v.ByArea = append(v.ByArea, *areas[k])
	}
	for _, s := range []string{string(harness.MUST), string(harness.SHOULD)} {
		if sevs[s] != nil {
			v.BySeverity = append(v.BySeverity, *sevs[s])
			delete(sevs, s)
		}
	}
	for _, s := range sortedKeys(sevs) {
		v.BySeverity = append(v.BySeverity, *sevs[s])
	}
	for _, l := range sortedKeys(labels) {
		v.ByLabel = append(v.ByLabel, *labels[l])
	}
	return v
}

func newCheckView(o harness.Outcome, xf *expect.Result) checkView {
	f := ParseMessage(o.Message)
	cv := checkView{
		Outcome: o, Anchor: anchor(o.ID), Finding: f,
		Expected: f.Get("expected"), Actual: f.Get("actual"), Fix: f.Get("fix"),
		Sent: f.Get("sent"), Reproduce: f.Get("reproduce"), Before: f.Before(), Others: f.Others(),
		DurationText: o.Duration.Round(time.Microsecond).String(),
	}
	if o.BlockedBy != "" {
		cv.BlockedByAnchor = anchor(o.BlockedBy)
	}
	if rule := f.Get("rule"); rule != "" {
		cv.Rule, cv.RuleParsed = ParseRule(rule)
		if !cv.RuleParsed {
			cv.Rule.Quote = rule
		}
	}
	cv.NeedsKey = strings.Contains(cv.Reproduce, harness.APIKeyPlaceholder)
	if vd, ok := xf.For(o.ID); ok {
		cv.Verdict = &vd
		cv.Where = fmt.Sprintf("%s:%d", xf.File, vd.Entry.Line)
		// The list's own annotation line is shown from the verdict; keep
		// only what the check itself said.
		if first, rest, _ := strings.Cut(cv.Finding.Note, "\n"); strings.HasSuffix(first, vd.Message) {
			cv.Finding.Note = strings.TrimSpace(rest)
		}
	}
	return cv
}

// anchor turns a check ID into an HTML id that links can point at.
func anchor(id string) string {
	var b strings.Builder
	b.WriteString("check-")
	for _, c := range strings.ToLower(id) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
