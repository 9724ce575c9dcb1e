package signing

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Diagnose explains why got is not profile p's signature of payload, by
// recomputing the signature under the mistakes integrators actually make and
// reporting the variants that reproduce got.
//
// A mismatch on its own tells an integrator nothing: the secret, the body, the
// formula and the header's transport all look alike from the outside. Each
// variant isolates one of them, and since an accidental SHA-256 collision is
// impossible in practice, a variant that reproduces got is the explanation.
//
// Diagnose never includes the secret, or any digest, in its findings: they
// name formulas only. Diagnosis.Expected is the profile's signature for the
// given secret and payload — the same value Sign returns, which cannot be
// turned back into the secret and is the one number an integrator needs to
// compare with their own computation. One caution for callers that print it:
// under sha256(payload || secret) an EMPTY payload's signature is
// hex(sha256(secret)), which Shufti Pro's current scheme uses as key material.
func Diagnose(p Profile, secret string, payload []byte, got string) Diagnosis {
	d := Diagnosis{Profile: p, Expected: p.Sign(secret, payload)}
	if p.Verify(secret, payload, got) {
		d.Match = true
		if hasUpper(got) {
			d.add(Finding{Kind: KindUppercase, Note: true, Formula: p.Formula, Rule: uppercaseRule,
				Message: "the signature is uppercase hex: accepted (hex is case-insensitive and Veriff's own validator lowercases the header), " +
					"but a verifier that compares strings with == or === rejects it; senders should emit lowercase hex as every sample does"})
		}
		return d
	}

	dg := diagnoser{p: p, secret: secret, payload: payload}
	value, ok := dg.normalize(&d, got)
	if !ok {
		return d
	}
	if p.Verify(secret, payload, value) {
		// The transport findings recorded by normalize are the whole story.
		return d
	}
	raw, _ := hex.DecodeString(value)
	cands := dg.candidates(&d)
	if len(raw) != sha256.Size {
		dg.wrongLength(&d, value, cands)
		return d
	}
	for _, c := range cands {
		if hmac.Equal(c.digest, raw) {
			d.add(c.finding)
		}
	}
	if !d.explained() {
		d.add(Finding{Kind: KindUnknown, Formula: p.Formula, Rule: p.Source,
			Message: "no known variant matched: most likely a different secret (check which account's secret the sender uses, and that it is the API secret, not the API key), " +
				"or the body was changed after signing (verify the raw bytes exactly as received, before any parsing)"})
	}
	return d
}

// Diagnosis is the result of Diagnose.
type Diagnosis struct {
	// Profile is the profile the signature was checked against.
	Profile Profile
	// Match reports whether got verifies under Profile as given (Profile.Verify).
	Match bool
	// Expected is Profile's signature of the payload with the given secret,
	// lowercase hex.
	Expected string
	// Findings explain the mismatch, most specific first; when Match is true
	// they are notes only.
	Findings []Finding
	// Skipped names variants that were not tried, and why.
	Skipped []string
}

// Finding is one explanation of a mismatch.
type Finding struct {
	// Kind is a stable identifier (one of the Kind constants).
	Kind string
	// Message says what reproduces the signature and what most likely caused it.
	Message string
	// Formula is the formula the received signature actually satisfies, or the
	// profile's own formula when the finding is about the header's form.
	Formula string
	// Rule quotes the document rule the finding concerns.
	Rule string
	// Note marks a finding that does not make the signature fail.
	Note bool
}

// Finding kinds.
const (
	KindUppercase        = "uppercase"
	KindWhitespace       = "whitespace"
	KindPrefixed         = "prefixed"
	KindBase64           = "base64"
	KindNotHex           = "not-hex"
	KindWrongLength      = "wrong-length"
	KindTruncated        = "truncated"
	KindOtherProfile     = "other-profile"
	KindSecretPrepended  = "secret-prepended"
	KindOtherFormula     = "other-formula"
	KindSecretWhitespace = "secret-whitespace"
	KindEmptyPayload     = "empty-payload"
	KindTrailingNewline  = "trailing-newline"
	KindLineEndings      = "line-endings"
	KindReserializedJSON = "reserialized-json"
	KindUnknown          = "unknown"
)

