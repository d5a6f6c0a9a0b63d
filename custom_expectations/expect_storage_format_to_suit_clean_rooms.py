"""The table is stored in a format, and its Parquet files with codecs, that AWS Clean Rooms
reads.

The format comes from the catalog's SerDe (else input format); the codecs from the footers of
sampled data files (one file in each of the first five partitions, a ranged read of each
file's end). The formats and codecs per engine, and where AWS lists them, are in
data_monitor/model/clean_rooms_formats.py. A table Clean Rooms cannot read fails every query
on it, so the check is High.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, Verdict, as_str, coerced, require
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.clean_rooms_formats import (
    PARQUET_CODECS,
    engines_of,
    format_problem,
    storage_format,
)
from data_monitor.model.findings import StorageFormatFindings

SHOWN = 3  # files an alert line names


class ExpectStorageFormatToSuitCleanRooms(InventoryExpectation):
    """Expect a format the engine reads and, for Parquet, only the codecs Clean Rooms reads.

    Observed value: the format and the codecs seen in the sample.
    """

    engine: str | SuiteParameterDict = "both"

    success_keys: ClassVar[tuple[str, ...]] = ("engine",)
    args_keys: ClassVar[tuple[str, ...]] = ("engine",)
    sentence_template: ClassVar[str] = (
        "The table must be stored in a format the AWS Clean Rooms analysis engine ($engine) "
        "reads, and its Parquet files compressed with UNCOMPRESSED, SNAPPY or GZIP only."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CLEAN_ROOMS_FORMAT
    default_severity: ClassVar[Severity] = Severity.HIGH

    _coerce_engine = coerced("engine", to=as_str)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        serde, input_format = str(inventory.get("serde")), str(inventory.get("input_format"))
        fmt = storage_format(input_format, serde)
        problems = [
            problem
            for engine in engines_of(as_str(self.engine))
            if (problem := format_problem(fmt, engine, serde or input_format)) is not None
        ]
        sampled: dict[str, list[str]] = (
            require(inventory, "parquet_codecs") if fmt == "Parquet" else None
        ) or {}
        refused = {
            uri: [c for c in codecs if c not in PARQUET_CODECS] for uri, codecs in sampled.items()
        }
        refused = {uri: codecs for uri, codecs in refused.items() if codecs}
        if refused:
            files = [f"{uri.rsplit('/', 2)[-2]}/{uri.rsplit('/', 1)[-1]}" for uri in refused]
            codecs = sorted({c for found in refused.values() for c in found})
            shown = ", ".join(files[:SHOWN]) + (" ..." if len(files) > SHOWN else "")
            problems.append(
                f"{len(refused)} of {len(sampled)} sampled file(s) use {', '.join(codecs)}, a "
                f"Parquet codec Clean Rooms does not read ({shown})"
            )
        observed = {
            "format": fmt,
            "codecs": sorted({c for found in sampled.values() for c in found}),
        }
        return (
            not problems,
            observed,
            {
                "problems": problems,
                "sampled_files": len(sampled),
            },
        )

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        problems = result["details"]["problems"]
        if problems:
            return "; ".join(problems)
        observed = result["observed_value"]
        codecs = ", ".join(observed["codecs"]) or "not sampled"
        return f"{observed['format']} ({codecs})"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        return "; ".join(check.findings_as(StorageFormatFindings).problems)
