"""The まとめ入金 screens' shared pieces (SPEC §11 RK-8, RK-9, RK-10; A.4, A.6), used by their
pages and by 今月の控除 (issue 14 item 1): the request choice, its figures, the warning about
error lines not held, the 入金中止 dialog and the 確定 / 確定解除 dialog. ``state`` is a state
class with ``state/rokin/remittance.RemitRequestMixin`` (and ``HoldDialogMixin`` for the
dialog)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app.components.form import alert, field_error, field_label, invalid
from chingin_app.components.request_picker import request_select
from chingin_app.components.table import table_root
from chingin_app.state.rokin.remittance import OTHER_REASON_LABEL


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


def unheld_warning(state: Any) -> rx.Component:
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


def hold_dialog(state: Any) -> rx.Component:
    """The 入金中止 dialog of a ``state/rokin/remittance.HoldDialogMixin`` state: the line,
    the 不能理由 choice, the typed reason for その他, 設定 / キャンセル (RK-8)."""
    H = state
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
                # Nothing chosen at first (issue 14 item 7): the user picks the reason. Not
                # bound to the state's value: a bound select snaps back to the old value until
                # the server answers, and 設定 pressed in that moment sent no reason. The dialog
                # mounts afresh on each opening, so each starts at 「選択してください」.
                rx.el.select(
                    rx.el.option("選択してください", value=""),
                    rx.foreach(H.reasons, lambda r: rx.el.option(r, value=r)),
                    id="field-reason_choice", name="reason_choice",
                    on_change=H.choose_reason, aria_required="true",
                    aria_invalid=invalid(H.errors.get("reason_choice", "")),
                    aria_describedby="field-reason_choice-error",
                    style={"minWidth": "200px", "marginBottom": "8px"},
                ),
                field_error(H.errors.get("reason_choice", ""), field_id="field-reason_choice"),
                # その他's own text only when その他 is chosen.
                rx.cond(
                    H.reason_choice == OTHER_REASON_LABEL,
                    rx.box(
                        field_label("入金中止理由（その他）", "field-reason_text", required=True),
                        rx.input(id="field-reason_text", name="reason_text",
                                 max_length=H.reason_max, aria_required="true",
                                 aria_invalid=invalid(H.errors.get("reason_text", "")),
                                 aria_describedby="field-reason_text-error"),
                        field_error(H.errors.get("reason_text", ""), field_id="field-reason_text"),
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


def apply_dialog(state: Any, label: str, title: str, question: str, on_yes: Any) -> rx.Component:
    """確定 / 確定解除 with the totals restated (R-PLUS-5: what will be applied, then はい);
    ``state`` re-reads the totals (``refresh``) as the dialog opens."""
    s = state.summary
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
            on_mount=state.refresh,
        ),
    )
