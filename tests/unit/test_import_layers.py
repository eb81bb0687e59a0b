"""STYLE §1: imports flow one way and no module closes a circle.

The layers, lowest first: ``domain``, ``pki``, ``settings``, ``logs`` < ``models``, ``db`` <
``reports`` < ``proxy`` < ``services``, ``routes`` < ``web``, ``runtime``, ``state`` <
``components`` < ``pages``; ``cli``, ``migrations`` and the app module on top. Every import
counts — at module level, inside a function, under ``if TYPE_CHECKING:`` — because a circle
hidden in a function is still a circle. ``domain`` and ``pki`` import nothing else of the
project (not even settings); ``proxy`` (nginx) only settings, domain and pki. A package counts
as its ``__init__``; ``from package import module`` is an import of that module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("chingin_app", "pki")

#: Rank of each top-level part (``chingin_app.<part>``; ``pki`` is its own package). A new
#: top-level module or package must be given a rank here: the test fails until it is.
RANK: dict[str, int] = {
    "domain": 0, "pki": 0, "settings": 0, "logs": 0,
    "models": 1, "db": 1,
    "reports": 2,
    "proxy": 3,
    "services": 4, "routes": 4,
    "web": 5, "runtime": 5, "state": 5,
    "components": 6,
    "pages": 7,
    "cli": 8, "migrations": 8, "chingin_app": 8,  # chingin_app.chingin_app: the Reflex app
}
#: Parts that may import only these parts of the project (themselves included).
ONLY: dict[str, frozenset[str]] = {
    "domain": frozenset({"domain"}),
    "pki": frozenset({"pki"}),
    "settings": frozenset({"settings"}),
    "logs": frozenset({"logs"}),
    "proxy": frozenset({"proxy", "settings", "domain", "pki"}),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _part(module: str) -> str:
    """The layer a module belongs to: ``pki``, or the first name under ``chingin_app``."""
    parts = module.split(".")
    if parts[0] == "pki":
        return "pki"
    return parts[1] if len(parts) > 1 else "chingin_app"


def _nearest_module(name: str) -> str | None:
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in MODULES else None


def _imports(module: str) -> Iterator[tuple[str, int]]:
    """(imported project module, line) for every import statement anywhere in ``module``."""
    path = MODULES[module]
    yield from _imports_in(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")


def _imports_in(source: str, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            named = [f"{source}.{a.name}" for a in node.names]
            submodules = [name for name in named if name in MODULES]
            # ``from package import module`` imports that module; other names come from
            # ``source`` itself (a package's __init__ or a module).
            targets = submodules if len(submodules) == len(node.names) else [source, *submodules]
        for target in targets:
            if target.split(".")[0] not in PROJECT_PACKAGES:
                continue
            found = _nearest_module(target)
            if found is not None and found != module:
                yield found, node.lineno


GRAPH: dict[str, set[str]] = {m: {t for t, _ in _imports(m)} for m in MODULES}


def test_every_top_level_part_has_a_rank() -> None:
    parts = {_part(m) for m in MODULES}
    assert parts - RANK.keys() == set(), "give each new top-level part its rank in RANK"
    assert {"domain", "services", "state", "pages", "pki"} <= parts  # the scan saw the tree


def test_imports_never_run_up_the_layers() -> None:
    """STYLE §1: an import goes to the same layer or a lower one; domain, pki, settings and
    proxy import only what ``ONLY`` allows."""
    against: list[str] = []
    for module in MODULES:
        part = _part(module)
        for target, line in _imports(module):
            other = _part(target)
            if other == part:
                continue
            if part in ONLY and other not in ONLY[part]:
                allowed = ", ".join(sorted(ONLY[part]))
                against.append(f"{module}:{line} → {target} ({part} imports only {allowed})")
            elif RANK[other] > RANK[part]:
                against.append(f"{module}:{line} → {target} ({part} < {other})")
    assert against == []


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_closes_a_circle() -> None:
    assert _circles(GRAPH) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_circle_finder_finds_circles(
    graph: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert _circles(graph) == expected


def test_the_scan_sees_imports_inside_functions_and_type_checking() -> None:
    """The scan counts what a module-level reading would miss (this is what hid the circle of
    six certificate and user services), resolves relative imports, and reads ``from package
    import module`` as an import of the module."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from chingin_app.state import session\n"
        "def f():\n    from chingin_app.pages import top\n"
        "from . import nginx\n"
        "from chingin_app.services.tenant import OutputSession\n"
    )
    found = {t for t, _ in _imports_in(source, "chingin_app.proxy.static_pages", False)}
    assert found == {
        "chingin_app.state.session",
        "chingin_app.pages.top",
        "chingin_app.proxy.nginx",
        "chingin_app.services.tenant",
    }
