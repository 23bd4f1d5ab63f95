#!/usr/bin/env bash
# The reply parser's fuzzing rate: libFuzzer + ASan + UBSan executions per
# second; the README's goal is 100,000.
#
#   bench/fuzz_rate.sh [RUNS] [SECONDS] [MAX_LEN]   (defaults: 5, 45, 512)
#
# Builds the fuzz preset's reply_parser_fuzzer, then runs it RUNS times for
# SECONDS each on the seed corpus and dictionary with -max_len=MAX_LEN
# (512 is RFC 5321's reply-line limit; 0 leaves libFuzzer's default, which
# the largest seed sets). Every run starts from the seeds alone: new inputs
# go to a scratch directory, never into corpus/. Prints each run's average
# and the median. Run it on a quiet machine: anything else on the two cores
# shows in the figure. Even then runs differ by a few percent (each takes
# its own random path through the inputs), hence five by default.
#
# Bounded: each run stops after SECONDS (and is killed 30 s later if it
# has not); the scratch directory is removed on exit or interrupt.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
seconds=${2:-45}
max_len=${3:-512}
target=build/fuzz/fuzz/reply_parser_fuzzer

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target reply_parser_fuzzer >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

len_flag=()
[[ "$max_len" != 0 ]] && len_flag=(-max_len="$max_len")

rates=()
for i in $(seq "$runs"); do
  rm -rf "$work/scratch" && mkdir "$work/scratch"
  timeout --kill-after=5 $((seconds + 30)) "$target" \
    -dict=corpus/reply_parser.dict "${len_flag[@]}" \
    -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$work/" "$work/scratch" corpus/reply_parser \
    >"$work/run.log" 2>&1 || {
      echo "fuzz_rate.sh: run $i failed:" >&2
      tail -n 20 "$work/run.log" >&2
      exit 1
    }
  rate=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$work/run.log")
  echo "run $i: $rate exec/s"
  rates+=("$rate")
done

median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
echo "reply_parser_fuzzer, -max_len=${max_len/#0/default}, ${seconds} s x ${runs}: median ${median} exec/s (goal 100000)"
