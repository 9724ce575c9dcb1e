package docexamples

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Finding is one thing wrong with an example. Rule and Pointer identify it
// (the manifest stores "rule pointer"); Detail is for people only.
type Finding struct {
	Rule    string // "invalid-json", "trailing-comma", "duplicate-key", or a contract rule ("enum", "format", …)
	Pointer string // RFC 6901 pointer into the example ("" = the whole example)
	Detail  string
	// Line is the 1-based line inside the example (0 = not known); Check
	// turns it into a document line.
	Line int
}

// ID is the stable identity of a finding as the manifest stores it.
func (f Finding) ID() string { return strings.TrimSpace(f.Rule + " " + f.Pointer) }

// Syntax results of reading an example as JSON.
type Syntax struct {
	// Findings are the syntax problems, in document order.
	Findings []Finding
	// Repaired is the example with trailing commas removed; it is set only
	// when that makes it valid JSON, so the schema can still be checked and
	// an example with one stray comma does not hide its other defects.
	Repaired []byte
}

// ReadJSON parses raw strictly, the way a JSON receiver would, but keeps
// going past the two mistakes a hand-edited sample typically has — trailing
// commas and repeated keys — so that each is reported with its place.
// encoding/json accepts repeated keys silently (the last one wins), which is
// exactly why they must be reported: two receivers can read different values.
func ReadJSON(raw string) Syntax {
	p := &lenientParser{src: raw}
	p.ws()
	p.value("")
	if p.err == nil {
		p.ws()
		if p.pos < len(p.src) {
			p.fail("", "unexpected text after the JSON value")
		}
	}
	var s Syntax
	s.Findings = p.findings
	if p.err != nil {
		s.Findings = append(s.Findings, *p.err)
		return s
	}
	var b strings.Builder
	last := 0
	for _, at := range p.commas {
		b.WriteString(raw[last:at])
		last = at + 1
	}
	b.WriteString(raw[last:])
	if json.Valid([]byte(b.String())) {
		s.Repaired = []byte(b.String())
	} else {
		// The lenient parser and encoding/json disagree: report rather than guess.
		s.Findings = append(s.Findings, Finding{Rule: "invalid-json", Detail: "rejected by encoding/json after repair"})
	}
	return s
}

type lenientParser struct {
	src      string
	pos      int
	findings []Finding
	commas   []int // byte offsets of trailing commas to drop
	err      *Finding
}

func (p *lenientParser) fail(ptr, msg string) {
	if p.err == nil {
		p.err = &Finding{Rule: "invalid-json", Pointer: ptr, Detail: msg, Line: p.line()}
	}
}

func (p *lenientParser) line() int { return 1 + strings.Count(p.src[:p.pos], "\n") }

func (p *lenientParser) ws() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *lenientParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *lenientParser) value(ptr string) {
	if p.err != nil {
		return
	}
	switch c := p.peek(); {
	case c == '{':
		p.object(ptr)
	case c == '[':
		p.array(ptr)
	case c == '"':
		p.str(ptr)
	case c == '-' || (c >= '0' && c <= '9'):
		p.number(ptr)
	case strings.HasPrefix(p.src[p.pos:], "true"):
		p.pos += 4
	case strings.HasPrefix(p.src[p.pos:], "false"):
		p.pos += 5
	case strings.HasPrefix(p.src[p.pos:], "null"):
		p.pos += 4
	case c == 0:
		p.fail(ptr, "unexpected end of example")
	default:
		p.fail(ptr, fmt.Sprintf("unexpected %q where a value must be", string(c)))
	}
}

func (p *lenientParser) object(ptr string) {
	p.pos++ // {
	seen := map[string]bool{}
	p.ws()
	if p.peek() == '}' {
		p.pos++
		return
	}
	for p.err == nil {
		p.ws()
		if p.peek() != '"' {
			p.fail(ptr, "expected a quoted key")
			return
		}
		key := p.str(ptr)
		if p.err != nil {
			return
		}
		child := ptr + "/" + escapePointer(key)
		if seen[key] {
			p.findings = append(p.findings, Finding{Rule: "duplicate-key", Pointer: child,
				Detail: fmt.Sprintf("key %q appears more than once in one object", key), Line: p.line()})
		}
		seen[key] = true
		p.ws()
		if p.peek() != ':' {
			p.fail(ptr, fmt.Sprintf("expected ':' after key %q", key))
			return
		}
		p.pos++
		p.ws()
		p.value(child)
		p.ws()
		switch p.peek() {
		case ',':
			comma := p.pos
			p.pos++
			p.ws()
			if p.peek() == '}' {
				p.trailing(ptr, comma)
				p.pos++
				return
			}
		case '}':
			p.pos++
			return
		default:
			p.fail(ptr, "expected ',' or '}' after a member")
			return
		}
	}
}

func (p *lenientParser) array(ptr string) {
	p.pos++ // [
	p.ws()
	if p.peek() == ']' {
		p.pos++
		return
	}
	for i := 0; p.err == nil; i++ {
		p.ws()
		p.value(ptr + "/" + strconv.Itoa(i))
		p.ws()
		switch p.peek() {
		case ',':
			comma := p.pos
			p.pos++
			p.ws()
			if p.peek() == ']' {
				p.trailing(ptr, comma)
				p.pos++
				return
			}
		case ']':
			p.pos++
			return
		default:
			p.fail(ptr, "expected ',' or ']' after an element")
			return
		}
	}
}

func (p *lenientParser) trailing(ptr string, at int) {
	save := p.pos
	p.pos = at
	p.findings = append(p.findings, Finding{Rule: "trailing-comma", Pointer: ptr,
		Detail: "comma before the closing bracket", Line: p.line()})
	p.pos = save
	p.commas = append(p.commas, at)
}

// str reads a JSON string and returns its decoded value.
func (p *lenientParser) str(ptr string) string {
	start := p.pos
	p.pos++ // opening quote
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\':
			p.pos += 2
		case c == '"':
			p.pos++
			var v string
			if err := json.Unmarshal([]byte(p.src[start:p.pos]), &v); err != nil {
				p.fail(ptr, "malformed string: "+err.Error())
			}
			return v
		case c < 0x20:
			p.fail(ptr, "control character or line break inside a string")
			return ""
		default:
			p.pos++
		}
	}
	p.fail(ptr, "unterminated string")
	return ""
}

func (p *lenientParser) number(ptr string) {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-0123456789.eE", p.src[p.pos]) >= 0 {
		p.pos++
	}
	if !json.Valid([]byte(p.src[start:p.pos])) {
		p.fail(ptr, fmt.Sprintf("malformed number %q", p.src[start:p.pos]))
	}
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// SortFindings orders findings by identity so that comparisons are stable.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].ID() < fs[j].ID() })
}
