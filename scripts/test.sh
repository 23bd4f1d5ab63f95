#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
#
#  1. the fuzz preset (clang++-14, libFuzzer + ASan + UBSan): builds every
#     fuzz target (and the parsers under them) with clang, then runs each
#     target briefly over its seeds so the libFuzzer build is known to work
#     (the whole project with clang is the `clang` preset);
#  2. the asan preset (g++-12, ASan + UBSan): every unit, integration and
#     end-to-end test, and the corpus replay of every fuzz target. ctest's
#     summary is the last thing printed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --with-tests

jobs=$(nproc)

cmake --preset fuzz >/dev/null
fuzz_targets=()
for f in fuzz/*_fuzzer.cc; do fuzz_targets+=("$(basename "$f" .cc)"); done
cmake --build --preset fuzz -j"$jobs" --target "${fuzz_targets[@]}"
scripts/fuzz.sh --smoke

cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ctest --preset asan -j"$jobs"
