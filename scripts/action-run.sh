#!/usr/bin/env bash
# action-run.sh — the run step of the GitHub Action (action.yml), kept as a
# plain script so that scripts/test-gate.sh runs it here too. It turns the
# action's inputs (environment variables, below) into a scripts/gate.sh call,
# records conform's exit code as the step output `exit-code`, and exits with it.
#
#   CONFORM_INPUT_CONFIG     conform.yaml path            → --config
#   CONFORM_INPUT_PROVIDER   veriff | shuftipro           → --provider
#   CONFORM_INPUT_TARGET     listener base URL            → --target
#   CONFORM_INPUT_LABELS     label filter                 → --labels
#   CONFORM_INPUT_ARGS       more conform run flags, split like a shell
#                            would ('…' and "…" quote; nothing is expanded)
#   CONFORM_INPUT_LISTENER   command starting the listener  → gate --listener
#   CONFORM_INPUT_READY_URL  URL answering once it is up    → gate --ready-url
#   CONFORM_INPUT_WAIT       seconds to wait for it         → gate --wait
#   CONFORM_INPUT_REPORTS    report directory               → gate --reports
#   CONFORM_BIN              the conform binary             → gate --conform
#
# The credentials (CONFORM_API_KEY, CONFORM_API_SECRET) pass through the
# environment untouched; nothing here prints them.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage_exit() {
  echo "conform action: $*" >&2
  [ -n "${GITHUB_OUTPUT:-}" ] && echo "exit-code=2" >>"$GITHUB_OUTPUT"
  exit 2
}

run_args=()
[ -n "${CONFORM_INPUT_CONFIG:-}" ] && run_args+=(--config "$CONFORM_INPUT_CONFIG")
[ -n "${CONFORM_INPUT_PROVIDER:-}" ] && run_args+=(--provider "$CONFORM_INPUT_PROVIDER")
[ -n "${CONFORM_INPUT_TARGET:-}" ] && run_args+=(--target "$CONFORM_INPUT_TARGET")
[ -n "${CONFORM_INPUT_LABELS:-}" ] && run_args+=(--labels "$CONFORM_INPUT_LABELS")
extra=${CONFORM_INPUT_ARGS:-}
if [ -n "${extra//[[:space:]]/}" ]; then
  # xargs splits on blanks and honours quotes without running anything, unlike
  # eval; it fails on an unmatched quote.
  if ! split=$(printf '%s' "$extra" | xargs printf '%s\n' 2>&1); then
    usage_exit "args: cannot split '$extra': $split"
  fi
  while IFS= read -r a; do run_args+=("$a"); done <<<"$split"
fi

gate_args=(--reports "${CONFORM_INPUT_REPORTS:-conform-reports}")
[ -n "${CONFORM_INPUT_LISTENER:-}" ] && gate_args+=(--listener "$CONFORM_INPUT_LISTENER")
[ -n "${CONFORM_INPUT_READY_URL:-}" ] && gate_args+=(--ready-url "$CONFORM_INPUT_READY_URL")
[ -n "${CONFORM_INPUT_WAIT:-}" ] && gate_args+=(--wait "$CONFORM_INPUT_WAIT")
[ -n "${CONFORM_BIN:-}" ] && gate_args+=(--conform "$CONFORM_BIN")

bash "$here/gate.sh" "${gate_args[@]}" -- "${run_args[@]+"${run_args[@]}"}"
rc=$?
[ -n "${GITHUB_OUTPUT:-}" ] && echo "exit-code=$rc" >>"$GITHUB_OUTPUT"
exit "$rc"
