"""The package's layers point one way: cli -> run -> validation -> delivery -> lake -> backends
-> model (demo beside run: it builds lakes, over backends and model). The import graph is read
from the source with ast, imports under TYPE_CHECKING and inside functions included, so a cycle
hidden behind a lazy import is still a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("data_monitor", "custom_expectations")
# lowest first; a module may import its own layer and the layers below it
ORDER = ["model", "backends", "lake", "delivery", "validation", "run", "cli"]
# layers that may import only some of the lower ones
ONLY = {
    "demo": {"demo", "backends", "model"},
    "custom_expectations": {"custom_expectations", "model"},  # the GX plugin reads the model
}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            hit = resolve(target, known)
            if hit and hit != module:
                found.add(hit)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports_of(m, p, known) for m, p in known.items()}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "custom_expectations":
        return "custom_expectations"
    return parts[1] if len(parts) > 1 and (parts[1] in ORDER or parts[1] in ONLY) else "top"


def may_import(source: str, target: str) -> bool:
    if source == "top":  # data_monitor/__init__.py, __main__.py: the entry points
        return True
    if source in ONLY:
        return target in ONLY[source]
    if source == "cli" and target in ("demo", "custom_expectations"):
        return True
    if target in ("demo", "top"):
        return False
    if target == "custom_expectations":  # registering the GX plugin is validation's business
        return ORDER.index(source) >= ORDER.index("validation")
    return ORDER.index(target) <= ORDER.index(source)


def test_no_import_cycle() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    assert cycles == []


def test_every_import_points_down_the_layers() -> None:
    against = sorted(
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if not may_import(layer(source), layer(target))
    )
    assert against == []


def test_only_the_validation_layer_imports_great_expectations() -> None:
    outside = []
    for module, path in modules().items():
        if module.startswith("data_monitor.") and layer(module) not in ("validation", "top"):
            source = path.read_text(encoding="utf-8")
            if "great_expectations" in source:
                outside.append(module)
    assert outside == []


@pytest.mark.parametrize("module", sorted(modules()))
def test_modules_stay_small(module: str) -> None:
    lines = modules()[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module}: {lines} lines"


def test_the_checks_catch_what_they_forbid() -> None:
    assert not may_import("model", "backends")
    assert not may_import("delivery", "validation")
    assert not may_import("backends", "custom_expectations")
    assert not may_import("demo", "cli")
    assert not may_import("custom_expectations", "run")
    assert may_import("run", "model") and may_import("cli", "demo")
