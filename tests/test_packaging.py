"""The wheel a Glue job installs carries the custom expectations and the suites; the lock
(constraints.txt) is what is installed and tested; the Glue bundle, when built, installs from
itself alone at the locked versions. Nothing here needs the network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from data_monitor.delivery.docs_assets import vendored_files

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_suites_and_finds_them_when_installed(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("data_monitor-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "data_monitor/gx/expectations/part_table_data.json" in names
    assert "data_monitor/gx/expectations/part_table_metadata.json" in names
    assert "custom_expectations/expect_snapshot_to_be_fresh.py" in names
    assert "data_monitor/backends/aws/engine.py" in names
    # the Data Docs pages' scripts, styles and fonts, each package with its licence
    vendor = "data_monitor/delivery/static/vendor/"
    shipped = sorted(n.removeprefix(vendor) for n in names if n.startswith(vendor))
    assert shipped == vendored_files()
    assert "jquery@3.7.1/dist/jquery.min.js" in shipped
    assert "@fortawesome/fontawesome-free@6.6.0/webfonts/fa-solid-900.woff2" in shipped
    licensed = {n.rsplit("/", 1)[0] for n in shipped if "/LICENSE" in n}
    assert licensed == {
        "@fortawesome/fontawesome-free@6.6.0",
        "bootstrap-datepicker@1.9.0",
        "bootstrap-table@1.19.0",
        "bootstrap-table@1.19.1",
        "bootstrap@4.3.1",
        "jquery@3.7.1",
        "popper.js@1.12.9",
    }
    assert all(any(n.startswith(p + "/") for p in licensed) for n in shipped)
    assert not [n for n in shipped if n.endswith(".map")]
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        "from data_monitor.validation.suites import default_gx_dir, load_suite_files;"
        "d = default_gx_dir(); print(d); print(len(load_suite_files(d)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    location, count = done.stdout.split()
    assert Path(location) == target / "data_monitor" / "gx"
    assert count == "3"  # the table, metadata and Clean Rooms readiness suites


# --- the lock and the Glue bundle --------------------------------------------------------------

LOCK = ROOT / "constraints.txt"
BUNDLES = sorted((ROOT / "dist").glob("data_monitor-*.gluewheels.zip"))
# Glue 5.0: CPython 3.11, manylinux x86_64 up to glibc 2.34 (as the Makefile's GLUE_TARGET).
GLUE_TARGET = [
    "--only-binary=:all:",
    "--implementation",
    "cp",
    "--python-version",
    "3.11",
    *(f"--platform=manylinux_2_{n}_x86_64" for n in range(34, 17, -1)),
    "--platform=manylinux2014_x86_64",
]


def locked() -> dict[str, str]:
    """constraints.txt as {normalized name: version}."""
    from packaging.utils import canonicalize_name

    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def installed_closure(root: str, extras: set[str]) -> dict[str, str]:
    """The installed distributions ``root[extras]`` needs, directly or not: {name: version}."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    todo = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # a marker-only dependency for another platform
        for text in dist.requires or []:
            req = Requirement(text)
            envs = [{"extra": e} for e in wanted] or [{"extra": ""}]
            if req.marker is not None and not any(req.marker.evaluate(e) for e in envs):
                continue
            key = canonicalize_name(req.name)
            if key not in found:
                found[key] = distribution(req.name).version
                todo.append((req.name, set(req.extras)))
    return found


def test_the_lock_pins_what_is_installed_and_tested() -> None:
    """Every package the project and its dev tools need is in constraints.txt, at the version
    installed here (`make test` installs with -c constraints.txt; a dependency added without
    `make lock` would be installed at whatever version is newest)."""
    pins = locked()
    needed = installed_closure("data-monitor", {"dev"})
    assert {"great-expectations", "numpy", "pandas", "boto3", "moto", "ruff"} <= needed.keys()
    mismatched = {n: (v, pins.get(n)) for n, v in needed.items() if pins.get(n) != v}
    assert mismatched == {}, "(installed, locked): `make lock` after a deliberate upgrade"
    assert "data-monitor" not in pins  # the project itself is built, not locked


def test_python_version_settings_agree() -> None:
    """requires-python, ruff and mypy say the Python the lock is for (Glue 5.0's 3.11)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["requires-python"] == ">=3.11"
    assert project["tool"]["ruff"]["target-version"] == "py311"
    assert project["tool"]["mypy"]["python_version"] == "3.11"


@pytest.mark.skipif(not BUNDLES, reason="no Glue bundle built (make glue-bundle)")
@pytest.mark.parametrize("bundle", BUNDLES, ids=[b.name for b in BUNDLES])
def test_the_glue_bundle_installs_offline_at_the_locked_versions(
    bundle: Path, tmp_path: Path
) -> None:
    """The check `make glue-bundle-check` runs, on the bundle already built: its wheels alone
    (no index, no pip configuration) resolve its requirements.txt for Glue 5.0's platform,
    and every version in it is the locked one."""
    zipfile.ZipFile(bundle).extractall(tmp_path)
    wheels = tmp_path / "wheels"
    requirements = wheels / "requirements.txt"
    pins = locked()
    listed = dict(line.split("==") for line in requirements.read_text().split())
    from packaging.utils import canonicalize_name

    versions = {canonicalize_name(name): version for name, version in listed.items()}
    project = versions.pop("data-monitor")
    assert {name: pins.get(name) for name in versions} == versions
    assert project == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-index"]
        + ["--target", str(tmp_path / "site"), "--find-links", str(wheels), *GLUE_TARGET]
        + ["-c", str(LOCK), "-r", str(requirements), "--report", str(tmp_path / "report.json")],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": os.devnull},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    resolved = {canonicalize_name(i["metadata"]["name"]) for i in report["install"]}
    assert resolved == set(versions) | {"data-monitor"}  # nothing missing, nothing unused
