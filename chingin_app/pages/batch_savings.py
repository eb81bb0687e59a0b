"""一斉積立事務 (SPEC §11; manual P.21 menu rows): RS-1 一斉積立内訳明細照会, RS-2 一斉積立内訳
明細表出力, RS-3 一斉積立内訳明細データエクスポート. The outputs use the shared choice of the
output screens (``components/request_picker.py``)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.form import alert, info, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.components.request_picker import request_picker
from chingin_app.state.batch_savings import (
    BatchDetailExportState,
    BatchDetailListsState,
    BatchDetailsState,
)

_CHOICE_LABEL = "一斉積立内訳明細（積立年月・区分）"

COLUMNS = (
    Column("職員番号", "staff_no", sortable=True),
    Column("カナ氏名", "name_kana", sortable=True),
    Column("漢字氏名", "name_kanji"),
    Column("所属", "department", sortable=True),
    Column("店番", "branch_no"),
    Column("口座番号", "account_no"),
    Column("商品", "product_name", sortable=True),
    Column("積立額", "amount", numeric=True, sortable=True),
    Column("前回積立額", "previous_amount", numeric=True, sortable=True),
    Column("変更区分", "change_kind", sortable=True),
)


def _statement_select() -> rx.Component:
    S = BatchDetailsState
    return rx.box(
        rx.el.label(_CHOICE_LABEL, html_for="field-statement_id",
                    style={"display": "block", "fontWeight": "bold"}),
        rx.el.select(
            rx.foreach(S.statement_options, lambda o: rx.el.option(o["label"], value=o["id"])),
            id="field-statement_id", value=S.statement_id, on_change=S.choose_statement,
            style={"minWidth": "16em", "padding": "4px"},
        ),
        margin_bottom="12px",
    )


def _search_form() -> rx.Component:
    S = BatchDetailsState
    return rx.form(
        rx.hstack(
            text_field("職員番号", "staff_no", default_value=S.staff_no_filter,
                       input_mode="numeric", max_length=10),
            text_field("カナ氏名", "name_kana", default_value=S.kana_filter, max_length=40),
            text_field("漢字氏名", "name_kanji", default_value=S.kanji_filter,  # R-PLUS-8
                       max_length=20),
            text_field("所属", "department", default_value=S.department_filter, max_length=20),
            rx.box(rx.button("検索", type="submit", size="3"), margin_bottom="12px"),
            align="end", wrap="wrap", spacing="3",
        ),
        on_submit=S.search,
        reset_on_submit=False,
    )


def batch_details_page() -> rx.Component:
    """RS-1 一斉積立内訳明細照会."""
    S = BatchDetailsState
    return signed_in_shell(
        "一斉積立内訳明細照会",
        alert(S.alert_text),
        info(S.no_statement_text),
        rx.cond(
            S.statement_id != "",
            rx.box(
                _statement_select(),
                _search_form(),
                rx.heading(S.statement_label, as_="h2", size="4", margin_top="8px"),
                pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
                      test_id="list-count"),
                rx.text("積立額合計 ", S.amount_total, " 円　前回積立額合計 ", S.previous_total,
                        " 円", data_testid="batch-totals"),
                data_table(COLUMNS, S.rows, label="一斉積立内訳明細", on_sort=S.sort),
                rx.cond(S.total == 0, rx.text("対象の明細はありません。", margin_top="8px")),
            ),
        ),
    )


def batch_detail_lists_page() -> rx.Component:
    """RS-2 一斉積立内訳明細表出力: 内訳明細表 / 変更明細表."""
    return signed_in_shell(
        "一斉積立内訳明細表出力",
        request_picker(BatchDetailListsState, output_label="PDF出力",
                       choice_label=_CHOICE_LABEL),
    )


def batch_detail_export_page() -> rx.Component:
    """RS-3 一斉積立内訳明細データエクスポート."""
    return signed_in_shell(
        "一斉積立内訳明細データエクスポート",
        request_picker(BatchDetailExportState, output_label="CSV出力", csv=True,
                       choice_label=_CHOICE_LABEL),
    )
