"""Text-to-speech: rendering phrases to audio clips, cached on disk.

base.py (SpeechSynth protocol, TtsUnavailable), synth.py (Pyttsx3Synth, list_voices),
worker.py (the process that owns the pyttsx3/espeak engine), cache.py (SpeechCache),
pcm.py (WAV read/write, resampling, silence trimming; also used by sound.assets).
"""