const (
	uppercaseRule = `veriff-api-v1-docs.txt, "Validating X-Signature": "return digest === signature.toLowerCase();"`
	// maxReserializeBytes bounds the JSON re-serialization variants, which
	// parse and render the body a dozen times; far above any real webhook.
	maxReserializeBytes = 8 << 20
	// minTruncatedHexDigits: below this a prefix match is likely by chance.
	minTruncatedHexDigits = 8
)

// rawBodyRules quote, per profile, the document sentence that says the
// signature covers the body exactly as sent.
var rawBodyRules = map[string]string{
	VeriffXSignature.Name: `veriff-api-v1-docs.txt, "Handling security": "access the http request body (before it is parsed)", "calculate the sha256 digest of the request body string + api secret"`,
	VeriffHMAC.Name:       `shared/providers/README.md: "Webhooks to an integrator carry X-AUTH-CLIENT and X-HMAC-SIGNATURE over the raw body."`,
	ShuftiPro.Name:        `shuftipro-responses-docs.txt, "Response Signature": "Concatenate Secret Key at the end of the raw response string."`,
	ShuftiProLegacy.Name:  `shuftipro-responses-docs.txt, "Response Signature": "Concatenate Secret Key at the end of the raw response string."`,
}

func rawBodyRule(p Profile) string {
	if r, ok := rawBodyRules[p.Name]; ok {
		return r
	}
	return p.Source
}

// explained reports whether a finding other than a note or the catch-all has
// been recorded.
func (d Diagnosis) explained() bool {
	for _, f := range d.Findings {
		if !f.Note && f.Kind != KindUnknown {
			return true
		}
	}
	return false
}

func (d *Diagnosis) add(f Finding) { d.Findings = append(d.Findings, f) }

type diagnoser struct {
	p       Profile
	secret  string
	payload []byte
}

// normalize undoes the transport-level damage a header value can suffer
// (white space, a scheme prefix, base64, case) and records each repair as a
// finding. It returns the value as bare hex, or ok=false when the value cannot
// be a hex digest at all (the findings then say why).
func (dg diagnoser) normalize(d *Diagnosis, got string) (value string, ok bool) {
	p := dg.p
	value = got
	if t := strings.TrimSpace(value); t != value {
		d.add(Finding{Kind: KindWhitespace, Formula: p.Formula, Rule: p.Source,
			Message: fmt.Sprintf("the header value has white space around it (%d leading, %d trailing characters): a hex digest contains none, and conform does not trim; "+
				"the sender or whatever captured the request added it (a newline left in a template or an env var, a padded log column)",
				len(value)-len(strings.TrimLeftFunc(value, unicode.IsSpace)), len(value)-len(strings.TrimRightFunc(value, unicode.IsSpace)))})
		value = t
	}
	if value == "" {
		d.add(Finding{Kind: KindWrongLength, Formula: p.Formula, Rule: p.Source,
			Message: "the header value is empty: the sender set the header without computing a signature"})
		return "", false
	}
	if i := schemePrefix(value); i > 0 {
		d.add(Finding{Kind: KindPrefixed, Formula: p.Formula, Rule: p.Source,
			Message: fmt.Sprintf("the header value starts with %q: %s carries the bare hex digest, with no scheme or header-name prefix", value[:i], p.Header)})
		value = strings.TrimSpace(value[i:])
	}
	if !isHex(value) {
		decoded, how, isB64 := fromBase64(value)
		if !isB64 {
			i := strings.IndexFunc(value, func(r rune) bool { return !isHexRune(r) })
			r, _ := utf8.DecodeRuneInString(value[i:])
			d.add(Finding{Kind: KindNotHex, Formula: p.Formula, Rule: p.Source,
				Message: fmt.Sprintf("the header value is not hex (character %q at offset %d): %s is a hex-encoded SHA-256 digest, 64 characters 0-9a-f",
					r, i, p.Header)})
			return "", false
		}
		d.add(Finding{Kind: KindBase64, Formula: p.Formula, Rule: p.Source,
			Message: fmt.Sprintf("the header value is base64 (%s), not hex: the sender encoded the digest with base64 where the document says hex", how)})
		value = decoded
	}
	if hasUpper(value) {
		d.add(Finding{Kind: KindUppercase, Note: true, Formula: p.Formula, Rule: uppercaseRule,
			Message: "the signature is uppercase hex: accepted on its own (hex is case-insensitive), so it is not the cause"})
		value = strings.ToLower(value)
	}
	return value, true
}

