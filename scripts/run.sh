#!/usr/bin/env bash
# Installs what is missing, builds Gauntlet (default preset), and runs the
# main job: the scenario catalog against a client. Arguments are passed to
# `gauntlet`; with none, `gauntlet run` is used.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)"
if (($# == 0)); then
  set -- run
fi
exec build/default/harness/cli/gauntlet "$@"
