package docexamples

import (
	"fmt"
	"sort"
	"strings"
)

// Report is everything RenderDefects needs: the manifest, the documents and
// the examples extracted from them (keyed by Example.Key).
type Report struct {
	Manifest *Manifest
	Docs     []Document
	Examples map[string]Example
}

// Counts summarises the examples by kind and outcome.
type Counts struct {
	Extracted, Schema, JSONOnly, NotJSON, Defective int
}

// Count tallies the manifest's classification: an example is defective when
// its entry expects findings (the test proves the expectation exact).
func (r Report) Count() Counts {
	var c Counts
	for _, e := range r.Manifest.Examples {
		c.Extracted++
		switch e.Kind {
		case KindPayload, KindSignatureInput:
			c.Schema++
		case KindJSONOnly:
			c.JSONOnly++
		case KindNotJSON:
			c.NotJSON++
		}
		if len(e.Findings) > 0 {
			c.Defective++
		}
	}
	return c
}

type place struct {
	from, to int
	section  string
}

// RenderDefects produces spec/DOC-DEFECTS.md. It is deterministic: the test
// compares it byte for byte with the committed file.
func RenderDefects(r Report) []byte {
	docs := map[string]Document{}
	for _, d := range r.Docs {
		docs[d.Doc] = d
	}
	byDefect := map[string][]Entry{}
	for _, e := range r.Manifest.Examples {
		for _, f := range e.Findings {
			list := byDefect[f.Defect]
			if len(list) == 0 || list[len(list)-1].Key != e.Key {
				byDefect[f.Defect] = append(list, e)
			}
		}
	}
	c := r.Count()
	var b strings.Builder
	b.WriteString("# Provider document defects\n\n")
	b.WriteString("<!-- Generated from docexamples/manifest.json by `go test ./docexamples -run TestDefectsFile -update`. Do not edit by hand. -->\n\n")
	b.WriteString("The provider documents in `shared/providers/` are the source of the contract, and they contain errors.\n")
	b.WriteString("`docexamples/` extracts every JSON example from both documents, classifies each one in\n")
	b.WriteString("`docexamples/manifest.json`, and checks it: strict JSON syntax (trailing commas, repeated keys) and, for\n")
	b.WriteString("payloads, the schema in `schemas/` through the `contract` package. The test fails if an example is added,\n")
	b.WriteString("changed or removed without the manifest following, or if the set of failing examples differs from the\n")
	b.WriteString("findings listed here. Defects a schema cannot see (lists that disagree, unreproducible signatures, broken\n")
	b.WriteString("sample code) are cited by line and quoted text; the test checks every quote is on its line.\n\n")
	fmt.Fprintf(&b, "Examples extracted: %d — checked against a schema: %d, JSON syntax only: %d, not JSON: %d; failing: %d.\n\n",
		c.Extracted, c.Schema, c.JSONOnly, c.NotJSON, c.Defective)
	for _, src := range Sources {
		d := docs[src.Doc]
		var defs []Defect
		for _, df := range r.Manifest.Defects {
			if df.Doc == src.Doc {
				defs = append(defs, df)
			}
		}
		fmt.Fprintf(&b, "## %s — `%s` (%d defects)\n\n", title(src.Doc), src.File, len(defs))
		b.WriteString("| ID | Lines | Defect |\n| --- | --- | --- |\n")
		places := map[string][]place{}
		for _, df := range defs {
			places[df.ID] = r.places(d, df, byDefect[df.ID])
			fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", df.ID, strings.ToLower(df.ID), lineList(places[df.ID]), df.Title)
		}
		b.WriteString("\n")
		for _, df := range defs {
			fmt.Fprintf(&b, "### %s\n\n**%s**\n\n", df.ID, df.Title)
			b.WriteString("- **Where:**")
			for _, p := range places[df.ID] {
				fmt.Fprintf(&b, "\n  - %s %s — %s", src.File, lineRange(p.from, p.to), p.section)
			}
			b.WriteString("\n")
			fmt.Fprintf(&b, "- **What:** %s\n", df.What)
			if ex := byDefect[df.ID]; len(ex) > 0 {
				b.WriteString("- **Checked:**")
				for _, e := range ex {
					x := r.Examples[e.Key]
					// Syntax findings know their line; say it, since a
					// 300-line sample is a poor pointer to one comma.
					lineOf := map[string]int{}
					for _, f := range ReadJSON(x.Raw).Findings {
						if f.Line > 0 {
							lineOf[f.ID()] = x.StartLine + f.Line - 1
						}
					}
					var fs []string
					for _, f := range e.Findings {
						if f.Defect != df.ID {
							continue
						}
						if n, ok := lineOf[f.Finding]; ok {
							fs = append(fs, fmt.Sprintf("`%s` (line %d)", f.Finding, n))
						} else {
							fs = append(fs, "`"+f.Finding+"`")
						}
					}
					fmt.Fprintf(&b, "\n  - example `%s` (%s, %s): %s", e.Key, lineRange(x.StartLine, x.EndLine), kindLabel(e), strings.Join(fs, ", "))
				}
				b.WriteString("\n")
			}
			if df.CheckedBy != "" {
				fmt.Fprintf(&b, "- **Checked by:** `%s`\n", df.CheckedBy)
			}
			fmt.Fprintf(&b, "- **Why it matters:** %s\n", df.Why)
			fmt.Fprintf(&b, "- **What conform does:** %s\n\n", df.Conform)
		}
	}
	b.WriteString("## Every example\n\n")
	b.WriteString("| Example | Lines | Section | Kind | Schema | Result |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, e := range r.Manifest.Examples {
		x := r.Examples[e.Key]
		result := "passes all checks"
		if len(e.Findings) > 0 {
			ids := map[string]bool{}
			var list []string
			for _, f := range e.Findings {
				if !ids[f.Defect] {
					ids[f.Defect] = true
					list = append(list, f.Defect)
				}
			}
			sort.Strings(list)
			result = "fails: " + strings.Join(list, ", ")
		} else if e.Kind == KindNotJSON {
			result = "not JSON (" + e.Why + ")"
		}
		schema := e.Schema
		if schema == "" {
			schema = "—"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", e.Key, lineRange(x.StartLine, x.EndLine), strings.ReplaceAll(x.Section, "|", "\\|"), e.Kind, schema, result)
	}
	return []byte(b.String())
}

func (r Report) places(d Document, df Defect, ex []Entry) []place {
	var ps []place
	for _, e := range ex {
		x := r.Examples[e.Key]
		ps = append(ps, place{x.StartLine, x.EndLine, x.Section})
	}
	for _, ev := range df.Evidence {
		ps = append(ps, place{ev.Line, ev.Line, Section(d, ev.Line)})
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].from < ps[j].from })
	// An evidence line inside a cited example adds nothing; adjacent lines of
	// one section read better as one range.
	var out []place
	for _, p := range ps {
		if n := len(out); n > 0 && p.from <= out[n-1].to+1 && (p.to <= out[n-1].to || p.section == out[n-1].section) {
			if p.to > out[n-1].to {
				out[n-1].to = p.to
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

func kindLabel(e Entry) string {
	if e.Schema != "" {
		return e.Kind + " → " + e.Schema
	}
	return e.Kind
}

func lineList(ps []place) string {
	var s []string
	for _, p := range ps {
		if p.from == p.to {
			s = append(s, fmt.Sprint(p.from))
		} else {
			s = append(s, fmt.Sprintf("%d–%d", p.from, p.to))
		}
	}
	return strings.Join(s, ", ")
}

func lineRange(from, to int) string {
	if from == to {
		return fmt.Sprintf("line %d", from)
	}
	return fmt.Sprintf("lines %d–%d", from, to)
}

func title(doc string) string {
	switch doc {
	case "veriff":
		return "Veriff"
	case "shuftipro":
		return "Shufti Pro"
	}
	return doc
}
