package docexamples

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conform-kit/conform/signing"
)

// The secrets the Veriff document names anywhere. Each must occur in the
// document, so the list cannot quietly include a guess.
var namedSecrets = []string{
	"Your-API-Secret", "Your-api-secret", "Your-api-token", "Your-API-KEY", "Your-api-key", "Your-API-Key",
	"3c184872-6929-43d9-91d5-9e68468b5aa1", "8e4f7cd8-7a19-4d7d-971f-a076407ee03c",
}

// example returns the extracted example that starts at line n of doc.
func (c corpus) example(t *testing.T, doc string, n int) Example {
	t.Helper()
	for _, e := range c.examples {
		if e.Doc == doc && e.StartLine == n {
			return e
		}
	}
	t.Fatalf("no example starts at %s line %d", doc, n)
	return Example{}
}

// curlBody returns the body of a curl example without its enclosing quotes:
// the bytes curl sends.
func curlBody(t *testing.T, e Example) []byte {
	t.Helper()
	if e.Found != FoundCurl {
		t.Fatalf("%s (line %d) is not a curl body", e.Key, e.StartLine)
	}
	return []byte(e.Raw)
}

// printedForms are the serialisations a reader could reasonably hash for a
// printed body: as printed, and as the common serialisers print it.
func printedForms(t *testing.T, raw string) map[string][]byte {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("printed body is not JSON: %v", err)
	}
	forms := map[string][]byte{
		"as printed":        []byte(raw),
		"as printed + \\n":  []byte(raw + "\n"),
		"CRLF line ends":    []byte(strings.ReplaceAll(raw, "\n", "\r\n")),
		"whitespace-free":   mustCompact(t, raw),
		"Python json.dumps": pyDumps(raw),
	}
	for name, indent := range map[string]string{"2-space indent": "  ", "4-space indent": "    ", "tab indent": "\t"} {
		b, _ := json.MarshalIndent(json.RawMessage(mustCompact(t, raw)), "", indent)
		forms[name] = b
	}
	return forms
}

func mustCompact(t *testing.T, raw string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		t.Fatalf("printed body is not JSON: %v", err)
	}
	return buf.Bytes()
}

// pyDumps is Python's json.dumps default separators (", " and ": ") with the
// key order preserved, which is what the document's Python samples sign.
func pyDumps(raw string) []byte {
	var out []byte
	inStr, esc := false, false
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		switch {
		case inStr && esc:
			esc = false
		case inStr && ch == '\\':
			esc = true
		case inStr && ch == '"':
			inStr = false
		case inStr:
		case ch == '"':
			inStr = true
		case ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r':
			continue
		case ch == ',' || ch == ':':
			out = append(out, ch, ' ')
			continue
		}
		out = append(out, ch)
	}
	return out
}

// reproduces reports which (form, secret, profile) gives want, or "".
func reproduces(forms map[string][]byte, want string) string {
	for name, body := range forms {
		for _, s := range namedSecrets {
			for _, p := range []signing.Profile{signing.VeriffXSignature, signing.VeriffHMAC} {
				if p.Verify(s, body, want) {
					return name + " / " + s + " / " + p.Name
				}
			}
		}
	}
	return ""
}

