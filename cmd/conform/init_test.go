package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conform-kit/conform/config"
	"github.com/conform-kit/conform/harness"
)

var initEnv = map[string]string{envAPIKey: "init-key", envSecret: "init-secret"}

// What init writes loads with config.Load, for every provider, and says
// what to do next.
func TestInitWritesALoadableFile(t *testing.T) {
	for _, p := range harness.Providers() {
		t.Run(p.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "conform.yaml")
			r := cliRun(t, initEnv, nil, "init", "--provider", p.Name, "--path", path)
			if r.code != exitOK || r.err != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.err)
			}
			for _, want := range []string{"wrote " + path + " (" + p.Title, "export", envSecret, "conform run --config " + path} {
				if !strings.Contains(r.out, want) {
					t.Errorf("output lacks %q:\n%s", want, r.out)
				}
			}
			c, err := config.Load(path, func(k string) string { return initEnv[k] })
			if err != nil {
				t.Fatalf("the written file does not load: %v", err)
			}
			if c.Provider.Value != p.Name || c.APISecret.Value != "init-secret" {
				t.Errorf("loaded provider %q, secret from env %v", c.Provider.Value, c.APISecret.Value == "init-secret")
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := config.Starter(p.Name)
			if string(data) != string(want) {
				t.Errorf("the file is not the starter")
			}
			if strings.Contains(string(data), "init-secret") || strings.Contains(string(data), "init-key") {
				t.Errorf("the file holds a credential value")
			}
		})
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conform.yaml")
	if err := os.WriteFile(path, []byte("provider: veriff # mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cliRun(t, nil, nil, "init", "--provider", "shuftipro", "--path", path).expectUsage(t, path+" already exists; pass --force to overwrite it")
	if data, _ := os.ReadFile(path); string(data) != "provider: veriff # mine\n" {
		t.Fatalf("the existing file was changed: %q", data)
	}
	r := cliRun(t, nil, nil, "init", "--provider", "shuftipro", "--path", path, "--force")
	if r.code != exitOK {
		t.Fatalf("--force: exit %d, %s", r.code, r.err)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "provider: shuftipro\n") {
		t.Fatalf("--force did not overwrite the file")
	}
}

func TestInitUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cliRun(t, nil, nil, "init", "--path", filepath.Join(dir, "c.yaml")).expectUsage(t, "--provider is required (veriff or shuftipro)")
	cliRun(t, nil, nil, "init", "--provider", "onfido", "--path", filepath.Join(dir, "c.yaml")).expectUsage(t, `--provider: unknown provider "onfido" (known: veriff, shuftipro)`)
	cliRun(t, nil, nil, "init", "--provider", "veriff", "--path", dir).expectUsage(t, dir+" is a directory; pass --path FILE")
	cliRun(t, nil, nil, "init", "--provider", "veriff", "--path", filepath.Join(dir, "no", "such", "dir", "c.yaml")).expectUsage(t, "no such file or directory")
	cliRun(t, nil, nil, "init", "--provider", "veriff", "extra").expectUsage(t, `unexpected argument "extra"`)
	if _, err := os.Stat(filepath.Join(dir, "c.yaml")); err == nil {
		t.Errorf("a failed init wrote a file")
	}
}

func TestInitToStdout(t *testing.T) {
	r := cliRun(t, nil, nil, "init", "--provider", "veriff", "--path", "-")
	want, _ := config.Starter("veriff")
	if r.code != exitOK || r.out != string(want) {
		t.Fatalf("exit %d; stdout is not the starter:\n%s", r.code, r.out)
	}
}
