// Package vectors loads and checks the golden signature vectors in
// golden/vectors/*.json, and generates those files from the definitions in
// this package (go run ./vectors/gen).
//
// A vector is one signed request: a profile, a secret, the exact body bytes,
// the headers a provider (or an attacker) sent, and the verdict a correct
// verifier reaches: "accept" or "reject". The file format is language-neutral
// and documented in golden/README.md; the Python and Node consumers in
// golden/consumers read the same files with their own crypto.
package vectors

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/conform-kit/conform/signing"
)

// Dir is where the vector files live, relative to the repository root.
const Dir = "golden/vectors"

// Format identifies the file format version; a reader refuses other versions
// rather than misreading them.
const Format = "conform-signature-vectors/v1"

// Verdicts a vector can carry.
const (
	Accept = "accept"
	Reject = "reject"
)

// Vector is one signature test case, with its body already expanded to bytes.
type Vector struct {
	ID          string
	Description string
	Profile     string
	Secret      string
	Body        []byte
	Headers     map[string]string
	Verdict     string
	Reason      string
	Source      string
}

// file is the on-disk form of one golden/vectors/<profile>.json.
type file struct {
	Format             string   `json:"format"`
	Profile            string   `json:"profile"`
	Provider           string   `json:"provider"`
	Header             string   `json:"header"`
	Formula            string   `json:"formula"`
	SecretsAreTestOnly bool     `json:"secrets_are_test_only"`
	SecretsNote        string   `json:"secrets_note"`
	GeneratedBy        string   `json:"generated_by"`
	Vectors            []record `json:"vectors"`
}

// record is the on-disk form of one vector. The body is given by body (UTF-8
// text), body_base64 (exact bytes) or body_generate (a compact recipe for large
// bodies); body_length and body_sha256 let every reader prove it expanded the
// body to the same bytes before it computes a signature.
type record struct {
	ID           string            `json:"id"`
	Description  string            `json:"description"`
	Profile      string            `json:"profile"`
	Secret       string            `json:"secret"`
	Body         *string           `json:"body,omitempty"`
	BodyBase64   *string           `json:"body_base64,omitempty"`
	BodyGenerate *Generate         `json:"body_generate,omitempty"`
	BodyLength   int               `json:"body_length"`
	BodySHA256   string            `json:"body_sha256"`
	Headers      map[string]string `json:"headers"`
	Verdict      string            `json:"verdict"`
	Reason       string            `json:"reason,omitempty"`
	Source       string            `json:"source,omitempty"`
}

// Generate describes a body too large to store literally: the UTF-8 bytes of
// Repeat, repeated, cut to exactly Bytes bytes. The cut is over bytes, so it
// may split a multi-byte character; the result need not be valid UTF-8.
type Generate struct {
	Repeat string `json:"repeat"`
	Bytes  int    `json:"bytes"`
}

// maxGeneratedBytes bounds body_generate so a corrupt file cannot make a reader
// allocate without limit.
const maxGeneratedBytes = 16 << 20

// Expand returns the body the recipe describes.
func (g Generate) Expand() ([]byte, error) {
	if g.Repeat == "" {
		return nil, errors.New("body_generate.repeat is empty")
	}
	if g.Bytes < 0 || g.Bytes > maxGeneratedBytes {
		return nil, fmt.Errorf("body_generate.bytes %d outside 0..%d", g.Bytes, maxGeneratedBytes)
	}
	unit := []byte(g.Repeat)
	n := g.Bytes/len(unit) + 1
	return bytes.Repeat(unit, n)[:g.Bytes], nil
}

// Load reads every golden/vectors/*.json from fsys, which is rooted at the
// repository root (conform.Files or os.DirFS(root)). It validates each file
// completely — format, test-only secrets, body encodings against their length
// and SHA-256, verdicts, unique ids — so a damaged file fails here with a
// one-line error instead of producing a misleading verdict later.
func Load(fsys fs.FS) ([]Vector, error) {
	names, err := fs.Glob(fsys, Dir+"/*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no vector files in %s", Dir)
	}
	sort.Strings(names)
	var out []Vector
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		vs, err := parseFile(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, v := range vs {
			if prev, dup := seen[v.ID]; dup {
				return nil, fmt.Errorf("%s: vector id %q already used in %s", name, v.ID, prev)
			}
			seen[v.ID] = name
		}
		out = append(out, vs...)
	}
	return out, nil
}

