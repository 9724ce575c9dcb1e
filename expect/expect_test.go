package expect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var knownIDs = []string{
	"veriff/signature/raw-body-pretty",
	"veriff/signature/valid-accepted",
	"veriff/transport/exactly-200",
	"veriff/auth/wrong-api-key",
	"shuftipro/events/request-pending",
}

func TestParseValid(t *testing.T) {
	src := `# known failures of our staging listener
expected_failures:
  - check: veriff/signature/raw-body-pretty
    reason: "framework re-serializes the body; fix in PAY-123"
    expires: 2026-03-31          # unquoted: a YAML date
    link: https://tracker.example/PAY-123
  - check: veriff/transport/exactly-200
    reason: >
      we answer 202;
      changing it needs the gateway team
    expires: "2026-04-01"
  - {check: veriff/auth/wrong-api-key, reason: tracked}
`
	l, err := Parse("xf.yaml", []byte(src), knownIDs)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(l.Entries))
	}
	e := l.Entries[0]
	if e.Check != "veriff/signature/raw-body-pretty" || e.Expires != "2026-03-31" || e.Link != "https://tracker.example/PAY-123" || e.Line != 3 {
		t.Errorf("entry 1 = %+v", e)
	}
	if got := l.Entries[1].Reason; got != "we answer 202; changing it needs the gateway team" {
		t.Errorf("folded reason = %q", got)
	}
	if l.Entries[2].Line != 12 || l.Entries[2].Expires != "" {
		t.Errorf("entry 3 = %+v", l.Entries[2])
	}
	if got, ok := l.Lookup("veriff/transport/exactly-200"); !ok || got.Line != 7 {
		t.Errorf("Lookup = %+v, %v", got, ok)
	}
	if _, ok := l.Lookup("veriff/auth/missing-api-key"); ok {
		t.Error("Lookup found an unlisted check")
	}
	if w := l.Where(l.Entries[1]); w != "xf.yaml:7" {
		t.Errorf("Where = %q", w)
	}
}

func TestParseJSONAndEmptyList(t *testing.T) {
	l, err := Parse("xf.json", []byte(`{"expected_failures": [{"check": "veriff/signature/valid-accepted", "reason": "r", "expires": "2030-01-01"}]}`), knownIDs)
	if err != nil || len(l.Entries) != 1 || l.Entries[0].Line != 1 {
		t.Fatalf("JSON: %v %+v", err, l)
	}
	l, err = Parse("xf.yaml", []byte("expected_failures: []\n"), knownIDs)
	if err != nil || len(l.Entries) != 0 {
		t.Fatalf("empty list: %v %+v", err, l)
	}
	// nil known IDs: no ID validation (the file alone is checked).
	if _, err := Parse("xf.yaml", []byte("expected_failures:\n  - {check: a/b/c, reason: r}\n"), nil); err != nil {
		t.Fatal(err)
	}
}

