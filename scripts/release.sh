#!/usr/bin/env bash
# release.sh — build conform's release binaries and their checksums.
#
#   scripts/release.sh [--strict] VERSION [OUTDIR]
#
# Builds static binaries (CGO_ENABLED=0, -trimpath) of ./cmd/conform for
# linux, darwin and windows × amd64 and arm64 (PLATFORMS overrides, e.g.
# PLATFORMS="linux/amd64 windows/arm64"), named conform_<VERSION>_<os>_<arch>
# (.exe on windows), with VERSION and the commit stamped in by -ldflags, and
# writes OUTDIR/SHA256SUMS (default OUTDIR: dist/<VERSION>).
#
# It then checks what it built: every binary's build settings (go version -m:
# static, trimmed, right target) and stamped version and commit, the checksums
# (sha256sum -c), and the binary for this machine, run: `conform version`
# must report VERSION, the commit and the checkout's spec hash.
#
# --strict is for a real release (make release): the working tree must be
# clean, and action.yml's `version` and the reusable workflow's
# `conform-version` inputs must default to VERSION, so that the action
# published at that tag installs that release.
#
# .goreleaser.yaml describes the same build for goreleaser; this script needs
# nothing but Go, git and coreutils.
set -euo pipefail
cd "$(dirname "$0")/.."

strict=no
if [ "${1:-}" = --strict ]; then strict=yes; shift; fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: scripts/release.sh [--strict] VERSION [OUTDIR]   (VERSION like v0.1.0)" >&2
  exit 2
fi
version=$1
out=${2:-dist/$version}
if ! [[ $version =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "release: VERSION $version is not a semantic version tag like v0.1.0 or v0.2.0-rc.1" >&2
  exit 2
fi
platforms=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}

commit=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain)" ]; then
  if [ "$strict" = yes ]; then
    echo "release: the working tree has uncommitted changes; a release is built from a commit" >&2
    git status --short >&2
    exit 1
  fi
  commit="$commit-dirty"
fi
if [ "$strict" = yes ]; then
  # The action and the reusable workflow published at tag VERSION must install
  # VERSION by default.
  action_default=$(awk '/^  version:/ { v = 1 } v && /^    default:/ { print $2; exit }' action.yml)
  workflow_default=$(awk '/^      conform-version:/ { v = 1 } v && /^        default:/ { print $2; exit }' .github/workflows/conform-gate.yml)
  for pair in "action.yml input version:$action_default" ".github/workflows/conform-gate.yml input conform-version:$workflow_default"; do
    if [ "${pair##*:}" != "$version" ]; then
      echo "release: ${pair%:*} defaults to '${pair##*:}', not $version: update it, commit, then tag" >&2
      exit 1
    fi
  done
fi

sha256=(sha256sum)
command -v sha256sum >/dev/null || sha256=(shasum -a 256) # macOS

rm -rf "$out"
mkdir -p "$out"
ldflags="-s -w -X main.version=$version -X main.commit=$commit"
t0=$SECONDS
names=()
for p in $platforms; do
  goos=${p%/*} goarch=${p#*/}
  name="conform_${version}_${goos}_${goarch}"
  [ "$goos" = windows ] && name="$name.exe"
  t=$SECONDS
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -ldflags "$ldflags" -o "$out/$name" ./cmd/conform
  printf 'built %-45s %6s KiB  %3ss\n' "$name" "$(( $(wc -c <"$out/$name") / 1024 ))" "$((SECONDS - t))"
  names+=("$name")
done
(cd "$out" && "${sha256[@]}" "${names[@]}" >SHA256SUMS)
echo "built ${#names[@]} binaries in $((SECONDS - t0))s; checksums in $out/SHA256SUMS"

# --- check what was built -------------------------------------------------------
fails=0
bad() { echo "release: FAIL $*" >&2; fails=$((fails + 1)); }
for name in "${names[@]}"; do
  m=$(go version -m "$out/$name")
  goos=${name#conform_"${version}"_} goos=${goos%%_*}
  goarch=${name##*_} goarch=${goarch%.exe}
  for want in "CGO_ENABLED=0" "-trimpath=true" "GOOS=$goos" "GOARCH=$goarch"; do
    grep -qF -- "$want" <<<"$m" || bad "$name: build settings lack $want"
  done
  # -trimpath keeps -ldflags out of the build settings; the -X strings are in
  # the binary's data, so look for them there.
  for want in "$version" "$commit"; do
    LC_ALL=C grep -qaF -- "$want" "$out/$name" || bad "$name: does not contain $want (-X main.version/main.commit)"
  done
done
(cd "$out" && "${sha256[@]}" -c SHA256SUMS >/dev/null) || bad "SHA256SUMS does not verify"

native="conform_${version}_$(go env GOHOSTOS)_$(go env GOHOSTARCH)"
[ "$(go env GOHOSTOS)" = windows ] && native="$native.exe"
if [ -x "$out/$native" ]; then
  info=$("$out/$native" version --json)
  spec=$({ find schemas -name '*.json'; echo spec/openapi.yaml; } | LC_ALL=C sort | xargs "${sha256[@]}" | "${sha256[@]}" | cut -d' ' -f1)
  for want in "\"version\": \"$version\"" "\"commit\": \"$commit\"" "\"spec_sha256\": \"$spec\""; do
    grep -qF -- "$want" <<<"$info" || bad "$native version --json lacks $want: $info"
  done
  echo "ran $native: $(tr -d '\n ' <<<"$info")"
else
  echo "release: no binary for this machine among PLATFORMS; nothing run"
fi
if [ "$fails" -gt 0 ]; then
  echo "release: $fails check(s) failed" >&2
  exit 1
fi
echo "release: $version OK"
