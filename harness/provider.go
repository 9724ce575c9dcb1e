// Package harness plays an identity-verification provider against an
// integrator's webhook listener: it builds and signs deliveries the way the
// provider does, sends them, and judges the answers with messages that say
// what to fix. The conformance checks themselves live in package suites; this
// package is the machinery they share, and nothing in it is specific to one
// provider — what differs is a Provider value.
package harness

import (
	"fmt"
	"strings"

	"github.com/conform-kit/conform/signing"
)

// Provider is everything conform needs to know to impersonate one provider
// towards a listener. It is data: adding a provider means adding a value.
type Provider struct {
	Name     string // "veriff": label, flag value and first part of every check ID
	Title    string // "Veriff"
	Document string // the provider document that rules are quoted from

	// APIKeyHeader carries the integrator's API key on every delivery; empty
	// when the provider sends none (Shufti Pro).
	APIKeyHeader string

	// Endpoints are the listener URLs the provider posts to, in flag order.
	Endpoints []Endpoint

	// Kinds describe each kind of delivery: where it goes and where its
	// identifying fields sit in the payload.
	Kinds map[string]Kind

	// Baseline is the fixture ID of the delivery used when a check needs "a
	// correctly signed delivery the listener must accept".
	Baseline string

	// AckNote follows "accepted with 2xx" in verdicts: what the provider's
	// document says about how it treats the answer. Empty when it says nothing.
	AckNote string
}

// Endpoint is one URL the integrator configures at the provider.
type Endpoint struct {
	Name string // "decision", "event", "callback"
	Flag string // the conform run flag that sets it, e.g. "decision-url"
	Path string // default path appended to --target when the flag is not given
}

// Kind is one kind of delivery.
type Kind struct {
	Endpoint string   // Endpoint.Name it is posted to
	IDPath   []string // where the session (Veriff) or request reference (Shufti) id sits
	// IDFormat is "uuid" (a fresh UUID v4 per session) or "reference" (a
	// unique merchant reference string).
	IDFormat string
	// AttemptPath is where an attempt id sits, if the kind carries one.
	AttemptPath []string
	// TimePaths are RFC 3339 timestamps the builder refreshes per delivery.
	TimePaths [][]string
	// Baseline is the fixture of a correctly signed delivery of this kind
	// that the listener must accept, and BaselineCheck the check (area/name)
	// that judges exactly that. Checks expecting a rejection on this
	// endpoint cannot judge a listener that rejects this baseline too.
	Baseline      string
	BaselineCheck string
}

// Veriff is the Veriff provider profile.
var Veriff = Provider{
	Name:         "veriff",
	Title:        "Veriff",
	Document:     "veriff-api-v1-docs.txt",
	APIKeyHeader: "X-AUTH-CLIENT",
	Endpoints: []Endpoint{
		{Name: "decision", Flag: "decision-url", Path: "/veriff/decision"},
		{Name: "event", Flag: "event-url", Path: "/veriff/events"},
	},
	Kinds: map[string]Kind{
		"decision": {
			Endpoint:      "decision",
			IDPath:        []string{"verification", "id"},
			IDFormat:      "uuid",
			TimePaths:     [][]string{{"verification", "acceptanceTime"}, {"verification", "decisionTime"}},
			Baseline:      "veriff/decision/approved",
			BaselineCheck: "signature/valid-accepted",
		},
		"event": {
			Endpoint:      "event",
			IDPath:        []string{"id"},
			IDFormat:      "uuid",
			AttemptPath:   []string{"attemptId"},
			Baseline:      "veriff/event/started",
			BaselineCheck: "events/started-7001",
		},
	},
	Baseline: "veriff/decision/approved",
	AckNote:  " (exactly 200 is best: Veriff retries any non-200 answer for up to a week)",
}

// ShuftiPro is the Shufti Pro provider profile.
var ShuftiPro = Provider{
	Name:     "shuftipro",
	Title:    "Shufti Pro",
	Document: "shuftipro-responses-docs.txt",
	Endpoints: []Endpoint{
		{Name: "callback", Flag: "callback-url", Path: "/shuftipro/callback"},
	},
	Kinds: map[string]Kind{
		"callback": {Endpoint: "callback", IDPath: []string{"reference"}, IDFormat: "reference",
			Baseline: "shuftipro/callback/verification.accepted", BaselineCheck: "signature/valid-accepted"},
	},
	Baseline: "shuftipro/callback/verification.accepted",
}

// Providers lists every provider, in a stable order.
func Providers() []*Provider { return []*Provider{&Veriff, &ShuftiPro} }

// LookupProvider finds a provider by name.
func LookupProvider(name string) (*Provider, error) {
	var names []string
	for _, p := range Providers() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return nil, fmt.Errorf("unknown provider %q (known: %s)", name, strings.Join(names, ", "))
}

// KindNames returns the provider's delivery kinds in endpoint order
// (decision before event), so checks that cover every endpoint are stable.
func (p *Provider) KindNames() []string {
	var out []string
	for _, ep := range p.Endpoints {
		for name, k := range p.Kinds {
			if k.Endpoint == ep.Name {
				out = append(out, name)
			}
		}
	}
	return out
}

// BaselineCheckID is the full ID of the check judging kind's baseline.
func (p *Provider) BaselineCheckID(kind string) string {
	return p.Name + "/" + p.Kinds[kind].BaselineCheck
}

// Profiles returns the provider's signing profiles, default first.
func (p *Provider) Profiles() []signing.Profile { return signing.ForProvider(p.Name) }

// Profile resolves a profile name for this provider; "" means the default.
func (p *Provider) Profile(name string) (signing.Profile, error) {
	profiles := p.Profiles()
	if name == "" {
		return profiles[0], nil
	}
	var names []string
	for _, sp := range profiles {
		if sp.Name == name {
			return sp, nil
		}
		names = append(names, sp.Name)
	}
	return signing.Profile{}, fmt.Errorf("profile %q does not belong to %s (its profiles: %s)", name, p.Title, strings.Join(names, ", "))
}

// OtherProfile returns the provider's other signing profile: the scheme a
// listener most plausibly confuses with the configured one.
func (p *Provider) OtherProfile(sp signing.Profile) signing.Profile {
	for _, o := range p.Profiles() {
		if o.Name != sp.Name {
			return o
		}
	}
	return sp
}
