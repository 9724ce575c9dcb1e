package mock

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/conform-kit/conform/clock"
)

// Session states. A session is created, started when the end user opens its
// URL (or media is uploaded), submitted by PATCH, then decided. The decision
// statuses are the document's ("Verification status is one of approved,
// resubmission_requested, declined, expired, abandoned") plus review (9121,
// Veriff's current API).
const (
	StateCreated   = "created"
	StateStarted   = "started"
	StateSubmitted = "submitted"
)

// Decision codes and statuses.
const (
	StatusApproved     = "approved"
	StatusDeclined     = "declined"
	StatusResubmit     = "resubmission_requested"
	StatusReview       = "review"
	StatusExpired      = "expired"
	StatusAbandoned    = "abandoned"
	codeApproved       = 9001
	codeDeclined       = 9102
	codeResubmit       = 9103
	codeExpired        = 9104
	codeReview         = 9121
	codeSelfID         = 9151
	codeVideoCall      = 9161
	featureSelfID      = "selfid"
	eventStarted       = "started"
	eventSubmitted     = "submitted"
	eventCodeStarted   = 7001
	eventCodeSubmitted = 7002
)

// declineReasons and resubmitReasons are the document's reason code tables
// ("Decline | /descision webhook and endpoint verification.reasonCode", and
// "Resubmit"). 104 is absent from the document and therefore not offered.
var declineReasons = map[int]string{
	101: "Physical document not used.",
	102: "Suspected document tampering.",
	103: "Person showing the document does not appear to match document photo.",
	105: "Suspicious behaviour.",
	106: "Known fraud.",
	107: "Velocity/abuse.",
}

var resubmitReasons = map[int]string{
	201: "Video and/or photos missing.",
	202: "Face not clearly visible.",
	203: "Full document not visible.",
	204: "Poor image quality.",
	205: "Document damaged.",
	206: "Document type not supported.",
	207: "Document expired.",
}

type session struct {
	id, token, url string
	created        time.Time
	expires        time.Time
	vendorData     *string
	callback       string
	person         map[string]string
	document       map[string]string
	lang           string
	state          string // StateCreated/Started/Submitted or a decision status
	everStarted    bool
	conclusive     bool // 9001, 9102, 9104: closed for good
	finishedAt     time.Time
	finishSeq      int64 // orders sessions finished at the same virtual instant
	attempts       []*attempt
	decision       *decisionRec
	decisionBody   []byte // the last decision webhook body, served by GET /decision
	expiry         *clock.Timer
}

type attempt struct {
	id       string
	session  *session
	created  time.Time
	state    string
	media    []*media
	decision *decisionRec
}

type media struct {
	id, stampID, name, context, mimetype string
	data                                 []byte
	created                              time.Time
	attempt                              *attempt
}

type decisionRec struct {
	Status     string    `json:"status"`
	Code       int       `json:"code"`
	ReasonCode *int      `json:"reasonCode"`
	Reason     *string   `json:"reason"`
	Time       time.Time `json:"-"`
	AttemptID  string    `json:"attemptId"`
}

func (s *session) current() *attempt { return s.attempts[len(s.attempts)-1] }

// Decision is what a tester (admin API, hosted page) decides for a session.
type Decision struct {
	Status     string `json:"status"`
	ReasonCode *int   `json:"reasonCode,omitempty"`
	// Code selects an intermediate positive code (9151, 9161) for status
	// approved; 0 means the status's own code.
	Code int `json:"code,omitempty"`
}

