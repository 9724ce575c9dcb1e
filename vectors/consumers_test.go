package vectors

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Python and Node consumers are the proof that the vectors are
// language-neutral. CI installs python3 and node, so a missing interpreter is
// a failure here, not a skip.
var consumers = []struct{ interp, script string }{
	{"python3", "../golden/consumers/check_vectors.py"},
	{"node", "../golden/consumers/check_vectors.mjs"},
}

func runConsumer(t *testing.T, interp, script string, args ...string) (string, int) {
	t.Helper()
	bin, err := exec.LookPath(interp)
	if err != nil {
		t.Fatalf("%s not on PATH: the golden consumers need it (CI installs it)", interp)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{script}, args...)...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s timed out", interp, script)
	}
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s: %v", interp, err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestConsumersPassOnCommittedVectors(t *testing.T) {
	n := len(loadRepo(t))
	want := fmt.Sprintf("vectors: %d passed, 0 failed", n)
	for _, c := range consumers {
		out, code := runConsumer(t, c.interp, c.script)
		if code != 0 || lastLine(out) != want {
			t.Errorf("%s: exit %d, output:\n%s\nwant last line %q", c.interp, code, out, want)
		}
	}
}

// copyVectors copies golden/vectors into a temporary directory and applies
// edit to the content of one file there.
func copyVectors(t *testing.T, file string, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := filepath.Glob(filepath.Join("..", Dir, "*.json"))
	if err != nil || len(src) == 0 {
		t.Fatalf("no vector files: %v", err)
	}
	for _, s := range src {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		content := string(data)
		if filepath.Base(s) == file {
			edited := edit(content)
			if edited == content {
				t.Fatalf("edit did not change %s", file)
			}
			content = edited
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(s)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConsumersFailOnCorruptedCopy(t *testing.T) {
	vs := loadRepo(t)
	var target Vector
	for _, v := range vs {
		if v.ID == "veriff-hmac/unicode" {
			target = v
		}
	}
	sig := target.Headers["X-HMAC-SIGNATURE"]
	if len(sig) != 64 {
		t.Fatalf("veriff-hmac/unicode has no signature")
	}
	cases := []struct {
		name, file string
		edit       func(string) string
		wantLine   string
	}{
		{"one hex digit of an accepted signature", "veriff-hmac.json",
			func(s string) string { return strings.Replace(s, sig, flipLastHex(sig), 1) },
			"FAIL veriff-hmac/unicode: expected accept, got reject"},
		{"verdict of a rejection flipped", "shuftipro.json",
			func(s string) string {
				const from = `"id": "shuftipro/wrong-secret",`
				i := strings.Index(s, from)
				j := i + strings.Index(s[i:], `"verdict": "reject"`)
				return s[:j] + `"verdict": "accept"` + s[j+len(`"verdict": "reject"`):]
			},
			"FAIL shuftipro/wrong-secret: "},
		{"secret changed", "shuftipro-legacy.json",
			func(s string) string {
				return strings.Replace(s, `"secret": "test-only-secret/shuftipro-legacy/not-for-production",`,
					`"secret": "test-only-secret/shuftipro-legacy/not-for-productioN",`, 1)
			},
			"FAIL shuftipro-legacy/compact: expected accept, got reject"},
	}
	for _, c := range cases {
		dir := copyVectors(t, c.file, c.edit)
		for _, k := range consumers {
			out, code := runConsumer(t, k.interp, k.script, dir)
			if code != 1 {
				t.Errorf("%s / %s: exit %d, want 1; output:\n%s", c.name, k.interp, code, out)
			}
			if !strings.Contains(out, c.wantLine) {
				t.Errorf("%s / %s: output lacks %q:\n%s", c.name, k.interp, c.wantLine, out)
			}
			if !strings.HasPrefix(lastLine(out), "vectors: ") || strings.HasSuffix(lastLine(out), " 0 failed") {
				t.Errorf("%s / %s: summary %q", c.name, k.interp, lastLine(out))
			}
		}
	}
	// An empty directory is a failure, not "0 passed, 0 failed".
	empty := t.TempDir()
	for _, k := range consumers {
		if out, code := runConsumer(t, k.interp, k.script, empty); code != 1 {
			t.Errorf("%s on an empty directory: exit %d:\n%s", k.interp, code, out)
		}
	}
}
