package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/conform-kit/conform/signing"
)

// This file holds the vector definitions. Render turns them into the files
// under golden/vectors; the header values are computed here with the signing
// package, and recomputed independently by vectors_test.go and by the Python
// and Node consumers, so a wrong formula cannot hide behind its own output.

// GeneratedBy is written into every file so nobody edits one by hand.
const GeneratedBy = "go run ./vectors/gen (definitions in vectors/defs.go); do not edit by hand"

const secretsNote = "Every secret in this file is a published test value (ours say test-only; the document's are the ones the document prints). Never use one in production."

// testAPIKey is sent as X-AUTH-CLIENT beside Veriff signatures so a vector can
// be replayed as a complete webhook; the signature verdict does not depend on it.
const testAPIKey = "test-only-api-key-conform"

// secretFor is the shared secret a profile's vectors are signed with. Each
// profile has its own, so a vector copied into the wrong file cannot pass.
func secretFor(profile string) string {
	return "test-only-secret/" + profile + "/not-for-production"
}

const wrongSecret = "test-only-secret/WRONG/not-for-production"

// crossProfiles lists, for each profile, the other profiles whose signatures
// must be rejected: the other profile(s) of the same provider and one of the
// other provider. veriff-x-signature and shuftipro-legacy share one formula
// (hex(sha256(payload || secret))), so they are never paired as a rejection:
// that pair is an accept vector in shuftipro-legacy.json instead.
var crossProfiles = map[string][]string{
	signing.VeriffXSignature.Name: {signing.VeriffHMAC.Name, signing.ShuftiPro.Name},
	signing.VeriffHMAC.Name:       {signing.VeriffXSignature.Name, signing.ShuftiProLegacy.Name},
	signing.ShuftiPro.Name:        {signing.ShuftiProLegacy.Name, signing.VeriffHMAC.Name},
	signing.ShuftiProLegacy.Name:  {signing.ShuftiPro.Name, signing.VeriffHMAC.Name},
}

// bodies are the payloads one provider's vectors sign. Values are our own
// invented data, never document examples.
type bodies struct {
	compact   string // a typical webhook body, compact
	different string // same shape, different decision: "a signature of a different body"
	unicode   string // raw UTF-8: diacritics, apostrophe, Cyrillic, CJK, Arabic, an emoji
	escaped   string // the same kind of text with \/ and \uXXXX escapes (ASCII bytes)
	unescaped string // escaped, as the same JSON value written without optional escapes
	latin1    []byte // JSON text encoded ISO-8859-1, not UTF-8
}

var veriffBodies = bodies{
	compact:   `{"status":"success","verification":{"id":"58dfc9aa-621c-4bc5-9d9b-5ddbf648cbf7","code":9001,"status":"approved","reason":null,"reasonCode":null,"vendorData":"cust-0417"},"technicalData":{"ip":"203.0.113.45"}}`,
	different: `{"status":"success","verification":{"id":"58dfc9aa-621c-4bc5-9d9b-5ddbf648cbf7","code":9102,"status":"declined","reason":"Known fraud.","reasonCode":106,"vendorData":"cust-0417"},"technicalData":{"ip":"203.0.113.45"}}`,
	unicode:   `{"status":"success","verification":{"id":"380ec7a7-2add-439b-995a-2a465d5a3729","code":9001,"status":"approved","person":{"firstName":"Zoë Siobhán","lastName":"O'Brien-Ørsted"},"comments":[{"type":"General Comment","comment":"Ярослава · 大塚 美咲 · ليلى · 🎉","timestamp":"2025-03-14T09:26:53.412Z"}]}}`,
	escaped:   `{"status":"success","verification":{"id":"59938bb7-b1bf-440c-8ab9-a7ec35acdd22","callback":"https:\/\/example.com\/kyc\/done","person":{"firstName":"Zo\u00eb","lastName":"\u042f\u0440\u043e\u0441\u043b\u0430\u0432\u0430"},"vendorData":"tab\there \ud83c\udf89"}}`,
	unescaped: `{"status":"success","verification":{"id":"59938bb7-b1bf-440c-8ab9-a7ec35acdd22","callback":"https://example.com/kyc/done","person":{"firstName":"Zoë","lastName":"Ярослава"},"vendorData":"tab\there 🎉"}}`,
	latin1:    []byte("{\"verification\":{\"id\":\"0c1d4cf1-0be1-4248-820f-cf643b890238\",\"person\":{\"firstName\":\"Zo\xeb\",\"lastName\":\"M\xfcller-\xd8rsted\"}}}"),
}

