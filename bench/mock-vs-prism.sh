#!/usr/bin/env bash
# shellcheck disable=SC2154 # pid_*/port_* are assigned dynamically with printf -v in start()
# Issue 4 §7: throughput of `conform mock` (every request validated against
# spec/openapi.yaml and its signature checked) against Stoplight Prism's mock
# (`prism mock spec/openapi.yaml`, validates requests, checks no signature) on
# the same spec, with the same load tool (bench/load), in the same run, in
# interleaved rounds; prints medians as a Markdown table, with the machine,
# tool versions and commands. Then a sustained run against a fresh mock with
# default limits shows its memory stays bounded.
#
# Usage: bash bench/mock-vs-prism.sh [ROUNDS] [SECONDS] [SUSTAIN_SECONDS]
#        (defaults 5, 10, 60). Environment: CONC (workers, default 32),
#        PIN=0 to not pin (default: servers on CPU 1, load tool on CPU 0),
#        SUSTAIN_CAP (--max-sessions of the sustained run, default 500).
# Needs go, node >= 18.20.1, npm, curl, python3. Installs Prism (pinned) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/conform-npm. Too long for CI; not run there.
# All traffic goes to 127.0.0.1; every load is bounded in time and workers.
set -euo pipefail

PRISM_VERSION="5.14.2" # the last release that runs on Node 20 (5.15+ wants Node >= 24)

rounds=${1:-5}
secs=${2:-10}
sustain=${3:-60}
conc=${CONC:-32}
pin=${PIN:-1}
sustain_cap=${SUSTAIN_CAP:-500}
for v in "$rounds" "$secs" "$sustain" "$conc" "$sustain_cap"; do
	[[ "$v" =~ ^[0-9]+$ && "$v" -gt 0 ]] || { echo "mock-vs-prism: ROUNDS, SECONDS, SUSTAIN_SECONDS and CONC must be positive integers" >&2; exit 2; }
done
((secs <= 120 && sustain <= 600 && rounds <= 50 && conc <= 256)) || { echo "mock-vs-prism: at most 50 rounds of 120 s, a 600 s sustained run, 256 workers" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for tool in go node npm curl python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "mock-vs-prism: $tool is required" >&2; exit 2; }
done

out=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_cpu="" load_cpu=""
if [[ "$pin" == 1 ]] && command -v taskset >/dev/null 2>&1 && [[ $(nproc) -ge 2 ]]; then
	server_cpu="taskset -c 1" load_cpu="taskset -c 0"
fi

# ---- tools ----------------------------------------------------------------
cache="${XDG_CACHE_HOME:-$HOME/.cache}/conform-npm"
prism_pkg="$cache/node_modules/@stoplight/prism-cli/package.json"
prism_js="$cache/node_modules/@stoplight/prism-cli/dist/index.js"
installed=""
[[ -f "$prism_pkg" ]] && installed="$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$prism_pkg")"
if [[ "$installed" != "$PRISM_VERSION" || ! -f "$prism_js" ]]; then
	echo "mock-vs-prism: installing @stoplight/prism-cli@$PRISM_VERSION into $cache" >&2
	mkdir -p "$cache"
	NO_UPDATE_NOTIFIER=1 npm install --no-audit --no-fund --save-exact --loglevel=error --prefix "$cache" "@stoplight/prism-cli@$PRISM_VERSION" >&2
fi
go build -o "$out/conform" ./cmd/conform
go build -o "$out/load" ./bench/load

# A random key and secret for this run only; they are never printed.
CONFORM_API_KEY="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
CONFORM_API_SECRET="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export CONFORM_API_KEY CONFORM_API_SECRET

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# wait_http URL PID: until URL answers (any status), at most 60 s.
wait_http() {
	for _ in $(seq 120); do
		kill -0 "$2" 2>/dev/null || { echo "mock-vs-prism: server $2 died while starting" >&2; return 1; }
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)
		[[ "$code" != 000 ]] && return 0
		sleep 0.5
	done
	echo "mock-vs-prism: $1 did not answer within 60 s" >&2
	return 1
}

# start_mock NAME MAX_SESSIONS: a conform mock on a free port; sets port_NAME, pid_NAME.
start_mock() {
	local port
	port=$(free_port)
	$server_cpu "$out/conform" mock --addr "127.0.0.1:$port" --quiet --max-sessions "$2" >"$out/$1.log" 2>&1 &
	pids+=($!)
	printf -v "pid_$1" '%s' "$!"
	printf -v "port_$1" '%s' "$port"
	wait_http "http://127.0.0.1:$port/_conform/clock" "$!"
}

start_prism() {
	local port
	port=$(free_port)
	# -v silent: no per-request logging, Prism's fastest setting (conform runs --quiet).
	$server_cpu node "$prism_js" mock -h 127.0.0.1 -p "$port" -v silent spec/openapi.yaml >"$out/prism.log" 2>&1 &
	pids+=($!)
	pid_prism=$!
	port_prism=$port
	wait_http "http://127.0.0.1:$port/v1/sessions" "$!"
}

