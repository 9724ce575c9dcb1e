#!/usr/bin/env bash
# Issue 3 §5: the full Veriff suite against the reference listener versus a
# bare keep-alive Go client sending the same number of requests (the floor),
# run side by side, interleaved, ROUNDS times; prints medians, their ratio,
# and the peak RSS and wall time of `conform demo --provider veriff`.
# Usage: bash bench/suite.sh [ROUNDS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go test -c -o "$out/suites.test" ./suites/ >/dev/null
go build -o "$out/conform" ./cmd/conform
CHECKS=$("$out/conform" list --provider veriff | tail -1 | awk '{print $1}')
export CHECKS
for _ in $(seq "$rounds"); do
  "$out/suites.test" -test.run '^$' -test.bench 'VeriffSuite$|Floor' -test.benchtime 20x >>"$out/bench.txt"
  "$out/suites.test" -test.run '^$' -test.bench 'VeriffSuiteDefaultGrace' -test.benchtime 3x >>"$out/bench.txt"
  /usr/bin/time -f '%M %e' -a -o "$out/demo.txt" "$out/conform" demo --provider veriff --no-color >/dev/null
done

python3 - "$out/bench.txt" "$out/demo.txt" "$rounds" <<'PY'
import re, statistics, sys, platform, os, subprocess
bench, demo, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
rows = {}
for line in open(bench):
    m = re.match(r'Benchmark(\w+)-\d+\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) requests/op\s+(\d+) B/op\s+(\d+) allocs/op', line)
    if m:
        rows.setdefault(m[1], []).append((float(m[2]), float(m[3]), int(m[4]), int(m[5])))
med = lambda xs: statistics.median(xs)
suite, floor, graced = rows['VeriffSuite'], rows['Floor'], rows['VeriffSuiteDefaultGrace']
s_ns, f_ns = med([r[0] for r in suite]), med([r[0] for r in floor])
rss = [int(l.split()[0]) for l in open(demo) if l.strip() and l.split()[0].isdigit()]
wall = [float(l.split()[1]) for l in open(demo) if l.strip() and l.split()[0].isdigit()]
cpu = next((l.split(':',1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
gover = subprocess.run(['go', 'version'], capture_output=True, text=True).stdout.strip()
mem = next((int(l.split()[1]) // 1024 // 1024 for l in open('/proc/meminfo') if l.startswith('MemTotal')), 0)
print(f"machine: {cpu}, {os.cpu_count()} cores, {mem} GiB; {gover}")
print(f"rounds: {rounds} (interleaved), medians\n")
print("| measure | value |")
print("|---|---|")
print(f"| requests per Veriff suite run | {int(suite[0][1])} |")
print(f"| full Veriff suite ({os.environ.get('CHECKS','')} checks), conform's work (grace 1 ms), wall | {s_ns/1e6:.2f} ms |")
print(f"| floor: same requests, bare keep-alive client, wall | {f_ns/1e6:.2f} ms |")
print(f"| ratio conform's work / floor | {s_ns/f_ns:.2f}× (goal ≤ 3×) |")
print(f"| full Veriff suite as run by default (grace 50 ms: deliberate pauses before liveness probes), wall | {med([r[0] for r in graced])/1e6:.0f} ms |")
print(f"| suite allocations per run | {med([r[2] for r in suite])/1024:.0f} KiB in {med([r[3] for r in suite]):.0f} allocs |")
print(f"| `conform demo --provider veriff`: wall, whole process | {med(wall)*1000:.0f} ms (goal: suite < 1 s) |")
print(f"| `conform demo --provider veriff`: peak RSS | {med(rss)/1024:.1f} MiB |")
PY
