"""voice-coach: an offline, hands-free, voice-guided audio workout coach."""

__version__ = "0.1.0"
