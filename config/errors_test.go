package config

import (
	"errors"
	"strings"
	"testing"
)

// env is a fixed environment for tests.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var testEnv = env(map[string]string{
	"CONFORM_API_KEY":    "key-1234",
	"CONFORM_API_SECRET": "secret-5678",
	"STAGING":            "https://staging.example.com",
	"SEED":               "42",
	"STRICT":             "true",
	"RATE":               "2.5",
	"WAIT":               "3s",
	"GATEWAY_TOKEN":      "gw-token-9999",
})

// Every error class, with the exact message and line. Each source is
// written so that the offending line is not the first, so a wrong line
// number cannot pass by accident.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		line            int
	}{
		// Unknown keys, with the likely intended one.
		{"typo", "provider: veriff\n\ntiemout: 10s\n",
			`conform.yaml:3: unknown key "tiemout" (did you mean "timeout"?)`, 3},
		{"dash for underscore", "provider: veriff\ndecision-url: http://l/x\n",
			`conform.yaml:2: unknown key "decision-url" (did you mean "decision_url"?)`, 2},
		{"nested typo", "provider: veriff\ntls:\n  insecure: true\n  cacert: ca.pem\n",
			`conform.yaml:4: unknown key "tls.cacert" (did you mean "tls.ca_cert"?)`, 4},
		{"right key, wrong level", "provider: veriff\nca_cert: ca.pem\n",
			`conform.yaml:2: unknown key "ca_cert" (did you mean "tls.ca_cert"? it belongs under tls:)`, 2},
		{"top key inside a group", "reports:\n  json: r.json\n  provider: veriff\n",
			`conform.yaml:3: unknown key "reports.provider" (did you mean "provider"? it belongs at the top level)`, 3},
		{"unknown, nothing close", "provider: veriff\nreports:\n  pdf: r.pdf\n",
			`conform.yaml:3: unknown key "reports.pdf" (known keys here: reports.html, reports.json, reports.junit, reports.markdown)`, 3},
		{"duplicate key", "provider: veriff\ntimeout: 1s\nstrict: true\ntimeout: 2s\n",
			`conform.yaml:4: key "timeout" is already given at line 2`, 4},
		{"merge key", "provider: veriff\n<<: {strict: true}\n",
			`conform.yaml:2: keys must be plain names (YAML merge keys and complex keys are not supported)`, 2},
		{"unknown, nothing close at the top", "provider: veriff\nbase: 1\n",
			`conform.yaml:2: unknown key "base" (known keys here: api_key, api_secret, budget, callback_url, decision_url, event_url, expected_failures, headers, labels, profile, provider, rate, reports, seed, strict, target, test_hook, timeout, tls, version)`, 2},

		// The file's shape.
		{"not a mapping", "- provider: veriff\n",
			`conform.yaml:1: the file must be a mapping of keys such as "provider: veriff", got a list`, 1},
		{"YAML syntax", "provider: veriff\ntarget: http://x\n  strict: true\n",
			`conform.yaml:3: not valid YAML: mapping values are not allowed in this context`, 3},
		{"tab indentation", "provider: veriff\n\tstrict: true\n",
			`conform.yaml:2: not valid YAML: found a tab character that violates indentation`, 2},
		{"second document", "provider: veriff\n---\nstrict: true\n",
			`conform.yaml:2: a second YAML document (---): the file must hold exactly one`, 2},
		{"group not a mapping", "provider: veriff\ntls: true\n",
			`conform.yaml:2: tls must be a mapping of keys (ca_cert, insecure), got a boolean (true)`, 2},
		{"empty group", "provider: veriff\nreports:\n",
			`conform.yaml:2: reports has no keys: give some (json, junit, html, markdown), or remove it`, 2},

		// Wrong types.
		{"bool as string", "provider: veriff\nstrict: \"yes\"\n",
			`conform.yaml:2: strict must be true or false, got a string ("yes")`, 2},
		{"bool as number", "provider: veriff\ntls:\n  insecure: 1\n",
			`conform.yaml:3: tls.insecure must be true or false, got a number (1)`, 3},
		{"duration without unit", "provider: veriff\ntimeout: 10\n",
			`conform.yaml:2: timeout must be a duration such as "10s" or "1m30s", got the number 10: add a unit`, 2},
		{"duration garbage", "provider: veriff\nbudget: soon\n",
			`conform.yaml:2: budget: "soon" is not a duration such as "10s" or "1m30s"`, 2},
		{"duration zero", "provider: veriff\nbudget: 0s\n",
			`conform.yaml:2: budget must be positive, got "0s"`, 2},
		{"duration negative", "provider: veriff\ntimeout: -5s\n",
			`conform.yaml:2: timeout must be positive, got "-5s"`, 2},
		{"null value", "provider: veriff\ntimeout:\nstrict: true\n",
			`conform.yaml:2: timeout has no value: give one, or remove the key to use the default`, 2},
		{"list for a string", "provider: veriff\ntarget:\n  - http://a\n",
			`conform.yaml:3: target must be an http:// or https:// URL, got a list`, 3},
		{"number for a string", "provider: veriff\nlabels: 7\n",
			`conform.yaml:2: labels must be a label filter such as 'signature || auth', got a number (7)`, 2},
		{"seed not integer", "provider: veriff\nseed: 1.5\n",
			`conform.yaml:2: seed must be an integer, got a number (1.5)`, 2},
		{"seed overflow", "provider: veriff\nseed: 99999999999999999999\n",
			`conform.yaml:2: seed must be an integer, got a number (99999999999999999999)`, 2},
		{"rate as text", "provider: veriff\nrate: fast\n",
			`conform.yaml:2: rate must be a number of requests per second, such as 5 or 0.5, got a string ("fast")`, 2},
		{"rate zero", "provider: veriff\nrate: 0\n",
			`conform.yaml:2: rate must be a positive number of requests per second, got a number (0) (remove the key for conform's default)`, 2},
		{"rate negative", "provider: veriff\nrate: -1.5\n",
			`conform.yaml:2: rate must be a positive number of requests per second, got a number (-1.5) (remove the key for conform's default)`, 2},
		{"rate infinite", "provider: veriff\nrate: .inf\n",
			`conform.yaml:2: rate must be a positive number of requests per second, got a number (.inf) (remove the key for conform's default)`, 2},

		// Bad values.
		{"version", "version: 2\nprovider: veriff\n",
			`conform.yaml:1: version 2 is not supported: this conform reads version 1 (was the file written by a newer conform?)`, 1},
		{"unknown provider", "version: 1\nprovider: onfido\n",
			`conform.yaml:2: provider "onfido" is not a provider conform knows (known: veriff, shuftipro)`, 2},
		{"unknown profile", "provider: veriff\nprofile: veriff-sha1\n",
			`conform.yaml:2: profile "veriff-sha1" is not a signing profile (known: shuftipro, shuftipro-legacy, veriff-hmac, veriff-x-signature)`, 2},
		{"profile of the other provider", "provider: shuftipro\nprofile: veriff-hmac\n",
			`conform.yaml:2: profile "veriff-hmac" does not belong to Shufti Pro (its profiles: shuftipro, shuftipro-legacy)`, 2},
		{"endpoint of the other provider", "provider: veriff\ntarget: http://localhost:8080\ncallback_url: http://localhost:8080/cb\n",
			`conform.yaml:3: callback_url: Veriff has no callback endpoint; its endpoints: decision_url, event_url`, 3},
		{"URL scheme", "provider: veriff\ntarget: ftp://example.com\n",
			`conform.yaml:2: target: "ftp://example.com" must be an http:// or https:// URL`, 2},
		{"URL without host", "provider: veriff\nevent_url: http:///events\n",
			`conform.yaml:2: event_url: "http:///events" has no host`, 2},
		{"URL with credentials", "provider: veriff\ntarget: https://u:p@staging.example.com\n",
			`conform.yaml:2: target: "https://[redacted]@staging.example.com" must not carry credentials (user:password@); use headers with a ${NAME} value for a gateway's auth`, 2},
		{"label filter", "provider: veriff\nlabels: \"signature &&\"\n",
			`conform.yaml:2: labels "signature &&" is not a label filter:`, 2},
		{"hook token without URL", "provider: veriff\ntest_hook:\n  token: ${CONFORM_API_KEY}\n",
			`conform.yaml:3: test_hook.token is set but test_hook.url is not: the token is sent to that URL`, 3},

		// Headers.
		{"reserved header", "provider: veriff\nheaders:\n  X-Signature: abc\n",
			`conform.yaml:3: headers: conform sets X-Signature itself (checks vary it on purpose); it cannot be an extra header`, 3},
		{"reserved header in list", "provider: veriff\nheaders:\n  - \"X-Trace: 1\"\n  - \"content-type: text/plain\"\n",
			`conform.yaml:4: headers: conform sets Content-Type itself (checks vary it on purpose); it cannot be an extra header`, 4},
		{"bad header name", "provider: veriff\nheaders:\n  \"X Trace\": 1\n",
			`conform.yaml:3: headers: "X Trace" is not a header name`, 3},
		{"list item without colon", "provider: veriff\nheaders:\n  - X-Trace 1\n",
			`conform.yaml:3: headers: item 1 must be "Name: value" (the value is not shown)`, 3},
		{"header twice in mapping", "provider: veriff\nheaders:\n  X-Trace: 1\n  x-trace: 2\n",
			`conform.yaml:4: headers: X-Trace is already given at line 3 (use the list form to send a header twice)`, 4},
		{"header value a mapping", "provider: veriff\nheaders:\n  X-Trace: {a: 1}\n",
			`conform.yaml:3: headers: the value of X-Trace must be text, got a mapping`, 3},
		{"headers a string", "provider: veriff\nheaders: \"X-Trace: 1\"\n",
			`conform.yaml:2: headers must be a mapping of Name: value, or a list of "Name: value", got a string (the value is not shown)`, 2},

		// Environment references.
		{"unset variable", "provider: veriff\ntarget: ${NOPE}/hooks\n",
			`conform.yaml:2: target: environment variable NOPE is not set (or is empty); set it, or write ${NOPE:-default} to make it optional`, 2},
		{"unset variable in a header", "provider: veriff\nheaders:\n  X-Gateway-Token: ${NOPE}\n",
			`conform.yaml:3: headers.X-Gateway-Token: environment variable NOPE is not set (or is empty); set it, or write ${NOPE:-default} to make it optional`, 3},
		{"unterminated reference", "provider: veriff\nlabels: \"${LABELS\"\n",
			`conform.yaml:2: labels: unterminated ${ (close it with }, or write $${ for a literal ${)`, 2},
		{"bad variable name", "provider: veriff\ntarget: ${1BAD}\n",
			`conform.yaml:2: target: ${1BAD}: "1BAD" is not an environment variable name (letters, digits and _, not starting with a digit)`, 2},
		{"substituted value invalid", "provider: veriff\ntimeout: ${STAGING}\n",
			`conform.yaml:2: timeout: "${STAGING}" (its value from the environment is not shown) is not a duration such as "10s" or "1m30s"`, 2},
		{"substituted bool invalid", "provider: veriff\nstrict: ${SEED}\n",
			`conform.yaml:2: strict must be true or false, got "${SEED}" (its value from the environment is not shown)`, 2},

		// Credentials.
		{"literal secret", "provider: veriff\napi_secret: hunter2-literal\n",
			`conform.yaml:2: api_secret must be a reference to an environment variable, such as "${CONFORM_API_SECRET}", never the value itself: this file is meant to be committed, and a secret in it leaks to everyone who can read the repository (the value is not shown)`, 2},
		{"numeric secret", "provider: veriff\napi_secret: 987654321\n",
			`conform.yaml:2: api_secret must be a reference to an environment variable, such as "${CONFORM_API_SECRET}", never the value itself: this file is meant to be committed, and a secret in it leaks to everyone who can read the repository (the value is not shown)`, 2},
		{"secret with a default", "provider: veriff\napi_secret: ${CONFORM_API_SECRET:-hunter2}\n",
			`conform.yaml:2: api_secret must be exactly one reference such as "${CONFORM_API_SECRET}", with no default and nothing around it: a default or a fixed part would be a secret written into the file (the value is not shown)`, 2},
		{"key with a fixed part", "provider: veriff\napi_key: prefix-${CONFORM_API_KEY}\n",
			`conform.yaml:2: api_key must be exactly one reference such as "${CONFORM_API_KEY}", with no default and nothing around it: a default or a fixed part would be a secret written into the file (the value is not shown)`, 2},
		{"escaped reference is a literal", "provider: veriff\napi_key: $${CONFORM_API_KEY}\n",
			`conform.yaml:2: api_key must be a reference to an environment variable, such as "${CONFORM_API_KEY}", never the value itself: this file is meant to be committed, and a secret in it leaks to everyone who can read the repository (the value is not shown)`, 2},
		{"unset secret variable", "provider: veriff\napi_secret: ${STAGING_SECRET}\n",
			`conform.yaml:2: api_secret: environment variable STAGING_SECRET is not set (or is empty)`, 2},
		{"null secret", "provider: veriff\napi_secret:\n",
			`conform.yaml:2: api_secret has no value: write "${CONFORM_API_SECRET}", or remove the key`, 2},
		{"literal hook token", "provider: veriff\ntest_hook:\n  url: http://localhost:9/hook\n  token: abc\n",
			`conform.yaml:4: test_hook.token must be a reference to an environment variable, such as "${CONFORM_TEST_HOOK_TOKEN}", never the value itself: this file is meant to be committed, and a secret in it leaks to everyone who can read the repository (the value is not shown)`, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("conform.yaml", []byte(tc.src), testEnv)
			if err == nil {
				t.Fatalf("no error for\n%s", tc.src)
			}
			got := err.Error()
			if got != tc.want && !(strings.HasSuffix(tc.want, ":") && strings.HasPrefix(got, tc.want)) {
				t.Errorf("error\n got: %s\nwant: %s", got, tc.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("error is not one line: %q", got)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Line != tc.line {
				t.Errorf("Error.Line = %v, want %d", ce, tc.line)
			}
		})
	}
}

