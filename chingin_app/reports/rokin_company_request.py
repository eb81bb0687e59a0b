"""企業宛控除依頼書 (SPEC §11 RK-6): the month's deduction request addressed to the company, with
its counts and amounts per product and the grand total (依頼件数・依頼金額), as a form PDF
(``reports/pdf.render_form``, template ``templates/company_request.html``).

The counts follow the request's own totals (``RequestView.totals`` of ``services/rokin/cycle``):
解約 lines (amount 0, the detail has ended) are not something to deduct and count nowhere."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from chingin_app.domain.deduction_cycle import RequestLine
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.reports.lists import date_label, month_label
from chingin_app.reports.pdf import Markup, render_form
from chingin_app.reports.rokin_lists import ListHeader

__all__ = ["TITLE", "CompanyRequest", "ProductTotal", "product_totals", "render_company_request"]

TITLE: Final = "企業宛控除依頼書"
_TEMPLATE: Final = Path(__file__).resolve().parent / "templates" / "company_request.html"
_NOTE: Final = (
    "控除できない明細（退職・休職等）は、まとめ入金の確定前に「まとめ入金依頼入金中止設定」で"
    "入金中止に設定してください。"
)


@dataclass(frozen=True)
class ProductTotal:
    """One product's lines of the request: 件数 and 金額."""

    code: str
    name: str
    count: int
    amount: int


@dataclass(frozen=True)
class CompanyRequest:
    """What the form shows: the request's header and its per-product totals."""

    header: ListHeader
    products: tuple[ProductTotal, ...]
    issued_on: date

    @property
    def count(self) -> int:
        """依頼件数."""
        return sum(p.count for p in self.products)

    @property
    def amount(self) -> int:
        """依頼金額."""
        return sum(p.amount for p in self.products)


def product_totals(lines: Iterable[RequestLine]) -> tuple[ProductTotal, ...]:
    """件数 and 金額 per product (by 商品コード), 解約 lines left out."""
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    amounts: dict[str, int] = {}
    for line in lines:
        if line.change_kind == ChangeKind.ENDED.value:
            continue
        code = line.product_code
        names.setdefault(code, line.product_name)
        counts[code] = counts.get(code, 0) + 1
        amounts[code] = amounts.get(code, 0) + line.amount
    return tuple(
        ProductTotal(code, names[code], counts[code], amounts[code]) for code in sorted(names)
    )


def _product_rows(products: Iterable[ProductTotal]) -> Markup:
    rows = [
        f"<tr><td>{html.escape(p.name)}</td><td class=\"num\">{p.count:,}</td>"
        f"<td class=\"num\">{p.amount:,}</td></tr>"
        for p in products
    ]
    if not rows:
        rows = ['<tr><td>（依頼明細はありません）</td><td class="num">0</td>'
                '<td class="num">0</td></tr>']
    return Markup("\n".join(rows))


def render_company_request(request: CompanyRequest) -> bytes:
    """The 企業宛控除依頼書 as an A4 PDF with IPAex Gothic embedded (RK-6)."""
    head = request.header
    return render_form(
        _TEMPLATE.read_text(encoding="utf-8"),
        {
            "title": TITLE,
            "issued_on": date_label(request.issued_on),
            "name": head.contract_name,
            "contract_no": head.contract_no,
            "group_no": head.group_no,
            "group_name": head.group_name,
            "month": month_label(head.deduct_month),
            "pay_kind": head.pay_kind_label,
            "deduction_date": date_label(head.deduction_date),
            "remittance_date": date_label(head.remittance_date),
            "count": f"{request.count:,}",
            "amount": f"{request.amount:,}",
            "product_rows": _product_rows(request.products),
            "note": _NOTE,
        },
    )
