"""Every setting is declared once, on its Settings field, and both its flag and its environment
variable come from that declaration: one flag per field, its help and default in --help, the
same parser (and the same one-line error) for a flag and a variable, and the flag winning."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from data_monitor.cli.flags import OneLineParser, add_run_flags, help_text, settings_from, shown
from data_monitor.model.errors import UsageError
from data_monitor.model.settings import Settings, declared_settings
from tests import lake_fixture
from tests.conftest import RunCli
from tests.test_cli_input import INVALID

BASE = ["--database", "omc_test", "--report_bucket", "test-reports"]
DECLARED = {s.name: s for s in declared_settings()}


def run_flags_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="data-monitor run")
    add_run_flags(parser)
    return parser


def parsed(*args: str) -> argparse.Namespace:
    namespace, unknown = run_flags_parser().parse_known_args(list(args))
    assert unknown == []
    return namespace


def without_help(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]


def test_every_field_has_exactly_one_flag_and_every_flag_a_field() -> None:
    fields = [f.name for f in dataclasses.fields(Settings)]
    flags = [option for a in without_help(run_flags_parser()) for option in a.option_strings]
    assert flags == [f"--{name}" for name in fields]
    assert list(DECLARED) == fields


@pytest.fixture
def run_help(capsys: pytest.CaptureFixture[str]) -> str:
    from data_monitor.cli import main

    with pytest.raises(SystemExit) as done:
        main(["run", "--help"])
    assert done.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # wrapping aside


@pytest.mark.parametrize("name", list(DECLARED))
def test_help_names_the_flag_its_help_and_its_default(run_help: str, name: str) -> None:
    setting = DECLARED[name]
    assert f"{setting.flag} {name.upper()} {' '.join(help_text(setting).split())}" in run_help
    if setting.required:
        assert help_text(setting).endswith("(required)")
    elif setting.default not in (None, ()) and "default" not in setting.help:
        assert help_text(setting).endswith(f"(default: {shown(setting.default)})")
    else:  # no default to show, or one the help puts in words
        assert "default" in setting.help or setting.default in (None, ())


def test_help_says_how_the_environment_and_the_flags_combine(run_help: str) -> None:
    assert "DATA_MONITOR_BUCKET_COUNT=256" in run_help
    assert (
        "A flag on the command line wins over the variable, and the variable over the default"
        in run_help
    )


@pytest.mark.parametrize(
    "name", [n for n, s in DECLARED.items() if s.default not in (None, ()) and not s.required]
)
def test_each_default_is_a_value_its_own_parser_accepts(name: str) -> None:
    setting = DECLARED[name]
    assert setting.parser.read(shown(setting.default)) == setting.default


def test_a_variable_sets_what_its_flag_sets() -> None:
    environ = {"DATA_MONITOR_BUCKET_COUNT": "16", "DATA_MONITOR_FILE_SIZE_CHECK": "TRUE"}
    settings = settings_from(parsed(*BASE), environ)
    assert (settings.bucket_count, settings.file_size_check) == (16, True)
    assert settings.region == "us-east-1"  # neither flag nor variable: the declared default


def test_required_settings_can_come_from_the_environment() -> None:
    environ = {"DATA_MONITOR_DATABASE": "omc_env", "DATA_MONITOR_REPORT_BUCKET": "env-reports"}
    settings = settings_from(parsed(), environ)
    assert (settings.database, settings.report_bucket) == ("omc_env", "env-reports")


def test_a_missing_required_setting_names_its_flag_and_variable() -> None:
    with pytest.raises(UsageError) as error:
        settings_from(parsed("--report_bucket", "test-reports"), {})
    assert str(error.value) == (
        "data-monitor run: error: --database is required (or set DATA_MONITOR_DATABASE)"
    )


def test_the_flag_wins_over_the_variable() -> None:
    environ = {"DATA_MONITOR_BUCKET_COUNT": "16", "DATA_MONITOR_REPORT_BUCKET": "env-reports"}
    settings = settings_from(parsed(*BASE, "--bucket_count", "32"), environ)
    assert (settings.bucket_count, settings.report_bucket) == (32, "test-reports")


def test_a_variable_the_flag_overrides_is_not_read() -> None:
    settings = settings_from(
        parsed(*BASE, "--bucket_count", "32"), {"DATA_MONITOR_BUCKET_COUNT": "abc"}
    )
    assert settings.bucket_count == 32


def test_a_variable_set_but_empty_is_the_empty_value() -> None:
    settings = settings_from(parsed(*BASE), {"DATA_MONITOR_REPORT_PREFIX": ""})
    assert settings.report_prefix == ""
    with pytest.raises(UsageError, match="DATA_MONITOR_TABLES: '' is not a comma-separated"):
        settings_from(parsed(*BASE), {"DATA_MONITOR_TABLES": ""})


# Each refused flag value of test_cli_input, given as its variable instead: the same words, with
# the variable in front where argparse puts "argument --flag".
SINGLE_VALUE_ERRORS = [
    (args[0], args[1], message.split(": ", 1)[1])
    for args, message in INVALID
    if len(args) == 2 and message.startswith(f"{args[0]}: ")
]


@pytest.mark.parametrize(("flag", "value", "message"), SINGLE_VALUE_ERRORS)
def test_a_bad_variable_exits_2_with_one_line_naming_it(
    run_cli: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    value: str,
    message: str,
) -> None:
    variable = "DATA_MONITOR_" + flag.removeprefix("--").upper()
    monkeypatch.setenv(variable, value)
    warehouse = tmp_path / "warehouse"
    code, out, err = run_cli("run", *BASE, "--warehouse", str(warehouse))
    assert code == 2
    [line] = err.splitlines()  # one line, and only the error
    assert line.startswith(f"data-monitor run: error: {variable}: {message}")
    assert out == ""
    assert not warehouse.exists()  # nothing read or written


def test_the_documented_example_error(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_MONITOR_BUCKET_COUNT", "abc")
    code, _, err = run_cli("run", *BASE)
    assert code == 2
    assert err.strip() == (
        "data-monitor run: error: DATA_MONITOR_BUCKET_COUNT: 'abc' is not an integer >= 1"
    )


def test_a_check_across_settings_names_where_each_value_came_from() -> None:
    environ = {"DATA_MONITOR_FILE_SIZE_MIN_MB": "10"}
    with pytest.raises(UsageError) as error:
        settings_from(parsed(*BASE, "--file_size_max_mb", "5"), environ)
    assert str(error.value) == (
        "data-monitor run: error: DATA_MONITOR_FILE_SIZE_MIN_MB 10 is larger than "
        "--file_size_max_mb 5; expected min <= max"
    )


def test_an_unknown_variable_is_logged_with_the_setting_it_resembles(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_MONITOR_BUCKETS_COUNT", "16")
    monkeypatch.setenv("DATA_MONITOR_ZZZ", "1")
    code, _, err = run_cli("run", "--report_bucket", "test-reports")  # stops before any work
    assert code == 2
    assert (
        "WARNING ignoring environment variables that name no setting: "
        "DATA_MONITOR_BUCKETS_COUNT (did you mean DATA_MONITOR_BUCKET_COUNT?), DATA_MONITOR_ZZZ"
    ) in err
    assert err.splitlines()[-1] == (
        "data-monitor run: error: --database is required (or set DATA_MONITOR_DATABASE)"
    )


def test_a_run_configured_only_by_the_environment(
    run_cli: RunCli, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flags = lake_fixture.run_flags() | {"warehouse": str(warehouse), "tables": "part_clean_01"}
    for name, value in flags.items():
        monkeypatch.setenv(f"DATA_MONITOR_{name.upper()}", value)
    code, out, err = run_cli("run")
    assert code == 0, err
    assert "checked 1 table(s): 0 alert(s)" in out
    assert "WARNING" not in err