echo "mock-vs-prism: starting servers" >&2
start_mock conform 1000000 # client mix only: a cap the bounded run never reaches
start_mock decide 10000    # default --max-sessions; the tester decides every session
start_prism

# ---- what each server checks (one request each, answers shown) -------------
sig() { printf '%s%s' "$1" "$CONFORM_API_SECRET" | sha256sum | cut -d' ' -f1; }
ts=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
good='{"verification":{"callback":"https://shop.conform.test/kyc/done","person":{"firstName":"Ingrid","lastName":"Solbakken"},"document":{"type":"PASSPORT","country":"NO"},"vendorData":"check-1","lang":"nb","timestamp":"'"$ts"'"}}'
bad='{"verification":{"callback":"https://shop.conform.test/kyc/done","vendorData":"check-2"}}'
probe() { # probe PORT BODY SIGHEADER... -> HTTP status
	local port=$1 body=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "http://127.0.0.1:$port/v1/sessions" \
		-H 'Content-Type: application/json' -H "X-AUTH-CLIENT: $CONFORM_API_KEY" "$@" --data-binary "$body"
}
checks="$out/checks.txt"
{
	echo "| request | conform mock | Prism |"
	echo "|---|---|---|"
	for name in valid invalid-body wrong-signature no-signature; do
		case $name in
		valid) b=$good h=(-H "X-SIGNATURE: $(sig "$good")") label="valid body, correct X-SIGNATURE" ;;
		invalid-body) b=$bad h=(-H "X-SIGNATURE: $(sig "$bad")") label="body without the required timestamp, correct X-SIGNATURE" ;;
		wrong-signature) b=$good h=(-H "X-SIGNATURE: $(printf '%064d' 0)") label="valid body, wrong X-SIGNATURE" ;;
		no-signature) b=$good h=() label="valid body, no signature header" ;;
		esac
		echo "| $label | $(probe "$port_conform" "$b" "${h[@]}") | $(probe "$port_prism" "$b" "${h[@]}") |"
	done
} >"$checks"

# ---- load -------------------------------------------------------------------
results="$out/results.jsonl"
# load NAME ROUND SECONDS [extra flags]: one bounded load run, appended to results.
load() {
	local name=$1 round=$2 d=$3
	shift 3
	local port pid
	port=$(eval echo "\$port_$name") pid=$(eval echo "\$pid_$name")
	$load_cpu "$out/load" -url "http://127.0.0.1:$port" -c "$conc" -d "${d}s" -pid "$pid" -label "$name" "$@" >"$out/one.json"
	python3 - "$out/one.json" "$round" >>"$results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["round"] = int(sys.argv[2]); print(json.dumps(r))
PY
	python3 - "$out/one.json" <<'PY' >&2
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  {r['label']:8} {r['rps']:9.1f} req/s  non-2xx {r['non2xxRatio']*100:.2f}%  p50 {r['p50ms']:.1f} ms  p99 {r['p99ms']:.1f} ms  server CPU {r.get('serverCPU',0):.2f}")
PY
}
run_server() { # run_server NAME ROUND SECONDS
	case $1 in
	conform) load conform "$2" "$3" -verify-signatures 20 ;;
	decide) load decide "$2" "$3" -decide -verify-signatures 20 ;;
	prism) load prism "$2" "$3" ;;
	esac
}

servers=(conform decide prism)
echo "mock-vs-prism: warm-up, 3 s each (not counted)" >&2
for s in "${servers[@]}"; do run_server "$s" 0 3; done
for i in $(seq "$rounds"); do
	echo "mock-vs-prism: round $i/$rounds, ${secs} s each" >&2
	# interleaved: the order rotates every round
	for k in 0 1 2; do run_server "${servers[$(((i + k) % 3))]}" "$i" "$secs"; done