// resolve validates d against the document's tables and returns its code and reason text.
func (d Decision) resolve(s *session) (code int, reason *string, err error) {
	needReason := func(table map[int]string, what string) (*string, error) {
		if d.ReasonCode == nil {
			return nil, fmt.Errorf("status %s needs a reasonCode (%s: %s)", d.Status, what, codes(table))
		}
		text, ok := table[*d.ReasonCode]
		if !ok {
			return nil, fmt.Errorf("reasonCode %d is not a %s reason code (known: %s)", *d.ReasonCode, what, codes(table))
		}
		return &text, nil
	}
	noReason := func() error {
		if d.ReasonCode != nil {
			return fmt.Errorf("status %s takes no reasonCode (reason codes exist only for declined and resubmission_requested)", d.Status)
		}
		return nil
	}
	if d.Code != 0 && (d.Status != StatusApproved || (d.Code != codeApproved && d.Code != codeSelfID && d.Code != codeVideoCall)) {
		return 0, nil, fmt.Errorf("code %d: only status approved takes a code, one of 9001, 9151 (SelfID) or 9161 (video call)", d.Code)
	}
	switch d.Status {
	case StatusApproved:
		code = codeApproved
		if d.Code != 0 {
			code = d.Code
		}
		return code, nil, noReason()
	case StatusDeclined:
		reason, err = needReason(declineReasons, "decline")
		return codeDeclined, reason, err
	case StatusResubmit:
		reason, err = needReason(resubmitReasons, "resubmit")
		return codeResubmit, reason, err
	case StatusReview:
		return codeReview, nil, noReason()
	case StatusExpired:
		if s.everStarted {
			return 0, nil, errors.New("the end user started this session: after 7 days it becomes abandoned, not expired")
		}
		return codeExpired, nil, noReason()
	case StatusAbandoned:
		if !s.everStarted {
			return 0, nil, errors.New("the end user never started this session: after 7 days it becomes expired, not abandoned")
		}
		return codeExpired, nil, noReason()
	}
	return 0, nil, fmt.Errorf("unknown status %q (known: approved, declined, resubmission_requested, review, expired, abandoned)", d.Status)
}

func codes(table map[int]string) string {
	ks := make([]int, 0, len(table))
	for k := range table {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("%d %s", k, table[k])
	}
	return strings.Join(parts, "; ")
}

// ---- tokens ----

// newToken returns a JWT-shaped session token: HS256 over
// {"auth_token","session_id","iat","exp"}, the claims of the document's token
// example, whose exp is exactly 7 days (604800 s) after iat. The key is the
// mock's own, random per run.
func (m *Mock) newToken(sessionID string, iat, exp time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(struct {
		AuthToken string `json:"auth_token"`
		SessionID string `json:"session_id"`
		IAT       int64  `json:"iat"`
		EXP       int64  `json:"exp"`
	}{m.newUUID(), sessionID, iat.Unix(), exp.Unix()})
	unsigned := header + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, m.tokenKey)
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// TokenClaims are the claims of a session token.
type TokenClaims struct {
	SessionID string `json:"session_id"`
	IAT       int64  `json:"iat"`
	EXP       int64  `json:"exp"`
}

// parseToken checks a token's signature and returns its claims. Expiry is the
// caller's business: an expired session's URL still has to say "expired".
func (m *Mock) parseToken(tok string) (TokenClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return TokenClaims{}, errors.New("not a session token")
	}
	mac := hmac.New(sha256.New, m.tokenKey)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || subtle.ConstantTimeCompare(sig, mac.Sum(nil)) != 1 {
		return TokenClaims{}, errors.New("session token signature does not verify")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return TokenClaims{}, errors.New("not a session token")
	}
	var c TokenClaims
	if err := json.Unmarshal(raw, &c); err != nil {
		return TokenClaims{}, errors.New("not a session token")
	}
	return c, nil
}

// ---- lifecycle (all called with m.mu held) ----

// start marks the current attempt started and queues the 7001 event, once
// per attempt.
func (m *Mock) startLocked(s *session, now time.Time) {
	a := s.current()
	if a.state != StateCreated {
		return
	}
	a.state = StateStarted
	s.state = StateStarted
	s.everStarted = true
	m.queueEventLocked(s, a, eventStarted, now)
}

// submit marks the current attempt submitted (starting it first if the
// client skipped that) and queues 7002.
func (m *Mock) submitLocked(s *session, now time.Time) {
	a := s.current()
	if a.state == StateCreated {
		m.startLocked(s, now)
	}
	if a.state != StateStarted {
		return
	}
	a.state = StateSubmitted
	s.state = StateSubmitted
	m.queueEventLocked(s, a, eventSubmitted, now)
}

// decideLocked records a decision, queues its webhook and moves the session
// on: resubmission opens a new attempt on the same session and URL;
// conclusive codes close the session.
func (m *Mock) decideLocked(s *session, d Decision, now time.Time) error {
	if s.conclusive {
		return fmt.Errorf("session %s is closed (%s, %d): conclusive decisions are final", s.id, s.decision.Status, s.decision.Code)
	}
	code, reason, err := d.resolve(s)
	if err != nil {
		return err
	}
	a := s.current()
	rec := &decisionRec{Status: d.Status, Code: code, ReasonCode: d.ReasonCode, Reason: reason, Time: now, AttemptID: a.id}
	body, err := m.decisionPayload(s, rec, now)
	if err != nil {
		return err
	}
	a.state = d.Status
	a.decision = rec
	s.decision = rec
	s.decisionBody = body
	s.state = d.Status
	switch code {
	case codeApproved, codeDeclined, codeExpired:
		m.finishLocked(s, now)
		s.expiry.Stop()
	case codeResubmit:
		// "a next attempt is created ready to be used and accessible via
		// the same session URL"
		na := &attempt{id: m.newUUID(), session: s, created: now, state: StateCreated}
		s.attempts = append(s.attempts, na)
		m.attempts[na.id] = na
	}
	m.queueLocked(kindDecision, s.id, fmt.Sprintf("decision %s %d", d.Status, code), m.cfg.DecisionURL, body, now)
	return nil
}

