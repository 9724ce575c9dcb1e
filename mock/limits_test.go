package mock

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/conform-kit/conform/docexamples"
)

// endless is a body that never ends: the mock must refuse it after the cap
// without reading on.
type endless struct{ n atomic.Int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	if e.n.Add(int64(len(p))) > 1<<30 {
		return 0, io.EOF
	}
	return len(p), nil
}

func TestHugeBodiesAreRefusedWithoutReadingThem(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxBodyBytes = 4 << 10 })
	src := &endless{}
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/sessions", src)
	req.Header.Set("Content-Type", "application/json")
	r := e.do(req)
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.header.Get("X-Conform-Detail"), "4096") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if n := src.n.Load(); n > 16<<20 {
		t.Fatalf("the client sent %d bytes of a refused body", n)
	}
	if e.m.ReportDoc().Summary.Violations[RuleLimitBody] != 1 {
		t.Fatal("not reported")
	}
	// The mock still works.
	e.create()
}

func TestMediaIsCappedAndBudgeted(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxMediaBytes = 1 << 10; c.MaxMediaTotal = 2 << 10 })
	id, _ := e.create()
	big := append(append([]byte(nil), pngBytes...), bytes.Repeat([]byte{0}, 2<<10)...)
	body := []byte(`{"image":{"context":"face","content":"` + base64.StdEncoding.EncodeToString(big) + `","timestamp":"` + e.now() + `"}}`)
	if r := e.veriff("POST", "/v1/sessions/"+id+"/media", body); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// Within the per-image cap, but the total budget fills up with media of
	// open sessions: refused, not evicted.
	img := append(append([]byte(nil), pngBytes...), bytes.Repeat([]byte{0}, 900)...)
	body = []byte(`{"image":{"context":"face","content":"` + base64.StdEncoding.EncodeToString(img) + `","timestamp":"` + e.now() + `"}}`)
	for i := 0; i < 2; i++ {
		if r := e.veriff("POST", "/v1/sessions/"+id+"/media", body); r.status != 201 {
			t.Fatalf("upload %d: %d %s", i, r.status, r.body)
		}
	}
	if r := e.veriff("POST", "/v1/sessions/"+id+"/media", body); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("over budget: %d", r.status)
	}
	// Once that session is finished its media make room.
	e.m.Decide(id, Decision{Status: StatusApproved})
	id2, _ := e.create()
	if r := e.veriff("POST", "/v1/sessions/"+id2+"/media", body); r.status != 201 {
		t.Fatalf("after eviction: %d %s", r.status, r.body)
	}
}

func TestSessionsAreBoundedOldestFinishedFirst(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxSessions = 3 })
	a, _ := e.create()
	b, _ := e.create()
	c, _ := e.create()
	if r := e.veriff("POST", "/v1/sessions", e.createBody("")); r.status != http.StatusServiceUnavailable {
		t.Fatalf("4th open session: %d", r.status)
	}
	e.m.Decide(c, Decision{Status: StatusApproved})
	e.m.Decide(b, Decision{Status: StatusApproved})
	d, _ := e.create()
	if _, err := e.m.Session(c); !IsNotFound(err) {
		t.Fatal("the session that finished first should have been evicted")
	}
	for _, id := range []string{a, b, d} {
		if _, err := e.m.Session(id); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConcurrentClientsDoNotBreakTheMock runs clients, admin calls and clock
// advances at once (run with -race).
func TestConcurrentClientsDoNotBreakTheMock(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id, url := e.create()
				e.open(url)
				e.upload(id)
				e.patch(id)
				e.m.Decide(id, Decision{Status: StatusApproved})
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			e.m.Advance(1)
			e.m.Sessions()
			e.m.Deliveries("")
		}
	}()
	wg.Wait()
	if n := len(e.decisions()); n != 40 {
		t.Fatalf("%d decisions", n)
	}
}

