package docexamples

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Kinds of example. Every extracted example has exactly one.
const (
	// KindPayload is a body the document presents as a request, response or
	// webhook: it must be valid JSON and satisfy Schema.
	KindPayload = "payload"
	// KindSignatureInput is a body printed with the API secret appended, to
	// show what is hashed. The JSON part must satisfy Schema; the trailer is
	// the secret placeholder.
	KindSignatureInput = "signature-input"
	// KindJSONOnly is presented as a JSON body but no schema describes it
	// (Why says why): only its JSON syntax is checked.
	KindJSONOnly = "json-only"
	// KindNotJSON is text the extractor finds but that is not JSON at all
	// (a C# block); the check confirms it indeed does not parse.
	KindNotJSON = "not-json"
)

// Manifest classifies every example and lists every document defect.
type Manifest struct {
	Examples []Entry  `json:"examples"`
	Defects  []Defect `json:"defects"`
}

// Entry classifies one extracted example.
type Entry struct {
	// Key is Example.Key: doc/hash8[-n].
	Key string `json:"key"`
	// Line is the example's first line, for people; the test keeps it true.
	Line   int    `json:"line"`
	Kind   string `json:"kind"`
	Schema string `json:"schema,omitempty"`
	// At is a JSON pointer when only part of the example is the payload (the
	// Shufti Pro additional-data object is printed inside a wrapper).
	At string `json:"at,omitempty"`
	// Why says what the document presents the example as.
	Why string `json:"why"`
	// Findings are the problems the checks must find, each attributed to a
	// defect. An example with none must pass every check.
	Findings []Expected `json:"findings,omitempty"`
}

// Expected is one finding the check must report, and the defect it proves.
type Expected struct {
	Finding string `json:"finding"` // Finding.ID(): "rule pointer"
	Defect  string `json:"defect"`
}

// Defect is one error in a provider document.
type Defect struct {
	ID  string `json:"id"`  // stable: VRF-001…, SHP-001…
	Doc string `json:"doc"` // "veriff" or "shuftipro"
	// Title is a one-line summary.
	Title string `json:"title"`
	// Evidence cites the lines; each Text must occur on its Line, so a cited
	// fact cannot drift from the document. Examples whose findings name this
	// defect are cited automatically.
	Evidence []Evidence `json:"evidence,omitempty"`
	What     string     `json:"what"`
	Why      string     `json:"why"`
	Conform  string     `json:"conform"`
	// CheckedBy names the test that establishes the fact when no example
	// check does (signature reproduction, list comparisons).
	CheckedBy string `json:"checkedBy,omitempty"`
}

// Evidence is a quoted fragment of one document line.
type Evidence struct {
	Line int    `json:"line"`
	Text string `json:"text"`
}

//go:embed manifest.json
var manifestJSON []byte

// defectID is the shape of a defect id: provider prefix and three digits.
var defectID = regexp.MustCompile(`^(VRF|SHP)-[0-9]{3}$`)

// LoadManifest parses the committed manifest and checks its own consistency:
// unique keys and ids, known kinds, findings naming existing defects.
func LoadManifest() (*Manifest, error) { return ParseManifest(manifestJSON) }

// ParseManifest is LoadManifest for any bytes (tests feed it broken ones).
func ParseManifest(b []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	ids := map[string]bool{}
	for _, d := range m.Defects {
		if !defectID.MatchString(d.ID) {
			return nil, fmt.Errorf("manifest: defect id %q is not like VRF-001 or SHP-001", d.ID)
		}
		if ids[d.ID] {
			return nil, fmt.Errorf("manifest: defect %s listed twice", d.ID)
		}
		if want := map[string]string{"VRF": "veriff", "SHP": "shuftipro"}[d.ID[:3]]; d.Doc != want {
			return nil, fmt.Errorf("manifest: defect %s has doc %q, want %q", d.ID, d.Doc, want)
		}
		if d.Title == "" || d.What == "" || d.Why == "" || d.Conform == "" {
			return nil, fmt.Errorf("manifest: defect %s needs title, what, why and conform", d.ID)
		}
		ids[d.ID] = true
	}
	keys := map[string]bool{}
	for _, e := range m.Examples {
		if keys[e.Key] {
			return nil, fmt.Errorf("manifest: example %s listed twice", e.Key)
		}
		keys[e.Key] = true
		switch e.Kind {
		case KindPayload, KindSignatureInput:
			if e.Schema == "" {
				return nil, fmt.Errorf("manifest: example %s (line %d) is a %s without a schema", e.Key, e.Line, e.Kind)
			}
		case KindJSONOnly, KindNotJSON:
			if e.Schema != "" {
				return nil, fmt.Errorf("manifest: example %s (line %d) is %s but names schema %q", e.Key, e.Line, e.Kind, e.Schema)
			}
		default:
			return nil, fmt.Errorf("manifest: example %s has unknown kind %q", e.Key, e.Kind)
		}
		if e.Why == "" {
			return nil, fmt.Errorf("manifest: example %s (line %d) needs a why", e.Key, e.Line)
		}
		for _, f := range e.Findings {
			if !ids[f.Defect] {
				return nil, fmt.Errorf("manifest: example %s finding %q names unknown defect %q", e.Key, f.Finding, f.Defect)
			}
		}
	}
	return &m, nil
}

// Validator checks doc against a named schema and returns its findings; the
// test wires it to the contract package.
type Validator func(schema string, doc []byte) ([]Finding, error)

// Check runs the checks an entry's kind calls for and returns the findings,
// sorted by identity.
func Check(ex Example, e Entry, validate Validator) ([]Finding, error) {
	syn := ReadJSON(ex.Raw)
	for i := range syn.Findings {
		if syn.Findings[i].Line > 0 {
			syn.Findings[i].Line += ex.StartLine - 1
		}
	}
	var out []Finding
	switch e.Kind {
	case KindNotJSON:
		if syn.Repaired != nil {
			return nil, fmt.Errorf("%s (line %d) is classified %s but parses as JSON", ex.Key, ex.StartLine, KindNotJSON)
		}
		return nil, nil
	case KindJSONOnly:
		out = syn.Findings
	case KindPayload, KindSignatureInput:
		out = syn.Findings
		if syn.Repaired != nil {
			doc, err := subDocument(syn.Repaired, e.At)
			if err != nil {
				return nil, fmt.Errorf("%s (line %d): %w", ex.Key, ex.StartLine, err)
			}
			fs, err := validate(e.Schema, doc)
			if err != nil {
				return nil, fmt.Errorf("%s (line %d): %w", ex.Key, ex.StartLine, err)
			}
			for _, f := range fs {
				// Pointers are reported relative to the whole example.
				f.Pointer = e.At + f.Pointer
				out = append(out, f)
			}
		}
	default:
		return nil, fmt.Errorf("%s: unknown kind %q", ex.Key, e.Kind)
	}
	SortFindings(out)
	return out, nil
}

// subDocument returns the value at pointer ptr of doc ("" = all of doc).
func subDocument(doc []byte, ptr string) ([]byte, error) {
	if ptr == "" {
		return doc, nil
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("pointer %q: %q is not inside an object", ptr, tok)
		}
		if v, ok = obj[tok]; !ok {
			return nil, fmt.Errorf("pointer %q: no member %q", ptr, tok)
		}
	}
	return json.Marshal(v)
}
