package harness

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// Severity says whether a violated check fails the run.
type Severity string

// MUST checks fail the run; SHOULD checks are reported and fail it only with
// --strict.
const (
	MUST   Severity = "MUST"
	SHOULD Severity = "SHOULD"
)

// Rule is the provider's own sentence that a check enforces.
type Rule struct {
	Section string // heading in the provider document
	Quote   string // verbatim (or trimmed with …) from the document
}

// Check is one conformance check, declared once for every provider it
// applies to. A check applies to exactly the providers it quotes a rule for:
// no rule, no check — every verdict traces back to a sentence in a document.
type Check struct {
	Area     string   // first label and middle part of the ID: "signature"
	Name     string   // last part of the ID: "mismatch-one-digit"
	Title    string   // one line: what is checked
	Severity Severity // MUST or SHOULD
	Labels   []string // extra labels (the provider, area and severity are added)
	Rules    map[string]Rule

	// Disruptive checks send something that may crash a listener; the runner
	// probes liveness after them.
	Disruptive bool
	// NeedsAcceptance marks checks whose verdict depends on the listener
	// accepting a correctly signed delivery at all. If the baseline check
	// ("<provider>/signature/valid-accepted") failed, they are reported as
	// blocked by it instead of failing for a reason that is not theirs.
	NeedsAcceptance bool
	// Rejects marks checks that pass when the listener refuses what they
	// send. Such a pass means nothing if the listener also refuses the
	// correctly signed baseline of the same endpoint (it refuses
	// everything), so the check is then blocked by that baseline's check.
	Rejects bool

	// Needs names a capability beyond a webhook listener that the check
	// requires (e.g. "lifecycle": an integrator test hook and a mock
	// provider). A run selects such checks only when its sessions provide
	// it (Session.Provides); they are never reported as passed otherwise.
	Needs string

	Run func(ctx context.Context, s *Session) *Failure

	source string // file:line of the declaration, for the catalogue
}

// Instance is a check bound to one provider: what the catalogue lists and
// what Ginkgo runs.
type Instance struct {
	ID       string
	Provider *Provider
	Check    *Check
	Rule     Rule
	Labels   []string
}

// Source is where the check is declared, relative to the module root.
func (i Instance) Source() string { return i.Check.source }

// Registry holds every declared check.
type Registry struct {
	checks []*Check
	ids    map[string]string // ID -> source, to reject duplicates
	areas  []string
}

// NewRegistry returns an empty registry whose checks run area by area in
// the given order (then in declaration order). The order is part of the
// design: cheap liveness checks first, so a listener that dies early is
// blamed on the transport check that saw it die, and disruptive checks last.
func NewRegistry(areaOrder ...string) *Registry {
	return &Registry{ids: map[string]string{}, areas: areaOrder}
}

var namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9.]+)*$`)

// Define declares a check. It panics on a malformed or duplicate declaration:
// those are programming errors, and the suites' own tests call every
// declaration, so they never reach a user.
func (r *Registry) Define(c Check) *Check {
	_, file, line, _ := runtime.Caller(1)
	c.source = fmt.Sprintf("%s:%d", moduleRelative(file), line)
	switch {
	case !namePattern.MatchString(c.Area), !namePattern.MatchString(c.Name):
		panic(fmt.Sprintf("%s: check area %q / name %q must be lowercase words joined by '-'", c.source, c.Area, c.Name))
	case c.Title == "", c.Run == nil:
		panic(fmt.Sprintf("%s: check %s/%s needs a Title and a Run", c.source, c.Area, c.Name))
	case c.Severity != MUST && c.Severity != SHOULD:
		panic(fmt.Sprintf("%s: check %s/%s has severity %q", c.source, c.Area, c.Name, c.Severity))
	case !contains(r.areas, c.Area):
		panic(fmt.Sprintf("%s: check %s/%s: area %q is not in the registry's order %v", c.source, c.Area, c.Name, c.Area, r.areas))
	case len(c.Rules) == 0:
		panic(fmt.Sprintf("%s: check %s/%s quotes no provider rule", c.source, c.Area, c.Name))
	}
	for provider, rule := range c.Rules {
		if _, err := LookupProvider(provider); err != nil {
			panic(fmt.Sprintf("%s: %v", c.source, err))
		}
		if rule.Section == "" || rule.Quote == "" {
			panic(fmt.Sprintf("%s: check %s/%s: the %s rule needs a section and a quote", c.source, c.Area, c.Name, provider))
		}
		id := provider + "/" + c.Area + "/" + c.Name
		if prev, dup := r.ids[id]; dup {
			panic(fmt.Sprintf("%s: duplicate check ID %s (first declared at %s)", c.source, id, prev))
		}
		r.ids[id] = c.source
	}
	cc := c
	r.checks = append(r.checks, &cc)
	// Run order: area order, then source order. Go initializes package
	// variables across files in dependency order, not reading order, so the
	// order of Define calls alone would not be stable under refactoring.
	sort.SliceStable(r.checks, func(i, j int) bool {
		a, b := r.checks[i], r.checks[j]
		if ai, bi := indexOf(r.areas, a.Area), indexOf(r.areas, b.Area); ai != bi {
			return ai < bi
		}
		af, al := splitSource(a.source)
		bf, bl := splitSource(b.source)
		if af != bf {
			return af < bf
		}
		return al < bl
	})
	return &cc
}

// Instances returns the checks of one provider ("" for all), in declaration
// order, which is the order they run in.
func (r *Registry) Instances(provider string) []Instance {
	var out []Instance
	for _, p := range Providers() {
		if provider != "" && p.Name != provider {
			continue
		}
		for _, c := range r.checks {
			rule, ok := c.Rules[p.Name]
			if !ok {
				continue
			}
			labels := []string{p.Name, c.Area, strings.ToLower(string(c.Severity))}
			for _, l := range c.Labels {
				if !contains(labels, l) {
					labels = append(labels, l)
				}
			}
			out = append(out, Instance{
				ID:       p.Name + "/" + c.Area + "/" + c.Name,
				Provider: p,
				Check:    c,
				Rule:     rule,
				Labels:   labels,
			})
		}
	}
	return out
}

// Labels returns every label in use, sorted.
func (r *Registry) Labels() []string {
	set := map[string]bool{}
	for _, in := range r.Instances("") {
		for _, l := range in.Labels {
			set[l] = true
		}
	}
	out := make([]string, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func splitSource(src string) (string, int) {
	i := strings.LastIndex(src, ":")
	line, _ := strconv.Atoi(src[i+1:])
	return src[:i], line
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// moduleRelative trims a compile-time path to the part under the module root
// (the directory holding go.mod), so catalogue entries do not depend on where
// the repository was checked out.
func moduleRelative(file string) string {
	file = filepath.ToSlash(file)
	for _, marker := range []string{"/suites/", "/harness/"} {
		if i := strings.LastIndex(file, marker); i >= 0 {
			return file[i+1:]
		}
	}
	return filepath.Base(file)
}
