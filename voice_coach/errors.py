"""Errors the command line reports to the user as one line (exit code 2), never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""
