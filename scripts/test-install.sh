#!/usr/bin/env bash
# test-install.sh — proves that
#   go install github.com/conform-kit/conform/cmd/conform@latest
# works for a new user: from an empty module cache, through the module proxy
# protocol, with nothing of this checkout on the build path.
#
# It publishes this checkout (the files git would commit: tracked plus
# untracked-but-not-ignored) as a pseudo-version v0.0.0-<commit time>-<commit>
# in a file:// module proxy (the @v/list, .info, .mod and .zip layout of the
# GOPROXY protocol, plus @latest), then runs the GitHub Action's own install
# script (scripts/install-conform.sh latest) with a fresh GOPATH, GOMODCACHE
# and GOBIN and
#   GOPROXY=file://<that proxy>,file://<local download cache>,https://proxy.golang.org
# so conform comes from the file proxy and its dependencies from the module
# proxy (via the local download cache when it has them; INSTALL_TEST_PROXY=real
# skips that layer and fetches every dependency from proxy.golang.org).
# The installed binary must report the pseudo-version, the commit and the
# checkout's spec hash, and `conform demo` must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly MODULE=github.com/conform-kit/conform

work=$(mktemp -d)
cleanup() { chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

rev=$(git rev-parse HEAD)
stamp=$(TZ=UTC git show -s --format=%cd --date=format-local:%Y%m%d%H%M%S HEAD)
version="v0.0.0-$stamp-${rev:0:12}"
time_rfc3339=$(TZ=UTC git show -s --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ HEAD)
echo "test-install: publishing this checkout as $MODULE@$version"

proxy="$work/proxy"
vdir="$proxy/$MODULE/@v"
mkdir -p "$vdir"
: >"$vdir/list" # pseudo-versions are never listed; @latest names it
printf '{"Version":"%s","Time":"%s"}\n' "$version" "$time_rfc3339" >"$vdir/$version.info"
cp "$vdir/$version.info" "$proxy/$MODULE/@latest"
cp go.mod "$vdir/$version.mod"
# The module zip: every file git would commit, under module@version/, as the
# module proxy builds it from a repository. python3's zipfile is standard
# library; the go command validates the layout when it extracts it.
git ls-files -z --cached --others --exclude-standard |
  python3 -c '
import os, sys, zipfile
prefix, out = sys.argv[1], sys.argv[2]
names = sorted(n for n in sys.stdin.read().split("\0") if n)
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n in names:
        if not os.path.isfile(n) or os.path.islink(n):
            continue  # deleted in the working tree, or a symlink (not allowed in module zips)
        if n.startswith("vendor/"):
            continue
        z.write(n, prefix + n)
' "$MODULE@$version/" "$vdir/$version.zip"
echo "test-install: module zip $(du -k "$vdir/$version.zip" | cut -f1) KiB"

goproxy="file://$proxy"
if [ "${INSTALL_TEST_PROXY:-}" != real ]; then
  goproxy="$goproxy,file://$(go env GOMODCACHE)/cache/download"
fi
goproxy="$goproxy,https://proxy.golang.org"

mkdir -p "$work/gopath" "$work/modcache" "$work/bin" "$work/tmp"
t0=$SECONDS
installed=$(
  env GOPATH="$work/gopath" GOMODCACHE="$work/modcache" GOBIN="$work/bin" \
    GOPROXY="$goproxy" GONOSUMDB="$MODULE" GOFLAGS="" GOTOOLCHAIN=local \
    RUNNER_TEMP="$work/tmp" GITHUB_OUTPUT="" GITHUB_PATH="" \
    bash scripts/install-conform.sh latest
)
echo "test-install: installed $installed in $((SECONDS - t0))s"

fails=0
expect() { if [ "$2" = "$3" ]; then echo "ok    $1: $2"; else echo "FAIL  $1: got '$2', want '$3'"; fails=$((fails + 1)); fi; }

expect "binary location" "$installed" "$work/bin/conform"
[ -f "$work/modcache/cache/download/$MODULE/@v/$version.zip" ] && from_proxy=yes || from_proxy=no
expect "conform came from the module proxy into the fresh module cache" "$from_proxy" yes
info=$("$installed" version --json)
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$info" "$1"; }
spec=$({ find schemas -name '*.json'; echo spec/openapi.yaml; } | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
expect "conform version" "$(field version)" "$version"
expect "commit" "$(field commit)" "${rev:0:12}"
expect "spec hash" "$(field spec_sha256)" "$spec"

set +e
(cd "$work/tmp" && "$installed" demo --no-color >"$work/demo.txt" 2>&1)
rc=$?
set -e
expect "conform demo exit code" "$rc" 0
tail -n 2 "$work/demo.txt"

if [ "$fails" -gt 0 ]; then
  echo "test-install: $fails FAILED"
  exit 1
fi
echo "test-install: go install $MODULE/cmd/conform@latest works from a clean module cache"
