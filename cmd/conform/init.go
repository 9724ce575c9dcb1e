package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conform-kit/conform/config"
	"github.com/conform-kit/conform/harness"
)

func init() { register(newInitCmd) }

type initFlags struct {
	provider string
	force    bool
	path     string
}

func newInitCmd(s *streams) *cobra.Command {
	f := &initFlags{}
	cmd := &cobra.Command{
		Use:   "init --provider veriff|shuftipro",
		Short: "Write a commented starter conform.yaml",
		Long: `Init writes a starter configuration file for conform run: every key explained,
the ones a first run needs set, the rest commented out with their defaults.

Credentials appear only as ${CONFORM_API_KEY} / ${CONFORM_API_SECRET}
references to the environment: conform refuses a secret written into the file.
An existing file is never overwritten without --force.

Exit codes: 0 written, 2 usage error or the file exists.`,
		Example: `  conform init --provider veriff
  conform init --provider shuftipro --path ci/conform.yaml
  conform init --provider veriff --path -        # print it instead`,
		Args: noArgs("init takes flags only, e.g. conform init --provider veriff"),
		RunE: func(*cobra.Command, []string) error { return f.run(s) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.provider, "provider", "", "the provider the file is for: "+strings.Join(initProviderNames(), " or ")+" (required)")
	fl.BoolVar(&f.force, "force", false, "overwrite the file if it exists")
	fl.StringVar(&f.path, "path", config.DefaultFile, "where to write the file (\"-\" for stdout)")
	return cmd
}

func initProviderNames() []string {
	var names []string
	for _, p := range harness.Providers() {
		names = append(names, p.Name)
	}
	return names
}

func (f *initFlags) run(s *streams) error {
	// No default provider: a Veriff file quietly written for a Shufti Pro
	// integrator would run the wrong checks until someone noticed.
	if f.provider == "" {
		return usageError("--provider is required (%s)", strings.Join(initProviderNames(), " or "))
	}
	p, err := harness.LookupProvider(f.provider)
	if err != nil {
		return usageError("--provider: %v", err)
	}
	data, err := config.Starter(p.Name)
	if err != nil {
		return usageError("%v", err)
	}
	if f.path == "-" {
		_, err := s.out.Write(data)
		return err
	}
	if f.path == "" {
		return usageError("--path is empty (give a file name, or - for stdout)")
	}
	if err := writeNew(f.path, data, f.force); err != nil {
		return err
	}

	fmt.Fprintf(s.out, "wrote %s (%s, profile %s)\n\nNext:\n", f.path, p.Title, p.Profiles()[0].Name)
	var paths, keys []string
	for _, ep := range p.Endpoints {
		paths = append(paths, "<target>"+ep.Path)
		keys = append(keys, strings.ReplaceAll(ep.Flag, "-", "_"))
	}
	fmt.Fprintf(s.out, "  1. In %s, set target to your listener's base URL (conform posts to %s),\n     or set %s to full URLs; check profile.\n",
		f.path, strings.Join(paths, " and "), strings.Join(keys, " and "))
	if p.APIKeyHeader != "" {
		fmt.Fprintf(s.out, "  2. Export the credentials your listener verifies with:\n       export %s=… %s=…\n", envAPIKey, envSecret)
	} else {
		fmt.Fprintf(s.out, "  2. Export the secret your listener verifies signatures with:\n       export %s=…\n", envSecret)
	}
	fmt.Fprintf(s.out, "  3. Run the checks:\n       conform run --config %s\n", f.path)
	fmt.Fprintf(s.out, "\nEditors that use yaml-language-server complete and check the file (see its first line).\n")
	return nil
}

// writeNew writes data to path. Without force it refuses an existing file;
// O_EXCL makes "does it exist?" and "create it" one step, so a file that
// appears in between is not overwritten either.
func writeNew(path string, data []byte, force bool) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usageError("%s is a directory; pass --path FILE", path)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	fh, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return usageError("%s already exists; pass --force to overwrite it", path)
	}
	if err != nil {
		return usageError("cannot write %s: %v", path, describeFSError(err))
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return usageError("cannot write %s: %v", path, describeFSError(err))
	}
	if err := fh.Close(); err != nil {
		return usageError("cannot write %s: %v", path, describeFSError(err))
	}
	return nil
}
