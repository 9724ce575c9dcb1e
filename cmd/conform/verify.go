package main

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conform-kit/conform/signing"
)

func init() { register(newVerifyCmd) }

type verifyOptions struct {
	profile     string
	body        string
	id          string
	headerFlags []string
	headersFile string
	secret      secretFlags
}

func newVerifyCmd(s *streams) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify --profile NAME|auto --body FILE (--header 'Name: value'... | --headers FILE)",
		Short: "Check a captured request's signature, and explain a mismatch",
		Long: `verify checks the signature of a captured request: the body exactly as it was
received (raw bytes, before any parsing) and its headers.

On a match it prints one line and exits 0. On a mismatch it exits 1 and says
why the signature most likely failed: it recomputes the signature under the
mistakes that commonly break it — another profile's formula, the secret
hashed or not, prepended or appended, the body re-serialized (JavaScript,
Go, Python) or with a newline added or removed, white space or case in the
header, a truncated or base64 value — and reports the variant that
reproduces it. The expected signature for the given secret is printed too;
the secret never is, nor hex(sha256(secret)) (withheld where a value equals it).

--profile auto tries every profile whose header the request carries.
For Veriff profiles, X-AUTH-CLIENT is compared with CONFORM_API_KEY when it is
set (values are not printed).

Headers: --header takes "Name: value" (repeatable); --headers reads a file of
such lines — a raw HTTP request head is fine: the request line is skipped and
reading stops at the first empty line — or a JSON object of name to value.
The value is everything after the colon and one optional space, verbatim: white
space a client or a capture added is kept, so that verify can point it out.`,
		Example: `  conform verify --profile veriff-hmac --body body.bin --header 'X-HMAC-SIGNATURE: 3f1a…'
  conform verify --profile auto --body body.bin --headers request-head.txt`,
		Args: noArgs("the body goes in --body FILE and headers in --header or --headers"),
		RunE: func(*cobra.Command, []string) error { return o.run(s) },
	}
	f := cmd.Flags()
	f.StringVar(&o.profile, "profile", "", "signing profile, or auto: "+strings.Join(signing.Names(), ", "))
	f.StringVar(&o.body, "body", "", "the raw body as received, from `FILE` (- for stdin)")
	f.StringVar(&o.id, "id", "", "verify a Veriff GET/DELETE request, which signs this `ID` instead of a body")
	f.StringArrayVar(&o.headerFlags, "header", nil, "a received header, `'Name: value'` (repeatable)")
	f.StringVar(&o.headersFile, "headers", "", "read the received headers from `FILE`")
	o.secret.register(cmd)
	return cmd
}

func (o *verifyOptions) run(s *streams) error {
	var profiles []signing.Profile
	if o.profile == "auto" {
		profiles = signing.Profiles()
	} else {
		p, err := lookupProfile(o.profile)
		if err != nil {
			return err
		}
		profiles = []signing.Profile{p}
	}
	switch {
	case o.id != "" && o.body != "":
		return usageError("--id and --body are exclusive: an id request has no body")
	case o.id == "" && o.body == "":
		return usageError("--body FILE is required (the raw body as received; - for stdin), or --id for a Veriff GET")
	case len(o.headerFlags) > 0 && o.headersFile != "":
		return usageError("--header and --headers are exclusive: give the captured headers one way")
	case len(o.headerFlags) == 0 && o.headersFile == "":
		return usageError("no headers: pass --header 'Name: value' or --headers FILE")
	}
	hs, err := o.headers()
	if err != nil {
		return err
	}
	secret, err := o.secret.secret(s)
	if err != nil {
		return err
	}
	payload := []byte(o.id)
	if o.id == "" {
		if payload, err = readBody(s, o.body); err != nil {
			return err
		}
	}

	// The profiles to check: those whose signature header the request
	// carries. With one named profile whose header is missing, fall back to
	// any other profile's header, so the diagnosis can say whose it is.
	var present []signing.Profile
	for _, p := range profiles {
		if _, ok := hs.get(p.Header); ok {
			present = append(present, p)
		}
	}
	if len(present) == 0 {
		return o.noSignatureHeader(s, profiles, hs, secret, payload)
	}

	for _, p := range present {
		got, _ := hs.get(p.Header)
		if p.Verify(secret, payload, got) {
			suffix := ""
			if o.profile == "auto" {
				suffix = " (detected)"
			}
			// A match can still carry notes (uppercase hex): keep them on the line.
			for _, f := range signing.Diagnose(p, secret, payload, got).Findings {
				suffix += fmt.Sprintf("; note [%s]: %s", f.Kind, f.Message)
			}
			fmt.Fprintf(s.out, "OK: %s verifies under profile %s, %s%s\n", p.Header, p.Name, p.Formula, suffix)
			if !checkAPIKey(s, p, hs) {
				return failedError("signature verifies, but X-AUTH-CLIENT does not match %s", envAPIKey)
			}
			return nil
		}
	}
	p := present[0]
	got, _ := hs.get(p.Header)
	printDiagnosis(s, signing.Diagnose(p, secret, payload, got), secret, got, len(payload), o.id != "")
	checkAPIKey(s, p, hs)
	return failedError("%s does not verify under profile %s", p.Header, p.Name)
}

