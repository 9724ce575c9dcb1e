package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conform-kit/conform/signing"
)

// cliResult is what one in-process run of conform produced.
type cliResult struct {
	code     int
	out, err string
}

// cliRun runs conform in-process with env as its whole environment and stdin
// as its input.
func cliRun(t *testing.T, env map[string]string, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errb bytes.Buffer
	code := run(args, &streams{in: stdin, out: &out, err: &errb, getenv: func(k string) string { return env[k] }})
	return cliResult{code: code, out: out.String(), err: errb.String()}
}

// expectUsage asserts exit 2 with exactly one stderr line containing want.
func (r cliResult) expectUsage(t *testing.T, want string) {
	t.Helper()
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d (stdout %q, stderr %q)", r.code, exitUsage, r.out, r.err)
	}
	if strings.Count(r.err, "\n") != 1 || !strings.Contains(r.err, want) {
		t.Fatalf("stderr %q, want one line containing %q", r.err, want)
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var testBody = []byte(`{"status":"success","verification":{"id":"0f3c2d9e-6b1a-4f7e-9a51-3c8d2e7b4f60","code":9001,"status":"approved"}}`)

func TestSecretFileStripsOneTrailingNewline(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	want := signing.VeriffHMAC.Sign("file-secret", testBody)
	for name, content := range map[string]string{"bare": "file-secret", "lf": "file-secret\n", "crlf": "file-secret\r\n"} {
		t.Run(name, func(t *testing.T) {
			sf := writeFile(t, "secret", []byte(content))
			// The environment holds another secret: the file must win.
			r := cliRun(t, map[string]string{envSecret: "env-secret"}, nil, "sign", "--profile", "veriff-hmac", "--file", body, "--secret-file", sf)
			if r.code != 0 || !strings.Contains(r.out, "X-HMAC-SIGNATURE: "+want+"\n") {
				t.Fatalf("exit %d, stdout %q, want signature %s", r.code, r.out, want)
			}
		})
	}
}

func TestSecretFileErrors(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	missing := filepath.Join(t.TempDir(), "no-such-secret")
	for name, tc := range map[string]struct {
		path string
		want string
	}{
		"missing":   {missing, "cannot read " + missing},
		"empty":     {writeFile(t, "empty", nil), "is empty"},
		"only-lf":   {writeFile(t, "lf", []byte("\n")), "is empty"},
		"two-lines": {writeFile(t, "two", []byte("first\nsecond\n")), "more than one line"},
		"blank-2nd": {writeFile(t, "blank", []byte("secret\n\n")), "more than one line"},
		"directory": {t.TempDir(), "is a directory"},
	} {
		t.Run(name, func(t *testing.T) {
			cliRun(t, nil, nil, "sign", "--profile", "veriff-hmac", "--file", body, "--secret-file", tc.path).expectUsage(t, tc.want)
		})
	}
}

func TestMissingSecretIsAUsageError(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	cliRun(t, nil, nil, "sign", "--profile", "shuftipro", "--file", body).expectUsage(t, "no API secret: set CONFORM_API_SECRET or pass --secret-file PATH")
	cliRun(t, nil, nil, "verify", "--profile", "shuftipro", "--body", body, "--header", "Signature: 00").expectUsage(t, "no API secret")
}

func TestSecretWithSurroundingSpaceIsUsedAsIsWithANote(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	r := cliRun(t, map[string]string{envSecret: " padded "}, nil, "sign", "--profile", "shuftipro", "--file", body)
	if r.code != 0 || !strings.Contains(r.out, signing.ShuftiPro.Sign(" padded ", testBody)) {
		t.Fatalf("exit %d stdout %q", r.code, r.out)
	}
	if !strings.Contains(r.err, "note: CONFORM_API_SECRET starts or ends with white space") || strings.Contains(r.err, "padded") {
		t.Errorf("stderr %q", r.err)
	}
}

func TestBodyLimits(t *testing.T) {
	env := map[string]string{envSecret: "s"}
	t.Run("file-over-64MiB", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "huge.json")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		// Sparse: costs no disk, reads as zeros.
		if err := f.Truncate(maxBodyBytes + 1); err != nil {
			t.Fatal(err)
		}
		f.Close()
		cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", "--file", path).expectUsage(t, path+" is larger than 64 MiB")
	})
	t.Run("stdin-over-64MiB", func(t *testing.T) {
		cliRun(t, env, io.LimitReader(zeros{}, maxBodyBytes+10), "sign", "--profile", "veriff-hmac").expectUsage(t, "stdin is larger than 64 MiB")
	})
	t.Run("exactly-64MiB-is-accepted", func(t *testing.T) {
		r := cliRun(t, env, io.LimitReader(zeros{}, maxBodyBytes), "sign", "--profile", "veriff-hmac", "--format", "json")
		if r.code != 0 || !strings.Contains(r.out, `"payload_bytes": 67108864`) {
			t.Fatalf("exit %d stdout %q stderr %q", r.code, r.out, r.err)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "absent.json")
		cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", "--file", missing).expectUsage(t, "cannot read "+missing+": no such file or directory")
		dir := t.TempDir()
		cliRun(t, env, nil, "verify", "--profile", "veriff-hmac", "--body", dir, "--header", "X-HMAC-SIGNATURE: 00").expectUsage(t, "cannot read "+dir+": it is a directory")
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestUnknownProfileListsTheKnownOnes(t *testing.T) {
	env := map[string]string{envSecret: "s"}
	known := strings.Join(signing.Names(), ", ")
	cliRun(t, env, nil, "sign", "--profile", "veriff").expectUsage(t, `unknown signing profile "veriff" (known: `+known+")")
	cliRun(t, env, nil, "verify", "--profile", "hmac", "--body", "-", "--header", "a: b").expectUsage(t, "(known: "+known+")")
	cliRun(t, env, nil, "vectors", "--profile", "nope").expectUsage(t, "(known: "+known+")")
	cliRun(t, env, nil, "sign").expectUsage(t, "--profile is required (known: "+known+")")
}

// TestSecretScan runs every command, in every mode and failure class, with a
// distinctive secret and API key, and asserts neither appears in any output —
// nor the secret's SHA-256, which for Shufti Pro's current scheme is as good as
// the secret itself.
func TestSecretScan(t *testing.T) {
	const secret = "SCAN-7c1e5f0b-do-not-print-9a2d"
	const key = "SCAN-KEY-41b7-not-for-logs"
	hashed := sha256.Sum256([]byte(secret))
	forbidden := []string{secret, hex.EncodeToString(hashed[:]), key}
	env := map[string]string{envSecret: secret, envAPIKey: key}

	body := writeFile(t, "body.json", append(append([]byte(nil), testBody...), '\n'))
	secretFile := writeFile(t, "secret", []byte(secret+"\n"))
	notJSON := writeFile(t, "id.txt", []byte("0f3c2d9e-6b1a-4f7e-9a51-3c8d2e7b4f60"))
	var runs [][]string
	for _, p := range signing.Profiles() {
		for _, format := range []string{"headers", "json"} {
			runs = append(runs, []string{"sign", "--profile", p.Name, "--file", body, "--format", format})
		}
		runs = append(runs,
			[]string{"sign", "--profile", p.Name, "--file", body, "--format", "curl", "--url", "http://127.0.0.1:1/x"},
			[]string{"sign", "--profile", p.Name, "--file", body, "--secret-file", secretFile},
		)
		// verify: a match, and every variant the diagnosis knows (so every
		// message template is exercised with this secret).
		raw, _ := os.ReadFile(body)
		gots := []string{p.Sign(secret, raw), strings.ToUpper(p.Sign(secret, raw)), " " + p.Sign(secret, raw), p.Sign(secret, raw)[:20], "zz",
			p.Sign(secret+"\n", raw), p.Sign(secret, testBody), p.Sign(secret, nil), p.Sign("other", raw)}
		for _, q := range signing.Profiles() {
			gots = append(gots, q.Sign(secret, raw))
		}
		for _, got := range gots {
			runs = append(runs,
				[]string{"verify", "--profile", p.Name, "--body", body, "--header", p.Header + ": " + got, "--header", "X-AUTH-CLIENT: wrong"},
				[]string{"verify", "--profile", "auto", "--body", body, "--header", p.Header + ": " + got})
		}
		runs = append(runs, []string{"verify", "--profile", p.Name, "--body", notJSON, "--header", p.Header + ": 00"})
	}
	runs = append(runs,
		[]string{"sign", "--profile", "veriff-hmac", "--id", "0f3c2d9e-6b1a-4f7e-9a51-3c8d2e7b4f60"},
		[]string{"sign", "--profile", "veriff-hmac", "--format", "bogus", "--file", body},
		[]string{"sign", "--profile", "nope"},
		[]string{"sign", "--profile", "veriff-hmac", "--file", body, "--bogus-flag"},
		[]string{"verify", "--profile", "veriff-hmac", "--body", body},
		[]string{"verify", "--profile", "veriff-hmac", "--body", body, "--header", "Signature: 00"},
		[]string{"validate", "--list"},
		[]string{"validate", "--schema", "auto", "--file", body},
		[]string{"validate", "--schema", "veriff/decision-webhook", "--file", body},
		[]string{"validate", "--schema", "no/such", "--file", body},
		[]string{"vectors"},
		[]string{"vectors", "--profile", "shuftipro"},
		[]string{"vectors", "--dir", t.TempDir()},
		[]string{"--help"},
		[]string{"sign", "--help"},
		[]string{"verify", "--help"},
	)
	for _, args := range runs {
		r := cliRun(t, env, bytes.NewReader(testBody), args...)
		for _, f := range forbidden {
			if strings.Contains(r.out, f) || strings.Contains(r.err, f) {
				t.Errorf("conform %s: output contains a secret value (%.12s…)\nstdout: %s\nstderr: %s", strings.Join(args, " "), f, r.out, r.err)
			}
		}
	}
	if len(runs) < 100 {
		t.Fatalf("only %d runs: the scan lost its coverage", len(runs))
	}
}
