#!/usr/bin/env bash
# test-gate.sh — proves scripts/gate.sh, which the GitHub Action's reusable
# workflow runs, here and in CI (.ci/run), since workflows cannot run here:
#
#   1. reference listener (started with `go run`, so a wrapper process and its
#      child) → conform's exit 0, reports written, no process left behind;
#   2. defective listener → exit 1, reports still written, listener stopped;
#   3. a listener that never answers → exit 4 within --wait, its log shown;
#   4. a listener that exits at once → exit 4 at once, with its status;
#   5. conform's other exit codes (2, 3) pass through; report flags the user
#      gave are not overridden; the Markdown report reaches
#      $GITHUB_STEP_SUMMARY exactly once (test-double conform);
#   6. gate interrupted (SIGTERM to its process group, as on Ctrl-C or a
#      cancelled job) → the listener is still stopped;
#   7. usage errors → exit 2 before anything starts;
#   8. without --listener: waits for a listener started elsewhere (and leaves
#      it running), or just runs conform (exit 3 passes through);
#   9. action.yml's run step (scripts/action-run.sh): every input reaches
#      conform, quoted args split safely, exit-code output set, failure kept.
#
# Every gate run is bounded by `timeout`; every listener binds 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
pass() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; fails=$((fails + 1)); }

begin() { printf -- '--- %s\n' "$*"; }
# check DESCRIPTION COMMAND…: pass when the command succeeds.
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

go build -o "$work/bin/conform" ./cmd/conform
go build -o "$work/bin/reflistener" ./cmd/reflistener

# Test-only credentials, shared by the listener and conform through the env.
export CONFORM_API_KEY="gate-test-key-$$-$RANDOM"
export CONFORM_API_SECRET="gate-test-secret-$$-$RANDOM$RANDOM"
unset GITHUB_STEP_SUMMARY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# gate OUTFILE ARGS… runs gate.sh bounded in time and sets $rc.
gate() {
  local out=$1; shift
  set +e
  timeout 180 bash scripts/gate.sh --conform "$work/bin/conform" "$@" >"$out" 2>&1
  rc=$?
  set -e
}

# no_orphans OUTFILE PORT: the listener's process group is empty and nothing
# answers on its port.
no_orphans() {
  local out=$1 port=$2 pgid
  pgid=$(sed -n 's/^gate: listener started (pid [0-9]*, process group \([0-9]*\)).*/\1/p' "$out")
  if [ -z "$pgid" ]; then fail "no 'listener started' line in the gate output"; return; fi
  if ps -eo pgid= | awk -v g="$pgid" '$1 == g { found = 1 } END { exit !found }'; then
    fail "processes of the listener's group $pgid are still running:"
    ps -eo pid=,pgid=,args= | awk -v g="$pgid" '$2 == g'
  else
    pass "listener process group $pgid is gone"
  fi
  if [ -n "$port" ]; then
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/" || true)" = "000" ]; then
      pass "nothing answers on 127.0.0.1:$port any more"
    else
      fail "something still answers on 127.0.0.1:$port"
    fi
  fi
}

expect_rc() {
  if [ "$rc" = "$1" ]; then pass "exit $rc ($2)"; else fail "exit $rc, want $1 ($2); output:"; sed 's/^/    /' "$3"; fi
}

expect_grep() {
  if grep -q -- "$1" "$2"; then pass "$3"; else fail "$3: no '$1' in $2"; sed 's/^/    /' "$2"; fi
}

no_secret_in() {
  if grep -rqF -e "$CONFORM_API_SECRET" -e "$CONFORM_API_KEY" "$@"; then fail "a credential appears in $*"; else pass "no credential in the reports or logs"; fi
}

# --- 1. reference listener via go run → 0 --------------------------------------
begin "reference listener (go run) → conform exit 0"
port=$(free_port)
gate "$work/1.out" --reports "$work/r1" --wait 120 \
  --listener "go run ./cmd/reflistener --addr 127.0.0.1:$port" \
  --ready-url "http://127.0.0.1:$port/veriff/decision" \
  -- --provider veriff --target "http://127.0.0.1:$port" --no-color