// noSignatureHeader handles a request without the profile's signature header:
// a failure in itself, and when another profile's header is there, diagnosed
// with that value (the usual cause: the sender uses the other scheme).
func (o *verifyOptions) noSignatureHeader(s *streams, profiles []signing.Profile, hs headerSet, secret string, payload []byte) error {
	var want []string
	for _, p := range profiles {
		want = append(want, p.Header)
	}
	fmt.Fprintf(s.out, "MISSING: the request has no %s header (present: %s)\n", strings.Join(dedupe(want), " or "), hs.list())
	for _, q := range signing.Profiles() {
		got, ok := hs.get(q.Header)
		if !ok {
			continue
		}
		fmt.Fprintf(s.out, "  it carries %s (profile %s's header); diagnosing that value against profile %s:\n", q.Header, q.Name, profiles[0].Name)
		printDiagnosis(s, signing.Diagnose(profiles[0], secret, payload, got), secret, got, len(payload), o.id != "")
		break
	}
	return failedError("no %s header", strings.Join(dedupe(want), " or "))
}

func dedupe(xs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// printDiagnosis writes a mismatch report. The received value is quoted so
// that white space in it is visible.
func printDiagnosis(s *streams, d signing.Diagnosis, secret, got string, payloadLen int, isID bool) {
	p := d.Profile
	w := s.out
	what := fmt.Sprintf("these %d body bytes", payloadLen)
	if isID {
		what = "this id"
	}
	fmt.Fprintf(w, "MISMATCH: %s does not verify under profile %s\n", p.Header, p.Name)
	fmt.Fprintf(w, "  formula:  %s = %s\n", p.Header, p.Formula)
	fmt.Fprintf(w, "  rule:     %s\n", p.Source)
	received, expected := fmt.Sprintf("%q", got), d.Expected
	if isKeyMaterial(got, secret) {
		received = "(withheld: it equals hex(sha256(secret)), key material)"
	}
	if isKeyMaterial(d.Expected, secret) {
		// Only for an empty payload under sha256(payload || secret).
		expected = "(withheld: for an empty payload it equals hex(sha256(secret)), key material)"
	}
	fmt.Fprintf(w, "  received: %s\n", received)
	fmt.Fprintf(w, "  expected: %s (for the secret given and %s)\n", expected, what)
	for _, f := range d.Findings {
		label := "likely cause"
		if f.Note {
			label = "note"
		}
		fmt.Fprintf(w, "  %s [%s]: %s\n", label, f.Kind, f.Message)
		fmt.Fprintf(w, "      formula: %s\n", f.Formula)
		fmt.Fprintf(w, "      rule:    %s\n", f.Rule)
	}
	for _, sk := range d.Skipped {
		fmt.Fprintf(w, "  not tried: %s\n", sk)
	}
}

// checkAPIKey compares X-AUTH-CLIENT with CONFORM_API_KEY for Veriff profiles
// ("Decision webhook with wrong API key should not be accepted"). Neither value
// is printed. It reports false only on a definite mismatch.
func checkAPIKey(s *streams, p signing.Profile, hs headerSet) bool {
	if p.Provider != "veriff" {
		return true
	}
	key := apiKey(s)
	got, present := hs.get("X-AUTH-CLIENT")
	switch {
	case key == "":
		fmt.Fprintf(s.err, "note: X-AUTH-CLIENT not checked: %s is not set\n", envAPIKey)
		return true
	case !present:
		fmt.Fprintf(s.out, "MISMATCH: the request has no X-AUTH-CLIENT header; Veriff sends the API key in it\n")
		return false
	case subtle.ConstantTimeCompare([]byte(got), []byte(key)) != 1:
		fmt.Fprintf(s.out, "MISMATCH: X-AUTH-CLIENT does not equal %s (values not shown)\n", envAPIKey)
		return false
	}
	return true
}

// headerSet holds received headers by case-insensitive name.
type headerSet struct {
	names  []string          // as given, in order
	values map[string]string // lower-case name -> value
}

func (h headerSet) get(name string) (string, bool) {
	v, ok := h.values[strings.ToLower(name)]
	return v, ok
}

func (h headerSet) list() string {
	if len(h.names) == 0 {
		return "none"
	}
	return strings.Join(h.names, ", ")
}

func (h *headerSet) add(name, value, where string) error {
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, " \t") {
		return usageError("%s: %q is not a header name", where, name)
	}
	if h.values == nil {
		h.values = map[string]string{}
	}
	key := strings.ToLower(name)
	if _, dup := h.values[key]; dup {
		// Two signature headers make a verdict depend on which one a server
		// picks; the input is ambiguous, so refuse it.
		return usageError("%s: header %s given twice", where, name)
	}
	h.names = append(h.names, name)
	h.values[key] = value
	return nil
}

