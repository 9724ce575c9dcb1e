package mock

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"regexp"
	"sort"
)

// formToken binds a page form to one session and one attempt. The session
// URL is the bearer credential (as with the provider); the token adds that a
// form cannot be posted blind from another site, and that a stale form (an
// earlier attempt, the back button) is recognised as one instead of deciding
// the attempt that replaced it. Keyed with the mock's per-run token key,
// domain-separated from the session tokens it also signs.
func (m *Mock) formToken(sessionID, attemptID string) string {
	mac := hmac.New(sha256.New, m.tokenKey)
	mac.Write([]byte("conform/page-form\x00" + sessionID + "\x00" + attemptID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (m *Mock) validFormToken(sessionID, attemptID, got string) bool {
	if attemptID == "" || got == "" {
		return false
	}
	return hmac.Equal([]byte(m.formToken(sessionID, attemptID)), []byte(got))
}

// cspOrigin is an origin a Content-Security-Policy source expression can
// name as is: ASCII host name or IP literal, optional port.
var cspOrigin = regexp.MustCompile(`^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// redirectTarget says whether the browser may be sent to a callback URL, and
// returns it (normalised) and its origin. Session creation already refuses a
// callback that is not https:// (1302); this check does not rely on that: a
// URL that is not absolute http(s) with a host — javascript:, data:,
// scheme-relative //host, relative paths — is never a redirect target, nor
// one carrying credentials, nor one whose origin the page's CSP cannot name.
func redirectTarget(raw string) (target, origin string, ok bool) {
	if raw == "" {
		return "", "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.Host == "" || u.User != nil {
		return "", "", false
	}
	origin = u.Scheme + "://" + u.Host
	if !cspOrigin.MatchString(origin) {
		return "", "", false
	}
	return u.String(), origin, true
}

// reasonOption is one reason code the page offers.
type reasonOption struct {
	Code int
	Text string
}

// reasonOptions lists a reason table in code order: the document's codes
// and texts, nothing invented.
func reasonOptions(table map[int]string) []reasonOption {
	out := make([]reasonOption, 0, len(table))
	for c, t := range table {
		out = append(out, reasonOption{c, t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}
