#!/usr/bin/env bash
# Lint spec/openapi.yaml (and the schemas it $refs) with Redocly CLI, a linter independent of the
# kin-openapi validation that contract/ runs, using the committed spec/redocly.yaml.
#
# Redocly CLI is installed from the npm registry at a pinned version into a per-user cache, not into
# the repository, and reused on later runs. Telemetry and update checks are switched off so the
# lint itself makes no network requests.
set -euo pipefail

REDOCLY_VERSION="2.77.0"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/conform-npm"
bin="$cache/node_modules/.bin/redocly"
installed_pkg="$cache/node_modules/@redocly/cli/package.json"

export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "lint-openapi: $tool is required (Redocly CLI runs on Node.js >= 20.19)" >&2
		exit 2
	fi
done

installed=""
if [[ -f "$installed_pkg" ]]; then
	installed="$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$installed_pkg")"
fi
if [[ "$installed" != "$REDOCLY_VERSION" || ! -x "$bin" ]]; then
	echo "lint-openapi: installing @redocly/cli@$REDOCLY_VERSION into $cache" >&2
	mkdir -p "$cache"
	npm install --no-audit --no-fund --save-exact --loglevel=error --prefix "$cache" "@redocly/cli@$REDOCLY_VERSION" >&2
fi

cd "$root"
"$bin" lint spec/openapi.yaml --config spec/redocly.yaml --format=stylish
