package docexamples

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func doc(lines ...string) Document {
	return Document{Source: Source{Doc: "test", File: "test.txt"}, Lines: lines}
}

func TestExtractFindsEveryForm(t *testing.T) {
	d := doc(
		"Heading One",                       // 1
		"{",                                 // 2 block
		`"a": "brace } inside a string {",`, // 3
		`"b": [1, 2,],`,                     // 4 trailing comma
		`"c": "…"`,                          // 5 ellipsis
		"}",                                 // 6
		"-d '{",                             // 7 curl
		`"x": 1`,                            // 8
		"}'",                                // 9
		"200 | `{ \"status\": \"ok\" }` |",  // 10 inline table cell
		"var o = { method: 'GET' };",        // 11 JS literal: not a candidate
		"{'python': 'dict'}",                // 12 Python dict: not a candidate
		`{"k":"v"}Your-API-Secret`,          // 13 signature input
		"--data '{\"y\":2}'",                // 14 curl, one line
	)
	got := Extract(d)
	want := []struct {
		start, end int
		found      string
		trailer    string
	}{
		{2, 6, FoundBlock, ""},
		{7, 9, FoundCurl, "'"},
		{10, 10, FoundInline, "` |"},
		{13, 13, FoundBlock, "Your-API-Secret"},
		{14, 14, FoundCurl, "'"},
	}
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("got %d-%d %s %q", g.StartLine, g.EndLine, g.Found, g.Raw)
		}
		t.Fatalf("extracted %d examples, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.StartLine != w.start || g.EndLine != w.end || g.Found != w.found || g.Trailer != w.trailer || !g.Balanced {
			t.Errorf("example %d = %d-%d %s trailer %q balanced %v, want %d-%d %s trailer %q",
				i, g.StartLine, g.EndLine, g.Found, g.Trailer, g.Balanced, w.start, w.end, w.found, w.trailer)
		}
	}
	if !strings.Contains(got[0].Raw, "brace } inside") || !strings.HasSuffix(got[0].Raw, "}") {
		t.Errorf("block text wrong: %q", got[0].Raw)
	}
	if got[1].Raw != "{\n\"x\": 1\n}" {
		t.Errorf("curl text wrong: %q", got[1].Raw)
	}
	if got[0].Section != "Heading One" {
		t.Errorf("section = %q", got[0].Section)
	}
}

func TestExtractUnbalancedIsReportedNotDropped(t *testing.T) {
	d := doc("{", `"a": 1,`, `"b": {`)
	got := Extract(d)
	if len(got) != 1 || got[0].Balanced || got[0].StartLine != 1 || got[0].EndLine != 3 {
		t.Fatalf("got %+v", got)
	}
}

func TestKeysSurviveRewrappingAndNumberCopies(t *testing.T) {
	a := Extract(doc(`{"a": 1, "b": 2}`, "text", "{", `"a": 1,`, `"b": 2`, "}"))
	if len(a) != 2 {
		t.Fatalf("got %d examples", len(a))
	}
	if !strings.HasPrefix(a[0].Key, "test/") || a[1].Key != a[0].Key+"-2" {
		t.Errorf("keys %q, %q: identical text (modulo white space) must share a hash and be numbered", a[0].Key, a[1].Key)
	}
	b := Extract(doc(`{"a": 1, "b": 3}`))
	if b[0].Key == a[0].Key {
		t.Errorf("changed text kept key %s", a[0].Key)
	}
}

func TestFindProvidersFailsClearly(t *testing.T) {
	dir := t.TempDir()
	if _, err := findProviders(dir, dir); err == nil || !strings.Contains(err.Error(), "provider documents not found") {
		t.Fatalf("err = %v", err)
	}
	p := filepath.Join(dir, "a", "shared", "providers")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, Sources[0].File), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(dir, "a", "repo", "pkg")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := findProviders(deep, dir); err != nil || got != p {
		t.Fatalf("FindProviders = %q, %v; want %q", got, err, p)
	}
}