// schemePrefix returns the length of a leading "sha256=", "sha256:" or
// "X-Signature: " style prefix, or 0.
func schemePrefix(v string) int {
	i := strings.IndexAny(v, "=:")
	if i <= 0 || i == len(v)-1 {
		return 0
	}
	for _, r := range v[:i] {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || unicode.IsLetter(r)) {
			return 0
		}
	}
	// Base64 padding is also '=': only a prefix followed by more text counts.
	rest := strings.TrimLeft(v[i+1:], " \t")
	if rest == "" || rest[0] == '=' {
		return 0
	}
	return len(v) - len(rest)
}

// fromBase64 decodes v as base64 (standard or URL alphabet, padded or not).
// It yields hex: the raw digest re-encoded, or the decoded text when the sender
// base64-encoded the hex string itself.
func fromBase64(v string) (hexValue, how string, ok bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(v)
		if err != nil || len(b) == 0 {
			continue
		}
		if isHex(string(b)) {
			return string(b), fmt.Sprintf("it decodes to %d hex digits: the hex string itself was base64-encoded", len(b)), true
		}
		if len(b) == sha256.Size {
			return hex.EncodeToString(b), "it decodes to 32 raw bytes: the digest was base64-encoded instead of hex-encoded", true
		}
	}
	return "", "", false
}

func (dg diagnoser) wrongLength(d *Diagnosis, value string, cands []candidate) {
	p := dg.p
	if len(value) < 2*sha256.Size && len(value) >= minTruncatedHexDigits {
		if strings.HasPrefix(d.Expected, value) {
			d.add(Finding{Kind: KindTruncated, Formula: p.Formula, Rule: p.Source,
				Message: fmt.Sprintf("the signature is truncated: its %d hex digits are the first %d of the expected 64 (a length-limited header, log field or database column cut it)", len(value), len(value))})
			return
		}
		for _, c := range cands {
			if strings.HasPrefix(hex.EncodeToString(c.digest), value) {
				f := c.finding
				f.Kind = KindTruncated
				f.Message = fmt.Sprintf("the signature is truncated (%d of 64 hex digits) and, in full, %s", len(value), f.Message)
				d.add(f)
				return
			}
		}
	}
	what := ""
	switch len(value) {
	case 32:
		what = " (the length of an MD5 digest)"
	case 40:
		what = " (the length of a SHA-1 digest)"
	case 128:
		what = " (the length of a SHA-512 digest)"
	}
	d.add(Finding{Kind: KindWrongLength, Formula: p.Formula, Rule: p.Source,
		Message: fmt.Sprintf("the signature has %d hex digits%s; a hex SHA-256 digest has 64, and it is not a prefix of any variant conform knows", len(value), what)})
}

// candidate is one way of computing a signature that differs from the
// profile's in exactly one respect (or, for re-serialized bodies, in the body
// and possibly the profile).
type candidate struct {
	digest  []byte
	finding Finding
}

