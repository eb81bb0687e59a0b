"""RK-12 職員情報照会・変更 (SPEC §11): search by 職員番号, カナ氏名, 漢字氏名 and 所属, the
employees in kana order (50 a page), and from a row 変更 (所属・漢字氏名・カナ氏名 with the
history) and 退職 (確認 lists every 労金控除明細 and 賃控元帳明細 that would end, 退職を登録
after a confirmation)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.confirm_apply import confirm_apply
from chingin_app.components.detail_fields import checked_field
from chingin_app.components.form import alert, info, submit_button, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.state.rokin.employees import RokinEmployeesState

#: The state as the components take it (its vars and handlers are typed loosely by Reflex).
S: Any = RokinEmployeesState

TITLE = "職員情報照会・変更"

COLUMNS = (
    Column("職員番号", "staff_no"),
    Column("カナ氏名", "name_kana"),
    Column("漢字氏名", "name_kanji"),
    Column("所属", "department"),
    Column("労金控除明細", "rokin_active", numeric=True),
    Column("賃控元帳明細", "ledger_active", numeric=True),
)
HISTORY_COLUMNS = (
    Column("日時", "changed_at"), Column("ユーザー", "actor"), Column("操作", "action"),
    Column("変更内容", "changes"),
)
PREVIEW_COLUMNS = (
    Column("明細", "kind"), Column("商品・種目", "what"),
    Column("月例額", "monthly_amount", numeric=True),
    Column("一時金額", "bonus_amount", numeric=True),
    Column("開始年月", "start_month"), Column("終了年月（現在）", "end_month"),
    Column("退職後", "outcome"), Column("終了年月（退職後）", "new_end_month"),
)


def _search_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            text_field("職員番号", "staff_no", error=S.errors.get("staff_no", ""),
                       default_value=S.staff_no_filter, input_mode="numeric", max_length=10),
            text_field("カナ氏名", "name_kana", error=S.errors.get("name_kana", ""),
                       max_length=40),
            text_field("漢字氏名", "name_kanji", max_length=20),
            text_field("所属", "department", max_length=20),
            rx.box(rx.button("検索", type="submit", size="3"), margin_bottom="12px"),
            align="end", wrap="wrap", spacing="3",
        ),
        on_submit=S.search,
        reset_on_submit=False,
    )


def _row_actions(row: Any) -> rx.Component:
    who = row["staff_no"].to(str) + " " + row["name_kana"].to(str)
    return rx.cond(
        S.can_change,
        rx.hstack(
            rx.button("変更", variant="outline", size="1", aria_label="変更 " + who,
                      on_click=S.open_change(row["id"])),
            rx.button("退職", variant="outline", color_scheme="red", size="1",
                      aria_label="退職 " + who, on_click=S.open_retire(row["id"])),
            spacing="2", wrap="nowrap",
        ),
    )


def _cancel_button() -> rx.Component:
    return rx.button("キャンセル", type="button", variant="outline", size="3",
                     on_click=S.close_form)


def _change_form() -> rx.Component:
    t = S.target
    return rx.form(
        rx.text("変更する項目だけを入力してください。空欄の項目は変更しません。", size="2"),
        checked_field("新しいカナ氏名", "new_name_kana", on_blur=S.check_kana,
                      error=S.errors.get("new_name_kana", ""), hint=S.change_kana_hint,
                      max_length=40),
        rx.text("現在：", t["name_kana"], size="1", margin_top="-8px", margin_bottom="8px"),
        text_field("新しい漢字氏名", "new_name_kanji", error=S.errors.get("new_name_kanji", ""),
                   max_length=20),
        rx.text("現在：", t["name_kanji"], size="1", margin_top="-8px", margin_bottom="8px"),
        text_field("新しい所属", "new_department", error=S.errors.get("new_department", ""),
                   max_length=20),
        rx.text("現在：", t["department"], size="1", margin_top="-8px", margin_bottom="8px"),
        rx.hstack(submit_button("更新", busy=S.busy), _cancel_button(), spacing="3"),
        on_submit=S.submit_change,
        reset_on_submit=False,
        key="change-" + t["id"].to(str),
    )


def _retire_form() -> rx.Component:
    t = S.target
    return rx.box(
        rx.text("退職する年月を入力して「確認」を押してください。その月を最後に、この職員の"
                "労金控除明細と賃控元帳明細がすべて終了します（その月より後に始まる明細は解除"
                "します）。", size="2"),
        rx.form(
            rx.hstack(
                text_field("退職年月（例：2026-04）", "retire_month",
                           error=S.errors.get("retire_month", ""), max_length=7),
                rx.box(rx.button("確認", type="submit", size="3"), margin_bottom="12px"),
                _cancel_button(),
                align="end", spacing="3", wrap="wrap",
            ),
            on_submit=S.preview_retire,
            reset_on_submit=False,
            key="retire-" + t["id"].to(str),
        ),
        rx.cond(
            S.preview_lines.length() > 0,  # type: ignore[attr-defined]
            rx.box(
                info(S.preview_text),
                rx.box(data_table(PREVIEW_COLUMNS, S.preview_lines, label="退職で終了する明細"),
                       overflow_x="auto"),
                rx.box(confirm_apply(
                    title="退職の登録",
                    description="表示された明細をすべて終了します。よろしいですか？",
                    on_confirm=S.apply_retire, label="退職を登録"), margin_top="12px"),
                data_testid="retire-preview",
            ),
        ),
    )


def _form_region() -> rx.Component:
    t = S.target
    return rx.cond(
        S.form_mode != "",
        rx.box(
            rx.heading(rx.cond(S.form_mode == "change", "変更", "退職"), as_="h2", size="4"),
            rx.text("職員番号 ", t["staff_no"], "　", t["name_kana"], "（", t["name_kanji"], "）　",
                    t["department"], data_testid="employee-form-target"),
            rx.cond(S.form_mode == "change", _change_form(), _retire_form()),
            rx.cond(
                S.history.length() > 0,  # type: ignore[attr-defined]
                rx.box(rx.heading("変更履歴", as_="h3", size="3", margin_top="12px"),
                       data_table(HISTORY_COLUMNS, S.history, label="職員情報の変更履歴")),
            ),
            style={"border": "1px solid var(--gray-7)", "padding": "16px", "margin": "12px 0",
                   "borderRadius": "6px"},
            role="region", aria_label="職員情報の入力",
        ),
    )


def rokin_employees_page() -> rx.Component:
    """RK-12: the payment group's employees, 50 a page, kana order."""
    return signed_in_shell(
        TITLE,
        alert(S.alert_text),
        info(S.notice),
        _search_form(),
        rx.cond(S.kana_hint != "",
                rx.text("カナ氏名 ", S.kana_hint, size="2", color="var(--blue-11)",
                        data_testid="kana-hint")),
        _form_region(),
        pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
              test_id="employee-count",
              extra=[rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO))]),
        rx.box(
            data_table(COLUMNS, S.rows, label="職員", row_actions=_row_actions),
            overflow_x="auto", style={"& th, & td": {"whiteSpace": "nowrap"}},
        ),
    )
