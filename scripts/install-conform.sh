#!/usr/bin/env bash
# install-conform.sh — install conform at a pinned version; the GitHub
# Action's install step (action.yml) and scripts/test-install.sh run it.
#
#   scripts/install-conform.sh VERSION
#
# VERSION is a module version — a release tag (v0.1.0), a pseudo-version, a
# commit hash or `latest` — installed with
#   go install github.com/conform-kit/conform/cmd/conform@VERSION
# or `source`: build the checkout this script is part of (the action's own
# files, i.e. exactly the ref the workflow pinned in `uses:`).
#
# The binary goes where `go install` puts it (GOBIN, else GOPATH/bin). Its
# path is printed last, written to $GITHUB_OUTPUT as conform-path= and its
# directory appended to $GITHUB_PATH when those are set (GitHub Actions).
set -euo pipefail
readonly MODULE=github.com/conform-kit/conform

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 VERSION (v0.1.0, latest, a commit, or source)" >&2
  exit 2
fi
want=$1

exe=conform gopath=$(go env GOPATH)
if [ "$(go env GOHOSTOS)" = windows ]; then
  exe=conform.exe gopath=${gopath%%;*} # C:\… paths hold a colon; the list separator is ;
else
  gopath=${gopath%%:*}
fi
bindir=$(go env GOBIN)
[ -n "$bindir" ] || bindir="$gopath/bin"

if [ "$want" = source ]; then
  src=$(cd "$(dirname "$0")/.." && pwd)
  ver="source" rev="unknown"
  if git -C "$src" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    rev=$(git -C "$src" rev-parse HEAD)
    ver=$(git -C "$src" describe --tags --always --dirty 2>/dev/null || echo source)
  fi
  echo "conform: building $src ($ver)" >&2
  mkdir -p "$bindir"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bindir/$exe" \
    -ldflags "-s -w -X main.version=$ver -X main.commit=$rev" ./cmd/conform)
else
  echo "conform: go install $MODULE/cmd/conform@$want" >&2
  # Outside any module, so that the caller's go.mod cannot change what is built.
  (cd "${RUNNER_TEMP:-${TMPDIR:-/tmp}}" && GO111MODULE=on go install "$MODULE/cmd/conform@$want")
fi

bin="$bindir/$exe"
[ -x "$bin" ] || { echo "conform: $bin was not installed" >&2; exit 1; }
"$bin" version >&2
[ -n "${GITHUB_OUTPUT:-}" ] && echo "conform-path=$bin" >>"$GITHUB_OUTPUT"
[ -n "${GITHUB_PATH:-}" ] && echo "$bindir" >>"$GITHUB_PATH"
echo "$bin"
