package config

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/conform-kit/conform/harness"
)

// Starter returns a commented starter conform.yaml for a provider: every key
// explained, the ones a first run needs set, the rest commented out with
// their defaults. Credentials are ${ENV} references. It loads with Load
// once the referenced variables are set (a test holds it to that, with every
// commented key uncommented too).
func Starter(provider string) ([]byte, error) {
	p, err := harness.LookupProvider(provider)
	if err != nil {
		return nil, err
	}
	profiles := p.Profiles()
	var names []string
	for _, sp := range profiles {
		names = append(names, fmt.Sprintf("%s (%s: %s)", sp.Name, sp.Header, sp.Formula))
	}
	var endpoints []starterEndpoint
	for _, ep := range p.Endpoints {
		endpoints = append(endpoints, starterEndpoint{Key: flagToKey(ep.Flag), Name: ep.Name, Path: ep.Path})
	}
	var b bytes.Buffer
	err = starterTemplate.Execute(&b, starterData{
		SchemaURL: SchemaURL, Version: Version, Provider: p, Default: profiles[0].Name,
		Profiles: names, Endpoints: endpoints, Others: strings.Join(otherProviders(p.Name), ", "),
	})
	if err != nil {
		return nil, fmt.Errorf("starter template: %w", err)
	}
	return b.Bytes(), nil
}

type starterEndpoint struct{ Key, Name, Path string }

type starterData struct {
	SchemaURL string
	Version   int
	Provider  *harness.Provider
	Default   string
	Profiles  []string
	Endpoints []starterEndpoint
	Others    string
}

func otherProviders(name string) []string {
	var out []string
	for _, n := range providerNames() {
		if n != name {
			out = append(out, n)
		}
	}
	return out
}

// The template keeps one convention the round-trip test relies on: a
// commented-out setting is "# key: value" (nested: "#   key: value"), and
// no line of prose starts with a lowercase word followed by a colon.
var starterTemplate = template.Must(template.New("starter").Funcs(template.FuncMap{
	"join": strings.Join,
}).Parse(`# yaml-language-server: $schema={{.SchemaURL}}
#
# conform.yaml: the settings of "conform run" for a {{.Provider.Title}} webhook listener.
# Written by "conform init --provider {{.Provider.Name}}". Reference: docs/config.md.
#
# Precedence: a flag given on the command line wins over this file, and this
# file wins over conform's defaults. Every key is optional.
#
# ${NAME} anywhere in a string value is replaced by the environment variable
# NAME. An unset or empty variable is an error; ${NAME:-default} makes it
# optional, and $${ writes a literal ${.
#
# Relative paths are relative to the directory of this file.

# The format of this file. A later, incompatible format will be version 2.
version: {{.Version}}

# The provider conform plays (the other one: {{.Others}}).
provider: {{.Provider.Name}}

# How deliveries are signed; the first is the default:
{{- range .Profiles}}
#   - {{.}}
{{- end}}
profile: {{.Default}}

# Your listener's base URL. Each endpoint defaults to the base URL and its path:
# {{range $i, $e := .Endpoints}}{{if $i}}, {{end}}{{$e.Path}}{{end}}.
target: http://localhost:8080

# Or give each endpoint's full URL; it wins over target.
{{- range .Endpoints}}
# {{.Key}}: https://staging.example.com{{.Path}}
{{- end}}

# Credentials, only ever as ${NAME} references: conform refuses a secret
# written into this file, because the file is meant to be committed.
{{- if .Provider.APIKeyHeader}}
# The API key {{.Provider.Title}} sends in {{.Provider.APIKeyHeader}}:
api_key: ${CONFORM_API_KEY}
{{- end}}
# The shared secret your listener verifies signatures with. The
# --secret-file flag overrides it.
api_secret: ${CONFORM_API_SECRET}

# Run only the checks matching this Ginkgo label filter ("conform list" shows
# the labels). Empty or absent: every check.
# labels: "signature || auth"

# Whether SHOULD checks fail the run too (by default they are only reported).
# strict: false

# The per-request limit (connect, send, read the answer), and how fast the
# listener must answer a delivery. Go durations: 500ms, 10s, 1m.
# timeout: 10s
# budget: 5s

# At most this many requests per second: be gentle with a shared staging host.
# rate: 5

# The random seed for generated ids; conform prints it, so a run can be repeated.
# Absent: derived from the clock.
# seed: 12345

# Extra headers on every request, e.g. a staging gateway's auth. Provider
# headers cannot be set here (checks vary them on purpose). A list of
# "Name: value" strings works too, and can send a header twice.
# headers:
#   X-Gateway-Token: ${STAGING_GATEWAY_TOKEN}

# TLS for https targets. An extra CA bundle (PEM) for a private CA, or no
# verification at all, for a throwaway staging certificate only.
# tls:
#   ca_cert: certs/staging-ca.pem
#   insecure: false

# The integrator test hook: an HTTP endpoint in your test build that the
# lifecycle checks drive. The token is sent to it, so it is a ${NAME} too.
# test_hook:
#   url: http://localhost:8081/conform-hook
#   token: ${CONFORM_TEST_HOOK_TOKEN}

# Report files. None contains the API key or secret.
# reports:
#   json: conform-report/report.json
#   junit: conform-report/junit.xml
#   html: conform-report/report.html
#   markdown: conform-report/summary.md

# Checks known to fail for now, each with a reason and an optional expiry:
# they still run, and the run fails when one passes again or expires.
# expected_failures: conform-expected-failures.yaml
`))
