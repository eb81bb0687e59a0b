"""R-SEC-1: Reflex makes every public method of a state an event handler that a crafted
websocket frame can call. So a state's public methods are exactly its declared handlers
(``@rx.event``) and computed vars; helpers are private (``_name``)."""

from __future__ import annotations

import ast
from pathlib import Path

STATE_DIR = Path(__file__).resolve().parents[2] / "chingin_app" / "state"
DECLARED = {"rx.event", "rx.var", "property", "staticmethod", "classmethod"}


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target)


def test_r_sec_1_public_state_methods_are_declared_handlers() -> None:
    undeclared = []
    for path in sorted(STATE_DIR.rglob("*.py")):  # with the screen groups' packages
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            for fn in cls.body:
                if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if fn.name.startswith("_"):
                    continue
                if not {_decorator_name(d) for d in fn.decorator_list} & DECLARED:
                    undeclared.append(f"{path.name}:{cls.name}.{fn.name}")
    assert undeclared == []
    assert any(STATE_DIR.glob("session.py"))  # the scan saw the state modules
    assert any(STATE_DIR.glob("rokin/*.py"))  # and the packages
