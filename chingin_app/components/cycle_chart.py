"""The small chart of the last 12 労金控除 cycles on the information screen (issue 14 item 8):
依頼額 and 入金額 as bars, 控除不能 as a line on its own axis; the same figures as a named table
under it for the keyboard and screen readers (an SVG chart says nothing to them)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.table import table_root
from chingin_app.state.cycle_chart import CycleChartState as S

TITLE = "最近12回の労金控除（依頼額・入金額・控除不能件数）"


def _table() -> rx.Component:
    right = {"textAlign": "right", "whiteSpace": "nowrap"}
    return table_root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("控除年月・支給区分"),
            rx.table.column_header_cell("依頼額（円）", style=right),
            rx.table.column_header_cell("入金額（円）", style=right),
            rx.table.column_header_cell("控除不能（件）", style=right),
        )),
        rx.table.body(rx.foreach(S.points, lambda p: rx.table.row(
            rx.table.cell(p["label"], style={"whiteSpace": "nowrap"}),
            rx.table.cell(p["requested_text"], style=right),
            rx.table.cell(p["remitted_text"], style=right),
            rx.table.cell(p["not_deducted_text"], style=right),
        ))),
        label="最近12回の労金控除",
        size="1",
    )


def cycle_chart() -> rx.Component:
    """The chart, loaded on mount (its own state); nothing for a user without the right."""
    return rx.box(
        rx.cond(
            S.points.length() > 0,  # type: ignore[attr-defined]
            rx.box(
                rx.heading(TITLE, as_="h2", size="3", margin_top="16px"),
                rx.box(
                    rx.recharts.composed_chart(
                        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                        rx.recharts.x_axis(data_key="label", font_size=11),
                        rx.recharts.y_axis(y_axis_id="yen", font_size=11, width=60),
                        rx.recharts.y_axis(y_axis_id="count", orientation="right",
                                           allow_decimals=False, font_size=11, width=40),
                        rx.recharts.bar(data_key="requested", name="依頼額（万円）",
                                        y_axis_id="yen", fill="#6b8fc4"),
                        rx.recharts.bar(data_key="remitted", name="入金額（万円）",
                                        y_axis_id="yen", fill="#0b4f8a"),
                        rx.recharts.line(data_key="not_deducted", name="控除不能（件）",
                                         y_axis_id="count", stroke="#c0392b",
                                         connect_nulls=True),
                        rx.recharts.legend(),
                        rx.recharts.graphing_tooltip(),
                        data=S.points,
                        width="100%",
                        height=260,
                    ),
                    role="img",
                    aria_label=TITLE + "のグラフ（数値は下の表）",
                    data_testid="cycle-chart",
                ),
                rx.el.details(
                    rx.el.summary("数値を表で見る"),
                    _table(),
                ),
            ),
        ),
        on_mount=S.load,
    )
