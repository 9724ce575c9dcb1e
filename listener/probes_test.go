package listener

import (
	"bytes"
	"github.com/conform-kit/conform/signing"
	"net/http"
)

// probe is one request sequence; want is the reference listener's outcome
// (statuses joined by commas). verified marks probes whose every request
// reaches signature verification carrying a correct signature of the
// listener's own profile (and passes it in the reference listener).
type probe struct {
	name     string
	want     string
	verified bool
	reqs     func(e env) []*http.Request
}

const (
	sessA = "5c0f8f3e-8a53-4c8e-9a61-0d6a3b7f1c21"
	sessB = "a8e2d7b4-1f3c-4e9a-b7d0-6c5e4f3a2b19"
)

// prettyBody is a decision or callback as a provider could send it: with
// white space, an escaped non-ASCII character and an escaped slash. Its raw
// bytes differ from its JSON.stringify re-serialization.
func (e env) prettyBody() []byte {
	if e.veriff() {
		return []byte("{\n  \"status\": \"success\",\n  \"verification\": {\n    \"id\": \"" + sessA +
			"\",\n    \"status\": \"approved\",\n    \"code\": 9001,\n    \"person\": {\"firstName\": \"J\\u00fcri\", \"lastName\": \"M\\u00e4gi\"},\n" +
			"    \"decisionTime\": \"2031-05-04T10:00:00.000Z\",\n    \"vendorData\": \"crm\\/4471\"\n  }\n}\n")
	}
	return []byte("{\n  \"reference\": \"ref-pretty-1\",\n  \"event\": \"verification.accepted\",\n  \"verification_data\": {\"document\": {\"name\": {\"first_name\": \"J\\u00fcri\"}}},\n  \"country\": \"EE\",\n  \"note\": \"a\\/b\"\n}\n")
}

