package mock

import (
	"errors"
	"fmt"
	"html"
	"net/http"
)

// The built-in session pages are deliberately minimal: opening a Veriff
// session URL starts the session (7001), and every page says where the
// session stands. A hosted page that lets the tester choose the outcome
// plugs in through Config.Page, using SessionByToken, Open and Decide.

func (m *Mock) serveVeriffPage(w http.ResponseWriter, r *http.Request) {
	v, err := m.Open(r.PathValue("token"))
	switch {
	case errors.Is(err, ErrExpired):
		page(w, http.StatusGone, "Verification session expired",
			"This verification session has expired: a session is valid for 7 days. Ask for a new verification link.")
		return
	case err != nil:
		page(w, http.StatusNotFound, "Unknown verification session", "This link does not belong to a verification session of this mock.")
		return
	}
	switch {
	case v.Conclusive:
		page(w, http.StatusOK, "Nothing more to do", fmt.Sprintf("This verification is complete (%s). Nothing more is to be done here.", v.State))
	case v.Open:
		page(w, http.StatusOK, "Verification started", fmt.Sprintf(
			"Session %s, attempt %d, is open. Upload media and submit through the API, or decide it with: conform trigger decide %s approved",
			v.ID, len(v.Attempts), v.ID))
	default:
		page(w, http.StatusOK, "Verification in progress", fmt.Sprintf("This verification (%s) is being processed. Nothing is to be done here now.", v.State))
	}
}

func (m *Mock) serveShuftiPage(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	req, ok := m.shuftiTok[r.PathValue("token")]
	var v ShuftiView
	if ok {
		v = m.shuftiView(req)
	}
	m.mu.Unlock()
	if !ok {
		page(w, http.StatusNotFound, "Unknown verification request", "This link does not belong to a Shufti Pro request of this mock.")
		return
	}
	if v.Event == "request.timeout" {
		page(w, http.StatusGone, "Verification request timed out", "The onsite request timed out after 60 minutes.")
		return
	}
	page(w, http.StatusOK, "Verification request "+v.Reference, "Current event: "+v.Event+".")
}

func page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body><h1>%s</h1><p>%s</p></body></html>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
}
