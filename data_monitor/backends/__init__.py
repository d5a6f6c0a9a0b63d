"""Backends: one implementation of each seam per environment (see ``base``)."""

from __future__ import annotations

from data_monitor.backends.base import Backend
from data_monitor.model.athena_bill import AthenaBill
from data_monitor.model.run_tables import TableColumns
from data_monitor.model.settings import Settings
from data_monitor.model.stop_control import StopControl


def make_backend(settings: Settings, stop: StopControl) -> Backend:
    """The backend the settings name, its engine bound to the run's ``stop`` (which cancels
    queries the way that engine knows); heavy imports happen only for the one chosen."""
    backend = _backend(settings, stop)
    stop.use_canceller(backend.engine.canceller)
    return backend


def _backend(settings: Settings, stop: StopControl) -> Backend:
    if settings.backend == "local":
        from data_monitor.backends.local.alerts import LocalAlertSink
        from data_monitor.backends.local.catalog import LocalCatalog
        from data_monitor.backends.local.docs_site import local_docs_site
        from data_monitor.backends.local.engine import DuckDBEngine
        from data_monitor.backends.local.observability import LocalObservability
        from data_monitor.backends.local.store import LocalStore

        store = LocalStore(settings.warehouse)
        catalog = LocalCatalog(settings.warehouse)
        return Backend(
            "local",
            store,
            catalog,
            DuckDBEngine(store, catalog, settings.database, stop, {settings.source_database}),
            LocalAlertSink(settings.warehouse, settings.sns_topic_arn),
            stop,
            local_docs_site(settings),
            observability=LocalObservability(settings.warehouse),
        )
    from data_monitor.backends.aws.alerts import SnsAlertSink
    from data_monitor.backends.aws.calls import AwsClients
    from data_monitor.backends.aws.catalog import GlueCatalog
    from data_monitor.backends.aws.clean_rooms import CleanRoomsConfiguredTables
    from data_monitor.backends.aws.docs_site import s3_docs_site
    from data_monitor.backends.aws.engine import AthenaEngine
    from data_monitor.backends.aws.observability import AwsObservability
    from data_monitor.backends.aws.store import S3Store

    clients = AwsClients(settings.region)
    glue = GlueCatalog(clients)
    bill = AthenaBill(settings.athena_price_per_tb)
    engine = AthenaEngine(
        clients,
        settings.database,
        settings.athena_results,  # may be None: the workgroup may give the location
        settings.athena_workgroup,
        stop,
        TableColumns(settings.database, {settings.source_database}, glue.get_table),
        bill,
    )
    s3 = S3Store(clients, settings.report_write_options)
    return Backend(
        "aws",
        s3,
        glue,
        engine,
        SnsAlertSink(clients, settings.sns_topic_arn),
        stop,
        s3_docs_site(settings, s3),
        CleanRoomsConfiguredTables(clients),
        bill,
        AwsObservability(clients, bool(settings.cloudwatch_namespace), bool(settings.event_bus)),
    )