// expireLocked runs 7 days after creation: "After 7 days the session get's
// expired. If the client started the verification process we reply
// "abandoned" here, otherwise if the client never arrived in our environment
// the status will be "expired"."
func (m *Mock) expireLocked(s *session, now time.Time) {
	if s.conclusive {
		return
	}
	status := StatusExpired
	if s.everStarted {
		status = StatusAbandoned
	}
	if err := m.decideLocked(s, Decision{Status: status}, now); err != nil {
		// The fixtures are validated at startup; a failure here is a bug in
		// the mock, kept visible in the session instead of crashing.
		s.state = status
		m.finishLocked(s, now)
	}
}

func (m *Mock) expired(s *session, now time.Time) bool { return !now.Before(s.expires) }

// finishLocked closes s for good and queues it for eviction. Sessions are
// queued in the order they finish, so the queue's head is always the session
// that finished first: eviction is O(1) instead of a scan of every session
// under the lock.
func (m *Mock) finishLocked(s *session, now time.Time) {
	s.conclusive = true
	s.finishedAt = now
	m.finishSeq++
	s.finishSeq = m.finishSeq
	m.finished.push(s)
}

// evictSessionLocked makes room for one more session: the session that finished
// first goes first, with its media and undelivered webhooks. It reports
// whether there is room.
func (m *Mock) evictSessionLocked() bool {
	if len(m.sessions) < m.cfg.MaxSessions {
		return true
	}
	oldest := m.finished.pop()
	if oldest == nil {
		return false
	}
	m.dropSessionLocked(oldest)
	return true
}

// finishedQueue holds the finished sessions still kept, in finish order
// (ascending finishSeq). A session enters once, when it becomes conclusive
// (which is final), and leaves only when it is evicted.
type finishedQueue struct {
	q    []*session
	head int
}

func (f *finishedQueue) push(s *session) { f.q = append(f.q, s) }

func (f *finishedQueue) pop() *session {
	if f.head == len(f.q) {
		return nil
	}
	s := f.q[f.head]
	f.q[f.head] = nil
	f.head++
	// Reuse the backing array once half of it is spent, so the queue stays
	// bounded by the sessions kept (at most MaxSessions).
	if f.head > len(f.q)/2 {
		n := copy(f.q, f.q[f.head:])
		clear(f.q[n:])
		f.q, f.head = f.q[:n], 0
	}
	return s
}

// each visits the queued sessions, first finished first, until fn returns false.
func (f *finishedQueue) each(fn func(*session) bool) {
	for _, s := range f.q[f.head:] {
		if !fn(s) {
			return
		}
	}
}

func (m *Mock) dropSessionLocked(s *session) {
	s.expiry.Stop()
	for _, a := range s.attempts {
		for _, md := range a.media {
			delete(m.media, md.id)
			delete(m.stamps, md.stampID)
			m.mediaBytes -= int64(len(md.data))
		}
		delete(m.attempts, a.id)
	}
	delete(m.tokens, s.token)
	delete(m.sessions, s.id)
}

// makeMediaRoomLocked frees media of finished sessions, oldest first, until n
// more bytes fit in the budget.
func (m *Mock) makeMediaRoomLocked(n int64) bool {
	for m.mediaBytes+n > m.cfg.MaxMediaTotal {
		var oldest *session
		m.finished.each(func(s *session) bool {
			if sessionMediaBytes(s) > 0 {
				oldest = s
				return false
			}
			return true
		})
		if oldest == nil {
			return false
		}
		for _, a := range oldest.attempts {
			for _, md := range a.media {
				m.mediaBytes -= int64(len(md.data))
				md.data = nil
			}
		}
	}
	return true
}

func sessionMediaBytes(s *session) int64 {
	var n int64
	for _, a := range s.attempts {
		for _, md := range a.media {
			n += int64(len(md.data))
		}
	}
	return n
}
