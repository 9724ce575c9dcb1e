package signing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// diagSecret is distinctive so that a leak into any message is unmistakable.
const diagSecret = "s3cr3t-DIAG-7f1c9e-never-print"

// A body with everything re-serializers disagree on: key order, integer-like
// keys, non-ASCII, HTML characters, floats, and pretty-printing.
var diagBody = []byte(`{
  "status": "success",
  "verification": {
    "id": "5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10",
    "code": 9001,
    "score": 0.50,
    "person": {"firstName": "Zoë", "lastName": "Ångström <&>"},
    "2": "index-like key"
  }
}`)

func sha(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func kinds(d Diagnosis) []string {
	var ks []string
	for _, f := range d.Findings {
		ks = append(ks, f.Kind)
	}
	return ks
}

func findKind(d Diagnosis, kind string) (Finding, bool) {
	for _, f := range d.Findings {
		if f.Kind == kind {
			return f, true
		}
	}
	return Finding{}, false
}

// checkDiagnosis asserts the invariants every diagnosis must keep: the secret
// never appears, every finding names a formula and a rule, Expected is the
// profile's signature.
func checkDiagnosis(t *testing.T, d Diagnosis, secret string, payload []byte) {
	t.Helper()
	if d.Expected != d.Profile.Sign(secret, payload) {
		t.Errorf("Expected = %s, want %s", d.Expected, d.Profile.Sign(secret, payload))
	}
	for _, f := range d.Findings {
		for _, s := range []string{f.Message, f.Formula, f.Rule} {
			if strings.Contains(s, secret) {
				t.Errorf("finding %s leaks the secret: %q", f.Kind, s)
			}
		}
		if f.Formula == "" || f.Rule == "" || f.Message == "" {
			t.Errorf("finding %s lacks formula, rule or message: %+v", f.Kind, f)
		}
	}
	for _, s := range d.Skipped {
		if strings.Contains(s, secret) {
			t.Errorf("skip note leaks the secret: %q", s)
		}
	}
}

func TestDiagnoseMatchHasNoFindings(t *testing.T) {
	for _, p := range Profiles() {
		d := Diagnose(p, diagSecret, diagBody, p.Sign(diagSecret, diagBody))
		checkDiagnosis(t, d, diagSecret, diagBody)
		if !d.Match || len(d.Findings) != 0 {
			t.Errorf("%s: correct signature: Match=%v findings=%v", p.Name, d.Match, kinds(d))
		}
	}
}

func TestDiagnoseUppercaseIsAcceptedWithANote(t *testing.T) {
	p := VeriffXSignature
	d := Diagnose(p, diagSecret, diagBody, strings.ToUpper(p.Sign(diagSecret, diagBody)))
	checkDiagnosis(t, d, diagSecret, diagBody)
	f, ok := findKind(d, KindUppercase)
	if !d.Match || !ok || !f.Note || len(d.Findings) != 1 {
		t.Fatalf("Match=%v findings=%v", d.Match, kinds(d))
	}
	if !strings.Contains(f.Rule, "toLowerCase") {
		t.Errorf("uppercase rule should quote Veriff's validator: %q", f.Rule)
	}
}

// variant is one way to get a signature wrong, and the finding it must produce.
type variant struct {
	name    string
	profile Profile
	payload []byte
	got     string
	kind    string
	// want are substrings the matching finding's message must contain.
	want []string
	// formula is the formula the finding must name.
	formula string
}

func variants() []variant {
	b := diagBody
	s := diagSecret
	x := VeriffXSignature
	hm := VeriffHMAC
	sp := ShuftiPro
	spl := ShuftiProLegacy
	good := x.Sign(s, b)
	raw, _ := hex.DecodeString(good)
	var vs []variant

	// Transport damage to the header value.
	vs = append(vs,
		variant{name: "whitespace", profile: x, payload: b, got: " " + good + "\r\n", kind: KindWhitespace, want: []string{"1 leading, 2 trailing"}, formula: x.Formula},
		variant{name: "prefixed", profile: x, payload: b, got: "sha256=" + good, kind: KindPrefixed, want: []string{`"sha256="`}, formula: x.Formula},
		variant{name: "header-name-in-value", profile: hm, payload: b, got: "X-HMAC-SIGNATURE: " + hm.Sign(s, b), kind: KindPrefixed, formula: hm.Formula},
		variant{name: "base64-raw", profile: x, payload: b, got: base64.StdEncoding.EncodeToString(raw), kind: KindBase64, want: []string{"32 raw bytes"}, formula: x.Formula},
		variant{name: "base64-hex", profile: x, payload: b, got: base64.StdEncoding.EncodeToString([]byte(good)), kind: KindBase64, want: []string{"64 hex digits"}, formula: x.Formula},
		variant{name: "not-hex", profile: x, payload: b, got: good[:10] + "g" + good[11:], kind: KindNotHex, want: []string{"'g' at offset 10"}, formula: x.Formula},
		variant{name: "truncated", profile: x, payload: b, got: good[:40], kind: KindTruncated, want: []string{"first 40 of the expected 64"}, formula: x.Formula},
		variant{name: "truncated-other-profile", profile: x, payload: b, got: hm.Sign(s, b)[:16], kind: KindTruncated, want: []string{"16 of 64", "veriff-hmac"}, formula: hm.Formula},
		variant{name: "wrong-length-sha1", profile: x, payload: b, got: strings.Repeat("ab", 20), kind: KindWrongLength, want: []string{"40 hex digits", "SHA-1"}, formula: x.Formula},
		variant{name: "empty-header", profile: x, payload: b, got: "", kind: KindWrongLength, want: []string{"empty"}, formula: x.Formula},
	)

	// Another profile, same or other provider.
	vs = append(vs,
		variant{name: "hmac-as-x-signature", profile: x, payload: b, got: hm.Sign(s, b), kind: KindOtherProfile, want: []string{"veriff-hmac", "different generations"}, formula: hm.Formula},
		variant{name: "x-signature-as-hmac", profile: hm, payload: b, got: x.Sign(s, b), kind: KindOtherProfile, want: []string{"veriff-x-signature", "shuftipro-legacy", "same formula"}, formula: x.Formula},
		variant{name: "legacy-as-shuftipro", profile: sp, payload: b, got: spl.Sign(s, b), kind: KindOtherProfile, want: []string{"shuftipro-legacy", "15 March 2023"}, formula: spl.Formula},
		variant{name: "hashed-as-legacy", profile: spl, payload: b, got: sp.Sign(s, b), kind: KindOtherProfile, want: []string{"profile shuftipro's", "hashed first"}, formula: sp.Formula},
		variant{name: "veriff-as-shuftipro", profile: sp, payload: b, got: hm.Sign(s, b), kind: KindOtherProfile, want: []string{"veriff-hmac", "other provider"}, formula: hm.Formula},
		variant{name: "shuftipro-as-veriff", profile: hm, payload: b, got: sp.Sign(s, b), kind: KindOtherProfile, want: []string{"profile shuftipro's", "other provider"}, formula: sp.Formula},
	)

	// Formula mistakes.
	hs := sha(s)
	vs = append(vs,
		variant{name: "secret-prepended", profile: x, payload: b, got: sha(s, string(b)), kind: KindSecretPrepended, want: []string{"prepended instead of appended"}, formula: "hex(sha256(secret || payload))"},
		variant{name: "hashed-secret-prepended", profile: sp, payload: b, got: sha(hs, string(b)), kind: KindSecretPrepended, formula: "hex(sha256(hex(sha256(secret)) || payload))"},
		variant{name: "hmac-swapped", profile: hm, payload: b, got: hex.EncodeToString(hmacOf(b, []byte(s))), kind: KindOtherFormula, want: []string{"swapped"}, formula: "hex(hmac_sha256(key=payload, secret))"},
		variant{name: "hmac-hashed-key", profile: hm, payload: b, got: hex.EncodeToString(hmacOf([]byte(hs), b)), kind: KindOtherFormula, formula: "hex(hmac_sha256(key=hex(sha256(secret)), payload))"},
		variant{name: "uppercase-hashed-secret", profile: sp, payload: b, got: sha(string(b), strings.ToUpper(hs)), kind: KindOtherFormula, formula: "hex(sha256(payload || HEX(sha256(secret))))"},
		variant{name: "no-secret", profile: x, payload: b, got: sha(string(b)), kind: KindOtherFormula, want: []string{"no secret"}, formula: "hex(sha256(payload))"},
	)

	// The secret with white space.
	vs = append(vs,
		variant{name: "secret-newline", profile: hm, payload: b, got: hm.Sign(s+"\n", b), kind: KindSecretWhitespace, want: []string{`trailing newline (\n)`}, formula: hm.Formula},
		variant{name: "secret-crlf", profile: sp, payload: b, got: sp.Sign(s+"\r\n", b), kind: KindSecretWhitespace, want: []string{"CRLF"}, formula: sp.Formula},
		variant{name: "empty-payload", profile: x, payload: b, got: x.Sign(s, nil), kind: KindEmptyPayload, want: []string{"EMPTY"}, formula: x.Formula},
	)

	// Body changes.
	withNL := append(append([]byte(nil), b...), '\n')
	crlf := bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	vs = append(vs,
		variant{name: "newline-added", profile: x, payload: b, got: x.Sign(s, withNL), kind: KindTrailingNewline, want: []string{`trailing newline (\n) added`}, formula: x.Formula},
		variant{name: "crlf-added", profile: sp, payload: b, got: sp.Sign(s, append(append([]byte(nil), b...), '\r', '\n')), kind: KindTrailingNewline, want: []string{"trailing CRLF added"}, formula: sp.Formula},
		variant{name: "newline-removed", profile: hm, payload: withNL, got: hm.Sign(s, b), kind: KindTrailingNewline, want: []string{"without its trailing newline"}, formula: hm.Formula},
		variant{name: "crlf-removed", profile: hm, payload: append(append([]byte(nil), b...), '\r', '\n'), got: hm.Sign(s, b), kind: KindTrailingNewline, want: []string{"without its trailing CRLF"}, formula: hm.Formula},
		variant{name: "lf-to-crlf", profile: x, payload: b, got: x.Sign(s, crlf), kind: KindLineEndings, want: []string{"LF line endings converted to CRLF"}, formula: x.Formula},
		variant{name: "crlf-to-lf", profile: x, payload: crlf, got: x.Sign(s, b), kind: KindLineEndings, want: []string{"CRLF line endings converted to LF"}, formula: x.Formula},
	)

	// Re-serialized JSON: the signer signed another rendering of the body.
	jsCompact := `{"status":"success","verification":{"2":"index-like key","id":"5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10","code":9001,"score":0.5,"person":{"firstName":"Zoë","lastName":"Ångström <&>"}}}`
	goMarshal := `{"status":"success","verification":{"2":"index-like key","code":9001,"id":"5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10","person":{"firstName":"Zoë","lastName":"Ångström \u003c\u0026\u003e"},"score":0.5}}`
	goNoHTML := `{"status":"success","verification":{"2":"index-like key","code":9001,"id":"5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10","person":{"firstName":"Zoë","lastName":"Ångström <&>"},"score":0.5}}` + "\n"
	pyDumps := `{"status": "success", "verification": {"id": "5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10", "code": 9001, "score": 0.5, "person": {"firstName": "Zo\u00eb", "lastName": "\u00c5ngstr\u00f6m <&>"}, "2": "index-like key"}}`
	pyRepr := `{'status': 'success', 'verification': {'id': '5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10', 'code': 9001, 'score': 0.5, 'person': {'firstName': 'Zoë', 'lastName': 'Ångström <&>'}, '2': 'index-like key'}}`
	minified := `{"status":"success","verification":{"id":"5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10","code":9001,"score":0.50,"person":{"firstName":"Zoë","lastName":"Ångström <&>"},"2":"index-like key"}}`
	for _, r := range []struct{ name, signed, form string }{
		{"js-stringify", jsCompact, "JSON.stringify(JSON.parse(body))"},
		{"go-marshal", goMarshal, "Go json.Marshal"},
		{"go-encoder-no-html", goNoHTML, "SetEscapeHTML(false)"},
		{"python-dumps", pyDumps, "Python json.dumps(json.loads(body))"},
		{"python-repr", pyRepr, "Python str(dict)"},
		{"minified", minified, "minified JSON"},
	} {
		vs = append(vs, variant{name: "reserialized-" + r.name, profile: hm, payload: b, got: hm.Sign(s, []byte(r.signed)),
			kind: KindReserializedJSON, want: []string{r.form}, formula: hm.Formula})
	}
	// The other direction: the body given was re-serialized by Python after
	// receipt; the provider signed Node's rendering, derivable from it.
	vs = append(vs, variant{name: "given-body-is-reserialized", profile: x, payload: []byte(pyDumps), got: x.Sign(s, []byte(jsCompact)),
		kind: KindReserializedJSON, want: []string{"JSON.stringify(JSON.parse(body))", "re-serialized after receipt"}, formula: x.Formula})
	// Two causes at once: re-serialized and signed with the other Veriff scheme.
	vs = append(vs, variant{name: "reserialized-other-profile", profile: x, payload: b, got: hm.Sign(s, []byte(jsCompact)),
		kind: KindReserializedJSON, want: []string{"JSON.stringify", "signed as profile veriff-hmac's"}, formula: hm.Formula})

	vs = append(vs, variant{name: "different-secret", profile: sp, payload: b, got: sp.Sign("another-secret", b), kind: KindUnknown,
		want: []string{"no known variant matched", "different secret", "changed after signing"}, formula: sp.Formula})
	return vs
}

func TestDiagnoseFindsEachVariant(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			d := Diagnose(v.profile, diagSecret, v.payload, v.got)
			checkDiagnosis(t, d, diagSecret, v.payload)
			if d.Match {
				t.Fatalf("Match = true for a wrong signature")
			}
			f, ok := findKind(d, v.kind)
			if !ok {
				t.Fatalf("findings %v, want %s", kinds(d), v.kind)
			}
			if f.Formula != v.formula {
				t.Errorf("formula %q, want %q", f.Formula, v.formula)
			}
			for _, w := range v.want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("message %q lacks %q", f.Message, w)
				}
			}
			// Exactly one explanation: a variant that reproduces a digest is
			// the cause, and the catch-all appears only when nothing matched.
			var causes int
			for _, g := range d.Findings {
				if !g.Note {
					causes++
				}
			}
			if causes != 1 {
				t.Errorf("want exactly one cause, got %v", kinds(d))
			}
		})
	}
}

