"""Speech recognition of spoken commands: microphone, recognizer engines and command matching."""
