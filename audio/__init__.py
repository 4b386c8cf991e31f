"""Sound assets shipped with voice-coach (made by scripts/make_sounds.py)."""
