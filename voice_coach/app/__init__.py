"""Application wiring: the live run, doctor and device listing, built from the core and adapters."""
