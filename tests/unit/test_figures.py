"""One count everywhere (issue 14 item 2; SPEC §11 RK-4, RK-8, RK-9, A.4, A.6): a request's
count leaves out its 解約 lines and names them apart, after the count, count before amount —
one formatter (``domain/figures.py``) for every screen and PDF summary."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain import figures
from chingin_app.reports import rokin_lists
from chingin_app.reports.rokin_lists import REQUEST_LISTS
from chingin_app.reports.rokin_remittance_forms import render_remittance_request
from tests.unit.test_remittance_forms import _form, _text
from tests.unit.test_rokin_lists import HEADER, LINE


def test_rk_9_count_before_amount_with_ended_lines_apart() -> None:
    """The issue's example, exactly: 「244件 6,447,900円（ほかに解約 2件 0円）」."""
    assert figures.count_and_amount(244, 6_447_900, ended=2, ended_yen=0) == (
        "244件 6,447,900円（ほかに解約 2件 0円）"
    )


def test_rk_9_no_ended_lines_no_suffix() -> None:
    """Without 解約 lines the figure is the plain 「n件 m円」 (nothing to explain)."""
    assert figures.count_and_amount(1234, 5_000_000) == "1,234件 5,000,000円"
    assert figures.count_and_amount(0, 0, ended=0, ended_yen=0) == "0件 0円"


def test_rk_4_count_only_names_ended_lines() -> None:
    """A list's 合計 row: 「244件（ほかに解約 2件）」; none → 「244件」; the unit is kept."""
    assert figures.count_only(244, ended=2) == "244件（ほかに解約 2件）"
    assert figures.count_only(244) == "244件"
    assert figures.count_only(3, unit="種目") == "3種目"


def test_a_4_totals_leave_out_ended_lines_and_count_them_apart() -> None:
    """``deduction_cycle.totals``: 解約 lines in no requested/held figure, counted apart."""
    got = cyc.totals([
        cyc.ItemFacts(amount=1_000),
        cyc.ItemFacts(amount=2_000, hold=True),
        cyc.ItemFacts(amount=0, change_kind="解約"),
        cyc.ItemFacts(amount=0, change_kind="解約"),
    ])
    assert (got.requested_count, got.requested_amount) == (2, 3_000)
    assert (got.held_count, got.ended_count, got.ended_amount) == (1, 2, 0)


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_rk_4_request_list_pdf_total_counts_ended_lines_apart() -> None:
    """控除依頼リスト's 合計 row: a 解約 line is listed, not counted (1件（ほかに解約 1件）)."""
    ended = replace(LINE, id=2, staff_no="000124", change_kind="解約", amount=0)
    data = rokin_lists.render(REQUEST_LISTS["all"], HEADER, [LINE, ended],
                              output_date=date(2026, 4, 20))
    text = _pdf_text(data)
    assert "1件（ほかに解約 1件）" in text
    assert "000124" in text  # still listed


def test_rk_9_remittance_request_names_ended_lines_apart(tmp_path: Path) -> None:
    """まとめ入金依頼書 (A.6): 依頼件数・金額 through the same formatter, 解約 named apart."""
    totals = cyc.CycleTotals(244, 6_447_900, 1, 3_000, ended_count=2, ended_amount=0)
    form = replace(_form(()), totals=totals)
    text = _text(tmp_path, render_remittance_request(form)).replace("\n", "")
    assert "244件 6,447,900円（ほかに解約 2件 0円）" in text