// No error may show a credential, whether it is written into the file or
// comes from the environment, and no value that came from the environment.
func TestErrorsNeverShowSecrets(t *testing.T) {
	const secret = "Sup3r-s3cret-VALUE"
	e := env(map[string]string{"SECRET": secret, "MULTILINE": "a\n" + secret})
	for name, src := range map[string]string{
		"literal api_secret":           "api_secret: " + secret + "\n",
		"quoted literal api_secret":    "api_secret: \"" + secret + "\"\n",
		"literal api_key":              "api_key: " + secret + "\n",
		"api_secret list":              "api_secret: [" + secret + "]\n",
		"api_secret mapping":           "api_secret: {v: " + secret + "}\n",
		"api_secret default":           "api_secret: ${SECRET:-" + secret + "}\n",
		"hook token literal":           "test_hook:\n  url: http://l/h\n  token: " + secret + "\n",
		"header list item":             "headers:\n  - " + secret + "\n",
		"header value a list":          "headers:\n  Authorization: [" + secret + "]\n",
		"header from env, line break":  "headers:\n  Authorization: ${MULTILINE}\n",
		"headers a string":             "headers: " + secret + "\n",
		"env in provider":              "provider: ${SECRET}\n",
		"env in profile":               "profile: ${SECRET}\n",
		"env in target":                "target: ${SECRET}\n",
		"env in timeout":               "timeout: ${SECRET}\n",
		"env in strict":                "strict: ${SECRET}\n",
		"env in rate":                  "rate: ${SECRET}\n",
		"env in seed":                  "seed: ${SECRET}\n",
		"env in version":               "version: ${SECRET}\n",
		"env in labels":                "labels: \"${SECRET} &&\"\n",
		"env in ca_cert":               "tls:\n  ca_cert: ${SECRET}\n",
		"env in expected_failures":     "expected_failures: /nonexistent/${SECRET}\n",
		"env in hook url":              "test_hook:\n  url: ${SECRET}\n",
		"env in a list header's value": "headers:\n  - \"X Bad: ${SECRET}\"\n",
	} {
		_, err := Parse("conform.yaml", []byte(src), e)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "Sup3r") {
			t.Errorf("%s: the error shows the secret: %s", name, err)
		}
	}
}
