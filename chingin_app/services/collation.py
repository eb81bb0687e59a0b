"""Text sorted the same on SQLite and PostgreSQL (issue 12; DESIGN §1 "Production and scale").

SQLite compares text by its bytes (``BINARY``: UTF-8 byte order is code-point order).
PostgreSQL compares by the column's collation, which is the database's default locale —
``ja_JP.UTF-8`` or ``en_US.UTF-8`` on a server set up the ordinary way — and a locale weighs
letters, kana and punctuation its own way (``en_US`` skips the hyphen in ``A-1`` on a first
pass, ``ja_JP`` orders katakana and half-width forms by its own tables). The same search would
then list rows in another order, page by page, on each database. :func:`code_point` names the
byte order explicitly on PostgreSQL (``COLLATE "C"``), so a screen sorted by カナ氏名, 漢字氏名,
所属 or 職員番号 lists the same rows in the same order whichever database the service runs on
— and the same order as Python's own ``sorted`` on the same strings.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

__all__ = ["code_point"]

#: A column or column expression (``col(Model.field)`` is typed ``Mapped[...]``).
_E = TypeVar("_E")


class _CodePointOrder(FunctionElement[str]):
    """``expr COLLATE "C"`` on PostgreSQL, ``expr`` everywhere else (SQLite: already so)."""

    name = "code_point_order"
    type = String()
    inherit_cache = True


@compiles(_CodePointOrder)
def _as_is(element: _CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_CodePointOrder, "postgresql")
def _c_collation(element: _CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'


def _is_text(expr: object) -> bool:
    kind = getattr(expr, "type", None)
    if isinstance(kind, TypeDecorator):  # sqlmodel's AutoString wraps a VARCHAR
        kind = kind.impl_instance
    return isinstance(kind, String)


def code_point(expr: _E) -> _E:
    """``expr`` for ORDER BY in code-point order on every database when it is text; any other
    expression (numbers, dates) is returned as it is."""
    if not _is_text(expr):
        return expr
    return _CodePointOrder(expr)  # type: ignore[return-value]
