package signing_test

import (
	"strings"
	"testing"

	"github.com/conform-kit/conform/signing"
)

// Known answers. Every expected value below was computed outside Go, with
// OpenSSL and Python's hashlib/hmac (commands in the comments), so these tests
// check the formulas, not the code against itself.

func TestKnownAnswers(t *testing.T) {
	unicodeSecret := "test-only-secret/Zoë-🎉"
	unicodePayload := []byte(`{"name":"Ярослава"}`)
	cases := []struct {
		name    string
		profile signing.Profile
		secret  string
		payload []byte
		want    string
	}{
		// printf abc | openssl dgst -sha256  (payload "ab" || secret "c")
		{"x-signature concatenation", signing.VeriffXSignature, "c", []byte("ab"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"legacy concatenation", signing.ShuftiProLegacy, "c", []byte("ab"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		// RFC 4231 test case 2: HMAC-SHA-256(key "Jefe", "what do ya want for nothing?")
		{"hmac RFC 4231 case 2", signing.VeriffHMAC, "Jefe", []byte("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		// printf '%s' "ab$(printf abc | openssl dgst -sha256 -r | cut -d' ' -f1)" | openssl dgst -sha256
		{"shufti hashed secret", signing.ShuftiPro, "abc", []byte("ab"), "195389f948c1f67ff773a29a3d6bf4247b7a0d2804efb97d3e4d764b26a3c43b"},
		// printf ba7816bf...15ad | openssl dgst -sha256
		{"shufti empty payload", signing.ShuftiPro, "abc", []byte{}, "dfe7a23fefeea519e9bbfdd1a6be94c4b2e4529dd6b7cbea83f9959c2621b13c"},
		// Python: hashlib.sha256(p + s).hexdigest() etc. with s, p the UTF-8 bytes below.
		{"x-signature unicode", signing.VeriffXSignature, unicodeSecret, unicodePayload, "11c36cd8af205a80dab771627b1c21b2de233e3956706279e61f449b3d84d1ef"},
		{"hmac unicode", signing.VeriffHMAC, unicodeSecret, unicodePayload, "024363b4ceacbdb5113c7c96a9d14275a5ce6881f8b73c03bb0b8cb8bf763216"},
		{"shufti unicode", signing.ShuftiPro, unicodeSecret, unicodePayload, "2b55eeccbd522dd6c1bd3babd214449333a9fd38516e022bfb38f016bcf20843"},
		{"x-signature empty payload", signing.VeriffXSignature, unicodeSecret, nil, "2a0a380b5bd7366479cabe0bc085707d925c9bdb7096010df7d65b8aa42e7192"},
		{"hmac empty payload", signing.VeriffHMAC, unicodeSecret, nil, "b3a42bc4940d5d6ff660c0a9bb772e70edc28dde853933d893f1faad88fba17b"},
		{"shufti empty payload unicode secret", signing.ShuftiPro, unicodeSecret, nil, "d2d0a3c732d62f414cd8c692784ff4014bde32a61d33a37845abdb93b5cc23e5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.profile.Sign(c.secret, c.payload); got != c.want {
				t.Fatalf("%s.Sign = %s, want %s", c.profile.Name, got, c.want)
			}
			if !c.profile.Verify(c.secret, c.payload, c.want) {
				t.Fatalf("%s.Verify rejects its known answer", c.profile.Name)
			}
		})
	}
}

// The Veriff document's own signature examples (cdffd996…, cd0e2810…,
// 253e28b0…, and dc813ed3… both as printed and reconstructed) are golden
// vectors with their literal hashes (vectors/defs.go); vectors' tests check
// each one through this package and with independent crypto.

func TestVerifyPolicy(t *testing.T) {
	const secret = "test-only-secret"
	payload := []byte(`{"status":"success"}`)
	for _, p := range signing.Profiles() {
		good := p.Sign(secret, payload)
		if good != strings.ToLower(good) || len(good) != 64 {
			t.Errorf("%s: Sign must give 64 lowercase hex digits, got %q", p.Name, good)
		}
		flip := good[:63] + map[bool]string{true: "1", false: "0"}[good[63] == '0']
		cases := []struct {
			name string
			got  string
			want bool
		}{
			{"exact", good, true},
			{"uppercase hex", strings.ToUpper(good), true},
			{"mixed case hex", strings.ToUpper(good[:32]) + good[32:], true},
			{"leading space", " " + good, false},
			{"trailing space", good + " ", false},
			{"trailing newline", good + "\n", false},
			{"one digit changed", flip, false},
			{"truncated odd", good[:63], false},
			{"truncated even", good[:62], false},
			{"prefix", good[:32], false},
			{"too long", good + "00", false},
			{"empty", "", false},
			{"not hex", strings.Repeat("g", 64), false},
			{"base64 of digest", "ZmFrZQ==", false},
		}
		for _, c := range cases {
			if got := p.Verify(secret, payload, c.got); got != c.want {
				t.Errorf("%s / %s: Verify = %v, want %v", p.Name, c.name, got, c.want)
			}
		}
		if p.Verify("test-only-secreT", payload, good) {
			t.Errorf("%s: accepted a signature made with another secret", p.Name)
		}
		if p.Verify(secret, append(payload, '\n'), good) {
			t.Errorf("%s: accepted a signature of a different body", p.Name)
		}
		if d := p.Digest(secret, payload); len(d) != 32 {
			t.Errorf("%s: digest is %d bytes", p.Name, len(d))
		}
	}
}

func TestProfilesAreDistinct(t *testing.T) {
	const secret = "test-only-secret"
	payload := []byte("payload")
	sigs := map[string]string{}
	for _, p := range signing.Profiles() {
		sigs[p.Name] = p.Sign(secret, payload)
	}
	// Two pairs must differ; one pair is the same formula by definition.
	if sigs["veriff-x-signature"] != sigs["shuftipro-legacy"] {
		t.Error("veriff-x-signature and shuftipro-legacy are both hex(sha256(payload || secret))")
	}
	for _, pair := range [][2]string{{"veriff-x-signature", "veriff-hmac"}, {"shuftipro", "shuftipro-legacy"}, {"shuftipro", "veriff-x-signature"}, {"veriff-hmac", "shuftipro"}} {
		if sigs[pair[0]] == sigs[pair[1]] {
			t.Errorf("%s and %s give the same signature", pair[0], pair[1])
		}
	}
}

func TestRegistry(t *testing.T) {
	want := map[string][2]string{
		"veriff-x-signature": {"veriff", "X-SIGNATURE"},
		"veriff-hmac":        {"veriff", "X-HMAC-SIGNATURE"},
		"shuftipro":          {"shuftipro", "Signature"},
		"shuftipro-legacy":   {"shuftipro", "Signature"},
	}
	if got := strings.Join(signing.Names(), ","); got != "shuftipro,shuftipro-legacy,veriff-hmac,veriff-x-signature" {
		t.Fatalf("Names() = %s", got)
	}
	for name, w := range want {
		p, err := signing.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != name || p.Provider != w[0] || p.Header != w[1] || p.Formula == "" || p.Source == "" {
			t.Errorf("%s: %+v", name, p)
		}
	}
	if _, err := signing.Lookup("veriff"); err == nil || !strings.Contains(err.Error(), "veriff-hmac") {
		t.Errorf("Lookup of an unknown name should list the known ones, got %v", err)
	}
	v := signing.ForProvider("veriff")
	if len(v) != 2 || v[0].Name != "veriff-x-signature" || v[1].Name != "veriff-hmac" {
		t.Errorf("ForProvider(veriff) = %v", v)
	}
	s := signing.ForProvider("shuftipro")
	if len(s) != 2 || s[0].Name != "shuftipro" || s[1].Name != "shuftipro-legacy" {
		t.Errorf("ForProvider(shuftipro) = %v", s)
	}
	if len(signing.ForProvider("nobody")) != 0 {
		t.Error("ForProvider of an unknown provider should be empty")
	}
	ps := signing.Profiles()
	ps[0].Header = "mutated"
	if signing.Profiles()[0].Header == "mutated" {
		t.Error("Profiles() exposes the shared definitions")
	}
}