expect_rc 0 "conformant" "$work/1.out"
for f in conform.json conform.junit.xml conform-output.txt listener.log; do
  check "report $f written" test -s "$work/r1/$f"
done
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r.get("conformant") is True else 1)' "$work/r1/conform.json"; then
  pass "conform.json says conformant"
else
  fail "conform.json does not say conformant"
fi
expect_grep "POST /veriff/decision -> 200" "$work/r1/listener.log" "the listener's log shows the deliveries"
no_secret_in "$work/r1" "$work/1.out"
no_orphans "$work/1.out" "$port"

# --- 2. defective listener → 1 -------------------------------------------------
begin "defective listener → conform exit 1"
port=$(free_port)
gate "$work/2.out" --reports "$work/r2" --wait 60 \
  --listener "'$work/bin/reflistener' --addr 127.0.0.1:$port --defect reserialized-body" \
  --ready-url "http://127.0.0.1:$port/shuftipro/callback" \
  -- --provider shuftipro --target "http://127.0.0.1:$port" --no-color
expect_rc 1 "not conformant" "$work/2.out"
expect_grep "shuftipro/signature/raw-body" "$work/r2/conform-output.txt" "the failing check is named"
check "JUnit report written on failure" test -s "$work/r2/conform.junit.xml"
no_orphans "$work/2.out" "$port"

# --- 3. never ready → 4 within --wait --------------------------------------------
begin "listener that never answers → exit 4 within --wait 3"
port=$(free_port)
t0=$SECONDS
gate "$work/3.out" --reports "$work/r3" --wait 3 \
  --listener "echo 'booting, slowly'; exec sleep 120" \
  --ready-url "http://127.0.0.1:$port/veriff/decision" \
  -- --provider veriff --target "http://127.0.0.1:$port"
took=$((SECONDS - t0))
expect_rc 4 "not ready" "$work/3.out"
check "gave up after ${took}s (--wait 3; want 3-8s)" test "$took" -ge 3 -a "$took" -le 8
expect_grep "did not answer http://127.0.0.1:$port/veriff/decision within 3s" "$work/3.out" "the error names the URL and the bound"
expect_grep "booting, slowly" "$work/3.out" "the listener's log is shown"
check "conform did not run" test ! -e "$work/r3/conform.json"
no_orphans "$work/3.out" ""

# --- 4. exits at once → 4 at once ----------------------------------------------
begin "listener that exits at once → exit 4 without waiting"
t0=$SECONDS
gate "$work/4.out" --reports "$work/r4" --wait 60 \
  --listener "echo 'listen tcp: address already in use' >&2; exit 7" \
  --ready-url "http://127.0.0.1:1/" -- --provider veriff --target http://127.0.0.1:1
took=$((SECONDS - t0))
expect_rc 4 "not ready" "$work/4.out"
check "reported after ${took}s, not after --wait 60" test "$took" -le 5
expect_grep "exited with status 7" "$work/4.out" "the listener's exit status is given"
expect_grep "address already in use" "$work/4.out" "the listener's log is shown"

# --- 5. exit codes, user report flags, step summary (test-double conform) ------
begin "conform's exit codes pass through; user flags kept; step summary once"
cat >"$work/bin/fake-conform" <<'EOF'
#!/usr/bin/env bash
# Test double: `run --help` lists report flags; `run` records its arguments,
# writes the Markdown report and exits with --exit CODE.
if [ "$1" = run ] && [ "${2:-}" = --help ]; then
  printf '      --json FILE       write a JSON report to FILE\n      --markdown FILE   write a Markdown summary to FILE\n'
  exit 0
fi
shift
printf '%s\n' "$@" >"$FAKE_ARGS"
code=0 md="" json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --exit) code=$2; shift ;;
    --markdown) md=$2; shift ;;
    --json) json=$2; shift ;;
    --self-summary) echo "## written by conform itself" >>"$GITHUB_STEP_SUMMARY" ;;
  esac
  shift
