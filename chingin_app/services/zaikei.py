"""財形貯蓄事務 for the signed-in employer (SPEC §11 RZ-1 財形積立明細照会, RZ-2 財形積立明細書
出力, RZ-3 財形積立明細データエクスポート, R-PLUS-3 財形アラーム, R-INFO-1 最新受信情報; A.5, A.6).

Tenant scope: every function takes the signed-in session and resolves its contract **and**
payment group; a 預入依頼書 id from the client is used only when it is one of that group's kept
預入依頼書 (the last ``CHINGIN_KEEP_CYCLES`` 預入年月・区分, A.4, R-PLUS-8), so another
contract's or group's is never read.
The builders log the print or export (R-LOG-1) and commit once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain import dates, figures
from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.contract import Service
from chingin_app.domain.kana import normalise_kana
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.domain.zaikei import (
    DEFAULT_LIMIT_PERCENT,
    Alarm,
    AlarmBalance,
    AlarmItem,
    ZaikeiKind,
    alarms,
    tax_free_used,
)
from chingin_app.models import (
    Contract,
    PaymentGroup,
    ZaikeiBalance,
    ZaikeiBalanceItem,
    ZaikeiDeposit,
    ZaikeiDepositItem,
)
from chingin_app.reports.list_pdf import Column, ListSpec, render_list
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import kanji_name_clauses
from chingin_app.services.outputs import (
    EXPORT_FORMATS,
    Progress,
    export_bytes,
    export_ext,
    export_media_type,
    file_name,
    log_output,
    prepared,
)
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.tenant import OutputSession
from chingin_app.settings import settings

__all__ = [
    "ACTION_EXPORT",
    "ACTION_STATEMENT",
    "LISTS",
    "PAGE_SIZE",
    "SORT_KEYS",
    "DepositView",
    "DetailPage",
    "Filters",
    "LatestInfo",
    "choices",
    "deposit_alarms",
    "detail_page",
    "export_csv",
    "find_deposit",
    "latest_info",
    "limit_percent",
    "preview",
    "statement_pdf",
]

ACTION_STATEMENT: Final = "zaikei.statement.print"
ACTION_EXPORT: Final = "zaikei.detail.export"
_SCREENS: Final = {
    ACTION_STATEMENT: "財形積立明細書出力",
    ACTION_EXPORT: "財形積立明細データエクスポート",
}
PAGE_SIZE: Final = 50
#: RZ-2 / RZ-3: 財形積立明細書 (all lines) or 財形積立変更明細書 (預入依頼書のみ: the changes).
LISTS: Final[dict[str, str]] = {
    "statement": "財形積立明細書",
    "changes": "財形積立変更明細書",
}
#: Sort keys the screen may send → columns.
SORT_KEYS: Final[dict[str, Any]] = {
    "staff_no": ZaikeiDepositItem.staff_no,
    "name_kana": ZaikeiDepositItem.name_kana,
    "kind": ZaikeiDepositItem.kind,
    "monthly": ZaikeiDepositItem.monthly_amount,
    "bonus": ZaikeiDepositItem.bonus_amount,
}
#: The environment variable that sets the 非課税限度額 alarm's percentage (R-PLUS-3).
LIMIT_PERCENT_ENV: Final = "CHINGIN_ZAIKEI_ALARM_PERCENT"


@dataclass(frozen=True)
class _Scope:
    contract_id: int
    group_id: int
    group_no: str
    group_name: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class DepositView:
    """One 預入依頼書 as the choice lists name it."""

    id: int
    deposit_month: str
    pay_kind: str
    deposit_date: Any
    received_at: datetime

    @property
    def label(self) -> str:
        """2026年4月 月例（入金予定日 2026/04/24）."""
        return (f"{dates.month_label(self.deposit_month)} {PayKind(self.pay_kind).label}"
                f"（入金予定日 {dates.date_label(self.deposit_date)}）")


@dataclass(frozen=True)
class Filters:
    """RZ-1's search: 職員番号 (prefix), カナ氏名 (part, compared normalised), 種類 (code)."""

    staff_no: str = ""
    name_kana: str = ""
    kind: str = ""
    name_kanji: str = ""  # R-PLUS-8: anywhere, full-width as stored


