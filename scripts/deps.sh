#!/usr/bin/env bash
# Installs the Debian packages ttsc needs, only those that are missing.
# Usage: scripts/deps.sh run|test
set -euo pipefail

run_pkgs=(libespeak-ng-dev espeak-ng-data libmp3lame-dev flite1-dev)
test_pkgs=(espeak-ng sox pocketsphinx pocketsphinx-en-us chromium)

pkgs=("${run_pkgs[@]}")
if [ "${1:-run}" = test ]; then
  pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
