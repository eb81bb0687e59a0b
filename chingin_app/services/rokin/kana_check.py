"""カナ氏名チェックリスト (SPEC §13 R-PLUS-2 "in a list", A.1): before the bank's own check, the
payment group's active 労金控除明細 whose カナ氏名

- the bank would reject (``domain.kana.check_name_kana``: a character outside the bank's set
  after normalisation, or longer than the bank's field), or
- differs from the kana the bank has registered (the 金庫登録カナ of the group's latest
  request with results, ``cycle.result_lines``), both sides normalised (A.1),

each with the normalised form and the reason; on screen (paged) and as CSV
(``reports.csv_writer``, CP932). The registered カナ氏名 is compared as it is now, so a name
corrected since the results no longer shows. Scoped by the session's contract and payment
group. Read-only but for the CSV export's log entry (``export_file``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from sqlmodel import Session

from chingin_app.domain.clock import Clock
from chingin_app.domain.kana import check_name_kana, normalise_kana
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.reports.csv_writer import CsvEncoding, write_csv
from chingin_app.services.detail_rules import KANA_MAX_BYTES, MAX_PAGE_SIZE
from chingin_app.services.outputs import (
    XLSX,
    export_bytes,
    export_ext,
    export_media_type,
    file_name,
    log_output,
    prepared,
)
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.rokin import cycle, detail_queries
from chingin_app.services.rokin.detail_queries import DetailFilter
from chingin_app.services.tenant import TenantSession, scope_of

__all__ = [
    "ACTION_EXPORT",
    "CSV_HEADER",
    "KanaCheckPage",
    "KanaCheckRow",
    "check_rows",
    "export_csv",
    "export_file",
    "page_of",
]

ACTION_EXPORT: Final = "rokin.kana_check.export"
SCREEN: Final = "カナ氏名チェックリスト"
CSV_HEADER: Final[tuple[str, ...]] = (
    "職員番号", "カナ氏名", "正規化後カナ", "金庫登録カナ", "漢字氏名", "所属", "商品", "口座番号",
    "区分", "理由",
)
# 0-based free-text columns of CSV_HEADER (formula injection, A.2).
_FREE_TEXT: Final = (1, 2, 3, 4, 5, 9)
KIND_REJECT: Final = "金庫で使用不可"
KIND_MISMATCH: Final = "金庫登録カナ相違"
_PAGE_SIZE_MAX: Final = 200


@dataclass(frozen=True)
class KanaCheckRow:
    """One detail whose カナ氏名 needs attention."""

    staff_no: str
    name_kana: str
    normalised: str
    bank_kana: str
    name_kanji: str
    department: str
    product_code: str
    product_name: str
    account_no: str
    kind: str
    reason: str


@dataclass(frozen=True)
class KanaCheckPage:
    """One page of the list; ``page`` runs 1 … ``pages``."""

    rows: tuple[KanaCheckRow, ...]
    total: int
    page: int
    pages: int
    results_month: str | None  # 控除年月 of the results compared with, None when none yet


def _difference(ours: str, bank: str) -> str:
    for index, (a, b) in enumerate(zip(ours, bank, strict=False)):
        if a != b:
            return f"{index + 1}文字目から異なる"
    return "文字数が異なる"


def _bank_kana(
    db: Session, contract_id: int, group_id: int
) -> tuple[str | None, dict[tuple[str, str, str], str], dict[str, str]]:
    """The latest results of the group: (控除年月, kana by line key, kana by 職員番号)."""
    requests = cycle.list_requests(db, contract_id=contract_id, payment_group_id=group_id)
    latest = next((r for r in requests if r.status == "results"), None)
    if latest is None:
        return None, {}, {}
    by_key: dict[tuple[str, str, str], str] = {}
    by_staff: dict[str, str] = {}
    for res in cycle.result_lines(db, contract_id=contract_id, request_id=latest.id):
        line = res.line
        by_key[(line.staff_no, line.product_code, line.account_no)] = res.bank_name_kana
        by_staff.setdefault(line.staff_no, res.bank_name_kana)
    return latest.deduct_month, by_key, by_staff


def check_rows(
    db: Session, *, session: TenantSession, clock: Clock
) -> Ok[tuple[tuple[KanaCheckRow, ...], str | None]] | Err:
    """Every active detail of the session's group whose カナ氏名 the bank would reject or that
    differs from the bank's registered kana, by 職員番号 and 商品, with the 控除年月 of the results
    compared with. Err E-RECON-NO-GROUP without a selected group of the session's contract."""
    if not session.group_no:
        return Err("E-RECON-NO-GROUP")
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return Err("E-RECON-NO-GROUP")
    month, by_key, by_staff = _bank_kana(db, scope.contract_id, scope.payment_group_id)
    rows: list[KanaCheckRow] = []
    page = 1
    while True:
        found = detail_queries.search(
            db, session=session, clock=clock, flt=DetailFilter(status="active"),
            page=page, page_size=MAX_PAGE_SIZE,
        )
        if not isinstance(found, detail_queries.DetailPage):
            return Err("E-RECON-NO-GROUP")
        for detail in found.rows:
            normalised = normalise_kana(detail.name_kana)
            bank = by_key.get(
                (detail.staff_no, detail.product_code, detail.account_no),
                by_staff.get(detail.staff_no, ""),
            )
            kinds: list[str] = []
            reasons: list[str] = []
            checked = check_name_kana(detail.name_kana, max_bytes=KANA_MAX_BYTES)
            if isinstance(checked, Err):
                kinds.append(KIND_REJECT)
                reasons.append(message(_REASON[checked.code], **checked.params))
            if bank and normalised != normalise_kana(bank):
                kinds.append(KIND_MISMATCH)
                reasons.append(message("W-KANA-BANK", bank=normalise_kana(bank),
                                       difference=_difference(normalised, normalise_kana(bank))))
            if kinds:
                rows.append(KanaCheckRow(
                    staff_no=detail.staff_no, name_kana=detail.name_kana, normalised=normalised,
                    bank_kana=bank, name_kanji=detail.name_kanji, department=detail.department,
                    product_code=detail.product_code, product_name=detail.product_name,
                    account_no=detail.account_no, kind="／".join(kinds),
                    reason="／".join(reasons),
                ))
        if found.page >= found.pages:
            break
        page += 1
    rows.sort(key=lambda r: (r.staff_no, r.product_code, r.account_no))
    return Ok((tuple(rows), month))


