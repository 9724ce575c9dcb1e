package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// MaxReportRequests bounds how many requests the report lists one by one.
// Requests beyond it are still counted (and their violations tallied), so a
// client hammering the mock cannot grow its memory without bound.
const MaxReportRequests = 10000

// Violation is one rule a request broke.
type Violation struct {
	Rule
	// Detail says what in this request broke the rule. It never contains the
	// API key or secret.
	Detail string `json:"detail,omitempty"`
}

// RequestRecord is one request a client made to the provider API (the admin
// API and session pages are the tester's, not the client's, and are not
// recorded).
type RequestRecord struct {
	Seq        int64       `json:"seq"`
	Time       string      `json:"time"` // virtual time
	Provider   string      `json:"provider"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Operation  string      `json:"operation,omitempty"`
	Status     int         `json:"status"`
	Code       string      `json:"code,omitempty"` // Veriff troubleshooting code or Shufti event of the answer
	Session    string      `json:"session,omitempty"`
	Violations []Violation `json:"violations,omitempty"`
}

// Report is the client contract report: every request a client made and
// every rule it broke. It is safe for concurrent use.
type Report struct {
	mu        sync.Mutex
	requests  []RequestRecord
	total     int64
	violating int64
	counts    map[string]int64
	dropped   int64
	redact    func(string) string
}

func newReport(redact func(string) string) *Report {
	return &Report{counts: map[string]int64{}, redact: redact}
}

func (r *Report) add(rec RequestRecord) RequestRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	rec.Seq = r.total
	rec.Path = r.redact(rec.Path)
	seen := map[string]bool{}
	for i := range rec.Violations {
		rec.Violations[i].Detail = r.redact(rec.Violations[i].Detail)
		if id := rec.Violations[i].ID; !seen[id] {
			seen[id] = true
			r.counts[id]++
		}
	}
	if len(rec.Violations) > 0 {
		r.violating++
	}
	if len(r.requests) < MaxReportRequests {
		r.requests = append(r.requests, rec)
	} else {
		r.dropped++
	}
	return rec
}

// ReportDoc is the JSON form of the report.
type ReportDoc struct {
	Tool        string          `json:"tool"`
	GeneratedAt string          `json:"generatedAt"` // wall time
	Clock       string          `json:"clock"`       // virtual time when written
	Summary     ReportSummary   `json:"summary"`
	Rules       map[string]Rule `json:"rules"` // every rule broken at least once
	Requests    []RequestRecord `json:"requests"`
}

// ReportSummary counts requests and violations.
type ReportSummary struct {
	Requests          int64            `json:"requests"`
	ViolatingRequests int64            `json:"violatingRequests"`
	Violations        map[string]int64 `json:"violations"` // rule ID -> requests breaking it
	// NotListed is how many requests are counted but not listed because
	// the report already lists MaxReportRequests.
	NotListed int64 `json:"notListed"`
}

// Snapshot returns the report as of now.
func (r *Report) Snapshot(virtualNow time.Time) ReportDoc {
	r.mu.Lock()
	defer r.mu.Unlock()
	doc := ReportDoc{
		Tool:        "conform mock",
		GeneratedAt: time.Now().UTC().Format(time.RFC3339),
		Clock:       fmtTime(virtualNow),
		Summary: ReportSummary{
			Requests: r.total, ViolatingRequests: r.violating, Violations: map[string]int64{}, NotListed: r.dropped,
		},
		Rules:    map[string]Rule{},
		Requests: append([]RequestRecord{}, r.requests...),
	}
	for id, n := range r.counts {
		doc.Summary.Violations[id] = n
		doc.Rules[id] = rules[id]
	}
	return doc
}

// Violations is how many requests broke at least one rule.
func (r *Report) Violations() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.violating
}

// WriteFile writes the report as indented JSON to path atomically: to a
// temporary file in the same directory, then renamed over path, so a reader
// (or a CI step after a kill) never sees half a report.
func WriteFile(path string, doc ReportDoc) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	name := tmp.Name()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	return nil
}

// WriteSummary prints the report for people: totals, then each broken rule
// with how many requests broke it and the document's words.
func WriteSummary(w io.Writer, doc ReportDoc) {
	s := doc.Summary
	fmt.Fprintf(w, "client contract report: %d request(s), %d broke a rule\n", s.Requests, s.ViolatingRequests)
	ids := make([]string, 0, len(s.Violations))
	for id := range s.Violations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := doc.Rules[id]
		fmt.Fprintf(w, "  %-36s %4d  %s, %q: %q\n", id, s.Violations[id], r.Document, r.Section, r.Quote)
	}
	if s.NotListed > 0 {
		fmt.Fprintf(w, "  (%d request(s) counted but not listed: the report lists at most %d)\n", s.NotListed, MaxReportRequests)
	}
	// The first few concrete findings, so the summary alone says what to fix.
	shown := 0
	for _, rec := range doc.Requests {
		for _, v := range rec.Violations {
			if shown == 10 {
				fmt.Fprintf(w, "  … see the JSON report for every finding\n")
				return
			}
			detail := v.Detail
			if detail == "" {
				detail = "-"
			}
			fmt.Fprintf(w, "  #%d %s %s -> %d: %s: %s\n", rec.Seq, rec.Method, rec.Path, rec.Status, v.ID, oneLine(detail))
			shown++
		}
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