func (dg diagnoser) candidates(d *Diagnosis) []candidate {
	p, secret, payload := dg.p, dg.secret, dg.payload
	var out []candidate

	// Another profile of the same or the other provider. Profiles whose formulas
	// coincide (veriff-x-signature and shuftipro-legacy) yield one finding.
	groups := profileGroups(secret, payload)
	for _, g := range groups {
		if g.has(p) {
			continue
		}
		q := g.preferred(p)
		out = append(out, candidate{digest: g.digest, finding: Finding{Kind: KindOtherProfile, Formula: q.Formula, Rule: q.Source,
			Message: fmt.Sprintf("the signature is %s (%s), not %s's %s: %s", g.names(p), q.Formula, p.Name, p.Formula, profileHint(p, q))}})
	}

	// Formula mistakes that belong to no profile.
	hashedSecret := hexSHA256([]byte(secret))
	for _, v := range []struct {
		kind, formula, cause string
		digest               []byte
	}{
		{KindSecretPrepended, "hex(sha256(secret || payload))", "the secret was prepended instead of appended", sha256Of([]byte(secret), payload)},
		{KindSecretPrepended, "hex(sha256(hex(sha256(secret)) || payload))", "the hashed secret was prepended instead of appended", sha256Of([]byte(hashedSecret), payload)},
		{KindOtherFormula, "hex(hmac_sha256(key=payload, secret))", "the HMAC's key and message are swapped", hmacOf(payload, []byte(secret))},
		{KindOtherFormula, "hex(hmac_sha256(key=hex(sha256(secret)), payload))", "the HMAC is keyed with the hashed secret", hmacOf([]byte(hashedSecret), payload)},
		{KindOtherFormula, "hex(sha256(payload || HEX(sha256(secret))))", "the secret's hash was appended in uppercase hex", sha256Of(payload, []byte(strings.ToUpper(hashedSecret)))},
		{KindOtherFormula, "hex(sha256(payload))", "no secret went into the signature at all", sha256Of(payload)},
	} {
		out = append(out, candidate{digest: v.digest, finding: Finding{Kind: v.kind, Formula: v.formula, Rule: p.Source,
			Message: fmt.Sprintf("the signature is %s: %s; %s expects %s", v.formula, v.cause, p.Name, p.Formula)}})
	}

	// The secret itself carries white space: the classic secret read from a
	// file or a .env line with its newline. The secret is never echoed.
	for _, v := range []struct{ s, what string }{
		{secret + "\n", "a trailing newline (\\n) appended to the secret"},
		{secret + "\r\n", "a trailing CRLF appended to the secret"},
		{strings.TrimSpace(secret), "the secret without the white space it has here"},
	} {
		if v.s == secret {
			continue
		}
		out = append(out, candidate{digest: p.Digest(v.s, payload), finding: Finding{Kind: KindSecretWhitespace, Formula: p.Formula, Rule: p.Source,
			Message: fmt.Sprintf("the signature is %s computed with %s: one side loads the secret from a file or environment without trimming it (or trims it when the other does not)", p.Formula, v.what)}})
	}

	// An empty payload: the signer hashed before the body was written, or
	// signed a consumed stream.
	if len(payload) > 0 {
		for _, g := range profileGroups(secret, nil) {
			q := g.preferred(p)
			out = append(out, candidate{digest: g.digest, finding: Finding{Kind: KindEmptyPayload, Formula: q.Formula, Rule: rawBodyRule(p),
				Message: fmt.Sprintf("the signature is %s of an EMPTY payload: the signer hashed before the body was set, or read a body stream that was already consumed", g.names(p))}})
		}
	}

	// The body as it would be after the changes that happen to bodies in
	// transit or in code: newlines, line endings, re-serialization.
	for _, form := range bodyForms(payload, d) {
		for _, g := range profileGroups(secret, form.body) {
			q := g.preferred(p)
			profilePart := ""
			if !g.has(p) {
				profilePart = fmt.Sprintf(" and signed as %s (%s) rather than %s", g.names(p), q.Formula, p.Name)
			}
			out = append(out, candidate{digest: g.digest, finding: Finding{Kind: form.kind, Formula: q.Formula, Rule: rawBodyRule(p),
				Message: fmt.Sprintf("the signature is over %s%s: %s", form.describe(), profilePart, form.cause)}})
		}
	}
	return out
}

// profileGroup is the set of profiles that produce the same digest of one input.
type profileGroup struct {
	digest   []byte
	profiles []Profile
}

func profileGroups(secret string, payload []byte) []profileGroup {
	var gs []profileGroup
outer:
	for _, q := range all {
		dig := q.Digest(secret, payload)
		for i := range gs {
			if bytes.Equal(gs[i].digest, dig) {
				gs[i].profiles = append(gs[i].profiles, q)
				continue outer
			}
		}
		gs = append(gs, profileGroup{digest: dig, profiles: []Profile{q}})
	}
	return gs
}