// Checks the signature claims of the Veriff document (VRF-022, VRF-023) with
// the kit's own signing package, so DOC-DEFECTS.md states checked facts.
func TestSignatureExamples(t *testing.T) {
	c := load(t)
	vrf := c.doc("veriff")
	text := strings.Join(vrf.Lines, "\n")
	for _, s := range namedSecrets {
		if !strings.Contains(text, s) {
			t.Fatalf("secret %q is not named in the document; the list must hold only named secrets", s)
		}
	}
	// sigOnLine returns the 64-hex signature printed on a line.
	sigOnLine := func(n int) string {
		line := vrf.Line(n)
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return !strings.ContainsRune("0123456789abcdef", r) }) {
			if len(f) == 64 {
				return f
			}
		}
		t.Fatalf("no signature on line %d: %q", n, line)
		return ""
	}

	// Positive controls: the method reproduces the examples that are right,
	// so a failure to reproduce the others is about the document.
	t.Run("cdffd996 decision curl reproduces", func(t *testing.T) {
		body := curlBody(t, c.example(t, "veriff", 2292))
		if sig := sigOnLine(2290); !signing.VeriffXSignature.Verify("3c184872-6929-43d9-91d5-9e68468b5aa1", body, sig) || !strings.HasPrefix(sig, "cdffd996") {
			t.Errorf("decision curl signature %s does not verify", sig)
		}
	})
	t.Run("cd0e2810 localhost curl reproduces", func(t *testing.T) {
		body := curlBody(t, c.example(t, "veriff", 2039))
		if sig := sigOnLine(2037); !signing.VeriffXSignature.Verify("Your-API-Secret", body, sig) || !strings.HasPrefix(sig, "cd0e2810") {
			t.Errorf("localhost curl signature %s does not verify", sig)
		}
	})
	t.Run("253e28b0 response validation reproduces", func(t *testing.T) {
		ex := c.example(t, "veriff", 2050)
		if sig := sigOnLine(2047); !signing.VeriffXSignature.Verify("Your-API-Secret", []byte(ex.Raw), sig) || !strings.HasPrefix(sig, "253e28b0") {
			t.Errorf("response signature %s does not verify", sig)
		}
	})

	// VRF-022: Manual Generation.
	t.Run("dc813ed3 manual generation does not reproduce", func(t *testing.T) {
		payload := c.example(t, "veriff", 1917)
		withSecret := c.example(t, "veriff", 1940)
		if payload.Raw != withSecret.Raw {
			t.Fatalf("the two Manual Generation bodies differ; re-examine VRF-022")
		}
		sig := sigOnLine(1964)
		if sig != sigOnLine(1969) || !strings.HasPrefix(sig, "dc813ed3") {
			t.Fatalf("unexpected Manual Generation hash %s", sig)
		}
		// Control: the same search finds a signature that is right.
		if how := reproduces(printedForms(t, string(curlBody(t, c.example(t, "veriff", 2039)))), sigOnLine(2037)); how == "" {
			t.Fatalf("the search does not even reproduce cd0e2810…; it cannot judge dc813ed3…")
		}
		if how := reproduces(printedForms(t, payload.Raw), sig); how != "" {
			t.Errorf("dc813ed3… reproduces (%s): VRF-022 is wrong and must be removed", how)
		}
	})

	// VRF-023: GET signatures sign the id in the path; PATCH and POST sign the body.
	gets := []struct {
		line int
		id   string
	}{
		{1053, "aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7"}, // /sessions/{id}/media
		{1290, "aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7"}, // /sessions/{id}/person
		{1374, "aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7"}, // /sessions/{id}/timestamps
		{1449, "aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7"}, // /sessions/{id}/attempts
		{1525, "aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7"}, // /sessions/{id}/decision
		{1644, "f5c68aea-7f4d-478d-80ab-ca9356074f69"}, // /attempts/{id}/media
		{1767, "ebbf6434-3bf1-4020-8ac3-1ef51a25c673"}, // /media/{id}
		{1818, "fe7fab32-cb78-4b8d-bd65-33e7da6ac2c9"}, // /timestamps/{id}
	}
	for _, g := range gets {
		sig := sigOnLine(g.line)
		if !strings.Contains(vrf.Line(g.line-3), g.id) {
			t.Fatalf("line %d: the request two lines up does not carry id %s: %q", g.line, g.id, vrf.Line(g.line-3))
		}
		forms := map[string][]byte{"id": []byte(g.id), "upper-case id": []byte(strings.ToUpper(g.id))}
		if how := reproduces(forms, sig); how != "" {
			t.Errorf("GET signature on line %d reproduces (%s): VRF-023 is wrong for it", g.line, how)
		}
	}
	for _, b := range []struct{ sigLine, bodyLine int }{{953, 954}, {1189, 1190}} {
		sig := sigOnLine(b.sigLine)
		if how := reproduces(printedForms(t, string(curlBody(t, c.example(t, "veriff", b.bodyLine)))), sig); how != "" {
			t.Errorf("signature on line %d reproduces (%s): VRF-023 is wrong for it", b.sigLine, how)
		}
	}
}

// SHP-006: the sample Signature header is not a SHA-256 hex digest.
func TestShuftiSampleSignature(t *testing.T) {
	c := load(t)
	d := c.doc("shuftipro")
	for _, n := range []int{131, 476} {
		v := strings.TrimSpace(strings.TrimPrefix(d.Line(n), "//Signature:"))
		if v == d.Line(n) || v == "" {
			t.Fatalf("line %d is not the sample Signature header: %q", n, d.Line(n))
		}
		if b, err := hex.DecodeString(v); err == nil && len(b) == 32 {
			t.Errorf("line %d: %s is a SHA-256 hex digest after all; SHP-006 is wrong", n, v)
		}
		dec, err := base64.StdEncoding.DecodeString(v)
		if err != nil || string(dec) != "6b86b273ff34fce" {
			t.Errorf("line %d: %s no longer base64-decodes to the fragment SHP-006 quotes (got %q, %v)", n, v, dec, err)
		}
		if len(v) == 64 {
			t.Errorf("line %d: %s has the length of a SHA-256 hex digest; SHP-006 is wrong", n, v)
		}
	}
}

// VRF-018: the decision Properties example id is a version-3 UUID although
// the text says v4; the other example ids are v4, so the check discriminates.
func TestUUIDVersions(t *testing.T) {
	c := load(t)
	version := func(id string) byte {
		if len(id) != 36 || id[8] != '-' || id[13] != '-' {
			t.Fatalf("%q is not a canonical UUID", id)
		}
		return id[14]
	}
	get := func(line int) string {
		var v struct {
			Verification struct{ ID string } `json:"verification"`
		}
		if err := json.Unmarshal([]byte(c.example(t, "veriff", line).Raw), &v); err != nil {
			t.Fatal(err)
		}
		return v.Verification.ID
	}
	if v := version(get(2294)); v != '3' {
		t.Errorf("decision Properties example id has version %c; VRF-018 says 3", v)
	}
	for _, line := range []int{918, 1025, 2292} {
		if v := version(get(line)); v != '4' {
			t.Errorf("example at line %d: id version %c, want 4 (control)", line, v)
		}
	}
}
