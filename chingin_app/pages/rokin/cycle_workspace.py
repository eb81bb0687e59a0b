"""今月の控除 (issue 14 item 1; SPEC §11 RK-4, RK-5, RK-8, RK-9, R-PLUS-1, A.4, A.6): the
month's 労金控除 work on one page, each part shown only to holders of its manual menu's right.
Built from the まとめ入金 screens' components (``components/remittance.py``), the CSV upload, the
paged table and the output panel."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.confirm_apply import count_box
from chingin_app.components.csv_upload import csv_upload
from chingin_app.components.form import alert, info
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.output_panel import excel_button, output_panel
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.components.remittance import apply_dialog, hold_dialog
from chingin_app.components.table import table_root
from chingin_app.pages.rokin.reconciliation import COLUMNS as DIFF_COLUMNS
from chingin_app.services.rokin.reconciliation import MAX_BYTES
from chingin_app.state.rokin.cycle_workspace import CycleWorkspaceState as S
from chingin_app.state.rokin.reconciliation import KIND_CHOICES

TITLE = "今月の控除"
UPLOAD_ID = "ws-payroll-csv"
ERROR_COLUMNS = (
    Column("所属", "department"), Column("職員番号", "staff_no"), Column("カナ氏名", "name_kana"),
    Column("商品", "product"), Column("口座番号", "account_no"),
    Column("金額", "amount", numeric=True), Column("明細エラー", "error"),
)
_RECEIVED = "received"


def _fact(label: str, value: Any, test_id: str) -> rx.Component:
    return rx.table.row(rx.table.row_header_cell(label),
                        rx.table.cell(value, data_testid=test_id))


def _summary() -> rx.Component:
    """依頼 / うち解約 / エラー / 入金中止 / 入金額合計, the deadline, what is still needed."""
    s = S.summary
    return rx.cond(
        S.part_summary & (S.request_id != ""),
        rx.box(
            table_root(
                rx.table.body(
                    _fact("控除依頼", s["label"], "ws-label"),
                    _fact("依頼", s["requested"], "ws-requested"),
                    _fact("うち解約（件数に含めません）", s["ended"], "ws-ended"),
                    _fact("エラー", s["errors"] + "件（うち入金中止未設定 "
                          + s["unheld_errors"] + "件）", "ws-errors"),
                    _fact("入金中止", s["held"], "ws-held"),
                    _fact("入金額合計", s["remitted"], "ws-remitted"),
                    _fact("まとめ入金期限", s["deadline"], "ws-deadline"),
                ),
                label="今月の控除依頼", size="1", margin_bottom="8px",
            ),
            rx.el.ul(rx.foreach(S.needed, lambda n: rx.el.li(n)), aria_label="確定までに必要なこと",
                     data_testid="ws-needed", style={"marginBottom": "12px"}),
        ),
    )


def _outputs() -> rx.Component:
    printable = (S.request_status == "confirmed") | (S.request_status == "results")
    return rx.cond(
        S.request_id != "",
        rx.box(
            rx.heading("帳票・データ", as_="h2", size="4", margin_y="8px"),
            rx.hstack(
                rx.cond(S.part_list, rx.button("依頼リスト（PDF）", variant="outline",
                                               on_click=S.make_request_list,
                                               disabled=S.output_running)),
                rx.cond(S.part_csv, rx.button("依頼データ（CSV）", variant="outline",
                                              on_click=S.make_request_csv,
                                              disabled=S.output_running)),
                rx.cond(S.part_csv, excel_button(S.make_request_excel,
                                                 disabled=S.output_running)),
                rx.cond(S.part_confirm & printable,
                        rx.button("まとめ入金依頼書（PDF）", variant="outline",
                                  on_click=S.make_remittance_form, disabled=S.output_running)),
                spacing="3", wrap="wrap",
            ),
            output_panel(S),
        ),
    )


def _hold_button(label_of: Any, on_click: Any, can: Any) -> rx.Component:
    return rx.cond(
        S.part_hold_change & S.open_for_change & (can == "1"),
        rx.button("入金中止にする", size="1", variant="outline", color_scheme="red",
                  aria_label=label_of, on_click=on_click),
    )


def _diff_action(row: Any) -> rx.Component:
    return _hold_button("入金中止にする " + row["staff_no"].to(str) + " "
                        + row["account_no"].to(str),
                        S.hold_difference(row["key"]), row["can_hold"])  # type: ignore[operator]


def _error_action(row: Any) -> rx.Component:
    return _hold_button("入金中止にする " + row["staff_no"].to(str) + " "
                        + row["account_no"].to(str),
                        S.hold_error(row["id"]), row["can_hold"])  # type: ignore[operator]


def _reconcile() -> rx.Component:
    return rx.cond(
        S.part_reconcile & (S.request_status == _RECEIVED),
        rx.box(
            rx.heading("給与控除データ照合", as_="h2", size="4", margin_y="8px"),
            rx.cond(
                S.file_errors.length() > 0,  # type: ignore[attr-defined]
                rx.el.ul(rx.foreach(S.file_errors, lambda e: rx.el.li(e)),
                         aria_label="CSVファイルの誤り",
                         style={"color": "var(--red-11)", "marginBottom": "12px"}),
            ),
            csv_upload(
                title="給与控除データ（CSV）", upload_id=UPLOAD_ID, max_bytes=MAX_BYTES,
                note=("ファイルを選ぶとすぐに照合します（控除依頼は変更しません）。差異の明細は"
                      "その行の「入金中止にする」で入金中止にできます。"),
                button="照合", on_read=S.reconcile, busy=S.busy, on_pick=True,
            ),
            rx.cond(
                S.shown,
                rx.box(
                    rx.text("照合したファイル：", S.file_name, "　", S.read_note, size="2"),
                    # Codes Excel stripped of leading zeros were padded (issue 14 item 5).
                    rx.box(info(S.zeros_note), data_testid="ws-recon-zeros"),
                    rx.text("差異 ", S.differences, "件", weight="bold", size="4",
                            role="status", data_testid="ws-differences", margin_y="8px"),
                    rx.hstack(
                        count_box("一致", S.matched, "ws-matched"),
                        count_box("金額相違", S.different, "ws-different"),
                        count_box("依頼のみ", S.missing, "ws-missing"),
                        count_box("給与データのみ", S.extra, "ws-extra"),
                        spacing="3", wrap="wrap",
                    ),
                    rx.cond(
                        S.differences > 0,
                        rx.box(
                            rx.hstack(
                                rx.el.label("表示する差異", html_for="field-ws-kind"),
                                rx.el.select(
                                    *(rx.el.option(label, value=value)
                                      for value, label in KIND_CHOICES),
                                    id="field-ws-kind", value=S.kind_filter,
                                    on_change=S.filter_kind,
                                ),
                                align="center", spacing="2", margin_top="12px",
                            ),
                            pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
                                  test_id="ws-diff-count"),
                            rx.box(data_table(DIFF_COLUMNS, S.rows, label="照合結果の差異",
                                              row_actions=_diff_action),
                                   overflow_x="auto"),
                        ),
                    ),
                ),
            ),
        ),
    )


def _errors() -> rx.Component:
    return rx.cond(
        S.part_holds & (S.request_status == _RECEIVED),
        rx.box(
            rx.heading("入金中止にしていないエラーの明細", as_="h2", size="4", margin_y="8px"),
            rx.cond(
                S.error_rows.length() > 0,  # type: ignore[attr-defined]
                rx.box(data_table(ERROR_COLUMNS, S.error_rows, label="入金中止未設定のエラー明細",
                                  row_actions=_error_action), overflow_x="auto"),
                rx.text("ありません。", data_testid="ws-no-errors"),
            ),
        ),
    )


def _confirm() -> rx.Component:
    return rx.cond(
        S.part_confirm_change & (S.request_status == _RECEIVED),
        rx.box(
            rx.heading("まとめ入金確定", as_="h2", size="4", margin_y="8px"),
            apply_dialog(S, "確定", "まとめ入金確定",
                         "この内容でまとめ入金を確定します。よろしいですか？", S.confirm),
            margin_bottom="12px",
        ),
    )


def cycle_workspace_page() -> rx.Component:
    """今月の控除: one page, no navigation."""
    return signed_in_shell(
        TITLE,
        alert(S.alert_text),
        info(S.notice),
        _summary(),
        _outputs(),
        _reconcile(),
        _errors(),
        _confirm(),
        hold_dialog(S),
        rx.button("戻る", variant="outline", margin_top="16px",
                  on_click=rx.redirect(routes.INFO)),
    )
