package integrator

// Defect is one bug a real integration has, built into the app on purpose.
type Defect struct {
	Name        string
	Description string
	// CaughtBy lists the lifecycle checks that must fail against it, and
	// only those (suites/lifecycle_test.go proves it).
	CaughtBy []string
}

// Defect names.
const (
	HTTPCallback             = "http-callback"
	ForgetsSession           = "forgets-session"
	EscapesNonASCII          = "escapes-non-ascii"
	NoVendorData             = "no-vendor-data"
	ApprovalNotGranted       = "approval-not-granted"
	GrantsOnDeclined         = "grants-on-declined"
	NewSessionOnResubmission = "new-session-on-resubmission"
	NewSessionOnReturn       = "new-session-on-return"
	ReusesExpiredSession     = "reuses-expired-session"
	IgnoresAbandoned         = "ignores-abandoned"
	TrustsForgedWebhooks     = "trusts-forged-webhooks"
	NotifiesEveryDelivery    = "notifies-every-delivery"
	LastWebhookWins          = "last-webhook-wins"
)

// lifecycleChecks are every lifecycle check, for defects that break the
// loop at its first step.
var lifecycleChecks = []string{
	"veriff/lifecycle/session-created", "veriff/lifecycle/odd-names", "veriff/lifecycle/vendordata-round-trip",
	"veriff/lifecycle/approved-grants-access", "veriff/lifecycle/declined-not-granted",
	"veriff/lifecycle/resubmission-same-url", "veriff/lifecycle/disrupted-same-url",
	"veriff/lifecycle/forged-webhook-ignored", "veriff/lifecycle/duplicate-webhook-ignored",
	"veriff/lifecycle/out-of-order-ignored", "veriff/lifecycle/expired-new-session",
	"veriff/lifecycle/abandoned-new-session",
}

var defects = []Defect{
	{HTTPCallback, "sends an http:// callback URL (a development setting left in): Veriff refuses every session with 1302, so no user can start verifying; every check fails, and veriff/lifecycle/session-created names the mock's finding",
		lifecycleChecks},
	{ForgetsSession, "does not save the session id with the customer record; it finds users by vendorData only",
		[]string{"veriff/lifecycle/session-created"}},
	{EscapesNonASCII, "signs the UTF-8 request body but sends it with non-ASCII characters as \\u escapes: sessions for users with non-Latin or accented names are refused (signature mismatch)",
		[]string{"veriff/lifecycle/odd-names"}},
	{NoVendorData, "never sends vendorData, so decisions cannot be tied back to its own customer reference",
		[]string{"veriff/lifecycle/vendordata-round-trip"}},
	{ApprovalNotGranted, "records an approval and tells the user, but never grants access (the grant step is missing)",
		[]string{"veriff/lifecycle/approved-grants-access"}},
	{GrantsOnDeclined, "grants access on 9102 too, reading \"The verification process is complete.\" as success",
		[]string{"veriff/lifecycle/declined-not-granted"}},
	{NewSessionOnResubmission, "creates a new session when the user returns after a resubmission request, instead of the same URL",
		[]string{"veriff/lifecycle/resubmission-same-url"}},
	{NewSessionOnReturn, "creates a new session whenever the user returns (browser closed, logged out), except after a resubmission request",
		[]string{"veriff/lifecycle/disrupted-same-url"}},
	{ReusesExpiredSession, "ignores 9104: after 7 days the user is sent back to the expired session's URL",
		[]string{"veriff/lifecycle/expired-new-session", "veriff/lifecycle/abandoned-new-session"}},
	{IgnoresAbandoned, "handles status expired but not abandoned (both are 9104): a user who started and left is sent back to the dead URL",
		[]string{"veriff/lifecycle/abandoned-new-session"}},
	{TrustsForgedWebhooks, "checks the API key but not the signature of webhooks, and acts on a forged decision",
		[]string{"veriff/lifecycle/forged-webhook-ignored"}},
	{NotifiesEveryDelivery, "keeps no record of deliveries it applied: every provider retry notifies the user again",
		[]string{"veriff/lifecycle/duplicate-webhook-ignored"}},
	{LastWebhookWins, "applies decisions in arrival order: a delayed older resubmission_requested takes an approved user's access away",
		[]string{"veriff/lifecycle/out-of-order-ignored"}},
}

// Defects lists the built-in defective variants of the app.
func Defects() []Defect { return append([]Defect(nil), defects...) }

func lookupDefect(name string) (Defect, bool) {
	for _, d := range defects {
		if d.Name == name {
			return d, true
		}
	}
	return Defect{}, false
}
