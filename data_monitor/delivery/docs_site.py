"""Keeping a Data Docs site to its last runs (``--docs_keep_runs``), on either backend.

Where the site is built and how it is published is the backend's (backends.base.DocsSite).
"""

from __future__ import annotations

import shutil

from data_monitor.backends.base import DocsSite


def prune_runs(docs: DocsSite, keep: int) -> int:
    """Keep the newest ``keep`` runs in the results store and the site; returns how many went.

    Stored results are ``<suite>/<run name>/<run time>/<batch>.json`` and their pages
    ``validations/<suite>/<run name>/<run time>/<batch>.html``; a run is a run time.
    """
    if docs.results_dir is None or not docs.results_dir.is_dir():
        return 0
    run_dirs = [p for p in docs.results_dir.glob("*/*/*") if p.is_dir()]
    times = sorted({p.name for p in run_dirs}, reverse=True)
    dropped = set(times[keep:])
    for path in run_dirs:
        if path.name in dropped:
            shutil.rmtree(path, ignore_errors=True)
            if docs.site_dir is not None:
                page_dir = docs.site_dir / "validations" / path.relative_to(docs.results_dir)
                shutil.rmtree(page_dir, ignore_errors=True)
    return len(dropped)
