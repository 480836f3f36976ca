"""The core never asks which platform it is on: what differs is declared by each adapter
(`bot.ports.PlatformTraits`, handed over on `Alsbot.attach`).

An AST walk over `bot/` fails on any branch on a platform: a comparison or `match` against
a `Platform` member or a platform's name, a `Platform.SLACK`/`Platform.DISCORD` anywhere
(a lookup keyed by one is a branch too), or a stored key's platform prefix
(`"discord:"`).  `Platform` itself may still be passed around as a value in references,
and `Platform.CONSOLE` names the console's workspace, the core's own default.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.refs import Platform

ROOT = Path(__file__).resolve().parents[1]
NAMES = {p.value for p in Platform}
NAMED_ONLY_BY_ADAPTERS = {"SLACK", "DISCORD"}
DEFINED_IN = ROOT / "bot" / "refs.py"


def _is_member(node: ast.AST) -> bool:
    """`Platform.X` or `Platform.X.value`."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Platform"
    )


def _is_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in NAMES


def _names_members(node: ast.AST) -> bool:
    """A member, a platform's name, or a tuple/list/set of them (`x in (…)`)."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_members(e) for e in node.elts)
    return _is_member(node) or _is_name(node)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ) and (body := node.body):
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def platform_branches(source: str, name: str = "<source>") -> list[str]:
    """Every place in `source` that branches on, or names, a specific platform."""
    tree = ast.parse(source, filename=name)
    docstrings = _docstrings(tree)
    found: list[str] = []

    def hit(node: ast.AST, why: str) -> None:
        found.append(f"{name}:{getattr(node, 'lineno', '?')}: {why}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            if any(_names_members(side) for side in (node.left, *node.comparators)):
                hit(node, "compares with a platform")
        elif isinstance(node, ast.match_case):
            if any(
                isinstance(p, ast.MatchValue) and _names_members(p.value)
                for p in ast.walk(node.pattern)
            ):
                hit(node.pattern, "matches a platform")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Platform"
            and node.attr in NAMED_ONLY_BY_ADAPTERS
        ):
            hit(node, f"names Platform.{node.attr}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and any(node.value.startswith(f"{p}:") for p in NAMES - {Platform.CONSOLE.value})
        ):
            hit(node, f"a {node.value.split(':')[0]} key prefix")
    return found


def test_no_core_module_branches_on_the_platform() -> None:
    files = [p for p in sorted((ROOT / "bot").rglob("*.py")) if p != DEFINED_IN]
    assert len(files) > 50
    found = [
        hit
        for path in files
        for hit in platform_branches(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == [], "declare it in the adapter's PlatformTraits instead: " + ", ".join(found)


def test_the_check_finds_each_kind_of_platform_branch() -> None:
    branches = {
        "if ref.workspace.platform == Platform.DISCORD:\n    pass\n": "compares",
        "ok = platform != Platform.CONSOLE\n": "compares",
        "ok = platform in (Platform.CONSOLE, other)\n": "compares",
        "ok = ref.platform.value == 'slack'\n": "compares",
        "ok = Platform.CONSOLE.value == platform\n": "compares",
        "match p:\n    case Platform.CONSOLE:\n        pass\n": "matches",
        "pace = {Platform.SLACK: 1.0}\n": "names Platform.SLACK",
        "like = f'{Platform.DISCORD.value}:%'\n": "names Platform.DISCORD",
        "ok = key.startswith('discord:')\n": "key prefix",
    }
    for source, why in branches.items():
        found = platform_branches(source)
        assert found and why in found[0], (source, found)


def test_the_check_lets_platform_be_a_value() -> None:
    fine = (
        '"""Discord DMs carry no server (docstrings may say so)."""\n'
        "WS = WorkspaceRef(Platform.CONSOLE, 'local')\n"
        "def f(ref, traits):\n"
        "    return traits.of(ref.workspace.platform).global_user_ids\n"
        "key = f'{platform.value}:%:{user.id}'\n"
        "same = ref.workspace.platform == other.workspace.platform\n"
    )
    assert platform_branches(fine) == []
