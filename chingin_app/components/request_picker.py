"""The output choice every output screen shares (SPEC §11 労金控除 RK-4 … RK-11, 一斉積立
RS-2/RS-3, 財形 RZ-1 … RZ-3): what to output from (a 控除依頼, statement or 預入依頼書 of the
selected payment group, newest first; the label names it), 出力するリスト, 文字コード, 件数確認
and the output button with its progress and 表示 / ダウンロード.

``state`` is a state class with ``state/request_choice.RequestChoiceMixin`` (and, for
``chosen_list``, ``ListChoiceMixin``); the pieces are separate functions so a screen takes only
those it needs."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app.components.form import alert, info
from chingin_app.components.output_panel import excel_button, output_panel
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.reports.csv_writer import ENCODING_CHOICES
from chingin_app.reports.lists import ListKind

_LABEL_STYLE = {"display": "block", "fontWeight": "bold"}


def _select(label: str, field_id: str, options: Any, value: Any, on_change: Any,
            option: Any) -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=field_id, style=_LABEL_STYLE),
        rx.el.select(
            rx.foreach(options, option),
            id=field_id, value=value, on_change=on_change,
            style={"minWidth": "16em", "padding": "4px"},
        ),
    )


def request_select(state: Any, *, label: str = "控除依頼（控除年月・支給区分）") -> rx.Component:
    """The requests of the session's payment group, newest first."""
    return _select(
        label, "field-request_id", state.request_options, state.request_id,
        state.choose_request, lambda r: rx.el.option(r["label"], value=r["id"]),
    )


def list_select(state: Any, *, label: str = "出力するリスト") -> rx.Component:
    """The screen's lists (shown only when it has more than one)."""
    return rx.cond(
        state.list_options.length() > 1,  # type: ignore[attr-defined]
        _select(
            label, "field-list_kind", state.list_options, state.list_kind, state.choose_list,
            lambda o: rx.el.option(o["title"], value=o["code"]),
        ),
    )


def encoding_select(state: Any) -> rx.Component:
    """文字コード of a CSV (CP932 by default, UTF-8 with BOM on request; R-ENV-3)."""
    return rx.box(
        rx.el.label("文字コード", html_for="field-encoding", style=_LABEL_STYLE),
        rx.el.select(
            *[rx.el.option(title, value=code) for code, title in ENCODING_CHOICES.items()],
            id="field-encoding", value=state.encoding, on_change=state.choose_encoding,
            style={"minWidth": "16em", "padding": "4px"},
        ),
    )


def request_picker(
    state: Any,
    *,
    output_label: str | None,
    csv: bool = False,
    preview: bool = True,
    choice_label: str = "控除依頼（控除年月・支給区分）",
    list_label: str = "出力するリスト",
) -> rx.Component:
    """The whole choice: messages, 控除依頼, 出力するリスト, 文字コード (``csv``), 件数確認
    (``preview``), the output button (``output_label``: 「PDF出力」, 「CSV出力」 and, with ``csv``,
    「Excel出力」 beside it; None for a
    screen that only shows what was chosen) and the output's progress and 表示 / ダウンロード.
    ``choice_label`` names the choice (一斉積立's screens choose a statement, 財形's a
    預入依頼書, not a 控除依頼)."""
    choice = rx.hstack(
        request_select(state, label=choice_label),
        *([list_select(state, label=list_label)] if output_label is not None else []),
        *([encoding_select(state)] if csv else []),
        align="end", wrap="wrap", spacing="4",
    )
    output: list[rx.Component] = []
    if output_label is not None:
        buttons = []
        if preview:
            buttons.append(rx.button("件数確認", on_click=state.count_lines, variant="outline",
                                     size="3"))
        buttons.append(rx.button(output_label, on_click=state.make_output, size="3",
                                 disabled=state.output_running, loading=state.output_running))
        if csv:
            buttons.append(excel_button(state.make_excel, size="3", disabled=state.output_running))
        output = [
            rx.hstack(*buttons, spacing="3", margin_top="12px", align="center"),
            rx.cond(
                state.preview_text != "",
                rx.text(state.preview_text, role="status", data_testid="output-preview",
                        margin_top="8px"),
            ),
            output_panel(state),
        ]
    return rx.box(
        alert(state.alert_text),
        info(state.no_request_text),
        rx.cond(
            state.request_options.length() > 0,  # type: ignore[attr-defined]
            rx.box(choice, *output),
        ),
    )


def list_columns(kind: ListKind) -> tuple[Column, ...]:
    """The screen's columns of a list (``reports/lists``): its titles and row keys, amounts and
    right-aligned ones numeric."""
    return tuple(Column(f.title, f.key, numeric=f.amount or f.align == "right")
                 for f in kind.fields)


def chosen_list(state: Any, kinds: dict[str, ListKind]) -> rx.Component:
    """The chosen list of the chosen request: 「n 件（p / P ページ）」, 前へ / 次へ and the table
    of its columns (one of ``kinds``, by ``state.list_kind``)."""
    tables = [(code, data_table(list_columns(kind), state.rows, label=kind.title))
              for code, kind in kinds.items()]
    return rx.cond(
        state.request_id != "",
        rx.box(
            rx.heading(state.request_label, "　", state.list_title, as_="h2", size="4",
                       margin_top="20px"),
            pager(total=state.total, page=state.page, pages=state.pages, on_turn=state.turn,
                  test_id="list-count"),
            rx.match(state.list_kind, *tables),
            rx.cond(state.total == 0, rx.text("対象の明細はありません。", margin_top="8px")),
        ),
    )
