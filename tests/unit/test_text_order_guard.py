"""Issue 12: text orders identical on SQLite and PostgreSQL (DESIGN §1 "Production and scale").

``services.collation.code_point`` renders ``COLLATE "C"`` on PostgreSQL only, leaves other
types alone, and every ``order_by`` in the services that names a text column wraps it."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel, col

from chingin_app import models
from chingin_app.models import Employee
from chingin_app.services.collation import code_point

SERVICES = Path(models.__file__).resolve().parent.parent / "services"


def test_code_point_collates_text_on_postgresql_only() -> None:
    query = select(col(Employee.id)).order_by(
        code_point(col(Employee.name_kana)).desc(), code_point(col(Employee.id))
    )
    assert str(query.compile(dialect=postgresql.dialect())).endswith(
        'ORDER BY employees.name_kana COLLATE "C" DESC, employees.id'
    )
    assert str(query.compile(dialect=sqlite.dialect())).endswith(
        "ORDER BY employees.name_kana DESC, employees.id"
    )


def _text_columns() -> set[str]:
    found = set()
    for name in dir(models):
        model = getattr(models, name)
        if isinstance(model, type) and issubclass(model, SQLModel) and hasattr(
            model, "__table__"
        ):
            for column in model.__table__.columns:
                kind = column.type
                if isinstance(kind, TypeDecorator):
                    kind = kind.impl_instance
                if isinstance(kind, String):
                    found.add(f"{name}.{column.key}")
    return found


def _order_by_arguments(source: str) -> list[str]:
    """The text inside every ``.order_by( … )`` call (parentheses balanced)."""
    out = []
    for match in re.finditer(r"\.order_by\(", source):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(source[end], 0)
            end += 1
        out.append(source[match.end():end - 1])
    return out


def test_every_text_order_in_the_services_uses_code_point() -> None:
    """``col(Model.text_field)`` inside ``order_by`` is always ``code_point(col(…))``: a bare
    one would sort by the PostgreSQL database's locale."""
    text_columns = _text_columns()
    assert "Employee.name_kana" in text_columns
    bare = []
    for path in sorted(SERVICES.rglob("*.py")):
        for arguments in _order_by_arguments(path.read_text(encoding="utf-8")):
            for match in re.finditer(r"(code_point\()?col\((\w+\.\w+)\)", arguments):
                if match.group(2) in text_columns and not match.group(1):
                    bare.append(f"{path.relative_to(SERVICES)}: {match.group(0)}")
    assert bare == []
