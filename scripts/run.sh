#!/usr/bin/env bash
# Installs what is missing, builds what the main job needs, and runs it: the
# scenario catalog against a client. Arguments are passed to `gauntlet`;
# with none, `gauntlet run` is used.
#
# The build is the `run` preset (build/run): only `gauntlet` and the
# reference client `gauntlet-client`, -O2 without debug info, no tests or
# benchmarks configured, so that a fresh clone gives its first result in a
# few minutes (bench/first_run.sh measures it). scripts/test.sh builds and
# runs everything else.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "run: configuring build/run" >&2
cmake --preset run >/dev/null
echo "run: building gauntlet and gauntlet-client" >&2
cmake --build --preset run -j"$(nproc)"
if (($# == 0)); then
  set -- run
fi
echo "run: running gauntlet $*" >&2
exec build/run/harness/cli/gauntlet "$@"
