package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/conform-kit/conform/signing"
)

const verifySecret = "verify-test-secret-5b2c"

var verifyEnv = map[string]string{envSecret: verifySecret}

func TestVerifyMatchIsOneLine(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	for _, p := range signing.Profiles() {
		for _, profile := range []string{p.Name, "auto"} {
			r := cliRun(t, verifyEnv, nil, "verify", "--profile", profile, "--body", body, "--header", p.Header+": "+p.Sign(verifySecret, testBody))
			if r.code != 0 || strings.Count(r.out, "\n") != 1 || !strings.HasPrefix(r.out, "OK: "+p.Header+" verifies under profile ") {
				t.Errorf("%s/%s: exit %d stdout %q stderr %q", p.Name, profile, r.code, r.out, r.err)
			}
			// auto names the first profile (in signing.Profiles order) whose
			// formula matches; for a named profile it is that profile.
			if profile == p.Name && !strings.Contains(r.out, "profile "+p.Name+",") {
				t.Errorf("%s: %q", p.Name, r.out)
			}
		}
	}
}

func TestVerifyUppercaseIsAcceptedWithANote(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	p := signing.ShuftiPro
	r := cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--body", body, "--header", p.Header+": "+strings.ToUpper(p.Sign(verifySecret, testBody)))
	if r.code != 0 || strings.Count(r.out, "\n") != 1 || !strings.Contains(r.out, "note [uppercase]") {
		t.Fatalf("exit %d stdout %q", r.code, r.out)
	}
}

