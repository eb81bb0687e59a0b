"""Issue 14 item 10: every table is named on the ``<table>`` element itself, not on Radix's
wrapper ``<div>`` (where ``rx.table.root`` puts ``aria-label``)."""

from __future__ import annotations

import re
from pathlib import Path

import reflex as rx

from chingin_app.components.paged_table import Column, data_table
from chingin_app.components.table import table_root

ROOT = Path(__file__).resolve().parents[2] / "chingin_app"


def _table_props(rendered: str) -> str:
    """The props object of the rendered ``<table>`` element."""
    found = re.search(r'jsx\("table",\{([^}]*)\}', rendered)
    assert found, rendered
    return found.group(1)


def test_issue14_table_root_names_the_table_element() -> None:
    rendered = str(table_root(rx.table.body(), label="まとめ入金の内容", margin_bottom="12px"))
    assert '"aria-label":"' + "まとめ入金の内容".encode("unicode_escape").decode() in \
        _table_props(rendered)
    wrapper = rendered.split('jsx("table"', 1)[0]
    assert "aria-label" not in wrapper  # not on the wrapper, where axe does not look
    assert "rt-TableRoot rt-r-size-2 rt-variant-ghost" in wrapper  # Radix's styles still apply


def test_issue14_table_root_size_maps_to_radix_class() -> None:
    assert "rt-r-size-1" in str(table_root(rx.table.body(), label="x", size="1"))


def test_issue14_data_table_label_lands_on_the_table() -> None:
    rows = rx.Var.create([{"staff_no": "001006"}])
    rendered = str(data_table([Column("職員番号", "staff_no")], rows, label="職員"))
    assert '"aria-label":"' + "職員".encode("unicode_escape").decode() in _table_props(rendered)


def test_issue14_no_screen_uses_radix_table_root_directly() -> None:
    """A screen building ``rx.table.root`` would bring the unnamed table back: they all go
    through ``components/table.table_root`` (or ``data_table``)."""
    offenders = [
        str(path.relative_to(ROOT)) for path in ROOT.rglob("*.py")
        if "rx.table.root(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
