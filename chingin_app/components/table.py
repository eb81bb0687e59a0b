"""The one table root of every screen (issue 14 item 10): a Radix-styled table whose accessible
name is on the ``<table>`` element itself.

Radix Themes' ``Table.Root`` spreads its props (``aria-label`` too) on an outer ``<div>`` and
renders the ``<table>`` inside a scroll area, so a screen reader and axe-core saw unnamed
tables. This builds the same markup (the same class names, so Radix's stylesheet applies
unchanged) with the name where it belongs, and lets a wide table scroll inside itself.
"""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx
from reflex_components_core.el.elements.tables import Table as _HtmlTable

TableSize = Literal["1", "2", "3"]
TableVariant = Literal["ghost", "surface"]


class TableRoot(_HtmlTable):
    """The plain ``<table>`` element under the name Radix's header, body and rows accept as
    their parent (Reflex checks the parent's class name), so they are used unchanged."""


def root_classes(size: TableSize = "2", variant: TableVariant = "ghost") -> str:
    """Radix's classes of ``Table.Root`` for ``size`` and ``variant`` (its defaults: 2, ghost)."""
    return f"rt-TableRoot rt-r-size-{size} rt-variant-{variant}"


def table_root(
    *children: rx.Component,
    label: str | rx.Var[str],
    size: TableSize = "2",
    variant: TableVariant = "ghost",
    **props: Any,
) -> rx.Component:
    """A table named ``label`` (``aria-label`` on ``<table>``) holding ``rx.table.header`` /
    ``rx.table.body`` children; ``props`` (margins, test ids) go on the outer box as with
    ``rx.table.root``."""
    return rx.el.div(
        rx.el.div(
            TableRoot.create(*children, class_name="rt-TableRootTable", aria_label=label),
            # Wide data tables scroll inside themselves, never the page (issue 14 item 4); the
            # scrolling box takes the keyboard focus so it can be scrolled without a mouse
            # (axe: scrollable-region-focusable).
            style={"overflowX": "auto", "maxWidth": "100%"},
            tab_index=0,
        ),
        class_name=root_classes(size, variant),
        **props,
    )
