#!/usr/bin/env bash
# Runs Gauntlet's libFuzzer targets (fuzz preset).
#
#   scripts/fuzz.sh TARGET [SECONDS]   fuzz one target for SECONDS (default 60)
#   scripts/fuzz.sh --all [SECONDS]    every target in turn
#   scripts/fuzz.sh --smoke            every target over its seeds, 5 s each
#
# New inputs go to a scratch copy of the corpus; crashes are written to
# build/fuzz/artifacts/. Add a reproducer to corpus/TARGET/ to replay it in
# every test run from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=build/fuzz/fuzz
targets=()
for f in fuzz/*_fuzzer.cc; do
  t=$(basename "$f" _fuzzer.cc)
  targets+=("$t")
done

run_one() {
  local target=$1 seconds=$2
  local exe="$bin/${target}_fuzzer"
  [[ -x "$exe" ]] || { echo "fuzz.sh: $exe not built (cmake --preset fuzz && cmake --build --preset fuzz)" >&2; return 2; }
  local scratch
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' RETURN
  mkdir -p build/fuzz/artifacts
  local dict=()
  [[ -f "corpus/$target.dict" ]] && dict=(-dict="corpus/$target.dict")
  echo "== fuzzing $target for ${seconds}s"
  "$exe" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/"$target"- \
    "$scratch" "corpus/$target"
}

case "${1:-}" in
  --smoke) for t in "${targets[@]}"; do run_one "$t" 5; done ;;
  --all) for t in "${targets[@]}"; do run_one "$t" "${2:-60}"; done ;;
  ""|-h|--help) sed -n '2,12p' "$0"; exit 2 ;;
  *) run_one "$1" "${2:-60}" ;;
esac
