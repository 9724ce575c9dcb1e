package docexamples

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite spec/DOC-DEFECTS.md from the manifest")

// corpus is everything the tests need, loaded once per test.
type corpus struct {
	docs     []Document
	examples []Example
	byKey    map[string]Example
	manifest *Manifest
	entries  map[string]Entry
}

func load(t *testing.T) corpus {
	t.Helper()
	dir, err := FindProviders(".")
	if err != nil {
		// The documents are the subject under test: their absence is a failure, never a skip.
		t.Fatalf("%v — the tests read the provider documents from ../shared/providers relative to the repository root", err)
	}
	docs, err := LoadDocuments(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadManifest()
	if err != nil {
		t.Fatal(err)
	}
	c := corpus{docs: docs, byKey: map[string]Example{}, manifest: m, entries: map[string]Entry{}}
	for _, d := range docs {
		for _, e := range Extract(d) {
			c.examples = append(c.examples, e)
			c.byKey[e.Key] = e
		}
	}
	for _, e := range m.Examples {
		c.entries[e.Key] = e
	}
	return c
}

func (c corpus) doc(name string) Document {
	for _, d := range c.docs {
		if d.Doc == name {
			return d
		}
	}
	return Document{}
}

// Requirement (issue "The documents' own examples"): no example is skipped
// silently and no manifest entry outlives its example.
func TestManifestCoversEveryExample(t *testing.T) {
	c := load(t)
	if len(c.examples) < 40 {
		t.Fatalf("extracted only %d examples; the documents hold more than 40", len(c.examples))
	}
	for _, ex := range c.examples {
		e, ok := c.entries[ex.Key]
		if !ok {
			first := strings.SplitN(ex.Raw, "\n", 2)[0]
			if len(first) > 70 {
				first = first[:70] + "…"
			}
			t.Errorf("new or changed example %s at %s line %d (%s) is not in manifest.json: classify it. It starts: %s",
				ex.Key, ex.Doc, ex.StartLine, ex.Section, first)
			continue
		}
		if e.Line != ex.StartLine {
			t.Errorf("manifest entry %s says line %d; the example starts at line %d", ex.Key, e.Line, ex.StartLine)
		}
		if !ex.Balanced {
			t.Errorf("example %s (line %d) has no balancing brace within %d lines", ex.Key, ex.StartLine, maxBlockLines)
		}
	}
	for _, e := range c.manifest.Examples {
		if _, ok := c.byKey[e.Key]; !ok {
			t.Errorf("stale manifest entry %s (line %d): no such example in the documents any more", e.Key, e.Line)
		}
	}
}

// A signature-input illustration is the body with the secret placeholder
// appended; any other example must end at its brace (plus the quote or table
// cell that encloses it).
func TestTrailers(t *testing.T) {
	c := load(t)
	for _, ex := range c.examples {
		e := c.entries[ex.Key]
		switch {
		case e.Kind == KindSignatureInput && ex.Trailer != "Your-API-Secret":
			t.Errorf("%s (line %d) is a signature input but is followed by %q, not Your-API-Secret", ex.Key, ex.StartLine, ex.Trailer)
		case e.Kind != KindSignatureInput && ex.Trailer != "" && ex.Trailer != "'" && ex.Trailer != "` |":
			t.Errorf("%s (line %d) is followed by %q: is it a signature input?", ex.Key, ex.StartLine, ex.Trailer)
		}
	}
}

// Every cited fact is on the line it is cited at, and every defect is
// either proved by an example check or cited with evidence.
func TestDefectEvidence(t *testing.T) {
	c := load(t)
	used := map[string]bool{}
	for _, e := range c.manifest.Examples {
		for _, f := range e.Findings {
			used[f.Defect] = true
		}
	}
	for _, df := range c.manifest.Defects {
		d := c.doc(df.Doc)
		for _, ev := range df.Evidence {
			if !strings.Contains(d.Line(ev.Line), ev.Text) {
				t.Errorf("%s cites %s line %d as containing %q; the line is %q", df.ID, d.File, ev.Line, ev.Text, d.Line(ev.Line))
			}
		}
		if !used[df.ID] && len(df.Evidence) == 0 {
			t.Errorf("%s has neither an example finding nor evidence", df.ID)
		}
	}
	// Ids are numbered without gaps, so a deleted defect is a visible decision.
	for _, prefix := range []string{"VRF", "SHP"} {
		var n []string
		for _, df := range c.manifest.Defects {
			if strings.HasPrefix(df.ID, prefix) {
				n = append(n, df.ID)
			}
		}
		sort.Strings(n)
		for i, id := range n {
			if want := fmt.Sprintf("%s-%03d", prefix, i+1); id != want {
				t.Errorf("defect ids of %s: found %s where %s was expected", prefix, id, want)
				break
			}
		}
	}
}

// spec/DOC-DEFECTS.md is generated; a hand edit or a manifest change without
// regeneration fails here.
func TestDefectsFile(t *testing.T) {
	c := load(t)
	got := RenderDefects(Report{Manifest: c.manifest, Docs: c.docs, Examples: c.byKey})
	path := filepath.Join("..", "spec", "DOC-DEFECTS.md")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v — generate it with: go test ./docexamples -run TestDefectsFile -update", err)
	}
	if string(got) != string(want) {
		t.Errorf("spec/DOC-DEFECTS.md is out of date with docexamples/manifest.json; regenerate with: go test ./docexamples -run TestDefectsFile -update")
	}
}