func (g profileGroup) has(p Profile) bool {
	for _, q := range g.profiles {
		if q.Name == p.Name {
			return true
		}
	}
	return false
}

// preferred picks the group member to explain a finding with: p itself, else
// one of p's provider, else the first.
func (g profileGroup) preferred(p Profile) Profile {
	for _, q := range g.profiles {
		if q.Name == p.Name {
			return q
		}
	}
	for _, q := range g.profiles {
		if q.Provider == p.Provider {
			return q
		}
	}
	return g.profiles[0]
}

// names lists the group's profiles, p's provider first.
func (g profileGroup) names(p Profile) string {
	first := g.preferred(p)
	var same []string
	for _, q := range g.profiles {
		if q.Name != first.Name {
			same = append(same, q.Name)
		}
	}
	if len(same) == 0 {
		return fmt.Sprintf("profile %s's signature (header %s)", first.Name, first.Header)
	}
	return fmt.Sprintf("profile %s's signature (header %s; %s has the same formula)", first.Name, first.Header, strings.Join(same, ", "))
}

// profileHint says what a profile confusion most likely means in practice.
func profileHint(p, q Profile) string {
	switch {
	case p.Provider == "veriff" && q.Provider == "veriff":
		return "Veriff's v1 document signs X-SIGNATURE = sha256(body || secret) while its current API signs X-HMAC-SIGNATURE = HMAC-SHA256; sender and verifier use different generations — align them (verify with --profile " + q.Name + " to confirm)"
	case p.Provider == "shuftipro" && q.Provider == "shuftipro" && q.Name == ShuftiProLegacy.Name:
		return "the raw secret was appended where the current scheme appends hex(sha256(secret)): the account predates 15 March 2023 or its secret was never updated in the back office — use --profile shuftipro-legacy, or hash the secret"
	case p.Provider == "shuftipro" && q.Provider == "shuftipro":
		return "the secret was hashed first (the current scheme) where the legacy scheme appends it raw: the account's secret was updated in the back office — use --profile shuftipro"
	default:
		return fmt.Sprintf("the signature follows the other provider's scheme (%s, not %s): the signing code or the secret belongs to the wrong integration", q.Provider, p.Provider)
	}
}

// bodyForm is the payload as some common step would have changed it.
type bodyForm struct {
	kind, what, cause string
	// same names other changes that yield the same bytes for this body.
	same []string
	body []byte
}

func (f bodyForm) describe() string {
	if len(f.same) == 0 {
		return f.what
	}
	return f.what + " (for this body the same bytes as: " + strings.Join(f.same, "; ") + ")"
}

const reserializedPrefix = "the body re-serialized as "

