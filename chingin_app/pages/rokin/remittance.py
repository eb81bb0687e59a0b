"""まとめ入金依頼入金中止設定 (RK-8), まとめ入金確定 / 確定解除 (RK-9), まとめ入金WEB更新依頼明細書
出力 (RK-10) — the rows of manual P.21–22 (SPEC §11, Appendix A.4, A.6)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, info
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.output_panel import output_panel
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.components.remittance import (
    apply_dialog,
    hold_dialog,
    request_choice,
    request_summary,
    unheld_warning,
)
from chingin_app.state.rokin.remittance import RemitHoldsState as H
from chingin_app.state.rokin.remittance_confirm import RemitConfirmState as C
from chingin_app.state.rokin.remittance_confirm import WebStatementState as W

_LABEL = {"display": "block", "fontWeight": "bold"}

HOLD_COLUMNS = (
    Column("所属", "department"), Column("職員番号", "staff_no"), Column("カナ氏名", "name_kana"),
    Column("漢字氏名", "name_kanji"), Column("商品", "product"), Column("口座番号", "account_no"),
    Column("金額", "amount", numeric=True), Column("異動区分", "change_kind"),
    Column("明細エラー", "error"), Column("入金中止", "hold"), Column("入金中止理由", "reason"),
)


# ---------------------------------------------------------------------------- RK-8


def _filter_field(label: str, name: str, value: Any, width: str = "140px") -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=f"field-{name}", style=_LABEL),
        rx.input(id=f"field-{name}", name=name, default_value=value, width=width),
    )


def _check(label: str, name: str) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, id=f"field-{name}"), " ", label,
        html_for=f"field-{name}",
    )


def _hold_actions(row: Any) -> rx.Component:
    who = row["staff_no"].to(str) + " " + row["account_no"].to(str)
    return rx.cond(
        H.can_change & H.open_for_change,
        rx.hstack(
            rx.cond(row["can_hold"] == "1",
                    rx.button("入金中止", size="1", variant="outline", color_scheme="red",
                              aria_label="入金中止 " + who,
                              on_click=H.open_hold(row["id"]))),  # type: ignore[operator]
            rx.cond(row["can_clear"] == "1",
                    rx.button("解除", size="1", variant="outline",
                              aria_label="解除 " + who,
                              on_click=H.clear_hold(row["id"]))),  # type: ignore[operator]
            spacing="2",
        ),
    )


def remit_holds_page() -> rx.Component:
    """RK-8 まとめ入金依頼入金中止設定."""
    return signed_in_shell(
        "まとめ入金依頼入金中止設定",
        alert(H.alert_text),
        info(H.notice),
        request_choice(H),
        request_summary(H),
        unheld_warning(H),
        rx.cond(
            (H.request_id != "") & ~H.open_for_change,
            rx.callout("この控除依頼は確定済みか、まとめ入金期限を過ぎているため、入金中止は変更できません。",
                       color_scheme="gray", role="status", margin_bottom="12px"),
        ),
        rx.form(
            rx.hstack(
                _filter_field("職員番号", "staff_no", H.f_staff_no),
                _filter_field("カナ氏名", "name_kana", H.f_name_kana, "180px"),
                _filter_field("漢字氏名", "name_kanji", H.f_name_kanji, "160px"),  # R-PLUS-8
                _filter_field("所属", "department", H.f_department, "160px"),
                rx.vstack(_check("エラーの明細のみ", "errors_only"),
                          _check("入金中止の明細のみ", "held_only"), spacing="1"),
                rx.button("検索", type="submit", size="3"),
                align="end", wrap="wrap", spacing="4",
            ),
            on_submit=H.search,
            reset_on_submit=False,
        ),
        pager(total=H.total, page=H.page, pages=H.pages, on_turn=H.turn, test_id="hold-count",
              extra=[rx.button("まとめ入金確定へ", variant="outline",
                               on_click=rx.redirect(routes.ROKIN_REMIT_CONFIRM))]),
        data_table(HOLD_COLUMNS, H.rows, label="依頼明細", row_actions=_hold_actions),
        hold_dialog(H),
    )


# ---------------------------------------------------------------------------- RK-9


_RULES = (
    "まとめ入金は、入金額合計 ＝ 依頼金額 － 入金中止金額 で確定します。",
    "控除依頼明細エラーの明細は、すべて入金中止に設定してから確定してください。",
    "確定と確定の取消しは、まとめ入金期限の日の24時（日本時間）までできます。",
    "確定すると入金中止の設定は変更できません。変更するときは、先に確定を取り消してください。",
)


def _outputs() -> rx.Component:
    return rx.cond(
        (C.request_status == "confirmed") | (C.request_status == "results"),
        rx.box(
            rx.heading("帳票出力", as_="h2", size="4", margin_y="8px"),
            rx.hstack(
                rx.button("まとめ入金依頼書", variant="outline", on_click=C.print_request_form,
                          disabled=C.output_running),
                rx.button("まとめ入金更新明細書(Web依頼済)", variant="outline",
                          on_click=C.print_statement, disabled=C.output_running),
                spacing="3", wrap="wrap",
            ),
            output_panel(C),
        ),
    )


def remit_confirm_page() -> rx.Component:
    """RK-9 まとめ入金確定."""
    return signed_in_shell(
        "まとめ入金確定",
        alert(C.alert_text),
        info(C.notice),
        request_choice(C),
        request_summary(C),
        unheld_warning(C),
        rx.unordered_list(*[rx.list_item(r) for r in _RULES], margin_bottom="12px"),
        rx.hstack(
            rx.cond(
                C.can_change & (C.request_status == "received"),
                apply_dialog(C, "確定", "まとめ入金確定",
                              "この内容でまとめ入金を確定します。よろしいですか？", C.confirm),
            ),
            rx.button("入金中止設定へ", variant="outline",
                      on_click=rx.redirect(routes.ROKIN_REMIT_HOLDS)),
            # R-PLUS-1: compare with the payroll's own deductions before confirming.
            rx.cond((C.request_status == "received") & C.can_reconcile,
                    rx.button("給与控除データ照合へ", variant="outline",
                              on_click=rx.redirect(routes.ROKIN_RECONCILIATION))),
            rx.cond(C.request_status == "confirmed",
                    rx.button("確定解除へ", variant="outline",
                              on_click=rx.redirect(routes.ROKIN_REMIT_UNCONFIRM))),
            spacing="3", margin_bottom="12px",
        ),
        _outputs(),
    )


def remit_undo_page() -> rx.Component:
    """RK-9 まとめ入金確定解除 (its own menu, R-USER-7a)."""
    return signed_in_shell(
        "まとめ入金確定解除",
        alert(C.alert_text),
        info(C.notice),
        request_choice(C),
        request_summary(C),
        rx.text("確定の取消しは、まとめ入金期限の日の24時（日本時間）までできます。",
                margin_bottom="12px"),
        rx.hstack(
            rx.cond(
                C.can_change & (C.request_status == "confirmed"),
                apply_dialog(C, "確定解除", "まとめ入金確定解除",
                              "まとめ入金の確定を取り消します。よろしいですか？", C.undo),
            ),
            rx.button("まとめ入金確定へ", variant="outline",
                      on_click=rx.redirect(routes.ROKIN_REMIT_CONFIRM)),
            spacing="3", margin_bottom="12px",
        ),
    )


# ---------------------------------------------------------------------------- RK-10


def web_statement_page() -> rx.Component:
    """RK-10 まとめ入金WEB更新依頼明細書出力."""
    return signed_in_shell(
        "まとめ入金WEB更新依頼明細書出力",
        alert(W.alert_text),
        info(W.notice),
        request_choice(W),
        request_summary(W),
        rx.cond(
            W.request_id != "",
            rx.button("出力", size="3", on_click=W.print_statement, disabled=W.output_running),
        ),
        output_panel(W),
    )
