#!/usr/bin/env bash
# Installs everything voice-coach needs on Debian 12: system packages (PortAudio, espeak-ng for
# pyttsx3, ffmpeg for compressed renders, PulseAudio for the audio tests), then the package with
# its Python dependencies (PocketSphinx bundles the default recognizer) and test tools in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  python3 python3-venv python3-dev build-essential
  libportaudio2 libasound2-plugins
  espeak-ng libespeak-ng1 flite
  ffmpeg sox
  pulseaudio pulseaudio-utils alsa-utils
)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

echo "== system packages"
as_root apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${SYSTEM_PACKAGES[@]}"

echo "== python packages (.venv)"
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

echo "== done: run the tests with scripts/test.sh, a workout with .venv/bin/voice-coach run"
