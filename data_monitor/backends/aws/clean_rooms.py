"""AWS Clean Rooms as the AWS backend's source of configured tables (read-only).

One ListConfiguredTableAssociations of the membership, then per configured table one
GetConfiguredTable and one GetConfiguredTableAnalysisRule per rule type it has, once per run
(https://docs.aws.amazon.com/clean-rooms/latest/apireference/API_ListConfiguredTableAssociations.html,
API_GetConfiguredTable.html, API_GetConfiguredTableAnalysisRule.html).
"""

from __future__ import annotations

from data_monitor.backends.aws.calls import AwsClients, aws_call
from data_monitor.model.configured_tables import ConfiguredTable
from data_monitor.model.json_data import items, obj, text


class CleanRoomsConfiguredTables:
    def __init__(self, clients: AwsClients) -> None:
        self.client = clients.client("cleanrooms")

    def of_membership(self, membership: str) -> list[ConfiguredTable]:
        paginator = self.client.get_paginator("list_configured_table_associations")
        pages = aws_call(
            f"list the configured tables of Clean Rooms membership {membership}",
            lambda: list(paginator.paginate(membershipIdentifier=membership)),
        )
        ids = sorted(
            {
                text(a.get("configuredTableId"))
                for page in pages
                for a in page.get("configuredTableAssociationSummaries", [])
            }
        )
        return [self._configured_table(i) for i in ids]

    def _configured_table(self, identifier: str) -> ConfiguredTable:
        response = aws_call(
            f"read Clean Rooms configured table {identifier}",
            self.client.get_configured_table,
            configuredTableIdentifier=identifier,
        )
        table = obj(response.get("configuredTable"))
        rules = [
            obj(
                aws_call(
                    f"read the {kind} analysis rule of configured table {identifier}",
                    self.client.get_configured_table_analysis_rule,
                    configuredTableIdentifier=identifier,
                    analysisRuleType=kind,
                ).get("analysisRule")
            )
            for kind in (text(t) for t in items(table.get("analysisRuleTypes")))
        ]
        return ConfiguredTable.from_api(table, rules)
