"""RK-1 労金控除明細照会 (SPEC §11): search, the paged and sortable list, and from a row 追加登録,
変更, 解除 (with a confirmation) and 履歴."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, field_error, info, submit_button, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.pages.rokin_deduction.detail_fields import detail_fields, select_field
from chingin_app.state.rokin_deduction.detail_view import STATUS_CHOICES
from chingin_app.state.rokin_deduction.details import RokinDetailsState as S

COLUMNS = (
    Column("職員番号", "staff_no", sortable=True),
    Column("カナ氏名", "name_kana", sortable=True),
    Column("漢字氏名", "name_kanji"),
    Column("所属", "department", sortable=True),
    Column("商品", "product", sortable=True),
    Column("口座番号", "account_no", sortable=True),
    Column("月例額", "monthly_amount", numeric=True, sortable=True),
    Column("一時金額", "bonus_amount", numeric=True, sortable=True),
    Column("開始年月", "start_month", sortable=True),
    Column("終了年月", "end_month", sortable=True),
    Column("残回数", "remaining_count", numeric=True),
    Column("状態", "status", sortable=True),
)


def _err(name: str) -> Any:
    return S.errors.get(name, "")


def _search_form() -> rx.Component:
    status_id = "field-status"
    return rx.form(
        rx.hstack(
            text_field("職員番号", "staff_no", error=_err("staff_no"),
                       default_value=S.staff_no_filter, input_mode="numeric", max_length=10),
            text_field("カナ氏名", "name_kana", error=_err("name_kana"), max_length=40),
            text_field("所属", "department", error=_err("department"), max_length=20),
            rx.box(
                rx.el.label("状態", html_for=status_id,
                            style={"fontWeight": "bold", "display": "block"}),
                rx.el.select(*[rx.el.option(label, value=code) for code, label in STATUS_CHOICES],
                             id=status_id, name="status", style={"minHeight": "32px"}),
                margin_bottom="12px",
            ),
            select_field("商品", "product", S.products, blank="（すべて）"),
            rx.box(rx.button("検索", type="submit", size="3"), margin_bottom="12px"),
            align="end", wrap="wrap", spacing="3",
        ),
        on_submit=S.search,
        reset_on_submit=False,
    )


def _cancel_dialog(row: Any) -> rx.Component:
    who = row["staff_no"].to(str) + " " + row["product"].to(str)
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("解除", color_scheme="red", variant="outline", size="1",
                      aria_label="解除 " + who),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("労金控除明細の解除"),
            rx.alert_dialog.description(
                "職員番号 ", row["staff_no"], " ", row["name_kana"], " の ", row["product"],
                "（口座番号 ", row["account_no"], "）の控除を解除します。解除してよろしいですか？",
            ),
            rx.hstack(
                rx.alert_dialog.action(
                    rx.button("はい", color_scheme="red", on_click=S.cancel(row["id"])),  # type: ignore[operator]
                ),
                rx.alert_dialog.cancel(rx.button("いいえ", variant="soft", color_scheme="gray")),
                spacing="3", justify="end", margin_top="16px",
            ),
        ),
    )


def _row_actions(row: Any) -> rx.Component:
    who = row["staff_no"].to(str) + " " + row["product"].to(str)
    return rx.hstack(
        rx.cond(
            S.can_change,
            rx.fragment(
                rx.button("追加登録", variant="outline", size="1", aria_label="追加登録 " + who,
                          on_click=S.open_add(row["id"])),  # type: ignore[operator]
                rx.cond(
                    row["live"] == "1",
                    rx.fragment(
                        rx.button("変更", variant="outline", size="1", aria_label="変更 " + who,
                                  on_click=S.open_change(row["id"])),  # type: ignore[operator]
                        _cancel_dialog(row),
                    ),
                ),
            ),
        ),
        rx.cond(
            S.can_history,
            rx.link("履歴", href=routes.ROKIN_HISTORY + "?detail=" + row["id"].to(str),
                    aria_label="履歴 " + who, size="1"),
        ),
        spacing="2", wrap="nowrap",
    )


def _target_summary() -> rx.Component:
    t = S.target
    return rx.text(
        "職員番号 ", t["staff_no"], "　", t["name_kana"], "（", t["name_kanji"], "）　",
        t["department"], rx.cond(S.form_mode == "change", rx.fragment("　", t["product"])),
        data_testid="row-form-target",
    )


def _buttons(label: str) -> rx.Component:
    return rx.hstack(
        submit_button(label, busy=S.busy),
        rx.button("キャンセル", type="button", variant="outline", size="3",
                  on_click=S.close_form),
        spacing="3",
    )


def _row_form() -> rx.Component:
    """The 追加登録 or 変更 form for the chosen row."""
    adding = S.form_mode == "add"
    return rx.cond(
        S.form_mode != "",
        rx.box(
            rx.heading(rx.cond(adding, "追加登録", "変更"), as_="h2", size="4"),
            _target_summary(),
            rx.cond(adding,
                    rx.text("この職員の新しい商品の明細を登録します。", size="2"),
                    rx.text("変更する項目だけを入力してください。空欄の項目は変更しません。",
                            size="2")),
            rx.cond(
                adding,
                rx.form(
                    select_field("商品", "product_code", S.products, error=_err("product_code")),
                    detail_fields(S.errors),
                    _buttons("登録"),
                    on_submit=S.submit_add,
                    reset_on_submit=False,
                    key="add-" + S.target["id"].to(str),  # type: ignore[attr-defined]
                ),
                rx.form(
                    detail_fields(S.errors, current=S.target),
                    rx.hstack(
                        rx.el.input(type="checkbox", id="field-clear_end_month",
                                    name="clear_end_month", value="1"),
                        rx.el.label("終了年月を削除する（終了なしにする）",
                                    html_for="field-clear_end_month"),
                        spacing="2", margin_bottom="12px",
                    ),
                    _buttons("更新"),
                    on_submit=S.submit_change,
                    reset_on_submit=False,
                    key="change-" + S.target["id"].to(str),  # type: ignore[attr-defined]
                ),
            ),
            style={"border": "1px solid var(--gray-7)", "padding": "16px", "margin": "12px 0",
                   "borderRadius": "6px"},
            role="region", aria_label="明細の入力",
        ),
    )


def rokin_details_page() -> rx.Component:
    """RK-1: the payment group's details, 50 a page, sorted by a column header."""
    return signed_in_shell(
        "労金控除明細照会",
        alert(S.alert_text),
        info(S.notice),
        _search_form(),
        rx.cond(S.kana_hint != "",
                rx.text("カナ氏名 ", S.kana_hint, size="2", color="var(--blue-11)",
                        data_testid="kana-hint")),
        field_error(_err("sort"), field_id="sort"),
        _row_form(),
        pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
              test_id="detail-count",
              extra=[rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO))]),
        rx.box(
            data_table(COLUMNS, S.rows, label="労金控除明細", on_sort=S.sort,
                       row_actions=_row_actions),
            # One line per row; the box scrolls sideways on a narrow screen.
            overflow_x="auto", style={"& th, & td": {"whiteSpace": "nowrap"}},
        ),
    )
