package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/conform-kit/conform/expect"
)

// Limits that keep the summary readable and well under GitHub's 1 MiB per
// step: the HTML and JSON reports carry everything.
const (
	mdMaxDetailed = 25   // checks shown with their details; the rest by ID
	mdMaxText     = 3000 // characters of one section (expected, actual, request, curl)
)

// Markdown writes a compact GitHub-flavoured summary: the verdict, a table
// by area, and each failed or blocked check with its fix and, collapsed, its
// expected and actual. Everything from the run is escaped or fenced, so a
// listener's answer cannot inject markup into the page.
func (r *Report) Markdown(w io.Writer, xf *expect.Result) error {
	v := newView(r, xf)
	var b bytes.Buffer
	icon := "✅"
	if !v.Conformant {
		icon = "❌"
	}
	fmt.Fprintf(&b, "## %s conform: %s\n\n", icon, v.Verdict)
	fmt.Fprintf(&b, "%d checks: **%d failed**, %d blocked, %d warned (SHOULD)", v.Total, v.Counts.Failed, v.Counts.Blocked, v.Counts.Warned)
	if xf != nil {
		fmt.Fprintf(&b, ", %d expected", v.Counts.Expected)
	}
	fmt.Fprintf(&b, ", %d passed — %d requests in %s, seed %d, conform %s", v.Counts.Passed, r.Requests, v.Duration, r.Seed, mdText(r.Version))
	if r.Labels != "" {
		fmt.Fprintf(&b, ", labels %s", mdCode(r.Labels))
	}
	if r.Strict {
		b.WriteString(", strict")
	}
	b.WriteString("\n\n")

	if len(v.Problems) > 0 {
		fmt.Fprintf(&b, "**Expected-failure entries that fail the run** (%s):\n\n", mdText(xf.File))
		for _, p := range v.Problems {
			fmt.Fprintf(&b, "- **%s**: %s\n", p.Disposition, mdText(p.Message))
		}
		b.WriteString("\n")
	}

	b.WriteString("| provider | area | passed | failed | blocked | warned |")
	if xf != nil {
		b.WriteString(" expected |")
	}
	b.WriteString("\n|---|---|--:|--:|--:|--:|")
	if xf != nil {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	for _, row := range v.ByArea {
		mark := ""
		if row.Bad() {
			mark = "❌ "
		}
		fmt.Fprintf(&b, "| %s | %s%s | %d | %d | %d | %d |", mdText(row.Name), mark, mdText(row.Sub), row.Passed, row.Failed, row.Blocked, row.Warned)
		if xf != nil {
			fmt.Fprintf(&b, " %d |", row.Expected)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")

	shown := 0
	section := func(title string, checks []checkView) {
		if len(checks) == 0 {
			return
		}
		fmt.Fprintf(&b, "### %s (%d)\n\n", title, len(checks))
		var rest []string
		for _, c := range checks {
			if shown >= mdMaxDetailed {
				rest = append(rest, mdCode(c.ID))
				continue
			}
			shown++
			mdCheck(&b, c)
		}
		if len(rest) > 0 {
			fmt.Fprintf(&b, "And %d more, in the HTML and JSON reports: %s\n\n", len(rest), strings.Join(rest, ", "))
		}
	}
	section("Failed", v.Failed)
	section("Blocked", v.Blocked)
	section("Warned: SHOULD rules not met", v.Warned)
	if len(v.Expected) > 0 {
		fmt.Fprintf(&b, "### Expected failures (%d), listed in %s\n\n", len(v.Expected), mdCode(xf.File))
		for _, c := range v.Expected {
			fmt.Fprintf(&b, "- %s — %s", mdCode(c.ID), mdText(c.Verdict.Entry.Reason))
			if e := c.Verdict.Entry.Expires; e != "" {
				fmt.Fprintf(&b, " (until %s)", mdText(e))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if len(v.NotRun) > 0 {
		fmt.Fprintf(&b, "%d expected-failure %s not judged (not selected): %s\n\n", len(v.NotRun), plural(len(v.NotRun), "entry", "entries"), joinIDs(v.NotRun))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func mdCheck(b *bytes.Buffer, c checkView) {
	fmt.Fprintf(b, "**%s** %s — %s", mdCode(c.ID), c.Severity, mdText(c.Title))
	if c.BlockedBy != "" {
		fmt.Fprintf(b, " *(blocked by %s)*", mdCode(c.BlockedBy))
	}
	b.WriteString("\n\n")
	if c.Verdict != nil && c.Verdict.FailsRun {
		fmt.Fprintf(b, "> %s\n\n", mdText(c.Verdict.Message))
	}
	if !c.Finding.Parsed {
		fmt.Fprintf(b, "<details><summary>message</summary>\n\n%s\n</details>\n\n", mdFence(c.Message))
		return
	}
	if c.Fix != "" {
		fmt.Fprintf(b, "Fix: %s\n\n", mdText(c.Fix))
	}
	b.WriteString("<details><summary>expected / actual / reproduce</summary>\n\n")
	if c.Rule.Quote != "" {
		fmt.Fprintf(b, "Rule (%s, “%s”): “%s”\n\n", mdText(c.Rule.Document), mdText(c.Rule.Section), mdText(c.Rule.Quote))
	}
	for _, s := range []struct{ label, text string }{{"Expected", c.Expected}, {"Actual", c.Actual}, {"Reproduce", c.Reproduce}} {
		if s.text != "" {
			fmt.Fprintf(b, "%s:\n%s\n", s.label, mdFence(s.text))
		}
	}
	b.WriteString("</details>\n\n")
}

// WriteStepSummary appends the Markdown summary to the file GitHub Actions
// names in GITHUB_STEP_SUMMARY, and returns its path; outside Actions (the
// variable unset) it does nothing and returns "". getenv is os.Getenv in
// production.
func WriteStepSummary(r *Report, xf *expect.Result, getenv func(string) string) (string, error) {
	path := getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return "", nil
	}
	var buf bytes.Buffer
	if err := r.Markdown(&buf, xf); err != nil {
		return "", err
	}
	// Other steps append to the same file: append, and in one write.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return "", fmt.Errorf("GITHUB_STEP_SUMMARY %s: %w", path, err)
	}
	if _, err := fh.Write(buf.Bytes()); err != nil {
		fh.Close()
		return "", fmt.Errorf("GITHUB_STEP_SUMMARY %s: %w", path, err)
	}
	if err := fh.Close(); err != nil {
		return "", fmt.Errorf("GITHUB_STEP_SUMMARY %s: %w", path, err)
	}
	return path, nil
}

// mdText makes text inert inside a Markdown paragraph or table cell: HTML
// is escaped, Markdown punctuation backslash-escaped, lines joined.
func mdText(s string) string {
	s = truncate(s, mdMaxText)
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\n', '\r':
			b.WriteByte(' ')
		case '\\', '`', '*', '_', '[', ']', '#', '|', '!', '~', '$', '@':
			// CommonMark lets any ASCII punctuation be backslash-escaped;
			// these can start markup mid-line (emphasis, links, images,
			// tables, strikethrough, math, mentions). Lines never begin
			// with run text here, so list and quote markers need nothing.
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// mdCode is an inline code span that holds s whatever backticks it has;
// pipes are escaped so that a span inside a table cell keeps the table.
func mdCode(s string) string {
	s = strings.ReplaceAll(truncate(s, mdMaxText), "\n", " ")
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + strings.ReplaceAll(s, "|", `\|`) + pad + fence
}

// mdFence is a fenced code block longer than any backtick run in s, so the
// content cannot close it.
func mdFence(s string) string {
	s = truncate(s, mdMaxText)
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + "text\n" + s + "\n" + fence + "\n"
}

func longestRun(s string, c rune) int {
	best, n := 0, 0
	for _, r := range s {
		if r == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d more bytes in the HTML and JSON reports)", len(s)-cut)
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinIDs(vs []expect.Verdict) string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, mdCode(v.Entry.Check))
	}
	return strings.Join(ids, ", ")
}
