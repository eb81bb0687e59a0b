"""The page of a list screen of per-employee details (RK-1 労金控除明細照会, RL-1 賃控元帳明細照会;
SPEC §11): search, the paged and sortable list, and from a row 追加登録 (RK-1) or 照会 (RL-1),
変更, 解除 (with a confirmation) and 履歴. The state is a ``state/detail_list.py``
DetailListMixin screen; the columns, the 商品 / 種目 filter and the detail's own fields come
from the page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, field_error, info, submit_button, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.state.detail_fields import STATUS_CHOICES


def status_select() -> rx.Component:
    """The search form's 状態 select."""
    status_id = "field-status"
    return rx.box(
        rx.el.label("状態", html_for=status_id, style={"fontWeight": "bold", "display": "block"}),
        rx.el.select(*[rx.el.option(label, value=code) for code, label in STATUS_CHOICES],
                     id=status_id, name="status", style={"minHeight": "32px"}),
        margin_bottom="12px",
    )


def _search_form(s: Any, filters: Sequence[rx.Component]) -> rx.Component:
    return rx.form(
        rx.hstack(
            text_field("職員番号", "staff_no", error=s.errors.get("staff_no", ""),
                       default_value=s.staff_no_filter, input_mode="numeric", max_length=10),
            text_field("カナ氏名", "name_kana", error=s.errors.get("name_kana", ""),
                       max_length=40),
            text_field("漢字氏名", "name_kanji", max_length=20),  # R-PLUS-8
            text_field("所属", "department", error=s.errors.get("department", ""),
                       max_length=20),
            *filters,
            rx.box(rx.button("検索", type="submit", size="3"), margin_bottom="12px"),
            align="end", wrap="wrap", spacing="3",
        ),
        on_submit=s.search,
        reset_on_submit=False,
    )


def _cancel_dialog(s: Any, row: Any, *, noun: str, what_key: str,
                   cancel_tail: Callable[[Any], Sequence[Any]]) -> rx.Component:
    who = row["staff_no"].to(str) + " " + row[what_key].to(str)
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("解除", color_scheme="red", variant="outline", size="1",
                      aria_label="解除 " + who),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(f"{noun}の解除"),
            rx.alert_dialog.description(
                "職員番号 ", row["staff_no"], " ", row["name_kana"], " の ", row[what_key],
                *cancel_tail(row),
            ),
            rx.hstack(
                rx.alert_dialog.action(
                    rx.button("はい", color_scheme="red", on_click=s.cancel(row["id"])),
                ),
                rx.alert_dialog.cancel(rx.button("いいえ", variant="soft", color_scheme="gray")),
                spacing="3", justify="end", margin_top="16px",
            ),
        ),
    )


def _row_actions(s: Any, row: Any, *, what_key: str, history_route: str,
                 dialog: Callable[[Any], rx.Component], adds: bool) -> rx.Component:
    who = row["staff_no"].to(str) + " " + row[what_key].to(str)
    first: list[rx.Component] = (
        [] if adds else [rx.button("照会", variant="outline", size="1", aria_label="照会 " + who,
                                   on_click=s.open_view(row["id"]))]
    )
    add: list[rx.Component] = (
        [rx.button("追加登録", variant="outline", size="1", aria_label="追加登録 " + who,
                   on_click=s.open_add(row["id"]))] if adds else []
    )
    return rx.hstack(
        *first,
        rx.cond(
            s.can_change,
            rx.fragment(
                *add,
                rx.cond(
                    row["live"] == "1",
                    rx.fragment(
                        rx.button("変更", variant="outline", size="1", aria_label="変更 " + who,
                                  on_click=s.open_change(row["id"])),
                        dialog(row),
                    ),
                ),
            ),
        ),
        rx.cond(
            s.can_history,
            rx.link("履歴", href=history_route + "?detail=" + row["id"].to(str),
                    aria_label="履歴 " + who, size="1"),
        ),
        spacing="2", wrap="nowrap",
    )


def _buttons(s: Any, label: str) -> rx.Component:
    return rx.hstack(
        submit_button(label, busy=s.busy),
        rx.button("キャンセル", type="button", variant="outline", size="3",
                  on_click=s.close_form),
        spacing="3",
    )