func bodyForms(payload []byte, d *Diagnosis) []bodyForm {
	const newlineCause = "the body was changed by one line ending between signing and verifying (an editor or `echo` added a newline, a capture or template stripped it) — sign and verify the exact bytes on the wire"
	var forms []bodyForm
	add := func(kind, what, cause string, body []byte) {
		if bytes.Equal(body, payload) {
			return
		}
		for i := range forms {
			if bytes.Equal(forms[i].body, body) {
				forms[i].same = append(forms[i].same, strings.TrimPrefix(what, reserializedPrefix))
				return
			}
		}
		forms = append(forms, bodyForm{kind: kind, what: what, cause: cause, body: body})
	}
	add(KindTrailingNewline, "the body with a trailing newline (\\n) added", newlineCause, concat(payload, []byte("\n")))
	add(KindTrailingNewline, "the body with a trailing CRLF added", newlineCause, concat(payload, []byte("\r\n")))
	switch {
	case bytes.HasSuffix(payload, []byte("\r\n")):
		add(KindTrailingNewline, "the body without its trailing CRLF", newlineCause, payload[:len(payload)-2])
		add(KindTrailingNewline, "the body without the \\n of its trailing CRLF", newlineCause, payload[:len(payload)-1])
	case bytes.HasSuffix(payload, []byte("\n")):
		add(KindTrailingNewline, "the body without its trailing newline", newlineCause, payload[:len(payload)-1])
	}
	add(KindTrailingNewline, "the body with trailing white space removed", newlineCause, bytes.TrimRightFunc(payload, unicode.IsSpace))
	const lineCause = "line endings were converted between signing and verifying (a git autocrlf checkout, a Windows editor, an HTTP tool's text mode) — treat the body as bytes"
	if bytes.Contains(payload, []byte("\r\n")) {
		add(KindLineEndings, "the body with CRLF line endings converted to LF", lineCause, bytes.ReplaceAll(payload, []byte("\r\n"), []byte("\n")))
	}
	if bytes.Contains(payload, []byte("\n")) {
		lf := bytes.ReplaceAll(payload, []byte("\r\n"), []byte("\n"))
		add(KindLineEndings, "the body with LF line endings converted to CRLF", lineCause, bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n")))
	}

	if len(payload) > maxReserializeBytes {
		d.Skipped = append(d.Skipped, fmt.Sprintf("JSON re-serialization variants (body is %d bytes; they are tried up to %d)", len(payload), maxReserializeBytes))
		return forms
	}
	reser, err := reserializations(payload)
	if err != nil {
		// Only worth saying when the body was meant to be JSON; an id or a
		// form body simply has no JSON renderings.
		if t := bytes.TrimSpace(payload); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			d.Skipped = append(d.Skipped, "JSON re-serialization variants (the body is not valid JSON: "+err.Error()+")")
		}
		return forms
	}
	const reserCause = "the JSON was serialized again — either the signer signed a re-serialization instead of the bytes it sent, " +
		"or the body given here was re-serialized after receipt (by a body parser, a logger, a test fixture): sign and verify the raw bytes, before parsing"
	for _, r := range reser {
		add(KindReserializedJSON, reserializedPrefix+r.name, reserCause, r.body)
	}
	return forms
}

func concat(a, b []byte) []byte { return append(append(make([]byte, 0, len(a)+len(b)), a...), b...) }

func sha256Of(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func hmacOf(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func isHexRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isHexRune(r) {
			return false
		}
	}
	return true
}

func hasUpper(s string) bool { return strings.ContainsAny(s, "ABCDEF") }

// ---------------------------------------------------------------------------
// JSON re-serializations.
//
// These reproduce, byte for byte, what the common runtimes write when code
// parses a body and serializes it again — the single most frequent cause of a
// signature that "should" match. Each differs in key order, escaping, number
// formatting and separators, so each yields a different digest.

// reserialization is one runtime's rendering of the parsed body.
type reserialization struct {
	name string
	body []byte
}

func reserializations(payload []byte) ([]reserialization, error) {
	tree, err := parseOrdered(payload)
	if err != nil {
		return nil, err
	}
	var out []reserialization
	add := func(name string, b []byte) { out = append(out, reserialization{name: name, body: b}) }

	var compact bytes.Buffer
	if err := json.Compact(&compact, payload); err == nil {
		add("minified JSON (white space between tokens removed, otherwise unchanged)", compact.Bytes())
	}
	add("JSON.stringify(JSON.parse(body)) (JavaScript)", jsStyle("").render(tree))
	add("JSON.stringify(JSON.parse(body), null, 2) (JavaScript, pretty-printed)", jsStyle("  ").render(tree))
	add("JSON.stringify(JSON.parse(body), null, 4) (JavaScript, pretty-printed)", jsStyle("    ").render(tree))

	// Go's encoding/json is used itself: decoding into interface{} sorts keys
	// and turns every number into a float64, exactly as an integrator's code would.
	var generic any
	if err := json.Unmarshal(payload, &generic); err == nil {
		if b, err := json.Marshal(generic); err == nil {
			add("Go json.Marshal of the body decoded into interface{} (keys sorted, <>& escaped)", b)
		}
		for _, escapeHTML := range []bool{false, true} {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(escapeHTML)
			if enc.Encode(generic) == nil {
				name := "Go json.NewEncoder(w).Encode of the body decoded into interface{} (keys sorted, <>& escaped, trailing newline)"
				if !escapeHTML {
					name = "Go json.Encoder with SetEscapeHTML(false) of the body decoded into interface{} (keys sorted, trailing newline)"
				}
				add(name, buf.Bytes())
			}
		}
	}

	add(`Python json.dumps(json.loads(body)) (separators ", " and ": ", ensure_ascii=True)`, pyStyle(", ", ": ", pyEscapeASCII).render(tree))
	add(`Python json.dumps(..., separators=(",", ":")) (ensure_ascii=True)`, pyStyle(",", ":", pyEscapeASCII).render(tree))
	add(`Python json.dumps(..., ensure_ascii=False)`, pyStyle(", ", ": ", pyEscapeUnicode).render(tree))
	repr := pyStyle(", ", ": ", pyRepr)
	repr.literals = [3]string{"None", "True", "False"}
	add(`Python str(dict) / f"{payload}" of the parsed body (its repr, not JSON)`, repr.render(tree))
	return out, nil
}

