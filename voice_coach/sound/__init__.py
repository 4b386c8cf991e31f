"""Sound output: the sample-accurate mixer, sound assets and the output device adapters."""
