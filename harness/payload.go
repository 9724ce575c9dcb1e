package harness

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/conform-kit/conform/harness/jsontree"
)

// Fixture is one payload template from golden/fixtures/index.json. Fixtures
// are the project's own valid payloads (validated against the schemas by the
// contract tests); the harness only refreshes their ids and times.
type Fixture struct {
	ID          string `json:"id"`
	Provider    string `json:"provider"`
	Kind        string `json:"kind"`
	Schema      string `json:"schema"`
	File        string `json:"file"`
	Status      string `json:"status,omitempty"`
	Code        int    `json:"code,omitempty"`
	ReasonCode  *int   `json:"reasonCode,omitempty"`
	Action      string `json:"action,omitempty"`
	Event       string `json:"event,omitempty"`
	Description string `json:"description"`

	doc *jsontree.Node
}

// Fixtures is the loaded fixture set.
type Fixtures struct {
	list []*Fixture
	byID map[string]*Fixture
}

// FixturesDir is where fixtures live, relative to the repository root.
const FixturesDir = "golden/fixtures"

// LoadFixtures reads the index and every fixture it names from fsys, which is
// rooted at the repository root (conform.Files or os.DirFS).
func LoadFixtures(fsys fs.FS) (*Fixtures, error) {
	raw, err := fs.ReadFile(fsys, path.Join(FixturesDir, "index.json"))
	if err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	var idx struct {
		Fixtures []*Fixture `json:"fixtures"`
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("fixtures: %s/index.json: %w", FixturesDir, err)
	}
	fx := &Fixtures{byID: map[string]*Fixture{}}
	for _, f := range idx.Fixtures {
		if _, dup := fx.byID[f.ID]; dup {
			return nil, fmt.Errorf("fixtures: duplicate id %s", f.ID)
		}
		p, err := LookupProvider(f.Provider)
		if err != nil {
			return nil, fmt.Errorf("fixtures: %s: %w", f.ID, err)
		}
		kind, ok := p.Kinds[f.Kind]
		if !ok {
			return nil, fmt.Errorf("fixtures: %s: %s has no delivery kind %q", f.ID, p.Title, f.Kind)
		}
		body, err := fs.ReadFile(fsys, path.Join(FixturesDir, f.File))
		if err != nil {
			return nil, fmt.Errorf("fixtures: %s: %w", f.ID, err)
		}
		if f.doc, err = jsontree.Parse(body); err != nil {
			return nil, fmt.Errorf("fixtures: %s (%s): %w", f.ID, f.File, err)
		}
		if f.doc.Get(kind.IDPath...) == nil {
			return nil, fmt.Errorf("fixtures: %s: no %v field to carry the session id", f.ID, kind.IDPath)
		}
		fx.list = append(fx.list, f)
		fx.byID[f.ID] = f
	}
	return fx, nil
}

// Get returns a fixture by ID.
func (fx *Fixtures) Get(id string) (*Fixture, error) {
	f, ok := fx.byID[id]
	if !ok {
		return nil, fmt.Errorf("fixtures: no fixture %q", id)
	}
	return f, nil
}

// Select returns the fixtures of one provider and kind, sorted by ID.
func (fx *Fixtures) Select(provider, kind string) []*Fixture {
	var out []*Fixture
	for _, f := range fx.list {
		if f.Provider == provider && (kind == "" || f.Kind == kind) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Doc returns a private copy of the fixture's document.
func (f *Fixture) Doc() *jsontree.Node { return f.doc.Clone() }
