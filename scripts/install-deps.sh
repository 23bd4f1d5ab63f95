#!/usr/bin/env bash
# Installs the Debian 12 packages Gauntlet builds and tests with.
#
# Idempotent: packages already present are left alone and no network access
# happens when nothing is missing. Runs unattended (CI=true, no stdin).
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
# Further real SMTP clients and servers the tests drive (no mocks of them).
test_pkgs=(
  openssl gnutls-bin postfix libxml2-utils
)

want=("${build_pkgs[@]}" "${demo_pkgs[@]}")
if [[ "${1:-}" == "--with-tests" ]]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  SUDO="sudo"
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Postfix is only used as a tool (smtp-source / smtp-sink and test upstreams
# with their own config dirs): never configure it as the system's mailer.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
