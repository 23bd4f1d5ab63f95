#!/usr/bin/env bash
# Installs the Debian 12 packages Gauntlet builds and tests with.
#
#   scripts/install-deps.sh               what the build and the demo need
#   scripts/install-deps.sh --with-tests  and the real clients and servers
#                                         the tests drive
#
# Idempotent: packages already present are left alone and no network access
# happens when nothing is missing. Runs unattended (CI=true, no stdin).
# Prints one line per step on stderr; apt's own output goes to a log that is
# printed in full only when a step fails (then the exit status is non-zero).
set -euo pipefail

# Build toolchain and libraries.
build_pkgs=(
  cmake ninja-build pkg-config g++ clang-14 libclang-rt-14-dev
  libwolfssl-dev libboost-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libpugixml-dev
)
# What `gauntlet demo downgrade` stages: a real mail server (aiosmtpd, for
# Debian's /usr/bin/python3) and real clients.
demo_pkgs=(
  curl python3 python3-aiosmtpd
)
# Further real SMTP clients and servers the tests drive (no mocks of them),
# and afl-clang-fast (afl++) for the coverage-instrumented test client.
test_pkgs=(
  openssl gnutls-bin postfix libxml2-utils
  afl++
)

say() { echo "install-deps: $*" >&2; }

want=("${build_pkgs[@]}" "${demo_pkgs[@]}")
case "${1:-}" in
  "") ;;
  --with-tests) want+=("${test_pkgs[@]}") ;;
  *)
    say "unknown argument '$1' (usage: $0 [--with-tests])"
    exit 2
    ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  say "all ${#want[@]} packages present"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  elif command -v sudo >/dev/null && [[ -t 0 ]]; then
    say "sudo is needed to install ${missing[*]}"
    sudo -v
    SUDO=(sudo)
  else
    say "not root and no password-less sudo; as root run: apt-get install ${missing[*]}"
    exit 1
  fi
fi

log=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX.log")
trap 'rm -f "$log"' EXIT

# Runs one step with its output in the log; on failure prints the whole log.
step() {
  local what=$1 rc=0
  shift
  say "$what"
  echo "+ $*" >>"$log"
  "$@" >>"$log" 2>&1 </dev/null || rc=$?
  if ((rc != 0)); then
    say "failed (exit $rc) while $what; the whole log follows"
    cat "$log" >&2
    exit "$rc"
  fi
}

# sudo resets the environment, so apt's settings travel as arguments.
apt=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q
  -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)

start=$SECONDS
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  # Postfix is only used as a tool (smtp-source / smtp-sink and test
  # upstreams with their own config dirs): never configure it as the
  # system's mailer.
  selections=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX.debconf")
  trap 'rm -f "$log" "$selections"' EXIT
  echo "postfix postfix/main_mailer_type select No configuration" >"$selections"
  step "setting Postfix to 'No configuration'" \
    "${SUDO[@]}" debconf-set-selections "$selections"
fi
step "updating package lists" "${apt[@]}" update
noun=packages
((${#missing[@]} == 1)) && noun=package
step "installing ${#missing[@]} $noun: ${missing[*]}" \
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
say "done ($((SECONDS - start)) s)"
