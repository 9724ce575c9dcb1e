package vectors

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/conform-kit/conform/signing"
)

// Render returns the content of every vector file, keyed by its path relative
// to the repository root. The output is deterministic: the drift test compares
// it with the committed files byte for byte.
func Render() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, p := range signing.Profiles() {
		data, err := renderProfile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		out[FileName(p.Name)] = data
	}
	return out, nil
}

func renderProfile(p signing.Profile) ([]byte, error) {
	f := file{
		Format: Format, Profile: p.Name, Provider: p.Provider, Header: p.Header, Formula: p.Formula,
		SecretsAreTestOnly: true, SecretsNote: secretsNote, GeneratedBy: GeneratedBy,
	}
	for _, d := range definitions(p) {
		r, err := d.record()
		if err != nil {
			return nil, err
		}
		f.Vectors = append(f.Vectors, r)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// The files are read by people and by other languages: keep <, >, & and
	// non-ASCII as themselves instead of Go's default \u003c-style escaping.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	// Round-trip through the loader so the generator can never write a file
	// the loader refuses.
	if _, err := parseFile(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("generated file does not load: %w", err)
	}
	return buf.Bytes(), nil
}

func (d def) record() (record, error) {
	v := d.Vector
	sum := sha256.Sum256(v.Body)
	r := record{
		ID: v.ID, Description: v.Description, Profile: v.Profile, Secret: v.Secret,
		BodyLength: len(v.Body), BodySHA256: hex.EncodeToString(sum[:]),
		Headers: v.Headers, Verdict: v.Verdict, Reason: v.Reason, Source: v.Source,
	}
	switch {
	case d.generate != nil:
		g := *d.generate
		r.BodyGenerate = &g
	default:
		if utf8.Valid(v.Body) {
			s := string(v.Body)
			r.Body = &s
		}
		if needsBase64(v.Body) {
			s := base64.StdEncoding.EncodeToString(v.Body)
			r.BodyBase64 = &s
		}
	}
	// A definition whose verdict the signing package disagrees with is a
	// mistake in the definitions; refuse to write it.
	if err := Check(v); err != nil {
		return record{}, fmt.Errorf("definition disagrees with the signing package: %w", err)
	}
	return r, nil
}
