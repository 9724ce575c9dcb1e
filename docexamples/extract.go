// Package docexamples finds every JSON example in the two provider documents,
// classifies each one in a committed manifest and checks it against the
// contract, so that a document example is evidence to test, never truth to
// copy. The manifest also carries the list of document defects from which
// spec/DOC-DEFECTS.md is generated.
package docexamples

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Source names one provider document.
type Source struct {
	// Doc is the short name used in keys and reports: "veriff" or "shuftipro".
	Doc string
	// File is the file name inside shared/providers/.
	File string
}

// Sources are the two provider documents, in report order.
var Sources = []Source{
	{Doc: "veriff", File: "veriff-api-v1-docs.txt"},
	{Doc: "shuftipro", File: "shuftipro-responses-docs.txt"},
}

// Document is one provider document split into lines (1-based via Line).
type Document struct {
	Source
	Lines []string
}

// Line returns line n (1-based), or "" when n is out of range.
func (d Document) Line(n int) string {
	if n < 1 || n > len(d.Lines) {
		return ""
	}
	return d.Lines[n-1]
}

// How an example was found. The manifest does not store it; reports use it to
// say where in the prose the JSON sat.
const (
	FoundBlock  = "block"     // "{" opens a line
	FoundCurl   = "curl-data" // after curl --data ' or -d '
	FoundInline = "inline"    // mid-line, e.g. inside a table cell
)

// Example is one JSON-looking text found in a document. The text may be
// invalid JSON: that is what the checks are for.
type Example struct {
	Doc       string
	StartLine int // 1-based line of the opening brace
	EndLine   int // 1-based line of the balancing brace (or where scanning gave up)
	Section   string
	Found     string
	// Raw is the exact text from the opening brace to the balancing brace.
	Raw string
	// Trailer is what follows the closing brace on its line, trimmed: e.g.
	// "Your-API-Secret" for the signature-input illustrations, "'" after curl data.
	Trailer string
	// Balanced is false when no balancing brace was found within maxBlockLines.
	Balanced bool
	// Key is the stable identity: doc/hash8 of the whitespace-normalised text,
	// with "-2", "-3"… for later identical copies in the same document.
	Key string
}

// maxBlockLines bounds the scan for a balancing brace, so a stray "{" in prose
// cannot swallow the rest of a document.
const maxBlockLines = 400

// FindProviders walks up from start to the first directory holding
// shared/providers and returns that providers directory. The documents live
// beside the repository, not in it, so tests locate them this way.
func FindProviders(start string) (string, error) { return findProviders(start, "") }

