// Command conform is a conformance harness and contract-testing kit for
// integrations with identity-verification providers (Veriff, Shufti Pro).
//
// Exit codes are typed, so that a CI gate can tell its failures apart:
//
//	0  conformant / verified / valid
//	1  not conformant / signature or payload does not verify
//	2  usage or configuration error (bad flag, unreadable file, missing secret)
//	3  target unreachable when the run starts
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes. They are part of conform's interface: scripts depend on them.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitUnreachable = 3
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError reports bad flags, arguments, configuration or input (exit 2).
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// failedError reports a negative verdict (exit 1); the command has already
// printed the details, so msg is a one-line summary.
func failedError(format string, args ...any) error {
	return &exitError{code: exitFailed, err: fmt.Errorf(format, args...)}
}

// unreachableError reports a target that could not be reached at start (exit 3).
func unreachableError(format string, args ...any) error {
	return &exitError{code: exitUnreachable, err: fmt.Errorf(format, args...)}
}

// streams are the process's standard streams; tests substitute buffers.
type streams struct {
	in       io.Reader
	out, err io.Writer
	// getenv reads the environment; tests substitute a map.
	getenv func(string) string
}

// commands registers every subcommand. Each command lives in its own file and
// adds its constructor here from an init function, so adding a command never
// touches this file.
var commands []func(*streams) *cobra.Command

func register(newCmd func(*streams) *cobra.Command) { commands = append(commands, newCmd) }

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "conform",
		Short: "Conformance tests and contract tools for Veriff and Shufti Pro integrations",
		Long: `conform plays the identity-verification provider against your integration.

It sends correctly and incorrectly signed webhooks of every decision and event
type to your listener and judges the answers, signs and verifies payloads the
way each provider does, and validates payloads against the providers' contract.

Secrets are read from the environment (CONFORM_API_KEY, CONFORM_API_SECRET) and
never printed.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd(s))
	}
	return root
}

// run executes conform with args and returns the process exit code.
func run(args []string, s *streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	code := exitUsage // cobra's own errors (unknown command, bad args) are usage errors
	if errors.As(err, &ee) {
		code = ee.code
	}
	msg := strings.TrimSpace(err.Error())
	if msg != "" {
		fmt.Fprintf(s.err, "conform: %s\n", msg)
	}
	return code
}

func main() {
	os.Exit(run(os.Args[1:], &streams{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv}))
}
