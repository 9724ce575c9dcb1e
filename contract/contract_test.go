package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/yaml"
)

// repoFS is the repository root on disk: the tests check the files as they
// are being edited, Default() covers the embedded copy.
var repoFS = os.DirFS("..")

var (
	repoOnce     sync.Once
	repoContract *Contract
	repoErr      error
)

func loadRepo(t *testing.T) *Contract {
	t.Helper()
	repoOnce.Do(func() { repoContract, repoErr = Load(repoFS) })
	if repoErr != nil {
		t.Fatalf("Load(repository): %v", repoErr)
	}
	return repoContract
}

// schemaFiles returns every schemas/**/*.json as name -> bytes.
func schemaFiles(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := fs.WalkDir(repoFS, SchemaDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" {
			return err
		}
		b, err := fs.ReadFile(repoFS, p)
		out[strings.TrimSuffix(strings.TrimPrefix(p, SchemaDir+"/"), ".json")] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func specJSON(t *testing.T) map[string]any {
	t.Helper()
	raw, err := fs.ReadFile(repoFS, SpecPath)
	if err != nil {
		t.Fatal(err)
	}
	// sigs.k8s.io/yaml expands anchors/aliases, so the walk sees every use.
	j, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatalf("%s: %v", SpecPath, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(j, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestOpenAPIDocumentPassesKinValidation(t *testing.T) {
	c := loadRepo(t)
	if err := c.OpenAPI().Validate(context.Background()); err != nil {
		t.Fatalf("doc.Validate: %v", err)
	}
}

func TestDefaultLoadsTheEmbeddedContract(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatalf("Default(): %v", err)
	}
	if got, want := c.Schemas(), loadRepo(t).Schemas(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("embedded schemas differ from the repository:\n got %v\nwant %v", got, want)
	}
}

// The brief names these payloads; other packages code against the names.
var plannedSchemas = []string{
	"common", "veriff/session-create-request", "veriff/session-create-response", "veriff/session-patch-request",
	"veriff/session-patch-response", "veriff/media-upload-request", "veriff/media-upload-response",
	"veriff/media-list-response", "veriff/person-response", "veriff/attempts-response", "veriff/decision-response",
	"veriff/decision-webhook", "veriff/event-webhook", "veriff/timestamps-response", "veriff/timestamp-response",
	"veriff/error", "shuftipro/response", "shuftipro/status-request", "shuftipro/status-response",
	"shuftipro/delete-request", "shuftipro/delete-response", "shuftipro/verification-result",
	"shuftipro/verification-data", "shuftipro/info", "shuftipro/additional-data", "shuftipro/declined-codes",
}

func TestEverySchemaFileCompilesAndIsListed(t *testing.T) {
	c := loadRepo(t)
	files := schemaFiles(t)
	names := c.Schemas()
	if !sort.StringsAreSorted(names) {
		t.Errorf("Schemas() not sorted: %v", names)
	}
	if len(names) != len(files) {
		t.Errorf("Schemas() has %d names, schemas/ has %d files", len(names), len(files))
	}
	for _, n := range names {
		if _, ok := files[n]; !ok {
			t.Errorf("Schemas() lists %q but there is no schemas/%s.json", n, n)
		}
		if _, ok := c.schemas[n]; !ok {
			t.Errorf("%s: not compiled", n)
		}
	}
	for _, want := range plannedSchemas {
		if _, ok := files[want]; !ok {
			t.Errorf("planned schema %q missing", want)
		}
	}
	for n, b := range files {
		var s map[string]any
		if err := json.Unmarshal(b, &s); err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if s["$schema"] != "http://json-schema.org/draft-07/schema#" {
			t.Errorf("%s: $schema = %v, want draft-07", n, s["$schema"])
		}
	}
}

func TestLoadRejectsBrokenContracts(t *testing.T) {
	draft := `"$schema":"http://json-schema.org/draft-07/schema#"`
	cases := map[string]struct {
		fsys fstest.MapFS
		want string
	}{
		"dangling $ref never fetched": {
			fsys: fstest.MapFS{"schemas/a.json": {Data: []byte(`{` + draft + `,"properties":{"x":{"$ref":"missing.json"}}}`)}},
			want: "no such schema file",
		},
		"$id overrides the path": {
			fsys: fstest.MapFS{"schemas/a.json": {Data: []byte(`{` + draft + `,"$id":"https://elsewhere.test/a.json"}`)}},
			want: "declares $id",
		},
		"schema not JSON": {
			fsys: fstest.MapFS{"schemas/a.json": {Data: []byte(`{`)}},
			want: "not a JSON object",
		},
		"no schemas": {
			fsys: fstest.MapFS{"spec/openapi.yaml": {Data: []byte("openapi: 3.1.0\n")}},
			want: "schemas",
		},
		"spec $ref outside the file system": {
			fsys: fstest.MapFS{
				"schemas/a.json":    {Data: []byte(`{` + draft + `}`)},
				"spec/openapi.yaml": {Data: []byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '../../etc/passwd'}\n")},
			},
			want: "leaves the contract file system",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(tc.fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

// walkSpec calls fn for every value stored under key "schema" in the document
// structure, skipping example values (they are data, not structure).
func walkSpec(node any, at string, fn func(at string, schema any)) {
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			switch k {
			case "example", "examples":
				continue
			case "schema":
				fn(at+"/schema", v)
				continue
			}
			walkSpec(v, at+"/"+escapePointerToken(k), fn)
		}
	case []any:
		for i, v := range n {
			walkSpec(v, fmt.Sprintf("%s/%d", at, i), fn)
		}
	}
}

// "One source of truth": the OpenAPI document defines no schema of its own.
func TestOpenAPISchemasAreRefsIntoSchemas(t *testing.T) {
	doc := specJSON(t)
	if comps, ok := doc["components"].(map[string]any); ok {
		if _, ok := comps["schemas"]; ok {
			t.Errorf("components.schemas must not exist: payload schemas live in schemas/")
		}
	}
	count := 0
	walkSpec(doc, "", func(at string, schema any) {
		count++
		m, ok := schema.(map[string]any)
		ref, _ := m["$ref"].(string)
		if !ok || len(m) != 1 || !strings.HasPrefix(ref, "../schemas/") {
			t.Errorf("%s: schema must be exactly {$ref: ../schemas/...}, got %v", at, schema)
		}
	})
	if count < 20 {
		t.Fatalf("found only %d schemas in %s: the walk is broken", count, SpecPath)
	}
}

// schemaKeywordsWithSubschemas lists where a draft-07 schema nests schemas.
var (
	subschemaMaps   = []string{"properties", "definitions", "patternProperties"}
	subschemaLists  = []string{"allOf", "anyOf", "oneOf"}
	subschemaSingle = []string{"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"}
	// A subschema using one of these says something specific; two identical
	// ones are one definition written twice and belong in common.json.
	meaningfulKeywords = []string{"properties", "enum", "oneOf", "anyOf", "allOf", "pattern", "format", "if"}
)

func walkSchema(node any, at string, fn func(at string, s map[string]any)) {
	s, ok := node.(map[string]any)
	if !ok {
		return
	}
	fn(at, s)
	for _, k := range subschemaMaps {
		if m, ok := s[k].(map[string]any); ok {
			for name, sub := range m {
				walkSchema(sub, at+"/"+k+"/"+escapePointerToken(name), fn)
			}
		}
	}
	for _, k := range subschemaLists {
		if l, ok := s[k].([]any); ok {
			for i, sub := range l {
				walkSchema(sub, fmt.Sprintf("%s/%s/%d", at, k, i), fn)
			}
		}
	}
	for _, k := range subschemaSingle {
		walkSchema(s[k], at+"/"+k, fn)
	}
}

// canonical strips annotations so that two schemas differing only in their
// description still count as the same definition.
func canonical(v any) any {
	switch n := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range n {
			if k == "description" || k == "title" || k == "$comment" {
				continue
			}
			out[k] = canonical(val)
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, val := range n {
			out[i] = canonical(val)
		}
		return out
	}
	return v
}

// duplicateKeys reports object keys that occur twice in one JSON object: the
// decoder would silently keep the last one.
func duplicateKeys(b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	var dups []string
	type frame struct {
		keys    map[string]bool
		isObj   bool
		wantKey bool
	}
	stack := []*frame{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return dups
		}
		top := func() *frame {
			if len(stack) == 0 {
				return nil
			}
			return stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if f := top(); f != nil && f.isObj {
					f.wantKey = true
				}
				stack = append(stack, &frame{keys: map[string]bool{}, isObj: v == '{', wantKey: v == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
		default:
			f := top()
			if f != nil && f.isObj && f.wantKey {
				k := v.(string)
				if f.keys[k] {
					dups = append(dups, k)
				}
				f.keys[k] = true
				f.wantKey = false
			} else if f != nil && f.isObj {
				f.wantKey = true
			}
		}
	}
}

// duplicateDefinitions lists every way files define something twice: a key
// twice in one object, definitions outside common.json, or the same
// meaningful subschema written in two places.
func duplicateDefinitions(files map[string][]byte) []string {
	var problems []string
	seen := map[string]string{} // canonical JSON -> first location
	for _, name := range sortedKeys(files) {
		b := files[name]
		if d := duplicateKeys(b); len(d) > 0 {
			problems = append(problems, fmt.Sprintf("%s.json: keys defined twice in one object: %v", name, d))
		}
		var root map[string]any
		if err := json.Unmarshal(b, &root); err != nil {
			problems = append(problems, fmt.Sprintf("%s.json: %v", name, err))
			continue
		}
		if _, ok := root["definitions"]; ok && name != "common" {
			problems = append(problems, fmt.Sprintf("%s.json has definitions: shared definitions live only in common.json", name))
		}
		walkSchema(root, "", func(at string, s map[string]any) {
			if at == "" {
				return // a file root is a payload, named by its file
			}
			meaningful := false
			for _, k := range meaningfulKeywords {
				if _, ok := s[k]; ok {
					meaningful = true
				}
			}
			if !meaningful {
				return
			}
			c, _ := json.Marshal(canonical(s))
			loc := name + ".json#" + at
			if first, ok := seen[string(c)]; ok {
				problems = append(problems, fmt.Sprintf("defined twice: %s and %s are the same schema %s; move it to common.json", first, loc, c))
				return
			}
			seen[string(c)] = loc
		})
	}
	return problems
}

// "One source of truth, and a test proves nothing is defined twice."
func TestNothingIsDefinedTwice(t *testing.T) {
	for _, p := range duplicateDefinitions(schemaFiles(t)) {
		t.Error(p)
	}
}

// The detector itself must catch each kind of duplication, or the test above
// would pass for the wrong reason.
func TestDuplicateDetectorCatchesDuplicates(t *testing.T) {
	cases := map[string]map[string][]byte{
		"same pattern in two files": {
			"a": []byte(`{"properties":{"lat":{"type":"string","pattern":"^[0-9]+$","description":"one"}}}`),
			"b": []byte(`{"properties":{"lon":{"type":"string","pattern":"^[0-9]+$"}}}`),
		},
		"same enum twice in one file": {
			"a": []byte(`{"properties":{"x":{"enum":[1,2]},"y":{"items":{"enum":[1,2]}}}}`),
		},
		"definitions outside common": {
			"a": []byte(`{"definitions":{"x":{"type":"string"}}}`),
		},
		"key repeated in one object": {
			"common": []byte(`{"definitions":{"x":{"type":"string"},"x":{"type":"integer"}}}`),
		},
	}
	for name, files := range cases {
		if got := duplicateDefinitions(files); len(got) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
	if got := duplicateDefinitions(map[string][]byte{"a": []byte(`{"properties":{"x":{"enum":[1,2]},"y":{"enum":[1,3]}}}`)}); len(got) != 0 {
		t.Errorf("distinct enums reported as duplicates: %v", got)
	}
}

// Every definition and every schema file is used: nothing is dead or orphaned.
func TestEveryDefinitionAndFileIsReferenced(t *testing.T) {
	files := schemaFiles(t)
	refs := map[string]bool{} // "name" or "name#/definitions/x", resolved
	collect := func(from string, node any) {
		var walk func(any)
		walk = func(n any) {
			switch v := n.(type) {
			case map[string]any:
				if r, ok := v["$ref"].(string); ok && !strings.HasPrefix(r, "#/components") {
					file, frag, _ := strings.Cut(r, "#")
					target := from
					if file != "" {
						target = path.Clean(path.Join(path.Dir(from), file))
					}
					target = strings.TrimSuffix(strings.TrimPrefix(target, SchemaDir+"/"), ".json")
					refs[target] = true
					if frag != "" {
						refs[target+"#"+frag] = true
					}
				}
				for _, c := range v {
					walk(c)
				}
			case []any:
				for _, c := range v {
					walk(c)
				}
			}
		}
		walk(node)
	}
	// Locations are relative to the repository root.
	collect(SpecPath, specJSON(t))
	for name, b := range files {
		var root any
		_ = json.Unmarshal(b, &root)
		collect(SchemaDir+"/"+name+".json", root)
	}
	var common struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(files["common"], &common); err != nil {
		t.Fatal(err)
	}
	for def := range common.Definitions {
		if !refs["common#/definitions/"+def] {
			t.Errorf("common.json#/definitions/%s is never referenced", def)
		}
	}
	for name := range files {
		if name != "common" && !refs[name] {
			t.Errorf("schemas/%s.json is referenced neither by %s nor by another schema", name, SpecPath)
		}
	}
}

func TestOpenAPICoversBothProviders(t *testing.T) {
	doc := loadRepo(t).OpenAPI()
	want := map[string][]string{
		"/v1/sessions":                        {"POST"},
		"/v1/sessions/{sessionId}":            {"PATCH"},
		"/v1/sessions/{sessionId}/media":      {"GET", "POST"},
		"/v1/sessions/{sessionId}/person":     {"GET"},
		"/v1/sessions/{sessionId}/timestamps": {"GET"},
		"/v1/sessions/{sessionId}/attempts":   {"GET"},
		"/v1/sessions/{sessionId}/decision":   {"GET"},
		"/v1/attempts/{attemptId}/media":      {"GET"},
		"/v1/media/{mediaId}":                 {"GET"},
		"/v1/timestamps/{timestampId}":        {"GET"},
		"/shuftipro/status":                   {"POST"},
		"/shuftipro/delete":                   {"POST"},
	}
	for p, methods := range want {
		item := doc.Paths.Value(p)
		if item == nil {
			t.Errorf("missing path %s", p)
			continue
		}
		for _, m := range methods {
			if item.GetOperation(m) == nil {
				t.Errorf("missing %s %s", m, p)
			}
		}
	}
	for p, item := range doc.Paths.Map() {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected path %s (add it to this test with its provider prefix)", p)
		}
		// The mock routes on the prefix alone.
		for _, op := range item.Operations() {
			tag := op.Tags[0]
			if (tag == "veriff") != strings.HasPrefix(p, "/v1/") || (tag == "shuftipro") != strings.HasPrefix(p, "/shuftipro/") {
				t.Errorf("%s is tagged %s but does not carry that provider's prefix", p, tag)
			}
		}
		if len(item.Servers) != 0 {
			t.Errorf("%s: servers not cleared", p)
		}
	}
	if len(doc.Servers) != 0 {
		t.Errorf("top-level servers not cleared")
	}
	for _, w := range []string{"veriff-decision-x-signature", "veriff-decision-hmac", "veriff-event-x-signature", "veriff-event-hmac", "shuftipro-callback"} {
		if doc.Webhooks[w] == nil || doc.Webhooks[w].Post == nil {
			t.Errorf("missing webhook %s", w)
		}
	}
}

// Veriff requests need X-AUTH-CLIENT and exactly one of the two signature
// headers: every security alternative is {auth client + one signature}.
func TestVeriffSecurityNeedsExactlyOneSignature(t *testing.T) {
	doc := loadRepo(t).OpenAPI()
	signatures := map[string]bool{"veriffXSignature": true, "veriffHmacSignature": true}
	for p, item := range doc.Paths.Map() {
		if !strings.HasPrefix(p, "/v1/") {
			continue
		}
		for m, op := range item.Operations() {
			if op.Security == nil || len(*op.Security) != 2 {
				t.Errorf("%s %s: want 2 security alternatives (one per signature scheme), got %v", m, p, op.Security)
				continue
			}
			used := map[string]bool{}
			for _, req := range *op.Security {
				sig := 0
				for name := range req {
					if signatures[name] {
						sig++
						used[name] = true
					}
				}
				if _, ok := req["veriffAuthClient"]; !ok || sig != 1 || len(req) != 2 {
					t.Errorf("%s %s: alternative %v must be veriffAuthClient plus exactly one signature", m, p, req)
				}
			}
			if len(used) != 2 {
				t.Errorf("%s %s: both signature schemes must be offered, got %v", m, p, used)
			}
		}
	}
}

func TestValidateInvalidJSONAndUnknownSchema(t *testing.T) {
	c := loadRepo(t)
	for _, in := range []string{"", "{", `{"id": }`, "nul", `{"a":1} trailing`} {
		res, err := c.Validate("veriff/event-webhook", []byte(in))
		if err != nil {
			t.Fatalf("Validate(%q) error: %v", in, err)
		}
		if len(res.Errors) != 1 || res.Errors[0].Rule != "invalid-json" || res.Errors[0].Pointer != "" || res.Errors[0].Message == "" {
			t.Errorf("Validate(%q) = %+v, want one invalid-json error at the root", in, res.Errors)
		}
		if res.Valid() {
			t.Errorf("Validate(%q) reported valid", in)
		}
	}
	if _, err := c.Validate("veriff/no-such-payload", []byte(`{}`)); !errors.Is(err, ErrUnknownSchema) {
		t.Errorf("unknown schema: err = %v, want ErrUnknownSchema", err)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
