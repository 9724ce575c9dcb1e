package docexamples

import (
	"regexp"
	"strings"
)

// The documents are flattened web pages: headings are ordinary lines. These
// heuristics pick them out well enough to tell a reader where an example is;
// the line number is the exact reference.

// captions are the labels that sit directly above code and samples. They are
// not section headings, but they say what the example claims to be.
var captions = map[string]bool{
	"curl": true, "CURL": true, "Node.js": true, "NodeJS": true, "Python3": true,
	"Python3.py": true, "Python3.js": true, "Headers": true, "Headers:": true,
	"Response": true, "Response:": true, "Request": true, "Properties": true,
	"Sample RESPONSE": true, "Sample REQUEST": true, "Sample request": true,
	"Sample Response": true, "Sample Request": true, "Sample RESPONE": true, "Sample REQUEST:": true,
	"caution": true, "tip": true, "Using JavaScript / ECMA": true, "Using C# / .Net": true,
}

// codeLabel matches the lowercase tab labels of the Shufti Pro document
// ("request.pending", "sample-response", "additional-data-object").
var propertyName = regexp.MustCompile(`^[a-z][A-Za-z]*$`)

var camelGlue = regexp.MustCompile(`[a-z][A-Z]`)

var yesNo = regexp.MustCompile(`^(?:Yes|No)+$`)

var codeLabel = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)+$`)

// Section names the place of line n (1-based): the nearest heading above it,
// and, when the line right above the example is a caption or code label,
// that caption too: "Status Response › sample-response".
func Section(d Document, n int) string {
	heading := ""
	for l := n - 1; l >= 1; l-- {
		// In the flattened property lists a description is followed by the
		// next property name or by ":Type"; such a line is not a heading.
		next := d.Line(l + 1)
		if isHeading(d.Line(l)) && !strings.HasPrefix(next, ":") && !propertyName.MatchString(next) {
			heading = strings.TrimSuffix(strings.TrimSpace(d.Line(l)), ":")
			break
		}
	}
	caption := ""
	for l, seen := n-1, 0; l >= 1 && seen < 3; l-- {
		t := strings.TrimSpace(d.Line(l))
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		seen++
		if captions[t] || codeLabel.MatchString(t) {
			caption = t
		}
		break
	}
	switch {
	case heading == "":
		return caption
	case caption == "":
		return heading
	}
	return heading + " › " + caption
}

func isHeading(line string) bool {
	t := strings.TrimSpace(line)
	if len(t) < 3 || len(t) > 80 || captions[t] {
		return false
	}
	if strings.HasPrefix(t, "//") || yesNo.MatchString(t) {
		return false // code comments; the Yes/No cells of the Shufti events table
	}
	if strings.HasPrefix(t, "/") {
		// Endpoint headings of the Veriff reference: "/sessions/{sessionId}/media GET".
		return !strings.Contains(t, "  ") && len(strings.Fields(t)) <= 4
	}
	r := t[0]
	if r < 'A' || r > 'Z' {
		return false
	}
	if strings.ContainsAny(t, "{}=;,'\"`|<>[]()") || strings.Contains(t, ": ") || strings.Contains(t, "://") {
		return false
	}
	// Sentences are prose, not headings.
	if strings.HasSuffix(t, ".") || strings.Contains(t, " is ") || strings.Contains(t, " are ") {
		return false
	}
	words := len(strings.Fields(t))
	if strings.HasSuffix(t, ":") {
		// "Manual Generation:" is a heading; "Request properties explained:" is not.
		return words <= 3 && !strings.Contains(t, "explained")
	}
	// Flattened table headers glue cells together: "ParametersDescription".
	if camelGlue.MatchString(t) {
		return false
	}
	return words <= 6
}
