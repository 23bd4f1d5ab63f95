#!/usr/bin/env bash
# Plaintext SMTP throughput: Postfix's smtp-source as the load, against
# Postfix's smtp-sink and against Gauntlet's good fake server in plain mode
# (gauntlet-bench-server --mode plain), on loopback, in the same run.
#
#   bench/server_load.sh [BUILD_DIR]      (default: build/default)
#
# Environment (all optional):
#   SESSIONS=20 MESSAGES=2000 SIZE=1024   smtp-source -s / -m / -l
#   ROUNDS=3                              alternating rounds per server
#   IO_THREADS=1                          the fake server's I/O threads
#   ROUND_TIMEOUT=120                     seconds before a round is killed
#
# Each round runs
#   smtp-source -s SESSIONS -m MESSAGES -l SIZE 127.0.0.1:PORT
# and times it; rounds alternate between the two servers so that a change in
# machine load hits both. The table shows messages/s per round and the
# median. Gauntlet's figure counts only what its transcript recorded: the
# script fails if the server recorded fewer messages than smtp-source sent.
# Everything started here is stopped by PID and the temp dir is removed on
# exit.
set -euo pipefail

BUILD_DIR=${1:-build/default}
SESSIONS=${SESSIONS:-20}
MESSAGES=${MESSAGES:-2000}
SIZE=${SIZE:-1024}
ROUNDS=${ROUNDS:-3}
IO_THREADS=${IO_THREADS:-1}
ROUND_TIMEOUT=${ROUND_TIMEOUT:-120}

HELPER="$BUILD_DIR/bench/server/gauntlet-bench-server"
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
SMTP_SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
for tool in "$HELPER" "$SMTP_SOURCE" "$SMTP_SINK"; do
  if [[ ! -x "$tool" ]]; then
    echo "missing: $tool (build the gauntlet-bench-server target; install postfix)" >&2
    exit 2
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gauntlet-load-XXXXXX")
SINK_PID=""
HELPER_PID=""
HELPER_IN=""
cleanup() {
  if [[ -n "$HELPER_IN" ]]; then exec {HELPER_IN}>&-; fi
  for pid in $SINK_PID $HELPER_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (bounded) until something accepts TCP connections on the port.
wait_listening() {
  local port=$1
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$port" >&2
  return 1
}

# CPU time (user + system) a process has used so far, in clock ticks.
proc_cpu_ticks() {
  awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"
}
CLK_TCK=$(getconf CLK_TCK)

# Runs smtp-source once against the port served by process `pid`; prints
# "<messages/s> <server CPU microseconds per message>".
run_round() {
  local port=$1 pid=$2 start end cpu0 cpu1
  cpu0=$(proc_cpu_ticks "$pid")
  start=$(date +%s.%N)
  if ! timeout "$ROUND_TIMEOUT" "$SMTP_SOURCE" -4 -s "$SESSIONS" -m "$MESSAGES" \
        -l "$SIZE" "127.0.0.1:$port" >"$TMP/source.out" 2>&1; then
    echo "smtp-source failed against port $port:" >&2
    cat "$TMP/source.out" >&2
    return 1
  fi
  end=$(date +%s.%N)
  cpu1=$(proc_cpu_ticks "$pid")
  python3 -c "print('%.0f %.0f' % ($MESSAGES / ($end - $start), ($cpu1 - $cpu0) * 1e6 / $CLK_TCK / $MESSAGES))"
}

median() {
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

# --- smtp-sink ---------------------------------------------------------------
SINK_PORT=$(free_port)
"$SMTP_SINK" -u nobody -m 1024 "127.0.0.1:$SINK_PORT" 1024 >"$TMP/sink.out" 2>&1 &
SINK_PID=$!
wait_listening "$SINK_PORT"

# --- Gauntlet ----------------------------------------------------------------
mkfifo "$TMP/helper.in"
"$HELPER" --mode plain --io-threads "$IO_THREADS" \
  --max-connections $((ROUNDS * MESSAGES + 100)) \
  <"$TMP/helper.in" >"$TMP/helper.out" 2>&1 &
HELPER_PID=$!
exec {HELPER_IN}>"$TMP/helper.in"
for _ in $(seq 1 100); do
  grep -q '^ready$' "$TMP/helper.out" && break
  sleep 0.05
done
GAUNTLET_PORT=$(sed -n 's/^port=//p' "$TMP/helper.out")
if [[ -z "$GAUNTLET_PORT" ]]; then
  echo "gauntlet-bench-server did not start:" >&2
  cat "$TMP/helper.out" >&2
  exit 1
fi

sink_rates=()
sink_cpu=()
gauntlet_rates=()
gauntlet_cpu=()
for round in $(seq 1 "$ROUNDS"); do
  read -r rate cpu < <(run_round "$SINK_PORT" "$SINK_PID")
  sink_rates+=("$rate")
  sink_cpu+=("$cpu")
  read -r rate cpu < <(run_round "$GAUNTLET_PORT" "$HELPER_PID")
  gauntlet_rates+=("$rate")
  gauntlet_cpu+=("$cpu")
done

# Stop the fake server and read what it recorded.
exec {HELPER_IN}>&-
HELPER_IN=""
wait "$HELPER_PID" || true
HELPER_PID=""
SUMMARY=$(grep '^summary ' "$TMP/helper.out" || true)
recorded=$(sed -n 's/.* messages=\([0-9]*\).*/\1/p' <<<"$SUMMARY")
expected=$((ROUNDS * MESSAGES))

sink_median=$(median "${sink_rates[@]}")
gauntlet_median=$(median "${gauntlet_rates[@]}")
sink_cpu_median=$(median "${sink_cpu[@]}")
gauntlet_cpu_median=$(median "${gauntlet_cpu[@]}")

echo "smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE, $ROUNDS rounds each, loopback"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s | %-28s | %s\n' "server" "messages/s per round -> median" \
  "server CPU us/message -> median"
printf '%-34s | %-28s | %s\n' "smtp-sink" \
  "${sink_rates[*]} -> $sink_median" "${sink_cpu[*]} -> $sink_cpu_median"
printf '%-34s | %-28s | %s\n' "gauntlet (plain, io_threads=$IO_THREADS)" \
  "${gauntlet_rates[*]} -> $gauntlet_median" \
  "${gauntlet_cpu[*]} -> $gauntlet_cpu_median"
echo "gauntlet transcript: $SUMMARY"

status=0
if [[ "$recorded" != "$expected" ]]; then
  echo "FAIL: gauntlet recorded ${recorded:-?} messages, smtp-source sent $expected" >&2
  status=1
fi
if python3 -c "import sys; sys.exit(0 if $gauntlet_median >= $sink_median else 1)"; then
  echo "PASS: gauntlet >= smtp-sink ($gauntlet_median >= $sink_median messages/s)"
else
  echo "BELOW: gauntlet < smtp-sink ($gauntlet_median < $sink_median messages/s)"
  status=1
fi
exit $status
