"""A run is one GX checkpoint run; its actions fail alone; the site keeps a bounded history."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests import lake_fixture
from tests.conftest import RunCli, flag_args, read_report

ROOT = Path(__file__).resolve().parents[1]


def run(run_cli: RunCli, warehouse: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli(
        "run", *flag_args(lake_fixture.run_flags()), "--warehouse", str(warehouse), *extra
    )


def test_every_validation_of_the_run_belongs_to_one_checkpoint(
    run_cli: RunCli, warehouse: Path
) -> None:
    run(run_cli, warehouse, "--tables", "part_pk,part_clean_01")
    stored = sorted((warehouse / "gx-validations").rglob("*.json"))
    assert len(stored) == 6  # 2 tables x 3 suites
    checkpoint_ids = {json.loads(p.read_text())["meta"]["checkpoint_id"] for p in stored}
    assert len(checkpoint_ids) == 1
    assert None not in checkpoint_ids


def test_a_failing_action_does_not_stop_the_others(
    run_cli: RunCli, warehouse: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "docs-is-a-file"
    blocker.write_text("not a folder")
    code, out, _ = run(run_cli, warehouse, "--tables", "part_pk", "--docs_dir", str(blocker))
    assert code == 3  # the docs action failed: the run says so
    assert "FAILED: action update_data_docs failed" in out
    report = read_report(warehouse)  # the report and the alert still went out
    assert report["alerts"] == [
        "[PK_NULL] part_pk: customer_user_id NULL rows=7",
        "[PK_DUPES] part_pk: customer_user_id duplicate rows=10",
    ]
    assert (warehouse / "sns" / "messages.jsonl").is_file()


def test_an_alert_that_cannot_be_sent_keeps_the_report(run_cli: RunCli, warehouse: Path) -> None:
    (warehouse / "sns").write_text("a file where the alert folder should be")
    code, out, _ = run(run_cli, warehouse, "--tables", "part_pk")
    assert code == 3
    assert "FAILED: alert could not be sent" in out
    assert len(read_report(warehouse)["alerts"]) == 2


def test_an_unknown_action_type_is_refused_before_the_run(
    run_cli: RunCli, warehouse: Path, tmp_path: Path
) -> None:
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    path = gx_dir / "checkpoints" / "data_monitor.json"
    config = json.loads(path.read_text())
    config["actions"].append({"type": "send_pigeon", "name": "pigeon"})
    path.write_text(json.dumps(config))
    code, _, err = run(run_cli, warehouse, "--gx_dir", str(gx_dir))
    assert code == 2
    assert "invalid checkpoint: " in err
    assert "data_monitor.json" in err
    assert not (warehouse / "s3" / lake_fixture.REPORT_BUCKET).exists()


def test_the_site_keeps_the_newest_runs_only(run_cli: RunCli, warehouse: Path) -> None:
    for _ in range(3):
        run(run_cli, warehouse, "--tables", "part_clean_01", "--docs_keep_runs", "2")
    run_times = {p.name for p in (warehouse / "gx-validations").glob("*/*/*")}
    pages = {p.name for p in (warehouse / "data-docs" / "validations").glob("*/*/*")}
    assert len(run_times) == 2
    assert pages == run_times
    index = (warehouse / "data-docs" / "index.html").read_text()
    assert sum(t.replace(".000000Z", "") in index for t in run_times) >= 1


def test_a_report_that_cannot_be_written_is_kept_locally_and_the_alert_says_so(
    run_cli: RunCli, warehouse: Path, tmp_path: Path
) -> None:
    (warehouse / "s3" / lake_fixture.REPORT_BUCKET).write_text("a file, not a bucket folder")
    fallback = tmp_path / "fallback"
    code, out, _ = run(run_cli, warehouse, "--tables", "part_pk", "--fallback_dir", str(fallback))
    assert code == 3
    kept = sorted(p.name for p in fallback.iterdir())
    day = f"omc_monitor_report_{lake_fixture.AS_OF}"
    assert f"{lake_fixture.REPORT_BUCKET}__data-monitor__{day}.json" in kept
    document = json.loads(
        (fallback / f"{lake_fixture.REPORT_BUCKET}__data-monitor__{day}.json").read_text()
    )
    assert document["tables"][0]["pk_nulls"] == 7
    sent = json.loads((warehouse / "sns" / "messages.jsonl").read_text().splitlines()[-1])
    assert sent["message"].endswith(f"a copy is kept in {fallback} (see the job log).")
    assert "[PK_NULL] part_pk: customer_user_id NULL rows=7" in sent["message"]