@dataclass(frozen=True)
class DetailPage:
    """One page of RZ-1 with the totals of every matching line."""

    rows: list[dict[str, str]]
    total: int
    page: int
    pages: int
    monthly_total: int
    bonus_total: int
    incentive_total: int


@dataclass(frozen=True)
class LatestInfo:
    """R-INFO-1 for an employer: one line each; None where nothing was received, and the
    balance / incentive entries only where contracted (``*_contracted``)."""

    deposit: str | None
    balance_contracted: bool
    balance: str | None
    incentive_contracted: bool
    incentive: str | None


def limit_percent() -> int:
    """The 非課税限度額 alarm's percentage: ``CHINGIN_ZAIKEI_ALARM_PERCENT`` (1–100), else 90."""
    text = os.environ.get(LIMIT_PERCENT_ENV, "")
    if text.isdigit() and 1 <= int(text) <= 100:
        return int(text)
    return DEFAULT_LIMIT_PERCENT


def _scope(db: Session, session: OutputSession) -> _Scope | None:
    if session.group_no is None:
        return None
    found = db.exec(
        select(Contract, PaymentGroup)
        .join(PaymentGroup, col(PaymentGroup.contract_id) == col(Contract.id))
        .where(Contract.contract_no == session.contract_no,
               PaymentGroup.number == session.group_no)
    ).first()
    if found is None:
        return None
    contract, group = found
    assert contract.id is not None and group.id is not None
    return _Scope(contract.id, group.id, group.number, group.name,
                  tuple(contract.services.split(",")))


def _views(db: Session, scope: _Scope) -> list[DepositView]:
    rows = db.exec(
        select(ZaikeiDeposit)
        .where(ZaikeiDeposit.contract_id == scope.contract_id,
               ZaikeiDeposit.payment_group_id == scope.group_id)
        .order_by(code_point(col(ZaikeiDeposit.deposit_month)).desc(),
                  code_point(col(ZaikeiDeposit.pay_kind)).desc())
        .limit(settings().keep_cycles)  # A.4, R-PLUS-8
    ).all()
    return [DepositView(r.id, r.deposit_month, r.pay_kind, r.deposit_date, r.received_at)
            for r in rows if r.id is not None]


def choices(db: Session, session: OutputSession) -> list[DepositView]:
    """The session's group's kept 預入依頼書, newest 預入年月 first."""
    scope = _scope(db, session)
    return [] if scope is None else _views(db, scope)


def _resolve(db: Session, session: OutputSession,
             deposit_id: object) -> tuple[_Scope, DepositView] | None:
    number = parse_row_id(deposit_id)
    scope = _scope(db, session)
    if number is None or scope is None:
        return None
    for view in _views(db, scope):
        if view.id == number:
            return scope, view
    return None


def find_deposit(db: Session, session: OutputSession, deposit_id: object) -> DepositView | None:
    """The 預入依頼書 when it is one of ``choices``; None otherwise — whoever's it is."""
    found = _resolve(db, session, deposit_id)
    return None if found is None else found[1]


def _balance_items(db: Session, scope: _Scope, view: DepositView) -> list[ZaikeiBalanceItem]:
    """The latest 加入者残高一覧表 of the group as of the 入金予定日 or before."""
    if Service.ZAIKEI_BALANCE.value not in scope.services:
        return []
    head = db.exec(
        select(ZaikeiBalance.id)
        .where(ZaikeiBalance.contract_id == scope.contract_id,
               ZaikeiBalance.payment_group_id == scope.group_id,
               ZaikeiBalance.as_of <= view.deposit_date)
        .order_by(col(ZaikeiBalance.as_of).desc())
    ).first()
    if head is None:
        return []
    return list(db.exec(
        select(ZaikeiBalanceItem).where(ZaikeiBalanceItem.contract_id == scope.contract_id,
                                        ZaikeiBalanceItem.balance_id == head)
    ).all())