func (o *verifyOptions) headers() (headerSet, error) {
	var hs headerSet
	for _, line := range o.headerFlags {
		name, value, err := splitHeader(line)
		if err != nil {
			return hs, usageError("--header %q: %v", line, err)
		}
		if err := hs.add(name, value, "--header"); err != nil {
			return hs, err
		}
	}
	if o.headersFile == "" {
		return hs, nil
	}
	data, err := readLimited(o.headersFile, nil, maxBodyBytes)
	if err != nil {
		return hs, err
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return parseJSONHeaders(o.headersFile, data)
	}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		where := fmt.Sprintf("%s line %d", o.headersFile, i+1)
		if line == "" {
			if i == 0 {
				continue
			}
			break // end of an HTTP head: what follows is the body
		}
		if i == 0 && strings.Contains(line, " HTTP/") {
			continue // request line
		}
		name, value, err := splitHeader(line)
		if err != nil {
			return hs, usageError("%s: %v", where, err)
		}
		if err := hs.add(name, value, where); err != nil {
			return hs, err
		}
	}
	if len(hs.names) == 0 {
		return hs, usageError("%s holds no headers", o.headersFile)
	}
	return hs, nil
}

// splitHeader splits "Name: value". The value keeps everything after the
// colon and one optional space.
func splitHeader(line string) (name, value string, err error) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return "", "", fmt.Errorf("want 'Name: value'")
	}
	if strings.HasPrefix(value, " ") || strings.HasPrefix(value, "\t") {
		value = value[1:]
	}
	return name, value, nil
}

func parseJSONHeaders(path string, data []byte) (headerSet, error) {
	var hs headerSet
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return hs, usageError("%s: not a JSON object of header name to value", path)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return hs, usageError("%s: invalid JSON: %v", path, err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return hs, usageError("%s: invalid JSON: %v", path, err)
		}
		name, _ := kt.(string)
		var value string
		if err := json.Unmarshal(raw, &value); err != nil {
			// Some capture tools store every header as a list of values.
			var values []string
			if err := json.Unmarshal(raw, &values); err != nil || len(values) != 1 {
				return hs, usageError("%s: header %s: want a string (or a list of exactly one string)", path, name)
			}
			value = values[0]
		}
		if err := hs.add(name, value, path); err != nil {
			return hs, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return hs, usageError("%s: invalid JSON: %v", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return hs, usageError("%s: data after the JSON object", path)
	}
	return hs, nil
}