func parseFile(data []byte) ([]Vector, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("invalid vector file: %w", err)
	}
	if f.Format != Format {
		return nil, fmt.Errorf("format %q, want %q", f.Format, Format)
	}
	if !f.SecretsAreTestOnly {
		return nil, errors.New(`"secrets_are_test_only" must be true: vector files never hold real secrets`)
	}
	p, err := signing.Lookup(f.Profile)
	if err != nil {
		return nil, err
	}
	if f.Provider != p.Provider || f.Header != p.Header {
		return nil, fmt.Errorf("profile %s: provider/header %q/%q, want %q/%q", p.Name, f.Provider, f.Header, p.Provider, p.Header)
	}
	if len(f.Vectors) == 0 {
		return nil, errors.New("no vectors")
	}
	out := make([]Vector, 0, len(f.Vectors))
	for i, r := range f.Vectors {
		v, err := r.vector()
		if err != nil {
			id := r.ID
			if id == "" {
				id = fmt.Sprintf("#%d", i)
			}
			return nil, fmt.Errorf("vector %s: %w", id, err)
		}
		if v.Profile != f.Profile {
			return nil, fmt.Errorf("vector %s: profile %q in the file of profile %q", v.ID, v.Profile, f.Profile)
		}
		out = append(out, v)
	}
	return out, nil
}

func (r record) vector() (Vector, error) {
	if r.ID == "" || r.Description == "" || r.Profile == "" {
		return Vector{}, errors.New("id, description and profile are required")
	}
	if r.Secret == "" {
		return Vector{}, errors.New("secret is required")
	}
	switch r.Verdict {
	case Accept:
		if r.Reason != "" {
			return Vector{}, errors.New("an accepted vector has no reason")
		}
	case Reject:
		if r.Reason == "" {
			return Vector{}, errors.New("a rejected vector needs a reason")
		}
	default:
		return Vector{}, fmt.Errorf("verdict %q, want %q or %q", r.Verdict, Accept, Reject)
	}
	body, err := r.body()
	if err != nil {
		return Vector{}, err
	}
	if len(body) != r.BodyLength {
		return Vector{}, fmt.Errorf("body is %d bytes, body_length says %d", len(body), r.BodyLength)
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != r.BodySHA256 {
		return Vector{}, fmt.Errorf("body SHA-256 is %x, body_sha256 says %s", sum, r.BodySHA256)
	}
	if r.Headers == nil {
		return Vector{}, errors.New("headers is required (may be empty: {})")
	}
	return Vector{
		ID: r.ID, Description: r.Description, Profile: r.Profile, Secret: r.Secret,
		Body: body, Headers: r.Headers, Verdict: r.Verdict, Reason: r.Reason, Source: r.Source,
	}, nil
}

// body resolves the three body encodings. body and body_base64 may both be
// present (text for humans, bytes for machines) and must then agree.
func (r record) body() ([]byte, error) {
	if r.BodyGenerate != nil {
		if r.Body != nil || r.BodyBase64 != nil {
			return nil, errors.New("body_generate excludes body and body_base64")
		}
		return r.BodyGenerate.Expand()
	}
	switch {
	case r.BodyBase64 != nil:
		b, err := base64.StdEncoding.Strict().DecodeString(*r.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("body_base64: %w", err)
		}
		if r.Body != nil && *r.Body != string(b) {
			return nil, errors.New("body and body_base64 disagree")
		}
		return b, nil
	case r.Body != nil:
		return []byte(*r.Body), nil
	}
	return nil, errors.New("one of body, body_base64, body_generate is required")
}

// Header returns the value of header name in h, matching the name
// case-insensitively as HTTP does.
func Header(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// Verdict is what the signing package decides for v: accept when the
// profile's header is present and verifies over v.Body with v.Secret.
func Verdict(v Vector) (string, error) {
	p, err := signing.Lookup(v.Profile)
	if err != nil {
		return "", err
	}
	got, ok := Header(v.Headers, p.Header)
	if ok && p.Verify(v.Secret, v.Body, got) {
		return Accept, nil
	}
	return Reject, nil
}

// Check returns nil when the signing package's verdict on v equals
// v.Verdict, and otherwise an error naming the vector, the expected and the
// actual verdict. It never prints the secret.
func Check(v Vector) error {
	got, err := Verdict(v)
	if err != nil {
		return fmt.Errorf("vector %s: %w", v.ID, err)
	}
	if got != v.Verdict {
		why := ""
		if v.Verdict == Reject && v.Reason != "" {
			why = " (" + v.Reason + ")"
		}
		return fmt.Errorf("vector %s: expected %s%s, got %s", v.ID, v.Verdict, why, got)
	}
	return nil
}

// FileName is the vector file of a profile, relative to the repository root.
func FileName(profile string) string { return path.Join(Dir, profile+".json") }

// needsBase64 reports whether a body's bytes are easy to get wrong when read
// as text: empty, trailing newline, control characters, backslash escapes,
// non-ASCII or invalid UTF-8. Those vectors carry body_base64 as well.
func needsBase64(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) || bytes.HasSuffix(b, []byte("\n")) {
		return true
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e || c == '\\' {
			return true
		}
	}
	return false
}
