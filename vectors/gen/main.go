// Command gen writes golden/vectors/*.json from the definitions in package
// vectors. Run it from the repository root:
//
//	go run ./vectors/gen
//
// The vectors test fails when the committed files differ from what this
// writes, so edit vectors/defs.go and rerun instead of editing the JSON.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/conform-kit/conform/vectors"
)

func main() {
	root := flag.String("root", ".", "repository root to write golden/vectors into")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("%s is not the repository root (no go.mod); run from the root or pass -root", root)
	}
	files, err := vectors.Render()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	if err := os.MkdirAll(filepath.Join(root, vectors.Dir), 0o755); err != nil {
		return err
	}
	for _, name := range names {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s (%d bytes)\n", name, len(files[name]))
	}
	return nil
}
