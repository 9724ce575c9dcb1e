package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/signing"
	"github.com/conform-kit/conform/vectors"
)

func builtinVectors(t *testing.T) []vectors.Vector {
	t.Helper()
	vs, err := vectors.Load(conform.Files)
	if err != nil {
		t.Fatalf("built-in vectors: %v", err)
	}
	return vs
}

var summaryLine = regexp.MustCompile(`(?m)^(\d+) passed, (\d+) failed\n\z`)

func TestVectorsBuiltinAllPass(t *testing.T) {
	vs := builtinVectors(t)
	r := cliRun(t, nil, nil, "vectors")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.err)
	}
	m := summaryLine.FindStringSubmatch(r.out)
	if m == nil || m[1] != strconv.Itoa(len(vs)) || m[2] != "0" {
		t.Fatalf("summary %q, want %d passed, 0 failed", m, len(vs))
	}
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "ID PROFILE VERDICT RESULT" {
		t.Errorf("header %q", lines[0])
	}
	if len(lines) != len(vs)+2 {
		t.Fatalf("%d lines, want header + %d rows + summary", len(lines), len(vs))
	}
	for i, v := range vs {
		if got := strings.Fields(lines[i+1]); len(got) != 4 || got[0] != v.ID || got[1] != v.Profile || got[2] != v.Verdict || got[3] != "pass" {
			t.Errorf("row %q, want %s %s %s pass", lines[i+1], v.ID, v.Profile, v.Verdict)
		}
		// Vector secrets are published test values, but the rule holds anyway.
		if strings.Contains(r.out+r.err, v.Secret) {
			t.Errorf("output contains the secret of vector %s", v.ID)
		}
	}
}

func TestVectorsProfileFilter(t *testing.T) {
	for _, p := range signing.Profiles() {
		r := cliRun(t, nil, nil, "vectors", "--profile", p.Name)
		if r.code != 0 {
			t.Fatalf("%s: exit %d %q", p.Name, r.code, r.err)
		}
		lines := strings.Split(strings.TrimSpace(r.out), "\n")
		for _, row := range lines[1 : len(lines)-1] {
			if f := strings.Fields(row); f[1] != p.Name {
				t.Errorf("--profile %s listed %q", p.Name, row)
			}
		}
		if len(lines) < 3 {
			t.Errorf("--profile %s: no rows", p.Name)
		}
	}
}

// copyVectors writes the built-in vector files under dir/golden/vectors,
// letting edit change one file's JSON first.
func copyVectors(t *testing.T, edit func(name string, doc map[string]any)) string {
	t.Helper()
	dir := t.TempDir()
	target := filepath.Join(dir, filepath.FromSlash(vectors.Dir))
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(conform.Files, vectors.Dir+"/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("glob: %v %v", names, err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(conform.Files, name)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			edit(path.Base(name), doc)
			if data, err = json.Marshal(doc); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(target, path.Base(name)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestVectorsDir(t *testing.T) {
	// An unchanged copy passes, like the built-in vectors.
	if r := cliRun(t, nil, nil, "vectors", "--dir", copyVectors(t, nil)); r.code != 0 {
		t.Fatalf("copy: exit %d\n%s%s", r.code, r.out, r.err)
	}

	// Damage one accepted vector's signature: that vector, and only it, fails.
	var damaged string
	dir := copyVectors(t, func(name string, doc map[string]any) {
		if damaged != "" {
			return
		}
		for _, rv := range doc["vectors"].([]any) {
			v := rv.(map[string]any)
			if v["verdict"] != "accept" {
				continue
			}
			p, _ := signing.Lookup(v["profile"].(string))
			headers := v["headers"].(map[string]any)
			for k, val := range headers {
				if strings.EqualFold(k, p.Header) {
					headers[k] = strings.Repeat("0", len(val.(string)))
					damaged = v["id"].(string)
					return
				}
			}
		}
	})
	if damaged == "" {
		t.Fatal("no accepted vector to damage")
	}
	r := cliRun(t, nil, nil, "vectors", "--dir", dir)
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.out)
	}
	m := summaryLine.FindStringSubmatch(r.out)
	if m == nil || m[2] != "1" {
		t.Fatalf("summary %q, want 1 failed\n%s", m, r.out)
	}
	for _, line := range strings.Split(r.out, "\n") {
		if strings.Contains(line, "FAIL") != strings.HasPrefix(line, damaged+" ") {
			t.Errorf("row %q (damaged %s)", line, damaged)
		}
	}
	passed, _ := strconv.Atoi(m[1])
	if !strings.Contains(r.out, "FAIL: vector "+damaged+": expected accept, got reject") || r.err != "conform: 1 of "+strconv.Itoa(passed+1)+" vectors failed\n" {
		t.Errorf("stdout %s\nstderr %q", r.out, r.err)
	}
}

func TestVectorsBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent")
	cliRun(t, nil, nil, "vectors", "--dir", missing).expectUsage(t, "cannot read "+missing)
	file := writeFile(t, "f", []byte("x"))
	cliRun(t, nil, nil, "vectors", "--dir", file).expectUsage(t, "is not a directory")
	empty := t.TempDir()
	cliRun(t, nil, nil, "vectors", "--dir", empty).expectUsage(t, "cannot load vectors from "+empty)
	corrupt := copyVectors(t, func(name string, doc map[string]any) { doc["format"] = "something-else" })
	cliRun(t, nil, nil, "vectors", "--dir", corrupt).expectUsage(t, "cannot load vectors from "+corrupt)
	cliRun(t, nil, nil, "vectors", "extra").expectUsage(t, "unexpected argument")
}

