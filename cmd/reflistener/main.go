// Command reflistener serves conform's reference webhook listener — the one
// `conform demo` runs in-process — as a standalone server on a fixed address.
//
// It exists so that the CI gate (scripts/gate.sh, the reusable workflow and
// its example) can be shown and tested end to end against a real process:
// it plays "your listener". With --defect NAME it carries one real-world bug
// instead, which is how the example shows a failing gate.
//
// The API key and secret come from CONFORM_API_KEY and CONFORM_API_SECRET —
// the same variables conform reads, so one environment configures both.
//
// Exit codes: 0 after SIGINT/SIGTERM, 1 cannot serve (address in use),
// 2 usage or configuration error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/listener"
	"github.com/conform-kit/conform/signing"
)

const shutdownWait = 5 * time.Second

type options struct {
	addr     string
	provider string
	profile  string
	defect   string
	quiet    bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("reflistener", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on")
	fs.StringVar(&o.provider, "provider", "all", "veriff, shuftipro or all")
	fs.StringVar(&o.profile, "profile", "", "signing profile (implies its provider); default: each provider's default")
	fs.StringVar(&o.defect, "defect", "", "carry this one defect (conform demo --list-defects names them)")
	fs.BoolVar(&o.quiet, "quiet", false, "do not log one line per request")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: reflistener [--addr 127.0.0.1:8080] [--provider all|veriff|shuftipro] [--profile P] [--defect NAME]")
		fmt.Fprintln(stderr, "Serves POST /veriff/decision, /veriff/events and /shuftipro/callback; credentials from CONFORM_API_KEY, CONFORM_API_SECRET.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "reflistener: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	logTo := stderr
	if o.quiet {
		logTo = nil
	}
	handler, served, err := build(o, getenv("CONFORM_API_KEY"), getenv("CONFORM_API_SECRET"), logTo)
	if err != nil {
		fmt.Fprintf(stderr, "reflistener: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "reflistener: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	for _, line := range served {
		fmt.Fprintf(stdout, "reflistener: %s at %s%s\n", line.what, base, line.paths)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		fmt.Fprintf(stderr, "reflistener: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// A handler still waiting (the "slow" defect) must not keep the
		// process alive: a CI gate stops it and moves on.
		srv.Close()
	}
	fmt.Fprintln(stdout, "reflistener: stopped")
	return 0
}

type servedLine struct{ what, paths string }

// build makes one listener per selected provider and routes each provider's
// path prefix to it.
func build(o options, apiKey, secret string, logTo io.Writer) (http.Handler, []servedLine, error) {
	if secret == "" {
		return nil, nil, errors.New("CONFORM_API_SECRET is not set: the listener verifies signatures with it")
	}
	var provs []*harness.Provider
	for _, p := range harness.Providers() {
		if o.provider != "all" && o.provider != p.Name {
			continue
		}
		if o.profile != "" {
			if _, err := p.Profile(o.profile); err != nil {
				continue
			}
		}
		provs = append(provs, p)
	}
	if len(provs) == 0 {
		if _, err := harness.LookupProvider(o.provider); err != nil && o.provider != "all" {
			return nil, nil, fmt.Errorf("--provider: %v", err)
		}
		if _, err := signing.Lookup(o.profile); err != nil {
			return nil, nil, fmt.Errorf("--profile: %v", err)
		}
		return nil, nil, fmt.Errorf("--provider %s and --profile %s select no listener", o.provider, o.profile)
	}
	mux := http.NewServeMux()
	var served []servedLine
	carried := false
	for _, p := range provs {
		prof, err := p.Profile(o.profile) // "" is the provider's default
		if err != nil {
			return nil, nil, err
		}
		defect := ""
		if o.defect != "" && applies(o.defect, p.Name) {
			defect, carried = o.defect, true
		}
		if p.Name == "veriff" && apiKey == "" {
			return nil, nil, errors.New("CONFORM_API_KEY is not set: the Veriff listener checks X-AUTH-CLIENT against it")
		}
		l, err := listener.New(listener.Config{Profile: prof, APIKey: apiKey, Secret: secret, Defect: defect, Log: logTo})
		if err != nil {
			return nil, nil, err
		}
		prefix := "/" + p.Name + "/"
		mux.Handle(prefix, l.Handler())
		what := "reference"
		if defect != "" {
			what = "defective (" + defect + ")"
		}
		var paths []string
		for _, ep := range p.Endpoints {
			paths = append(paths, ep.Path)
		}
		served = append(served, servedLine{
			what:  fmt.Sprintf("%s %s listener, profile %s, POST", what, p.Title, prof.Name),
			paths: strings.Join(paths, ", "),
		})
	}
	if o.defect != "" && !carried {
		return nil, nil, fmt.Errorf("--defect %q is not a defect of the selected provider(s) (conform demo --list-defects)", o.defect)
	}
	return mux, served, nil
}

func applies(defect, provider string) bool {
	for _, d := range listener.DefectsFor(provider) {
		if d.Name == defect {
			return true
		}
	}
	return false
}
