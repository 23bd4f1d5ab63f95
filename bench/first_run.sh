#!/usr/bin/env bash
# What a newcomer waits for: from a fresh clone (the Debian packages already
# installed) to the first result of the README's first command,
# scripts/run.sh (install check, configure, build of gauntlet and
# gauntlet-client, then `gauntlet run` over the catalog with the reference
# client). No compiler cache, as on a CI machine: the compiler launcher
# variables are unset and CCACHE_DISABLE=1.
#
#   bench/first_run.sh [REPO]     (default: this checkout; git clones its
#                                  committed HEAD, not uncommitted changes)
#
# Prints the wall time of each stage (from run.sh's own step lines) and in
# all, the CPU time (user + sys of run.sh and every compiler it ran), the
# number of cores and the load average before and after: on a shared
# machine wall time grows with the load, CPU time much less. Exits with
# run.sh's status; the clone is removed on exit.
set -euo pipefail

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone -q "$src" "$work/gauntlet"
cd "$work/gauntlet"
unset CMAKE_CXX_COMPILER_LAUNCHER CMAKE_C_COMPILER_LAUNCHER
export CCACHE_DISABLE=1

echo "first_run: fresh clone of $src at $(git rev-parse --short HEAD), $(nproc) cores, no compiler cache"
echo "first_run: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Every output line of run.sh, with the seconds since the start (bash's
# EPOCHREALTIME, in microseconds).
start_us=${EPOCHREALTIME/./}
stamp() {
  local line now
  while IFS= read -r line; do
    now=${EPOCHREALTIME/./}
    printf '%s\t%s\n' "$(((now - start_us) / 1000))" "$line"
  done
}
# GNU time: wall, user and sys seconds and the exit status of run.sh, on the
# last line of its output file.
/usr/bin/time -f '%e %U %S %x' -o "$work/time" scripts/run.sh </dev/null 2>&1 |
  stamp >"$work/output" || true
read -r wall user sys status < <(tail -n 1 "$work/time")

# The stage boundaries are the step lines run.sh prints (milliseconds).
at() { awk -F'\t' -v p="$1" 'index($2, p) == 1 { print $1; exit }' "$work/output"; }
t_conf=$(at "run: configuring")
t_build=$(at "run: building")
t_run=$(at "run: running")
if [[ -z "$t_conf" || -z "$t_build" || -z "$t_run" ]]; then
  echo "first_run: run.sh did not get to running gauntlet (exit status $status); its output:" >&2
  cut -f2- "$work/output" >&2
  exit 1
fi

tail -n 3 "$work/output" | cut -f2- | sed 's/^/  | /'
awk -v conf="$t_conf" -v build="$t_build" -v run="$t_run" -v wall="$wall" \
  -v user="$user" -v sys="$sys" -v status="$status" 'BEGIN {
  printf "  %-36s %7.1f s\n", "install check:", conf / 1000
  printf "  %-36s %7.1f s\n", "configure:", (build - conf) / 1000
  printf "  %-36s %7.1f s\n", "build (gauntlet, gauntlet-client):", (run - build) / 1000
  printf "  %-36s %7.1f s\n", "gauntlet run:", wall - run / 1000
  printf "first_run: first result after %.1f s wall (%d min %02d s); CPU %.1f s (user %.1f + sys %.1f); run.sh exit status %d\n",
    wall, int(wall / 60), int(wall) % 60, user + sys, user, sys, status
}'
echo "first_run: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