def _row_view(s: Any, columns: Sequence[Column]) -> rx.Component:
    """照会: the chosen row's detail, read-only, as it is now."""
    return rx.box(
        rx.heading("照会", as_="h2", size="4"),
        rx.data_list.root(
            *[rx.data_list.item(rx.data_list.label(c.header),
                                rx.data_list.value(s.target[c.key]))
              for c in columns],
        ),
        rx.button("閉じる", type="button", variant="outline", size="2", margin_top="12px",
                  on_click=s.close_form),
        style={"border": "1px solid var(--gray-7)", "padding": "16px", "margin": "12px 0",
               "borderRadius": "6px"},
        role="region", aria_label="明細の照会",
    )


def _row_form(s: Any, *, what_key: str, what_label: str, add_fields: Sequence[rx.Component],
              change_fields: rx.Component) -> rx.Component:
    """The 追加登録 or 変更 form for the chosen row."""
    adding = s.form_mode == "add"
    t = s.target
    return rx.cond(
        (s.form_mode == "add") | (s.form_mode == "change"),
        rx.box(
            rx.heading(rx.cond(adding, "追加登録", "変更"), as_="h2", size="4"),
            rx.text("職員番号 ", t["staff_no"], "　", t["name_kana"], "（", t["name_kanji"], "）　",
                    t["department"],
                    rx.cond(s.form_mode == "change", rx.fragment("　", t[what_key])),
                    data_testid="row-form-target"),
            rx.cond(adding,
                    rx.text(f"この職員の新しい{what_label}の明細を登録します。", size="2"),
                    rx.text("変更する項目だけを入力してください。空欄の項目は変更しません。",
                            size="2")),
            rx.cond(
                adding,
                rx.form(
                    *add_fields,
                    _buttons(s, "登録"),
                    on_submit=s.submit_add,
                    reset_on_submit=False,
                    key="add-" + t["id"].to(str),
                ),
                rx.form(
                    change_fields,
                    rx.hstack(
                        rx.el.input(type="checkbox", id="field-clear_end_month",
                                    name="clear_end_month", value="1"),
                        rx.el.label("終了年月を削除する（終了なしにする）",
                                    html_for="field-clear_end_month"),
                        spacing="2", margin_bottom="12px",
                    ),
                    _buttons(s, "更新"),
                    on_submit=s.submit_change,
                    reset_on_submit=False,
                    key="change-" + t["id"].to(str),
                ),
            ),
            style={"border": "1px solid var(--gray-7)", "padding": "16px", "margin": "12px 0",
                   "borderRadius": "6px"},
            role="region", aria_label="明細の入力",
        ),
    )


def detail_list_page(
    state: Any, *, title: str, noun: str, columns: Sequence[Column], what_key: str,
    what_label: str, filters: Sequence[rx.Component], add_fields: Sequence[rx.Component],
    change_fields: rx.Component, history_route: str,
    cancel_tail: Callable[[Any], Sequence[Any]], adds: bool = True,
) -> rx.Component:
    """The screen ``title`` of ``state`` (details called ``noun``): ``filters`` follow 所属 in
    the search form (``status_select()`` and the 商品 / 種目 select); ``what_key``/
    ``what_label`` are the row's 商品 / 種目; ``add_fields``/``change_fields`` the row forms'
    fields; ``cancel_tail`` the 解除 question after 「職員番号 … の <what>」. ``adds``: the
    rows offer 追加登録 (RK-1); otherwise 照会 (RL-1: 照会・変更・解除, manual P.22)."""
    s = state

    def dialog(row: Any) -> rx.Component:
        return _cancel_dialog(s, row, noun=noun, what_key=what_key, cancel_tail=cancel_tail)

    def actions(row: Any) -> rx.Component:
        return _row_actions(s, row, what_key=what_key, history_route=history_route,
                            dialog=dialog, adds=adds)

    return signed_in_shell(
        title,
        alert(s.alert_text),
        info(s.notice),
        _search_form(s, filters),
        rx.cond(s.kana_hint != "",
                rx.text("カナ氏名 ", s.kana_hint, size="2", color="var(--blue-11)",
                        data_testid="kana-hint")),
        field_error(s.errors.get("sort", ""), field_id="sort"),
        rx.cond(s.form_mode == "view", _row_view(s, columns)),
        _row_form(s, what_key=what_key, what_label=what_label, add_fields=add_fields,
                  change_fields=change_fields),
        pager(total=s.total, page=s.page, pages=s.pages, on_turn=s.turn,
              test_id="detail-count",
              extra=[rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO))]),
        rx.box(
            data_table(columns, s.rows, label=noun, on_sort=s.sort, row_actions=actions),
            # One line per row; the box scrolls sideways on a narrow screen.
            overflow_x="auto", style={"& th, & td": {"whiteSpace": "nowrap"}},
            tab_index=0,  # scrollable by keyboard too
        ),
    )
