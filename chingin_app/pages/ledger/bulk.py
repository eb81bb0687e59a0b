"""RL-8 賃控元帳明細一括更新 (SPEC §11): 種目 and new amounts → 確認 (preview, paged) → 適用."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.confirm_apply import confirm_apply, count_box
from chingin_app.components.detail_fields import select_field
from chingin_app.components.form import alert, info, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.state.ledger.bulk import LedgerBulkState as S

COLUMNS = (
    Column("職員番号", "staff_no"), Column("カナ氏名", "name_kana"), Column("所属", "department"),
    Column("月例額", "monthly_amount", numeric=True),
    Column("一時金額", "bonus_amount", numeric=True), Column("区分", "change"),
)


def _form() -> rx.Component:
    return rx.form(
        select_field("種目", "item_code", S.items,
                     error=S.errors.get("item_code", "")),  # type: ignore[attr-defined]
        rx.hstack(
            text_field("新しい月例額", "monthly_amount", input_mode="numeric", max_length=7,
                       error=S.errors.get("monthly_amount", "")),  # type: ignore[attr-defined]
            text_field("新しい一時金額", "bonus_amount", input_mode="numeric", max_length=7,
                       error=S.errors.get("bonus_amount", "")),  # type: ignore[attr-defined]
            spacing="4", wrap="wrap",
        ),
        rx.text("空欄の金額は変更しません。選択した種目の有効な明細すべてが対象です。", size="2",
                margin_bottom="8px"),
        rx.button("確認", type="submit", size="3"),
        on_submit=S.preview,
        reset_on_submit=False,
        margin_bottom="16px",
    )


def _preview() -> rx.Component:
    return rx.cond(
        S.shown,
        rx.box(
            rx.heading("種目 ", S.preview_title, " の一括更新（確認）", as_="h2", size="4"),
            rx.hstack(
                count_box("変更", S.changed_count, "bulk-changed"),
                count_box("変更なし", S.unchanged_count, "bulk-unchanged"),
                spacing="3", margin_y="8px",
            ),
            pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn,
                  test_id="bulk-count"),
            rx.box(data_table(COLUMNS, S.rows, label="一括更新の対象明細"), overflow_x="auto"),
            rx.hstack(
                rx.cond(
                    S.can_change,
                    confirm_apply(
                        title="賃控元帳明細の一括更新",
                        description=rx.text("種目 ", S.preview_title, " の明細 ",
                                            S.changed_count, "件を更新します。よろしいですか？"),
                        on_confirm=S.apply, disabled=S.changed_count == 0,
                    ),
                ),
                rx.button("やり直す", variant="outline", size="3", on_click=S.cancel_preview),
                spacing="3", margin_top="12px",
            ),
        ),
    )


def ledger_bulk_page() -> rx.Component:
    """RL-8: the form, then the preview and 適用."""
    return signed_in_shell(
        "賃控元帳明細一括更新",
        alert(S.alert_text),
        info(S.notice),
        _form(),
        _preview(),
    )