// TestVerifyExplainsEveryRejectVector feeds each golden vector — built by
// another helper, independently of the diagnosis — to `conform verify` and
// checks the verdict and, for rejected vectors, that the likely cause named
// matches the vector's documented reason.
func TestVerifyExplainsEveryRejectVector(t *testing.T) {
	// By vector id suffix: the finding kind the reason corresponds to.
	cause := map[string]string{
		"wrong-secret":                             "unknown",
		"one-hex-digit-changed":                    "unknown",
		"different-body":                           "unknown",
		"truncated":                                "truncated",
		"half-length":                              "truncated",
		"empty-header-value":                       "wrong-length",
		"pretty-body-compact-signature":            "reserialized-json",
		"escapes-decoded-signature":                "reserialized-json",
		"trailing-newline-stripped":                "trailing-newline",
		"whitespace-around":                        "whitespace",
		"trailing-newline-in-header":               "whitespace",
		"doc/localhost-validation-secret-spelling": "unknown",
		"doc/manual-generation-as-printed":         "unknown",
	}
	for _, v := range builtinVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			p, err := signing.Lookup(v.Profile)
			if err != nil {
				t.Fatal(err)
			}
			hdrs, _ := json.Marshal(v.Headers)
			body := writeFile(t, "body", v.Body)
			hf := writeFile(t, "headers.json", hdrs)
			r := cliRun(t, map[string]string{envSecret: v.Secret}, nil, "verify", "--profile", p.Name, "--body", body, "--headers", hf)
			want := map[string]int{vectors.Accept: exitOK, vectors.Reject: exitFailed}[v.Verdict]
			if r.code != want {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, want, r.out, r.err)
			}
			if v.Verdict != vectors.Reject {
				return
			}
			suffix := strings.TrimPrefix(v.ID, v.Profile+"/")
			kind, known := cause[suffix]
			switch {
			case strings.HasPrefix(suffix, "other-profile-"):
				kind, known = "other-profile", true
			case suffix == "missing-header":
				if !strings.Contains(r.out, "MISSING: the request has no "+p.Header) {
					t.Errorf("stdout %s", r.out)
				}
				return
			}
			if !known {
				t.Logf("no expected cause recorded for vector %s (%s):\n%s", v.ID, v.Reason, r.out)
				return
			}
			if !strings.Contains(r.out, "likely cause ["+kind+"]") {
				t.Errorf("reason %q: want likely cause [%s]\n%s", v.Reason, kind, r.out)
			}
		})
	}
}
