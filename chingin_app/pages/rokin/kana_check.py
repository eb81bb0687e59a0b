"""カナ氏名チェックリスト (R-PLUS-2): カナ氏名 the bank would reject or that differ from the
bank's registered kana, with the normalised form (A.1) and the reason."""

from __future__ import annotations

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.output_panel import excel_button
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.state.rokin.kana_check import RokinKanaCheckState as S

COLUMNS = tuple(Column(header, key) for header, key in (
    ("職員番号", "staff_no"), ("カナ氏名", "name_kana"), ("正規化後カナ", "normalised"),
    ("金庫登録カナ", "bank_kana"), ("漢字氏名", "name_kanji"), ("所属", "department"),
    ("商品", "product"), ("口座番号", "account_no"), ("区分", "kind"), ("理由", "reason"),
))


def rokin_kana_check_page() -> rx.Component:
    """R-PLUS-2: the group's active details to correct before the bank's check, 50 a page."""
    return signed_in_shell(
        "カナ氏名チェックリスト",
        alert(S.alert_text),
        rx.text(
            "金庫で使用できない文字を含むカナ氏名と、金庫に登録されたカナ氏名と異なるものの一覧です"
            "（どちらも正規化して比較）。職員情報照会・変更の「変更」で訂正できます。",
            size="2",
        ),
        rx.text(S.results_note, size="2", data_testid="kana-results-note"),
        pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn, test_id="kana-count",
              extra=[rx.button("CSV出力", on_click=S.export),
                     excel_button(S.export_excel),
                     rx.button("職員情報照会・変更へ", variant="outline",
                               on_click=rx.redirect(routes.ROKIN_EMPLOYEES)),
                     rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO))]),
        rx.box(data_table(COLUMNS, S.rows, label="カナ氏名チェックリスト"), overflow_x="auto"),
    )
