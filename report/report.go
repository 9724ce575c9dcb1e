// Package report turns a run's outcomes into what people and machines read:
// a summary on the terminal and a JSON document. Everything here is built
// from harness.Outcome values, whose messages the runner already redacted;
// the report adds no header or body of its own, so no secret can enter it.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/conform-kit/conform/harness"
)

// Target describes one listener under test (no secrets: URLs and profile).
type Target struct {
	Provider string            `json:"provider"`
	Profile  string            `json:"profile"`
	URLs     map[string]string `json:"urls"`
}

// Report is the JSON report.
type Report struct {
	Tool       string            `json:"tool"`
	Version    string            `json:"version"`
	Started    time.Time         `json:"started"`
	Duration   time.Duration     `json:"duration_ns"`
	Seed       int64             `json:"seed"`
	Labels     string            `json:"labels,omitempty"`
	Strict     bool              `json:"strict"`
	Targets    []Target          `json:"targets"`
	Conformant bool              `json:"conformant"`
	Counts     map[string]int    `json:"counts"`
	Requests   int64             `json:"requests"`
	Checks     []harness.Outcome `json:"checks"`
}

// Build assembles the report of a finished run.
func Build(version string, started time.Time, seed int64, labels string, strict bool, runners []*harness.Runner) *Report {
	r := &Report{
		Tool: "conform", Version: version, Started: started.UTC(), Duration: time.Since(started),
		Seed: seed, Labels: labels, Strict: strict, Conformant: true,
		Counts: map[string]int{string(harness.Passed): 0, string(harness.Failed): 0, string(harness.Warned): 0, string(harness.Blocked): 0},
	}
	for _, run := range runners {
		s := run.Session
		r.Targets = append(r.Targets, Target{Provider: s.Provider.Name, Profile: s.Profile.Name, URLs: s.URLs})
		r.Requests += s.Requests()
		for _, o := range run.Outcomes() {
			r.Checks = append(r.Checks, o)
			r.Counts[string(o.Status)]++
		}
		if !run.Conformant() {
			r.Conformant = false
		}
	}
	return r
}

// WriteJSON writes the report to path atomically (temp file + rename), so
// a CI step never reads half a report.
func (r *Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".conform-report-*")
	if err != nil {
		return fmt.Errorf("--json %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("--json %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--json %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// WriteSummary prints the closing summary: counts by area and severity, then
// every check that did not pass, one line each (the full messages were
// printed by Ginkgo as the checks ran, and are in the JSON report).
func (r *Report) WriteSummary(w io.Writer) {
	type key struct{ provider, area string }
	type tally struct{ passed, failed, warned, blocked int }
	areas := map[key]*tally{}
	var order []key
	for _, o := range r.Checks {
		k := key{o.Provider, o.Area}
		t, ok := areas[k]
		if !ok {
			t = &tally{}
			areas[k] = t
			order = append(order, k)
		}
		switch o.Status {
		case harness.Passed:
			t.passed++
		case harness.Failed:
			t.failed++
		case harness.Warned:
			t.warned++
		case harness.Blocked:
			t.blocked++
		}
	}
	fmt.Fprintf(w, "\nconform summary (seed %d)\n", r.Seed)
	fmt.Fprintf(w, "  %-10s %-13s %6s %6s %6s %7s\n", "provider", "area", "passed", "failed", "warned", "blocked")
	for _, k := range order {
		t := areas[k]
		fmt.Fprintf(w, "  %-10s %-13s %6d %6d %6d %7d\n", k.provider, k.area, t.passed, t.failed, t.warned, t.blocked)
	}
	var notPassed []harness.Outcome
	for _, o := range r.Checks {
		if o.Status != harness.Passed {
			notPassed = append(notPassed, o)
		}
	}
	sort.SliceStable(notPassed, func(i, j int) bool { return rank(notPassed[i].Status) < rank(notPassed[j].Status) })
	if len(notPassed) > 0 {
		fmt.Fprintln(w)
	}
	for _, o := range notPassed {
		line := fmt.Sprintf("  %-7s %-6s %s — %s", strings.ToUpper(string(o.Status)), o.Severity, o.ID, o.Title)
		if o.BlockedBy != "" {
			line += " (blocked by " + o.BlockedBy + ")"
		}
		fmt.Fprintln(w, line)
	}
	verdict := "CONFORMANT"
	if !r.Conformant {
		verdict = "NOT CONFORMANT"
	}
	expected := ""
	if n := r.Counts["expected"]; n > 0 {
		expected = fmt.Sprintf(", %d expected failures (listed in --expected-failures)", n)
	}
	fmt.Fprintf(w, "\n%s: %d checks, %d requests in %s — %d passed, %d failed, %d warned (SHOULD), %d blocked%s\n",
		verdict, len(r.Checks), r.Requests, r.Duration.Round(time.Millisecond),
		r.Counts["passed"], r.Counts["failed"], r.Counts["warned"], r.Counts["blocked"], expected)
	if r.Counts["warned"] > 0 && !r.Strict {
		fmt.Fprintln(w, "SHOULD checks that were not met are listed above; --strict makes them fail the run.")
	}
}

func rank(s harness.Status) int {
	switch s {
	case harness.Failed:
		return 0
	case harness.Blocked:
		return 1
	default:
		return 2
	}
}
