package vectors

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/signing"
)

// repo is the repository root as seen from this package's directory.
var repo = os.DirFS("..")

func loadRepo(t *testing.T) []Vector {
	t.Helper()
	vs, err := Load(repo)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return vs
}

func TestEveryCommittedVectorChecks(t *testing.T) {
	vs := loadRepo(t)
	if len(vs) < 100 {
		t.Fatalf("only %d vectors loaded", len(vs))
	}
	verdicts := map[string]int{}
	for _, v := range vs {
		if err := Check(v); err != nil {
			t.Error(err)
		}
		verdicts[v.Verdict]++
	}
	if verdicts[Accept] == 0 || verdicts[Reject] == 0 {
		t.Fatalf("need both verdicts, have %v", verdicts)
	}
}

// The embedded copy (what the conform binary ships) must be the same vectors.
func TestLoadEmbeddedEqualsDisk(t *testing.T) {
	disk := loadRepo(t)
	emb, err := Load(conform.Files)
	if err != nil {
		t.Fatalf("Load(conform.Files): %v", err)
	}
	if len(emb) != len(disk) {
		t.Fatalf("embedded %d vectors, disk %d", len(emb), len(disk))
	}
	for i := range disk {
		if emb[i].ID != disk[i].ID || !bytes.Equal(emb[i].Body, disk[i].Body) {
			t.Fatalf("vector %d differs: %s vs %s", i, emb[i].ID, disk[i].ID)
		}
	}
}

// independentDigest recomputes the four formulas from the documents with the
// standard library directly, not through package signing, so that a bug in
// signing cannot be copied into the vectors unnoticed.
func independentDigest(t *testing.T, profile string, secret, payload []byte) string {
	t.Helper()
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	switch profile {
	case "veriff-x-signature", "shuftipro-legacy":
		s := sha256.Sum256(cat(payload, secret))
		return hex.EncodeToString(s[:])
	case "veriff-hmac":
		m := hmac.New(sha256.New, secret)
		m.Write(payload)
		return hex.EncodeToString(m.Sum(nil))
	case "shuftipro":
		hs := sha256.Sum256(secret)
		s := sha256.Sum256(cat(payload, []byte(hex.EncodeToString(hs[:]))))
		return hex.EncodeToString(s[:])
	}
	t.Fatalf("unknown profile %q", profile)
	return ""
}

var headerOf = map[string]string{
	"veriff-x-signature": "X-SIGNATURE", "veriff-hmac": "X-HMAC-SIGNATURE",
	"shuftipro": "Signature", "shuftipro-legacy": "Signature",
}

var hex64 = regexp.MustCompile(`\A[0-9a-fA-F]{64}\z`)

func TestVerdictsRecomputedIndependently(t *testing.T) {
	for _, v := range loadRepo(t) {
		want := independentDigest(t, v.Profile, []byte(v.Secret), v.Body)
		got, present := Header(v.Headers, headerOf[v.Profile])
		ok := present && hex64.MatchString(got) && strings.ToLower(got) == want
		verdict := Reject
		if ok {
			verdict = Accept
		}
		if verdict != v.Verdict {
			t.Errorf("%s: independent verdict %s, file says %s", v.ID, verdict, v.Verdict)
		}
	}
}

