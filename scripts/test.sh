#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
#
#  1. the asan preset (g++-12, ASan + UBSan): every unit, integration and
#     end-to-end test, and the corpus replay of every fuzz target;
#  2. the fuzz preset (clang++-14, libFuzzer + ASan + UBSan): builds the whole
#     project with clang and every fuzz target, then runs each target briefly
#     over its seeds so the libFuzzer build is known to work.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --with-tests

jobs=$(nproc)
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ctest --preset asan -j"$jobs"

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$jobs"
scripts/fuzz.sh --smoke
