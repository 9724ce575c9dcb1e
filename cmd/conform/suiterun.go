package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/spf13/cobra"

	"github.com/conform-kit/conform/expect"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/report"
	"github.com/conform-kit/conform/suites"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

// suiteFlags are the flags shared by `run` and `demo`: how to run the
// suites, as opposed to what to run them against.
type suiteFlags struct {
	labels  string
	strict  bool
	timeout time.Duration
	budget  time.Duration
	grace   time.Duration
	seed    int64
	junit   string
	json    string
	html    string
	md      string
	// expectedFile lists checks known to fail (see docs/reports.md).
	expectedFile  string
	noStepSummary bool
	noColor       bool
	verbose       bool

	expected *expect.List // loaded by validate
}

func (f *suiteFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.labels, "labels", "", "run only checks matching this Ginkgo label `filter`, e.g. 'signature || auth', '!should' (see conform list)")
	fl.BoolVar(&f.strict, "strict", false, "fail the run on SHOULD checks too (by default they are reported only)")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "per-request `limit`: connect, send and read the answer")
	fl.DurationVar(&f.budget, "budget", 5*time.Second, "how fast the listener must answer a delivery (check transport/answers-within-budget)")
	fl.DurationVar(&f.grace, "grace", harness.DefaultGrace, "pause before each liveness probe after a disruptive check (the final check pauses 5x this): catches listeners that die just after answering")
	fl.Int64Var(&f.seed, "seed", 0, "random seed for generated session ids (0: derived from the clock; printed, so a run can be repeated)")
	fl.StringVar(&f.junit, "junit", "", "write a JUnit XML report to `FILE`")
	fl.StringVar(&f.json, "json", "", "write a JSON report to `FILE`")
	fl.StringVar(&f.html, "html", "", "write a single-file HTML report to `FILE`")
	fl.StringVar(&f.md, "markdown", "", "write a Markdown summary to `FILE` (also appended to $GITHUB_STEP_SUMMARY when set)")
	fl.StringVar(&f.expectedFile, "expected-failures", "", "YAML `FILE` of checks known to fail (each with a reason and optional expiry); a listed check that passes, or an expired entry, fails the run")
	fl.BoolVar(&f.noStepSummary, "no-step-summary", false, "do not append a Markdown summary to $GITHUB_STEP_SUMMARY (written by default when it is set)")
	fl.BoolVar(&f.noColor, "no-color", false, "no colour (colour is used only when stdout is a terminal and NO_COLOR is unset)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every check as it runs, not only failures")
}

func (f *suiteFlags) validate() error {
	switch {
	case f.timeout <= 0:
		return usageError("--timeout must be positive, got %s", f.timeout)
	case f.budget <= 0:
		return usageError("--budget must be positive, got %s", f.budget)
	case f.grace <= 0:
		return usageError("--grace must be positive, got %s", f.grace)
	}
	if _, err := types.ParseLabelFilter(f.labels); err != nil {
		return usageError("--labels %q: %s", f.labels, plainError(err))
	}
	for flag, path := range map[string]string{"--junit": f.junit, "--json": f.json, "--html": f.html, "--markdown": f.md} {
		if path == "" {
			continue
		}
		// Fail before the run, not after it: losing a finished run's report
		// to a typo in a path is exactly what must not happen.
		if err := checkWritable(path); err != nil {
			return usageError("%s %s: %v", flag, path, err)
		}
	}
	if f.expectedFile != "" {
		var known []string
		for _, in := range suites.Registry().Instances("") {
			known = append(known, in.ID)
		}
		list, err := expect.Load(f.expectedFile, known)
		if err != nil {
			return usageError("--expected-failures: %v", err)
		}
		f.expected = list
	}
	if f.seed == 0 {
		f.seed = time.Now().UnixNano() % 1_000_000_007
	}
	return nil
}

