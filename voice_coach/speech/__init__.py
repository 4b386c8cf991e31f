"""Text-to-speech: rendering phrases to audio clips, cached on disk."""