func TestReadJSON(t *testing.T) {
	cases := []struct {
		in       string
		findings []string
		repaired bool
	}{
		{`{"a": 1}`, nil, true},
		{`{"a": [1, 2,], "b": {"c": 1,}}`, []string{"trailing-comma /a", "trailing-comma /b"}, true},
		{`{"a": 1, "a": 2}`, []string{"duplicate-key /a"}, true},
		{`{"p": {"x/y": 1, "x/y": 1}}`, []string{"duplicate-key /p/x~1y"}, true},
		{`{ "status": "success", "data" }`, []string{"invalid-json"}, false},
		{"{\nvar hash = 1;\n}", []string{"invalid-json"}, false},
		{`{"a": "unterminated}`, []string{"invalid-json /a"}, false},
		{`{"a": 01}`, []string{"invalid-json /a"}, false},
		{`{"a": 1} x`, []string{"invalid-json"}, false},
	}
	for _, c := range cases {
		s := ReadJSON(c.in)
		var ids []string
		for _, f := range s.Findings {
			ids = append(ids, f.ID())
		}
		if strings.Join(ids, ";") != strings.Join(c.findings, ";") || (s.Repaired != nil) != c.repaired {
			t.Errorf("ReadJSON(%q) = %v repaired=%v; want %v repaired=%v", c.in, ids, s.Repaired != nil, c.findings, c.repaired)
		}
	}
	if s := ReadJSON(`{"a": [1, 2,]}`); string(s.Repaired) != `{"a": [1, 2]}` {
		t.Errorf("repair = %q", s.Repaired)
	}
	if s := ReadJSON("{\n\"a\": 1,\n\"a\": 2\n}"); len(s.Findings) != 1 || s.Findings[0].Line != 3 {
		t.Errorf("duplicate reported at line %+v, want 3", s.Findings)
	}
}

func TestParseManifestRejects(t *testing.T) {
	bad := map[string]string{
		"unknown field":     `{"examples":[],"defects":[],"extra":1}`,
		"bad id":            `{"examples":[],"defects":[{"id":"X-1","doc":"veriff","title":"t","what":"w","why":"y","conform":"c"}]}`,
		"wrong doc":         `{"examples":[],"defects":[{"id":"VRF-001","doc":"shuftipro","title":"t","what":"w","why":"y","conform":"c"}]}`,
		"missing why":       `{"examples":[],"defects":[{"id":"VRF-001","doc":"veriff","title":"t","what":"w","conform":"c"}]}`,
		"payload no schema": `{"examples":[{"key":"veriff/1","line":1,"kind":"payload","why":"w"}],"defects":[]}`,
		"unknown kind":      `{"examples":[{"key":"veriff/1","line":1,"kind":"other","why":"w"}],"defects":[]}`,
		"unknown defect":    `{"examples":[{"key":"veriff/1","line":1,"kind":"json-only","why":"w","findings":[{"finding":"invalid-json","defect":"VRF-009"}]}],"defects":[]}`,
		"duplicate key":     `{"examples":[{"key":"veriff/1","line":1,"kind":"json-only","why":"w"},{"key":"veriff/1","line":2,"kind":"json-only","why":"w"}],"defects":[]}`,
	}
	for name, in := range bad {
		if _, err := ParseManifest([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := LoadManifest(); err != nil {
		t.Fatalf("committed manifest: %v", err)
	}
}

func TestCheckNotJSONMustNotParse(t *testing.T) {
	ex := Example{Key: "test/1", StartLine: 5, Raw: `{"a": 1}`}
	if _, err := Check(ex, Entry{Kind: KindNotJSON}, nil); err == nil {
		t.Fatal("valid JSON classified not-json was accepted: that would be a silent skip")
	}
	ex.Raw = "{\nvar x;\n}"
	if fs, err := Check(ex, Entry{Kind: KindNotJSON}, nil); err != nil || fs != nil {
		t.Fatalf("Check = %v, %v", fs, err)
	}
}

func TestCheckValidatesAtPointerAndPrefixesFindings(t *testing.T) {
	ex := Example{Key: "test/1", StartLine: 10, Raw: "{\"w\": {\"a\": 1,}}"}
	var gotDoc string
	v := func(schema string, doc []byte) ([]Finding, error) {
		gotDoc = string(doc)
		return []Finding{{Rule: "type", Pointer: "/a"}}, nil
	}
	fs, err := Check(ex, Entry{Kind: KindPayload, Schema: "s", At: "/w"}, v)
	if err != nil {
		t.Fatal(err)
	}
	if gotDoc != `{"a":1}` {
		t.Errorf("validated %q, want the repaired value at /w", gotDoc)
	}
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID())
	}
	if strings.Join(ids, ";") != "trailing-comma /w;type /w/a" {
		t.Errorf("findings %v", ids)
	}
	if fs[0].Line != 10 {
		t.Errorf("trailing comma reported at document line %d, want 10", fs[0].Line)
	}
}
