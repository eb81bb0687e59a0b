"""RL-9 賃控元帳明細データエクスポート and RL-10 賃控元帳明細データインポート (SPEC §11, A.2,
R-PLUS-5): the CSV out; the edited CSV in, previewed (新規 / 変更 / 解除 / 変更なし, 「変換」,
errors by row and column) and applied only on confirmation."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.confirm_apply import confirm_apply, count_box
from chingin_app.components.csv_upload import csv_upload
from chingin_app.components.form import alert, info
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.output_panel import excel_button, output_panel
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.components.request_picker import encoding_select
from chingin_app.services.ledger.transfer import HEADER, MAX_BYTES
from chingin_app.state.ledger.transfer import KIND_CHOICES, UPLOAD_ID
from chingin_app.state.ledger.transfer import LedgerExportState as E
from chingin_app.state.ledger.transfer import LedgerImportState as S

COLUMNS = (
    Column("行", "row", numeric=True), Column("区分", "kind_label"),
    Column("明細ID", "detail_id"), Column("職員番号", "staff_no"),
    Column("カナ氏名", "name_kana"), Column("種目", "item"),
    Column("月例額", "monthly_amount", numeric=True),
    Column("一時金額", "bonus_amount", numeric=True),
    Column("開始年月", "start_month"), Column("終了年月", "end_month"),
)


def ledger_export_page() -> rx.Component:
    """RL-9: 文字コード, CSV出力 or Excel出力, then ダウンロード."""
    return signed_in_shell(
        "賃控元帳明細データエクスポート",
        alert(E.alert_text),
        rx.text("選択中の入金グループの賃控元帳明細をCSVファイルに出力します。列："
                + "・".join(HEADER), size="2", margin_bottom="12px"),
        encoding_select(E),
        rx.hstack(
            rx.button("CSV出力", size="3", disabled=E.output_running, on_click=E.make_output),
            excel_button(E.make_excel, size="3", disabled=E.output_running),
            spacing="3", margin_top="12px",
        ),
        output_panel(E),
    )


def _upload() -> rx.Component:
    return csv_upload(
        title="賃控元帳明細データ（CSV）", upload_id=UPLOAD_ID, max_bytes=MAX_BYTES,
        note=("賃控元帳明細データエクスポートのCSV（Shift_JIS または UTF-8）を編集して"
              "読み込みます。明細IDが空欄の行は新しい明細になります。読み込んだ内容を確認してから「適用」で"
              "取り込みます。カナ氏名・漢字氏名・所属・種目名は参照用で、取り込みません"
              "（職員の氏名・所属は「職員情報照会・変更」で変更します）。"),
        button="読込", on_read=S.read_file, busy=S.busy,
    )


def _preview() -> rx.Component:
    return rx.cond(
        S.shown,
        rx.box(
            rx.text("読み込んだファイル：", S.file_name, "　", S.read_note, size="2",
                    data_testid="import-file"),
            rx.hstack(
                count_box("新規", S.new_count, "import-new"),
                count_box("変更", S.changed_count, "import-changed"),
                count_box("解除", S.cancelled_count, "import-cancelled"),
                count_box("変更なし", S.unchanged_count, "import-unchanged"),
                spacing="3", wrap="wrap", margin_y="8px",
            ),
            rx.text("変更 ", S.changed_count, "件", weight="bold", role="status",
                    data_testid="import-summary"),
            rx.cond(
                S.conversions.length() > 0,  # type: ignore[attr-defined]
                rx.el.ul(rx.foreach(S.conversions, lambda c: rx.el.li(c)),
                         aria_label="変換した文字", data_testid="import-conversions"),
            ),
            rx.cond(
                S.employee_notes.length() > 0,  # type: ignore[attr-defined]
                rx.el.ul(rx.foreach(S.employee_notes, lambda c: rx.el.li(c)),
                         aria_label="取り込まない職員情報", data_testid="import-employee-notes"),
            ),
            rx.hstack(
                rx.el.label("表示する行", html_for="field-kind"),
                rx.el.select(
                    *(rx.el.option(label, value=value) for value, label in KIND_CHOICES),
                    id="field-kind", value=S.kind_filter, on_change=S.filter_kind,
                ),
                align="center", spacing="2", margin_top="12px",
            ),
            pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
                  test_id="import-count"),
            rx.box(data_table(COLUMNS, S.rows, label="取り込む内容"), overflow_x="auto"),
            rx.hstack(
                rx.cond(
                    S.can_change,
                    confirm_apply(
                        title="賃控元帳明細データの取り込み",
                        description=rx.text("新規 ", S.new_count, "件・変更 ", S.changed_count,
                                            "件・解除 ", S.cancelled_count,
                                            "件を取り込みます。よろしいですか？"),
                        on_confirm=S.apply, disabled=S.apply_count == 0,
                    ),
                ),
                rx.button("やり直す", variant="outline", size="3", on_click=S.cancel_preview),
                spacing="3", margin_top="12px",
            ),
        ),
    )


def ledger_import_page() -> rx.Component:
    """RL-10: the upload, the file's errors or its preview, and 適用."""
    return signed_in_shell(
        "賃控元帳明細データインポート",
        alert(S.alert_text),
        info(S.notice),
        rx.cond(
            S.file_errors.length() > 0,  # type: ignore[attr-defined]
            rx.el.ul(
                rx.foreach(S.file_errors, lambda e: rx.el.li(e)),
                aria_label="CSVファイルの誤り", data_testid="import-errors",
                style={"color": "var(--red-11)", "marginBottom": "12px"},
            ),
        ),
        _upload(),
        _preview(),
    )
