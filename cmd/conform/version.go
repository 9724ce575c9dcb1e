package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	conform "github.com/conform-kit/conform"
)

func init() {
	register(newVersionCmd)
	// `go install …/cmd/conform@v0.1.0` sets no -ldflags, but the Go
	// toolchain records the module version: use it, so that reports and
	// `conform version` of an installed binary name the release, not "dev".
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = resolveVersion(version, bi.Main.Version)
	}
}

// commit is set at build time (-ldflags "-X main.commit=<sha>"); when it is
// empty the build information is consulted (see buildCommit).
var commit = ""

// versionInfo is what `conform version` reports. The JSON field names are
// part of conform's interface: scripts read them.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	// SpecSHA256 identifies the embedded contract: see specHash.
	SpecSHA256 string `json:"spec_sha256"`
	SpecFiles  int    `json:"spec_files"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
}

func newVersionCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print conform's version, commit, the embedded contract's hash and the Go version",
		Long: `Version prints what a bug report or a CI log needs to pin a run down: the
release, the commit it was built from, the sha256 of the embedded contract
(spec/openapi.yaml and the JSON Schemas under schemas/) and the Go toolchain.

Two binaries with the same spec hash judge payloads against the same contract.
The hash can be recomputed from a checkout:

  { find schemas -name '*.json'; echo spec/openapi.yaml; } | LC_ALL=C sort |
    xargs sha256sum | sha256sum`,
		Example: `  conform version
  conform version --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info, err := currentVersion()
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(s.out, "conform %s\n", info.Version)
			fmt.Fprintf(s.out, "commit  %s\n", info.Commit)
			fmt.Fprintf(s.out, "spec    sha256:%s (spec/openapi.yaml + %d schemas)\n", info.SpecSHA256, info.SpecFiles-1)
			fmt.Fprintf(s.out, "go      %s %s\n", info.Go, info.Platform)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead")
	return cmd
}

func currentVersion() (versionInfo, error) {
	sum, n, err := specHash(conform.Files)
	if err != nil {
		return versionInfo{}, fmt.Errorf("embedded contract: %v", err)
	}
	info := versionInfo{
		Version: version, Commit: "unknown", SpecSHA256: sum, SpecFiles: n,
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.Commit = buildCommit(commit, bi)
	} else if commit != "" {
		info.Commit = commit
	}
	return info, nil
}

// resolveVersion prefers the -ldflags version, then the module version the
// toolchain recorded; "(devel)" is what a build inside the module records.
func resolveVersion(ldflags, module string) string {
	if ldflags != "dev" && ldflags != "" {
		return ldflags
	}
	if module != "" && module != "(devel)" {
		return module
	}
	return "dev"
}

// pseudoRev matches the commit in a pseudo-version such as
// v0.0.0-20250102150405-abcdef123456 (optionally +incompatible).
var pseudoRev = regexp.MustCompile(`[.-](\d{14})-([0-9a-f]{12})(\+incompatible)?$`)

// buildCommit finds the commit a binary was built from, best source first:
// the -ldflags value; the VCS stamp (absent with -buildvcs=false and in
// `go install …@version` builds); the 12-hex-digit commit prefix of a
// pseudo-version; else "unknown". A stamp from a modified tree says so.
func buildCommit(ldflags string, bi *debug.BuildInfo) string {
	if ldflags != "" {
		return ldflags
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		if modified {
			rev += "-dirty"
		}
		return rev
	}
	if m := pseudoRev.FindStringSubmatch(bi.Main.Version); m != nil {
		return m[2]
	}
	return "unknown"
}

// specHash identifies the contract in fsys: spec/openapi.yaml and every
// *.json under schemas/. It is the sha256 of a sha256sum(1)-style manifest
// ("<hex sha256>  <path>\n" per file, paths in byte order), so that anyone can
// recompute it from a checkout with coreutils (see the command's help).
// READMEs are left out on purpose: rewording them does not change what
// conform validates against.
func specHash(fsys fs.FS) (sum string, files int, err error) {
	paths := []string{"spec/openapi.yaml"}
	err = fs.WalkDir(fsys, "schemas", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	sort.Strings(paths)
	manifest := sha256.New()
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return "", 0, err
		}
		h := sha256.Sum256(data)
		fmt.Fprintf(manifest, "%s  %s\n", hex.EncodeToString(h[:]), p)
	}
	return hex.EncodeToString(manifest.Sum(nil)), len(paths), nil
}