def _where(scope: _Scope, view: DepositView, filters: Filters, which: str) -> list[Any]:
    conds: list[Any] = [ZaikeiDepositItem.contract_id == scope.contract_id,
                        ZaikeiDepositItem.deposit_id == view.id]
    if filters.staff_no:
        conds.append(col(ZaikeiDepositItem.staff_no).startswith(filters.staff_no,
                                                                 autoescape=True))
    if filters.name_kana:
        conds.append(col(ZaikeiDepositItem.name_kana).contains(
            normalise_kana(filters.name_kana), autoescape=True))
    conds += kanji_name_clauses(col(ZaikeiDepositItem.name_kanji), filters.name_kanji)
    if filters.kind:
        conds.append(ZaikeiDepositItem.kind == filters.kind)
    if which == "changes":
        conds.append(ZaikeiDepositItem.change_kind != ChangeKind.CONTINUED.value)
    return conds


def _balances(items: Sequence[ZaikeiBalanceItem]) -> tuple[dict[tuple[str, str, str], int],
                                                           dict[str, int]]:
    by_line = {(b.staff_no, b.kind, b.account_no): b.balance for b in items}
    used = tax_free_used(_alarm_balances(items))
    return by_line, used


def _alarm_balances(items: Sequence[ZaikeiBalanceItem]) -> list[AlarmBalance]:
    return [AlarmBalance(b.staff_no, b.name_kanji, ZaikeiKind(b.kind), b.principal_interest,
                         b.account_no) for b in items]


_AMOUNT_KEYS: Final = frozenset({"monthly", "bonus", "incentive", "balance", "tax_free"})


def _line_values(item: ZaikeiDepositItem, by_line: dict[tuple[str, str, str], int],
                 used: dict[str, int], *, balance: bool, incentive: bool) -> dict[str, Any]:
    kind = ZaikeiKind(item.kind)
    return {
        "staff_no": item.staff_no,
        "name": item.name_kanji,
        "name_kana": item.name_kana,
        "department": item.department,
        "kind": kind.label,
        "change": item.change_kind,
        "monthly": item.monthly_amount,
        "bonus": item.bonus_amount,
        "incentive": item.incentive if incentive else None,
        "balance": by_line.get((item.staff_no, item.kind, item.account_no)) if balance else None,
        "tax_free": used.get(item.staff_no, 0) if balance and kind.tax_free else None,
    }


