package main

// Shared input helpers: the secret, the API key, bodies and profiles. Every
// command reads them through here, so the rules (where a secret may come from,
// how big a body may be, what an error says) are the same everywhere.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conform-kit/conform/signing"
)

const (
	envSecret = "CONFORM_API_SECRET"
	envAPIKey = "CONFORM_API_KEY"

	// maxBodyBytes bounds every body read from a file or stdin. No provider
	// sends webhooks anywhere near this size; the bound keeps a wrong path
	// (a disk image, /dev/zero) from exhausting memory.
	maxBodyBytes = 64 << 20
	// maxSecretFileBytes bounds --secret-file: a secret is a line, not a file.
	maxSecretFileBytes = 64 << 10
)

// secretFlags is the --secret-file flag shared by the commands that sign.
type secretFlags struct{ file string }

func (f *secretFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.file, "secret-file", "",
		"read the API secret from `PATH` instead of "+envSecret+"; one trailing newline (\\n or \\r\\n) is stripped, "+
			"so a file written by echo or an editor works")
}

// secret returns the API secret: from --secret-file when given, else from
// CONFORM_API_SECRET. There is deliberately no --secret flag: a secret on the
// command line lands in shell history and in every process listing.
//
// The secret is never part of an error or note: messages name its source only.
func (f *secretFlags) secret(s *streams) (string, error) {
	if f.file != "" {
		data, err := readLimited(f.file, nil, maxSecretFileBytes)
		if err != nil {
			return "", err
		}
		secret := string(data)
		if strings.HasSuffix(secret, "\r\n") {
			secret = secret[:len(secret)-2]
		} else if strings.HasSuffix(secret, "\n") {
			secret = secret[:len(secret)-1]
		}
		switch {
		case secret == "":
			return "", usageError("secret file %s is empty", f.file)
		case strings.ContainsAny(secret, "\r\n"):
			// A second line is never part of a secret; guessing which line
			// was meant would sign with the wrong one silently.
			return "", usageError("secret file %s holds more than one line; it must hold only the secret", f.file)
		}
		warnSurroundingSpace(s, "the secret in "+f.file, secret)
		return secret, nil
	}
	secret := s.getenv(envSecret)
	if secret == "" {
		return "", usageError("no API secret: set %s or pass --secret-file PATH", envSecret)
	}
	warnSurroundingSpace(s, envSecret, secret)
	return secret, nil
}

// warnSurroundingSpace notes, without printing the value, that a secret starts
// or ends with white space. It is used as is — it may be deliberate — but it is
// the usual cause of a "signature never matches" report.
func warnSurroundingSpace(s *streams, what, secret string) {
	if strings.TrimSpace(secret) != secret {
		fmt.Fprintf(s.err, "note: %s starts or ends with white space; it is used exactly as given\n", what)
	}
}

// apiKey returns CONFORM_API_KEY, or "" when unset.
func apiKey(s *streams) string { return s.getenv(envAPIKey) }

// readBody reads a body from path, or from stdin when path is "" or "-". It
// refuses bodies over maxBodyBytes instead of truncating them: a truncated body
// would sign or verify something other than what the user meant.
func readBody(s *streams, path string) ([]byte, error) {
	if path == "" || path == "-" {
		if f, ok := s.in.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				return nil, usageError("no body: pass --file PATH or pipe the body on stdin")
			}
		}
		return readLimited("", s.in, maxBodyBytes)
	}
	return readLimited(path, nil, maxBodyBytes)
}

// readLimited reads at most limit bytes from the file at path, or from r when
// path is "". Errors name the path (or "stdin") and are usage errors.
func readLimited(path string, r io.Reader, limit int64) ([]byte, error) {
	name := path
	if path == "" {
		name = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, usageError("cannot read %s: %v", path, describeFSError(err))
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, usageError("cannot read %s: it is a directory", path)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, usageError("cannot read %s: %v", name, describeFSError(err))
	}
	if int64(len(data)) > limit {
		return nil, usageError("%s is larger than %s; refusing to read it", name, byteSize(limit))
	}
	return data, nil
}

// describeFSError drops the path an *fs.PathError repeats, since the caller's
// message names it already.
func describeFSError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// lookupProfile resolves a --profile value; an unknown name is a usage error
// that lists the known ones.
func lookupProfile(name string) (signing.Profile, error) {
	if name == "" {
		return signing.Profile{}, usageError("--profile is required (known: %s)", strings.Join(signing.Names(), ", "))
	}
	p, err := signing.Lookup(name)
	if err != nil {
		return signing.Profile{}, usageError("%v", err)
	}
	return p, nil
}

// noArgs rejects positional arguments with a usage error that says what to
// use instead, rather than cobra's generic message.
func noArgs(hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError("unexpected argument %q: %s", args[0], hint)
		}
		return nil
	}
}

// hashedSecret is hex(sha256(secret)). Shufti Pro's current scheme appends it
// in place of the secret, so it is key material and is never printed. It is
// also exactly the signature of an EMPTY payload under the plain
// sha256(payload || secret) profiles, which is why sign and verify check for it.
func hashedSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// isKeyMaterial reports whether a value printed as a signature would disclose
// hex(sha256(secret)).
func isKeyMaterial(value, secret string) bool {
	return strings.EqualFold(strings.TrimSpace(value), hashedSecret(secret))
}
