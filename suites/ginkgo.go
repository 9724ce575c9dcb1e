package suites

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL is meant to be dot-imported
	"github.com/onsi/ginkgo/v2/types"

	"github.com/conform-kit/conform/harness"
)

// RunOptions configure one Ginkgo run of the suites.
type RunOptions struct {
	// Runners hold one session per provider under test; checks of other
	// providers are filtered out.
	Runners []*harness.Runner
	// Labels is a Ginkgo label filter ("signature && !should"); empty = all.
	Labels string
	// Seed is Ginkgo's random seed. Checks run in their declared order (see
	// Areas) whatever the seed; it is recorded so a run can be reproduced.
	Seed    int64
	NoColor bool
	Verbose bool
	// JUnitReport, if set, is where Ginkgo writes a JUnit XML report.
	JUnitReport string
	// SpecTimeout bounds one check, as a backstop behind the client's
	// per-request timeout.
	SpecTimeout time.Duration
	// Expected reports whether a check is listed as an expected failure
	// (and the entry has not expired). Such a check still runs; its failure
	// is reported, not raised. Whether the list is stale is judged after the
	// run, from the outcomes (package expect).
	Expected func(id string) bool
}

// LabelFilter combines the providers under test with the user's filter.
func (o RunOptions) LabelFilter() string {
	var ps []string
	for _, r := range o.Runners {
		ps = append(ps, r.Session.Provider.Name)
	}
	f := "(" + strings.Join(ps, " || ") + ")"
	if strings.TrimSpace(o.Labels) != "" {
		f += " && (" + o.Labels + ")"
	}
	return f
}

// Selected returns the check instances the options select, validating the
// user's label filter first: Ginkgo exits the process on a malformed filter,
// and conform must answer that with a usage error instead.
func Selected(o RunOptions) ([]harness.Instance, error) {
	if len(o.Runners) == 0 {
		return nil, errors.New("no provider to run")
	}
	if _, err := types.ParseLabelFilter(o.Labels); err != nil {
		return nil, fmt.Errorf("--labels %q: %s", o.Labels, oneLine(err))
	}
	filter, err := types.ParseLabelFilter(o.LabelFilter())
	if err != nil {
		return nil, fmt.Errorf("--labels %q: %s", o.Labels, oneLine(err))
	}
	provides := map[string]*harness.Session{}
	for _, r := range o.Runners {
		provides[r.Session.Provider.Name] = r.Session
	}
	var out []harness.Instance
	for _, in := range registry.Instances("") {
		if s := provides[in.Provider.Name]; filter(in.Labels) && s != nil && s.Provides(in.Check.Needs) {
			out = append(out, in)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--labels %q selects no check (labels in use: %s)", o.Labels, strings.Join(registry.Labels(), ", "))
	}
	return out, nil
}

// oneLine flattens an error to one line without terminal colour codes
// (Ginkgo colours its parse errors whatever the output is).
func oneLine(err error) string {
	return strings.Join(strings.Fields(ansi.ReplaceAllString(err.Error(), "")), " ")
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// ginkgoT is the GinkgoTestingT a binary hands to RunSpecs.
type ginkgoT struct{ failed bool }

func (t *ginkgoT) Fail() { t.failed = true }

var ranOnce sync.Once

// Run declares one Ginkgo spec per check and runs those the options select.
// Ginkgo allows RunSpecs once per process, so Run may be called only once;
// a second call returns an error.
func Run(o RunOptions) (passed bool, err error) {
	if _, err := Selected(o); err != nil {
		return false, err
	}
	err = errors.New("suites.Run may run only once per process (a Ginkgo limit)")
	ranOnce.Do(func() {
		err = nil
		declareSpecs(o)
		suiteConfig, reporterConfig := GinkgoConfiguration()
		suiteConfig.LabelFilter = o.LabelFilter()
		suiteConfig.RandomSeed = o.Seed
		suiteConfig.FailOnEmpty = true
		suiteConfig.Timeout = 0
		reporterConfig.NoColor = o.NoColor
		reporterConfig.Succinct = !o.Verbose
		reporterConfig.Verbose = o.Verbose
		reporterConfig.JUnitReport = o.JUnitReport
		t := &ginkgoT{}
		passed = RunSpecs(t, "conform", suiteConfig, reporterConfig) && !t.failed
	})
	return passed, err
}

// declareSpecs builds the tree: one container per provider, labelled with
// its name, one spec per check, labelled with the check's labels.
func declareSpecs(o RunOptions) {
	runners := map[string]*harness.Runner{}
	for _, r := range o.Runners {
		runners[r.Session.Provider.Name] = r
	}
	timeout := o.SpecTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	for _, p := range harness.Providers() {
		r, ok := runners[p.Name]
		if !ok {
			continue
		}
		// Ordered keeps the declared order (Ginkgo otherwise sorts specs
		// declared on one line by their text); ContinueOnFailure keeps an
		// Ordered container running after a failed check.
		Describe(p.Title, Label(p.Name), Ordered, ContinueOnFailure, func() {
			for _, in := range registry.Instances(p.Name) {
				if !r.Session.Provides(in.Check.Needs) {
					continue // e.g. lifecycle checks without a test hook: not declared, so never "passed"
				}
				It(in.ID, Label(in.Labels...), SpecTimeout(timeout), func(ctx SpecContext) {
					out := r.Execute(ctx, in)
					if (out.Status == harness.Failed || out.Status == harness.Blocked) && o.Expected != nil && o.Expected(in.ID) {
						AddReportEntry("expected failure (listed in --expected-failures)", out.Message)
						return
					}
					switch out.Status {
					case harness.Failed:
						Fail(out.Message)
					case harness.Blocked:
						Skip(out.Message)
					case harness.Warned:
						AddReportEntry("SHOULD not met (fails only with --strict)", out.Message)
					}
				})
			}
		})
	}
}

// Catalogue renders every check as Markdown: the checked-in CATALOGUE.md is
// this output, and a test fails when the two drift.
func Catalogue() string {
	var b strings.Builder
	b.WriteString("# Conformance check catalogue\n\n")
	b.WriteString("Generated from the check declarations in `suites/` by `go run ./cmd/conform list --format markdown`;\n")
	b.WriteString("do not edit by hand (`go test ./suites/` fails when this file and the code differ).\n\n")
	b.WriteString("Severity: **MUST** fails the run; **SHOULD** is reported, and fails the run only with `--strict`.\n")
	b.WriteString("Run a subset with `conform run --labels '<filter>'` (Ginkgo label-filter syntax) using the labels below.\n\n")
	for _, p := range harness.Providers() {
		ins := registry.Instances(p.Name)
		fmt.Fprintf(&b, "## %s (%d checks)\n\nRules are quoted from `%s`.\n\n", p.Title, len(ins), p.Document)
		b.WriteString("| ID | Severity | Labels | Checks that | Rule (section: quote) | Declared at |\n")
		b.WriteString("|---|---|---|---|---|---|\n")
		for _, in := range ins {
			labels := append([]string(nil), in.Labels...)
			sort.Strings(labels)
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s: “%s” | `%s` |\n",
				in.ID, in.Check.Severity, strings.Join(labels, ", "), mdCell(in.Check.Title),
				mdCell(in.Rule.Section), mdCell(in.Rule.Quote), in.Source())
		}
		b.WriteString("\n")
	}
	return b.String()
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