_REASON: Final[dict[str, str]] = {
    "E-KANA-CHAR": "W-KANA-CHAR",
    "E-KANA-LENGTH": "W-KANA-LENGTH",
    "E-FIELD-REQUIRED": "W-KANA-EMPTY",
}


def page_of(
    rows: Sequence[KanaCheckRow], *, page: int, page_size: int = 50,
    results_month: str | None = None,
) -> KanaCheckPage:
    """One page of ``rows`` (a page past the end shows the last)."""
    if not 1 <= page_size <= _PAGE_SIZE_MAX:
        raise ValueError(f"page_size must be 1..{_PAGE_SIZE_MAX}")
    pages = max(1, math.ceil(len(rows) / page_size))
    current = min(max(page, 1), pages)
    start = (current - 1) * page_size
    return KanaCheckPage(tuple(rows[start:start + page_size]), len(rows), current, pages,
                         results_month)


def _cells(rows: Sequence[KanaCheckRow]) -> Iterator[list[str]]:
    for r in rows:
        yield [r.staff_no, r.name_kana, r.normalised, r.bank_kana, r.name_kanji, r.department,
               r.product_name, r.account_no, r.kind, r.reason]


def export_csv(rows: Sequence[KanaCheckRow], *, encoding: CsvEncoding = "cp932") -> bytes:
    """The list as CSV (CP932, CRLF, header; A.2)."""
    return write_csv(CSV_HEADER, _cells(rows), encoding=encoding, free_text_columns=_FREE_TEXT)


def export_file(
    db: Session, *, session: TenantSession, clock: Clock, ip: str | None,
    encoding: str = "cp932",
) -> Ok[PreparedFile] | Err:
    """CSV出力 (or, ``encoding`` ``xlsx``, Excel出力): the list as ``export_csv`` writes it,
    logged in the contract's log (R-LOG-1) and committed. Err as ``check_rows``."""
    found = check_rows(db, session=session, clock=clock)
    if isinstance(found, Err):
        return found
    rows = found.value[0]
    if encoding == XLSX:
        made = export_bytes(CSV_HEADER, _cells(rows), encoding=XLSX,
                            free_text_columns=_FREE_TEXT)
        if isinstance(made, Err):
            return made
        data = made
    else:
        data = export_csv(rows)
    log_output(db, session, action=ACTION_EXPORT, screen=SCREEN, clock=clock, ip=ip,
               target=session.group_no or "", detail={"rows": len(rows), "encoding": encoding})
    name = file_name(SCREEN, contract_no=session.contract_no,
                     group_no=session.group_no or "", clock=clock,
                     ext=export_ext(encoding))
    return Ok(prepared(session, name, data, export_media_type(encoding)))