// writeMarkdown writes the Markdown summary atomically.
func writeMarkdown(path string, rep *report.Report, xf *expect.Result) error {
	var b bytes.Buffer
	if err := rep.Markdown(&b, xf); err != nil {
		return fmt.Errorf("--markdown %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--markdown %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("--markdown %s: %w", path, err)
	}
	return nil
}

// plainError flattens an error to one line without terminal colour codes
// (Ginkgo colours its parse errors whatever the output is).
func plainError(err error) string {
	return strings.Join(strings.Fields(ansi.ReplaceAllString(err.Error(), "")), " ")
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func checkWritable(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("is a directory")
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	return fh.Close()
}

// clientOptions are the delivery client's options from the shared flags.
func (f *suiteFlags) clientOptions() harness.ClientOptions {
	return harness.ClientOptions{Timeout: f.timeout, MaxAnswer: 64 << 10}
}

// colorless decides whether Ginkgo may print colour.
func (f *suiteFlags) colorless(s *streams) bool {
	if f.noColor || s.getenv("NO_COLOR") != "" {
		return true
	}
	st, err := os.Stdout.Stat()
	return err != nil || st.Mode()&os.ModeCharDevice == 0
}

// executeSuites runs the selected checks against the sessions' listeners and
// reports. It returns nil only for a conformant run.
func executeSuites(s *streams, f *suiteFlags, sessions []*harness.Session) error {
	var runners []*harness.Runner
	for _, sess := range sessions {
		runners = append(runners, harness.NewRunner(sess, f.strict))
	}
	opts := suites.RunOptions{
		Runners: runners, Labels: f.labels, Seed: f.seed, NoColor: f.colorless(s), Verbose: f.verbose,
		JUnitReport: f.junit, SpecTimeout: 20*f.timeout + f.budget,
	}
	if f.expected != nil {
		today := time.Now()
		opts.Expected = func(id string) bool {
			e, ok := f.expected.Lookup(id)
			return ok && !e.Expired(today)
		}
	}
	selected, err := suites.Selected(opts)
	if err != nil {
		return usageError("%v", err)
	}
	for _, sess := range sessions {
		fmt.Fprintf(s.out, "conform: %s listener, profile %s (%s), seed %d\n", sess.Provider.Title, sess.Profile.Name, sess.Profile.Header, f.seed)
		for _, ep := range sess.Provider.Endpoints {
			fmt.Fprintf(s.out, "  %-9s %s\n", ep.Name, sess.URLs[ep.Name])
		}
	}
	fmt.Fprintf(s.out, "conform: %d checks selected\n", len(selected))
	if err := reachable(s, sessions); err != nil {
		return err
	}

	started := time.Now()
	passed, err := suites.Run(opts)
	if err != nil {
		return err
	}
	rep := report.Build(version, started, f.seed, f.labels, f.strict, runners)
	var xf *expect.Result
	if f.expected != nil {
		res := f.expected.Apply(rep.Checks, time.Now())
		rep.ApplyExpected(&res)
		xf = &res
	}
	rep.WriteSummary(s.out)
	if xf != nil {
		for _, p := range xf.Problems() {
			fmt.Fprintf(s.out, "expected failures: %s\n", p.Message)
		}
	}
	// Every report is attempted even if one fails: a full disk for one file
	// must not lose the others.
	var reportErrs []string
	if f.json != "" {
		if err := rep.WriteJSON(f.json); err != nil {
			reportErrs = append(reportErrs, err.Error())
		} else {
			fmt.Fprintf(s.out, "JSON report: %s\n", f.json)
		}
	}
	if f.html != "" {
		if err := rep.WriteHTML(f.html, xf); err != nil {
			reportErrs = append(reportErrs, err.Error())
		} else {
			fmt.Fprintf(s.out, "HTML report: %s\n", f.html)
		}
	}
	if f.md != "" {
		if err := writeMarkdown(f.md, rep, xf); err != nil {
			reportErrs = append(reportErrs, err.Error())
		} else {
			fmt.Fprintf(s.out, "Markdown summary: %s\n", f.md)
		}
	}
	if f.junit != "" {
		fmt.Fprintf(s.out, "JUnit report: %s\n", f.junit)
	}
	if !f.noStepSummary {
		if path, err := report.WriteStepSummary(rep, xf, s.getenv); err != nil {
			reportErrs = append(reportErrs, "$GITHUB_STEP_SUMMARY: "+err.Error())
		} else if path != "" {
			fmt.Fprintf(s.out, "Markdown summary appended to %s\n", path)
		}
	}
	if len(reportErrs) > 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("writing reports: %s", strings.Join(reportErrs, "; "))}
	}
	if !rep.Conformant || !passed {
		why := fmt.Sprintf("%d failed, %d blocked", rep.Counts["failed"], rep.Counts["blocked"])
		if xf != nil {
			if n := len(xf.Problems()); n > 0 {
				why += fmt.Sprintf(", %d expected-failure entries stale or expired (see above)", n)
			}
		}
		return failedError("not conformant: %s", why)
	}
	return nil
}

// reachable probes every endpoint once before the run: a listener that is not
// there at all is a setup problem (exit 3), not a hundred failed checks.
func reachable(s *streams, sessions []*harness.Session) error {
	for _, sess := range sessions {
		for _, ep := range sess.Provider.Endpoints {
			u := sess.URLs[ep.Name]
			ex := sess.Client.Do(cmdContext(), &harness.Request{Method: "GET", URL: u})
			if !ex.Answered() {
				hint := ""
				switch ex.ErrKind {
				case harness.ErrRefused:
					hint = " — is the listener running, on this host and port?"
				case harness.ErrReset:
					hint = " — the listener accepted the connection and closed it without answering: did it crash on conform's start-up probe (a plain GET to the webhook URL)?"
				case harness.ErrTLS:
					hint = " — for a private CA pass --ca-cert FILE (or --insecure for a throwaway staging certificate)"
				case harness.ErrTimeout:
					hint = " — raise --timeout if the listener is just slow to start"
				}
				return unreachableError("target unreachable: GET %s: %s%s", u, strings.TrimSpace(harness.DescribeOutcome(ex)), hint)
			}
		}
	}
	return nil
}
