"""The microphone adapter on a real PortAudio input stream (PulseAudio's `mic` null sink)."""

from __future__ import annotations

import pytest

from voice_coach.recognition.microphone import Microphone, MicrophoneUnavailable


@pytest.mark.devices
def test_microphone_delivers_100ms_int16_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SOURCE", "mic.monitor")
    with Microphone(device="pulse") as microphone:
        item = microphone.read(timeout=3.0)
    assert item is not None
    block, adc_time = item
    assert block.dtype.name == "int16" and block.shape == (1600,)
    assert isinstance(adc_time, float)


def test_unknown_device_is_one_line_error() -> None:
    with pytest.raises(MicrophoneUnavailable) as error, Microphone(device="no-such-device-xyz"):
        pass
    assert "--input-device" in str(error.value) and "\n" not in str(error.value)
