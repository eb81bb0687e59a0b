"""README's feature tables list every business menu that exists and nothing that doesn't
(issue 13 item 8; SPEC §11 RK-1…12, RL-1…13, RS-1…3, RZ-1…3, §13 R-PLUS-1, R-PLUS-2), each
by its full name — the names of ``domain/permissions.MENUS``, the one list behind the
information screen and the permission rows."""

from __future__ import annotations

from pathlib import Path

from chingin_app.domain.permissions import MENUS

README = Path(__file__).resolve().parents[2] / "README.md"

def _readme_menu_names() -> list[str]:
    """The first cell of every row of the feature tables (「使い方（デモ）」, before 「構成」),
    split at " / "."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## 使い方（デモ）"):text.index("## 構成")]
    names: list[str] = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith(("| メニュー", "|---")):
            continue
        first = line.split("|")[1].strip()
        names.extend(n.strip() for n in first.split(" / "))
    return names


def test_rk_rl_rs_rz_r_plus_1_2_readme_tables_list_every_menu_and_nothing_else() -> None:
    """Issue 13 item 8: every menu of the information screen appears once in README's tables
    under its exact name (RL-5, 6, 7, 12, 13 and RK-12 included); every name there is such a
    menu."""
    names = _readme_menu_names()
    labels = {m.label for m in MENUS}
    assert len(names) == len(set(names))
    assert labels <= set(names), sorted(labels - set(names))
    assert set(names) <= labels, sorted(set(names) - labels)
