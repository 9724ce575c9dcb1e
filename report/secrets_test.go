package report_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/expect"
	"github.com/conform-kit/conform/harness"
)

// Reports are built from outcomes the runner already redacted; this proves
// it end to end. Runs against listeners whose failures quote requests,
// answers and reproductions, with a distinctive secret and API key, and scans
// every byte of the HTML, Markdown and JSON reports for them (verbatim and in
// the encodings a report might plausibly apply).
func TestReportsNeverContainCredentials(t *testing.T) {
	const secret = "Zq7-SECRET-kestrel-41f0c9"
	const key = "Zq7-APIKEY-osprey-8be21d"
	dir := t.TempDir()
	placeholders := map[string]int{}
	for _, defect := range []string{"accept-everything", "reserialized-body", "no-api-key-check", "wrong-formula", "crash-on-invalid-json", "secret-prepended"} {
		t.Run(defect, func(t *testing.T) {
			rep, _ := demo{defect: defect, key: key, secret: secret}.run(t)
			if rep.Conformant {
				t.Fatalf("the %s listener passed: the scan would prove nothing", defect)
			}
			withMessages := 0
			for _, o := range rep.Checks {
				if o.Status != harness.Passed && strings.Contains(o.Message, "curl ") {
					withMessages++
				}
			}
			if withMessages == 0 {
				t.Fatalf("no failure quotes a request: the scan would prove nothing")
			}
			// An expected-failures list annotates messages too.
			list, err := expect.Parse("xf.yaml", []byte("expected_failures:\n  - {check: veriff/signature/valid-accepted, reason: r}\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			xf := list.Apply(rep.Checks, time.Now())
			rep.ApplyExpected(&xf)

			var htmlOut, mdOut bytes.Buffer
			if err := rep.HTML(&htmlOut, &xf); err != nil {
				t.Fatal(err)
			}
			if err := rep.Markdown(&mdOut, &xf); err != nil {
				t.Fatal(err)
			}
			jsonPath := filepath.Join(dir, defect+".json")
			if err := rep.WriteJSON(jsonPath); err != nil {
				t.Fatal(err)
			}
			jsonOut, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string][]byte{"HTML": htmlOut.Bytes(), "Markdown": mdOut.Bytes(), "JSON": jsonOut} {
				for what, v := range map[string]string{"secret": secret, "API key": key} {
					for enc, s := range map[string]string{
						"verbatim": v, "hex": hex.EncodeToString([]byte(v)),
						"base64": base64.StdEncoding.EncodeToString([]byte(v)), "URL-escaped": url.QueryEscape(v),
						// A distinctive fragment catches partial leaks (a truncated snippet).
						"fragment": v[4:16],
					} {
						if bytes.Contains(out, []byte(s)) {
							t.Errorf("the %s report contains the %s (%s)", name, what, enc)
						}
					}
				}
				if bytes.Contains(out, []byte(harness.APIKeyPlaceholder)) {
					placeholders[name]++
				}
			}
		})
	}
	// The API key was in the requests, and the reports show them with the
	// placeholder instead.
	for _, name := range []string{"HTML", "Markdown", "JSON"} {
		if placeholders[name] == 0 {
			t.Errorf("no %s report shows a reproduction with %s: was anything rendered?", name, harness.APIKeyPlaceholder)
		}
	}
}