// findProviders is FindProviders that does not look above stop (when set),
// so a test can prove the not-found case wherever its temporary directory is.
func findProviders(start, stop string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for i := 0; i < 64; i++ {
		cand := filepath.Join(dir, "shared", "providers")
		if st, err := os.Stat(filepath.Join(cand, Sources[0].File)); err == nil && !st.IsDir() {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir || dir == stop {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("provider documents not found: no shared/providers/%s in %s or any parent directory", Sources[0].File, start)
}

// LoadDocuments reads both provider documents from dir.
func LoadDocuments(dir string) ([]Document, error) {
	var docs []Document
	for _, s := range Sources {
		b, err := os.ReadFile(filepath.Join(dir, s.File))
		if err != nil {
			return nil, fmt.Errorf("read provider document: %w", err)
		}
		text := strings.ReplaceAll(string(b), "\r\n", "\n")
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		docs = append(docs, Document{Source: s, Lines: lines})
	}
	if len(docs) == 0 {
		return nil, errors.New("no provider documents configured")
	}
	return docs, nil
}

// curlData matches the curl options whose single-quoted argument is a body.
var curlData = regexp.MustCompile(`(?:--data(?:-raw|-binary)?|-d)\s+'$`)

// Extract returns every JSON-looking example of d in document order.
//
// A candidate starts at a "{" that either opens its line (alone or followed by
// a quoted key) or is followed by a quoted key anywhere in a line (table cells,
// curl --data '…'). Object literals of JavaScript or Python ({ method: …},
// {'a': …}) are not JSON and are not candidates. Scanning then runs to the
// balancing brace, skipping braces inside double-quoted strings; a string that
// is still open at the end of a line is closed there, because JSON strings
// cannot span lines and code blocks would otherwise derail the count.
func Extract(d Document) []Example {
	var out []Example
	seen := map[string]int{}
	li, col := 0, 0
	for li < len(d.Lines) {
		line := d.Lines[li]
		if col > len(line) {
			li, col = li+1, 0
			continue
		}
		idx := strings.IndexByte(line[col:], '{')
		if idx < 0 {
			li, col = li+1, 0
			continue
		}
		c := col + idx
		found, ok := candidate(line, c)
		if !ok {
			col = c + 1
			continue
		}
		ex, endLine, endCol := scan(d, li, c)
		ex.Found = found
		ex.Section = Section(d, li+1)
		sum := sha256.Sum256([]byte(Normalize(ex.Raw)))
		base := d.Doc + "/" + hex.EncodeToString(sum[:4])
		seen[base]++
		ex.Key = base
		if n := seen[base]; n > 1 {
			ex.Key = fmt.Sprintf("%s-%d", base, n)
		}
		out = append(out, ex)
		// Resume after the example: braces inside it are not new examples.
		li, col = endLine, endCol+1
	}
	return out
}

// candidate reports whether the "{" at line[col] starts an example, and how it
// was found.
func candidate(line string, col int) (string, bool) {
	before := line[:col]
	after := strings.TrimLeft(line[col+1:], " \t")
	quotedKey := strings.HasPrefix(after, `"`)
	switch {
	case curlData.MatchString(before):
		return FoundCurl, true
	case strings.TrimSpace(before) == "" && (after == "" || quotedKey || strings.HasPrefix(after, "}")):
		return FoundBlock, true
	case quotedKey:
		return FoundInline, true
	}
	return "", false
}

// scan reads from the "{" at (li, col) to its balancing brace.
func scan(d Document, li, col int) (Example, int, int) {
	ex := Example{Doc: d.Doc, StartLine: li + 1}
	depth := 0
	var b strings.Builder
	last := li + maxBlockLines
	if last > len(d.Lines)-1 {
		last = len(d.Lines) - 1
	}
	for l := li; l <= last; l++ {
		line := d.Lines[l]
		start := 0
		if l == li {
			start = col
		} else {
			b.WriteByte('\n')
		}
		inStr, esc := false, false
		for c := start; c < len(line); c++ {
			ch := line[c]
			switch {
			case inStr && esc:
				esc = false
			case inStr && ch == '\\':
				esc = true
			case inStr && ch == '"':
				inStr = false
			case inStr:
			case ch == '"':
				inStr = true
			case ch == '{':
				depth++
			case ch == '}':
				depth--
				if depth == 0 {
					b.WriteString(line[start : c+1])
					ex.Raw = b.String()
					ex.EndLine = l + 1
					ex.Trailer = strings.TrimSpace(line[c+1:])
					ex.Balanced = true
					return ex, l, c
				}
			}
		}
		b.WriteString(line[start:])
	}
	ex.Raw = b.String()
	ex.EndLine = last + 1
	return ex, last, len(d.Lines[last])
}

// Normalize removes the white space outside double-quoted strings, so that
// re-wrapping or re-indenting an example in a document does not change its
// key, while any change to a key or value does. It works on invalid JSON too.
func Normalize(s string) string {
	var b strings.Builder
	inStr, esc := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inStr && esc:
			esc = false
		case inStr && ch == '\\':
			esc = true
		case inStr && (ch == '"' || ch == '\n'):
			inStr = false
		case inStr:
		case ch == '"':
			inStr = true
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}