done
[ -n "$md" ] && echo "## fake markdown report" >"$md"
[ -n "$json" ] && echo '{}' >"$json"
exit "$code"
EOF
chmod +x "$work/bin/fake-conform"
export FAKE_ARGS="$work/fake-args"
for code in 0 1 2 3; do
  port=$(free_port)
  export GITHUB_STEP_SUMMARY="$work/summary-$code.md"
  echo "# earlier step" >"$GITHUB_STEP_SUMMARY"
  gate "$work/5-$code.out" --conform "$work/bin/fake-conform" --reports "$work/r5-$code" \
    --listener "'$work/bin/reflistener' --addr 127.0.0.1:$port --quiet" \
    --ready-url "http://127.0.0.1:$port/veriff/decision" \
    -- --exit "$code" --json "$work/custom-$code.json"
  expect_rc "$code" "conform's code passed through" "$work/5-$code.out"
  if grep -qx -- "--json" "$FAKE_ARGS" && [ "$(grep -cx -- '--json' "$FAKE_ARGS")" = 1 ] && grep -qx "$work/custom-$code.json" "$FAKE_ARGS"; then
    pass "the user's --json path is kept, not overridden"
  else
    fail "conform got: $(tr '\n' ' ' <"$FAKE_ARGS")"
  fi
  check "--markdown added (conform supports it)" grep -qx -- "$work/r5-$code/conform.md" "$FAKE_ARGS"
  check "--junit not added (conform does not list it)" test "$(grep -cx -- --junit "$FAKE_ARGS")" = 0
  check "Markdown report appended to the step summary once, after the earlier step's" \
    test "$(grep -c 'fake markdown report' "$GITHUB_STEP_SUMMARY")" = 1 -a "$(head -1 "$GITHUB_STEP_SUMMARY")" = "# earlier step"
  no_orphans "$work/5-$code.out" "$port"
done
port=$(free_port)
export GITHUB_STEP_SUMMARY="$work/summary-self.md"
: >"$GITHUB_STEP_SUMMARY"
gate "$work/5-self.out" --conform "$work/bin/fake-conform" --reports "$work/r5-self" \
  --listener "'$work/bin/reflistener' --addr 127.0.0.1:$port --quiet" \
  --ready-url "http://127.0.0.1:$port/veriff/decision" -- --self-summary
if grep -q "written by conform itself" "$GITHUB_STEP_SUMMARY" && ! grep -q "fake markdown report" "$GITHUB_STEP_SUMMARY"; then
  pass "a conform that writes the step summary itself is not duplicated"
else
  fail "step summary: $(cat "$GITHUB_STEP_SUMMARY")"
fi
export GITHUB_STEP_SUMMARY="$work/summary-stale.md"
: >"$GITHUB_STEP_SUMMARY"
echo "## stale report of an earlier run" >"$work/r5-stale.md"
mkdir -p "$work/r5-stale" && mv "$work/r5-stale.md" "$work/r5-stale/conform.md"
gate "$work/5-stale.out" --conform "$work/bin/fake-conform" --reports "$work/r5-stale" -- --exit 2 --markdown "$work/elsewhere.md"
expect_rc 2 "fake conform" "$work/5-stale.out"
check "a Markdown report left by an earlier run never reaches the summary" test ! -s "$GITHUB_STEP_SUMMARY"
gate "$work/5-nosum.out" --conform "$work/bin/fake-conform" --reports "$work/r5-nosum" -- --no-step-summary
check "--no-step-summary is respected" test ! -s "$GITHUB_STEP_SUMMARY"
unset GITHUB_STEP_SUMMARY

