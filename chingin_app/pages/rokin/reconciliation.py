"""給与控除データ照合 (R-PLUS-1, R-PLUS-5): upload the organisation's payroll deduction CSV and see
every difference against the bank's current request before まとめ入金確定 (RK-9)."""

from __future__ import annotations

import reflex as rx

from chingin_app import routes
from chingin_app.components.confirm_apply import count_box
from chingin_app.components.csv_upload import csv_upload
from chingin_app.components.form import alert, info
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.services.rokin.reconciliation import MAX_BYTES
from chingin_app.state.rokin.reconciliation import KIND_CHOICES, UPLOAD_ID
from chingin_app.state.rokin.reconciliation import RokinReconciliationState as S

COLUMNS = (
    Column("区分", "kind_label"), Column("職員番号", "staff_no"), Column("氏名", "name"),
    Column("所属", "department"), Column("商品コード", "product_code"),
    Column("口座番号", "account_no"), Column("依頼額", "requested", numeric=True),
    Column("給与データ", "payroll", numeric=True), Column("差額", "gap", numeric=True),
    Column("CSV行", "row", numeric=True), Column("備考", "note"),
)


def _upload() -> rx.Component:
    return csv_upload(
        title="給与控除データ（CSV）", upload_id=UPLOAD_ID, max_bytes=MAX_BYTES,
        note=("労金控除依頼データエクスポートの形式のまま、または見出し「職員番号」「商品コード」"
              "「口座番号」「控除額」のある（ほかの列は読み飛ばします）CSV（Shift_JIS または"
              " UTF-8）を読み込めます。先頭の0が消えたコードは控除依頼の桁数に補って照合します。"
              "照合は確認のためだけのもので、控除依頼は変更しません。"),
        button="照合", on_read=S.reconcile, busy=S.busy, disabled=~S.has_request,
    )


def _result() -> rx.Component:
    return rx.cond(
        S.shown,
        rx.box(
            rx.text("照合したファイル：", S.file_name, "　", S.read_note, size="2",
                    data_testid="recon-file"),
            rx.box(info(S.zeros_note), data_testid="recon-zeros"),
            rx.text("差異 ", S.differences, "件", weight="bold", size="4", role="status",
                    data_testid="recon-differences", margin_y="8px"),
            rx.hstack(
                count_box("一致", S.matched, "recon-matched"),
                count_box("金額相違", S.different, "recon-different"),
                count_box("依頼のみ", S.missing, "recon-missing"),
                count_box("給与データのみ", S.extra, "recon-extra"),
                spacing="3", wrap="wrap",
            ),
            rx.hstack(
                rx.el.label("表示する差異", html_for="field-kind"),
                rx.el.select(
                    *(rx.el.option(label, value=value) for value, label in KIND_CHOICES),
                    id="field-kind", value=S.kind_filter, on_change=S.filter_kind,
                ),
                align="center", spacing="2", margin_top="12px",
            ),
            pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
                  test_id="recon-count"),
            rx.box(data_table(COLUMNS, S.rows, label="照合結果の差異"), overflow_x="auto"),
        ),
    )


def rokin_reconciliation_page() -> rx.Component:
    """R-PLUS-1: the request compared with, the upload, the counts and the differences."""
    return signed_in_shell(
        "給与控除データ照合",
        alert(S.alert_text),
        rx.cond(
            S.file_errors.length() > 0,  # type: ignore[attr-defined]
            rx.el.ul(
                rx.foreach(S.file_errors, lambda e: rx.el.li(e)),
                aria_label="CSVファイルの誤り", data_testid="recon-errors",
                style={"color": "var(--red-11)", "marginBottom": "12px"},
            ),
        ),
        rx.cond(
            S.has_request,
            rx.text("照合する控除依頼：", S.request_text, data_testid="recon-request",
                    margin_bottom="12px"),
        ),
        _upload(),
        _result(),
        rx.hstack(
            rx.button("まとめ入金確定へ", variant="outline",
                      on_click=rx.redirect(routes.ROKIN_REMIT_CONFIRM)),
            rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO)),
            spacing="3", margin_top="16px",
        ),
    )
