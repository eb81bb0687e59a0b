"""Issue 14 item 7: the shared form pieces — 「必須」 marks, a hint under its own field, the red
border of a field in error (aria-invalid), widths that fit the value, visible dropdowns."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.form import FORM_STYLE, text_field, width_for
from chingin_app.components.layout import page_shell


def _esc(text: str) -> str:
    return text.encode("unicode_escape").decode()


def test_issue14_required_field_is_marked_and_says_so_to_assistive_tech() -> None:
    rendered = str(text_field("ユーザーＩＤ", "user_id", required=True, max_length=12))
    assert _esc("必須") in rendered
    assert '"aria-required":"true"' in rendered
    assert '"aria-hidden":"true"' in rendered  # the mark is not part of the label's name
    plain = str(text_field("漢字氏名", "name_kanji", max_length=20))
    assert _esc("必須") not in plain and "aria-required" not in plain


def test_issue14_hint_sits_under_its_field_and_describes_it() -> None:
    rendered = str(text_field("契約番号", "contract_no", max_length=8, hint="半角数字8桁"))
    field_at = rendered.index('id:"field-contract_no"')
    hint_at = rendered.index(_esc("半角数字8桁"))
    assert field_at < hint_at  # after the input, inside the field's own box
    assert '"aria-describedby":"field-contract_no-hint field-contract_no-error"' in rendered


def test_issue14_field_in_error_is_aria_invalid() -> None:
    error = rx.Var.create("入力してください。")
    rendered = str(text_field("ユーザー名", "user_name", error=error))
    assert "aria-invalid" in rendered and '"true"' in rendered
    # The shells draw the red border from aria-invalid, for inputs and selects alike.
    assert any("aria-invalid" in key for key in FORM_STYLE)
    assert "select[aria-invalid='true']" in " ".join(FORM_STYLE)


def test_issue14_short_inputs_are_as_wide_as_their_value() -> None:
    assert width_for(6) == "min(100%, calc(6em + 24px))"
    assert width_for(None) is None
    assert width_for(50) is None  # long values take the column
    assert "calc(12em + 24px)" in str(text_field("ユーザーＩＤ", "user_id", max_length=12))


def test_issue14_shell_styles_native_selects_as_controls() -> None:
    select_rules = FORM_STYLE["& select"]
    assert select_rules["border"].startswith("1px solid")
    assert "background" in select_rules
    assert "border" in str(page_shell("テスト", rx.el.select(rx.el.option("a"))))
