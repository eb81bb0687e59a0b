"""The 賃控元帳 cycle's output screens (SPEC §11 RL-5, RL-6, RL-7, RL-12, RL-13; manual P.22 menu
rows), each headed by its menu's name: the shared request choice
(``components/request_picker.py``), the chosen list on screen one page at a time (RL-5, RL-7),
the 所属 subtotals of the cycle (RL-12), and the output's progress and 表示 / ダウンロード."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import data_table
from chingin_app.components.request_picker import chosen_list, list_columns, request_picker
from chingin_app.reports.ledger_cycle_lists import DEPARTMENT_TOTALS, REQUEST_LISTS, RESULT_LISTS
from chingin_app.state.ledger.cycle_outputs import (
    CombinedExportState,
    CombinedListState,
    LedgerRequestExportState,
    LedgerRequestListsState,
    LedgerResultListsState,
)

_CHOICE = "賃控元帳控除依頼（控除年月・支給区分）"


def ledger_request_lists_page() -> rx.Component:
    """RL-5 賃控元帳控除依頼リスト出力."""
    return signed_in_shell(
        "賃控元帳控除依頼リスト出力",
        request_picker(LedgerRequestListsState, output_label="PDF出力", choice_label=_CHOICE),
        chosen_list(LedgerRequestListsState, REQUEST_LISTS),
    )


def ledger_request_export_page() -> rx.Component:
    """RL-6 賃控元帳控除依頼データエクスポート."""
    return signed_in_shell(
        "賃控元帳控除依頼データエクスポート",
        request_picker(LedgerRequestExportState, output_label="CSV出力", csv=True,
                       choice_label=_CHOICE),
    )


def ledger_result_lists_page() -> rx.Component:
    """RL-7 賃控元帳結果リスト出力."""
    return signed_in_shell(
        "賃控元帳結果リスト出力",
        request_picker(LedgerResultListsState, output_label="PDF出力", choice_label=_CHOICE),
        chosen_list(LedgerResultListsState, RESULT_LISTS),
    )


def combined_list_page() -> rx.Component:
    """RL-12 労金控除賃控元帳依頼リスト出力: the 所属 subtotals on screen, the list as PDF."""
    state = CombinedListState
    return signed_in_shell(
        "労金控除賃控元帳依頼リスト出力",
        request_picker(state, output_label="PDF出力", choice_label=_CHOICE),
        rx.cond(
            state.departments.length() > 0,  # type: ignore[attr-defined]
            rx.box(
                rx.heading(state.request_label, "　", DEPARTMENT_TOTALS.title, as_="h2",
                           size="4", margin_top="20px"),
                data_table(list_columns(DEPARTMENT_TOTALS), state.departments,
                           label=DEPARTMENT_TOTALS.title),
            ),
        ),
    )


def combined_export_page() -> rx.Component:
    """RL-13 労金控除賃控元帳依頼データエクスポート."""
    return signed_in_shell(
        "労金控除賃控元帳依頼データエクスポート",
        request_picker(CombinedExportState, output_label="CSV出力", csv=True,
                       choice_label=_CHOICE, list_label="出力形式"),
    )
