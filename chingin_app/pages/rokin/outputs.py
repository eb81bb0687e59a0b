"""The 労金控除 output screens (SPEC §11 RK-4, RK-5, RK-6, RK-7, RK-11; manual P.21 menu rows):
the shared request choice (``components/request_picker.py``), and for the lists the chosen
list on screen, one page at a time."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.layout import signed_in_shell
from chingin_app.components.request_picker import chosen_list, request_picker
from chingin_app.reports.rokin_lists import REQUEST_LISTS, RESULT_LISTS
from chingin_app.state.rokin.outputs import (
    CompanyExportState,
    CompanyRequestState,
    RequestExportState,
    RequestListsState,
    ResultListsState,
)


def request_lists_page() -> rx.Component:
    """RK-4 労金控除依頼リスト出力."""
    return signed_in_shell(
        "労金控除依頼リスト出力",
        request_picker(RequestListsState, output_label="PDF出力", preview=False),
        chosen_list(RequestListsState, REQUEST_LISTS),
    )


def request_export_page() -> rx.Component:
    """RK-5 労金控除依頼データエクスポート."""
    return signed_in_shell(
        "労金控除依頼データエクスポート",
        request_picker(RequestExportState, output_label="CSV出力", csv=True),
    )


def company_request_page() -> rx.Component:
    """RK-6 企業宛控除依頼書出力."""
    return signed_in_shell(
        "企業宛控除依頼書出力",
        request_picker(CompanyRequestState, output_label="PDF出力"),
    )


def company_export_page() -> rx.Component:
    """RK-7 企業宛控除依頼データエクスポート."""
    return signed_in_shell(
        "企業宛控除依頼データエクスポート",
        request_picker(CompanyExportState, output_label="CSV出力", csv=True),
    )


def result_lists_page() -> rx.Component:
    """RK-11 労金控除結果リスト出力."""
    return signed_in_shell(
        "労金控除結果リスト出力",
        request_picker(ResultListsState, output_label="PDF出力", preview=False),
        chosen_list(ResultListsState, RESULT_LISTS),
    )
