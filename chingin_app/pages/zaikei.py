"""財形貯蓄事務 screens (SPEC §11 RZ-1, RZ-2, RZ-3; manual P.24 menu rows; R-PLUS-3): the
預入依頼書 choice drawn with the shared pieces of ``components/request_picker.py``, RZ-1's
search, list, totals and 財形アラーム, and the output of RZ-2 (PDF) and RZ-3 (CSV)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.form import field_error, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.components.request_picker import request_picker
from chingin_app.state.zaikei import (
    KIND_CHOICES,
    ZaikeiDetailsState,
    ZaikeiExportState,
    ZaikeiStatementState,
)

_DEPOSIT_LABEL = "預入依頼書（預入年月・区分）"
_COLUMNS = (
    Column("職員番号", "staff_no", sortable=True),
    Column("カナ氏名", "name_kana", sortable=True),
    Column("氏名", "name"),
    Column("所属", "department"),
    Column("種類", "kind", sortable=True),
    Column("前回との変更", "change"),
    Column("月例額", "monthly", numeric=True, sortable=True),
    Column("一時金額", "bonus", numeric=True, sortable=True),
    Column("奨励金", "incentive", numeric=True),
    Column("残高", "balance", numeric=True),
    Column("非課税枠使用額", "tax_free", numeric=True),
)
_ALARM_COLUMNS = (
    Column("職員番号", "staff_no"),
    Column("氏名", "name"),
    Column("種類", "kind"),
    Column("アラーム", "text"),
)


def _search_form() -> rx.Component:
    S = ZaikeiDetailsState
    return rx.form(
        rx.hstack(
            text_field("職員番号", "staff_no", default_value=S.staff_no_filter,
                       input_mode="numeric", max_length=10),
            text_field("カナ氏名", "name_kana", default_value=S.kana_filter, max_length=40),
            text_field("漢字氏名", "name_kanji", default_value=S.kanji_filter,  # R-PLUS-8
                       max_length=20),
            rx.box(
                rx.el.label("種類", html_for="field-kind",
                            style={"fontWeight": "bold", "display": "block"}),
                rx.el.select(*[rx.el.option(label, value=code) for code, label in KIND_CHOICES],
                             id="field-kind", name="kind", style={"minHeight": "32px"}),
                field_error(S.errors.get("kind", ""), field_id="field-kind"),
                margin_bottom="12px",
            ),
            rx.box(rx.button("検索", type="submit", size="3"), margin_bottom="12px"),
            align="end", wrap="wrap", spacing="3",
        ),
        on_submit=S.search,
        reset_on_submit=False,
    )


def _alarms() -> rx.Component:
    S = ZaikeiDetailsState
    return rx.box(
        rx.heading("財形アラーム", as_="h2", size="4", margin_top="20px"),
        rx.cond(
            S.alarm_rows.length() > 0,  # type: ignore[attr-defined]
            rx.box(data_table(_ALARM_COLUMNS, S.alarm_rows, label="財形アラーム"),
                   data_testid="zaikei-alarms"),
            rx.text("アラームはありません。"),
        ),
    )


def zaikei_details_page() -> rx.Component:
    """RZ-1 財形積立明細照会."""
    S = ZaikeiDetailsState
    return signed_in_shell(
        "財形積立明細照会",
        request_picker(S, output_label=None, choice_label=_DEPOSIT_LABEL),
        rx.cond(
            S.request_id != "",
            rx.box(
                _search_form(),
                rx.heading(S.request_label, as_="h2", size="4", margin_top="12px"),
                pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
                      test_id="list-count"),
                data_table(_COLUMNS, S.rows, label="財形積立明細", on_sort=S.sort),
                rx.cond(S.total == 0, rx.text("対象の明細はありません。", margin_top="8px")),
                rx.text("合計　月例額 ", S.totals.get("monthly", "0"), "円　一時金額 ",
                        S.totals.get("bonus", "0"), "円　奨励金 ",
                        S.totals.get("incentive", "0"), "円",
                        data_testid="zaikei-totals", margin_top="8px", weight="bold"),
                _alarms(),
            ),
        ),
    )


def zaikei_statement_page() -> rx.Component:
    """RZ-2 財形積立明細書出力."""
    return signed_in_shell(
        "財形積立明細書出力",
        request_picker(ZaikeiStatementState, output_label="PDF出力", choice_label=_DEPOSIT_LABEL,
                       list_label="出力する帳票"),
    )


def zaikei_export_page() -> rx.Component:
    """RZ-3 財形積立明細データエクスポート."""
    return signed_in_shell(
        "財形積立明細データエクスポート",
        request_picker(ZaikeiExportState, output_label="CSV出力", csv=True,
                       choice_label=_DEPOSIT_LABEL),
    )
