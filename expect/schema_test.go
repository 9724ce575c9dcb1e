package expect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"

	"github.com/conform-kit/conform/suites"
)

// The JSON Schema (for editors) and the loader must agree on the file's
// shape. The loader is stricter only where a schema cannot say it:
// duplicate check IDs, impossible calendar dates, and IDs conform does not
// have.
func TestSchemaAgreesWithLoader(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("expected-failures.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(raw))
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	const ok = "veriff/signature/raw-body-pretty"
	for name, tc := range map[string]struct {
		src                string
		schemaOK, loaderOK bool
	}{
		"full entry":       {"expected_failures:\n  - check: " + ok + "\n    reason: r\n    expires: \"2026-03-31\"\n    link: https://t.example/1\n", true, true},
		"minimal entry":    {"expected_failures:\n  - {check: " + ok + ", reason: r}\n", true, true},
		"empty list":       {"expected_failures: []\n", true, true},
		"unknown top key":  {"expected_failures: []\nother: 1\n", false, false},
		"missing top key":  {"{}\n", false, false},
		"unknown key":      {"expected_failures:\n  - {check: " + ok + ", reason: r, why: x}\n", false, false},
		"missing reason":   {"expected_failures:\n  - {check: " + ok + "}\n", false, false},
		"blank reason":     {"expected_failures:\n  - {check: " + ok + ", reason: '  '}\n", false, false},
		"missing check":    {"expected_failures:\n  - {reason: r}\n", false, false},
		"glob check":       {"expected_failures:\n  - {check: 'veriff/transport/*', reason: r}\n", false, false},
		"bool reason":      {"expected_failures:\n  - {check: " + ok + ", reason: true}\n", false, false},
		"bad date form":    {"expected_failures:\n  - {check: " + ok + ", reason: r, expires: '31/12/2026'}\n", false, false},
		"bad link":         {"expected_failures:\n  - {check: " + ok + ", reason: r, link: 'tracker/1'}\n", false, false},
		"list not mapping": {"expected_failures:\n  check: x\n", false, false},
		// Only the loader can tell these.
		"duplicate check": {"expected_failures:\n  - {check: " + ok + ", reason: r}\n  - {check: " + ok + ", reason: s}\n", true, false},
		"unknown check":   {"expected_failures:\n  - {check: veriff/signature/no-such-check, reason: r}\n", true, false},
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := yaml.YAMLToJSON([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			res, err := schema.Validate(gojsonschema.NewBytesLoader(doc))
			if err != nil {
				t.Fatal(err)
			}
			if res.Valid() != tc.schemaOK {
				t.Errorf("schema valid = %v, want %v (%v)", res.Valid(), tc.schemaOK, res.Errors())
			}
			_, err = Parse("xf.yaml", []byte(tc.src), knownIDs)
			if (err == nil) != tc.loaderOK {
				t.Errorf("loader error = %v, want ok=%v", err, tc.loaderOK)
			}
		})
	}
}

// The example in docs/reports.md must load against conform's real check IDs
// and validate against the schema.
func TestDocumentedExampleLoads(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "reports.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/reports.md has no ```yaml example")
	}
	var known []string
	for _, in := range suites.Registry().Instances("") {
		known = append(known, in.ID)
	}
	l, err := Parse("docs/reports.md", []byte(example), known)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 2 || l.Entries[0].Expires == "" || l.Entries[0].Link == "" {
		t.Errorf("example entries: %+v", l.Entries)
	}
	raw, err := os.ReadFile(filepath.Join("expected-failures.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(raw), gojsonschema.NewBytesLoader(j))
	if err != nil || !res.Valid() {
		t.Fatalf("schema: %v %v", err, res.Errors())
	}
}