done
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_conform=$(hwm "$pid_conform") hwm_decide=$(hwm "$pid_decide") hwm_prism=$(hwm "$pid_prism")
sessions_conform=$(curl -s --max-time 30 "http://127.0.0.1:$port_conform/_conform/sessions" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
sessions_decide=$(curl -s --max-time 30 "http://127.0.0.1:$port_decide/_conform/sessions" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
for p in "$pid_conform" "$pid_decide" "$pid_prism"; do kill "$p"; wait "$p" 2>/dev/null || true; done

# ---- sustained: a fresh mock, small caps so they are reached early -----------
# At the default --max-sessions 10000 (deliveries: 80000) a minute of this load
# does not fill the caps on a 2-core machine, so growth and bound would look the
# same; SUSTAIN_CAP (default 500; deliveries 8 × that) is reached within the
# first seconds and the rest of the run shows whether memory stays flat.
echo "mock-vs-prism: sustained ${sustain} s against a fresh mock, --max-sessions $sustain_cap" >&2
start_mock sustained "$sustain_cap"
rss_idle=$(rss "$pid_sustained")
load sustained 0 "$sustain" -decide -rss-every 5s
rss_after=$(rss "$pid_sustained")
hwm_sustained=$(hwm "$pid_sustained")
sessions_sustained=$(curl -s --max-time 30 "http://127.0.0.1:$port_sustained/_conform/sessions" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
deliveries_sustained=$(curl -s --max-time 30 "http://127.0.0.1:$port_sustained/_conform/deliveries" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')

# ---- report -------------------------------------------------------------------
prism_ver=$(node "$prism_js" --version 2>/dev/null || echo "?")
python3 - "$results" "$checks" <<PY
import json, os, platform, statistics, subprocess, sys
results, checks = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(results)]
bad = [r for r in rows if r["non2xxRatio"] > 0.01 or r.get("signaturesBad", 0) > 0]
for r in rows:
    # throughput per CPU-second the server actually got: steadier than
    # requests/s on a machine shared with other work
    r["perCPU"] = r["rps"] / r["serverCPU"] if r.get("serverCPU") else 0
def med(label, key):
    xs = [r[key] for r in rows if r["label"] == label and r["round"] > 0]
    return statistics.median(xs) if xs else 0
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
mem = next((int(l.split()[1]) // 1024 // 1024 for l in open('/proc/meminfo') if l.startswith('MemTotal')), 0)
ver = lambda *cmd: subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
commit = ver('git', 'rev-parse', '--short', 'HEAD') + (" (+ uncommitted changes)" if ver('git', 'status', '--porcelain', '--untracked-files=no') else "")
print(f"machine: {cpu}, {os.cpu_count()} cores, {mem} GiB; {ver('go', 'version')}; node {ver('node', '--version')}; Prism {'$prism_ver'}; conform at {commit}")
pin = "servers pinned to CPU 1, load tool to CPU 0 (taskset)" if "$server_cpu" else "not pinned"
print(f"rounds: $rounds × $secs s per server (interleaved, order rotated each round), $conc workers, {pin}; medians\n")
print("| server (counted: POST /v1/sessions + 2 × GET /v1/sessions/{id}/decision) | requests/s | p50 | p99 | server CPU | requests per server CPU-second | non-2xx | peak RSS (VmHWM) |")
print("|---|---|---|---|---|---|---|---|")
names = {
  "conform": "conform mock, --max-sessions 1000000 (never reached)",
  "decide": "conform mock, default --max-sessions 10000; tester decides each session (admin call, not counted)",
  "prism": "Prism $PRISM_VERSION, -v silent",
}
hwm = {"conform": $hwm_conform, "decide": $hwm_decide, "prism": $hwm_prism}
for k in ("conform", "decide", "prism"):
    n2 = max((r["non2xxRatio"] for r in rows if r["label"] == k and r["round"] > 0), default=0)
    print(f"| {names[k]} | {med(k,'rps'):.0f} | {med(k,'p50ms'):.1f} ms | {med(k,'p99ms'):.1f} ms | {med(k,'serverCPU')*100:.0f}% | {med(k,'perCPU'):.0f} | {n2*100:.2f}% (max) | {hwm[k]/1024:.0f} MiB |")
p = med("prism", "rps")
if p:
    pc = med("prism", "perCPU")
    print(f"\nratio conform / Prism, requests/s: {med('conform','rps')/p:.2f}× (client mix), {med('decide','rps')/p:.2f}× (with the tester's decisions); goal ≥ 10×")
    print(f"ratio conform / Prism, requests per server CPU-second: {med('conform','perCPU')/pc:.2f}× (client mix), {med('decide','perCPU')/pc:.2f}× (with the tester's decisions)")
for k in ("conform", "decide", "prism"):
    print(f"rounds, {k}: " + ", ".join(f"{r['rps']:.0f} req/s at {r['serverCPU']*100:.0f}% CPU" for r in rows if r["label"] == k and r["round"] > 0))
print(f"sessions held after the rounds: {$sessions_conform} (cap 1000000), {$sessions_decide} (cap 10000)")
print("\nWhat each server checks (status of one POST /v1/sessions each):\n")
print(open(checks).read())
s = [r for r in rows if r["label"] == "sustained"][0]
print(f"Sustained: {s['seconds']:.0f} s, fresh mock, --max-sessions $sustain_cap (deliveries kept: {8*$sustain_cap}), tester decides each session: {s['rps']:.0f} requests/s, {s['flows']} sessions created and decided, non-2xx {s['non2xxRatio']*100:.2f}%")
print(f"mock RSS: idle {$rss_idle/1024:.0f} MiB; every 5 s under load: " + ", ".join(f"{x/1024:.0f}" for x in s["rssSamplesKiB"]) + f" MiB; after {$rss_after/1024:.0f} MiB; VmHWM {$hwm_sustained/1024:.0f} MiB")
print(f"held at the end: {$sessions_sustained} sessions (cap $sustain_cap), {$deliveries_sustained} deliveries (cap {8*$sustain_cap})")
if bad:
    print(f"\nFAILED: {len(bad)} run(s) with more than 1% non-2xx answers or a bad response signature:")
    for r in bad:
        print(f"  {r['label']} round {r['round']}: non-2xx {r['non2xxRatio']*100:.2f}%, bad signatures {r.get('signaturesBad',0)}, first: {r.get('firstFailure','')}")
    sys.exit(1)
PY
