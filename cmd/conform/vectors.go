package main

import (
	"fmt"
	"io/fs"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/vectors"
)

func init() { register(newVectorsCmd) }

func newVectorsCmd(s *streams) *cobra.Command {
	var profile, dir string
	cmd := &cobra.Command{
		Use:   "vectors [--profile NAME] [--dir PATH]",
		Short: "List the golden signature vectors and check each against the signing profiles",
		Long: `vectors loads the golden signature vectors (golden/vectors/*.json) and checks
that conform's verifier reaches each vector's verdict: accept for a correctly
signed request, reject for each way of getting it wrong. It prints one row per
vector and a summary, and exits 1 if any vector fails.

By default the vectors built into this binary are used; --dir reads them from
a directory laid out like the conform repository (PATH/golden/vectors/), for
example a checkout with vectors you are editing.

The vectors' secrets are published test values; they are not printed anyway.`,
		Args: noArgs("use --profile NAME to select vectors"),
		RunE: func(*cobra.Command, []string) error { return runVectors(s, profile, dir) },
	}
	cmd.Flags().StringVar(&profile, "profile", "", "check only the vectors of this signing profile")
	cmd.Flags().StringVar(&dir, "dir", "", "read vectors from `PATH`/golden/vectors instead of the built-in copy")
	return cmd
}

func runVectors(s *streams, profile, dir string) error {
	if profile != "" {
		if _, err := lookupProfile(profile); err != nil {
			return err
		}
	}
	var fsys fs.FS = conform.Files
	source := "built-in vectors"
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return usageError("cannot read %s: %v", dir, describeFSError(err))
		}
		if !st.IsDir() {
			return usageError("--dir %s is not a directory", dir)
		}
		fsys, source = os.DirFS(dir), dir
	}
	all, err := vectors.Load(fsys)
	if err != nil {
		return usageError("cannot load vectors from %s: %v", source, err)
	}
	var selected []vectors.Vector
	for _, v := range all {
		if profile == "" || v.Profile == profile {
			selected = append(selected, v)
		}
	}
	if len(selected) == 0 {
		return usageError("no vectors for profile %s in %s", profile, source)
	}

	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROFILE\tVERDICT\tRESULT")
	failed := 0
	for _, v := range selected {
		result := "pass"
		if err := vectors.Check(v); err != nil {
			failed++
			result = "FAIL: " + err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID, v.Profile, v.Verdict, result)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%d passed, %d failed\n", len(selected)-failed, failed)
	if failed > 0 {
		return failedError("%d of %d vectors failed", failed, len(selected))
	}
	return nil
}
