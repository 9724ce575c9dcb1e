package contract

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"testing"
)

const fixturesDir = "golden/fixtures"

// fixtureEntry is one row of golden/fixtures/index.json. Optional metadata is
// decoded as raw JSON so that "absent" and null stay distinguishable.
type fixtureEntry struct {
	ID         string          `json:"id"`
	Provider   string          `json:"provider"`
	Kind       string          `json:"kind"`
	Schema     string          `json:"schema"`
	File       string          `json:"file"`
	Status     json.RawMessage `json:"status"`
	Code       json.RawMessage `json:"code"`
	ReasonCode json.RawMessage `json:"reasonCode"`
	Action     json.RawMessage `json:"action"`
	Event      json.RawMessage `json:"event"`
}

// Every golden fixture validates against the schema its index entry names, and
// says what its index entry says it says. A missing or empty index fails: the
// harness replays these fixtures, so an absent index is a broken kit, not a
// reason to skip.
func TestEveryGoldenFixtureMatchesItsSchema(t *testing.T) {
	c := loadRepo(t)
	raw, err := fs.ReadFile(repoFS, path.Join(fixturesDir, "index.json"))
	if err != nil {
		t.Fatalf("golden fixture index: %v", err)
	}
	var index struct {
		Fixtures []fixtureEntry `json:"fixtures"`
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatalf("%s/index.json: %v", fixturesDir, err)
	}
	if len(index.Fixtures) == 0 {
		t.Fatalf("%s/index.json lists no fixtures", fixturesDir)
	}
	known := map[string]bool{}
	for _, n := range c.Schemas() {
		known[n] = true
	}
	ids := map[string]bool{}
	for _, f := range index.Fixtures {
		t.Run(f.ID, func(t *testing.T) {
			if f.ID == "" || ids[f.ID] {
				t.Fatalf("fixture id %q empty or repeated", f.ID)
			}
			ids[f.ID] = true
			if !known[f.Schema] {
				t.Fatalf("names schema %q, which does not exist", f.Schema)
			}
			body, err := fs.ReadFile(repoFS, path.Join(fixturesDir, f.File))
			if err != nil {
				t.Fatalf("fixture file: %v", err)
			}
			schemas := []string{f.Schema}
			if f.Kind == "callback" && f.Provider == "shuftipro" && f.Schema != "shuftipro/callback" {
				// A callback must also be an event the events table allows as a callback.
				schemas = append(schemas, "shuftipro/callback")
			}
			for _, s := range schemas {
				res, err := c.Validate(s, body)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range res.Errors {
					t.Errorf("%s against %s: %s", f.File, s, e)
				}
			}
			checkFixtureMetadata(t, f, body)
		})
	}
}

// checkFixtureMetadata compares the index's claims with the body, so a
// fixture cannot be filed under the wrong status, code or event.
func checkFixtureMetadata(t *testing.T, f fixtureEntry, body []byte) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("fixture body: %v", err)
	}
	same := func(what string, claimed json.RawMessage, actual any) {
		if claimed == nil {
			return
		}
		var want any
		if err := json.Unmarshal(claimed, &want); err != nil {
			t.Errorf("index %s: %v", what, err)
			return
		}
		if fmt.Sprint(want) != fmt.Sprint(actual) {
			t.Errorf("index says %s = %v, body has %v", what, want, actual)
		}
	}
	switch f.Provider + "/" + f.Kind {
	case "veriff/decision":
		v, _ := doc["verification"].(map[string]any)
		if v == nil {
			t.Fatalf("decision fixture without a verification object")
		}
		same("status", f.Status, v["status"])
		same("code", f.Code, v["code"])
		same("reasonCode", f.ReasonCode, v["reasonCode"])
	case "veriff/event":
		same("code", f.Code, doc["code"])
		same("action", f.Action, doc["action"])
	case "shuftipro/callback":
		same("event", f.Event, doc["event"])
	default:
		t.Errorf("unknown provider/kind %s/%s", f.Provider, f.Kind)
	}
}