def detail_page(
    db: Session, session: OutputSession, *, deposit_id: object, filters: Filters,
    sort_key: str = "", desc: bool = False, page: int = 1, page_size: int = PAGE_SIZE,
) -> DetailPage | None:
    """RZ-1: one page of the 預入依頼書's lines matching ``filters``, sorted (a key of
    ``SORT_KEYS``; 職員番号 otherwise), with the totals; None for a 預入依頼書 the session may
    not have."""
    found = _resolve(db, session, deposit_id)
    if found is None:
        return None
    scope, view = found
    conds = _where(scope, view, filters, "statement")
    total, monthly, bonus, incentive = db.exec(
        select(func.count(), func.coalesce(func.sum(ZaikeiDepositItem.monthly_amount), 0),
               func.coalesce(func.sum(ZaikeiDepositItem.bonus_amount), 0),
               func.coalesce(func.sum(ZaikeiDepositItem.incentive), 0)).where(*conds)
    ).one()
    pages = max(1, -(-total // page_size))
    page = max(1, min(pages, page))
    order = code_point(col(SORT_KEYS.get(sort_key, ZaikeiDepositItem.staff_no)))
    ordered = [order.desc() if desc else order, code_point(col(ZaikeiDepositItem.staff_no)),
               code_point(col(ZaikeiDepositItem.kind)), col(ZaikeiDepositItem.id)]
    items = db.exec(select(ZaikeiDepositItem).where(*conds).order_by(*ordered)
                    .offset((page - 1) * page_size).limit(page_size)).all()
    has_balance = Service.ZAIKEI_BALANCE.value in scope.services
    has_incentive = Service.ZAIKEI_INCENTIVE.value in scope.services
    by_line, used = _balances(_balance_items(db, scope, view))
    rows = []
    for item in items:
        v = _line_values(item, by_line, used, balance=has_balance, incentive=has_incentive)
        rows.append({k: figures.amount(x) if k in _AMOUNT_KEYS else str(x)
                     for k, x in v.items()})
    return DetailPage(rows, total, page, pages, int(monthly), int(bonus), int(incentive or 0))


def deposit_alarms(db: Session, session: OutputSession, *, deposit_id: object,
                   percent: int | None = None) -> list[Alarm] | None:
    """R-PLUS-3: the 財形アラーム of the 預入依頼書 with the latest 加入者残高一覧表."""
    found = _resolve(db, session, deposit_id)
    if found is None:
        return None
    scope, view = found
    items = db.exec(select(ZaikeiDepositItem).where(
        ZaikeiDepositItem.contract_id == scope.contract_id,
        ZaikeiDepositItem.deposit_id == view.id)).all()
    return alarms(
        [AlarmItem(i.staff_no, i.name_kanji, ZaikeiKind(i.kind), i.change_kind, i.birth_date,
                   i.account_no) for i in items],
        _alarm_balances(_balance_items(db, scope, view)),
        deposit_date=view.deposit_date,
        limit_percent=percent if percent is not None else limit_percent(),
    )


def preview(db: Session, session: OutputSession, *, deposit_id: object,
            which: str) -> tuple[int, int, int] | None:
    """件数確認: (lines, 月例額 total, 一時金額 total) of the list; None when not the session's."""
    found = _resolve(db, session, deposit_id)
    if found is None or which not in LISTS:
        return None
    scope, view = found
    count, monthly, bonus = db.exec(
        select(func.count(), func.coalesce(func.sum(ZaikeiDepositItem.monthly_amount), 0),
               func.coalesce(func.sum(ZaikeiDepositItem.bonus_amount), 0))
        .where(*_where(scope, view, Filters(), which))
    ).one()
    return count, monthly, bonus


# ---------------------------------------------------------------------------- files

_STATEMENT_COLUMNS: Final = (
    ("職員番号", "staff_no", 20.0, False),
    ("氏名", "name", 34.0, False),
    ("種類", "kind", 20.0, False),
    ("月例額", "monthly", 22.0, True),
    ("一時金額", "bonus", 22.0, True),
    ("奨励金", "incentive", 20.0, True),
    ("残高", "balance", 26.0, True),
    ("非課税枠使用額", "tax_free", 28.0, True),
)
_CHANGE_COLUMN: Final = ("前回との変更", "change", 18.0, False)
_CSV_EXTRA: Final = (("カナ氏名", "name_kana"), ("所属", "department"))


def _columns(which: str) -> tuple[tuple[str, str, float, bool], ...]:
    if which == "changes":
        return (*_STATEMENT_COLUMNS[:3], _CHANGE_COLUMN, *_STATEMENT_COLUMNS[3:6])
    return _STATEMENT_COLUMNS


def _lines(db: Session, scope: _Scope, view: DepositView, which: str) -> list[dict[str, Any]]:
    items = db.exec(select(ZaikeiDepositItem)
                    .where(*_where(scope, view, Filters(), which))
                    .order_by(code_point(col(ZaikeiDepositItem.staff_no)),
                              code_point(col(ZaikeiDepositItem.kind)),
                              col(ZaikeiDepositItem.id))).all()
    by_line, used = _balances(_balance_items(db, scope, view))
    return [_line_values(i, by_line, used,
                         balance=Service.ZAIKEI_BALANCE.value in scope.services,
                         incentive=Service.ZAIKEI_INCENTIVE.value in scope.services)
            for i in items]


def _file_name(title: str, contract_no: str, scope: _Scope, view: DepositView, clock: Clock,
               ext: str) -> str:
    return file_name(title, contract_no=contract_no,
                     group_no=scope.group_no, month=view.deposit_month,
                     kind=PayKind(view.pay_kind).label, clock=clock, ext=ext)


def _log(db: Session, session: OutputSession, *, action: str, view: DepositView, clock: Clock,
         ip: str | None, scope: _Scope, detail: dict[str, Any]) -> None:
    """The print or export logged with the 預入依頼書 it was of."""
    log_output(db, session, action=action, screen=_SCREENS[action], clock=clock, ip=ip,
               target=f"入金グループ{scope.group_no} {view.label}", detail=detail)


def statement_pdf(
    db: Session, session: OutputSession, *, deposit_id: object, which: str, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RZ-2: 財形積立明細書 (``statement``) or 財形積立変更明細書 (``changes``) of the
    預入依頼書 as an A4 PDF (A.6 columns, totals), logged."""
    found = _resolve(db, session, deposit_id)
    if found is None:
        return Err("E-ZAIKEI-DEPOSIT", field="request_id")
    if which not in LISTS:
        return Err("E-OUT-LIST", field="list_kind")
    scope, view = found
    columns = _columns(which)
    lines = _lines(db, scope, view, which)
    spec = ListSpec(
        title=LISTS[which],
        columns=[Column(t, w, amount=a, total=a) for t, _k, w, a in columns],
        output_date=to_jst(clock.now()).date(),
        header_lines=(
            f"契約番号：{session.contract_no}　契約名：{session.contract_name}",
            f"入金グループ：{scope.group_no} {scope.group_name}",
            f"預入年月・区分：{view.label}",
        ),
    )
    data = render_list(spec, ([line[k] for _t, k, _w, _a in columns] for line in lines),
                       on_progress=on_progress)
    _log(db, session, action=ACTION_STATEMENT, view=view, clock=clock, ip=ip, scope=scope,
         detail={"list": LISTS[which], "rows": len(lines)})
    name = _file_name(LISTS[which], session.contract_no, scope, view, clock, "pdf")
    return Ok(prepared(session, name, data, "application/pdf"))


def export_csv(
    db: Session, session: OutputSession, *, deposit_id: object, which: str, encoding: str,
    clock: Clock, ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RZ-3: the list of RZ-2 as CSV (預入年月, 区分, 入金予定日, then the list's columns with
    カナ氏名 and 所属): CP932 (default) or UTF-8 with BOM, CRLF, header row; logged."""
    found = _resolve(db, session, deposit_id)
    if found is None:
        return Err("E-ZAIKEI-DEPOSIT", field="request_id")
    if which not in LISTS:
        return Err("E-OUT-LIST", field="list_kind")
    if encoding not in EXPORT_FORMATS:
        return Err("E-OUT-ENCODING", field="encoding")
    scope, view = found
    columns = _columns(which)
    header = ["入金グループ", "預入年月", "区分", "入金予定日", columns[0][0], columns[1][0],
              *(t for t, _k in _CSV_EXTRA), *(c[0] for c in columns[2:])]
    keys = [c[1] for c in columns]
    lines = _lines(db, scope, view, which)
    rows = [[scope.group_no, view.deposit_month, PayKind(view.pay_kind).label,
             f"{view.deposit_date:%Y-%m-%d}", line[keys[0]], line[keys[1]],
             *(line[k] for _t, k in _CSV_EXTRA), *(line[k] for k in keys[2:])]
            for line in lines]
    data = export_bytes(header, rows, encoding=encoding, free_text_columns=(5, 6, 7),
                        total=len(rows), on_progress=on_progress)
    if isinstance(data, Err):
        return data
    _log(db, session, action=ACTION_EXPORT, view=view, clock=clock, ip=ip, scope=scope,
         detail={"list": LISTS[which], "rows": len(lines), "encoding": encoding})
    title = "財形積立明細データ" + ("_変更分" if which == "changes" else "")
    name = _file_name(title, session.contract_no, scope, view, clock, export_ext(encoding))
    return Ok(prepared(session, name, data, export_media_type(encoding)))


# ---------------------------------------------------------------------------- R-INFO-1

def latest_info(db: Session, *, contract_no: str, group_no: str | None) -> LatestInfo | None:
    """The latest received 預入依頼書, and — only where contracted — 加入者残高一覧表 and
    奨励金 of the session's group (R-INFO-1); None for a contract without 財形."""
    contract = db.exec(select(Contract).where(Contract.contract_no == contract_no)).first()
    if contract is None or Service.ZAIKEI.value not in contract.services.split(","):
        return None
    services = contract.services.split(",")
    has_balance = Service.ZAIKEI_BALANCE.value in services
    has_incentive = Service.ZAIKEI_INCENTIVE.value in services
    scope = None if group_no is None else _scope(
        db, _Numbers(contract_no, contract.name, "", group_no))
    deposit_text = balance_text = incentive_text = None
    if scope is not None:
        latest = db.exec(
            select(ZaikeiDeposit)
            .where(ZaikeiDeposit.contract_id == scope.contract_id,
                   ZaikeiDeposit.payment_group_id == scope.group_id)
            .order_by(col(ZaikeiDeposit.received_at).desc(),
                      code_point(col(ZaikeiDeposit.deposit_month)).desc())
        ).first()
        if latest is not None and latest.id is not None:
            view = DepositView(latest.id, latest.deposit_month, latest.pay_kind,
                               latest.deposit_date, latest.received_at)
            count = db.exec(select(func.count()).where(
                ZaikeiDepositItem.deposit_id == latest.id)).one()
            deposit_text = (f"預入依頼書：{view.label} {count}件"
                            f"（{dates.date_label(latest.received_at)} 受信）")
        if has_balance:
            head = db.exec(
                select(ZaikeiBalance)
                .where(ZaikeiBalance.contract_id == scope.contract_id,
                       ZaikeiBalance.payment_group_id == scope.group_id)
                .order_by(col(ZaikeiBalance.as_of).desc())
            ).first()
            if head is not None:
                count = db.exec(select(func.count()).where(
                    ZaikeiBalanceItem.balance_id == head.id)).one()
                balance_text = (f"加入者残高一覧表：基準日 {dates.date_label(head.as_of)} {count}件"
                                f"（{dates.date_label(head.received_at)} 受信）")
        if has_incentive:
            row = db.exec(
                select(ZaikeiDeposit, func.sum(ZaikeiDepositItem.incentive),
                       func.count(col(ZaikeiDepositItem.incentive)))
                .join(ZaikeiDepositItem,
                      col(ZaikeiDepositItem.deposit_id) == col(ZaikeiDeposit.id))
                .where(ZaikeiDeposit.contract_id == scope.contract_id,
                       ZaikeiDeposit.payment_group_id == scope.group_id,
                       col(ZaikeiDepositItem.incentive).is_not(None))
                .group_by(col(ZaikeiDeposit.id))
                .order_by(col(ZaikeiDeposit.received_at).desc(),
                          code_point(col(ZaikeiDeposit.deposit_month)).desc())
            ).first()
            if row is not None:
                dep, amount, count = row
                assert dep.id is not None
                view = DepositView(dep.id, dep.deposit_month, dep.pay_kind, dep.deposit_date,
                                   dep.received_at)
                incentive_text = (f"奨励金：{view.label} {count}件 合計 {amount:,}円"
                                  f"（{dates.date_label(dep.received_at)} 受信）")
    return LatestInfo(deposit_text, has_balance, balance_text, has_incentive, incentive_text)


@dataclass(frozen=True)
class _Numbers:
    contract_no: str
    contract_name: str
    user_id: str
    group_no: str | None
