"""The 労金控除 lists (SPEC §11 RK-4, RK-11; A.6 columns): what each list is — its title, its
columns and how a request or result line fills them — for the PDF (``reports/list_pdf``) and
for the same list on screen, from one definition.

The columns that are the same on every line of one request (控除年月, 支給区分, 入金グループ,
控除日, 入金予定日 of A.6's 控除依頼リスト) are printed once in the header of every page
(``ListHeader``), next to the contract; the table holds what differs per line. The CSV exports
(RK-5, RK-7) keep every A.6 column on every row (``reports/rokin_csv.py``).

No database and no Reflex here: the lines (``domain.deduction_cycle.RequestLine``, ``ResultLine``)
are read by ``services/rokin/cycle``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Final

from chingin_app.domain.deduction_cycle import RequestLine, ResultLine
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.reports.list_pdf import ListSpec, ProgressCallback, render_list
from chingin_app.reports.lists import (
    ListField,
    ListHeader,
    ListKind,
    list_spec,
    pdf_rows,
)

__all__ = [
    "REQUEST_LISTS",
    "RESULT_LISTS",
    "ListHeader",
    "render",
    "spec",
]


def _change(line: RequestLine) -> str:
    """異動区分 as A.6 shows it: 新規 / 変更 / 解約; a line unchanged since last month is blank."""
    return "" if line.change_kind == ChangeKind.CONTINUED.value else line.change_kind


def _remaining(line: RequestLine) -> object:
    return line.remaining_count  # None (not a loan) prints empty


# The request line's own columns (A.6 控除依頼リスト without the per-request ones).
_DEPARTMENT = ListField("所属", "department", 30, lambda ln: ln.department)
_STAFF_NO = ListField("職員番号", "staff_no", 18, lambda ln: ln.staff_no)
_KANA = ListField("カナ氏名", "name_kana", 32, lambda ln: ln.name_kana)
_KANJI = ListField("漢字氏名", "name_kanji", 26, lambda ln: ln.name_kanji)
_BRANCH = ListField("店番", "branch_no", 10, lambda ln: ln.branch_no, align="center")
_PRODUCT = ListField("商品", "product_name", 22, lambda ln: ln.product_name)
_ACCOUNT = ListField("口座番号", "account_no", 16, lambda ln: ln.account_no, align="center")
_AMOUNT = ListField("依頼額", "amount", 18, lambda ln: ln.amount, amount=True, total=True)
_REMAINING = ListField("残回数", "remaining", 11, _remaining, align="right")
_CHANGE = ListField("異動区分", "change_kind", 13, _change, align="center")
_REQUEST_FIELDS: Final = (
    _DEPARTMENT, _STAFF_NO, _KANA, _KANJI, _BRANCH, _PRODUCT, _ACCOUNT, _AMOUNT, _REMAINING,
    _CHANGE,
)

#: RK-4's lists, by ``cycle.request_lines``'s ``which``.
REQUEST_LISTS: Final[dict[str, ListKind]] = {
    "all": ListKind("all", "控除依頼リスト", _REQUEST_FIELDS),
    "counter": ListKind(
        "counter", "窓口扱い控除依頼内容変更リスト",
        (*_REQUEST_FIELDS, ListField("窓口での変更内容", "counter_change", 50,
                                     lambda ln: ln.counter_change)),
    ),
    "errors": ListKind(
        "errors", "控除依頼明細エラーリスト",
        (*_REQUEST_FIELDS, ListField("エラー内容", "error_text", 50, lambda ln: ln.error_text)),
    ),
    "changes": ListKind("changes", "控除依頼異動分リスト", _REQUEST_FIELDS),
}


def _of_line(field: ListField) -> ListField:
    """A request-line column read from a result line's ``line``."""
    getter = field.value
    return ListField(field.title, field.key, field.width_mm, lambda r: getter(r.line),
                     field.amount, field.total, field.align)


_DEDUCTED = ListField("控除額", "deducted", 18, lambda r: r.deducted_amount, amount=True,
                      total=True)
_RESULT = ListField("結果", "result", 10, lambda r: r.result_label, align="center")
_REASON = ListField("不能理由", "reason", 36, lambda r: r.reason)
_PAID = ListField("入金日", "paid_date", 20, lambda r: r.paid_date, align="center")
_HELD = ListField("入金中止", "held", 14, lambda r: "入金中止" if r.line.hold else "",
                  align="center")
_RESULT_BASE: Final = tuple(
    _of_line(f) for f in (_DEPARTMENT, _STAFF_NO, _KANA, _KANJI, _PRODUCT, _ACCOUNT, _AMOUNT)
)

#: RK-11's lists, by ``cycle.result_lines``'s ``which`` (A.6).
RESULT_LISTS: Final[dict[str, ListKind]] = {
    "all": ListKind("all", "控除結果リスト", (*_RESULT_BASE, _DEDUCTED, _RESULT, _REASON, _PAID)),
    "not_deducted": ListKind(
        "not_deducted", "控除不能リスト", (*_RESULT_BASE, _DEDUCTED, _REASON, _HELD),
    ),
    "kana_mismatch": ListKind(
        "kana_mismatch", "カナ氏名不一致リスト",
        (
            ListField("職員番号", "staff_no", 20, lambda r: r.line.staff_no),
            ListField("元帳カナ", "ledger_kana", 42, lambda r: r.line.name_kana),
            ListField("金庫登録カナ", "bank_kana", 42, lambda r: r.bank_name_kana),
            ListField("口座番号", "account_no", 18, lambda r: r.line.account_no, align="center"),
            ListField("商品", "product_name", 26, lambda r: r.line.product_name),
            ListField("差異", "difference", 36, lambda r: r.kana_difference),
        ),
        orientation="portrait",
    ),
}


def spec(kind: ListKind, header: ListHeader, *, output_date: date) -> ListSpec:
    """The list's ``ListSpec`` for ``render_list``: totals of the amount columns (依頼額, 控除額)
    and the count."""
    return list_spec(kind, header.lines(), output_date=output_date)


def render(
    kind: ListKind,
    header: ListHeader,
    lines: Iterable[RequestLine] | Iterable[ResultLine],
    *,
    output_date: date,
    on_progress: ProgressCallback | None = None,
) -> bytes:
    """The list as an A4 PDF (IPAex Gothic embedded, header, page numbers, totals)."""
    return render_list(
        spec(kind, header, output_date=output_date), pdf_rows(kind, lines),
        on_progress=on_progress,
    )
