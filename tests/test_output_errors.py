"""What a person reads when the speaker or microphone stream will not open: one line naming
the reason."""

from __future__ import annotations

import pytest

from voice_coach.settings import OutputSettings
from voice_coach.sound.output import OutputUnavailable, SpeakerOutput


def failing_stream(*args: object, **kw: object) -> None:
    import sounddevice

    raise sounddevice.PortAudioError("Error querying device -1")


def open_error(monkeypatch: pytest.MonkeyPatch, devices: list[dict],
               settings: OutputSettings) -> str:
    import sounddevice

    monkeypatch.setattr(sounddevice, "OutputStream", failing_stream)
    monkeypatch.setattr(sounddevice, "query_devices", lambda *a, **k: devices)
    speaker = SpeakerOutput(lambda frames: None, 48000, settings)  # type: ignore[arg-type]
    with pytest.raises(OutputUnavailable) as caught:
        speaker.start()
    return str(caught.value)


def test_no_output_device_at_all_says_so_instead_of_portaudios_words(
        monkeypatch: pytest.MonkeyPatch) -> None:
    message = open_error(monkeypatch, [{"name": "mic", "max_output_channels": 0}],
                         OutputSettings())
    assert message.startswith("no audio output device found (is the sound server running")
    assert "-1" not in message and "\n" not in message


def test_a_named_device_that_fails_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    message = open_error(monkeypatch, [], OutputSettings("usb-headset"))
    assert message == ("cannot open output device 'usb-headset' (Error querying device -1); "
                       "list devices with 'voice-coach devices' and pick one with "
                       "--output-device")


def test_no_microphone_at_all_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import sounddevice

    from voice_coach.recognition.microphone import Microphone, MicrophoneUnavailable

    monkeypatch.setattr(sounddevice, "InputStream", failing_stream)
    monkeypatch.setattr(sounddevice, "query_devices",
                        lambda *a, **k: [{"name": "hdmi", "max_input_channels": 0}])
    with pytest.raises(MicrophoneUnavailable) as caught, Microphone():
        pass
    assert str(caught.value).startswith("no microphone found (is the sound server running")
