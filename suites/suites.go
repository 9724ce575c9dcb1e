// Package suites declares conform's conformance checks, one file per area of
// the providers' documents (transport, auth, signature, invalid-json,
// decisions, events, duplicates, expiry), and runs them as Ginkgo specs.
//
// Every check is declared once with harness.Registry.Define: a stable ID
// (<provider>/<area>/<name>), a severity, labels, and for each provider it
// applies to, the sentence of that provider's document it enforces. The
// catalogue (CATALOGUE.md) is generated from these declarations.
package suites

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/conform-kit/conform/harness"
)

// Areas, in the order checks run.
var Areas = []string{"transport", "auth", "signature", "decisions", "events", "duplicates", "expiry", "invalid-json", "liveness", "lifecycle"}

var registry = harness.NewRegistry(Areas...)

// Registry returns every declared check.
func Registry() *harness.Registry { return registry }

// Document sections quoted by more than one check.
var (
	veriffSecurity = harness.Rule{Section: "Testing security", Quote: "Decision webhook with mismatched X-SIGNATURE should not be accepted"}
	shuftiValidate = harness.Rule{Section: "Responses", Quote: "Be sure to validate the request by generating signature and matching it with the Signature value from the response header."}
	veriffRetry    = harness.Rule{Section: "Configuring the webhook endpoint", Quote: "If there is a network connectivity issue or technical issue with delivering the notification (any non-200 response code), Veriff will retry the notification multiple times for up to a week."}
	veriffAccept   = harness.Rule{Section: "Testing responses", Quote: "Each type of response should be accepted"}
)

// accepted passes when the listener acknowledged the delivery with 2xx.
func accepted(s *harness.Session, ex *harness.Exchange, what string) *harness.Failure {
	if st := ex.Status(); st >= 200 && st < 300 {
		return nil
	}
	f := &harness.Failure{
		Expected: what + " is accepted with 2xx" + s.Provider.AckNote,
		Actual:   harness.DescribeOutcome(ex),
		Exchange: ex,
	}
	switch st := ex.Status(); {
	case st == 0:
		f.Fix = "the listener did not answer; it must answer every correctly signed delivery"
	case st == 401 || st == 403:
		f.Fix = "the listener rejected a correctly signed delivery: check the signature formula and that it hashes the raw body bytes"
	case st >= 300 && st < 400:
		f.Fix = "configure the provider with the final URL; a redirect is not followed"
	case st >= 500:
		f.Fix = "the listener failed on a valid delivery; it must store it and answer 200"
	default:
		f.Fix = "accept every documented value (and unknown fields/values the provider adds over time) and answer 200"
	}
	return f
}

// rejected passes when the listener refused the delivery with 4xx.
func rejected(ex *harness.Exchange, what, fix string) *harness.Failure {
	st := ex.Status()
	if st >= 400 && st < 500 {
		return nil
	}
	f := &harness.Failure{
		Expected: what + " is rejected with 4xx (401 for authentication failures, 400 for bad input)",
		Actual:   harness.DescribeOutcome(ex),
		Fix:      fix,
		Exchange: ex,
	}
	switch {
	case st >= 200 && st < 300:
		f.Actual += " — the listener ACCEPTED it"
	case st >= 500:
		f.Fix += "; answer 4xx, not 5xx: a 5xx says the listener failed, and the provider retries it"
	case st >= 300 && st < 400:
		f.Fix += "; do not redirect"
	}
	return f
}

// sigFix tells the integrator how to verify the configured profile.
func sigFix(s *harness.Session) string {
	return fmt.Sprintf("verify %s = %s over the raw request body bytes, before parsing, compare in constant time, and answer 401 when it is missing or differs",
		s.Profile.Header, s.Profile.Formula)
}

// eachEndpoint calls send once per webhook URL of the provider (Veriff's
// decision and event URLs; Shufti Pro's callback URL) with a fresh baseline
// delivery of that endpoint's kind, and returns the first failure.
// Integrators often verify one handler and forget the other.
func eachEndpoint(s *harness.Session, send func(kind string, d *harness.Delivery) *harness.Failure) *harness.Failure {
	for _, kind := range s.Provider.KindNames() {
		d, err := s.Baseline(kind)
		if err != nil {
			panic(err)
		}
		if f := send(kind, d); f != nil {
			return f
		}
	}
	return nil
}

// baseline is a fresh, valid delivery of the provider's baseline fixture.
func baseline(s *harness.Session) *harness.Delivery {
	return must(s.NewDelivery(s.Provider.Baseline))
}

// must turns a fixture error into a panic, which the runner reports as a bug
// in conform: fixtures are the project's own data and are tested.
func must(d *harness.Delivery, err error) *harness.Delivery {
	if err != nil {
		panic(err)
	}
	return d
}

// deliverAll sends deliveries in order and requires each to be accepted.
func deliverAll(ctx context.Context, s *harness.Session, what string, ds ...*harness.Delivery) *harness.Failure {
	var sent []*harness.Exchange
	for i, d := range ds {
		ex := s.Deliver(ctx, d)
		if f := accepted(s, ex, fmt.Sprintf("%s (delivery %d of %d)", what, i+1, len(ds))); f != nil {
			f.Sent = sent
			return f
		}
		sent = append(sent, ex)
	}
	return nil
}

// withHeader returns a copy of r with header k set to v (or removed if v is nil).
func withHeader(r *harness.Request, k string, v *string) *harness.Request {
	c := *r
	c.Header = r.Header.Clone()
	if v == nil {
		c.Header.Del(k)
	} else {
		c.Header[http.CanonicalHeaderKey(k)] = []string{*v}
	}
	return &c
}

func ptr(s string) *string { return &s }

// flipLastHex changes the last hex digit of a signature.
func flipLastHex(sig string) string {
	if sig == "" {
		return sig
	}
	last := sig[len(sig)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return sig[:len(sig)-1] + string(repl)
}

func codeList(codes []int) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, ", ")
}
