package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// diskSpecHash recomputes the contract hash from the checkout, without
// specHash: a manifest of the files found by filepath.Walk.
func diskSpecHash(t *testing.T) (string, int) {
	t.Helper()
	root := filepath.Join("..", "..")
	paths := []string{"spec/openapi.yaml"}
	err := filepath.Walk(filepath.Join(root, "schemas"), func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() && filepath.Ext(p) == ".json" {
			rel, _ := filepath.Rel(root, p)
			paths = append(paths, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var manifest strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		manifest.WriteString(hex.EncodeToString(h[:]) + "  " + p + "\n")
	}
	sum := sha256.Sum256([]byte(manifest.String()))
	return hex.EncodeToString(sum[:]), len(paths)
}

func TestVersionJSON(t *testing.T) {
	r := cliRun(t, nil, nil, "version", "--json")
	if r.code != 0 || r.err != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.err)
	}
	var got versionInfo
	dec := json.NewDecoder(strings.NewReader(r.out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("output is not one versionInfo object: %v\n%s", err, r.out)
	}
	want, n := diskSpecHash(t)
	if got.SpecSHA256 != want || got.SpecFiles != n {
		t.Errorf("spec hash %s over %d files; the checkout's is %s over %d (embedded contract differs from disk?)", got.SpecSHA256, got.SpecFiles, want, n)
	}
	if got.Version != version || got.Version == "" {
		t.Errorf("version %q, want %q", got.Version, version)
	}
	if got.Go != runtime.Version() || got.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("go %q platform %q", got.Go, got.Platform)
	}
	if got.Commit == "" {
		t.Error("commit is empty; want a revision or \"unknown\"")
	}
}

func TestVersionText(t *testing.T) {
	r := cliRun(t, nil, nil, "version")
	if r.code != 0 || r.err != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.err)
	}
	sum, n := diskSpecHash(t)
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	want := []string{
		"conform " + version,
		"commit  ",
		"spec    sha256:" + sum + " (spec/openapi.yaml + " + strconv.Itoa(n-1) + " schemas)",
		"go      " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), r.out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d %q, want prefix %q", i+1, lines[i], w)
		}
	}
	if r := cliRun(t, nil, nil, "version", "extra"); r.code != exitUsage {
		t.Errorf("version extra: exit %d, want %d", r.code, exitUsage)
	}
}

// The recipe in the command's help must give the same hash, or nobody can
// check a binary against a checkout.
func TestSpecHashCoreutilsRecipe(t *testing.T) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("sha256sum not installed")
	}
	cmd := exec.Command("sh", "-c", `{ find schemas -name '*.json'; echo spec/openapi.yaml; } | LC_ALL=C sort | xargs sha256sum | sha256sum`)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	info, err := currentVersion()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(out)); len(got) == 0 || got[0] != info.SpecSHA256 {
		t.Errorf("recipe gives %q, conform version %s", out, info.SpecSHA256)
	}
	if !strings.Contains(newVersionCmd(&streams{}).Long, `{ find schemas -name '*.json'; echo spec/openapi.yaml; } | LC_ALL=C sort |`) {
		t.Error("the help no longer shows the recipe this test runs")
	}
}

