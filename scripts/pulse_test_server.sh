#!/usr/bin/env bash
# Starts a private PulseAudio server for the audio tests (it never touches the desktop's own):
# sink "coach" takes the coach's output, sink "mic" is what a test plays into, and its monitor
# "mic.monitor" is the default source, i.e. the coach's microphone.
# Source this file: it exports PULSE_SERVER for the tests.
pulse_dir="${VOICE_COACH_PULSE_DIR:-${TMPDIR:-/tmp}/voice-coach-pulse-$(id -u)}"
mkdir -p "$pulse_dir"
export PULSE_RUNTIME_PATH="$pulse_dir"
export PULSE_SERVER="unix:$pulse_dir/native"
if ! pactl info >/dev/null 2>&1; then
  pulseaudio --daemonize=yes --exit-idle-time=-1 --disallow-exit -n \
    --log-target=file:"$pulse_dir/pulse.log" \
    --load="module-native-protocol-unix socket=$pulse_dir/native auth-anonymous=1" \
    --load="module-null-sink sink_name=coach rate=48000" \
    --load="module-null-sink sink_name=mic rate=48000" \
    --load="module-always-sink" 2>>"$pulse_dir/pulse.log"
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
fi
pactl set-default-sink coach
pactl set-default-source mic.monitor