func TestCommittedFilesMatchGenerator(t *testing.T) {
	files, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := fs.Glob(repo, Dir+"/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var rendered []string
	for name := range files {
		rendered = append(rendered, name)
	}
	sort.Strings(rendered)
	if strings.Join(onDisk, ",") != strings.Join(rendered, ",") {
		t.Fatalf("files on disk %v, generator writes %v; run go run ./vectors/gen", onDisk, rendered)
	}
	for _, name := range rendered {
		disk, err := fs.ReadFile(repo, name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(disk, files[name]) {
			t.Errorf("%s differs from what the generator writes; run go run ./vectors/gen", name)
		}
	}
}

// Every profile covers every case the format promises, so a deleted vector is
// a failing test, not a silent gap.
func TestCoverage(t *testing.T) {
	ids := map[string]Vector{}
	for _, v := range loadRepo(t) {
		ids[v.ID] = v
	}
	common := []string{
		"compact", "pretty", "pretty-crlf", "trailing-newline", "unicode", "escapes", "latin1-bytes",
		"empty-body", "1mib", "uppercase-hex",
		"wrong-secret", "one-hex-digit-changed", "truncated", "half-length", "empty-header-value",
		"missing-header", "different-body", "pretty-body-compact-signature", "trailing-newline-stripped",
		"escapes-decoded-signature", "whitespace-around", "trailing-newline-in-header",
	}
	for _, p := range signing.Profiles() {
		want := append([]string(nil), common...)
		for _, o := range crossProfiles[p.Name] {
			want = append(want, "other-profile-"+o)
		}
		if p.Provider == "veriff" {
			want = append(want, "get-session-id")
		}
		for _, w := range want {
			if _, ok := ids[p.Name+"/"+w]; !ok {
				t.Errorf("missing vector %s/%s", p.Name, w)
			}
		}
	}
	// Cross-profile rejections: same provider's other profiles, and one of
	// the other provider.
	for _, p := range signing.Profiles() {
		same, other := 0, 0
		for _, o := range crossProfiles[p.Name] {
			op, _ := signing.Lookup(o)
			if op.Provider == p.Provider {
				same++
			} else {
				other++
			}
		}
		if same != len(signing.ForProvider(p.Provider))-1 || other != 1 {
			t.Errorf("%s: cross profiles %v", p.Name, crossProfiles[p.Name])
		}
	}
	// The document's reproducible examples are accepts with the document's
	// own header values; the as-printed manual example is a rejection.
	docs := map[string]string{
		"veriff-x-signature/doc/decision-webhook-curl":           "cdffd99617c46e20d37d1db6e4f1bfefb929409e36a59122b6de25c6924d3c65",
		"veriff-x-signature/doc/localhost-validation-curl":       "cd0e28104516bc27b4506026d81d07e532b927440b84c4f01ac02d92a2b1419c",
		"veriff-x-signature/doc/response-validation":             "253e28b027ca93d323d524d437b13ccc06730bd08709aac0194725b63e50b556",
		"veriff-x-signature/doc/manual-generation-reconstructed": "dc813ed3551b64e2539a4e8c8b06945dcf82d2656a9700101ce4864fb81410fa",
	}
	for id, sig := range docs {
		v, ok := ids[id]
		if !ok || v.Verdict != Accept || v.Headers["X-SIGNATURE"] != sig {
			t.Errorf("document example %s missing or changed: %+v", id, v.Headers)
		}
	}
	if v := ids["veriff-x-signature/doc/manual-generation-as-printed"]; v.Verdict != Reject {
		t.Errorf("manual-generation-as-printed should be a rejection")
	}
}

func TestCheckReportsMismatch(t *testing.T) {
	vs := loadRepo(t)
	var acc, rej Vector
	for _, v := range vs {
		if v.ID == "veriff-hmac/compact" {
			acc = v
		}
		if v.ID == "shuftipro/other-profile-shuftipro-legacy" {
			rej = v
		}
	}
	flipped := acc
	flipped.Verdict = Reject
	err := Check(flipped)
	if err == nil || !strings.Contains(err.Error(), "expected reject") || !strings.Contains(err.Error(), "got accept") {
		t.Fatalf("flipped accept: %v", err)
	}
	if strings.Contains(err.Error(), acc.Secret) {
		t.Fatal("Check error reveals the secret")
	}
	tampered := acc
	tampered.Body = append(append([]byte(nil), acc.Body...), ' ')
	if err := Check(tampered); err == nil || !strings.Contains(err.Error(), "got reject") {
		t.Fatalf("tampered body: %v", err)
	}
	flippedRej := rej
	flippedRej.Verdict = Accept
	if err := Check(flippedRej); err == nil || !strings.Contains(err.Error(), "expected accept, got reject") {
		t.Fatalf("flipped reject: %v", err)
	}
	unknown := acc
	unknown.Profile = "no-such-profile"
	if err := Check(unknown); err == nil || !strings.Contains(err.Error(), "unknown signing profile") {
		t.Fatalf("unknown profile: %v", err)
	}
}

func TestHeaderIsCaseInsensitive(t *testing.T) {
	v, ok := Header(map[string]string{"x-hmac-signature": "ab"}, "X-HMAC-SIGNATURE")
	if !ok || v != "ab" {
		t.Fatalf("got %q %v", v, ok)
	}
	if _, ok := Header(map[string]string{"X-SIGNATURE": "ab"}, "X-HMAC-SIGNATURE"); ok {
		t.Fatal("matched a different header")
	}
}

func TestOneMiBExpansion(t *testing.T) {
	b, err := OneMiB.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1<<20 {
		t.Fatalf("len %d", len(b))
	}
	unit := []byte(OneMiB.Repeat)
	if len(unit) != 20 || !bytes.HasPrefix(b, unit) {
		t.Fatalf("unit %q is %d bytes", unit, len(unit))
	}
	// 1 MiB = 52428 units + 16 bytes: ends inside the 4-byte emoji, on purpose.
	if want := append(bytes.Repeat(unit, 52428), unit[:16]...); !bytes.Equal(b, want) {
		t.Fatal("expansion differs from unit*52428 + unit[:16]")
	}
	if utf8.Valid(b) {
		t.Fatal("the 1 MiB body should end mid-character")
	}
	for _, g := range []Generate{{Repeat: "", Bytes: 1}, {Repeat: "a", Bytes: -1}, {Repeat: "a", Bytes: maxGeneratedBytes + 1}} {
		if _, err := g.Expand(); err == nil {
			t.Errorf("Expand(%+v) accepted", g)
		}
	}
}

// corrupt applies edit to the decoded form of a rendered file and re-encodes it.
func corrupt(t *testing.T, data []byte, edit func(f map[string]any)) []byte {
	t.Helper()
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	edit(f)
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadRefusesDamagedFiles(t *testing.T) {
	files, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	name := FileName("veriff-hmac")
	good := files[name]
	first := func(f map[string]any) map[string]any { return f["vectors"].([]any)[0].(map[string]any) }
	cases := []struct {
		name string
		edit func(f map[string]any)
		want string
	}{
		{"secrets not marked", func(f map[string]any) { f["secrets_are_test_only"] = false }, "secrets_are_test_only"},
		{"other format", func(f map[string]any) { f["format"] = "v0" }, "format"},
		{"unknown profile", func(f map[string]any) { f["profile"] = "nope" }, "unknown signing profile"},
		{"wrong header", func(f map[string]any) { f["header"] = "X-SIGNATURE" }, "provider/header"},
		{"unknown field", func(f map[string]any) { f["extra"] = 1 }, "unknown field"},
		{"no vectors", func(f map[string]any) { f["vectors"] = []any{} }, "no vectors"},
		{"body sha", func(f map[string]any) { first(f)["body_sha256"] = strings.Repeat("0", 64) }, "body SHA-256"},
		{"body length", func(f map[string]any) { first(f)["body_length"] = 1 }, "body_length"},
		{"bad verdict", func(f map[string]any) { first(f)["verdict"] = "maybe" }, "verdict"},
		{"reject without reason", func(f map[string]any) { first(f)["verdict"] = "reject" }, "needs a reason"},
		{"accept with reason", func(f map[string]any) { first(f)["reason"] = "x" }, "no reason"},
		{"no body", func(f map[string]any) { delete(first(f), "body") }, "one of body"},
		{"body vs base64", func(f map[string]any) { first(f)["body_base64"] = "e30=" }, "disagree"},
		{"bad base64", func(f map[string]any) { first(f)["body_base64"] = "!!" }, "body_base64"},
		{"no secret", func(f map[string]any) { first(f)["secret"] = "" }, "secret is required"},
		{"profile mismatch", func(f map[string]any) { first(f)["profile"] = "shuftipro" }, "in the file of profile"},
		{"no headers", func(f map[string]any) { delete(first(f), "headers") }, "headers is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{name: {Data: corrupt(t, good, c.edit)}}
			_, err := Load(fsys)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error does not name the file: %v", err)
			}
		})
	}
	t.Run("duplicate id across files", func(t *testing.T) {
		fsys := fstest.MapFS{name: {Data: good}, Dir + "/copy.json": {Data: good}}
		if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), "already used") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no files", func(t *testing.T) {
		if _, err := Load(fstest.MapFS{}); err == nil {
			t.Fatal("empty tree loaded")
		}
	})
	t.Run("untouched file loads", func(t *testing.T) {
		if _, err := Load(fstest.MapFS{name: {Data: good}}); err != nil {
			t.Fatal(err)
		}
	})
}

// The bodies that need exact bytes carry body_base64; a body that is not
// UTF-8 carries only body_base64.
func TestBase64WhereBytesMatter(t *testing.T) {
	files, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	var f file
	if err := json.Unmarshal(files[FileName("shuftipro")], &f); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Vectors {
		switch strings.TrimPrefix(r.ID, "shuftipro/") {
		case "unicode", "escapes", "trailing-newline", "empty-body", "pretty":
			if r.BodyBase64 == nil || r.Body == nil {
				t.Errorf("%s: want body and body_base64", r.ID)
			}
		case "latin1-bytes":
			if r.BodyBase64 == nil || r.Body != nil {
				t.Errorf("%s: want body_base64 only", r.ID)
			}
		case "compact":
			if r.BodyBase64 != nil {
				t.Errorf("%s: plain ASCII needs no body_base64", r.ID)
			}
		case "1mib":
			if r.BodyGenerate == nil || r.Body != nil || r.BodyBase64 != nil {
				t.Errorf("%s: want body_generate only", r.ID)
			}
		}
	}
}
