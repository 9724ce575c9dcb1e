package harness

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Failure is a negative verdict, written for the integrator who has to fix
// the listener: which rule, what conform expected, what it saw, what to change,
// the exact request, and a curl command that sends it again.
type Failure struct {
	Expected string
	Actual   string
	Fix      string
	// Exchange is the request that exposed the problem (nil for checks that
	// fail before sending anything).
	Exchange *Exchange
	// Sent lists earlier exchanges of the same check that matter for
	// understanding this one (e.g. the first of two duplicate deliveries).
	Sent []*Exchange

	// Filled in by the runner.
	ID       string
	Severity Severity
	Rule     Rule
	Document string
}

func (f *Failure) Error() string { return f.Format(nil) }

// Format renders the failure; redact is applied to every line so that no
// secret can leak through a body or header, whatever a check put there.
func (f *Failure) Format(redact func(string) string) string {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	var b strings.Builder
	line := func(label, text string) {
		if text == "" {
			return
		}
		pad := strings.Repeat(" ", 11)
		fmt.Fprintf(&b, "  %-9s  %s\n", label+":", strings.ReplaceAll(text, "\n", "\n"+pad+" "))
	}
	fmt.Fprintf(&b, "%s [%s]\n", f.ID, f.Severity)
	if f.Rule.Quote != "" {
		line("rule", fmt.Sprintf("%s, %q: %q", f.Document, f.Rule.Section, f.Rule.Quote))
	}
	line("expected", f.Expected)
	line("actual", f.Actual)
	line("fix", f.Fix)
	for i, ex := range f.Sent {
		ex = redactedExchange(ex, redact)
		line(fmt.Sprintf("before %d", i+1), DescribeRequest(ex.Request)+"\n→ "+DescribeOutcome(ex))
	}
	if f.Exchange != nil {
		line("sent", DescribeRequest(redactedExchange(f.Exchange, redact).Request))
		line("reproduce", Curl(f.Exchange.Request))
	}
	return redact(b.String())
}

// redactedExchange redacts bodies before they are cut into snippets: a
// secret cut in half by a snippet would no longer match and escape
// redaction. Reproductions keep the real body (its signature covers it);
// the final pass over the whole text still redacts it there.
func redactedExchange(ex *Exchange, redact func(string) string) *Exchange {
	if ex == nil {
		return nil
	}
	c := *ex
	if ex.Request != nil {
		rq := *ex.Request
		rq.Body = []byte(redact(string(rq.Body)))
		c.Request = &rq
	}
	if ex.Response != nil {
		rs := *ex.Response
		rs.Body = []byte(redact(string(rs.Body)))
		c.Response = &rs
	}
	return &c
}

// DescribeOutcome says what came back, in one line a person can read.
func DescribeOutcome(ex *Exchange) string {
	if ex == nil {
		return "nothing was sent"
	}
	if !ex.Answered() {
		return fmt.Sprintf("no answer (%s after %s): %v", ex.ErrKind, roundDur(ex.Elapsed), ex.Err)
	}
	r := ex.Response
	s := fmt.Sprintf("%d %s in %s", r.Status, http.StatusText(r.Status), roundDur(ex.Elapsed))
	if loc := r.Header.Get("Location"); loc != "" && r.Status >= 300 && r.Status < 400 {
		s += fmt.Sprintf(", redirecting to %s (not followed: the provider posts to the configured URL only)", loc)
	}
	switch {
	case len(r.Body) == 0:
		s += ", empty body"
	default:
		s += ", body: " + Snippet(r.Body, 160)
		if r.Truncated {
			s += fmt.Sprintf(" (answer longer than %d bytes; the rest was not read)", len(r.Body))
		}
	}
	if ex.Err != nil {
		s += fmt.Sprintf("; then the answer broke off (%s): %v", ex.ErrKind, ex.Err)
	}
	return s
}

// DescribeRequest prints the request: method, URL, headers, body start.
func DescribeRequest(r *Request) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Method, r.URL)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "\n%s: %s", k, v)
		}
	}
	if len(r.Body) == 0 {
		b.WriteString("\n(empty body)")
	} else {
		fmt.Fprintf(&b, "\nbody (%d bytes): %s", len(r.Body), Snippet(r.Body, 240))
	}
	return b.String()
}

// Snippet shows the start of a body on one line, invalid UTF-8 and control
// characters escaped so a terminal never interprets them.
func Snippet(body []byte, max int) string {
	cut := len(body) > max
	if cut {
		body = body[:max]
	}
	var b strings.Builder
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, body[0])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
		body = body[size:]
	}
	if cut {
		b.WriteString("…")
	}
	return b.String()
}

// APIKeyPlaceholder stands in for the integrator's API key in reproductions,
// so a pasted command works in a shell that has the variable set.
const APIKeyPlaceholder = "$CONFORM_API_KEY"

// Curl renders a ready-to-paste command that sends exactly r. Header values
// are kept (signatures are not secrets: they are valid for one body only),
// except a value the runner marked as the API key, which the runner's redact
// turns into "$CONFORM_API_KEY" inside double quotes.
func Curl(r *Request) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -i -X %s %s", r.Method, shellQuote(r.URL))
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, " \\\n  -H %s", headerArg(k, v))
		}
	}
	if r.Method != http.MethodGet || len(r.Body) > 0 {
		fmt.Fprintf(&b, " \\\n  --data-binary %s", bodyQuote(r.Body))
	}
	return b.String()
}

// headerArg quotes one -H argument. The runner's redaction later rewrites the
// argument that carries the real API key into "Name: $CONFORM_API_KEY".
func headerArg(k, v string) string {
	return shellQuote(k + ": " + v)
}

// bodyQuote quotes a body so that the command stays on lines whose
// indentation is outside the quotes: reports indent continuation lines, and
// a literal newline inside '…' would carry that indentation into the pasted
// body and break its signature. Bodies with control bytes, invalid UTF-8 or
// newlines use bash's $'…' quoting with escapes; others plain '…'.
func bodyQuote(body []byte) string {
	plain := utf8.Valid(body)
	for _, c := range body {
		if c < 0x20 || c == 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return shellQuote(string(body))
	}
	var b strings.Builder
	b.WriteString("$'")
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError && size == 1, r < 0x20, r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, body[0])
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		body = body[size:]
	}
	b.WriteString("'")
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func roundDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}
