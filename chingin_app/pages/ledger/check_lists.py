"""RL-3 賃控元帳確認リスト出力 (SPEC §11; manual: 賃控元帳内訳リスト, 賃控元帳種目合計リスト,
賃控元帳異動分リスト): 控除年月 and the list, the list on screen one page at a time with the
counts, PDF出力 with its progress and 表示 / ダウンロード."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.form import alert, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.output_panel import output_panel
from chingin_app.components.paged_table import data_table, pager
from chingin_app.components.request_picker import list_columns, list_select
from chingin_app.reports.ledger_check_lists import CHECK_LISTS
from chingin_app.state.ledger.check_lists import LedgerCheckListsState as S


def ledger_check_lists_page() -> rx.Component:
    """RL-3: this month's 内訳リスト first; another month through 表示."""
    tables = [(code, data_table(list_columns(kind), S.rows, label=kind.title))
              for code, kind in CHECK_LISTS.items()]
    return signed_in_shell(
        "賃控元帳確認リスト出力",
        alert(S.alert_text),
        rx.form(  # keyed: the field shows the month shown once it is read
            rx.hstack(
                text_field("控除年月", "month", error=S.errors.get("month", ""),  # type: ignore[attr-defined]
                           default_value=S.month, max_length=7),
                rx.button("表示", type="submit", size="3", margin_top="24px"),
                align="start", spacing="3",
            ),
            on_submit=S.show,
            reset_on_submit=False,
            key="month-" + S.month,  # type: ignore[operator]
        ),
        list_select(S),
        rx.hstack(
            rx.button("PDF出力", on_click=S.make_output,
                      disabled=S.output_running | (S.month == "")),  # type: ignore[operator]
            margin_y="12px",
        ),
        output_panel(S),
        rx.cond(
            S.month != "",
            rx.box(
                rx.heading(S.month_label, "　", S.list_title, as_="h2", size="4",
                           margin_top="20px"),
                rx.text(S.counts_text, data_testid="list-counts"),
                pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
                      test_id="list-count"),
                rx.match(S.list_kind, *tables),
                rx.cond(S.total == 0, rx.text("対象の明細はありません。", margin_top="8px")),
            ),
        ),
    )