func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"empty file":        {"", `xf.yaml: the file is empty; a list with no entries is written "expected_failures: []"`},
		"comments only":     {"# nothing\n", "xf.yaml: the file has no content"},
		"syntax":            {"expected_failures:\n  - check: [\n", "xf.yaml: yaml: line"},
		"not a mapping":     {"- check: x\n", `xf.yaml:1: the file must be a mapping with the key "expected_failures", got a list`},
		"unknown top key":   {"expected_failures: []\nexpected: []\n", `xf.yaml:2: unknown key "expected"`},
		"missing top key":   {"{}\n", `xf.yaml:1: missing the key "expected_failures"`},
		"null list":         {"expected_failures:\n", `xf.yaml:1: expected_failures is empty`},
		"list is a mapping": {"expected_failures:\n  check: x\n", `xf.yaml:2: expected_failures must be a list of entries, got a mapping`},
		"entry is a string": {"expected_failures:\n  - veriff/auth/wrong-api-key\n", "xf.yaml:2: entry 1 must be a mapping"},
		"unknown key": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n    expire: 2026-01-01\n",
			`xf.yaml:4: entry 1: unknown key "expire" (did you mean expires? known keys: check, reason, expires, link)`},
		"duplicate key": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n    reason: s\n",
			`xf.yaml:4: entry 1: key "reason" is already given at line 3`},
		"reason is a bool": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: true\n",
			"xf.yaml:3: entry 1: reason must be a string, got a boolean (true; quote it to make it text)"},
		"reason is a list": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason:\n      - a\n",
			"xf.yaml:4: entry 1: reason must be a string, got a list"},
		"check is a number": {"expected_failures:\n  - check: 42\n    reason: r\n",
			"xf.yaml:2: entry 1: check must be a string, got a number"},
		"link is a date": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n    link: 2026-01-01\n",
			"xf.yaml:4: entry 1: link must be a string, got a date"},
		"missing check": {"expected_failures:\n  - reason: r\n", `xf.yaml:2: entry 1: missing required key "check"`},
		"empty check":   {"expected_failures:\n  - check: ''\n    reason: r\n", "xf.yaml:2: entry 1: check is empty"},
		"glob": {"expected_failures:\n  - check: veriff/transport/*\n    reason: r\n",
			`xf.yaml:2: entry 1: check "veriff/transport/*" must be one exact check ID (patterns are not supported`},
		"missing reason": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n",
			`xf.yaml:2: entry 1 (veriff/auth/wrong-api-key): missing required key "reason"`},
		"blank reason": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: '   '\n",
			"xf.yaml:3: entry 1 (veriff/auth/wrong-api-key): reason is empty"},
		"bad date": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n    expires: 2026-02-30\n",
			`xf.yaml:4: entry 1 (veriff/auth/wrong-api-key): expires "2026-02-30" is not a date written YYYY-MM-DD`},
		"date with time": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n    expires: 2026-02-01T10:00:00Z\n",
			`expires "2026-02-01T10:00:00Z" is not a date written YYYY-MM-DD`},
		"european date": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n    expires: 31/12/2026\n",
			`expires "31/12/2026" is not a date`},
		"bad link": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n    link: tracker/PAY-1\n",
			`xf.yaml:4: entry 1 (veriff/auth/wrong-api-key): link "tracker/PAY-1" is not an http(s) URL`},
		"javascript link": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n    link: javascript:alert(1)\n",
			`is not an http(s) URL`},
		"duplicate check": {"expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n  - check: veriff/transport/exactly-200\n    reason: r\n  - check: veriff/auth/wrong-api-key\n    reason: s\n",
			"xf.yaml:6: entry 3: check veriff/auth/wrong-api-key is already listed at line 2"},
		"unknown check with hint": {"expected_failures:\n  - check: veriff/signature/raw-body-prety\n    reason: r\n",
			`xf.yaml:2: entry 1: unknown check ID "veriff/signature/raw-body-prety" (did you mean veriff/signature/raw-body-pretty? ` + "`conform list` prints every ID)"},
		"unknown check far off": {"expected_failures:\n  - check: veriff/nothing/like-it-at-all\n    reason: r\n",
			`xf.yaml:2: entry 1: unknown check ID "veriff/nothing/like-it-at-all" (` + "`conform list`"},
		"two documents": {"expected_failures: []\n---\nexpected_failures: []\n", "xf.yaml:2: a second YAML document"},
	} {
		t.Run(name, func(t *testing.T) {
			l, err := Parse("xf.yaml", []byte(tc.src), knownIDs)
			if err == nil {
				t.Fatalf("no error, got %+v", l)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q\nwant it to contain %q", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Fatalf("error spans lines: %q", msg)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "expected.yaml")
	if err := os.WriteFile(path, []byte("expected_failures:\n  - check: veriff/auth/wrong-api-key\n    reason: r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Load(path, knownIDs)
	if err != nil || l.Path != path || len(l.Entries) != 1 {
		t.Fatalf("Load: %v %+v", err, l)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"), knownIDs)
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestExpired(t *testing.T) {
	l, err := Parse("xf.yaml", []byte("expected_failures:\n  - {check: a/b/c, reason: r, expires: 2026-03-31}\n  - {check: a/b/d, reason: r}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e, never := l.Entries[0], l.Entries[1]
	for _, tc := range []struct {
		today time.Time
		want  bool
	}{
		{time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), true},
		// The calendar date where the run happens decides, not UTC's.
		{time.Date(2026, 3, 31, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)), false},
		{time.Date(2026, 4, 1, 0, 30, 0, 0, time.FixedZone("UTC+9", 9*3600)), true},
		{time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		if got := e.Expired(tc.today); got != tc.want {
			t.Errorf("Expired(%s) = %v, want %v", tc.today, got, tc.want)
		}
		if never.Expired(tc.today) {
			t.Errorf("an entry without expires expired on %s", tc.today)
		}
	}
}
