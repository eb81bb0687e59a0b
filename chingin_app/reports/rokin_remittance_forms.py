"""The two forms of a まとめ入金確定 (SPEC §11 RK-9, RK-10; Appendix A.6):

- まとめ入金依頼書: 入金グループ, 控除年月, 支給区分, 依頼件数・金額, 入金中止件数・金額,
  入金額合計, 入金日, 確定者・日時 (A.6 columns), with the contract in the header;
- まとめ入金更新明細書(Web依頼済): the lines the organisation changed on the web — the
  入金中止 lines with their reasons and amounts — and the totals (RK-9 on confirmation, RK-10
  re-printed later).

Both are short forms: HTML templates through ``reports.pdf.render_form`` (xhtml2pdf, IPAex
Gothic embedded). The caller (``services/rokin/remittance.py``) gathers the figures, scoped to
the session's contract; this module only lays them out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final

from chingin_app.domain import dates, figures
from chingin_app.domain.deduction_cycle import CycleTotals
from chingin_app.reports.pdf import Markup, render_form

__all__ = [
    "REQUEST_FORM_TITLE",
    "STATEMENT_TITLE",
    "HeldLine",
    "RemittanceForm",
    "form_filename",
    "render_remittance_request",
    "render_update_statement",
]

_TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
REQUEST_FORM_TITLE: Final = "まとめ入金依頼書"
STATEMENT_TITLE: Final = "まとめ入金更新明細書(Web依頼済)"


@dataclass(frozen=True)
class HeldLine:
    """One 入金中止 line as the statement prints it."""

    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    product_name: str
    account_no: str
    amount: int
    reason: str
    updated_by: str
    updated_at: datetime | None


@dataclass(frozen=True)
class RemittanceForm:
    """Everything both forms print about one request (A.6)."""

    contract_no: str
    contract_name: str
    group_no: str
    group_name: str
    deduct_month: str  # YYYY-MM
    pay_kind_label: str  # 月例 / 一時金
    status_label: str
    totals: CycleTotals
    remittance_date: date  # 入金日 (入金予定日)
    deadline: date
    confirmed_by: str | None  # "USERID（氏名）"
    confirmed_at: datetime | None
    printed_at: datetime
    held: tuple[HeldLine, ...]


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def _month(month: str) -> str:
    return dates.month_label(month)


def _day(day: date) -> str:
    return dates.date_label(day)


def _stamp(at: datetime | None) -> str:
    return dates.datetime_label(at)


def _common(form: RemittanceForm, title: str) -> dict[str, object]:
    t = form.totals
    return {
        "title": title,
        "contract_no": form.contract_no,
        "contract_name": form.contract_name,
        "group": f"{form.group_no} {form.group_name}",
        "deduct_month": _month(form.deduct_month),
        "pay_kind": form.pay_kind_label,
        "status": form.status_label,
        # One formatter for every count (issue 14 item 2): 解約 lines named apart.
        "requested": figures.count_and_amount(t.requested_count, t.requested_amount,
                                              ended=t.ended_count, ended_yen=t.ended_amount),
        "held": figures.count_and_amount(t.held_count, t.held_amount),
        "remitted": figures.count_and_amount(t.remittance_count, t.remittance_amount),
        "remittance_date": _day(form.remittance_date),
        "deadline": _day(form.deadline),
        "confirmed_by": form.confirmed_by or "（未確定）",
        "confirmed_at": _stamp(form.confirmed_at) or "（未確定）",
        "printed_at": _stamp(form.printed_at),
    }


def render_remittance_request(form: RemittanceForm) -> bytes:
    """まとめ入金依頼書 as an A4 PDF (RK-9; A.6 columns)."""
    template = (_TEMPLATES / "remittance_request.html").read_text(encoding="utf-8")
    return render_form(template, _common(form, REQUEST_FORM_TITLE))


def _two(first: str, second: str) -> str:
    """Two values stacked in one cell (xhtml2pdf drops <br/> inside CJK-wrapped cells)."""
    return f"<p>{html.escape(first)}</p><p>{html.escape(second)}</p>"


def _held_rows(lines: tuple[HeldLine, ...]) -> Markup:
    if not lines:
        return Markup('<tr><td colspan="7" class="none">入金中止の明細はありません。</td></tr>')
    rows = []
    for n, line in enumerate(lines, start=1):
        rows.append(
            "<tr>"
            f'<td class="num">{n}</td>'
            f"<td>{_two(line.department, line.staff_no)}</td>"
            f"<td>{_two(line.name_kana, line.name_kanji)}</td>"
            f"<td>{_two(line.product_name, line.account_no)}</td>"
            f'<td class="num">{html.escape(_yen(line.amount))}</td>'
            f"<td>{html.escape(line.reason)}</td>"
            f"<td>{_two(line.updated_by, _stamp(line.updated_at))}</td>"
            "</tr>"
        )
    return Markup("\n".join(rows))


def render_update_statement(form: RemittanceForm) -> bytes:
    """まとめ入金更新明細書(Web依頼済) as an A4 PDF (RK-9, RK-10): the 入金中止 lines with
    their reasons and amounts, and the totals."""
    template = (_TEMPLATES / "remittance_statement.html").read_text(encoding="utf-8")
    context = _common(form, STATEMENT_TITLE)
    context["rows"] = _held_rows(form.held)
    return render_form(template, context)


def form_filename(title: str, form: RemittanceForm, made_at: datetime) -> str:
    """``まとめ入金依頼書_12345678_001_202604_月例_20260420103000.pdf``: the one pattern of
    every output (``domain.dates.output_file_name``)."""
    return dates.output_file_name(
        title, contract_no=form.contract_no, group_no=form.group_no, month=form.deduct_month,
        kind=form.pay_kind_label, made_at=made_at, ext="pdf",
    )
