package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/conform-kit/conform/signing"
)

func init() { register(newSignCmd) }

type signOptions struct {
	profile string
	file    string
	id      string
	format  string
	url     string
	showKey bool
	secret  secretFlags
}

func newSignCmd(s *streams) *cobra.Command {
	var o signOptions
	cmd := &cobra.Command{
		Use:   "sign --profile NAME [--file PATH | --id ID]",
		Short: "Print the headers a provider would send with a body, signed",
		Long: `sign prints the headers a provider sends with a body: Content-Type, the
profile's signature header and, for Veriff, X-AUTH-CLIENT. The body is read
from --file or stdin and signed byte for byte as read: a trailing newline in
the file is part of the body.

--id signs an id instead of a body: Veriff's GET and DELETE requests sign the
session, attempt, media or timestamp id in the path.

The secret comes from CONFORM_API_SECRET or --secret-file, and is never
printed. The API key (CONFORM_API_KEY) is printed only with --show-key: it is
an account identifier rather than a signing secret, but output ends up in CI
logs and tickets. --format curl refers to it as "$CONFORM_API_KEY" instead,
which the shell expands when the command runs. An empty payload is refused for
the sha256(payload || secret) profiles: its signature is hex(sha256(secret)),
the key material of Shufti Pro's current scheme.

Formats:
  headers  one "Name: value" line per header (default)
  json     profile, payload size and SHA-256, and the headers as an object
  curl     a curl command (needs --url) that sends the file with --data-binary,
           which, unlike -d, sends the bytes unchanged`,
		Example: `  conform sign --profile veriff-hmac --file decision.json
  conform sign --profile veriff-x-signature --id 5e7a0c1b-93f4-4a52-8e0d-2b6f1c9d4a10
  conform sign --profile shuftipro --file callback.json --format curl --url http://127.0.0.1:8080/callback`,
		Args: noArgs("pass the body with --file PATH or on stdin"),
		RunE: func(*cobra.Command, []string) error { return o.run(s) },
	}
	f := cmd.Flags()
	f.StringVar(&o.profile, "profile", "", "signing profile: "+strings.Join(signing.Names(), ", "))
	f.StringVar(&o.file, "file", "", "read the body from `PATH` (default: stdin)")
	f.StringVar(&o.id, "id", "", "sign this `ID` instead of a body (Veriff GET/DELETE requests)")
	f.StringVar(&o.format, "format", "headers", "output format: headers, json or curl")
	f.StringVar(&o.url, "url", "", "target `URL` for --format curl")
	f.BoolVar(&o.showKey, "show-key", false, "print the API key from "+envAPIKey+" in the X-AUTH-CLIENT header")
	o.secret.register(cmd)
	return cmd
}

// header is one output header; order matters for readability, so headers are
// a list, not a map.
type header struct{ name, value string }

func (o *signOptions) run(s *streams) error {
	p, err := lookupProfile(o.profile)
	if err != nil {
		return err
	}
	if err := o.checkFlags(p, s); err != nil {
		return err
	}
	secret, err := o.secret.secret(s)
	if err != nil {
		return err
	}
	payload := []byte(o.id)
	if o.id == "" {
		if payload, err = readBody(s, o.file); err != nil {
			return err
		}
	}
	sig := p.Sign(secret, payload)
	if isKeyMaterial(sig, secret) {
		return usageError("refusing to sign an empty payload with profile %s: the result is hex(sha256(secret)), which Shufti Pro's current scheme uses as key material", p.Name)
	}

	headers := []header{{"Content-Type", "application/json"}}
	keyHeader := p.Provider == "veriff"
	if keyHeader && o.showKey {
		headers = append(headers, header{"X-AUTH-CLIENT", apiKey(s)})
	}
	headers = append(headers, header{p.Header, sig})

	switch o.format {
	case "headers":
		for _, h := range headers {
			fmt.Fprintf(s.out, "%s: %s\n", h.name, h.value)
		}
		if keyHeader && !o.showKey {
			fmt.Fprintf(s.err, "note: X-AUTH-CLIENT (the API key) is not shown; pass --show-key to print it from %s\n", envAPIKey)
		}
	case "json":
		return o.printJSON(s, p, payload, headers)
	case "curl":
		o.printCurl(s, p, headers)
	}
	return nil
}

