"""マニュアル照会 (manual P.46; SPEC appendix C screen 20)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.layout import signed_in_shell
from chingin_app.components.table import table_root
from chingin_app.state.manuals import ManualsState as S


def manuals_page() -> rx.Component:
    """The registered manuals and forms with 表示 and ダウンロード."""
    return signed_in_shell(
        "マニュアル照会",
        rx.text("閲覧するマニュアル・帳票の「表示」ボタンをクリックしてください。"),
        rx.cond(
            S.open_url != "",
            rx.box(
                rx.el.a("「", S.open_title, "」を開く", href=S.open_url),
                rx.text.span("（1分以内に開いてください）"),
                role="status", margin_y="12px",
            ),
        ),
        table_root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("マニュアル・帳票"),
                rx.table.column_header_cell("登録日"),
                rx.table.column_header_cell(""),
            )),
            rx.table.body(rx.foreach(S.manuals, lambda m: rx.table.row(
                rx.table.cell(m["title"]),
                rx.table.cell(m["registered"]),
                rx.table.cell(rx.hstack(
                    rx.button("表示", on_click=S.view(m["id"], m["title"]),  # type: ignore[operator]
                              aria_label="表示 " + m["title"]),
                    rx.button("ダウンロード", variant="outline",
                              on_click=S.download(m["id"]),  # type: ignore[operator]
                              aria_label="ダウンロード " + m["title"]),
                )),
            ))),
            label="マニュアル・帳票",
        ),
    )
