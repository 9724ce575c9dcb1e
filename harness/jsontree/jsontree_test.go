package jsontree

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

const doc = `{"b":1,"a":{"url":"https://x.example/p","name":"Zoë 山田 😀"},"n":[1.50,true,null]}`

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not valid JSON: %v\n%s", err, b)
	}
	return v
}

func TestRoundTripKeepsOrderAndNumbers(t *testing.T) {
	n, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(n.Compact()); got != doc {
		t.Fatalf("compact round trip changed bytes:\n got %s\nwant %s", got, doc)
	}
}

func TestEveryOptionKeepsMeaningButChangesBytes(t *testing.T) {
	n, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, []byte(doc))
	for name, o := range map[string]Options{
		"pretty":   {Indent: "  "},
		"reversed": {ReverseKeys: true},
		"ascii":    {EscapeNonASCII: true},
		"slash":    {EscapeSlash: true},
	} {
		out := n.Encode(o)
		if bytes.Equal(out, []byte(doc)) {
			t.Errorf("%s: bytes unchanged, the variant is useless", name)
		}
		if got := decode(t, out); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: meaning changed:\n%s", name, out)
		}
	}
	if out := n.Encode(Options{EscapeNonASCII: true}); !bytes.Contains(out, []byte(`\ud83d\ude00`)) || !bytes.Contains(out, []byte(`\u00eb`)) {
		t.Errorf("non-ASCII not escaped as surrogate pair / \\u00eb: %s", out)
	}
	if out := n.Encode(Options{EscapeSlash: true}); !bytes.Contains(out, []byte(`https:\/\/x.example\/p`)) {
		t.Errorf("slash not escaped: %s", out)
	}
}

func TestSetAndGet(t *testing.T) {
	n, _ := Parse([]byte(doc))
	if err := n.Set(Str("abc"), "a", "name"); err != nil {
		t.Fatal(err)
	}
	if err := n.Set(Num(7), "a", "new"); err != nil {
		t.Fatal(err)
	}
	if got := n.Get("a", "name").Str; got != "abc" {
		t.Errorf("Get after Set = %q", got)
	}
	if err := n.Set(Str("x"), "missing", "k"); err == nil {
		t.Error("Set through a missing object must fail")
	}
	c := n.Clone()
	_ = c.Set(Str("changed"), "a", "name")
	if n.Get("a", "name").Str != "abc" {
		t.Error("Clone shares state with the original")
	}
}

func TestParseRejectsInvalid(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a":1,}`, `{"a":1} x`, `[1,]`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}