// The Shufti Pro document's sample header "Signature: NmI4NmIyNzNmZjM0ZmNl" is
// base64 of 15 hex digits, not a hex SHA-256 digest.
func TestDiagnoseShuftiDocumentSampleHeader(t *testing.T) {
	d := Diagnose(ShuftiPro, diagSecret, []byte(`{"reference":"17374217","event":"verification.accepted"}`), "NmI4NmIyNzNmZjM0ZmNl")
	if got := kinds(d); len(got) != 2 || got[0] != KindBase64 || got[1] != KindWrongLength {
		t.Fatalf("findings %v, want [base64 wrong-length]", got)
	}
	if !strings.Contains(d.Findings[0].Message, "15 hex digits") {
		t.Errorf("base64 finding: %q", d.Findings[0].Message)
	}
}

func TestDiagnoseSkipsReserializationWhenNotJSON(t *testing.T) {
	// Meant as JSON but broken: say the JSON variants were not tried.
	d := Diagnose(VeriffHMAC, diagSecret, []byte(`{"status": "success",`), VeriffHMAC.Sign("other", []byte("x")))
	if len(d.Skipped) != 1 || !strings.Contains(d.Skipped[0], "not valid JSON") {
		t.Errorf("Skipped = %q", d.Skipped)
	}
	if _, ok := findKind(d, KindUnknown); !ok {
		t.Errorf("findings %v, want unknown", kinds(d))
	}
	// An id (Veriff GET) has no JSON renderings: nothing to report.
	d = Diagnose(VeriffHMAC, diagSecret, []byte("5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10"), VeriffHMAC.Sign("other", []byte("x")))
	if len(d.Skipped) != 0 {
		t.Errorf("Skipped = %q", d.Skipped)
	}
}

