package suites

import (
	"bytes"
	"context"
	"fmt"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/harness/jsontree"
)

// Signature checks. The provider signs the exact bytes it sends; a listener
// must verify those bytes before parsing them. The rejection checks send one
// correctly built delivery with exactly one thing wrong.

const wrongSecret = "conform-test-only-wrong-secret"

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "valid-accepted", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a correctly signed delivery is accepted (the baseline every acceptance check relies on)",
	Rules: map[string]harness.Rule{
		"veriff":    veriffAccept,
		"shuftipro": {Section: "Response Signature", Quote: "Match the SHA256 string with Signature value from the header of the response."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		f := accepted(s, s.Deliver(ctx, baseline(s)), "a correctly signed "+s.Provider.Baseline+" delivery")
		if f != nil && f.Exchange.Status() >= 400 && f.Exchange.Status() < 500 {
			f.Fix = fmt.Sprintf("the listener rejects a delivery signed exactly as %s signs it: compute %s = %s over the raw body bytes (not a re-serialization), with the secret the run uses; `conform verify` on a captured request tells which variant the listener computes",
				s.Provider.Title, s.Profile.Header, s.Profile.Formula)
		}
		return f
	},
})

// rejectsSignature builds a check body that sends the baseline delivery of
// every endpoint with its signature header replaced by whatever alter
// returns (nil: no header).
func rejectsSignature(what string, alter func(s *harness.Session, body []byte, good string) *string) func(context.Context, *harness.Session) *harness.Failure {
	return func(ctx context.Context, s *harness.Session) *harness.Failure {
		return eachEndpoint(s, func(kind string, d *harness.Delivery) *harness.Failure {
			body := d.Body()
			req := s.Signed(kind, body)
			req = withHeader(req, s.Profile.Header, alter(s, body, req.Header.Get(s.Profile.Header)))
			return rejected(s.Send(ctx, req), "a "+kind+" delivery with "+what, sigFix(s))
		})
	}
}

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "mismatch-one-digit", Severity: harness.MUST, Rejects: true,
	Title: "a signature with its last hex digit changed is rejected, on every webhook URL",
	Rules: map[string]harness.Rule{"veriff": veriffSecurity, "shuftipro": shuftiValidate},
	Run: rejectsSignature("its signature's last hex digit changed", func(_ *harness.Session, _ []byte, good string) *string {
		return ptr(flipLastHex(good))
	}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "wrong-secret", Severity: harness.MUST, Rejects: true,
	Title: "a signature made with a different secret is rejected",
	Rules: map[string]harness.Rule{"veriff": veriffSecurity, "shuftipro": shuftiValidate},
	Run: rejectsSignature("a signature made with another secret", func(s *harness.Session, body []byte, _ string) *string {
		return ptr(s.SignWith(s.Profile, wrongSecret, body))
	}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "truncated", Severity: harness.MUST, Rejects: true,
	Title: "the first half of the correct signature is rejected (catches prefix comparisons)",
	Rules: map[string]harness.Rule{"veriff": veriffSecurity, "shuftipro": shuftiValidate},
	Run: rejectsSignature("only the first half of the correct signature", func(_ *harness.Session, _ []byte, good string) *string {
		return ptr(good[:len(good)/2])
	}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "empty", Severity: harness.MUST, Rejects: true,
	Title: "an empty signature header is rejected (catches prefix comparisons against an empty string)",
	Rules: map[string]harness.Rule{"veriff": veriffSecurity, "shuftipro": shuftiValidate},
	Run: rejectsSignature("an empty signature header", func(*harness.Session, []byte, string) *string {
		return ptr("")
	}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "missing", Severity: harness.MUST, Rejects: true,
	Title: "a delivery without the signature header is rejected",
	Rules: map[string]harness.Rule{
		"veriff":    {Section: "Handling security", Quote: "compare the hex encoded digest with the X-SIGNATURE header, if different -> fail with error"},
		"shuftipro": shuftiValidate,
	},
	Run: rejectsSignature("no signature header", func(*harness.Session, []byte, string) *string { return nil }),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "other-body", Severity: harness.MUST, Rejects: true,
	Title: "a valid signature of a different body is rejected",
	Rules: map[string]harness.Rule{"veriff": veriffSecurity, "shuftipro": shuftiValidate},
	Run: rejectsSignature("the signature of a different delivery's body", func(s *harness.Session, _ []byte, _ string) *string {
		return ptr(s.SignWith(s.Profile, "", baseline(s).Body()))
	}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "other-profile", Severity: harness.MUST, Rejects: true,
	Title: "the provider's other signing scheme is rejected (X-SIGNATURE vs HMAC; Shufti current vs legacy)",
	Rules: map[string]harness.Rule{
		"veriff":    veriffSecurity,
		"shuftipro": {Section: "Response Signature", Quote: "The clients registered with shuftipro before 15th March 2023 or have not updated the secret key from the back office. They don't need to take SHA256 of the Secret key."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		other := s.Provider.OtherProfile(s.Profile)
		return rejectsSignature(fmt.Sprintf("a %s signature (%s) in %s", other.Name, other.Formula, s.Profile.Header),
			func(s *harness.Session, body []byte, _ string) *string { return ptr(s.SignWith(other, "", body)) })(ctx, s)
	},
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "body-changed", Severity: harness.MUST, Rejects: true,
	Title: "a body changed after signing is rejected",
	Rules: map[string]harness.Rule{
		"veriff":    {Section: "Handling security", Quote: "calculate the sha256 digest of the request body string + api secret"},
		"shuftipro": {Section: "Response Signature", Quote: "Concatenate Secret Key at the end of the raw response string. (i.e. response + secret_key)."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		return eachEndpoint(s, func(kind string, d *harness.Delivery) *harness.Failure {
			// Sign one session, deliver another: the smallest realistic tampering.
			req := s.Signed(kind, d.Body())
			other, err := s.Baseline(kind)
			if err != nil {
				panic(err)
			}
			tampered := d.Doc.Clone()
			if err := tampered.Set(jsontree.Str(other.SessionID), s.Provider.Kinds[kind].IDPath...); err != nil {
				panic(err)
			}
			req.Body = tampered.Encode(harness.WireForm)
			return rejected(s.Send(ctx, req), "a "+kind+" delivery whose id was changed after signing", sigFix(s))
		})
	},
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "verified-before-parsing", Severity: harness.MUST, Rejects: true,
	Title: "a badly signed delivery gets the same answer whether its body is valid JSON or not (the signature is checked first)",
	Rules: map[string]harness.Rule{
		"veriff":    {Section: "Handling security", Quote: "access the http request body (before it is parsed) … only now you should parse the request body JSON object"},
		"shuftipro": {Section: "Response Signature", Quote: "Concatenate Secret Key at the end of the raw response string. (i.e. response + secret_key)."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		return eachEndpoint(s, func(kind string, d *harness.Delivery) *harness.Failure {
			valid := d.Body()
			invalid := valid[:len(valid)/2]
			send := func(body []byte) *harness.Exchange {
				req := s.Signed(kind, body)
				return s.Send(ctx, withHeader(req, s.Profile.Header, ptr(flipLastHex(req.Header.Get(s.Profile.Header)))))
			}
			first := send(valid)
			if f := rejected(first, "a badly signed "+kind+" delivery", sigFix(s)); f != nil {
				return f
			}
			second := send(invalid)
			if second.Status() == first.Status() {
				return nil
			}
			return &harness.Failure{
				Expected: fmt.Sprintf("the same answer as for the badly signed valid JSON (%d): the signature is checked before the body is parsed", first.Status()),
				Actual:   harness.DescribeOutcome(second) + " — the listener parsed a body it had not authenticated",
				Fix:      "verify the signature over the raw bytes first and reject; parse only authenticated bodies, so unauthenticated input never reaches the JSON parser",
				Exchange: second, Sent: []*harness.Exchange{first},
			}
		})
	},
})

// acceptsSpelling builds a check body that sends the baseline delivery in
// another byte-level spelling, correctly signed over exactly those bytes.
// Veriff's own sample validator re-serializes with JSON.stringify(req.body)
// before hashing; that only works while the provider's bytes happen to equal
// the re-serialization. These checks make the difference visible.
func acceptsSpelling(what string, o jsontree.Options) func(context.Context, *harness.Session) *harness.Failure {
	return func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := baseline(s)
		o.SortKeys = harness.WireForm.SortKeys // vary one thing only
		body := d.Doc.Encode(o)
		if bytes.Equal(body, d.Body()) {
			panic(fmt.Sprintf("fixture %s has nothing that %s changes; pick a fixture that exercises it", d.Fixture.ID, what))
		}
		f := accepted(s, s.Send(ctx, s.Signed(d.Kind, body)), "a correctly signed delivery "+what)
		if f != nil {
			f.Fix = "hash the raw request body exactly as received; never re-serialize the parsed JSON (JSON.stringify(req.body), json.dumps, a framework's body parser) before computing " + s.Profile.Header
		}
		return f
	}
}

// acceptsBytes is acceptsSpelling for byte-level changes a JSON encoder
// does not make: the payload is the baseline's wire form, transformed.
func acceptsBytes(what string, transform func(wire []byte) []byte) func(context.Context, *harness.Session) *harness.Failure {
	return func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := baseline(s)
		body := transform(d.Body())
		f := accepted(s, s.Send(ctx, s.Signed(d.Kind, body)), "a correctly signed delivery "+what)
		if f != nil {
			f.Fix = "hash the raw request body exactly as received: no trimming, no line-ending normalization, no re-serialization before computing " + s.Profile.Header
		}
		return f
	}
}

var rawBodyRules = map[string]harness.Rule{
	"veriff":    {Section: "Handling security", Quote: "access the http request body (before it is parsed)"},
	"shuftipro": {Section: "Response Signature", Quote: "Concatenate Secret Key at the end of the raw response string. (i.e. response + secret_key)."},
}

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "raw-body-pretty", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a correctly signed pretty-printed body is accepted (the signature covers the raw bytes)",
	Rules: rawBodyRules,
	Run:   acceptsSpelling("pretty-printed with two-space indentation", jsontree.Options{Indent: "  "}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "raw-body-key-order", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a correctly signed body with keys in another order (reverse-sorted) is accepted",
	Rules: rawBodyRules,
	Run:   acceptsSpelling("with object keys in reverse-sorted order", jsontree.Options{ReverseKeys: true}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "raw-body-unicode-escapes", Severity: harness.MUST, NeedsAcceptance: true,
	Title: `a correctly signed body with non-ASCII text as \uXXXX escapes is accepted`,
	Rules: rawBodyRules,
	Run:   acceptsSpelling(`with non-ASCII characters written as \uXXXX escapes`, jsontree.Options{EscapeNonASCII: true}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "raw-body-trailing-newline", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a correctly signed body ending in a newline is accepted (the newline is part of the signed bytes)",
	Rules: rawBodyRules,
	Run: acceptsBytes("ending in a newline", func(compact []byte) []byte {
		return append(append([]byte(nil), compact...), '\n')
	}),
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "raw-body-crlf-tabs", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a correctly signed body indented with tabs and CRLF line ends is accepted",
	Rules: rawBodyRules,
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := baseline(s)
		pretty := d.Doc.Encode(jsontree.Options{Indent: "\t", SortKeys: harness.WireForm.SortKeys})
		return acceptsBytes("indented with tabs, with CRLF line ends", func([]byte) []byte {
			return bytes.ReplaceAll(pretty, []byte("\n"), []byte("\r\n"))
		})(ctx, s)
	},
})

var _ = registry.Define(harness.Check{
	Area: "signature", Name: "raw-body-slash-escapes", Severity: harness.MUST, NeedsAcceptance: true,
	Title: `a correctly signed body with "/" written as "\/" is accepted`,
	Rules: rawBodyRules,
	Run:   acceptsSpelling(`with "/" written as "\/" (as PHP's json_encode does)`, jsontree.Options{EscapeSlash: true}),
})
