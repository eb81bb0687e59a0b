"""RK-2 労金控除明細新規登録 (SPEC §11; R-PLUS-2 カナ氏名 checked on entry)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, info, submit_button, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.pages.rokin_deduction.detail_fields import (
    checked_field,
    detail_fields,
    select_field,
)
from chingin_app.state.rokin_deduction.detail_new import RokinDetailNewState as N


def _err(name: str) -> Any:
    return N.errors.get(name, "")


def _employee_fields() -> rx.Component:
    """The name fields of a new employee, or who the 職員番号 already is."""
    e = N.existing
    return rx.cond(
        N.existing.length() > 0,  # type: ignore[attr-defined]
        rx.callout(
            rx.text("登録済みの職員です：", e["name_kana"], "（", e["name_kanji"], "）　",
                    e["department"], "。この職員に明細を追加します。"),
            color_scheme="blue", role="status", margin_bottom="12px",
            data_testid="existing-employee",
        ),
        rx.fragment(
            checked_field("カナ氏名", "name_kana", on_blur=N.check_kana, error=_err("name_kana"),
                          hint=N.kana_hint, max_length=40),
            text_field("漢字氏名", "name_kanji", error=_err("name_kanji"), max_length=20),
            text_field("所属", "department", error=_err("department"), max_length=20),
        ),
    )


def _form() -> rx.Component:
    return rx.form(
        rx.text("職員番号を入力すると、登録済みの職員かどうかを確認します。"
                "カナ氏名はひらがな・全角カナでも入力でき、金庫の半角カナに直して登録します。",
                size="2", margin_bottom="12px"),
        checked_field("職員番号（半角数字10桁以内）", "staff_no", on_blur=N.look_up,
                      error=_err("staff_no"), max_length=10),
        _employee_fields(),
        select_field("商品", "product_code", N.products, error=_err("product_code")),
        detail_fields(N.errors),
        rx.hstack(
            submit_button("登録", busy=N.busy),
            rx.button("戻る", type="button", variant="outline", size="3",
                      on_click=rx.redirect(routes.INFO)),
            spacing="3",
        ),
        on_submit=N.submit,
        reset_on_submit=False,
    )


def _done() -> rx.Component:
    return rx.box(
        info(N.done_text),
        rx.hstack(
            rx.button("続けて登録", on_click=N.again),
            rx.link("労金控除明細照会で確認", href=N.done_link),
            rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO)),
            spacing="4", align="center",
        ),
    )


def rokin_detail_new_page() -> rx.Component:
    """RK-2: a new employee with the first detail, or another detail of a registered one."""
    return signed_in_shell(
        "労金控除明細新規登録",
        alert(N.alert_text),
        rx.cond(N.done_text != "", _done(), _form()),
    )
