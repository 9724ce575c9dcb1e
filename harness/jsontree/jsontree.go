// Package jsontree is an order-preserving JSON document model.
//
// conform must send the same logical payload as different byte sequences
// (pretty-printed, keys reordered, non-ASCII as \uXXXX, "/" as "\/") to catch
// listeners that verify a signature over a re-serialized body instead of the
// raw bytes. encoding/json cannot do that: it sorts map keys and never emits
// "\/". This package keeps key order, numbers as written, and encodes with
// explicit options.
package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the JSON type of a Node.
type Kind int

// The JSON kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Node is one JSON value.
type Node struct {
	Kind   Kind
	Bool   bool
	Number string // the literal as written, so 52268 stays 52268 and 1.0 stays 1.0
	Str    string
	Items  []*Node
	Fields []Field
}

// Field is one member of an object, in document order.
type Field struct {
	Key   string
	Value *Node
}

// Parse reads exactly one JSON value.
func Parse(data []byte) (*Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("jsontree: trailing data after the JSON value")
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &Node{Kind: Null}, nil
	case bool:
		return &Node{Kind: Bool, Bool: t}, nil
	case json.Number:
		return &Node{Kind: Number, Number: t.String()}, nil
	case string:
		return &Node{Kind: String, Str: t}, nil
	case json.Delim:
		switch t {
		case '{':
			n := &Node{Kind: Object}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("jsontree: object key is %T", kt)
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.Fields = append(n.Fields, Field{Key: key, Value: v})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &Node{Kind: Array}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.Items = append(n.Items, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("jsontree: unexpected token %v", tok)
}

// Clone returns a deep copy.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Items = make([]*Node, len(n.Items))
	for i, it := range n.Items {
		c.Items[i] = it.Clone()
	}
	c.Fields = make([]Field, len(n.Fields))
	for i, f := range n.Fields {
		c.Fields[i] = Field{Key: f.Key, Value: f.Value.Clone()}
	}
	return &c
}

// Get returns the value at an object path, or nil.
func (n *Node) Get(path ...string) *Node {
	cur := n
	for _, k := range path {
		if cur == nil || cur.Kind != Object {
			return nil
		}
		var next *Node
		for _, f := range cur.Fields {
			if f.Key == k {
				next = f.Value
				break
			}
		}
		cur = next
	}
	return cur
}

// Set replaces (or appends) the value at an object path. Intermediate objects
// must exist: a fixture that lacks them is a broken fixture, not something to
// paper over.
func (n *Node) Set(v *Node, path ...string) error {
	if len(path) == 0 {
		return errors.New("jsontree: empty path")
	}
	parent := n.Get(path[:len(path)-1]...)
	if parent == nil || parent.Kind != Object {
		return fmt.Errorf("jsontree: no object at %s", strings.Join(path[:len(path)-1], "."))
	}
	last := path[len(path)-1]
	for i, f := range parent.Fields {
		if f.Key == last {
			parent.Fields[i].Value = v
			return nil
		}
	}
	parent.Fields = append(parent.Fields, Field{Key: last, Value: v})
	return nil
}

// Str, Num and Obj build leaf and object nodes.
func Str(s string) *Node { return &Node{Kind: String, Str: s} }

// Num builds a number node from an integer.
func Num(i int) *Node { return &Node{Kind: Number, Number: strconv.Itoa(i)} }

// Options choose one byte-level spelling of a document.
type Options struct {
	Indent         string // "" for compact; e.g. "  " for pretty with ": " after keys
	SortKeys       bool   // emit object members sorted by key (byte order), before ReverseKeys
	ReverseKeys    bool   // emit object members in reverse order
	EscapeNonASCII bool   // every non-ASCII rune as \uXXXX (surrogate pairs above the BMP)
	EscapeSlash    bool   // "/" as "\/"
}

// Encode writes the document with the given options.
func (n *Node) Encode(o Options) []byte {
	var b bytes.Buffer
	n.encode(&b, o, 0)
	return b.Bytes()
}

// Compact is Encode with zero options: the spelling providers send.
func (n *Node) Compact() []byte { return n.Encode(Options{}) }

func (n *Node) encode(b *bytes.Buffer, o Options, depth int) {
	nl := func(d int) {
		if o.Indent != "" {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(o.Indent, d))
		}
	}
	switch n.Kind {
	case Null:
		b.WriteString("null")
	case Bool:
		b.WriteString(strconv.FormatBool(n.Bool))
	case Number:
		b.WriteString(n.Number)
	case String:
		writeString(b, n.Str, o)
	case Array:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			it.encode(b, o, depth+1)
		}
		if len(n.Items) > 0 {
			nl(depth)
		}
		b.WriteByte(']')
	case Object:
		b.WriteByte('{')
		fields := n.Fields
		if o.SortKeys || o.ReverseKeys {
			fields = append([]Field(nil), n.Fields...)
		}
		if o.SortKeys {
			sort.SliceStable(fields, func(i, j int) bool { return fields[i].Key < fields[j].Key })
		}
		if o.ReverseKeys {
			for i, j := 0, len(fields)-1; i < j; i, j = i+1, j-1 {
				fields[i], fields[j] = fields[j], fields[i]
			}
		}
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeString(b, f.Key, o)
			b.WriteByte(':')
			if o.Indent != "" {
				b.WriteByte(' ')
			}
			f.Value.encode(b, o, depth+1)
		}
		if len(fields) > 0 {
			nl(depth)
		}
		b.WriteByte('}')
	}
}

const hexDigits = "0123456789abcdef"

func writeString(b *bytes.Buffer, s string, o Options) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '/' && o.EscapeSlash:
			b.WriteString(`\/`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			writeU(b, r)
		case r >= utf8.RuneSelf && o.EscapeNonASCII:
			if r > 0xFFFF {
				r -= 0x10000
				writeU(b, 0xD800+(r>>10))
				writeU(b, 0xDC00+(r&0x3FF))
			} else {
				writeU(b, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func writeU(b *bytes.Buffer, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>uint(shift))&0xF])
	}
}
