package mock

import (
	"fmt"
	"time"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/harness/jsontree"
)

// Webhook payloads are built from the golden fixtures (the project's own
// payloads, validated against the schemas by the contract tests): the
// fixture of the decision status or event supplies the shape, the session
// supplies ids, vendorData, names, document and times. Every payload is
// validated against its schema before it is queued, so the mock never sends
// something the contract forbids.

func (m *Mock) decisionPayload(s *session, d *decisionRec, now time.Time) ([]byte, error) {
	id := "veriff/decision/" + d.Status
	switch d.Code {
	case codeSelfID:
		id = "veriff/decision/intermediate-9151"
	case codeVideoCall:
		id = "veriff/decision/intermediate-9161"
	}
	f, err := m.fixtures.Get(id)
	if err != nil {
		return nil, err
	}
	doc := f.Doc()
	set := func(v *jsontree.Node, path ...string) {
		if err == nil {
			err = doc.Set(v, path...)
		}
	}
	set(jsontree.Str(s.id), "verification", "id")
	set(jsontree.Str(d.Status), "verification", "status")
	set(jsontree.Num(d.Code), "verification", "code")
	if d.ReasonCode != nil {
		set(jsontree.Num(*d.ReasonCode), "verification", "reasonCode")
		set(jsontree.Str(*d.Reason), "verification", "reason")
	} else {
		set(&jsontree.Node{Kind: jsontree.Null}, "verification", "reasonCode")
	}
	set(nullableStr(s.vendorData), "verification", "vendorData")
	set(jsontree.Str(fmtTime(s.created)), "verification", "acceptanceTime")
	set(jsontree.Str(fmtTime(now)), "verification", "decisionTime")
	// What the integrator sent is what the provider read: the payload
	// carries the client's own person and document data where given.
	if doc.Get("verification", "person") != nil {
		for _, k := range []string{"firstName", "lastName", "idNumber"} {
			if v, ok := s.person[k]; ok {
				set(jsontree.Str(v), "verification", "person", k)
			}
		}
	}
	if d.Code != codeExpired && doc.Get("verification", "document") != nil {
		for _, k := range []string{"number", "type", "country"} {
			if v, ok := s.document[k]; ok {
				set(jsontree.Str(v), "verification", "document", k)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("building %s for session %s: %w", id, s.id, err)
	}
	return m.checked(f, doc)
}

func (m *Mock) eventPayload(s *session, a *attempt, action string) ([]byte, error) {
	f, err := m.fixtures.Get("veriff/event/" + action)
	if err != nil {
		return nil, err
	}
	doc := f.Doc()
	for _, kv := range []struct {
		v    *jsontree.Node
		path string
	}{
		{jsontree.Str(s.id), "id"},
		{jsontree.Str(a.id), "attemptId"},
		{jsontree.Str(featureSelfID), "feature"},
		{nullableStr(s.vendorData), "vendorData"},
	} {
		if err := doc.Set(kv.v, kv.path); err != nil {
			return nil, err
		}
	}
	return m.checked(f, doc)
}

func (m *Mock) shuftiPayload(r *shuftiRequest, event string) ([]byte, error) {
	f, err := m.fixtures.Get("shuftipro/callback/" + event)
	if err != nil {
		return nil, err
	}
	doc := f.Doc()
	if err := doc.Set(jsontree.Str(r.Reference), "reference"); err != nil {
		return nil, err
	}
	if event == "request.pending" {
		if err := doc.Set(jsontree.Str(r.URL), "verification_url"); err != nil {
			return nil, err
		}
	}
	return m.checked(f, doc)
}

// checked encodes doc the way conform sends every delivery (harness.WireForm)
// and validates it against the fixture's schema.
func (m *Mock) checked(f *harness.Fixture, doc *jsontree.Node) ([]byte, error) {
	body := doc.Encode(harness.WireForm)
	res, err := m.contract.Validate(f.Schema, body)
	if err != nil {
		return nil, err
	}
	if !res.Valid() {
		return nil, fmt.Errorf("mock built an invalid %s payload from %s: %v", f.Schema, f.ID, res.Errors)
	}
	return body, nil
}

func nullableStr(p *string) *jsontree.Node {
	if p == nil {
		return &jsontree.Node{Kind: jsontree.Null}
	}
	return jsontree.Str(*p)
}
