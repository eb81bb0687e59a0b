"""The `chingin` command is thin over the services (STYLE §8, issue 10): no SQL in cli/.

A command passes what the operator typed (the contract number, a user ID) to a service, which
looks it up, checks it and logs it in the same session; a lookup in the command would open a
second session and split the refusal from the service's own log. Guarded structurally: no
module of cli/ imports sqlalchemy or sqlmodel (the ``Session`` type for annotations, under
``TYPE_CHECKING``, excepted) or runs a statement on a session.
"""

from __future__ import annotations

import ast
from pathlib import Path

import chingin_app.cli

CLI_DIR = Path(chingin_app.cli.__file__).parent
_SQL_PACKAGES = ("sqlalchemy", "sqlmodel")
_STATEMENT_CALLS = frozenset({"exec", "execute", "scalar", "scalars", "get"})


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            for child in node.body:
                inside.update(id(n) for n in ast.walk(child))
    return inside


def sql_uses(source: str) -> list[str]:
    """What in ``source`` reaches for SQL: imports of the SQL packages and statement calls on
    a session (``db.exec(…)``, ``session.execute(…)``, ``db.get(…)``)."""
    tree = ast.parse(source)
    typing_only = _type_checking_nodes(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            names = [a.name for a in node.names]
            if top in _SQL_PACKAGES and not (id(node) in typing_only and names == ["Session"]):
                found.append(f"line {node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            found.extend(
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in _SQL_PACKAGES
            )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _STATEMENT_CALLS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"db", "session"}
        ):
            found.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}(…)")
    return found


def test_cli_modules_run_no_sql() -> None:
    """Every module of cli/ leaves SQL to the services."""
    offenders = {
        path.name: uses
        for path in sorted(CLI_DIR.glob("*.py"))
        if (uses := sql_uses(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_guard_finds_a_lookup_in_a_command() -> None:
    """The check itself: a contract-id lookup like the one `chingin bank` had is found; the
    annotation-only import of ``Session`` is not."""
    lookup = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sqlmodel import Session\n"
        "def _contract_id(number):\n"
        "    from sqlmodel import select\n"
        "    with open_db() as db:\n"
        "        return db.exec(select(Contract.id)).first()\n"
    )
    assert sql_uses(lookup) == [
        "line 5: from sqlmodel import select",
        "line 7: db.exec(…)",
    ]
