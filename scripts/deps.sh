#!/usr/bin/env bash
# Installs the Debian packages Tern needs to build, test and demo, only where
# they are missing. Idempotent; needs root (or sudo) to install anything.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev
      libcriterion-dev libpng-dev libjpeg62-turbo-dev libopenjp2-7-dev libtiff-dev
      libxml2-dev libsqlite3-dev libsodium-dev libjansson-dev
      postgresql libpq-dev libmicrohttpd-dev libgnutls28-dev curl"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "deps: cannot install$missing: not root and no sudo; install them and re-run" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
  echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
