"""The list every 照会 screen shows: count and page position, 前へ / 次へ, a table whose
column headers sort on the server (SPEC §11: lists page and sort on the server)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx

from chingin_app.components.table import table_root


@dataclass(frozen=True)
class Column:
    """One column: header text, the row key, right-aligned for amounts, sortable on the
    server under ``key``; ``shown`` is the row key of the text shown when it differs from the
    sort key's value (a month stored 2026-05 shown 2026年5月, issue 14 item 6)."""

    header: str
    key: str
    numeric: bool = False
    sortable: bool = False
    shown: str | None = None


def pager(
    *,
    total: rx.Var[int] | int,
    page: rx.Var[int] | int,
    pages: rx.Var[int] | int,
    on_turn: Any,  # an event handler taking the page delta
    test_id: str = "list-count",
    extra: Sequence[rx.Component] = (),
) -> rx.Component:
    """「n 件（p / P ページ）」 with 前へ / 次へ and any buttons the screen adds (CSV出力 …)."""
    return rx.hstack(
        rx.text(total, " 件（", page, " / ", pages, " ページ）", data_testid=test_id),
        rx.button("前へ", on_click=on_turn(-1), variant="outline",
                  disabled=page <= 1),  # type: ignore[operator]
        rx.button("次へ", on_click=on_turn(1), variant="outline",
                  disabled=page >= pages),  # type: ignore[operator]
        *extra,
        align="center", spacing="3", margin_y="12px", wrap="wrap",
    )


def _header(column: Column, on_sort: Any) -> rx.Component:
    style = {"textAlign": "right"} if column.numeric else {}
    if column.sortable and on_sort is not None:
        return rx.table.column_header_cell(
            rx.el.button(column.header, on_click=on_sort(column.key), type="button",
                         style={"all": "unset", "cursor": "pointer",
                                "textDecoration": "underline"}),
            style=style,
        )
    return rx.table.column_header_cell(column.header, style=style)


def data_table(
    columns: Sequence[Column],
    rows: Any,  # the state's var of the visible rows
    *,
    label: str,
    on_sort: Any = None,  # an event handler taking the column key
    row_actions: Callable[[Any], rx.Component] | None = None,
    actions_header: str = "操作",
) -> rx.Component:
    """The visible page as a table; ``row_actions`` adds a last cell of buttons per row."""
    headers = [_header(c, on_sort) for c in columns]
    if row_actions is not None:
        headers.append(rx.table.column_header_cell(actions_header))

    def row(r: Any) -> rx.Component:
        cells = [
            rx.table.cell(r[c.shown or c.key], style={"textAlign": "right"} if c.numeric else {})
            for c in columns
        ]
        if row_actions is not None:
            cells.append(rx.table.cell(row_actions(r)))
        return rx.table.row(*cells)

    return table_root(
        rx.table.header(rx.table.row(*headers)),
        rx.table.body(rx.foreach(rows, row)),
        label=label,
    )
