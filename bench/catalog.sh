#!/usr/bin/env bash
# The full catalog against curl --ssl-reqd: wall time, harness overhead, and
# run-to-run stability of the verdicts.
#
#   bench/catalog.sh [RUNS] [BUILD_DIR]     (defaults: 100, build/default)
#
# 1. Times curl alone against the good server, through
#    `gauntlet run --filter control/good-tls13-ecdsa` (client time from the
#    JSON report): 20 deliveries one at a time, and as many deliveries as
#    the catalog has scenarios two at a time (-j 2), because on a 2-core
#    machine two curls at once each take longer than one alone.
# 2. Runs the whole catalog RUNS times with -j 2 and records every run's
#    verdicts, wall time and Gauntlet's own CPU time.
# 3. Runs the catalog 5 more times without the scenarios where curl itself
#    waits (its client time is over 1 s: --max-time or a withheld reply),
#    so that their wall time is measured, not estimated (median of 5).
# 4. Prints the figures: wall times; the harness overhead per scenario as
#    the README defines it ("Figures"),
#        (catalog wall - curl's own time x scenarios / parallelism) / scenarios
#    with curl's own time taken alone and taken two at a time; and the
#    harness's cost measured directly (scenario time minus client time, and
#    Gauntlet's own CPU per scenario).
# 5. Fails (exit 1) if any scenario's verdict differs between runs.
#
# Loopback only; every run is bounded by gauntlet's per-scenario timeout;
# the temp directory is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-100}
build=${2:-build/default}
gauntlet="$build/harness/cli/gauntlet"
[[ -x "$gauntlet" ]] || { echo "catalog.sh: build $gauntlet first (cmake --preset default && cmake --build --preset default)" >&2; exit 2; }
command -v curl >/dev/null || { echo "catalog.sh: curl is not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

client='curl -sS --ssl-reqd --max-time 3 --cacert {ca_file} --resolve {host}:{port}:{addr} smtp://{host}:{port} --mail-from {from} --mail-rcpt {to} --upload-file {message_file} --user {user}:{password}'

# Runs gauntlet; its wall time, process start to exit, goes to $work/$1.wall.
run() {
  local name=$1 start end
  shift
  start=$(date +%s%N)
  "$gauntlet" run --client "$client" --timeout 6s --no-color \
    --json "$work/$name.json" "$@" >/dev/null || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000000)) >"$work/$name.wall"
}
scenarios=$("$gauntlet" list | grep -c '/')

# 1. curl's own time against the good server, alone and two at a time.
run alone --filter control/good-tls13-ecdsa --repeat 20 -j 1
run pair --filter control/good-tls13-ecdsa --repeat "$scenarios" -j 2

# 2. The catalog, RUNS times.
for i in $(seq 1 "$runs"); do
  run "run$i" -j 2
  printf '\rrun %d/%d' "$i" "$runs" >&2
done
echo >&2

# 3. The catalog without the scenarios where curl itself waits.
waiting=$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["client"]["duration_ms"] > 1000: print(r["id"])' "$work/run1.json")
filters=(--filter '*')
for id in $waiting; do filters+=(--filter "!$id"); done
for i in 1 2 3 4 5; do run "quick$i" -j 2 "${filters[@]}"; done

# 4. and 5. Figures and stability, from the JSON reports
# (schema gauntlet-report/1).
/usr/bin/env python3 - "$work" "$runs" <<'EOF'
import json, os, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
load = lambda name: json.load(open(os.path.join(work, name + ".json")))
wall = lambda name: int(open(os.path.join(work, name + ".wall")).read())
median = statistics.median
client_ms = lambda rep: [r["client"]["duration_ms"] for r in rep["results"]]

alone = median(client_ms(load("alone")))
pair = median(client_ms(load("pair")))
reps = [load(f"run{i}") for i in range(1, runs + 1)]
n = len(reps[0]["results"])
walls = [wall(f"run{i}") for i in range(1, runs + 1)]
waits = [r for r in reps[0]["results"] if r["client"]["duration_ms"] > 1000]
quick = load("quick1")
q, q_wall = len(quick["results"]), median(wall(f"quick{i}") for i in range(1, 6))

print(f"scenarios: {n}; curl alone against the good server: {alone:.1f} ms "
      f"(median of 20, one at a time), {pair:.1f} ms (median of {n}, two at a time)")
print(f"catalog wall time (process start to exit), -j 2: median {median(walls)/1000:.2f} s over {runs} runs "
      f"(min {min(walls)/1000:.2f}, max {max(walls)/1000:.2f})")
print(f"  scenarios where curl itself waits (> 1 s of client time): {len(waits)}, "
      f"{sum(r['client']['duration_ms'] for r in waits)/1000:.1f} s of client time: "
      + ", ".join(r["id"] for r in waits))
print(f"  the other {q} scenarios, run on their own: {q_wall/1000:.2f} s wall (median of 5)")
for label, own in (("two at a time", pair), ("one at a time", alone)):
    print(f"harness overhead per scenario (the README's formula, the {q} without waits, "
          f"curl's time {label}): {(q_wall - own * q / 2) / q:.1f} ms")
harness = [r["duration_ms"] - r["client"]["duration_ms"] for r in quick["results"]]
print(f"harness time per scenario (scenario time minus client time): "
      f"{statistics.mean(harness):.2f} ms mean")
cpu = median(rep["harness_cpu_ms"] for rep in reps)
print(f"Gauntlet's own CPU time per scenario (whole process, PKI included): "
      f"{cpu / n:.1f} ms (median run: {cpu:.0f} ms for {n} scenarios)")

verdicts = {}
for rep in reps:
    for r in rep["results"]:
        verdicts.setdefault(r["id"], set()).add(r["verdict"])
flaky = {k: v for k, v in verdicts.items() if len(v) > 1}
print(f"verdicts that changed between runs: {len(flaky)} of {len(verdicts)} "
      f"scenarios over {runs} runs")
for k, v in sorted(flaky.items()):
    print(f"  {k}: {sorted(v)}")
sys.exit(1 if flaky else 0)
EOF
