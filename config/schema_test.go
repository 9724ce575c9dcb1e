package config

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/signing"
)

func compiledSchema(t *testing.T) *gojsonschema.Schema {
	t.Helper()
	s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(Schema()))
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

func schemaAccepts(t *testing.T, s *gojsonschema.Schema, src string) (bool, string) {
	t.Helper()
	doc, err := yaml.YAMLToJSON([]byte(src))
	if err != nil {
		t.Fatalf("YAML to JSON: %v\n%s", err, src)
	}
	res, err := s.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, e := range res.Errors() {
		errs = append(errs, e.String())
	}
	return res.Valid(), strings.Join(errs, "; ")
}

// The schema (for editors) and the loader agree on what a file may hold.
// The loader is stricter only where a schema cannot say it: whether a
// variable is set, whether a file exists, a label filter's syntax, a zero
// duration.
func TestSchemaAgreesWithLoader(t *testing.T) {
	s := compiledSchema(t)
	for name, tc := range map[string]struct {
		src                string
		schemaOK, loaderOK bool
	}{
		"minimal":                 {"provider: veriff\n", true, true},
		"empty mapping":           {"{}\n", true, true},
		"references everywhere":   {"provider: veriff\ntarget: ${STAGING}\nstrict: ${STRICT}\nseed: ${SEED}\nrate: ${RATE}\nbudget: ${WAIT}\napi_key: ${CONFORM_API_KEY}\n", true, true},
		"optional reference":      {"target: ${NOPE:-http://localhost:8080}\n", true, true},
		"headers mapping":         {"headers:\n  X-Trace: 1\n  X-Env: staging\n", true, true},
		"headers list":            {"headers:\n  - \"X-Trace: 1\"\n  - \"X-Trace: 2\"\n", true, true},
		"every group":             {"tls:\n  insecure: true\nreports:\n  json: r.json\n  markdown: s.md\ntest_hook:\n  url: http://l/h\n  token: ${CONFORM_API_KEY}\n", true, true},
		"empty URL":               {"target: \"\"\n", true, true},
		"unknown key":             {"tiemout: 10s\n", false, false},
		"unknown nested key":      {"tls:\n  cacert: x\n", false, false},
		"wrong version":           {"version: 2\n", false, false},
		"unknown provider":        {"provider: onfido\n", false, false},
		"unknown profile":         {"profile: veriff-sha1\n", false, false},
		"profile of the other":    {"provider: shuftipro\nprofile: veriff-hmac\n", false, false},
		"endpoint of the other":   {"provider: veriff\ncallback_url: http://l/cb\n", false, false},
		"endpoints of the other":  {"provider: shuftipro\nevent_url: http://l/ev\n", false, false},
		"ftp URL":                 {"target: ftp://example.com\n", false, false},
		"URL with credentials":    {"target: https://u:p@example.com\n", false, false},
		"bool as string":          {"strict: \"yes\"\n", false, false},
		"duration without unit":   {"timeout: 10\n", false, false},
		"duration garbage":        {"timeout: soon\n", false, false},
		"negative duration":       {"timeout: -1s\n", false, false},
		"rate zero":               {"rate: 0\n", false, false},
		"rate as text":            {"rate: fast\n", false, false},
		"seed fraction":           {"seed: 1.5\n", false, false},
		"literal secret":          {"api_secret: hunter2\n", false, false},
		"secret with default":     {"api_secret: ${CONFORM_API_SECRET:-x}\n", false, false},
		"reserved header":         {"headers:\n  x-signature: a\n", false, false},
		"reserved header 2":       {"headers:\n  Signature: a\n", false, false},
		"header name with space":  {"headers:\n  \"X Trace\": a\n", false, false},
		"header item no colon":    {"headers:\n  - X-Trace 1\n", false, false},
		"hook token without url":  {"test_hook:\n  token: ${CONFORM_API_KEY}\n", false, false},
		"group as scalar":         {"tls: true\n", false, false},
		"unset variable":          {"target: ${NOPE}\n", true, false},
		"zero duration":           {"timeout: 0s\n", true, false},
		"missing ca_cert file":    {"tls:\n  ca_cert: /nonexistent/ca.pem\n", true, false},
		"bad label filter":        {"labels: \"a &&\"\n", true, false},
		"reserved header in list": {"headers:\n  - \"Host: x\"\n", true, false},
	} {
		got, why := schemaAccepts(t, s, tc.src)
		if got != tc.schemaOK {
			t.Errorf("%s: schema accepts = %v, want %v (%s)", name, got, tc.schemaOK, why)
		}
		_, err := Parse("conform.yaml", []byte(tc.src), testEnv)
		if (err == nil) != tc.loaderOK {
			t.Errorf("%s: loader accepts = %v (%v), want %v", name, err == nil, err, tc.loaderOK)
		}
	}
}