var shuftiBodies = bodies{
	compact:   `{"reference":"cfm-vec-9ab5a12a","event":"verification.accepted","verification_result":{"face":1,"document":{"document":1,"document_visibility":1}}}`,
	different: `{"reference":"cfm-vec-9ab5a12a","event":"verification.declined","verification_result":{"face":0,"document":{"document":1,"document_visibility":1}},"declined_reason":"Face does not match the document photo."}`,
	unicode:   `{"reference":"cfm-vec-6047cbd2","event":"verification.accepted","verification_data":{"document":{"name":{"first_name":"ليلى","middle_name":"Zoë","last_name":"O'Brien 大塚 Ярослава"}}},"declined_reason":"🎉"}`,
	escaped:   `{"reference":"cfm-vec-7ab97e8b","event":"request.pending","verification_url":"https:\/\/app.shuftipro.com\/process\/verification\/cfmVec7ab97e8b","verification_data":{"document":{"name":{"first_name":"\u0644\u064a\u0644\u0649","last_name":"Zo\u00eb \ud83c\udf89"}}}}`,
	unescaped: `{"reference":"cfm-vec-7ab97e8b","event":"request.pending","verification_url":"https://app.shuftipro.com/process/verification/cfmVec7ab97e8b","verification_data":{"document":{"name":{"first_name":"ليلى","last_name":"Zoë 🎉"}}}}`,
	latin1:    []byte("{\"reference\":\"cfm-vec-33f21a03\",\"event\":\"request.received\",\"note\":\"Zo\xeb M\xfcller-\xd8rsted\"}"),
}

// veriffSessionID is the payload of a Veriff GET: the id in the path is signed,
// not a body.
const veriffSessionID = "9ca73bb7-3660-4702-a153-b1cc6e728d4d"

// OneMiB is the body recipe for the large-body vectors: 20-byte units
// ("conform/1MiB/" + "ü" (2 bytes) + "🎉" (4 bytes) + "\n"), cut at exactly
// 1 MiB = 52428 units + 16 bytes, which ends inside the emoji. A reader that
// expands by characters instead of bytes gets a different body and says so
// through body_sha256.
var OneMiB = Generate{Repeat: "conform/1MiB/ü🎉\n", Bytes: 1 << 20}

// def is one vector before rendering.
type def struct {
	Vector
	generate *Generate // non-nil: the body is stored as body_generate
}

func pretty(compact string, indent string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(compact), "", indent); err != nil {
		panic(fmt.Sprintf("vector body is not JSON: %v", err))
	}
	return buf.String()
}