func TestSpecHashCoversContractOnly(t *testing.T) {
	base := fstest.MapFS{
		"spec/openapi.yaml":        {Data: []byte("openapi: 3.1.0\n")},
		"spec/README.md":           {Data: []byte("notes\n")},
		"schemas/common.json":      {Data: []byte(`{"a":1}`)},
		"schemas/veriff/x.json":    {Data: []byte(`{"b":2}`)},
		"schemas/README.md":        {Data: []byte("readme\n")},
		"golden/vectors/some.json": {Data: []byte(`{}`)},
	}
	sum, n, err := specHash(base)
	if err != nil || !hex64.MatchString(sum) || n != 3 {
		t.Fatalf("specHash = %q, %d, %v", sum, n, err)
	}
	clone := func(edit func(fstest.MapFS)) fstest.MapFS {
		c := fstest.MapFS{}
		for k, v := range base {
			c[k] = &fstest.MapFile{Data: append([]byte(nil), v.Data...)}
		}
		edit(c)
		return c
	}
	for name, tc := range map[string]struct {
		edit func(fstest.MapFS)
		same bool
	}{
		"schema byte changed": {func(m fstest.MapFS) { m["schemas/veriff/x.json"].Data = []byte(`{"b":3}`) }, false},
		"openapi changed":     {func(m fstest.MapFS) { m["spec/openapi.yaml"].Data = []byte("openapi: 3.1.1\n") }, false},
		"schema added":        {func(m fstest.MapFS) { m["schemas/shuftipro/y.json"] = &fstest.MapFile{Data: []byte(`{}`)} }, false},
		"schema renamed": {func(m fstest.MapFS) {
			m["schemas/veriff/z.json"] = m["schemas/veriff/x.json"]
			delete(m, "schemas/veriff/x.json")
		}, false},
		"README reworded":      {func(m fstest.MapFS) { m["schemas/README.md"].Data = []byte("other\n") }, true},
		"golden vector edited": {func(m fstest.MapFS) { m["golden/vectors/some.json"].Data = []byte(`{"x":1}`) }, true},
	} {
		got, _, err := specHash(clone(tc.edit))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (got == sum) != tc.same {
			t.Errorf("%s: hash changed = %v, want %v", name, got != sum, !tc.same)
		}
	}
	if _, _, err := specHash(clone(func(m fstest.MapFS) { delete(m, "spec/openapi.yaml") })); err == nil {
		t.Error("no error without spec/openapi.yaml")
	}
}

func TestBuildCommit(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	const rev = "4f030f8e0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	for _, tc := range []struct {
		name, ldflags, module string
		settings              []debug.BuildSetting
		want                  string
	}{
		{"ldflags wins", "abc1234", "v0.0.0-20250102150405-abcdef123456", settings("vcs.revision", rev), "abc1234"},
		{"vcs stamp", "", "(devel)", settings("vcs.revision", rev, "vcs.modified", "false"), rev},
		{"vcs stamp of a modified tree", "", "(devel)", settings("vcs.revision", rev, "vcs.modified", "true"), rev + "-dirty"},
		{"pseudo-version", "", "v0.0.0-20250102150405-abcdef123456", nil, "abcdef123456"},
		{"pseudo-version after a tag", "", "v0.1.1-0.20250102150405-abcdef123456", nil, "abcdef123456"},
		{"pseudo-version +incompatible", "", "v2.0.1-0.20250102150405-abcdef123456+incompatible", nil, "abcdef123456"},
		{"release tag", "", "v0.1.0", nil, "unknown"},
		{"nothing known (-buildvcs=false)", "", "(devel)", nil, "unknown"},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Version: tc.module}, Settings: tc.settings}
		if got := buildCommit(tc.ldflags, bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestResolveVersion(t *testing.T) {
	for _, tc := range []struct{ ldflags, module, want string }{
		{"v1.2.3", "v0.0.0-20250102150405-abcdef123456", "v1.2.3"},
		{"dev", "v0.1.0", "v0.1.0"},
		{"dev", "(devel)", "dev"},
		{"dev", "", "dev"},
		{"", "", "dev"},
	} {
		if got := resolveVersion(tc.ldflags, tc.module); got != tc.want {
			t.Errorf("resolveVersion(%q, %q) = %q, want %q", tc.ldflags, tc.module, got, tc.want)
		}
	}
}

// The release build sets -X main.version and -X main.commit: a misspelt -X
// is silently ignored by the linker, so build a binary the way the release
// does and read the values back.
func TestVersionLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "conform")
	build := exec.Command("go", "build", "-trimpath", "-o", bin,
		"-ldflags", "-s -w -X main.version=v9.8.7-test -X main.commit=0123456789abcdef", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("version --json: %v", err)
	}
	var got versionInfo
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	sum, _ := diskSpecHash(t)
	if got.Version != "v9.8.7-test" || got.Commit != "0123456789abcdef" || got.SpecSHA256 != sum {
		t.Errorf("got %+v, want version v9.8.7-test, commit 0123456789abcdef, spec %s", got, sum)
	}
}