func TestDiagnoseSkipsReserializationOfHugeBodies(t *testing.T) {
	big := append([]byte(`{"a":"`), bytes.Repeat([]byte("x"), maxReserializeBytes)...)
	big = append(big, `"}`...)
	d := Diagnose(VeriffXSignature, diagSecret, big, VeriffXSignature.Sign(diagSecret, append(append([]byte(nil), big...), '\n')))
	if len(d.Skipped) != 1 || !strings.Contains(d.Skipped[0], "re-serialization") {
		t.Errorf("Skipped = %q", d.Skipped)
	}
	// The cheap variants still run.
	if _, ok := findKind(d, KindTrailingNewline); !ok {
		t.Errorf("findings %v, want trailing-newline", kinds(d))
	}
}

func TestNumberFormats(t *testing.T) {
	for in, want := range map[string][2]string{ // JavaScript, Python
		"1":                        {"1", "1"},
		"-0":                       {"0", "0"},
		"-0.0":                     {"0", "-0.0"},
		"1.0":                      {"1", "1.0"},
		"1.50":                     {"1.5", "1.5"},
		"1E3":                      {"1000", "1000.0"},
		"1e-6":                     {"0.000001", "1e-06"},
		"1e-7":                     {"1e-7", "1e-07"},
		"0.0001":                   {"0.0001", "0.0001"},
		"1e16":                     {"10000000000000000", "1e+16"},
		"1e15":                     {"1000000000000000", "1000000000000000.0"},
		"1e21":                     {"1e+21", "1e+21"},
		"123456789012345678901234": {"1.2345678901234569e+23", "123456789012345678901234"},
		"1e400":                    {"null", "Infinity"},
	} {
		if got := jsNumber(json.Number(in)); got != want[0] {
			t.Errorf("jsNumber(%s) = %s, want %s", in, got, want[0])
		}
		if got := pyNumber(json.Number(in)); got != want[1] {
			t.Errorf("pyNumber(%s) = %s, want %s", in, got, want[1])
		}
	}
}