// object is a JSON object that remembers key order. Duplicate keys keep the
// position of their first occurrence and the value of their last, as both
// JavaScript's JSON.parse and Python's json.loads do.
type object struct {
	keys []string
	vals map[string]any
}

const maxJSONDepth = 512

// parseOrdered parses one JSON document into nil, bool, json.Number, string,
// []any and *object.
// JSONStringify returns what JavaScript's JSON.stringify(JSON.parse(body))
// produces: the re-serialization a Node listener built on a body parser
// verifies when it hashes JSON.stringify(req.body) instead of the raw bytes.
// The listener package's reserialized-body defect uses it; diagnosis uses
// the same serializer, so both agree byte for byte (tests compare it with
// real node).
func JSONStringify(body []byte) ([]byte, error) {
	v, err := parseOrdered(body)
	if err != nil {
		return nil, err
	}
	return jsStyle("").render(v), nil
}

func parseOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := parseValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
	}
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := t.(json.Delim)
	if !ok {
		return t, nil
	}
	switch delim {
	case '{':
		obj := &object{vals: map[string]any{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := parseValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := obj.vals[k]; !dup {
				obj.keys = append(obj.keys, k)
			}
			obj.vals[k] = v
		}
		_, err := dec.Token()
		return obj, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := parseValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return nil, fmt.Errorf("unexpected %v", delim)
}

// style is one runtime's serializer.
type style struct {
	itemSep, keySep string
	indent          string // non-empty: pretty-print, one member per line
	literals        [3]string
	str             func(*bytes.Buffer, string)
	num             func(json.Number) string
	keyOrder        func([]string) []string
}

func jsStyle(indent string) style {
	keySep := ":"
	if indent != "" {
		keySep = ": "
	}
	return style{itemSep: ",", keySep: keySep, indent: indent, literals: [3]string{"null", "true", "false"},
		str: jsEscape, num: jsNumber, keyOrder: jsKeyOrder}
}

func pyStyle(itemSep, keySep string, str func(*bytes.Buffer, string)) style {
	return style{itemSep: itemSep, keySep: keySep, literals: [3]string{"null", "true", "false"},
		str: str, num: pyNumber, keyOrder: func(k []string) []string { return k }}
}

func (s style) render(v any) []byte {
	var b bytes.Buffer
	s.write(&b, v, 0)
	return b.Bytes()
}

func (s style) newline(b *bytes.Buffer, depth int) {
	if s.indent == "" {
		return
	}
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(s.indent, depth))
}

func (s style) write(b *bytes.Buffer, v any, depth int) {
	switch v := v.(type) {
	case nil:
		b.WriteString(s.literals[0])
	case bool:
		if v {
			b.WriteString(s.literals[1])
		} else {
			b.WriteString(s.literals[2])
		}
	case json.Number:
		b.WriteString(s.num(v))
	case string:
		s.str(b, v)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(s.itemSep)
			}
			s.newline(b, depth+1)
			s.write(b, e, depth+1)
		}
		if len(v) > 0 {
			s.newline(b, depth)
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, k := range s.keyOrder(v.keys) {
			if i > 0 {
				b.WriteString(s.itemSep)
			}
			s.newline(b, depth+1)
			s.str(b, k)
			b.WriteString(s.keySep)
			s.write(b, v.vals[k], depth+1)
		}
		if len(v.keys) > 0 {
			s.newline(b, depth)
		}
		b.WriteByte('}')
	}
}

