package harness

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// TestCurlReproducesTheRequestExactly pastes the printed command into bash,
// indented the way reports indent it, and checks the listener receives the
// same method, headers and body bytes: a reproduction that changes one byte
// of the body changes its signature and reproduces nothing.
func TestCurlReproducesTheRequestExactly(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to prove reproductions work: %v", tool, err)
		}
	}
	var mu sync.Mutex
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got, gotBody = r, must(io.ReadAll(r.Body))
	}))
	defer srv.Close()

	bodies := map[string][]byte{
		"compact":         []byte(`{"status":"success","verification":{"lastName":"O'Connor","vendorData":"a/b"}}`),
		"pretty":          []byte("{\n  \"a\": \"Siobhán\",\n\t\"b\": \"it's\"\n}\n"),
		"backslashes":     []byte(`{"a":"C:\\path\\"}`),
		"control bytes":   {'{', '"', 'a', '"', ':', '"', 0x01, 0x7f, '"', '}', '\r', '\n'},
		"invalid utf8":    {0xff, 0xfe, 'x'},
		"empty":           {},
		"dollar and bang": []byte(`{"a":"$HOME !x \u0060cmd\u0060"}`),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			req := &Request{Method: http.MethodPost, URL: srv.URL + "/veriff/decision", Body: body, Header: http.Header{
				"Content-Type": {"application/json"}, "X-Signature": {"abc123"},
			}}
			cmd := Curl(req)
			// Reports indent every continuation line; the command must survive it.
			indented := strings.ReplaceAll(cmd, "\n", "\n      ")
			out, err := exec.Command("bash", "-c", indented+" >/dev/null").CombinedOutput()
			if err != nil {
				t.Fatalf("the printed command failed: %v\n%s\n%s", err, out, indented)
			}
			mu.Lock()
			defer mu.Unlock()
			if got == nil || got.Method != http.MethodPost || got.Header.Get("X-Signature") != "abc123" {
				t.Fatalf("request not reproduced: %+v", got)
			}
			if !bytes.Equal(gotBody, body) {
				t.Errorf("body changed:\n got %q\nwant %q\ncommand:\n%s", gotBody, body, indented)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestRedactHidesKeyAndSecretButKeepsReproductionsRunnable(t *testing.T) {
	s := &Session{Provider: &Veriff, apiKey: "KEY-123456", secret: "SECRET-abcdef"}
	req := &Request{Method: "POST", URL: "http://127.0.0.1:1/x", Header: http.Header{"X-Auth-Client": {"KEY-123456"}}, Body: []byte(`{"leak":"SECRET-abcdef KEY-123456"}`)}
	f := &Failure{ID: "veriff/auth/x", Expected: "e", Actual: "SECRET-abcdef", Exchange: &Exchange{Request: req}}
	out := f.Format(s.Redact)
	for _, secret := range []string{"SECRET-abcdef", "KEY-123456"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q leaked:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `-H "X-Auth-Client: $CONFORM_API_KEY"`) {
		t.Errorf("the reproduction should reference $CONFORM_API_KEY:\n%s", out)
	}
}