// TestSecretsNeverAppear drives every path that produces text (answers,
// admin views, deliveries, report, summary) with a client that puts the
// secret and key everywhere it can, and looks for them.
func TestSecretsNeverAppear(t *testing.T) {
	e := newEnv(t)
	var out bytes.Buffer
	collect := func(b []byte) { out.Write(b); out.WriteByte('\n') }
	id, url := e.create()
	e.open(url)
	// A client that sends the secret as its signature, in the path and body.
	collect(e.veriff("POST", "/v1/sessions", e.createBody(`"lang":"`+testSecret+`",`), withHeader(e.profile.Header, testSecret)).body)
	collect(e.veriff("GET", "/v1/sessions/"+testSecret+"/decision", nil).body)
	collect(e.veriff("POST", "/v1/sessions", e.createBody(""), withHeader("X-AUTH-CLIENT", testKey+"x")).body)
	r := e.veriff("POST", "/v1/sessions", []byte(`{"verification":{"vendorData":"`+testSecret+testSecret+`","timestamp":"`+e.now()+`"}}`))
	collect(r.body)
	collect([]byte(r.header.Get("X-Conform-Detail")))
	e.m.Decide(id, Decision{Status: StatusApproved})
	e.admin("POST", "/_conform/shuftipro/requests", map[string]string{"reference": "r", "callback_url": e.lis.url("/cb")}, nil)
	for _, p := range []string{"/_conform/sessions", "/_conform/deliveries", "/_conform/report", "/_conform/clock", "/_conform/shuftipro/requests"} {
		res, err := e.http.Get(e.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		collect(b)
	}
	doc := e.m.ReportDoc()
	WriteSummary(&out, doc)
	path := filepath.Join(t.TempDir(), "report.json")
	if err := WriteFile(path, doc); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	collect(b)
	text := out.String()
	for _, s := range []string{testSecret, testKey, hashedSecret(testSecret)} {
		if strings.Contains(text, s) {
			i := strings.Index(text, s)
			t.Fatalf("%q appears in output: …%s…", s, text[max(0, i-200):min(len(text), i+100)])
		}
	}
	if !strings.Contains(text, "[redacted") {
		t.Fatal("nothing was redacted: the test did not exercise redaction")
	}
}

// TestEveryRuleIsQuotedFromItsDocument: each rule's section and quote are in
// the document it names (white space ignored: the documents are flattened
// web pages).
func TestEveryRuleIsQuotedFromItsDocument(t *testing.T) {
	dir, err := docexamples.FindProviders(".")
	if err != nil {
		t.Fatal(err)
	}
	squash := func(s string) string {
		s = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`, "**", "", "`", "").Replace(s)
		return strings.Join(strings.Fields(s), "")
	}
	files := map[string]string{veriffDoc: veriffDoc, shuftiDoc: shuftiDoc, readmeDoc: "README.md"}
	for id, r := range Rules() {
		if r.Document == mockDoc {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, files[r.Document]))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		doc := squash(string(raw))
		if !strings.Contains(doc, squash(r.Section)) {
			t.Errorf("%s: section %q not in %s", id, r.Section, r.Document)
		}
		if !strings.Contains(doc, squash(r.Quote)) {
			t.Errorf("%s: quote %q not in %s", id, r.Quote, r.Document)
		}
	}
	for code, e := range veriffErrors {
		if !strings.Contains(rules[e.rule].Quote, code+" | "+e.message) {
			t.Errorf("code %s: rule %s does not quote its table row", code, e.rule)
		}
	}
}

func ExampleWriteSummary() {
	doc := ReportDoc{Summary: ReportSummary{Requests: 3, ViolatingRequests: 1, Violations: map[string]int64{RuleTimestampStale: 1}},
		Rules: map[string]Rule{RuleTimestampStale: rules[RuleTimestampStale]},
		Requests: []RequestRecord{{Seq: 2, Method: "POST", Path: "/v1/sessions", Status: 400, Code: "1201",
			Violations: []Violation{{Rule: rules[RuleTimestampStale], Detail: "timestamp is 2h old"}}}}}
	var b bytes.Buffer
	WriteSummary(&b, doc)
	fmt.Print(b.String())
	// Output:
	// client contract report: 3 request(s), 1 broke a rule
	//   veriff/1201-timestamp-stale             1  veriff-api-v1-docs.txt, "Response and error codes": "1201 | Invalid timestamp. Timestamp must not be older than one hour."
	//   #2 POST /v1/sessions -> 400: veriff/1201-timestamp-stale: timestamp is 2h old
}
