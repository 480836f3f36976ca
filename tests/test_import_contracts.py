"""The layering rules, enforced on every test run.

import-linter checks the contracts in `pyproject.toml` (the core imports no platform SDK,
the core's layers, the kernel below the features, adapters independent of each other); an
AST walk checks that no module of the core or the jobs imports inside a function, which is
how import cycles used to be hidden.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts)} kept, 0 broken." in result.stdout


def _function_level_imports(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append(f"{path.relative_to(root)}:{inner.lineno}")
    return found


def test_the_core_and_jobs_import_only_at_module_level() -> None:
    files = [p for folder in ("bot", "jobs") for p in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 50
    found = [hit for path in files for hit in _function_level_imports(path)]
    assert found == [], "imports inside functions (a cycle to fix, not to hide): " + ", ".join(
        found
    )


def test_the_test_support_package_imports_only_at_module_level() -> None:
    files = sorted((ROOT / "testkit").rglob("*.py"))
    assert len(files) > 20
    found = [hit for path in files for hit in _function_level_imports(path)]
    assert found == [], "imports inside functions in testkit: " + ", ".join(found)


def test_the_check_finds_an_import_inside_a_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import sys\n\n\ndef f():\n    import os\n    return os, sys\n")
    assert _function_level_imports(sample, tmp_path) == ["sample.py:5"]


def _cycles() -> list[tuple[str, str]]:
    graph = grimp.build_graph("bot", "adapters", "jobs", cache_dir=None)
    return [
        (module, imported)
        for module in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(module))
        if imported in graph.modules
        and graph.find_shortest_chain(importer=imported, imported=module) is not None
    ]


def test_no_module_imports_itself_round_a_circle() -> None:
    """Module by module, not only package by package: a circle between two adapter
    modules (the Discord client and its outlet once were one) is as hard to read."""
    assert _cycles() == []
