#!/usr/bin/env bash
# Memory per idle connection and N concurrent connections held: starts
# gauntlet-bench-server (plain mode) in a process of its own and lets
# gauntlet-bench-idle open COUNT connections to it, each reading the greeting
# and sending EHLO, and hold them all at once. The server's VmRSS is read from
# /proc/<pid>/status before and while they are held; the delta divided by
# COUNT is the figure (target: < 64 KiB). Every held connection must answer a
# NOOP, and the server's transcript must hold every connection with its EHLO.
#
#   bench/server_memory.sh [BUILD_DIR]      (default: build/default)
#
# Environment: COUNT=1000, IO_THREADS=1, TIMEOUT=120 (seconds, whole run).
# Everything started here is stopped by PID and the temp dir is removed.
set -euo pipefail

BUILD_DIR=${1:-build/default}
COUNT=${COUNT:-1000}
IO_THREADS=${IO_THREADS:-1}
TIMEOUT=${TIMEOUT:-120}

HELPER="$BUILD_DIR/bench/server/gauntlet-bench-server"
IDLE="$BUILD_DIR/bench/server/gauntlet-bench-idle"
for tool in "$HELPER" "$IDLE"; do
  if [[ ! -x "$tool" ]]; then
    echo "missing: $tool (build the gauntlet-bench-server and gauntlet-bench-idle targets)" >&2
    exit 2
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gauntlet-mem-XXXXXX")
HELPER_PID=""
HELPER_IN=""
cleanup() {
  if [[ -n "$HELPER_IN" ]]; then exec {HELPER_IN}>&-; fi
  if [[ -n "$HELPER_PID" ]]; then
    kill "$HELPER_PID" 2>/dev/null || true
    wait "$HELPER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# The server needs a descriptor per connection too.
ulimit -n "$(( $(ulimit -Hn) < COUNT + 256 ? $(ulimit -Hn) : COUNT + 256 ))"

mkfifo "$TMP/helper.in"
"$HELPER" --mode plain --io-threads "$IO_THREADS" \
  --max-connections $((COUNT + 100)) --idle-timeout-ms $((TIMEOUT * 1000)) \
  <"$TMP/helper.in" >"$TMP/helper.out" 2>&1 &
HELPER_PID=$!
exec {HELPER_IN}>"$TMP/helper.in"
for _ in $(seq 1 100); do
  grep -q '^ready$' "$TMP/helper.out" && break
  sleep 0.05
done
PORT=$(sed -n 's/^port=//p' "$TMP/helper.out")
if [[ -z "$PORT" ]]; then
  echo "gauntlet-bench-server did not start:" >&2
  cat "$TMP/helper.out" >&2
  exit 1
fi

status=0
timeout "$TIMEOUT" "$IDLE" --port "$PORT" --server-pid "$HELPER_PID" \
  --count "$COUNT" --timeout-ms $((TIMEOUT * 1000 - 5000)) >"$TMP/idle.out" || status=$?

exec {HELPER_IN}>&-
HELPER_IN=""
wait "$HELPER_PID" || true
HELPER_PID=""
SUMMARY=$(grep '^summary ' "$TMP/helper.out" || true)

get() { sed -n "s/^$1=//p" "$TMP/idle.out"; }
held=$(get connections_held)
per_conn=$(get bytes_per_connection)
echo "idle connections: $COUNT requested, io_threads=$IO_THREADS, loopback"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-32s %s\n' "connections held at once" "${held:-?} (failed: $(get connections_failed))"
printf '%-32s %s\n' "NOOP answered while held" "$(get noop_ok)"
printf '%-32s %s -> %s KiB\n' "server VmRSS before -> held" "$(get rss_before_kib)" "$(get rss_held_kib)"
printf '%-32s %s bytes (%s KiB)\n' "per idle connection" "${per_conn:-?}" \
  "$(python3 -c "print('%.1f' % (${per_conn:-0} / 1024))")"
printf '%-32s %s -> %s\n' "server open fds before -> held" "$(get server_fds_before)" "$(get server_fds_held)"
echo "gauntlet transcript: $SUMMARY"

# 16 warm-up connections come before the measured ones.
expected=$((COUNT + 16))
recorded=$(sed -n 's/.* connections=\([0-9]*\).*/\1/p' <<<"$SUMMARY")
answered=$(sed -n 's/.* ehlo_answered=\([0-9]*\).*/\1/p' <<<"$SUMMARY")
if [[ $status -ne 0 ]]; then
  echo "FAIL: gauntlet-bench-idle exited with $status" >&2
elif [[ "$recorded" != "$expected" || "$answered" != "$expected" ]]; then
  echo "FAIL: transcript has ${recorded:-?} connections, ${answered:-?} answered EHLOs; expected $expected" >&2
  status=1
elif (( per_conn >= 65536 )); then
  echo "ABOVE TARGET: $per_conn bytes per idle connection (target < 65536)"
  status=1
else
  echo "PASS: $held connections held, $per_conn bytes each (< 65536)"
fi
exit $status
