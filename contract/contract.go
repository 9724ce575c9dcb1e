// Package contract is the machine-checked provider contract: it loads the
// OpenAPI document (spec/openapi.yaml) and the JSON Schemas (schemas/) from one
// file system and validates payloads against them.
//
// The schemas are the single source of truth for every payload; the OpenAPI
// document only $refs them. Schemas are compiled with gojsonschema (draft-07),
// the document is parsed and validated with kin-openapi.
package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"

	"github.com/conform-kit/conform"
)

const (
	// SpecPath is where the OpenAPI document lives inside the contract file system.
	SpecPath = "spec/openapi.yaml"
	// SchemaDir is the directory holding the JSON Schemas.
	SchemaDir = "schemas"
	// SchemaBaseURI is the base URI under which each schema file is registered
	// with gojsonschema: URI = SchemaBaseURI + path under schemas/. It mirrors
	// the directory layout, so a relative $ref ("../common.json#/...") names the
	// same file for gojsonschema as for kin-openapi and Redocly, which resolve
	// against the file path. Nothing is ever fetched from it.
	SchemaBaseURI = "https://conform-kit.github.io/conform/schemas/"
)

// Contract is a loaded, validated contract. It is safe for concurrent use.
type Contract struct {
	names   []string
	schemas map[string]*gojsonschema.Schema
	doc     *openapi3.T
}

// Result is the outcome of validating one payload.
type Result struct {
	Errors []FieldError
}

// Valid reports whether the payload satisfied the schema.
func (r *Result) Valid() bool { return len(r.Errors) == 0 }

// FieldError is one violation. Pointer is an RFC 6901 JSON pointer into the
// payload ("" is the whole document); Rule names the JSON Schema keyword that
// failed ("required", "enum", "format", ...) or "invalid-json".
type FieldError struct {
	Pointer string
	Rule    string
	Message string
}

func (e FieldError) String() string {
	p := e.Pointer
	if p == "" {
		p = "(root)"
	}
	return fmt.Sprintf("%s: %s: %s", p, e.Rule, e.Message)
}

// ErrUnknownSchema is wrapped by Validate when the schema name is not one of
// Schemas(), so callers can tell a typo from a broken payload with errors.Is.
var ErrUnknownSchema = errors.New("unknown schema")

var (
	defaultOnce     sync.Once
	defaultContract *Contract
	defaultErr      error
)

// Default loads the contract embedded in the binary (conform.Files) once.
func Default() (*Contract, error) {
	defaultOnce.Do(func() {
		defaultContract, defaultErr = Load(conform.Files)
	})
	return defaultContract, defaultErr
}

// Load reads spec/openapi.yaml and every schemas/**/*.json from fsys, compiles
// the schemas and validates the OpenAPI document.
func Load(fsys fs.FS) (*Contract, error) {
	schemas, names, err := loadSchemas(fsys)
	if err != nil {
		return nil, err
	}
	doc, err := loadOpenAPI(fsys)
	if err != nil {
		return nil, err
	}
	return &Contract{names: names, schemas: schemas, doc: doc}, nil
}

// Schemas returns the schema names (path under schemas/ without .json), sorted.
func (c *Contract) Schemas() []string {
	return append([]string(nil), c.names...)
}

// OpenAPI returns the parsed document. Its servers are cleared (top level, path
// items and operations) so a router matches on paths alone, which is how the
// mock serves it on 127.0.0.1. Callers must not modify it.
func (c *Contract) OpenAPI() *openapi3.T { return c.doc }

// Validate checks doc against the named schema. The error is non-nil only when
// the schema name is unknown; a payload that is not JSON yields a Result with
// one "invalid-json" FieldError.
func (c *Contract) Validate(schema string, doc []byte) (*Result, error) {
	s, ok := c.schemas[schema]
	if !ok {
		return nil, fmt.Errorf("contract: %w %q (known: %s)", ErrUnknownSchema, schema, strings.Join(c.names, ", "))
	}
	var probe any
	if err := json.Unmarshal(doc, &probe); err != nil {
		return &Result{Errors: []FieldError{{Pointer: "", Rule: "invalid-json", Message: err.Error()}}}, nil
	}
	res, err := s.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		// The bytes parsed above, so this is gojsonschema refusing them
		// (for example a number it cannot represent): still the payload's fault.
		return &Result{Errors: []FieldError{{Pointer: "", Rule: "invalid-json", Message: err.Error()}}}, nil
	}
	return &Result{Errors: convertErrors(res.Errors())}, nil
}

