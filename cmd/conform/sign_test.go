package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/signing"
)

const signSecret = "sign-test-secret-3e9a"

func TestSignHeadersForEveryProfile(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	for _, p := range signing.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			r := cliRun(t, map[string]string{envSecret: signSecret}, nil, "sign", "--profile", p.Name, "--file", body)
			want := "Content-Type: application/json\n" + p.Header + ": " + p.Sign(signSecret, testBody) + "\n"
			if r.code != 0 || r.out != want {
				t.Fatalf("exit %d\nstdout %q\nwant   %q", r.code, r.out, want)
			}
			// Veriff sends X-AUTH-CLIENT; without --show-key conform says it left it out.
			if (p.Provider == "veriff") != strings.Contains(r.err, "X-AUTH-CLIENT (the API key) is not shown") {
				t.Errorf("stderr %q", r.err)
			}
		})
	}
}

func TestSignReadsStdinByteForByte(t *testing.T) {
	body := append(append([]byte(nil), testBody...), '\r', '\n')
	r := cliRun(t, map[string]string{envSecret: signSecret}, bytes.NewReader(body), "sign", "--profile", "shuftipro")
	if r.code != 0 || !strings.Contains(r.out, "Signature: "+signing.ShuftiPro.Sign(signSecret, body)+"\n") {
		t.Fatalf("exit %d stdout %q", r.code, r.out)
	}
}

func TestSignShowKey(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	env := map[string]string{envSecret: signSecret, envAPIKey: "key-1234"}
	r := cliRun(t, env, nil, "sign", "--profile", "veriff-x-signature", "--file", body, "--show-key")
	want := "Content-Type: application/json\nX-AUTH-CLIENT: key-1234\nX-SIGNATURE: " + signing.VeriffXSignature.Sign(signSecret, testBody) + "\n"
	if r.code != 0 || r.out != want || r.err != "" {
		t.Fatalf("exit %d\nstdout %q\nwant   %q\nstderr %q", r.code, r.out, want, r.err)
	}
	// Without --show-key the key stays out of the output even when set.
	r = cliRun(t, env, nil, "sign", "--profile", "veriff-x-signature", "--file", body)
	if r.code != 0 || strings.Contains(r.out+r.err, "key-1234") {
		t.Fatalf("exit %d: key printed without --show-key: %q %q", r.code, r.out, r.err)
	}
	cliRun(t, map[string]string{envSecret: signSecret}, nil, "sign", "--profile", "veriff-hmac", "--file", body, "--show-key").
		expectUsage(t, "--show-key needs CONFORM_API_KEY to be set")
	cliRun(t, env, nil, "sign", "--profile", "shuftipro", "--file", body, "--show-key").
		expectUsage(t, "--show-key: profile shuftipro sends no API key header")
}

func TestSignID(t *testing.T) {
	const id = "0f3c2d9e-6b1a-4f7e-9a51-3c8d2e7b4f60"
	env := map[string]string{envSecret: signSecret}
	for _, p := range signing.ForProvider("veriff") {
		// stdin holds a body that must be ignored: an id request has none.
		r := cliRun(t, env, strings.NewReader("ignored"), "sign", "--profile", p.Name, "--id", id)
		if r.code != 0 || !strings.Contains(r.out, p.Header+": "+p.Sign(signSecret, []byte(id))+"\n") {
			t.Fatalf("%s: exit %d stdout %q", p.Name, r.code, r.out)
		}
	}
	body := writeFile(t, "body.json", testBody)
	cliRun(t, env, nil, "sign", "--profile", "shuftipro", "--id", id).expectUsage(t, "profile shuftipro signs bodies only")
	cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", "--id", id, "--file", body).expectUsage(t, "--id and --file are exclusive")
	cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", "--id", id+"\n").expectUsage(t, "contains white space")
}

func TestSignJSON(t *testing.T) {
	body := writeFile(t, "body.json", testBody)
	r := cliRun(t, map[string]string{envSecret: signSecret}, nil, "sign", "--profile", "veriff-hmac", "--file", body, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.err)
	}
	var got struct {
		Profile, Provider, Formula, Signed string
		PayloadBytes                       int    `json:"payload_bytes"`
		PayloadSHA256                      string `json:"payload_sha256"`
		Headers                            map[string]string
	}
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.out)
	}
	sum := sha256.Sum256(testBody)
	p := signing.VeriffHMAC
	if got.Profile != p.Name || got.Provider != "veriff" || got.Formula != p.Formula || got.Signed != "body" ||
		got.PayloadBytes != len(testBody) || got.PayloadSHA256 != hex.EncodeToString(sum[:]) ||
		got.Headers[p.Header] != p.Sign(signSecret, testBody) || got.Headers["Content-Type"] != "application/json" || len(got.Headers) != 2 {
		t.Errorf("got %+v", got)
	}
}

func TestSignFlagErrors(t *testing.T) {
	env := map[string]string{envSecret: signSecret}
	body := writeFile(t, "body.json", testBody)
	cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", "--file", body, "--format", "yaml").expectUsage(t, `unknown --format "yaml" (known: headers, json, curl)`)
	cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", "--file", body, "--format", "curl").expectUsage(t, "--format curl needs --url")
	cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", "--file", body, "--url", "http://x").expectUsage(t, "--url is used only with --format curl")
	cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", body).expectUsage(t, "unexpected argument")
	cliRun(t, env, nil, "sign", "--profile", "veriff-hmac", "--nope").expectUsage(t, "unknown flag: --nope")
}