// The schema's lists are the loader's data: providers, profiles, endpoints,
// keys, reserved headers. Adding a provider without updating the schema
// fails here.
func TestSchemaMatchesData(t *testing.T) {
	var doc struct {
		Properties map[string]struct {
			Description string
			Enum        []string
			Properties  map[string]struct{ Description string }
		}
		AllOf []struct {
			If struct {
				Properties struct{ Provider struct{ Const string } }
			}
			Then struct {
				Properties struct{ Profile struct{ Enum []string } }
			}
		}
	}
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k, p := range doc.Properties {
		if len(p.Properties) == 0 {
			keys = append(keys, k)
		}
		if p.Description == "" {
			t.Errorf("schema: %s has no description (editors show it)", k)
		}
		for sub, sp := range p.Properties {
			keys = append(keys, k+"."+sub)
			if sp.Description == "" {
				t.Errorf("schema: %s.%s has no description", k, sub)
			}
		}
	}
	sort.Strings(keys)
	want := Keys()
	sort.Strings(want)
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("schema keys %q\nloader keys %q", keys, want)
	}
	if got, want := doc.Properties["provider"].Enum, providerNames(); !reflect.DeepEqual(got, want) {
		t.Errorf("schema providers %q, want %q", got, want)
	}
	allProfiles := doc.Properties["profile"].Enum
	sort.Strings(allProfiles)
	if !reflect.DeepEqual(allProfiles, signing.Names()) {
		t.Errorf("schema profiles %q, want %q", allProfiles, signing.Names())
	}
	perProvider := map[string][]string{}
	for _, a := range doc.AllOf {
		perProvider[a.If.Properties.Provider.Const] = a.Then.Properties.Profile.Enum
	}
	for _, p := range harness.Providers() {
		var names []string
		for _, sp := range p.Profiles() {
			names = append(names, sp.Name)
		}
		if !reflect.DeepEqual(perProvider[p.Name], names) {
			t.Errorf("schema: %s profiles %q, want %q", p.Name, perProvider[p.Name], names)
		}
	}

	// Reserved headers: every one the loader refuses, the schema refuses.
	s := compiledSchema(t)
	reserved := []string{"Content-Type", "Content-Length", "Host"}
	for _, p := range harness.Providers() {
		if p.APIKeyHeader != "" {
			reserved = append(reserved, p.APIKeyHeader)
		}
		for _, sp := range p.Profiles() {
			reserved = append(reserved, sp.Header)
		}
	}
	for _, h := range reserved {
		for _, spelling := range []string{h, strings.ToLower(h), strings.ToUpper(h)} {
			if !reservedHeader(spelling) {
				t.Errorf("loader allows %s", spelling)
			}
			if ok, _ := schemaAccepts(t, s, "headers:\n  "+spelling+": x\n"); ok {
				t.Errorf("schema allows header %s", spelling)
			}
		}
	}
}

func TestStarterMatchesSchema(t *testing.T) {
	s := compiledSchema(t)
	for _, p := range harness.Providers() {
		data, err := Starter(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		for form, src := range map[string]string{"as written": string(data), "uncommented": uncomment(string(data))} {
			if ok, why := schemaAccepts(t, s, src); !ok {
				t.Errorf("%s starter, %s: the schema refuses it: %s", p.Name, form, why)
			}
		}
	}
	// The schema's $id is where the starter tells editors to find it.
	var id struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(Schema(), &id); err != nil || id.ID != SchemaURL {
		t.Errorf("schema $id %q, want %q", id.ID, SchemaURL)
	}
	if filepath.Base(SchemaURL) != SchemaFile {
		t.Errorf("SchemaURL does not end in %s", SchemaFile)
	}
}
