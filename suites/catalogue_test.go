package suites_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conform-kit/conform/docexamples"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/suites"
)

// TestCatalogueIsGenerated fails when CATALOGUE.md and the declarations in
// suites/ differ: the catalogue is generated, never hand-edited.
func TestCatalogueIsGenerated(t *testing.T) {
	want := suites.Catalogue()
	got, err := os.ReadFile(filepath.Join("..", "CATALOGUE.md"))
	if err != nil {
		t.Fatalf("CATALOGUE.md: %v (generate it: go run ./cmd/conform list --format markdown > CATALOGUE.md)", err)
	}
	if string(got) != want {
		t.Fatalf("CATALOGUE.md is stale; regenerate it: go run ./cmd/conform list --format markdown > CATALOGUE.md")
	}
}

// TestEveryRuleIsQuotedFromItsDocument proves traceability: each check's
// section heading and quote (parts separated by "…") appear in the provider's
// document. The documents are flattened web pages whose table cells run
// together, so white space is ignored in the comparison.
func TestEveryRuleIsQuotedFromItsDocument(t *testing.T) {
	dir, err := docexamples.FindProviders(".")
	if err != nil {
		t.Fatal(err)
	}
	squash := func(s string) string {
		s = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`).Replace(s)
		return strings.Join(strings.Fields(s), "")
	}
	docs := map[string]string{}
	for _, in := range suites.Registry().Instances("") {
		doc, ok := docs[in.Provider.Document]
		if !ok {
			raw, err := os.ReadFile(filepath.Join(dir, in.Provider.Document))
			if err != nil {
				t.Fatal(err)
			}
			doc = squash(string(raw))
			docs[in.Provider.Document] = doc
		}
		if !strings.Contains(doc, squash(in.Rule.Section)) {
			t.Errorf("%s: section %q is not a heading in %s", in.ID, in.Rule.Section, in.Provider.Document)
		}
		for _, part := range strings.Split(in.Rule.Quote, "…") {
			if p := squash(part); p != "" && !strings.Contains(doc, p) {
				t.Errorf("%s: quote part %q is not in %s", in.ID, strings.TrimSpace(part), in.Provider.Document)
			}
		}
	}
}

func TestRegistryRejectsBadDeclarations(t *testing.T) {
	noop := func(context.Context, *harness.Session) *harness.Failure { return nil }
	rule := map[string]harness.Rule{"veriff": {Section: "s", Quote: "q"}}
	good := harness.Check{Area: "auth", Name: "x", Title: "t", Severity: harness.MUST, Rules: rule, Run: noop}
	for name, mutate := range map[string]func(*harness.Check){
		"duplicate ID": func(*harness.Check) {},
		"no rule":      func(c *harness.Check) { c.Name, c.Rules = "y", nil },
		"unknown provider": func(c *harness.Check) {
			c.Name, c.Rules = "y", map[string]harness.Rule{"acme": {Section: "s", Quote: "q"}}
		},
		"empty quote":       func(c *harness.Check) { c.Name, c.Rules = "y", map[string]harness.Rule{"veriff": {Section: "s"}} },
		"bad severity":      func(c *harness.Check) { c.Name, c.Severity = "y", "MAY" },
		"area not in order": func(c *harness.Check) { c.Name, c.Area = "y", "misc" },
		"malformed name":    func(c *harness.Check) { c.Name = "Has Spaces" },
		"no run function":   func(c *harness.Check) { c.Name, c.Run = "y", nil },
	} {
		t.Run(name, func(t *testing.T) {
			r := harness.NewRegistry("auth")
			r.Define(good)
			bad := good
			mutate(&bad)
			defer func() {
				if recover() == nil {
					t.Errorf("Define accepted a declaration with %s", name)
				}
			}()
			r.Define(bad)
		})
	}
}

func TestIDsAreStableAndComplete(t *testing.T) {
	ids := map[string]bool{}
	for _, in := range suites.Registry().Instances("") {
		if ids[in.ID] {
			t.Errorf("duplicate ID %s", in.ID)
		}
		ids[in.ID] = true
		if want := in.Provider.Name + "/" + in.Check.Area + "/" + in.Check.Name; in.ID != want {
			t.Errorf("ID %s, want %s", in.ID, want)
		}
		for _, l := range []string{in.Provider.Name, in.Check.Area} {
			if !strings.Contains(strings.Join(in.Labels, ","), l) {
				t.Errorf("%s lacks label %s", in.ID, l)
			}
		}
	}
	// Every area the issue names has checks for the providers it concerns.
	for _, id := range []string{
		"veriff/auth/wrong-api-key", "veriff/auth/missing-api-key",
		"veriff/signature/mismatch-one-digit", "shuftipro/signature/other-profile",
		"veriff/invalid-json/malformed", "veriff/decisions/review-9121", "veriff/events/started-7001",
		"shuftipro/events/review-pending", "veriff/duplicates/same-delivery-twice", "veriff/expiry/abandoned-9104",
		"veriff/transport/answers-within-budget",
	} {
		if !ids[id] {
			t.Errorf("missing check %s", id)
		}
	}
}
