package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conform-kit/conform/contract"
)

func init() { register(newValidateCmd) }

type validateOptions struct {
	schema string
	file   string
	list   bool
}

func newValidateCmd(s *streams) *cobra.Command {
	var o validateOptions
	cmd := &cobra.Command{
		Use:   "validate --schema NAME|auto [--file PATH]",
		Short: "Validate a payload against the providers' contract, field by field",
		Long: `validate checks a JSON payload (from --file or stdin) against one of the
contract's JSON Schemas and prints one line per error:

  <json-pointer>: <rule>: <message>

where the pointer (RFC 6901) locates the field, "(root)" the whole document.
It exits 0 when the payload is valid and 1 when it is not.

--list prints the schema names. --schema auto picks the schema from the
payload's shape, for the three payloads a listener receives: a Veriff decision
webhook (has a "verification" object), a Veriff event webhook ("action" and
"code") and a Shufti Pro callback ("reference" and "event").`,
		Example: `  conform validate --list
  conform validate --schema veriff/decision-webhook --file decision.json
  curl -s … | conform validate --schema auto`,
		Args: noArgs("pass the payload with --file PATH or on stdin"),
		RunE: func(*cobra.Command, []string) error { return o.run(s) },
	}
	f := cmd.Flags()
	f.StringVar(&o.schema, "schema", "", "schema `NAME` (see --list), or auto")
	f.StringVar(&o.file, "file", "", "read the payload from `PATH` (default: stdin)")
	f.BoolVar(&o.list, "list", false, "print the schema names and exit")
	return cmd
}

func (o *validateOptions) run(s *streams) error {
	if o.list && (o.schema != "" || o.file != "") {
		return usageError("--list takes no --schema or --file")
	}
	c, err := contract.Default()
	if err != nil {
		return usageError("cannot load the built-in contract: %v", err)
	}
	names := c.Schemas()
	if o.list {
		for _, n := range names {
			fmt.Fprintln(s.out, n)
		}
		return nil
	}
	if o.schema == "" {
		return usageError("--schema is required: a name from conform validate --list, or auto")
	}
	schema := o.schema
	if schema != "auto" && !contains(names, schema) {
		return unknownSchema(schema, names)
	}
	doc, err := readBody(s, o.file)
	if err != nil {
		return err
	}
	detected := ""
	if schema == "auto" {
		if schema, err = detectSchema(doc, names); err != nil {
			return err
		}
		detected = " (detected from the payload's shape)"
		fmt.Fprintf(s.err, "schema: %s%s\n", schema, detected)
	}
	res, err := c.Validate(schema, doc)
	if err != nil {
		return usageError("%v", err)
	}
	if res.Valid() {
		fmt.Fprintf(s.out, "valid: %s%s\n", schema, detected)
		return nil
	}
	for _, e := range res.Errors {
		e.Message = oneLine(e.Message)
		fmt.Fprintln(s.out, e.String()) // "<json-pointer>: <rule>: <message>", "(root)" for ""
	}
	noun := "errors"
	if len(res.Errors) == 1 {
		noun = "error"
	}
	return failedError("invalid: %d %s against schema %s", len(res.Errors), noun, schema)
}

// detectSchema recognises the payloads a listener receives by their shape and
// returns the first of the matching schema names the contract has. Anything
// else needs an explicit --schema: guessing among all schemas would report
// errors against the wrong contract.
func detectSchema(doc []byte, names []string) (string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil || top == nil {
		return "", usageError("--schema auto: the payload is not a JSON object; pass --schema NAME (see --list)")
	}
	has := func(k string) bool { _, ok := top[k]; return ok }
	isObject := func(k string) bool {
		var m map[string]json.RawMessage
		return has(k) && json.Unmarshal(top[k], &m) == nil && m != nil
	}
	var candidates []string
	switch {
	case isObject("verification"):
		candidates = []string{"veriff/decision-webhook"}
	case has("action") && has("code"):
		candidates = []string{"veriff/event-webhook"}
	case has("reference") && has("event"):
		// A body POSTed to a callback URL: the callback schema (the response
		// envelope restricted to callback events) when the contract has it.
		candidates = []string{"shuftipro/callback", "shuftipro/response"}
	default:
		return "", usageError("--schema auto: not a Veriff decision or event webhook nor a Shufti Pro callback by shape; pass --schema NAME (see --list)")
	}
	for _, c := range candidates {
		if contains(names, c) {
			return c, nil
		}
	}
	return "", usageError("the payload looks like %s, but the contract has no such schema", candidates[0])
}

// unknownSchema is a usage error that suggests the schemas whose name
// contains what was typed ("decision-webhook" -> "veriff/decision-webhook").
func unknownSchema(name string, names []string) error {
	var near []string
	for _, n := range names {
		if strings.Contains(n, strings.ToLower(name)) {
			near = append(near, n)
		}
	}
	sort.Strings(near)
	if len(near) > 0 && len(near) <= 5 {
		return usageError("unknown schema %q; did you mean %s? (conform validate --list shows all)", name, strings.Join(near, " or "))
	}
	return usageError("unknown schema %q (conform validate --list shows all)", name)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// oneLine keeps each error on its line, whatever a validator's message holds.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