// checkFlags rejects flag combinations that cannot mean what the user wants,
// before the secret or the body is read.
func (o *signOptions) checkFlags(p signing.Profile, s *streams) error {
	switch o.format {
	case "headers", "json", "curl":
	default:
		return usageError("unknown --format %q (known: headers, json, curl)", o.format)
	}
	if o.format == "curl" && o.url == "" {
		return usageError("--format curl needs --url (the listener or API URL to send to)")
	}
	if o.format != "curl" && o.url != "" {
		return usageError("--url is used only with --format curl")
	}
	if o.id != "" {
		if o.file != "" {
			return usageError("--id and --file are exclusive: an id request has no body")
		}
		if p.Provider != "veriff" {
			return usageError("--id signs a Veriff GET/DELETE id; profile %s signs bodies only", p.Name)
		}
		if strings.IndexFunc(o.id, unicode.IsSpace) >= 0 {
			return usageError("--id %q contains white space; ids never do, and the signature would cover it", o.id)
		}
	}
	if o.showKey {
		if p.Provider != "veriff" {
			return usageError("--show-key: profile %s sends no API key header", p.Name)
		}
		if apiKey(s) == "" {
			return usageError("--show-key needs %s to be set", envAPIKey)
		}
	}
	return nil
}

func (o *signOptions) printJSON(s *streams, p signing.Profile, payload []byte, headers []header) error {
	sum := sha256.Sum256(payload)
	signed := "body"
	if o.id != "" {
		signed = "id"
	}
	hm := map[string]string{}
	for _, h := range headers {
		hm[h.name] = h.value
	}
	enc := json.NewEncoder(s.out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Profile       string            `json:"profile"`
		Provider      string            `json:"provider"`
		Formula       string            `json:"formula"`
		Signed        string            `json:"signed"`
		PayloadBytes  int               `json:"payload_bytes"`
		PayloadSHA256 string            `json:"payload_sha256"`
		Headers       map[string]string `json:"headers"`
	}{p.Name, p.Provider, p.Formula, signed, len(payload), hex.EncodeToString(sum[:]), hm})
}

// printCurl prints a command that sends exactly the signed bytes: the body by
// file reference with --data-binary (curl's -d would strip newlines), and the
// API key as a shell reference unless --show-key asked for its value.
func (o *signOptions) printCurl(s *streams, p signing.Profile, headers []header) {
	method := "POST"
	if o.id != "" {
		method = "GET"
	}
	lines := []string{fmt.Sprintf("curl -X %s %s", method, shellQuote(o.url))}
	for _, h := range headers {
		lines = append(lines, "-H "+shellQuote(h.name+": "+h.value))
		if h.name == "Content-Type" && p.Provider == "veriff" && !o.showKey {
			lines = append(lines, `-H "X-AUTH-CLIENT: $`+envAPIKey+`"`)
		}
	}
	switch {
	case o.id != "":
	case o.file == "" || o.file == "-":
		lines = append(lines, "--data-binary @-")
		fmt.Fprintln(s.err, "note: the body came from stdin: pipe the same bytes into this curl command")
	default:
		lines = append(lines, "--data-binary @"+shellQuote(o.file))
	}
	fmt.Fprintln(s.out, strings.Join(lines, " \\\n  "))
	if p.Provider == "veriff" && !o.showKey && apiKey(s) == "" {
		fmt.Fprintf(s.err, "note: %s is not set: set it before running the command, or the request carries an empty X-AUTH-CLIENT\n", envAPIKey)
	}
}

// shellQuote quotes a word for POSIX shells.
func shellQuote(w string) string {
	if w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@%+=:,./-_", r)))
	}) < 0 {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
