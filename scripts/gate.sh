#!/usr/bin/env bash
# shellcheck disable=SC2317  # the stop functions run from the EXIT trap
# gate.sh — conform as a CI gate: start your webhook listener, wait until it
# answers, run `conform run` against it, keep the reports, stop the listener,
# and exit with conform's own exit code.
#
#   scripts/gate.sh --listener 'CMD' --ready-url URL [options] -- [conform run flags…]
#
# Without --listener it waits for a listener that is already starting (a
# service container, a staging deployment) when --ready-url is given, and
# otherwise just runs conform with the reports collected.
#
# Options:
#   --listener CMD    shell command that starts your listener in the foreground
#                     (run with bash -c; it must not daemonize itself);
#                     needs --ready-url
#   --ready-url URL   polled until it answers HTTP at all (any status code: a
#                     webhook path answering GET with 405 is ready)
#   --wait SECONDS    how long the listener may take to become ready (default 60)
#   --reports DIR     where the reports, conform's output and the listener's
#                     log go (default conform-reports)
#   --conform PATH    the conform binary (default: conform on PATH)
#   --stop-wait SECONDS  grace period after SIGTERM before SIGKILL (default 10)
#
# Everything after -- goes to `conform run`. Unless given there, the report
# flags conform supports are added with paths in DIR: --json conform.json,
# --junit conform.junit.xml, --html conform.html, --markdown conform.md.
# Credentials come from the environment (CONFORM_API_KEY, CONFORM_API_SECRET),
# which the listener command inherits too.
#
# Exit codes: conform's own — 0 conformant, 1 not conformant, 2 usage or
# configuration error (also this script's), 3 target unreachable at start —
# and 4: the listener did not become ready within --wait (or exited first).
#
# The listener runs in its own process group, and the whole group is stopped
# on every way out (success, failure, Ctrl-C, SIGTERM from the CI runner), so
# `go run`, npm and other wrapper processes leave nothing behind.
set -uo pipefail

readonly EXIT_USAGE=2 EXIT_NOT_READY=4

listener_cmd="" ready_url="" wait_s=60 reports="conform-reports" conform_bin="conform" stop_wait=10
conform_args=()

die_usage() { echo "gate: $*" >&2; exit "$EXIT_USAGE"; }
log() { echo "gate: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --listener)  [ $# -ge 2 ] || die_usage "--listener needs a command"; listener_cmd=$2; shift 2 ;;
    --ready-url) [ $# -ge 2 ] || die_usage "--ready-url needs a URL"; ready_url=$2; shift 2 ;;
    --wait)      [ $# -ge 2 ] || die_usage "--wait needs seconds"; wait_s=$2; shift 2 ;;
    --reports)   [ $# -ge 2 ] || die_usage "--reports needs a directory"; reports=$2; shift 2 ;;
    --conform)   [ $# -ge 2 ] || die_usage "--conform needs a path"; conform_bin=$2; shift 2 ;;
    --stop-wait) [ $# -ge 2 ] || die_usage "--stop-wait needs seconds"; stop_wait=$2; shift 2 ;;
    -h|--help)   sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --)          shift; conform_args=("$@"); break ;;
    *)           die_usage "unknown option $1 (conform's own flags go after --)" ;;
  esac
done

if [ -n "$listener_cmd" ] && [ -z "$ready_url" ]; then
  die_usage "--listener needs --ready-url: a URL of your listener that answers once it is up"
fi
case "$ready_url" in ''|http://*|https://*) ;; *) die_usage "--ready-url $ready_url: want an http:// or https:// URL" ;; esac
for pair in "--wait:$wait_s" "--stop-wait:$stop_wait"; do
  case "${pair#*:}" in ''|*[!0-9]*) die_usage "${pair%%:*} ${pair#*:}: want a whole number of seconds" ;; esac
done
[ "$wait_s" -gt 0 ] || die_usage "--wait must be at least 1 second"
command -v curl >/dev/null 2>&1 || die_usage "curl is required to poll --ready-url"
if ! conform_path=$(command -v "$conform_bin"); then
  die_usage "conform not found ($conform_bin): install it (go install github.com/conform-kit/conform/cmd/conform@VERSION) or pass --conform PATH"
fi
mkdir -p "$reports" || die_usage "--reports $reports: cannot create the directory"
listener_log="$reports/listener.log"

# --- the listener, in its own process group ----------------------------------
# Job control puts a background job in a process group of its own whose id is
# the job's pid; signalling -PGID reaches every process the command started.
listener_pid=""

group_alive() { [ -n "$listener_pid" ] && kill -0 -- "-$listener_pid" 2>/dev/null; }

stop_listener() {
  [ -n "$listener_pid" ] || return 0
  if group_alive; then
    kill -TERM -- "-$listener_pid" 2>/dev/null
    local deadline=$((SECONDS + stop_wait))
    while group_alive && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if group_alive; then
      log "listener still running ${stop_wait}s after SIGTERM: sending SIGKILL"
      kill -KILL -- "-$listener_pid" 2>/dev/null
      deadline=$((SECONDS + 5))
      while group_alive && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    fi
  fi
  wait "$listener_pid" 2>/dev/null
  if group_alive; then
    log "WARNING: processes of the listener's group $listener_pid survived SIGKILL"
  else
    log "listener stopped (process group $listener_pid)"
  fi
  listener_pid=""
}

