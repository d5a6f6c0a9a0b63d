"""Errors every layer may raise and the command line maps to exit codes."""

from __future__ import annotations


class UsageError(Exception):
    """A flag value that is not accepted; the message is the one line the user sees."""
