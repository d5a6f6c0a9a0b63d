"""The checkpoint's own actions: reports, the alert, and publishing Data Docs to S3.

GX's built-in SNS action publishes a message SNS rejects and has no notion of the report
formats, so delivery is done by these. Each registers with GX under its ``type`` when this
module is imported.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from great_expectations.checkpoint.actions import ActionContext, ValidationAction
from great_expectations.compatibility.pydantic import PrivateAttr
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
)

from data_monitor.delivery.context import RunContext
from data_monitor.delivery.docs_assets import localize_site, site_assets
from data_monitor.delivery.docs_site import prune_runs
from data_monitor.delivery.docs_summaries import link_summary, page_name
from data_monitor.delivery.observability import publish_metrics, send_event
from data_monitor.delivery.outputs import run_document, send_alert, write_reports, write_summary
from data_monitor.delivery.summary_page import render_summary
from data_monitor.validation.context import DOCS_SITE


class MonitorAction(ValidationAction):
    """An action of the monitor's: the checkpoint hands it the run's context before it runs."""

    _run: RunContext | None = PrivateAttr(default=None)

    def use(self, run: RunContext) -> None:
        self._run = run

    def current_run(self) -> RunContext:
        if self._run is None:
            raise RuntimeError("this action only runs inside a data-monitor checkpoint run")
        return self._run


class WriteReportsAction(MonitorAction):
    """Write the run's JSON and CSV reports (the per-run copy, then the day's file)."""

    type: Literal["data_monitor_reports"] = "data_monitor_reports"

    def run(self, checkpoint_result: Any, action_context: ActionContext | None = None) -> dict:
        state = self.current_run()
        write_reports(state.backend, state.settings, state.outcome, state.started)
        return {"written": [v for k, v in state.outcome.outputs.items() if k in ("json", "csv")]}


class WriteSummaryAction(MonitorAction):
    """Write the run's one-page HTML summary next to the reports."""

    type: Literal["data_monitor_summary"] = "data_monitor_summary"

    def run(self, checkpoint_result: Any, action_context: ActionContext | None = None) -> dict:
        state = self.current_run()
        write_summary(state.backend, state.settings, state.outcome, state.started)
        return {"summary": state.outcome.outputs.get("summary")}


class SendAlertAction(MonitorAction):
    """Send the alert (SNS, or the local sink) when the run raised any."""

    type: Literal["data_monitor_alert"] = "data_monitor_alert"

    def run(self, checkpoint_result: Any, action_context: ActionContext | None = None) -> dict:
        state = self.current_run()
        send_alert(state.backend, state.settings, state.outcome, state.started)
        return {"sent": state.outcome.outputs.get("alert")}


class PublishMetricsAction(MonitorAction):
    """Publish the run's figures as CloudWatch metrics (``--cloudwatch_namespace``)."""

    type: Literal["data_monitor_metrics"] = "data_monitor_metrics"

    def run(self, checkpoint_result: Any, action_context: ActionContext | None = None) -> dict:
        state = self.current_run()
        publish_metrics(state.backend, state.settings, state.outcome, state.started)
        return {"metrics": state.outcome.outputs.get("metrics")}


class SendEventAction(MonitorAction):
    """Send the run's completion event to EventBridge (``--event_bus``); the last action, so
    the event tells how delivery went."""

    type: Literal["data_monitor_event"] = "data_monitor_event"

    def run(self, checkpoint_result: Any, action_context: ActionContext | None = None) -> dict:
        state = self.current_run()
        send_event(state.backend, state.settings, state.outcome, state.started)
        return {"event": state.outcome.outputs.get("event")}


class UpdateDocsAction(MonitorAction):
    """Build the run's Data Docs pages and the index once, then make the site self-contained.

    GX's ``update_data_docs`` rebuilds the site index once per validation result, and the index
    lists every stored result: its cost grows with tables x runs kept. This builds the run's
    pages and the index in one pass, after dropping runs beyond ``--docs_keep_runs``, and
    points the pages at the site's own copy of the scripts, styles and fonts they load from
    CDNs (delivery/docs_assets), before anything is published.
    """

    type: Literal["data_monitor_update_docs"] = "data_monitor_update_docs"

    def run(self, checkpoint_result: Any, action_context: ActionContext | None = None) -> dict:
        state = self.current_run()
        docs = state.docs
        if docs.site_dir is None:
            return {}
        pruned = prune_runs(docs, state.settings.docs_keep_runs)
        results = checkpoint_result.run_results
        suites = {ExpectationSuiteIdentifier(name=r.suite_name) for r in results.values()}
        context = self._resolve_context().context
        context.build_data_docs(
            site_names=[DOCS_SITE], resource_identifiers=[*results.keys(), *suites]
        )
        localized = localize_site(docs.site_dir)
        state.outcome.outputs["data_docs"] = str(docs.site_dir / "index.html")
        return {
            "pages": len(results),
            "runs_dropped": pruned,
            "pages_localized": localized.pages,
            "remote_assets_left": sorted(localized.unknown),
        }


class PublishDocsAction(MonitorAction):
    """Publish the Data Docs site built by ``update_data_docs`` (AWS backend: to S3); the
    vendored assets, whose paths carry their versions, only where they are not yet."""

    type: Literal["data_monitor_publish_docs"] = "data_monitor_publish_docs"

    def run(self, checkpoint_result: Any, action_context: ActionContext | None = None) -> dict:
        state = self.current_run()
        docs = state.docs
        if docs.site_dir is None:
            return {}
        index = docs.publish(once=site_assets())
        state.outcome.outputs["data_docs"] = index
        return {"index": index}


class LinkSummaryAction(MonitorAction):
    """Copy the run summary into the Data Docs site and link it from the index (on AWS the
    copy and the index are uploaded again; the rest of the site is already there)."""

    type: Literal["data_monitor_docs_summary"] = "data_monitor_docs_summary"

    def run(self, checkpoint_result: Any, action_context: ActionContext | None = None) -> dict:
        state = self.current_run()
        docs, settings, outcome = state.docs, state.settings, state.outcome
        if docs.site_dir is None:
            return {}
        # the page the summary action wrote; rendered here only when that action is not used
        page = (
            outcome.summary_page
            or render_summary(run_document(settings, outcome, state.started)).encode()
        )
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        name = page_name(stamp, outcome.run_key, settings.as_of.isoformat())
        written = link_summary(docs, page, name, len(outcome.alerts), settings.docs_keep_runs)
        docs.publish_files(written)
        return {"summary_in_docs": written[:1]}