func TestSignCurlText(t *testing.T) {
	body := writeFile(t, "it's body.json", testBody)
	p := signing.VeriffHMAC
	r := cliRun(t, map[string]string{envSecret: signSecret}, nil, "sign", "--profile", p.Name, "--file", body, "--format", "curl", "--url", "http://127.0.0.1:8080/decision?x=1&y=2")
	if r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.err)
	}
	for _, want := range []string{
		"curl -X POST 'http://127.0.0.1:8080/decision?x=1&y=2' \\\n",
		"-H 'Content-Type: application/json'",
		`-H "X-AUTH-CLIENT: $CONFORM_API_KEY"`,
		"-H 'X-HMAC-SIGNATURE: " + p.Sign(signSecret, testBody) + "'",
		"--data-binary @'" + strings.ReplaceAll(body, "'", `'\''`) + "'",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.err, "CONFORM_API_KEY is not set") {
		t.Errorf("stderr %q", r.err)
	}
	r = cliRun(t, map[string]string{envSecret: signSecret}, bytes.NewReader(testBody), "sign", "--profile", "shuftipro", "--format", "curl", "--url", "http://h/cb")
	if !strings.Contains(r.out, "--data-binary @-") || strings.Contains(r.out, "X-AUTH-CLIENT") || !strings.Contains(r.err, "pipe the same bytes") {
		t.Errorf("stdin curl: stdout %q stderr %q", r.out, r.err)
	}
	r = cliRun(t, map[string]string{envSecret: signSecret}, nil, "sign", "--profile", "veriff-x-signature", "--id", "abc-123", "--format", "curl", "--url", "http://h/v1/sessions/abc-123/decision")
	if !strings.HasPrefix(r.out, "curl -X GET ") || strings.Contains(r.out, "--data-binary") {
		t.Errorf("id curl: %q", r.out)
	}
}

// TestSignCurlRunsAndVerifies executes the printed curl command (when curl is
// installed) against a local server and checks that the request it sends
// carries exactly the signed bytes and headers.
func TestSignCurlRunsAndVerifies(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("sh not installed")
	}
	// A body curl's -d would damage: CRLF line endings and a trailing newline.
	raw := []byte("{\r\n  \"reference\": \"ref-1\",\r\n  \"event\": \"verification.accepted\"\r\n}\n")
	body := writeFile(t, "callback body.json", raw)
	type received struct {
		body    []byte
		headers http.Header
	}
	got := make(chan received, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case got <- received{b, r.Header.Clone()}:
		default:
		}
	}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	for _, p := range []signing.Profile{signing.ShuftiPro, signing.VeriffHMAC} {
		t.Run(p.Name, func(t *testing.T) {
			env := map[string]string{envSecret: signSecret}
			r := cliRun(t, env, nil, "sign", "--profile", p.Name, "--file", body, "--format", "curl", "--url", srv.URL+"/hook")
			if r.code != 0 {
				t.Fatalf("exit %d stderr %q", r.code, r.err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, sh, "-c", r.out)
			cmd.Env = []string{"PATH=" + filepath.Dir(curl), "CONFORM_API_KEY=curl-key"}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("curl: %v\n%s", err, out)
			}
			select {
			case req := <-got:
				if !bytes.Equal(req.body, raw) {
					t.Errorf("server received %q, want %q", req.body, raw)
				}
				if !p.Verify(signSecret, req.body, req.headers.Get(p.Header)) {
					t.Errorf("signature %q does not verify over the received body", req.headers.Get(p.Header))
				}
				if wantKey := map[bool]string{true: "curl-key"}[p.Provider == "veriff"]; req.headers.Get("X-AUTH-CLIENT") != wantKey {
					t.Errorf("X-AUTH-CLIENT %q, want %q", req.headers.Get("X-AUTH-CLIENT"), wantKey)
				}
			case <-ctx.Done():
				t.Fatal("server received nothing")
			}
		})
	}
}

// Under sha256(payload || secret), an empty payload's signature is
// hex(sha256(secret)) — Shufti Pro's current-scheme key material — so sign
// refuses it; HMAC of an empty payload discloses nothing and is allowed.
func TestSignRefusesToDiscloseHashedSecret(t *testing.T) {
	env := map[string]string{envSecret: signSecret}
	empty := writeFile(t, "empty", nil)
	for _, p := range []signing.Profile{signing.VeriffXSignature, signing.ShuftiProLegacy} {
		cliRun(t, env, nil, "sign", "--profile", p.Name, "--file", empty).expectUsage(t, "refusing to sign an empty payload with profile "+p.Name)
	}
	for _, p := range []signing.Profile{signing.VeriffHMAC, signing.ShuftiPro} {
		r := cliRun(t, env, nil, "sign", "--profile", p.Name, "--file", empty)
		if r.code != 0 || !strings.Contains(r.out, p.Sign(signSecret, nil)) {
			t.Errorf("%s: exit %d %q %q", p.Name, r.code, r.out, r.err)
		}
	}
}