// The re-serializers must reproduce the real runtimes byte for byte; when node
// and python3 are installed, compare with them on a body full of edge cases.
func TestReserializationsMatchRealRuntimes(t *testing.T) {
	corpus := `{"b": 1, "a": [1.0, 1.50, -0, -0.0, 1e3, 1E-7, 1e-6, 1.5e-7, 123456789012345678901234, 1e21, 1e300, 0.0001, 0.00001, 1e16, 1e15, 12345678.9],
 "2": "x", "10": null, "1": true, "01": false, "4294967295": 0, "4294967294": 0,
 "s": "caf\u00e9 \u00fc \ud83d\ude00 <a&b> \u2028 \u007f \u0001 \t\n\"\\/ ' ", "q": "it's", "q2": "it's \"x\"",
 "dup": 1, "dup": 2, "e": {}, "l": [], "n": {"z": [{"y": []}]}, "zw": "\u200b\u00a0\u00ad\u0085"}`
	forms, err := reserializations([]byte(corpus))
	if err != nil {
		t.Fatal(err)
	}
	byName := func(prefix string) []byte {
		for _, f := range forms {
			if strings.HasPrefix(f.name, prefix) {
				return f.body
			}
		}
		t.Fatalf("no form %q", prefix)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	runtime := func(name string, args ...string) []byte {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("%s not installed", name)
		}
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdin = strings.NewReader(corpus)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return out
	}
	t.Run("node", func(t *testing.T) {
		out := runtime("node", "-e", `let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);
process.stdout.write([JSON.stringify(o),JSON.stringify(o,null,2),JSON.stringify(o,null,4)].join("\u0000"))})`)
		parts := bytes.Split(out, []byte{0})
		for i, prefix := range []string{"JSON.stringify(JSON.parse(body))", "JSON.stringify(JSON.parse(body), null, 2)", "JSON.stringify(JSON.parse(body), null, 4)"} {
			if got := byName(prefix); !bytes.Equal(got, parts[i]) {
				t.Errorf("%s:\n got %s\nwant %s", prefix, got, parts[i])
			}
		}
	})
	t.Run("python", func(t *testing.T) {
		out := runtime("python3", "-c", `import json,sys
o=json.loads(sys.stdin.buffer.read().decode("utf-8"))
sys.stdout.buffer.write("\0".join([json.dumps(o),json.dumps(o,separators=(",",":")),json.dumps(o,ensure_ascii=False),str(o)]).encode("utf-8"))`)
		parts := bytes.Split(out, []byte{0})
		for i, prefix := range []string{`Python json.dumps(json.loads(body))`, `Python json.dumps(..., separators`, `Python json.dumps(..., ensure_ascii=False)`, `Python str(dict)`} {
			if got := byName(prefix); !bytes.Equal(got, parts[i]) {
				t.Errorf("%s:\n got %s\nwant %s", prefix, got, parts[i])
			}
		}
	})
}

// Profiles whose formulas coincide (veriff-x-signature and shuftipro-legacy)
// must form one group, so that a diagnosis names them in one finding.
func TestProfileGroupsMergeEqualFormulas(t *testing.T) {
	gs := profileGroups(diagSecret, diagBody)
	if len(gs) != 3 {
		t.Fatalf("%d groups, want 3 (x-signature and shuftipro-legacy share a formula)", len(gs))
	}
	for _, g := range gs {
		if g.has(VeriffXSignature) != g.has(ShuftiProLegacy) {
			t.Errorf("x-signature and legacy in different groups")
		}
		if !hmac.Equal(g.digest, g.profiles[0].Digest(diagSecret, diagBody)) {
			t.Errorf("group digest mismatch")
		}
	}
}
