package report

import (
	"regexp"
	"strconv"
	"strings"
)

// Finding is a check's message split into the labelled sections that
// harness.Failure.Format writes:
//
//	<id> [MUST]
//	  rule:      <document>, "<section>": "<quote>"
//	  expected:  …
//	  actual:    …
//	             (continuation lines are indented by 12 spaces)
//	  fix:       …
//	  before 1:  …
//	  sent:      …
//	  reproduce:  curl …
//
// Lines before the header (why a check was blocked, what the
// expected-failures list made of it) are the Note. A message that does not
// have this shape is kept whole in Raw with Parsed false, and the reports
// show it as it is: a new message form must never lose text.
type Finding struct {
	Note     string
	Header   string
	Sections []Section
	Raw      string
	Parsed   bool
}

// Section is one labelled part of a message.
type Section struct {
	Label string // "rule", "expected", "actual", "fix", "before 1", "sent", "reproduce", …
	Text  string
}

// Get returns the text of the first section with this label.
func (f Finding) Get(label string) string {
	for _, s := range f.Sections {
		if s.Label == label {
			return s.Text
		}
	}
	return ""
}

// Before returns the "before N" sections in order.
func (f Finding) Before() []Section {
	var out []Section
	for _, s := range f.Sections {
		if strings.HasPrefix(s.Label, "before ") {
			out = append(out, s)
		}
	}
	return out
}

// Others returns the sections the reports have no dedicated place for.
func (f Finding) Others() []Section {
	var out []Section
	for _, s := range f.Sections {
		switch {
		case strings.HasPrefix(s.Label, "before "):
		case s.Label == "rule", s.Label == "expected", s.Label == "actual", s.Label == "fix", s.Label == "sent", s.Label == "reproduce":
		default:
			out = append(out, s)
		}
	}
	return out
}

var (
	headerLine  = regexp.MustCompile(`^\S+ \[(MUST|SHOULD)\]$`)
	sectionLine = regexp.MustCompile(`^  ([a-z]+(?: [0-9]+)?):( +)(.*)$`)
	ruleText    = regexp.MustCompile(`^(.*), ("(?:[^"\\]|\\.)*"): ("(?:[^"\\]|\\.)*")$`)
)

// continuation is the indentation harness.Failure.Format gives every line
// after a section's first.
const continuation = "            "

// ParseMessage splits an outcome's message into a Finding.
func ParseMessage(msg string) Finding {
	f := Finding{Raw: msg}
	lines := strings.Split(strings.TrimRight(msg, "\n"), "\n")
	head := -1
	for i, l := range lines {
		if headerLine.MatchString(l) {
			head = i
			break
		}
	}
	if head < 0 {
		f.Note = strings.TrimSpace(msg)
		return f
	}
	f.Note = strings.TrimSpace(strings.Join(lines[:head], "\n"))
	f.Header = lines[head]
	for _, l := range lines[head+1:] {
		if m := sectionLine.FindStringSubmatch(l); m != nil && validPad(m[1], m[2]) {
			f.Sections = append(f.Sections, Section{Label: m[1], Text: m[3]})
			continue
		}
		if strings.HasPrefix(l, continuation) && len(f.Sections) > 0 {
			s := &f.Sections[len(f.Sections)-1]
			s.Text += "\n" + strings.TrimPrefix(l, continuation)
			continue
		}
		// Not the shape Format writes: keep the whole message as it is.
		return Finding{Raw: msg, Note: strings.TrimSpace(msg)}
	}
	f.Parsed = len(f.Sections) > 0
	if !f.Parsed {
		return Finding{Raw: msg, Note: strings.TrimSpace(msg)}
	}
	return f
}

// validPad checks the spaces after "label:" are exactly what Format's
// "  %-9s  %s" writes, so that a text line that merely looks like a label
// is not mistaken for one.
func validPad(label, pad string) bool {
	want := 9 - (len(label) + 1)
	if want < 0 {
		want = 0
	}
	return len(pad) == want+2
}

// Rule is a provider rule as quoted in a message.
type Rule struct {
	Document, Section, Quote string
}

// ParseRule reads `<document>, "<section>": "<quote>"`; ok is false for any
// other text, which the reports then show as it is.
func ParseRule(text string) (Rule, bool) {
	m := ruleText.FindStringSubmatch(text)
	if m == nil {
		return Rule{}, false
	}
	sec, err1 := strconv.Unquote(m[2])
	quote, err2 := strconv.Unquote(m[3])
	if err1 != nil || err2 != nil {
		return Rule{}, false
	}
	return Rule{Document: m[1], Section: sec, Quote: quote}, true
}
