// Package signing implements the four ways the supported providers sign a
// payload, as named signing profiles. A profile is pure data plus a digest
// function: the harness, the mock, the golden vectors and the CLI all sign and
// verify through this one package, so the formulas exist exactly once.
//
// The formulas, with the document that states each:
//
//	veriff-x-signature  X-SIGNATURE      = hex(sha256(payload || secret))
//	                    veriff-api-v1-docs.txt, "Generating the X-SIGNATURE header"
//	veriff-hmac         X-HMAC-SIGNATURE = hex(hmac_sha256(key=secret, payload))
//	                    shared/providers/README.md (Veriff's current public API)
//	shuftipro           Signature        = hex(sha256(payload || hex(sha256(secret))))
//	                    shuftipro-responses-docs.txt, "Response Signature"
//	shuftipro-legacy    Signature        = hex(sha256(payload || secret))
//	                    same section: clients registered before 15 March 2023
//
// The payload is the raw body for webhooks and for POST/PATCH requests, and the
// id in the path (session, attempt, media or timestamp id) for Veriff GETs.
package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Profile is one signing scheme of one provider.
type Profile struct {
	// Name is the stable identifier used by flags, vectors and reports.
	Name string
	// Provider is "veriff" or "shuftipro".
	Provider string
	// Header is the HTTP header that carries the signature.
	Header string
	// Formula is the human-readable definition printed in diagnostics.
	Formula string
	// Source quotes the provider document that defines the formula.
	Source string

	digest func(secret, payload []byte) []byte
}

// The four profiles. They are values, not pointers, so callers cannot mutate
// the shared definitions.
var (
	VeriffXSignature = Profile{
		Name:     "veriff-x-signature",
		Provider: "veriff",
		Header:   "X-SIGNATURE",
		Formula:  "hex(sha256(payload || secret))",
		Source:   `veriff-api-v1-docs.txt, "Generating the X-SIGNATURE header": "The X-SIGNATURE is a SHA-256 hex encoded hash of the concatenation of the request body and your API secret."`,
		digest:   appendedSecret,
	}
	VeriffHMAC = Profile{
		Name:     "veriff-hmac",
		Provider: "veriff",
		Header:   "X-HMAC-SIGNATURE",
		Formula:  "hex(hmac_sha256(key=secret, payload))",
		Source:   `shared/providers/README.md: "X-HMAC-SIGNATURE: the lowercase hex HMAC-SHA256 of the payload, keyed with the shared secret"`,
		digest:   hmacSHA256,
	}
	ShuftiPro = Profile{
		Name:     "shuftipro",
		Provider: "shuftipro",
		Header:   "Signature",
		Formula:  "hex(sha256(payload || hex(sha256(secret))))",
		Source:   `shuftipro-responses-docs.txt, "Response Signature": "hash('sha256', response . hash('sha256', secret_key))"`,
		digest:   hashedSecret,
	}
	ShuftiProLegacy = Profile{
		Name:     "shuftipro-legacy",
		Provider: "shuftipro",
		Header:   "Signature",
		Formula:  "hex(sha256(payload || secret))",
		Source:   `shuftipro-responses-docs.txt, "Response Signature": "The clients registered with shuftipro before 15th March 2023 or have not updated the secret key from the back office. They don't need to take SHA256 of the Secret key."`,
		digest:   appendedSecret,
	}
)

var all = []Profile{VeriffXSignature, VeriffHMAC, ShuftiPro, ShuftiProLegacy}

// Profiles returns every profile, in a stable order.
func Profiles() []Profile { return append([]Profile(nil), all...) }

// Names returns the profile names, sorted.
func Names() []string {
	names := make([]string, 0, len(all))
	for _, p := range all {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// ForProvider returns the profiles of one provider, default first.
func ForProvider(provider string) []Profile {
	var out []Profile
	for _, p := range all {
		if p.Provider == provider {
			out = append(out, p)
		}
	}
	return out
}

// Lookup finds a profile by name.
func Lookup(name string) (Profile, error) {
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("unknown signing profile %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Digest returns the raw digest bytes of payload under this profile.
func (p Profile) Digest(secret string, payload []byte) []byte {
	return p.digest([]byte(secret), payload)
}

// Sign returns the header value a provider would send: lowercase hex, as every
// document's sample code produces (Node's digest('hex'), PHP's hash()).
func (p Profile) Sign(secret string, payload []byte) string {
	return hex.EncodeToString(p.Digest(secret, payload))
}

// Verify reports whether got is this profile's signature of payload.
//
// Hex is compared case-insensitively: the value is decoded and the digests are
// compared in constant time. Veriff's own validator in the document lowercases
// the received header before comparing ("return digest === signature.toLowerCase()"),
// and hex is a case-insensitive encoding, so an uppercase signature of the right
// digest is the same signature. Surrounding white space is not trimmed: a header
// value with spaces is not a hex digest, and a verifier that trims hides a bug in
// the sender.
func (p Profile) Verify(secret string, payload []byte, got string) bool {
	want := p.Digest(secret, payload)
	dec, err := hex.DecodeString(got)
	if err != nil || len(dec) != len(want) {
		return false
	}
	return subtle.ConstantTimeCompare(dec, want) == 1
}

func appendedSecret(secret, payload []byte) []byte {
	h := sha256.New()
	h.Write(payload)
	h.Write(secret)
	return h.Sum(nil)
}

func hashedSecret(secret, payload []byte) []byte {
	hs := sha256.Sum256(secret)
	h := sha256.New()
	h.Write(payload)
	h.Write([]byte(hex.EncodeToString(hs[:])))
	return h.Sum(nil)
}

func hmacSHA256(secret, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(payload)
	return m.Sum(nil)
}
