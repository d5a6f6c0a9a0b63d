"""The run's flags and environment variables, generated from the settings' declaration
(``data_monitor.model.settings``): parsing, help text, and the checks across settings (exit 2).

Glue passes ``--key value`` pairs and adds its own (``--JOB_ID``, ``--TempDir``...). Unknown
arguments are returned to the caller, which logs and ignores them; an unknown ``DATA_MONITOR_*``
variable is logged as a warning and ignored (it is most likely a misspelt setting).
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import textwrap
from collections.abc import Callable, Collection, Mapping
from typing import Any, NoReturn

from data_monitor.model.errors import UsageError
from data_monitor.model.parsers import ENV_PREFIX, Declared, Parser, RejectedValue
from data_monitor.model.settings import DEFAULT_SNAPSHOT_MARKER, Settings, declared_settings

LOG = logging.getLogger("data_monitor")
ERROR = "data-monitor run: error: "
ENVIRONMENT_HELP = f"""environment:
  every flag can be set as an environment variable instead: --bucket_count 256 is
  {ENV_PREFIX}BUCKET_COUNT=256 ({ENV_PREFIX} and the flag's name in capitals).
  A flag on the command line wins over the variable, and the variable over the default.
  A variable's value is checked as the flag's is (a bad one exits 2, naming the variable);
  set but empty, it is the empty value. Other {ENV_PREFIX}* variables are logged and ignored."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message}")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Wraps each flag's help to the terminal, but never inside a name such as ``data-docs/``
    (argparse breaks at hyphens); the epilog is left as laid out."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """One ``--name`` per declared setting. Its default stays None here, so that
    ``settings_from`` can tell a flag that was given from one that was not (and then read the
    environment, then the declared default)."""
    for setting in declared_settings():
        parser.add_argument(
            setting.flag,
            type=_flag_type(setting.parser),
            default=None,
            metavar=setting.name.upper(),
            help=help_text(setting),
        )


def help_text(setting: Declared) -> str:
    text = f"{setting.backend} backend: {setting.help}" if setting.backend else setting.help
    if setting.required:
        return f"{text} (required)"
    if "default" in text or setting.default in (None, ()):
        return text  # the help says its default in words, or there is none to show
    return f"{text} (default: {shown(setting.default)})"


def shown(value: object) -> str:
    """A default as it is typed on the command line (booleans are ``true``/``false``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _flag_type(parser: Parser) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return parser.read(text)
        except RejectedValue as exc:  # argparse prefixes it with "argument --name: "
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = parser.accepts
    return parse


def settings_from(
    namespace: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from the parsed flags and the environment (``os.environ`` unless given;
    a flag wins over its variable), checking what no single setting can check alone."""
    environ = os.environ if environ is None else environ
    declared = declared_settings()
    log_unknown_variables(environ, {s.env_var for s in declared})
    values: dict[str, Any] = {}
    given_as: dict[str, str] = {}  # what an error calls each setting: its flag or its variable
    for setting in declared:
        values[setting.name], given_as[setting.name] = _value_of(setting, namespace, environ)
        if setting.required and values[setting.name] is None:
            raise UsageError(f"{ERROR}{setting.flag} is required (or set {setting.env_var})")
    # --athena_results is not checked here: on aws the workgroup may give the result location
    # (its own, enforced, or managed storage); the Athena backend reads it before any query
    settings = Settings(**{k: v for k, v in values.items() if v is not None})
    _check_across_settings(settings, given_as)
    return settings


def _value_of(
    setting: Declared, namespace: argparse.Namespace, environ: Mapping[str, str]
) -> tuple[Any, str]:
    """The flag's value, else the variable's, else None (the declared default applies)."""
    value = getattr(namespace, setting.name)
    if value is not None or setting.env_var not in environ:
        return value, setting.flag
    try:
        return setting.parser.read(environ[setting.env_var]), setting.env_var
    except RejectedValue as exc:
        raise UsageError(f"{ERROR}{setting.env_var}: {exc}") from None


def _check_across_settings(settings: Settings, given_as: Mapping[str, str]) -> None:
    if settings.file_size_min_mb > settings.file_size_max_mb:
        raise UsageError(
            f"{ERROR}{given_as['file_size_min_mb']} {settings.file_size_min_mb:g} is larger "
            f"than {given_as['file_size_max_mb']} {settings.file_size_max_mb:g}; "
            "expected min <= max"
        )
    if settings.report_kms_key and settings.report_sse != "aws:kms":
        raise UsageError(
            f"{ERROR}{given_as['report_kms_key']} needs --report_sse aws:kms "
            f"(got {given_as['report_sse']} {settings.report_sse})"
        )
    if settings.compare_source_type == "part" and settings.source_database == settings.database:
        raise UsageError(
            f"{ERROR}{given_as['compare_source_type']} part compares each table with "
            "itself unless --compare_database names another database"
        )


def log_unknown_variables(environ: Mapping[str, str], known: Collection[str]) -> None:
    """A ``DATA_MONITOR_*`` variable that names no setting is most likely a misspelt one, which
    would otherwise leave its setting at the default without a word."""
    unknown = sorted(name for name in environ if name.startswith(ENV_PREFIX) and name not in known)
    if unknown:
        LOG.warning(
            "ignoring environment variables that name no setting: %s",
            ", ".join(_with_suggestion(name, known) for name in unknown),
        )


def _with_suggestion(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"{name} (did you mean {close[0]}?)" if close else name


__all__ = [
    "DEFAULT_SNAPSHOT_MARKER",
    "ENVIRONMENT_HELP",
    "HelpFormatter",
    "OneLineParser",
    "UsageError",
    "add_run_flags",
    "help_text",
    "settings_from",
]