// definitions returns the vectors of one profile, in file order.
func definitions(p signing.Profile) []def {
	b := veriffBodies
	if p.Provider == "shuftipro" {
		b = shuftiBodies
	}
	secret := secretFor(p.Name)
	sign := func(body []byte) string { return p.Sign(secret, body) }
	headers := func(sig string) map[string]string {
		h := map[string]string{p.Header: sig}
		if p.Provider == "veriff" {
			h["X-AUTH-CLIENT"] = testAPIKey
		}
		return h
	}
	id := func(s string) string { return p.Name + "/" + s }
	var out []def
	add := func(name, desc string, body []byte, hdr map[string]string, verdict, reason string) {
		out = append(out, def{Vector: Vector{
			ID: id(name), Description: desc, Profile: p.Name, Secret: secret,
			Body: body, Headers: hdr, Verdict: verdict, Reason: reason,
		}})
	}
	accept := func(name, desc string, body []byte) {
		add(name, desc, body, headers(sign(body)), Accept, "")
	}

	compact := []byte(b.compact)
	pretty2 := []byte(pretty(b.compact, "  "))
	prettyCRLF := bytes.ReplaceAll(pretty2, []byte("\n"), []byte("\r\n"))
	withNL := append([]byte(b.compact), '\n')

	// Accepted: one per way the bytes of a body can matter.
	accept("compact", "A compact JSON body, signed as sent.", compact)
	accept("pretty", "The same JSON value pretty-printed (two-space indent, LF, no trailing newline): different bytes, so a different signature than the compact form.", pretty2)
	accept("pretty-crlf", "The pretty-printed body with CRLF line ends: the CR bytes are signed too.", prettyCRLF)
	accept("trailing-newline", "The compact body followed by one LF; the newline is part of the signed bytes.", withNL)
	accept("unicode", "Raw UTF-8: diacritics, an apostrophe, Cyrillic, CJK, Arabic and an emoji. The UTF-8 bytes are signed.", []byte(b.unicode))
	accept("escapes", `JSON with \/ and \uXXXX escapes (including a surrogate pair). The signature covers the escaped bytes as sent, not the decoded text.`, []byte(b.escaped))
	accept("latin1-bytes", "A body that is not UTF-8 (ISO-8859-1 bytes). A verifier hashes the raw bytes and never decodes or re-encodes them.", b.latin1)
	accept("empty-body", "An empty body: the signature of zero payload bytes.", []byte{})
	big, err := OneMiB.Expand()
	if err != nil {
		panic(err)
	}
	out = append(out, def{Vector: Vector{
		ID: id("1mib"), Description: "A 1 MiB body from body_generate; it ends in the middle of a UTF-8 character, which a byte-level verifier does not notice.",
		Profile: p.Name, Secret: secret, Body: big, Headers: headers(sign(big)), Verdict: Accept,
	}, generate: &OneMiB})
	add("uppercase-hex", "The correct signature in uppercase hex. Accepted: hex is case-insensitive, and Veriff's own validator lowercases the header (\"digest === signature.toLowerCase()\"). Providers send lowercase.",
		compact, headers(strings.ToUpper(sign(compact))), Accept, "")
	if p.Provider == "veriff" {
		accept("get-session-id", "A Veriff GET request: the payload is the session id in the path, not a body.", []byte(veriffSessionID))
	}
	if p.Name == signing.ShuftiProLegacy.Name {
		add("same-formula-as-veriff-x-signature", "veriff-x-signature's signature of the same body and secret. Accepted because the two profiles share one formula, hex(sha256(payload || secret)); only the header name and the provider tell them apart.",
			compact, headers(signing.VeriffXSignature.Sign(secret, compact)), Accept, "")
	}

	// Rejected.
	good := sign(compact)
	add("wrong-secret", "Signed with a different secret.", compact, headers(p.Sign(wrongSecret, compact)), Reject, "signed with another secret")
	add("one-hex-digit-changed", "The correct signature with its last hex digit changed.", compact, headers(flipLastHex(good)), Reject, "one hex digit differs")
	add("truncated", "The correct signature without its last hex digit (63 characters).", compact, headers(good[:len(good)-1]), Reject, "truncated signature")
	add("half-length", "The first 32 hex digits of the correct signature: a verifier that compares only a prefix accepts it.", compact, headers(good[:32]), Reject, "truncated signature")
	add("empty-header-value", "The signature header is present but empty.", compact, headers(""), Reject, "empty signature")
	missing := headers(good)
	delete(missing, p.Header)
	add("missing-header", "No "+p.Header+" header at all.", compact, missing, Reject, "missing signature header")
	add("different-body", "A valid signature of a different body (another decision) sent with this body.", compact, headers(sign([]byte(b.different))), Reject, "signature of a different body")
	add("pretty-body-compact-signature", "The pretty-printed body sent with the compact body's signature: same JSON value, different bytes.", pretty2, headers(good), Reject, "signature of the compact form; the pretty-printed bytes differ")
	add("trailing-newline-stripped", "A body ending in LF sent with the signature of the body without it.", withNL, headers(good), Reject, "signature of the body without its trailing newline")
	add("escapes-decoded-signature", "The escaped body sent with the signature of the same JSON written without escapes: a verifier that re-serialises parsed JSON computes this value.", []byte(b.escaped), headers(sign([]byte(b.unescaped))), Reject, "signature of the decoded text, not of the escaped bytes sent")
	add("whitespace-around", "The correct signature with a space before and after it. Rejected: the value is not hex and is not trimmed.", compact, headers(" "+good+" "), Reject, "whitespace around the header value is not trimmed")
	add("trailing-newline-in-header", "The correct signature followed by a newline character.", compact, headers(good+"\n"), Reject, "whitespace around the header value is not trimmed")
	for _, other := range crossProfiles[p.Name] {
		op, err := signing.Lookup(other)
		if err != nil {
			panic(err)
		}
		reason := "signature of profile " + other
		if p.Provider == "shuftipro" && op.Provider == "shuftipro" {
			if p.Name == signing.ShuftiPro.Name {
				reason = "legacy Shufti scheme (plain secret) where the current scheme (hashed secret) is configured"
			} else {
				reason = "current Shufti scheme (hashed secret) where the legacy scheme (plain secret) is configured"
			}
		}
		add("other-profile-"+other, "The "+other+" signature ("+op.Formula+") of the same body and secret, sent in "+p.Header+".",
			compact, headers(op.Sign(secret, compact)), Reject, reason)
	}
	if p.Name == signing.VeriffXSignature.Name {
		out = append(out, documentDefs(p)...)
	}
	return out
}

