package docexamples

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/conform-kit/conform/contract"
)

// contractValidator adapts the contract package to Check.
func contractValidator(t *testing.T) Validator {
	t.Helper()
	k, err := contract.Default()
	if err != nil {
		t.Fatalf("load contract: %v", err)
	}
	return func(schema string, doc []byte) ([]Finding, error) {
		res, err := k.Validate(schema, doc)
		if err != nil {
			return nil, err
		}
		var fs []Finding
		for _, e := range res.Errors {
			fs = append(fs, Finding{Rule: e.Rule, Pointer: e.Pointer, Detail: e.Message})
		}
		return fs, nil
	}
}

// Requirement (issue "The documents' own examples"): each example is
// validated against its schema, and the examples that fail are exactly the
// ones the defects file lists, for exactly the listed reasons.
func TestExamplesAgainstContract(t *testing.T) {
	c := load(t)
	validate := contractValidator(t)
	failing := 0
	for _, ex := range c.examples {
		e, ok := c.entries[ex.Key]
		if !ok {
			continue // TestManifestCoversEveryExample reports it
		}
		got, err := Check(ex, e, validate)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		gotIDs := map[string]Finding{}
		for _, f := range got {
			gotIDs[f.ID()] = f
		}
		want := map[string]bool{}
		for _, f := range e.Findings {
			want[f.Finding] = true
		}
		if len(gotIDs) > 0 {
			failing++
		}
		var extra, missing []string
		for id, f := range gotIDs {
			if !want[id] {
				where := ""
				if f.Line > 0 {
					where = " at line " + strconv.Itoa(f.Line)
				}
				extra = append(extra, id+where+" ("+f.Detail+")")
			}
		}
		for id := range want {
			if _, ok := gotIDs[id]; !ok {
				missing = append(missing, id)
			}
		}
		sort.Strings(extra)
		sort.Strings(missing)
		if len(extra) > 0 {
			t.Errorf("%s %s line %d (%s) → %s: unexpected findings; add each to manifest.json with its defect:\n  %s",
				ex.Key, ex.Doc, ex.StartLine, ex.Section, e.Schema, strings.Join(extra, "\n  "))
		}
		if len(missing) > 0 {
			t.Errorf("%s %s line %d (%s) → %s: findings listed in the manifest no longer occur: %s",
				ex.Key, ex.Doc, ex.StartLine, ex.Section, e.Schema, strings.Join(missing, ", "))
		}
	}
	counts := Report{Manifest: c.manifest}.Count()
	if failing != counts.Defective {
		t.Errorf("%d examples fail; the manifest lists %d as defective", failing, counts.Defective)
	}
	t.Logf("examples: %d extracted, %d checked against a schema, %d JSON-only, %d not JSON; %d fail",
		counts.Extracted, counts.Schema, counts.JSONOnly, counts.NotJSON, failing)
}

// Every schema the manifest names exists in the contract.
func TestManifestSchemasExist(t *testing.T) {
	c := load(t)
	k, err := contract.Default()
	if err != nil {
		t.Fatalf("load contract: %v", err)
	}
	known := map[string]bool{}
	for _, s := range k.Schemas() {
		known[s] = true
	}
	for _, e := range c.manifest.Examples {
		if e.Schema != "" && !known[e.Schema] {
			t.Errorf("%s (line %d) names schema %q, which the contract does not have", e.Key, e.Line, e.Schema)
		}
	}
}