// schemaURI is the URI a schema file is registered under.
func schemaURI(name string) string { return SchemaBaseURI + name + ".json" }

// loadSchemas adds every schema file to one SchemaLoader, keyed by its URI, so
// that cross-file $refs resolve from memory, then compiles each file.
func loadSchemas(fsys fs.FS) (map[string]*gojsonschema.Schema, []string, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, SchemaDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".json" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[strings.TrimSuffix(strings.TrimPrefix(p, SchemaDir+"/"), ".json")] = data
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("contract: reading %s/: %w", SchemaDir, err)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("contract: no schema files under %s/", SchemaDir)
	}

	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)

	loader := gojsonschema.NewSchemaLoader()
	for _, name := range names {
		var head map[string]json.RawMessage
		if err := json.Unmarshal(files[name], &head); err != nil {
			return nil, nil, fmt.Errorf("contract: %s/%s.json is not a JSON object: %w", SchemaDir, name, err)
		}
		// The file's place is its identity. A $id would make resolvers that
		// honour it (gojsonschema, ajv inside Redocly) resolve relative $refs
		// against the $id instead of the file, while kin-openapi uses the file.
		if _, ok := head["$id"]; ok {
			return nil, nil, fmt.Errorf("contract: %s/%s.json declares $id; schema files are identified by their path (schemas/README.md)", SchemaDir, name)
		}
		if err := loader.AddSchema(schemaURI(name), gojsonschema.NewBytesLoader(files[name])); err != nil {
			return nil, nil, fmt.Errorf("contract: adding %s/%s.json: %w", SchemaDir, name, err)
		}
	}

	compiled := make(map[string]*gojsonschema.Schema, len(names))
	for _, name := range names {
		s, err := loader.Compile(offlineLoader{uri: schemaURI(name)})
		if err != nil {
			return nil, nil, fmt.Errorf("contract: compiling %s/%s.json: %w", SchemaDir, name, err)
		}
		compiled[name] = s
	}
	return compiled, names, nil
}

// offlineLoader is the root loader handed to gojsonschema. Its factory is what
// gojsonschema uses for any $ref missing from the pool: it fails instead of
// fetching the URI over HTTP, so a mistyped $ref is a load error, never a
// network request.
type offlineLoader struct{ uri string }

func (l offlineLoader) JsonSource() interface{} { return l.uri }

func (l offlineLoader) LoadJSON() (interface{}, error) {
	return nil, fmt.Errorf("$ref to %s: no such schema file in the contract", l.uri)
}

func (l offlineLoader) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference(l.uri)
}

func (l offlineLoader) LoaderFactory() gojsonschema.JSONLoaderFactory { return offlineFactory{} }

type offlineFactory struct{}

func (offlineFactory) New(source string) gojsonschema.JSONLoader { return offlineLoader{uri: source} }

var registerFormats sync.Once