# --- 6. interrupted → listener still stopped -----------------------------------
begin "gate interrupted by SIGTERM to its process group → listener stopped"
cat >"$work/bin/slow-conform" <<'EOF'
#!/usr/bin/env bash
[ "${2:-}" = --help ] && exit 0
echo "slow conform running"
exec sleep 60
EOF
chmod +x "$work/bin/slow-conform"
port=$(free_port)
set -m
timeout 120 bash scripts/gate.sh --conform "$work/bin/slow-conform" --reports "$work/r6" \
  --listener "'$work/bin/reflistener' --addr 127.0.0.1:$port --quiet" \
  --ready-url "http://127.0.0.1:$port/veriff/decision" -- >"$work/6.out" 2>&1 &
gate_pid=$!
set +m
for _ in $(seq 1 100); do grep -q "slow conform running" "$work/6.out" 2>/dev/null && break; sleep 0.1; done
# `timeout` runs gate in its own process group (timeout's pid is the group id).
kill -TERM -- "-$gate_pid" 2>/dev/null || kill -TERM "$gate_pid"
set +e; wait "$gate_pid"; rc=$?; set -e
check "gate ended on the signal (exit $rc)" test "$rc" -ge 124
expect_grep "listener stopped" "$work/6.out" "the EXIT trap stopped the listener"
no_orphans "$work/6.out" "$port"

# --- 7. usage errors → 2 --------------------------------------------------------
begin "usage errors → exit 2"
gate "$work/7a.out" --listener true -- --provider veriff
expect_rc 2 "--listener without --ready-url" "$work/7a.out"
gate "$work/7b.out" --listener true --ready-url 127.0.0.1:1 --
expect_rc 2 "--ready-url without a scheme" "$work/7b.out"
gate "$work/7c.out" --listener true --ready-url http://127.0.0.1:1/ --wait 3s --
expect_rc 2 "--wait 3s" "$work/7c.out"
gate "$work/7d.out" --listener true --ready-url http://127.0.0.1:1/ --conform /nonexistent/conform --
expect_rc 2 "conform not installed" "$work/7d.out"
expect_grep "go install github.com/conform-kit/conform/cmd/conform@" "$work/7d.out" "the error says how to install conform"
set +e; bash scripts/gate.sh --help >"$work/7h.out" 2>&1; rc=$?; set -e
expect_rc 0 "--help" "$work/7h.out"
expect_grep "^Exit codes: conform's own" "$work/7h.out" "--help shows the usage comment"
gate "$work/7e.out" --listener true --ready-url http://127.0.0.1:1/ --provider veriff
expect_rc 2 "conform flag before --" "$work/7e.out"
expect_grep "go after --" "$work/7e.out" "the error says where conform's flags go"

# --- 8. without --listener: wait for one started elsewhere; or just run ------
begin "no --listener: --ready-url waits for a listener started elsewhere; neither: conform alone"
port=$(free_port)
"$work/bin/reflistener" --addr "127.0.0.1:$port" --quiet >"$work/8-listener.log" 2>&1 &
own_listener=$!
gate "$work/8a.out" --reports "$work/r8a" --wait 30 --ready-url "http://127.0.0.1:$port/veriff/decision" \
  -- --provider veriff --target "http://127.0.0.1:$port" --labels auth --no-color
expect_rc 0 "conformant, listener started elsewhere" "$work/8a.out"
expect_grep "listener ready" "$work/8a.out" "it waited for the listener"
check "it did not stop a listener it did not start" kill -0 "$own_listener"
kill "$own_listener"; wait "$own_listener" 2>/dev/null || true
gate "$work/8b.out" --reports "$work/r8b" -- --provider veriff --target "http://127.0.0.1:$port" --no-color
expect_rc 3 "conform's own unreachable-target code when nothing listens" "$work/8b.out"

# --- 9. the action's run step (action-run.sh) ------------------------------------
begin "action.yml's run step: inputs become flags; exit-code output; failure kept"
for var in $(grep -o 'CONFORM_INPUT_[A-Z_]*' action.yml | sort -u) CONFORM_BIN; do
  check "action.yml passes $var and action-run.sh reads it" grep -q "\${$var:-" scripts/action-run.sh
