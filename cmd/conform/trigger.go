package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/clock"
	"github.com/conform-kit/conform/harness"
)

func init() { register(newTriggerCmd) }

const (
	defaultMockURL = "http://127.0.0.1:8089"
	// maxAdminAnswer bounds what trigger reads from the mock's admin API.
	maxAdminAnswer = 32 << 20
)

type triggerFlags struct {
	mockURL string
	timeout time.Duration
}

func newTriggerCmd(s *streams) *cobra.Command {
	f := &triggerFlags{}
	cmd := &cobra.Command{
		Use:   "trigger",
		Short: "Drive a running conform mock (decide, advance the clock, fire events, redeliver) or send one fixture to a URL",
		Long: `Trigger talks to the admin API of a running "conform mock" and prints its JSON
answer: decide a session, move the virtual clock, fire an event, redeliver a
webhook, list sessions and deliveries, read the client contract report.

"trigger send" needs no mock: it sends one golden fixture straight to a URL,
signed as the provider signs it, and prints the answer (a one-shot tool for
debugging a listener).

Exit codes: 0 done, 1 the mock failed or the listener did not answer 200,
2 usage error or the mock refused the command, 3 mock or URL unreachable.`,
		Example: `  conform trigger decide 6a0f3c9e-… approved
  conform trigger decide 6a0f3c9e-… declined --reason-code 102
  conform trigger decide 6a0f3c9e-… resubmission_requested --reason-code 204
  conform trigger advance 168h
  conform trigger event 6a0f3c9e-… started
  conform trigger redeliver d000003
  conform trigger send --fixture veriff/decision/approved --url http://127.0.0.1:8080/veriff/decision --profile veriff-hmac`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.mockURL, "mock", defaultMockURL, "base `URL` of the running conform mock")
	pf.DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long to wait for an answer (an advance delivers every webhook due on the way)")

	get := func(use, short, path string) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: noArgs("this command takes no arguments"),
			RunE: func(*cobra.Command, []string) error { return f.admin(s, http.MethodGet, path, nil) }}
	}
	cmd.AddCommand(get("clock", "Show the virtual clock", "clock"))
	cmd.AddCommand(get("sessions", "List Veriff sessions", "sessions"))
	cmd.AddCommand(get("report", "Print the client contract report (JSON)", "report"))
	cmd.AddCommand(get("shufti-requests", "List Shufti Pro requests", "shuftipro/requests"))
	cmd.AddCommand(&cobra.Command{
		Use: "session SESSION", Short: "Show one Veriff session", Args: exactArgs(1, "give the session id"),
		RunE: func(_ *cobra.Command, a []string) error {
			return f.admin(s, http.MethodGet, "sessions/"+url.PathEscape(a[0]), nil)
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use: "advance DURATION", Short: "Move the virtual clock forward (e.g. 90m, 168h, 7d), running everything due on the way",
		Args: exactArgs(1, "give a duration, e.g. 168h or 7d"),
		RunE: func(_ *cobra.Command, a []string) error {
			if _, err := clock.ParseDuration(a[0]); err != nil {
				return usageError("%v", err)
			}
			return f.admin(s, http.MethodPost, "clock/advance", map[string]string{"by": a[0]})
		},
	})
	var reasonCode, code int
	decide := &cobra.Command{
		Use:   "decide SESSION STATUS",
		Short: "Decide a session: approved, declined, resubmission_requested, review, expired or abandoned; the webhook is delivered before this returns",
		Args:  exactArgs(2, "give the session id and a status"),
		RunE: func(c *cobra.Command, a []string) error {
			body := map[string]any{"status": a[1]}
			if c.Flags().Changed("reason-code") {
				body["reasonCode"] = reasonCode
			}
			if c.Flags().Changed("code") {
				body["code"] = code
			}
			return f.admin(s, http.MethodPost, "sessions/"+url.PathEscape(a[0])+"/decision", body)
		},
	}
	decide.Flags().IntVar(&reasonCode, "reason-code", 0, "reason code: 101-107 (no 104) for declined, 201-207 for resubmission_requested")
	decide.Flags().IntVar(&code, "code", 0, "for approved: 9151 (SelfID) or 9161 (video call) instead of 9001")
	cmd.AddCommand(decide)
	cmd.AddCommand(&cobra.Command{
		Use: "event SESSION started|submitted", Short: "Play the end user's step and send its event webhook (7001, 7002)",
		Args: exactArgs(2, "give the session id and started or submitted"),
		RunE: func(_ *cobra.Command, a []string) error {
			return f.admin(s, http.MethodPost, "sessions/"+url.PathEscape(a[0])+"/events", map[string]string{"action": a[1]})
		},
	})
	var subject string
	deliveries := &cobra.Command{
		Use: "deliveries", Short: "List webhook deliveries and every attempt's answer", Args: noArgs("use --subject to filter"),
		RunE: func(*cobra.Command, []string) error {
			p := "deliveries"
			if subject != "" {
				p += "?subject=" + url.QueryEscape(subject)
			}
			return f.admin(s, http.MethodGet, p, nil)
		},
	}
	deliveries.Flags().StringVar(&subject, "subject", "", "only deliveries of this session id or Shufti reference")
	cmd.AddCommand(deliveries)
	cmd.AddCommand(&cobra.Command{
		Use: "redeliver DELIVERY", Short: "Send a webhook delivery again now", Args: exactArgs(1, "give the delivery id (see trigger deliveries)"),
		RunE: func(_ *cobra.Command, a []string) error {
			return f.admin(s, http.MethodPost, "deliveries/"+url.PathEscape(a[0])+"/redeliver", nil)
		},
	})
	var callbackURL string
	shuftiCreate := &cobra.Command{
		Use:   "shufti-create REFERENCE",
		Short: "Create a Shufti Pro verification request in the mock (the document does not describe that call) and send its request.pending callback",
		Args:  exactArgs(1, "give the request reference"),
		RunE: func(_ *cobra.Command, a []string) error {
			return f.admin(s, http.MethodPost, "shuftipro/requests", map[string]string{"reference": a[0], "callback_url": callbackURL})
		},
	}
	shuftiCreate.Flags().StringVar(&callbackURL, "callback-url", "", "your listener's callback `URL` (unset: callbacks are recorded, not sent)")
	cmd.AddCommand(shuftiCreate)
	cmd.AddCommand(&cobra.Command{
		Use: "shufti-event REFERENCE EVENT", Short: "Move a Shufti Pro request to a callback event (verification.accepted, …) and send the callback",
		Args: exactArgs(2, "give the reference and the event"),
		RunE: func(_ *cobra.Command, a []string) error {
			return f.admin(s, http.MethodPost, "shuftipro/requests/"+url.PathEscape(a[0])+"/events", map[string]string{"event": a[1]})
		},
	})
	cmd.AddCommand(newTriggerSendCmd(s, f))
	return cmd
}

