"""Routine files a person writes, and rendering a whole routine to one audio file."""