// loadOpenAPI parses the document with every $ref read from fsys (never from
// disk outside it, never from the network) and validates it.
func loadOpenAPI(fsys fs.FS) (*openapi3.T, error) {
	registerFormats.Do(func() {
		// kin-openapi checks only the formats it is told about; these are the
		// ones the schemas use beyond its built-in date and date-time. uuid
		// matches gojsonschema's checker (lowercase, any version) so both
		// libraries agree on what a UUID is.
		openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`))
		openapi3.DefineStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail))
		openapi3.DefineIPv4Format()
		openapi3.DefineIPv6Format()
	})

	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		// Only relative file references inside fsys: the contract is data
		// shipped with conform, so anything else is a mistake in the document.
		if u.Scheme != "" || u.Host != "" {
			return nil, fmt.Errorf("contract: refusing non-local $ref %q", u.String())
		}
		p := path.Clean(strings.TrimPrefix(u.Path, "./"))
		if !fs.ValidPath(p) {
			return nil, fmt.Errorf("contract: $ref %q leaves the contract file system", u.Path)
		}
		return fs.ReadFile(fsys, p)
	}
	doc, err := loader.LoadFromFile(SpecPath)
	if err != nil {
		return nil, fmt.Errorf("contract: loading %s: %w", SpecPath, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract: %s is not a valid OpenAPI document: %w", SpecPath, err)
	}
	clearServers(doc)
	return doc, nil
}

func clearServers(doc *openapi3.T) {
	doc.Servers = nil
	items := []*openapi3.PathItem{}
	if doc.Paths != nil {
		for _, item := range doc.Paths.Map() {
			items = append(items, item)
		}
	}
	for _, item := range doc.Webhooks {
		items = append(items, item)
	}
	for _, item := range items {
		item.Servers = nil
		for _, op := range item.Operations() {
			op.Servers = nil
		}
	}
}

// ruleNames maps gojsonschema's error types to the JSON Schema keyword that
// failed, which is what a reader of the schema file searches for.
var ruleNames = map[string]string{
	"invalid_type":                    "type",
	"additional_property_not_allowed": "additionalProperties",
	"string_gte":                      "minLength",
	"string_lte":                      "maxLength",
	"number_any_of":                   "anyOf",
	"number_one_of":                   "oneOf",
	"number_all_of":                   "allOf",
	"number_not":                      "not",
	"condition_then":                  "then",
	"condition_else":                  "else",
	"array_min_items":                 "minItems",
	"array_max_items":                 "maxItems",
	"unique":                          "uniqueItems",
	"array_min_properties":            "minProperties",
	"array_max_properties":            "maxProperties",
	"array_no_additional_items":       "additionalItems",
	"invalid_property_name":           "propertyNames",
	"invalid_property_pattern":        "patternProperties",
	"missing_dependency":              "dependencies",
	"number_gte":                      "minimum",
	"number_lte":                      "maximum",
	"number_gt":                       "exclusiveMinimum",
	"number_lt":                       "exclusiveMaximum",
	"multiple_of":                     "multipleOf",
}

// wrapperTypes are reported by gojsonschema in addition to the errors of the
// subschema that failed (which it merges into the result); they add no
// information, so they are dropped when those errors are present.
var wrapperTypes = map[string]bool{"number_all_of": true, "condition_then": true, "condition_else": true}

func convertErrors(errs []gojsonschema.ResultError) []FieldError {
	hasDetail := false
	for _, e := range errs {
		if !wrapperTypes[e.Type()] {
			hasDetail = true
			break
		}
	}
	seen := map[FieldError]bool{}
	out := []FieldError{}
	for _, e := range errs {
		if hasDetail && wrapperTypes[e.Type()] {
			continue
		}
		rule := e.Type()
		if r, ok := ruleNames[rule]; ok {
			rule = r
		}
		pointer := contextPointer(e.Context())
		// required and additionalProperties are reported on the parent
		// object; pointing at the property itself says which one.
		if rule == "required" || rule == "additionalProperties" {
			if p, ok := e.Details()["property"].(string); ok {
				pointer += "/" + escapePointerToken(p)
			}
		}
		fe := FieldError{Pointer: pointer, Rule: rule, Message: e.Description()}
		if !seen[fe] {
			seen[fe] = true
			out = append(out, fe)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pointer != out[j].Pointer {
			return out[i].Pointer < out[j].Pointer
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

// pointerSep cannot occur in a JSON object key that gojsonschema reports
// (it would have to be a NUL inside the payload's key), so splitting on it
// recovers the exact path segments, unlike the "." gojsonschema uses.
const pointerSep = "\x00"

func contextPointer(ctx *gojsonschema.JsonContext) string {
	if ctx == nil {
		return ""
	}
	parts := strings.Split(ctx.String(pointerSep), pointerSep)
	if len(parts) > 0 && parts[0] == gojsonschema.STRING_CONTEXT_ROOT {
		parts = parts[1:]
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(escapePointerToken(p))
	}
	return b.String()
}

func escapePointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