// TestVerifyMismatchExplainsWhy drives each failure class through the CLI and
// checks the report names the cause, the formulas and the document rule.
func TestVerifyMismatchExplainsWhy(t *testing.T) {
	withNL := append(append([]byte(nil), testBody...), '\n')
	pretty := []byte("{\n  \"status\": \"success\",\n  \"verification\": {\n    \"id\": \"0f3c2d9e-6b1a-4f7e-9a51-3c8d2e7b4f60\",\n    \"code\": 9001,\n    \"status\": \"approved\"\n  }\n}")
	hm, x, sp := signing.VeriffHMAC, signing.VeriffXSignature, signing.ShuftiPro
	for _, tc := range []struct {
		name    string
		p       signing.Profile
		body    []byte
		header  string
		kind    string
		formula string
	}{
		{"other-profile", hm, testBody, hm.Header + ": " + x.Sign(verifySecret, testBody), "other-profile", x.Formula},
		{"hashed-vs-raw-secret", sp, testBody, sp.Header + ": " + signing.ShuftiProLegacy.Sign(verifySecret, testBody), "other-profile", signing.ShuftiProLegacy.Formula},
		{"newline-added-by-capture", x, withNL, x.Header + ": " + x.Sign(verifySecret, testBody), "trailing-newline", x.Formula},
		{"pretty-body-compact-signature", hm, pretty, hm.Header + ": " + hm.Sign(verifySecret, testBody), "reserialized-json", hm.Formula},
		{"secret-prepended", x, testBody, x.Header + ": " + sha(verifySecret+string(testBody)), "secret-prepended", "hex(sha256(secret || payload))"},
		{"whitespace", sp, testBody, sp.Header + ":  " + sp.Sign(verifySecret, testBody), "whitespace", sp.Formula},
		{"truncated", hm, testBody, hm.Header + ": " + hm.Sign(verifySecret, testBody)[:32], "truncated", hm.Formula},
		{"not-hex", hm, testBody, hm.Header + ": not-a-signature", "not-hex", hm.Formula},
		{"wrong-secret", sp, testBody, sp.Header + ": " + sp.Sign("someone-else", testBody), "unknown", sp.Formula},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := writeFile(t, "body.json", tc.body)
			r := cliRun(t, verifyEnv, nil, "verify", "--profile", tc.p.Name, "--body", body, "--header", tc.header)
			if r.code != exitFailed {
				t.Fatalf("exit %d, want 1\n%s%s", r.code, r.out, r.err)
			}
			for _, want := range []string{
				"MISMATCH: " + tc.p.Header + " does not verify under profile " + tc.p.Name,
				"formula:  " + tc.p.Header + " = " + tc.p.Formula,
				"rule:     " + tc.p.Source,
				"expected: " + tc.p.Sign(verifySecret, tc.body),
				"[" + tc.kind + "]",
				"formula: " + tc.formula,
			} {
				if !strings.Contains(r.out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.out)
				}
			}
			if !strings.HasSuffix(r.err, "conform: "+tc.p.Header+" does not verify under profile "+tc.p.Name+"\n") {
				t.Errorf("stderr %q", r.err)
			}
		})
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestVerifyMissingSignatureHeader(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	// The named profile's header is absent, another profile's is present:
	// fail, and diagnose that value.
	r := cliRun(t, verifyEnv, nil, "verify", "--profile", "veriff-hmac", "--body", body,
		"--header", "X-SIGNATURE: "+signing.VeriffXSignature.Sign(verifySecret, testBody))
	if r.code != exitFailed || !strings.Contains(r.out, "MISSING: the request has no X-HMAC-SIGNATURE header (present: X-SIGNATURE)") ||
		!strings.Contains(r.out, "[other-profile]") {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	// No signature header at all.
	r = cliRun(t, verifyEnv, nil, "verify", "--profile", "auto", "--body", body, "--header", "Content-Type: application/json")
	if r.code != exitFailed || !strings.Contains(r.out, "no X-SIGNATURE or X-HMAC-SIGNATURE or Signature header (present: Content-Type)") {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
}

func TestVerifyID(t *testing.T) {
	const id = "0f3c2d9e-6b1a-4f7e-9a51-3c8d2e7b4f60"
	p := signing.VeriffXSignature
	r := cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--id", id, "--header", p.Header+": "+p.Sign(verifySecret, []byte(id)))
	if r.code != 0 {
		t.Fatalf("exit %d %q %q", r.code, r.out, r.err)
	}
	// Signing the id with a newline (read from a file with echo) is diagnosed.
	r = cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--id", id, "--header", p.Header+": "+p.Sign(verifySecret, []byte(id+"\n")))
	if r.code != exitFailed || !strings.Contains(r.out, "[trailing-newline]") || !strings.Contains(r.out, "for the secret given and this id") {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
}

func TestVerifyHeadersFile(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	p := signing.VeriffHMAC
	sig := p.Sign(verifySecret, testBody)
	for name, content := range map[string]string{
		"http-head": "POST /webhooks/decision HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-hmac-signature: " + sig + "\r\n\r\n" + string(testBody),
		"plain":     "X-HMAC-SIGNATURE: " + sig + "\n",
		"json":      `{"Content-Type": "application/json", "X-Hmac-Signature": "` + sig + `"}`,
		"json-list": `{"X-HMAC-SIGNATURE": ["` + sig + `"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			hf := writeFile(t, "headers", []byte(content))
			r := cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--body", body, "--headers", hf)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.out, r.err)
			}
		})
	}
	for name, tc := range map[string]struct{ content, want string }{
		"no-colon":  {"X-HMAC-SIGNATURE " + sig + "\n", "line 1: want 'Name: value'"},
		"duplicate": {"X-HMAC-SIGNATURE: " + sig + "\nx-hmac-signature: " + sig + "\n", "line 2: header x-hmac-signature given twice"},
		"empty":     {"\n\n", "holds no headers"},
		"json-num":  {`{"X-HMAC-SIGNATURE": 5}`, "header X-HMAC-SIGNATURE: want a string"},
		"json-bad":  {`{"X-HMAC-SIGNATURE": "a"`, "invalid JSON"},
		"json-tail": {`{"a": "b"} {}`, "data after the JSON object"},
	} {
		t.Run(name, func(t *testing.T) {
			hf := writeFile(t, "headers", []byte(tc.content))
			cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--body", body, "--headers", hf).expectUsage(t, tc.want)
		})
	}
}

func TestVerifyFlagErrors(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "veriff-hmac", "--header", "X-HMAC-SIGNATURE: 00"}, "--body FILE is required"},
		{[]string{"--profile", "veriff-hmac", "--body", body, "--id", "x", "--header", "X-HMAC-SIGNATURE: 00"}, "--id and --body are exclusive"},
		{[]string{"--profile", "veriff-hmac", "--body", body}, "no headers"},
		{[]string{"--profile", "veriff-hmac", "--body", body, "--header", "a: b", "--headers", body}, "--header and --headers are exclusive"},
		{[]string{"--profile", "veriff-hmac", "--body", body, "--header", "no colon"}, `--header "no colon": want 'Name: value'`},
		{[]string{"--profile", "veriff-hmac", "--body", body, "--header", "Bad Name: v"}, "is not a header name"},
		{[]string{"--profile", "veriff-hmac", "--body", body, "--header", "A: 1", "--header", "a: 2"}, "header a given twice"},
		{[]string{"--body", body, "--header", "a: b"}, "--profile is required"},
	} {
		cliRun(t, verifyEnv, nil, append([]string{"verify"}, tc.args...)...).expectUsage(t, tc.want)
	}
}

func TestVerifyAPIKey(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	p := signing.VeriffHMAC
	sigHeader := p.Header + ": " + p.Sign(verifySecret, testBody)
	withKey := map[string]string{envSecret: verifySecret, envAPIKey: "the-right-key"}

	r := cliRun(t, withKey, nil, "verify", "--profile", p.Name, "--body", body, "--header", sigHeader, "--header", "X-AUTH-CLIENT: the-right-key")
	if r.code != 0 || r.err != "" {
		t.Fatalf("right key: exit %d %q %q", r.code, r.out, r.err)
	}
	r = cliRun(t, withKey, nil, "verify", "--profile", p.Name, "--body", body, "--header", sigHeader, "--header", "X-AUTH-CLIENT: a-wrong-key")
	if r.code != exitFailed || !strings.Contains(r.out, "X-AUTH-CLIENT does not equal CONFORM_API_KEY (values not shown)") ||
		strings.Contains(r.out+r.err, "the-right-key") || strings.Contains(r.out+r.err, "a-wrong-key") {
		t.Fatalf("wrong key: exit %d %q %q", r.code, r.out, r.err)
	}
	r = cliRun(t, withKey, nil, "verify", "--profile", p.Name, "--body", body, "--header", sigHeader)
	if r.code != exitFailed || !strings.Contains(r.out, "no X-AUTH-CLIENT header") {
		t.Fatalf("no key header: exit %d %q", r.code, r.out)
	}
	r = cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--body", body, "--header", sigHeader)
	if r.code != 0 || !strings.Contains(r.err, "X-AUTH-CLIENT not checked: CONFORM_API_KEY is not set") {
		t.Fatalf("key unset: exit %d %q", r.code, r.err)
	}
	// Shufti Pro sends no API key header: nothing to check.
	sp := signing.ShuftiPro
	r = cliRun(t, withKey, nil, "verify", "--profile", sp.Name, "--body", body, "--header", sp.Header+": "+sp.Sign(verifySecret, testBody))
	if r.code != 0 || r.err != "" {
		t.Fatalf("shufti: exit %d %q", r.code, r.err)
	}
}

func TestVerifyBodyFromStdin(t *testing.T) {
	p := signing.ShuftiProLegacy
	r := cliRun(t, verifyEnv, bytes.NewReader(testBody), "verify", "--profile", p.Name, "--body", "-", "--header", p.Header+": "+p.Sign(verifySecret, testBody))
	if r.code != 0 {
		t.Fatalf("exit %d %q %q", r.code, r.out, r.err)
	}
}

func TestVerifyWithholdsHashedSecret(t *testing.T) {
	empty := writeFile(t, "empty", nil)
	body := writeFile(t, "body.json", testBody)
	hashed := sha(verifySecret)
	p := signing.VeriffXSignature
	// Empty body, wrong signature: the expected value would be sha256(secret).
	r := cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--body", empty, "--header", p.Header+": "+sha("x"))
	if r.code != exitFailed || strings.Contains(r.out, hashed) || !strings.Contains(r.out, "expected: (withheld: for an empty payload") {
		t.Errorf("exit %d\n%s", r.code, r.out)
	}
	// A received value equal to sha256(secret) (the signer signed an empty
	// payload) is diagnosed, but not echoed.
	r = cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--body", body, "--header", p.Header+": "+hashed)
	if r.code != exitFailed || strings.Contains(r.out, hashed) || !strings.Contains(r.out, "received: (withheld") || !strings.Contains(r.out, "[empty-payload]") {
		t.Errorf("exit %d\n%s", r.code, r.out)
	}
	// Empty body, right signature: one OK line that does not print it either.
	r = cliRun(t, verifyEnv, nil, "verify", "--profile", p.Name, "--body", empty, "--header", p.Header+": "+hashed)
	if r.code != 0 || strings.Contains(r.out, hashed) {
		t.Errorf("exit %d\n%s", r.code, r.out)
	}
}
