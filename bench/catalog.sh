#!/usr/bin/env bash
# The full catalog against curl --ssl-reqd: wall time, harness overhead, and
# run-to-run stability of the verdicts.
#
#   bench/catalog.sh [RUNS] [BUILD_DIR]     (defaults: 100, build/default)
#
# 1. Times curl alone against the good server (20 deliveries through
#    `gauntlet run --filter control/good-tls13-ecdsa`, client time taken from
#    the JSON report), so the harness overhead can be separated from the
#    client's own work.
# 2. Runs the whole catalog RUNS times with -j 2 and records every run's
#    verdicts. Reports the wall time of the first run, the overhead per
#    scenario as defined in issue 4
#        (catalog wall) - (curl's own time x scenarios / parallelism)
#    and, separately, the scenarios where curl itself waits (its client time
#    is over 1 s: --max-time or a server delay).
# 3. Fails (exit 1) if any scenario's verdict differs between runs.
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

# 1. curl's own time against the good server.
"$gauntlet" run --client "$client" --filter control/good-tls13-ecdsa --repeat 20 -j 1 \
  --timeout 6s --json "$work/alone.json" --no-color >/dev/null || true

# 2. The catalog, RUNS times.
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$gauntlet" run --client "$client" -j 2 --timeout 6s --json "$work/run$i.json" \
    --no-color >/dev/null || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000)) >"$work/wall$i"
  printf '\rrun %d/%d' "$i" "$runs" >&2
done
echo >&2

# 3. Figures and stability, from the JSON reports (schema gauntlet-report/1).
/usr/bin/env python3 - "$work" "$runs" <<'EOF'
import json, statistics, sys, os
work, runs = sys.argv[1], int(sys.argv[2])
alone = json.load(open(os.path.join(work, "alone.json")))
curl_ms = statistics.median(r["client"]["duration_ms"] for r in alone["results"])
verdicts, walls, waits = {}, [], None
for i in range(1, runs + 1):
    rep = json.load(open(os.path.join(work, f"run{i}.json")))
    walls.append(int(open(os.path.join(work, f"wall{i}")).read()) / 1000.0)
    for r in rep["results"]:
        verdicts.setdefault(r["id"], set()).add(r["verdict"])
    if waits is None:
        n = len(rep["results"])
        waits = [r for r in rep["results"] if r["client"]["duration_ms"] > 1000]
        quick = [r for r in rep["results"] if r["client"]["duration_ms"] <= 1000]
        wait_ms = sum(r["client"]["duration_ms"] for r in waits)
wall = walls[0]
overhead = (wall - curl_ms * n / 2) / n
print(f"scenarios: {n}; curl alone against the good server: {curl_ms:.0f} ms (median of 20)")
print(f"catalog wall time, -j 2: {wall/1000:.1f} s (median over {runs} runs: {statistics.median(walls)/1000:.1f} s)")
print(f"  of which scenarios where curl itself waits (> 1 s of client time): {len(waits)}, "
      f"{wait_ms/1000:.1f} s of client time: " + ", ".join(r['id'] for r in waits))
print(f"  the other {len(quick)} scenarios: about {(wall - wait_ms/2)/1000:.1f} s of wall")
print(f"harness overhead per scenario (issue 4 definition): {overhead:.1f} ms")
own = [r["duration_ms"] - r["client"]["duration_ms"] for r in json.load(open(os.path.join(work, "run1.json")))["results"]]
print(f"harness time per scenario (scenario time minus client time): {statistics.mean(own):.2f} ms mean")
flaky = {k: v for k, v in verdicts.items() if len(v) > 1}
print(f"verdicts that changed between runs: {len(flaky)} of {len(verdicts)} scenarios over {runs} runs")
for k, v in sorted(flaky.items()):
    print(f"  {k}: {sorted(v)}")
sys.exit(1 if flaky else 0)
EOF
