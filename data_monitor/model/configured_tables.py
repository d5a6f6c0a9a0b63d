"""AWS Clean Rooms configured tables: which Glue table each reads, and the columns it allows.

A configured table names its Glue table (``tableReference.glue``) and its allowed columns
(https://docs.aws.amazon.com/clean-rooms/latest/apireference/API_ConfiguredTable.html); its
analysis rules name some of them again (join, dimension, list and aggregate columns, output
constraints, differential privacy columns:
https://docs.aws.amazon.com/clean-rooms/latest/apireference/API_ConfiguredTableAnalysisRulePolicyV1.html).
A column Glue no longer has breaks the configured table in every collaboration it is in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from data_monitor.model.json_data import Raw, items, obj, text


@dataclass(frozen=True)
class ConfiguredTable:
    id: str
    name: str
    database: str
    table: str
    allowed_columns: tuple[str, ...]
    rule_types: tuple[str, ...]  # AGGREGATION, LIST, CUSTOM
    rule_columns: tuple[str, ...]  # the columns its analysis rules name

    @classmethod
    def from_api(cls, table: Raw, rules: list[Raw]) -> ConfiguredTable:
        """From GetConfiguredTable's ``configuredTable`` and each GetConfiguredTableAnalysis-
        Rule's ``analysisRule``."""
        glue = obj(obj(table.get("tableReference")).get("glue"))
        named: list[str] = []
        for rule in rules:
            for name in rule_columns(obj(obj(rule.get("policy")).get("v1"))):
                if name not in named:
                    named.append(name)
        return cls(
            id=text(table.get("id")),
            name=text(table.get("name")),
            database=text(glue.get("databaseName")),
            table=text(glue.get("tableName")),
            allowed_columns=tuple(text(c) for c in items(table.get("allowedColumns"))),
            rule_types=tuple(text(t) for t in items(table.get("analysisRuleTypes"))),
            rule_columns=tuple(named),
        )

    def record(self) -> dict[str, object]:
        return asdict(self)


def rule_columns(policy: Raw) -> list[str]:
    """The column names an analysis rule policy (``policy.v1``) lists, in order."""
    found: list[str] = []
    aggregation = obj(policy.get("aggregation"))
    for key in ("joinColumns", "dimensionColumns"):  # (scalarFunctions name functions)
        found += [text(c) for c in items(aggregation.get(key))]
    for aggregate in items(aggregation.get("aggregateColumns")):
        found += [text(c) for c in items(obj(aggregate).get("columnNames"))]
    found += [text(obj(c).get("columnName")) for c in items(aggregation.get("outputConstraints"))]
    listing = obj(policy.get("list"))
    found += [text(c) for c in items(listing.get("joinColumns"))]
    found += [text(c) for c in items(listing.get("listColumns"))]
    privacy = obj(obj(policy.get("custom")).get("differentialPrivacy"))
    found += [text(obj(c).get("name")) for c in items(privacy.get("columns"))]
    return list(dict.fromkeys(c for c in found if c))