// jsKeyOrder is ECMAScript's property order: array-index keys ("0".."4294967294"
// in canonical form) ascending, then the other keys in insertion order.
func jsKeyOrder(keys []string) []string {
	var idx, rest []string
	for _, k := range keys {
		if isArrayIndex(k) {
			idx = append(idx, k)
		} else {
			rest = append(rest, k)
		}
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, _ := strconv.ParseUint(idx[i], 10, 32)
		b, _ := strconv.ParseUint(idx[j], 10, 32)
		return a < b
	})
	return append(idx, rest...)
}

func isArrayIndex(k string) bool {
	if k == "" || len(k) > 1 && k[0] == '0' {
		return false
	}
	n, err := strconv.ParseUint(k, 10, 32)
	return err == nil && n < 1<<32-1
}

// jsEscape is JSON.stringify's string quoting: only the quote, the backslash
// and control characters are escaped; everything else is written as UTF-8.
func jsEscape(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		if esc, ok := shortEscape(r); ok {
			b.WriteString(esc)
		} else if r < 0x20 {
			fmt.Fprintf(b, `\u%04x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func shortEscape(r rune) (string, bool) {
	switch r {
	case '"':
		return `\"`, true
	case '\\':
		return `\\`, true
	case '\b':
		return `\b`, true
	case '\f':
		return `\f`, true
	case '\n':
		return `\n`, true
	case '\r':
		return `\r`, true
	case '\t':
		return `\t`, true
	}
	return "", false
}

// pyEscapeASCII is json.dumps with ensure_ascii=True: everything outside
// printable ASCII (space to '~') is escaped, astral characters as surrogate pairs.
func pyEscapeASCII(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch esc, ok := shortEscape(r); {
		case ok:
			b.WriteString(esc)
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(b, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
}

// pyEscapeUnicode is json.dumps with ensure_ascii=False.
func pyEscapeUnicode(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		if esc, ok := shortEscape(r); ok {
			b.WriteString(esc)
		} else if r < 0x20 {
			fmt.Fprintf(b, `\u%04x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// pyRepr is Python's repr() of a str, as str(dict) prints it.
func pyRepr(b *bytes.Buffer, s string) {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	b.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == quote || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, r)
		case r < 0x7f || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
	}
	b.WriteRune(quote)
}

// jsNumber is Number.prototype.toString of the parsed double: JSON.parse reads
// every number as a double, and JSON.stringify writes it back in shortest form.
func jsNumber(n json.Number) string {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil && !math.IsInf(f, 0) {
		return string(n)
	}
	switch {
	case math.IsInf(f, 0):
		return "null" // JSON.stringify(Infinity)
	case f == 0:
		return "0" // also for -0
	case math.Abs(f) >= 1e-6 && math.Abs(f) < 1e21:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return trimExponent(strconv.FormatFloat(f, 'e', -1, 64))
}

// trimExponent turns Go's "1.5e-07" into JavaScript's "1.5e-7".
func trimExponent(s string) string {
	i := strings.IndexByte(s, 'e')
	mant, exp := s[:i], s[i+1:]
	sign := exp[:1]
	digits := strings.TrimLeft(exp[1:], "0")
	if digits == "" {
		digits = "0"
	}
	return mant + "e" + sign + digits
}

// pyNumber is what json.loads then json.dumps (or repr) writes: integers keep
// every digit, floats are written by float.__repr__.
func pyNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if bi, ok := new(big.Int).SetString(s, 10); ok {
			return bi.String() // "-0" is 0
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return s
	}
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	// repr uses the shortest round-tripping digits, in positional notation for
	// decimal exponents -4..15 and scientific (two-digit exponent) otherwise.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if f != 0 && (exp < -4 || exp >= 16) {
		return e
	}
	p := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(p, ".") {
		p += ".0"
	}
	return p
}
