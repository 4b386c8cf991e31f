"""Session history in SQLite and the progression rules it drives."""
