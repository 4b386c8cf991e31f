"""The pure core: exercise catalog, routines, commands and the session engine. No devices."""
