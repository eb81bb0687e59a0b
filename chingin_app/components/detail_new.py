"""The page of a 新規登録 screen of per-employee details (RK-2 労金控除明細新規登録, RL-2
賃控元帳明細新規登録; SPEC §11; カナ氏名 checked on entry, R-PLUS-2 / A.1): a new employee with
the first detail, or another detail of a registered one. The state is a
``state/detail_new.py`` DetailNewMixin screen; the detail's own fields come from the page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.detail_fields import checked_field
from chingin_app.components.form import alert, info, submit_button, text_field
from chingin_app.components.layout import signed_in_shell


def _employee_fields(n: Any) -> rx.Component:
    """The name fields of a new employee, or who the 職員番号 already is."""
    e = n.existing

    def err(name: str) -> Any:
        return n.errors.get(name, "")

    return rx.cond(
        n.existing.length() > 0,
        rx.callout(
            rx.text("登録済みの職員です：", e["name_kana"], "（", e["name_kanji"], "）　",
                    e["department"], "。この職員に明細を追加します。"),
            color_scheme="blue", role="status", margin_bottom="12px",
            data_testid="existing-employee",
        ),
        rx.fragment(
            checked_field("カナ氏名", "name_kana", on_blur=n.check_kana, error=err("name_kana"),
                          hint=n.kana_hint, max_length=40, required=True,
                          note="ひらがな・全角カナでも入力でき、金庫の半角カナに直して登録します。"),
            text_field("漢字氏名", "name_kanji", error=err("name_kanji"), max_length=20),
            text_field("所属", "department", error=err("department"), max_length=20),
        ),
    )


def _form(n: Any, detail_fields: tuple[rx.Component, ...]) -> rx.Component:
    return rx.form(
        checked_field("職員番号（半角数字10桁以内）", "staff_no", on_blur=n.look_up,
                      error=n.errors.get("staff_no", ""), max_length=10, required=True,
                      note="入力すると、登録済みの職員かどうかを確認します。"),
        _employee_fields(n),
        *detail_fields,
        rx.hstack(
            submit_button("登録", busy=n.busy),
            rx.button("戻る", type="button", variant="outline", size="3",
                      on_click=rx.redirect(routes.INFO)),
            spacing="3",
        ),
        on_submit=n.submit,
        reset_on_submit=False,
    )


def _done(n: Any, list_title: str) -> rx.Component:
    return rx.box(
        info(n.done_text),
        rx.hstack(
            rx.button("続けて登録", on_click=n.again),
            rx.link(f"{list_title}で確認", href=n.done_link),
            rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO)),
            spacing="4", align="center",
        ),
    )


def detail_new_page(state: Any, *, title: str, list_title: str,
                    detail_fields: tuple[rx.Component, ...]) -> rx.Component:
    """The screen ``title`` of ``state``: the employee fields, then ``detail_fields`` (the
    商品 / 種目 select and the detail's own fields); after 登録 what was registered, with a link
    to ``list_title`` (the list filtered to the employee)."""
    return signed_in_shell(
        title,
        alert(state.alert_text),
        rx.cond(state.done_text != "", _done(state, list_title), _form(state, detail_fields)),
    )
