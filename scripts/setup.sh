#!/usr/bin/env bash
# Installs what litevl needs from Debian's packages, once. A fast no-op when all is present.
# Usage: scripts/setup.sh [--test]   (--test also installs ffmpeg and tmux, which the tests use)
set -euo pipefail
packages=(libncursesw5-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libopenblas-dev pkg-config)
if [[ "${1:-}" == "--test" ]]; then packages+=(ffmpeg tmux); fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v swift >/dev/null || { echo "setup: swift is not on PATH; install Swift 6.x first" >&2; exit 1; }