// probes returns the probes for one profile, with the reference outcomes the
// documents require.
func probes(e env) []probe {
	main := e.mainPath()
	body := e.mainBody(sessA)
	sig := func(b []byte) string { return e.p.Sign(testSecret, b) }
	one := func(r *http.Request) []*http.Request { return []*http.Request{r} }
	ps := []probe{
		{"signed", "200", true, func(e env) []*http.Request { return one(e.post(main, body)) }},
		{"uppercase-signature", "200", true, func(e env) []*http.Request {
			return one(e.post(main, body, setHeader(e.p.Header, upper(sig(body)))))
		}},
		{"charset-parameter", "200", true, func(e env) []*http.Request {
			return one(e.post(main, body, setHeader("Content-Type", "application/json; charset=utf-8")))
		}},
		{"pretty-body", "200", true, func(e env) []*http.Request { return one(e.post(main, e.prettyBody())) }},
		{"crlf-body", "200", true, func(e env) []*http.Request {
			return one(e.post(main, bytes.ReplaceAll(e.prettyBody(), []byte("\n"), []byte("\r\n"))))
		}},
		{"unknown-fields", "200", true, func(e env) []*http.Request {
			b := append(body[:len(body)-1:len(body)-1], []byte(`,"addedIn2031":{"x":[1,2]}}`)...)
			return one(e.post(main, b))
		}},
		{"bad-signature", "401", false, func(e env) []*http.Request {
			return one(e.post(main, body, setHeader(e.p.Header, sig([]byte(`{"other":"body"}`)))))
		}},
		{"missing-signature", "401", false, func(e env) []*http.Request {
			return one(e.post(main, body, delHeader(e.p.Header)))
		}},
		{"signature-with-space", "401", false, func(e env) []*http.Request {
			return one(e.post(main, body, setHeader(e.p.Header, " "+sig(body))))
		}},
		{"truncated-signature", "401", false, func(e env) []*http.Request {
			return one(e.post(main, body, setHeader(e.p.Header, sig(body)[:32])))
		}},
		{"secret-prepended-signature", "401", false, func(e env) []*http.Request {
			return one(e.post(main, body, setHeader(e.p.Header, secretPrepended(body))))
		}},
		{"other-formula-signature", "401", false, func(e env) []*http.Request {
			return one(e.post(main, body, setHeader(e.p.Header, e.other().Sign(testSecret, body))))
		}},
		{"signature-of-reserialized", "401", false, func(e env) []*http.Request {
			pb := e.prettyBody()
			re, err := signing.JSONStringify(pb)
			if err != nil {
				panic(err)
			}
			return one(e.post(main, pb, setHeader(e.p.Header, sig(re))))
		}},
		{"invalid-json-signed", "400", true, func(e env) []*http.Request {
			return one(e.post(main, []byte(`{"status":"success","verification":{"id":`)))
		}},
		{"invalid-json-unsigned", "401", false, func(e env) []*http.Request {
			return one(e.post(main, []byte(`{"status":`), setHeader(e.p.Header, sig(body))))
		}},
		{"empty-signed", "400", true, func(e env) []*http.Request { return one(e.post(main, nil)) }},
		{"non-object-signed", "400", true, func(e env) []*http.Request { return one(e.post(main, []byte(`[{"id":1}]`))) }},
		{"non-object-unsigned", "401", false, func(e env) []*http.Request {
			return one(e.post(main, []byte(`"success"`), setHeader(e.p.Header, sig(body))))
		}},
		{"get", "405", false, func(e env) []*http.Request { return one(e.post(main, nil, method(http.MethodGet))) }},
		{"text-plain", "415", false, func(e env) []*http.Request {
			return one(e.post(main, body, setHeader("Content-Type", "text/plain")))
		}},
		{"no-content-type", "415", false, func(e env) []*http.Request {
			return one(e.post(main, body, delHeader("Content-Type")))
		}},
		{"duplicate", "200,200", true, func(e env) []*http.Request {
			return []*http.Request{e.post(main, body), e.post(main, body)}
		}},
		{"two-sessions", "200,200", true, func(e env) []*http.Request {
			return []*http.Request{e.post(main, body), e.post(main, e.mainBody(sessB))}
		}},
		{"unknown-path", "404", false, func(e env) []*http.Request { return one(e.post("/webhook", body)) }},
	}
	if e.veriff() {
		ps = append(ps, []probe{
			{"event", "200", true, func(e env) []*http.Request {
				return one(e.post(VeriffEventPath, event(sessA, 7001, "started")))
			}},
			{"event-bad-signature", "401", false, func(e env) []*http.Request {
				b := event(sessA, 7001, "started")
				return one(e.post(VeriffEventPath, b, setHeader(e.p.Header, sig([]byte(`{"other":"body"}`)))))
			}},
			{"event-wrong-key", "401", false, func(e env) []*http.Request {
				return one(e.post(VeriffEventPath, event(sessA, 7001, "started"), setHeader("X-AUTH-CLIENT", "not-the-key")))
			}},
			{"no-credentials", "401", false, func(e env) []*http.Request {
				return one(e.post(main, body, delHeader("X-AUTH-CLIENT"), delHeader(e.p.Header)))
			}},
			{"event-unknown-code", "200", true, func(e env) []*http.Request {
				return one(e.post(VeriffEventPath, event(sessA, 7099, "some_future_action")))
			}},
			{"decision-declined", "200", true, func(e env) []*http.Request {
				return one(e.post(main, decision(sessA, "declined", 9102, "2031-05-04T10:00:00Z")))
			}},
			{"decision-resubmission", "200", true, func(e env) []*http.Request {
				return one(e.post(main, decision(sessA, "resubmission_requested", 9103, "2031-05-04T10:00:00Z")))
			}},
			{"decision-review", "200", true, func(e env) []*http.Request {
				return one(e.post(main, decision(sessA, "review", 9121, "2031-05-04T10:00:00Z")))
			}},
			{"decision-9161", "200", true, func(e env) []*http.Request {
				return one(e.post(main, decision(sessA, "approved", 9161, "2031-05-04T10:00:00Z")))
			}},
			{"decision-expired", "200", true, func(e env) []*http.Request {
				return one(e.post(main, decision(sessA, "expired", 9104, "2031-05-11T10:00:00Z")))
			}},
			{"decision-abandoned", "200", true, func(e env) []*http.Request {
				return one(e.post(main, decision(sessA, "abandoned", 9104, "2031-05-11T10:00:00Z")))
			}},
			{"wrong-api-key", "401", false, func(e env) []*http.Request {
				return one(e.post(main, body, setHeader("X-AUTH-CLIENT", "not-the-key")))
			}},
			{"missing-api-key", "401", false, func(e env) []*http.Request {
				return one(e.post(main, body, delHeader("X-AUTH-CLIENT")))
			}},
			{"other-scheme-header-only", "401", false, func(e env) []*http.Request {
				o := e.other()
				return one(e.post(main, body, delHeader(e.p.Header), setHeader(o.Header, o.Sign(testSecret, body))))
			}},
			{"event-after-decision", "200,200", true, func(e env) []*http.Request {
				return []*http.Request{e.post(main, body), e.post(VeriffEventPath, event(sessA, 7002, "submitted"))}
			}},
			{"older-decision-after-newer", "200,200", true, func(e env) []*http.Request {
				return []*http.Request{
					e.post(main, decision(sessA, "approved", 9001, "2031-05-04T10:00:00Z")),
					e.post(main, decision(sessA, "resubmission_requested", 9103, "2031-05-03T10:00:00Z")),
				}
			}},
		}...)
	} else {
		for _, ev := range []string{"request.pending", "verification.cancelled", "request.timeout", "verification.declined",
			"verification.status.changed", "request.deleted", "request.received", "review.pending", "some.future.event"} {
			ps = append(ps, probe{"callback-" + ev, "200", true, func(e env) []*http.Request {
				return one(e.post(main, callback("ref-"+ev, ev)))
			}})
		}
		ps = append(ps, probe{"callback-after-final", "200,200", true, func(e env) []*http.Request {
			return []*http.Request{
				e.post(main, callback("ref-late", "verification.accepted")),
				e.post(main, callback("ref-late", "request.pending")),
			}
		}})
	}
	return ps
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
