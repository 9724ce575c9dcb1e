package mock

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
)

// The page template and its stylesheet are embedded: the page needs nothing
// from the network, so it renders the same offline, in CI and in a browser
// that blocks third-party requests.

//go:embed page.tmpl
var pageTemplateText string

//go:embed page.css
var pageCSSText string

var (
	pageTemplate = template.Must(template.New("page").Parse(pageTemplateText))
	// pageStyleSource lets the Content-Security-Policy allow exactly the
	// inline stylesheet and nothing else (no 'unsafe-inline').
	pageStyleSource = func() string {
		sum := sha256.Sum256([]byte(pageCSSText))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}()
)

// pageData is everything a page shows. html/template escapes every field
// for its context; only CSS is trusted, and it is the embedded stylesheet.
type pageData struct {
	Provider string
	Title    string
	Lead     []string
	Quote    *docQuote
	Details  []pageDetail
	Form     *pageForm
	Back     string // relative link to the session page
	Now      string
	CSS      template.CSS
}

type docQuote struct{ Text, Source string }

type pageDetail struct{ Name, Value string }

// pageForm is the choice offered for the current attempt.
type pageForm struct {
	Attempt           int
	AttemptID         string
	FormToken         string
	Previous          string
	Decline, Resubmit []reasonOption
}

// render writes a page. formOrigin, when set, is the callback's origin: the
// browser may follow the form's 303 there (CSP form-action also governs
// redirects after a form submission).
func (m *Mock) render(w http.ResponseWriter, status int, d pageData, formOrigin string) {
	d.CSS = template.CSS(pageCSSText)
	if d.Now == "" {
		d.Now = fmtTime(m.clock.Now())
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		http.Error(w, "mock: rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	formAction := "'self'"
	if formOrigin != "" {
		formAction += " " + formOrigin
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", strings.Join([]string{
		"default-src 'none'", "style-src " + pageStyleSource, "form-action " + formAction,
		"frame-ancestors 'none'", "base-uri 'none'",
	}, "; "))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// The session URL carries its token: it must not leak to the callback
	// site (or anywhere) in a Referer header.
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// message writes a page that only says something.
func (m *Mock) message(w http.ResponseWriter, status int, provider, title, text string) {
	m.render(w, status, pageData{Provider: provider, Title: title, Lead: []string{text}}, "")
}

// messageBack is a Veriff message with a link back to the session page.
func (m *Mock) messageBack(w http.ResponseWriter, status int, title, text, token string) {
	// The page lives at /v/{token}: a relative link to the token is the
	// page itself, whatever prefix a proxy in front of the mock adds.
	m.render(w, status, pageData{Provider: "Veriff", Title: title, Lead: []string{text}, Back: token}, "")
}
