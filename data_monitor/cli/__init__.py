"""The command line: one thin module per command (run, demo, report, suites)."""

from data_monitor.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
