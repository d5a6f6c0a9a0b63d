"""Errors every layer may raise and the command line maps to exit codes."""

from __future__ import annotations


class UsageError(Exception):
    """A flag value that is not accepted; the message is the one line the user sees."""


def one_line(text: str, limit: int = 400, max_lines: int | None = None) -> str:
    """An error message as one line of an alert or report: the SQL statement that SQLAlchemy
    appends (``\\n[SQL: ...]``) dropped, the first ``max_lines`` lines kept (all if None), white
    space collapsed, at most ``limit`` characters."""
    lines = text.split("\n[SQL:")[0].strip().splitlines()[:max_lines]
    return " ".join(" ".join(lines).split())[:limit]
