"""まとめ入金依頼入金中止設定 (RK-8), まとめ入金確定 / 確定解除 (RK-9), まとめ入金WEB更新依頼明細書
出力 (RK-10) — the rows of manual P.21–22 (SPEC §11, Appendix A.4, A.6)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, field_error, field_label, info, invalid
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.output_panel import output_panel
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.components.request_picker import request_select
from chingin_app.components.table import table_root
from chingin_app.state.rokin.remittance import OTHER_REASON_LABEL
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


def request_choice(state: Any) -> rx.Component:
    """控除依頼: the group's requests of the last cycles (only those the server offered)."""
    return rx.box(request_select(state), margin_bottom="12px")


def _fact(label: str, value: Any, test_id: str) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(label),
        rx.table.cell(value, data_testid=test_id),
    )


def request_summary(state: Any) -> rx.Component:
    """The chosen request's figures (A.6 まとめ入金依頼書)."""
    s = state.summary
    return rx.cond(
        state.request_id != "",
        table_root(
            rx.table.body(
                _fact("入金グループ", s["group"], "sum-group"),
                _fact("控除年月・支給区分", s["label"], "sum-label"),
                _fact("控除日", s["deduction_date"], "sum-deduction-date"),
                _fact("まとめ入金期限", s["deadline"], "sum-deadline"),
                _fact("入金日", s["remittance_date"], "sum-remittance-date"),
                _fact("依頼件数・金額", s["requested"], "sum-requested"),
                _fact("入金中止件数・金額", s["held"], "sum-held"),
                _fact("入金額合計", s["remitted"], "sum-remitted"),
                _fact("入金中止未設定のエラー明細", s["unheld_errors"] + " 件", "sum-unheld"),
                _fact("確定者・日時", s["confirmed_by"] + " " + s["confirmed_at"],
                      "sum-confirmed"),
            ),
            label="まとめ入金の内容", size="1", margin_bottom="12px",
        ),
    )


def _unheld_warning(state: Any) -> rx.Component:
    return rx.cond(
        (state.request_id != "") & (state.summary["unheld_errors"] != "0"),
        rx.callout(
            "控除依頼明細エラーの明細のうち " + state.summary["unheld_errors"].to(str)
            + " 件が入金中止に設定されていません。すべてのエラーの明細を入金中止に設定するまで、"
            "まとめ入金は確定できません。",
            color_scheme="amber", role="status", margin_bottom="12px",
            data_testid="unheld-warning",
        ),
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


def _hold_dialog() -> rx.Component:
    line = H.dialog_line
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("入金中止の設定"),
            rx.alert_dialog.description(
                "職員番号 ", line["staff_no"], " ", line["name_kana"], "　", line["product"],
                " ", line["account_no"], "　", line["amount"], " 円 を入金中止にします。"
                "不能理由を選んでください（一覧にない理由は「その他（入力）」を選んで入力）。",
            ),
            alert(H.alert_text),
            rx.form(
                field_label("不能理由", "field-reason_choice", required=True),
                # Nothing chosen at first (issue 14 item 7): the user picks the reason.
                rx.el.select(
                    rx.el.option("選択してください", value=""),
                    rx.foreach(H.reasons, lambda r: rx.el.option(r, value=r)),
                    id="field-reason_choice", name="reason_choice", value=H.reason_choice,
                    on_change=H.choose_reason, aria_required="true",
                    aria_invalid=invalid(H.errors.get("reason_choice", "")),
                    aria_describedby="field-reason_choice-error",
                    style={"minWidth": "200px", "marginBottom": "8px"},
                ),
                field_error(H.errors.get("reason_choice", ""),  # type: ignore[arg-type]
                            field_id="field-reason_choice"),
                # その他's own text only when その他 is chosen.
                rx.cond(
                    H.reason_choice == OTHER_REASON_LABEL,
                    rx.box(
                        field_label("入金中止理由（その他）", "field-reason_text", required=True),
                        rx.input(id="field-reason_text", name="reason_text",
                                 max_length=H.reason_max, aria_required="true",
                                 aria_invalid=invalid(H.errors.get("reason_text", "")),
                                 aria_describedby="field-reason_text-error"),
                        field_error(H.errors.get("reason_text", ""),  # type: ignore[arg-type]
                                    field_id="field-reason_text"),
                    ),
                ),
                rx.hstack(
                    rx.button("キャンセル", type="button", variant="soft", color_scheme="gray",
                              on_click=H.close_dialog),
                    rx.button("設定", type="submit", color_scheme="red"),
                    spacing="3", justify="end", margin_top="16px",
                ),
                on_submit=H.set_hold,
                reset_on_submit=False,
            ),
            max_width="560px",
        ),
        open=H.dialog_open,
    )


def remit_holds_page() -> rx.Component:
    """RK-8 まとめ入金依頼入金中止設定."""
    return signed_in_shell(
        "まとめ入金依頼入金中止設定",
        alert(H.alert_text),
        info(H.notice),
        request_choice(H),
        request_summary(H),
        _unheld_warning(H),
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
        _hold_dialog(),
    )


# ---------------------------------------------------------------------------- RK-9


def _apply_dialog(label: str, title: str, question: str, on_yes: Any) -> rx.Component:
    """確定 / 確定解除 with the totals restated (R-PLUS-5: what will be applied, then はい)."""
    s = C.summary
    return rx.alert_dialog.root(
        # The trigger's button has no handler of its own: Reflex wraps a trigger child with
        # on_click in a <div> that takes the trigger's ARIA (axe: aria-allowed-attr). The
        # totals are re-read when the dialog's content mounts, i.e. as it opens.
        rx.alert_dialog.trigger(rx.button(label, size="3")),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(
                rx.vstack(
                    rx.text("控除依頼：", s["label"]),
                    rx.text("依頼件数・金額：", s["requested"]),
                    rx.text("入金中止件数・金額：", s["held"]),
                    rx.text("入金額合計：", s["remitted"], weight="bold"),
                    rx.text("入金日：", s["remittance_date"]),
                    rx.text(question),
                    spacing="1",
                ),
            ),
            rx.hstack(
                rx.alert_dialog.action(rx.button("はい", on_click=on_yes)),
                rx.alert_dialog.cancel(rx.button("いいえ", variant="soft", color_scheme="gray")),
                spacing="3", justify="end", margin_top="16px",
            ),
            on_mount=C.refresh,
        ),
    )


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
        _unheld_warning(C),
        rx.unordered_list(*[rx.list_item(r) for r in _RULES], margin_bottom="12px"),
        rx.hstack(
            rx.cond(
                C.can_change & (C.request_status == "received"),
                _apply_dialog("確定", "まとめ入金確定",
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
                _apply_dialog("確定解除", "まとめ入金確定解除",
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