on_exit() {
  local rc=$?
  # A second signal (a runner or `timeout` forwarding one) must not cut the
  # cleanup short.
  trap '' INT TERM
  stop_listener
  exit "$rc"
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

show_log() {
  if [ -s "$listener_log" ]; then
    log "last lines of the listener's log:"
    tail -n 20 "$listener_log" | sed 's/^/  | /' >&2
  fi
}

if [ -n "$listener_cmd" ]; then
  set -m
  bash -c "$listener_cmd" </dev/null >"$listener_log" 2>&1 &
  listener_pid=$!
  # conform then runs in the foreground, in this script's group: a Ctrl-C
  # stops both, and the EXIT trap stops the listener's group.
  set +m
  log "listener started (pid $listener_pid, process group $listener_pid): $listener_cmd"
  log "listener log: $listener_log"
fi

# --- readiness: bounded by --wait ---------------------------------------------
# SECONDS counts whole seconds: +1 so that the wait is never shorter than asked.
deadline=$((SECONDS + wait_s + 1))
ready=""
while [ -n "$ready_url" ]; do
  if [ -n "$listener_cmd" ] && ! kill -0 "$listener_pid" 2>/dev/null; then
    wait "$listener_pid"; status=$?
    listener_pid_exited=$listener_pid
    listener_pid=""
    # Its children may still run (a wrapper that exited early).
    if kill -0 -- "-$listener_pid_exited" 2>/dev/null; then
      listener_pid=$listener_pid_exited
    fi
    log "the listener exited with status $status before $ready_url answered"
    show_log
    exit "$EXIT_NOT_READY"
  fi
  left=$((deadline - SECONDS))
  [ "$left" -gt 0 ] || break
  per_try=$(( left < 2 ? left : 2 ))
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time "$per_try" "$ready_url" 2>/dev/null)
  if [ -n "$code" ] && [ "$code" != "000" ]; then
    ready=$code
    break
  fi
  sleep 0.2
done
if [ -n "$ready_url" ]; then
  if [ -z "$ready" ]; then
    log "the listener did not answer $ready_url within ${wait_s}s (--wait); is the URL right, and does it listen on that host and port?"
    show_log
    exit "$EXIT_NOT_READY"
  fi
  log "listener ready: GET $ready_url answered $ready after about $((wait_s + 1 - (deadline - SECONDS)))s"
fi

# --- conform ------------------------------------------------------------------
has_flag() {
  local flag=$1 a
  for a in "${conform_args[@]+"${conform_args[@]}"}"; do
    case "$a" in "$flag"|"$flag="*) return 0 ;; esac
  done
  return 1
}
run_help=$("$conform_path" run --help 2>/dev/null)
report_flags=()
for spec in "--json:conform.json" "--junit:conform.junit.xml" "--html:conform.html" "--markdown:conform.md"; do
  flag=${spec%%:*} file=${spec#*:}
  if ! has_flag "$flag" && grep -q -- "$flag " <<<"$run_help"; then
    report_flags+=("$flag" "$reports/$file")
  fi
done

summary_before=""
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$GITHUB_STEP_SUMMARY" ]; then
  summary_before=$(wc -c <"$GITHUB_STEP_SUMMARY")
fi
# Only a Markdown report written by this run may reach the summary, never one
# left in the directory by an earlier run.
run_marker=$(mktemp)

log "running: conform run ${conform_args[*]+"${conform_args[*]}"} ${report_flags[*]+"${report_flags[*]}"}"
"$conform_path" run "${conform_args[@]+"${conform_args[@]}"}" "${report_flags[@]+"${report_flags[@]}"}" 2>&1 |
  tee "$reports/conform-output.txt"
rc=${PIPESTATUS[0]}

if [ -n "$listener_pid" ] && ! kill -0 "$listener_pid" 2>/dev/null; then
  log "note: the listener process exited during the run"
  show_log
fi

# conform writes the Markdown summary to $GITHUB_STEP_SUMMARY itself when it
# can; a conform that only wrote the report file gets it appended here, once
# (unless the caller said --no-step-summary).
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && ! has_flag --no-step-summary; then
  summary_after=""
  [ -f "$GITHUB_STEP_SUMMARY" ] && summary_after=$(wc -c <"$GITHUB_STEP_SUMMARY")
  md=""
  for f in "$reports/conform.md" "$reports"/*.md; do
    [ -f "$f" ] && [ "$f" -nt "$run_marker" ] && { md=$f; break; }
  done
  if [ "$summary_before" = "$summary_after" ] && [ -n "$md" ]; then
    cat "$md" >>"$GITHUB_STEP_SUMMARY"
    log "appended $md to the step summary"
  fi
fi

rm -f "$run_marker"
log "reports in $reports/"
log "conform exited with $rc"
exit "$rc"
