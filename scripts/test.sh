#!/usr/bin/env bash
# Runs the whole test suite, the real-audio tests included: starts a private PulseAudio server
# with null sinks first (scripts/pulse_test_server.sh), then pytest from .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/pulse_test_server.sh
source scripts/pulse_test_server.sh
export VOICE_COACH_REQUIRE_DEVICES=1  # a missing audio server fails the device tests
.venv/bin/ruff check voice_coach tests scripts
.venv/bin/python -m pytest "$@"