func exactArgs(n int, hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("want %d argument(s), got %d: %s", n, len(args), hint)
		}
		return nil
	}
}

// admin calls the mock's admin API and prints its JSON answer.
func (f *triggerFlags) admin(s *streams, method, path string, body any) error {
	base, err := url.Parse(strings.TrimRight(f.mockURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usageError("--mock %q: want the mock's base URL, e.g. %s", f.mockURL, defaultMockURL)
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	target := base.String() + "/_conform/" + path
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return usageError("%v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return unreachableError("no conform mock answering at %s: %v", base, describeNetErr(err))
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, maxAdminAnswer))
	if err != nil {
		return unreachableError("reading the mock's answer: %v", err)
	}
	if res.StatusCode >= 400 {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(answer))
		if json.Unmarshal(answer, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		if res.StatusCode >= 500 {
			return failedError("the mock failed: %s", msg)
		}
		return usageError("%s", msg)
	}
	_, _ = s.out.Write(answer)
	return nil
}

func describeNetErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

type sendFlags struct {
	secret  secretFlags
	fixture string
	url     string
	profile string
}

func newTriggerSendCmd(s *streams, tf *triggerFlags) *cobra.Command {
	f := &sendFlags{}
	cmd := &cobra.Command{
		Use:   "send --fixture ID --url URL",
		Short: "Send one golden fixture to a URL, signed as the provider signs it, and print the answer",
		Long: `Send builds the delivery the provider would send from a golden fixture (fresh
session id and times, as "conform run" does), signs it with the profile, posts
it to --url and prints the answer's status and body. It needs no running mock.

Fixture ids: see golden/fixtures/index.json, e.g. veriff/decision/approved,
veriff/event/started, shuftipro/callback/verification.accepted.

Exit codes: 0 answered 200, 1 answered something else (the provider would
retry), 2 usage error, 3 no answer.`,
		Args: noArgs("use --fixture and --url"),
		RunE: func(*cobra.Command, []string) error { return f.run(s, tf.timeout) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.fixture, "fixture", "", "golden fixture `ID` (required)")
	fl.StringVar(&f.url, "url", "", "listener `URL` to post to (required)")
	fl.StringVar(&f.profile, "profile", "", "signing profile; default: the fixture provider's default (veriff-x-signature, shuftipro)")
	f.secret.register(cmd)
	return cmd
}

func (f *sendFlags) run(s *streams, timeout time.Duration) error {
	if f.fixture == "" || f.url == "" {
		return usageError("--fixture and --url are required")
	}
	fx, err := harness.LoadFixtures(conform.Files)
	if err != nil {
		return usageError("%v", err)
	}
	fixture, err := fx.Get(f.fixture)
	if err != nil {
		var ids []string
		for _, p := range harness.Providers() {
			for _, x := range fx.Select(p.Name, "") {
				ids = append(ids, x.ID)
			}
		}
		return usageError("unknown fixture %q (known: %s)", f.fixture, strings.Join(ids, ", "))
	}
	secret, err := f.secret.secret(s)
	if err != nil {
		return err
	}
	p, err := harness.LookupProvider(fixture.Provider)
	if err != nil {
		return usageError("%v", err)
	}
	urls := map[string]string{}
	for _, ep := range p.Endpoints {
		urls[ep.Name] = f.url
	}
	sess, err := harness.NewSession(harness.Config{
		Provider: fixture.Provider, Profile: f.profile, URLs: urls, APIKey: apiKey(s), Secret: secret,
		Budget: timeout, Client: harness.ClientOptions{Timeout: timeout}, Seed: time.Now().UnixNano(), Assets: conform.Files,
	})
	if err != nil {
		return usageError("%v", err)
	}
	defer sess.Client.Close()
	d, err := sess.NewDelivery(f.fixture)
	if err != nil {
		return usageError("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ex := sess.Deliver(ctx, d)
	fmt.Fprintf(s.err, "sent %s (%s, id %s) to %s\n", f.fixture, sess.Profile.Name, d.SessionID, f.url)
	if !ex.Answered() {
		return unreachableError("%s: %s", f.url, sess.Redact(fmt.Sprint(ex.Err)))
	}
	fmt.Fprintf(s.out, "HTTP %d %s\n", ex.Response.Status, http.StatusText(ex.Response.Status))
	body := sess.Redact(string(ex.Response.Body))
	fmt.Fprint(s.out, body)
	if body != "" && !strings.HasSuffix(body, "\n") {
		fmt.Fprintln(s.out)
	}
	if ex.Response.Truncated {
		fmt.Fprintln(s.err, "(answer truncated)")
	}
	if ex.Response.Status != http.StatusOK {
		return failedError("the listener answered %s; the provider retries any non-200 answer", strconv.Itoa(ex.Response.Status))
	}
	return nil
}
