package suites_test

import (
	"testing"
	"time"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/contract"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/harness/jsontree"
)

// TestDeliveriesValidateAgainstTheirSchemas: every payload conform sends as
// "correct" is valid under the contract — built from each fixture with fresh
// ids and times, in every spelling a check uses. A check that sent an
// invalid payload and called it correct would fail correct listeners.
func TestDeliveriesValidateAgainstTheirSchemas(t *testing.T) {
	c, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	spellings := map[string]jsontree.Options{
		"wire":    harness.WireForm,
		"pretty":  {SortKeys: true, Indent: "  "},
		"reverse": {SortKeys: true, ReverseKeys: true},
		"ascii":   {SortKeys: true, EscapeNonASCII: true},
		"slash":   {SortKeys: true, EscapeSlash: true},
	}
	for _, p := range harness.Providers() {
		sess, err := harness.NewSession(harness.Config{
			Provider: p.Name, Target: "http://127.0.0.1:1", APIKey: "schema-test-key", Secret: "schema-test-secret",
			Budget: time.Second, Client: harness.ClientOptions{Timeout: time.Second}, Seed: 1, Assets: conform.Files,
		})
		if err != nil {
			t.Fatal(err)
		}
		fixtures := sess.Fixtures.Select(p.Name, "")
		if len(fixtures) == 0 {
			t.Fatalf("%s: no fixtures", p.Name)
		}
		for _, f := range fixtures {
			d, err := sess.NewDelivery(f.ID)
			if err != nil {
				t.Fatal(err)
			}
			for name, o := range spellings {
				res, err := c.Validate(f.Schema, d.Doc.Encode(o))
				if err != nil {
					t.Fatalf("%s: %v", f.ID, err)
				}
				for _, e := range res.Errors {
					t.Errorf("%s (%s spelling) against %s: %s: %s: %s", f.ID, name, f.Schema, e.Pointer, e.Rule, e.Message)
				}
			}
		}
	}
}