// documentDefs are the Veriff document's own signature examples (X-SIGNATURE
// scheme). Only those reproducible from the document's text are accepts; the
// rest are listed in golden/README.md with the reason.
func documentDefs(p signing.Profile) []def {
	d := func(name, desc, secret, body, apiKey, sig, verdict, reason, source string) def {
		return def{Vector: Vector{
			ID: "veriff-x-signature/doc/" + name, Description: desc, Profile: p.Name, Secret: secret,
			Body:    []byte(body),
			Headers: map[string]string{"X-AUTH-CLIENT": apiKey, p.Header: sig},
			Verdict: verdict, Reason: reason, Source: source,
		}}
	}
	return []def{
		d("decision-webhook-curl", "The document's decision-webhook test curl; reproduces byte for byte.",
			"3c184872-6929-43d9-91d5-9e68468b5aa1", docWebhookCurlBody, "8e4f7cd8-7a19-4d7d-971f-a076407ee03c",
			"cdffd99617c46e20d37d1db6e4f1bfefb929409e36a59122b6de25c6924d3c65", Accept, "",
			`veriff-api-v1-docs.txt lines 2286-2292, "/webhooks /decision (POST)": "To validate this example signature and payload use Secret '3c184872-6929-43d9-91d5-9e68468b5aa1'." --header 'x-signature:cdffd996...'`),
		d("localhost-validation-curl", "The document's localhost validation curl; reproduces byte for byte with the secret Your-API-Secret.",
			"Your-API-Secret", docLocalhostCurlBody, "Your-API-Key",
			"cd0e28104516bc27b4506026d81d07e532b927440b84c4f01ac02d92a2b1419c", Accept, "",
			`veriff-api-v1-docs.txt lines 2031-2039, "Step 2 - Post some data to webhook listener for validation": "Below will return: Is signature valid: true if you use 'Your-API-Secret' for validating signature."`),
		d("localhost-validation-secret-spelling", "The localhost validation curl checked with the secret spelled 'Your-api-secret', as the document's Python samples spell it. Secrets are case-sensitive bytes.",
			"Your-api-secret", docLocalhostCurlBody, "Your-API-Key",
			"cd0e28104516bc27b4506026d81d07e532b927440b84c4f01ac02d92a2b1419c", Reject, "signed with 'Your-API-Secret'; the secret differs in case",
			`veriff-api-v1-docs.txt line 2032 ("Your-API-Secret") vs the Python samples' API_SECRET = 'Your-api-secret' (e.g. line 860)`),
		d("response-validation", "The document's 'Manual Validation' response body; reproduces byte for byte with the secret Your-API-Secret.",
			"Your-API-Secret", docResponseValidationBody, "Your-API-Key",
			"253e28b027ca93d323d524d437b13ccc06730bd08709aac0194725b63e50b556", Accept, "",
			`veriff-api-v1-docs.txt lines 2040-2053, "Manual Validation": "Note: current example can be encoded using \"Your-API-Secret\" for manual calculation"`),
		d("manual-generation-as-printed", "The document's 'Manual Generation' payload exactly as printed, with the hash the document gives for it. The printed body is not the body that was hashed.",
			"Your-API-Secret", docManualGenerationPrinted, "Your-API-Key",
			"dc813ed3551b64e2539a4e8c8b06945dcf82d2656a9700101ce4864fb81410fa", Reject,
			`document defect: dc813ed3... is the hash of a different body (four-space indentation and a "features": ["selfid"] member the printed payload lacks)`,
			`veriff-api-v1-docs.txt lines 1915-1969, "Manual Generation": "SHA-256 hash is: dc813ed3551b64e2539a4e8c8b06945dcf82d2656a9700101ce4864fb81410fa"`),
		d("manual-generation-reconstructed", `The body the document's dc813ed3... actually signs: the printed 'Manual Generation' payload plus the Python sample's "features": ["selfid"] before "timestamp", indented four spaces (Python json.dumps(payload, indent=4)), no trailing newline.`,
			"Your-API-Secret", docManualGenerationSigned, "Your-API-Key",
			"dc813ed3551b64e2539a4e8c8b06945dcf82d2656a9700101ce4864fb81410fa", Accept, "",
			`veriff-api-v1-docs.txt line 1964 (the hash) with the payload of lines 1917-1938 and 'features': ['selfid'] from the Python sample at lines 881-883 (session-create sample, lines 856-884)`),
	}
}

// flipLastHex changes the last hex digit of s to a different hex digit.
func flipLastHex(s string) string {
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}