done
# shellcheck disable=SC2013  # the names are single words
for var in $(grep -o 'CONFORM_INPUT_[A-Z_]*' scripts/action-run.sh | sort -u); do
  check "action-run.sh reads $var and action.yml sets it" grep -q "$var: \${{ inputs\." action.yml
done
port=$(free_port)
export GITHUB_OUTPUT="$work/9-output"
: >"$GITHUB_OUTPUT"
set +e
CONFORM_BIN="$work/bin/conform" CONFORM_INPUT_PROVIDER=veriff CONFORM_INPUT_TARGET="http://127.0.0.1:$port" \
  CONFORM_INPUT_LABELS='signature || auth' CONFORM_INPUT_ARGS="--no-color --seed 42" \
  CONFORM_INPUT_LISTENER="'$work/bin/reflistener' --addr 127.0.0.1:$port --defect reserialized-body" \
  CONFORM_INPUT_READY_URL="http://127.0.0.1:$port/veriff/decision" CONFORM_INPUT_WAIT=30 \
  CONFORM_INPUT_REPORTS="$work/r9" timeout 180 bash scripts/action-run.sh >"$work/9.out" 2>&1
rc=$?
set -e
expect_rc 1 "the defective listener fails the step" "$work/9.out"
check "exit-code=1 is the step output" grep -qx "exit-code=1" "$GITHUB_OUTPUT"
expect_grep "seed 42" "$work/9.out" "extra args reach conform"
expect_grep "veriff/signature/raw-body" "$work/r9/conform-output.txt" "the failing check is in the kept output"
check "the JSON report is kept on failure" test -s "$work/r9/conform.json"
no_orphans "$work/9.out" "$port"

: >"$GITHUB_OUTPUT"
set +e
CONFORM_BIN="$work/bin/fake-conform" CONFORM_INPUT_CONFIG="ci/conform.yaml" \
  CONFORM_INPUT_ARGS="--strict -H 'X-Gateway: ci run' --labels \"veriff && !should\"" \
  CONFORM_INPUT_REPORTS="$work/r9b" timeout 60 bash scripts/action-run.sh >"$work/9b.out" 2>&1
rc=$?
set -e
expect_rc 0 "fake conform" "$work/9b.out"
printf '%s\n' --config ci/conform.yaml --strict -H 'X-Gateway: ci run' --labels 'veriff && !should' >"$work/9b.want"
if head -n 7 "$FAKE_ARGS" | cmp -s - "$work/9b.want"; then
  pass "quoted args are split like a shell, nothing expanded"
else
  fail "conform got: $(tr '\n' '|' <"$FAKE_ARGS")"
fi
: >"$GITHUB_OUTPUT"
set +e
CONFORM_BIN="$work/bin/fake-conform" CONFORM_INPUT_ARGS="--labels 'unclosed" CONFORM_INPUT_REPORTS="$work/r9c" \
  timeout 60 bash scripts/action-run.sh >"$work/9c.out" 2>&1
rc=$?
set -e
expect_rc 2 "an unmatched quote in args" "$work/9c.out"
check "exit-code=2 is the step output" grep -qx "exit-code=2" "$GITHUB_OUTPUT"
: >"$GITHUB_OUTPUT"
set +e
# shellcheck disable=SC2016  # not expanding is the point
CONFORM_BIN="$work/bin/fake-conform" CONFORM_INPUT_ARGS='$(touch '"$work"'/pwned) `touch '"$work"'/pwned2`' \
  CONFORM_INPUT_REPORTS="$work/r9d" timeout 60 bash scripts/action-run.sh >"$work/9d.out" 2>&1
set -e
check "args are not executed" test ! -e "$work/pwned" -a ! -e "$work/pwned2"
unset GITHUB_OUTPUT

echo
if [ "$fails" -gt 0 ]; then
  echo "test-gate: $fails FAILED"
  exit 1
fi
echo "test-gate: all passed"
