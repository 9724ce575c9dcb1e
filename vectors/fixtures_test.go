package vectors

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	conform "github.com/conform-kit/conform"
)

// These tests guard golden/fixtures: the payload fixtures the harness sends.
// Schema validity is helper A's contract package's job; here we check that the
// index and the files agree, that every decision, event and callback the task
// lists is present, and that no document example value slipped in.

type fixtureEntry struct {
	ID          string `json:"id"`
	Provider    string `json:"provider"`
	Kind        string `json:"kind"`
	Schema      string `json:"schema"`
	File        string `json:"file"`
	Status      string `json:"status,omitempty"`
	Code        int    `json:"code,omitempty"`
	ReasonCode  *int   `json:"reasonCode"`
	Action      string `json:"action,omitempty"`
	Event       string `json:"event,omitempty"`
	Description string `json:"description"`
}

const fixturesDir = "golden/fixtures"

func loadIndex(t *testing.T, fsys fs.FS) []fixtureEntry {
	t.Helper()
	data, err := fs.ReadFile(fsys, fixturesDir+"/index.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var idx struct {
		Fixtures []fixtureEntry `json:"fixtures"`
	}
	if err := dec.Decode(&idx); err != nil {
		t.Fatalf("index.json: %v", err)
	}
	return idx.Fixtures
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestFixtureIndexMatchesFiles(t *testing.T) {
	entries := loadIndex(t, repo)
	ids := map[string]bool{}
	files := map[string]bool{}
	for _, e := range entries {
		if e.ID == "" || e.Description == "" || e.Schema == "" || e.File == "" {
			t.Errorf("%+v: id, description, schema and file are required", e)
			continue
		}
		if ids[e.ID] || files[e.File] {
			t.Errorf("%s: duplicate id or file", e.ID)
		}
		ids[e.ID], files[e.File] = true, true
		data, err := fs.ReadFile(repo, path.Join(fixturesDir, e.File))
		if err != nil {
			t.Errorf("%s: %v", e.ID, err)
			continue
		}
		if !utf8.Valid(data) {
			t.Errorf("%s: not UTF-8", e.File)
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			t.Errorf("%s: not one JSON object: %v", e.File, err)
			continue
		}
		if dec.More() {
			t.Errorf("%s: more than one JSON value", e.File)
		}
		// Pretty-printed, two-space indent, one trailing newline.
		var want bytes.Buffer
		if err := json.Indent(&want, bytes.TrimSpace(data), "", "  "); err != nil || want.String()+"\n" != string(data) {
			t.Errorf("%s: not pretty-printed with a two-space indent and one trailing newline", e.File)
		}
		switch e.Kind {
		case "decision":
			checkDecision(t, e, obj)
		case "event":
			checkEvent(t, e, obj)
		case "callback":
			checkCallback(t, e, obj)
		default:
			t.Errorf("%s: unknown kind %q", e.ID, e.Kind)
		}
	}
	// Every fixture file is in the index.
	err := fs.WalkDir(repo, fixturesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == fixturesDir+"/index.json" {
			return err
		}
		if !files[strings.TrimPrefix(p, fixturesDir+"/")] {
			t.Errorf("%s is not in index.json", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func num(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil
}

func checkDecision(t *testing.T, e fixtureEntry, obj map[string]any) {
	if e.Provider != "veriff" || e.Schema != "veriff/decision-webhook" {
		t.Errorf("%s: provider/schema %s/%s", e.ID, e.Provider, e.Schema)
	}
	if obj["status"] != "success" {
		t.Errorf("%s: top-level status %v", e.ID, obj["status"])
	}
	ver, _ := obj["verification"].(map[string]any)
	if ver == nil {
		t.Errorf("%s: no verification object", e.ID)
		return
	}
	if code, ok := num(ver["code"]); !ok || code != e.Code {
		t.Errorf("%s: code %v, index says %d", e.ID, ver["code"], e.Code)
	}
	if ver["status"] != e.Status {
		t.Errorf("%s: status %v, index says %s", e.ID, ver["status"], e.Status)
	}
	rc, isNum := num(ver["reasonCode"])
	switch {
	case e.ReasonCode == nil && ver["reasonCode"] != nil:
		t.Errorf("%s: reasonCode %v, index says null", e.ID, ver["reasonCode"])
	case e.ReasonCode != nil && (!isNum || rc != *e.ReasonCode):
		t.Errorf("%s: reasonCode %v, index says %d", e.ID, ver["reasonCode"], *e.ReasonCode)
	}
	// Decline reasons are 1xx, resubmission reasons 2xx (Response and error codes).
	if e.Code == 9102 && (e.ReasonCode == nil || *e.ReasonCode/100 != 1) {
		t.Errorf("%s: a decline needs a 1xx reasonCode", e.ID)
	}
	if e.Code == 9103 && (e.ReasonCode == nil || *e.ReasonCode/100 != 2) {
		t.Errorf("%s: a resubmission needs a 2xx reasonCode", e.ID)
	}
	if id, _ := ver["id"].(string); !uuidV4.MatchString(id) {
		t.Errorf("%s: verification.id %q is not a UUID v4", e.ID, id)
	}
	for _, k := range []string{"reason", "person", "document", "comments", "vendorData", "decisionTime", "acceptanceTime", "additionalVerifiedData"} {
		if _, ok := ver[k]; !ok {
			t.Errorf("%s: verification.%s missing", e.ID, k)
		}
	}
	if td, _ := obj["technicalData"].(map[string]any); td == nil || td["ip"] == nil {
		t.Errorf("%s: technicalData.ip missing", e.ID)
	}
}

func checkEvent(t *testing.T, e fixtureEntry, obj map[string]any) {
	if e.Provider != "veriff" || e.Schema != "veriff/event-webhook" {
		t.Errorf("%s: provider/schema %s/%s", e.ID, e.Provider, e.Schema)
	}
	if code, ok := num(obj["code"]); !ok || code != e.Code || obj["action"] != e.Action {
		t.Errorf("%s: code/action %v/%v, index says %d/%s", e.ID, obj["code"], obj["action"], e.Code, e.Action)
	}
	for _, k := range []string{"id", "attemptId"} {
		if s, _ := obj[k].(string); !uuidV4.MatchString(s) {
			t.Errorf("%s: %s %q is not a UUID v4", e.ID, k, s)
		}
	}
	if obj["feature"] != "selfid" {
		t.Errorf("%s: feature %v", e.ID, obj["feature"])
	}
}

func checkCallback(t *testing.T, e fixtureEntry, obj map[string]any) {
	if e.Provider != "shuftipro" || e.Schema != "shuftipro/response" {
		t.Errorf("%s: provider/schema %s/%s", e.ID, e.Provider, e.Schema)
	}
	if obj["event"] != e.Event {
		t.Errorf("%s: event %v, index says %s", e.ID, obj["event"], e.Event)
	}
	if s, _ := obj["reference"].(string); s == "" {
		t.Errorf("%s: reference missing", e.ID)
	}
	// Per event, what the Shufti document says the response adds.
	need := map[string][]string{
		"request.pending":       {"verification_url"},
		"verification.accepted": {"verification_result", "verification_data", "info", "additional_data"},
		"verification.declined": {"verification_result", "verification_data", "info", "additional_data", "declined_reason", "declined_codes", "services_declined_codes"},
	}[e.Event]
	for _, k := range need {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s: %s missing", e.ID, k)
		}
	}
	if e.Event != "verification.declined" {
		for _, k := range []string{"declined_reason", "declined_codes", "services_declined_codes"} {
			if _, ok := obj[k]; ok {
				t.Errorf("%s: %s is only returned for verification.declined", e.ID, k)
			}
		}
	}
}

func TestFixturesCoverEveryOutcome(t *testing.T) {
	have := map[string]bool{}
	for _, e := range loadIndex(t, repo) {
		switch e.Kind {
		case "decision":
			have[e.Status+"/"+itoa(e.Code)] = true
		case "event":
			have["event/"+itoa(e.Code)+"/"+e.Action] = true
		case "callback":
			have["callback/"+e.Event] = true
		}
	}
	want := []string{
		"approved/9001", "declined/9102", "resubmission_requested/9103", "expired/9104", "abandoned/9104",
		"review/9121", "approved/9151", "approved/9161",
		"event/7001/started", "event/7002/submitted",
		"callback/request.pending", "callback/verification.cancelled", "callback/request.timeout",
		"callback/verification.accepted", "callback/verification.declined", "callback/verification.status.changed",
		"callback/request.deleted", "callback/request.received", "callback/review.pending",
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("no fixture for %s", w)
		}
	}
	// request.invalid and request.unauthorized are HTTP-only (Callback Response = No).
	for _, w := range []string{"callback/request.invalid", "callback/request.unauthorized"} {
		if have[w] {
			t.Errorf("%s is not a callback event", w)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// Fixture values are our own; none may be copied from the documents' examples.
func TestFixturesUseNoDocumentExampleValues(t *testing.T) {
	docValues := []string{
		// Veriff examples
		"aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7", "a4c0a230-859a-4861-b99b-ac39e4a05bfd", "12df6045-3846-3e45-946a-14fa6136d78b",
		"f04bdb47-d3be-4b28-b028-a652feb060b5", "fd5c1563-1d23-4b1a-ae46-7ba429927ed8", "d04fd8e7-80cd-4fb8-b235-cec89c5c6790",
		"f5c68aea-7f4d-478d-80ab-ca9356074f69", "Tundmatu", "Toomas", "Morton", "Stracke", "SARAH", "MORGAN",
		"MORGA753116SM9IJ", "AA0052283", "48002020011", "ee12334", "11111111", "12345678", "95.153.29.169",
		"124.153.46.66", "186.153.67.122", "Person refuses to take off hat",
		// Shufti examples
		"17374217", "RPQ8hwPE3cdHKho2wjK7CVQJCQxNx5Rwmb81k3ediXLSWhQM5QibGBWOSgCVjZJd", "212.103.50.243",
		"GB1234567", "12345678910", "John", "Doe", "Candyland", "BRISTOL", "HMPO", "M247",
	}
	err := fs.WalkDir(conform.Files, fixturesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == fixturesDir+"/index.json" {
			return err
		}
		data, err := fs.ReadFile(conform.Files, p)
		if err != nil {
			return err
		}
		for _, v := range docValues {
			if strings.Contains(string(data), v) {
				t.Errorf("%s contains the document example value %q", p, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
