"""The bank's 財形 files (``chingin bank load-zaikei``; README 「財形預入依頼書ファイル」
「加入者残高一覧表ファイル」; SPEC §11 財形貯蓄事務, R-INFO-1, A.5): parsed and checked whole,
stored all or nothing, every problem listed by row and column.

- 預入依頼書 (``deposit``): one or more 預入依頼書 (入金グループ × 預入年月 × 区分) with their
  lines; each must be new, the 入金予定日 one bank business day (A.3) per 預入依頼書; 奨励金
  only where the contract has 奨励金 (zaikei-incentive).
- 加入者残高一覧表 (``balance``): one or more (入金グループ × 基準日); only where the contract
  has 加入者残高一覧表 (zaikei-balance).

The parsers (``parse_deposit_rows``, ``parse_balance_rows``) are pure; ``load_*`` add what the
database knows (groups, existing data, services, closed days), then store and log.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlmodel import Session, select

from chingin_app.domain import calendar, dates
from chingin_app.domain.clock import Clock
from chingin_app.domain.contract import Service
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.zaikei import ZaikeiKind
from chingin_app.models import (
    ClosedDay,
    Contract,
    PaymentGroup,
    ZaikeiBalance,
    ZaikeiBalanceItem,
    ZaikeiDeposit,
    ZaikeiDepositItem,
)
from chingin_app.reports.csv_reader import read_table
from chingin_app.services import contract_records, oplog

__all__ = [
    "ACTION_LOAD_BALANCE",
    "ACTION_LOAD_DEPOSIT",
    "BALANCE_HEADER",
    "DEPOSIT_HEADER",
    "BalanceRow",
    "DepositRow",
    "Loaded",
    "load_balances",
    "load_deposits",
    "parse_balance_rows",
    "parse_deposit_rows",
]

ACTION_LOAD_DEPOSIT: Final = "zaikei.deposit.load"
ACTION_LOAD_BALANCE: Final = "zaikei.balance.load"

DEPOSIT_HEADER: Final[tuple[str, ...]] = (
    "入金グループ", "預入年月", "区分", "入金予定日", "職員番号", "カナ氏名", "漢字氏名", "所属",
    "生年月日", "種類", "口座番号", "月例額", "一時金額", "奨励金", "前回との変更",
)
BALANCE_HEADER: Final[tuple[str, ...]] = (
    "入金グループ", "基準日", "職員番号", "カナ氏名", "漢字氏名", "種類", "口座番号", "残高",
    "元利合計",
)
#: 区分 as the files and screens write it → stored value.

_RULES: Final[dict[str, str]] = {
    "入金グループ": "半角数字3桁",
    "預入年月": "「YYYY-MM」の形式",
    "区分": "「月例」または「一時金」",
    "入金予定日": "「YYYY-MM-DD」の形式の金庫営業日",
    "基準日": "「YYYY-MM-DD」の形式",
    "職員番号": "半角数字10桁以内",
    "カナ氏名": "銀行で使える半角カナ30バイト以内",
    "漢字氏名": "1〜20文字",
    "所属": "20文字以内",
    "生年月日": "「YYYY-MM-DD」の形式",
    "種類": "「一般財形」「財形年金」「財形住宅」のいずれか",
    "口座番号": "半角数字7桁",
    "月例額": "半角数字（カンマなし）9桁以内",
    "一時金額": "半角数字（カンマなし）9桁以内",
    "奨励金": "空欄または半角数字（カンマなし）9桁以内",
    "前回との変更": "「新規」「変更」「継続」「解約」のいずれか",
    "残高": "半角数字（カンマなし）10桁以内",
    "元利合計": "半角数字（カンマなし）10桁以内",
}
_FREE_TEXT: Final = ("漢字氏名", "所属")
_GROUP_RE: Final = re.compile(r"[0-9]{3}")
_MONTH_RE: Final = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")
_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STAFF_NO_RE: Final = re.compile(r"[0-9]{1,10}")
_ACCOUNT_RE: Final = re.compile(r"[0-9]{7}")
_AMOUNT_RE: Final = re.compile(r"0|[1-9][0-9]{0,8}")
_BIG_AMOUNT_RE: Final = re.compile(r"0|[1-9][0-9]{0,9}")
_KANA_MAX_BYTES: Final = 30
_NAME_MAX: Final = 20


@dataclass(frozen=True)
class DepositRow:
    """One checked line of a 預入依頼書 file (``row`` from 1, the header is row 1)."""

    row: int
    group_no: str
    month: str
    pay_kind: str
    deposit_date: date
    staff_no: str
    name_kana: str
    name_kanji: str
    department: str
    birth_date: date
    kind: ZaikeiKind
    account_no: str
    monthly_amount: int
    bonus_amount: int
    incentive: int | None
    change_kind: str


@dataclass(frozen=True)
class BalanceRow:
    """One checked line of a 加入者残高一覧表 file."""

    row: int
    group_no: str
    as_of: date
    staff_no: str
    name_kana: str
    name_kanji: str
    kind: ZaikeiKind
    account_no: str
    balance: int
    principal_interest: int


@dataclass(frozen=True)
class Loaded:
    """What was stored: (入金グループ, label, lines) per 預入依頼書 or 残高一覧表."""

    parts: tuple[tuple[str, str, int], ...]


class _Cells:
    """The cells of one row by column name, collecting E-ZAIKEI-VALUE errors."""

    def __init__(self, header: Sequence[str], row_no: int, cells: Sequence[str]) -> None:
        self.col = {name: i for i, name in enumerate(header)}
        self.row_no, self.cells = row_no, cells
        self.errors: list[Err] = []

    def text(self, name: str) -> str:
        return self.cells[self.col[name]].strip()

    def bad(self, name: str) -> None:
        self.errors.append(Err("E-ZAIKEI-VALUE", name, {
            "row": self.row_no, "column": self.col[name] + 1, "label": name,
            "rule": _RULES[name],
        }))

    def match(self, name: str, pattern: re.Pattern[str]) -> str:
        value = self.text(name)
        if pattern.fullmatch(value) is None:
            self.bad(name)
        return value

    def amount(self, name: str, pattern: re.Pattern[str] = _AMOUNT_RE) -> int:
        value = self.text(name)
        if pattern.fullmatch(value) is None:
            self.bad(name)
            return 0
        return int(value)

    def day(self, name: str) -> date:
        value = self.text(name)
        try:
            if _DATE_RE.fullmatch(value) is None:
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.bad(name)
            return date.min

    def kana(self) -> str:
        got = check_name_kana(self.text("カナ氏名"), max_bytes=_KANA_MAX_BYTES)
        if isinstance(got, Err):
            self.bad("カナ氏名")
            return ""
        return got.value

    def free(self, name: str, *, required: bool) -> str:
        value = self.text(name)
        if (required and not value) or len(value) > _NAME_MAX:
            self.bad(name)
        return value

    def kind(self) -> ZaikeiKind:
        found = ZaikeiKind.from_label(self.text("種類"))
        if found is None:
            self.bad("種類")
            return ZaikeiKind.GENERAL
        return found


def _row_no(row_numbers: Sequence[int] | None, index: int) -> int:
    """The row in the file (header = 1) of the ``index``-th data row."""
    return row_numbers[index] if row_numbers is not None else index + 2


def parse_deposit_rows(
    rows: Sequence[Sequence[str]], *, incentive_allowed: bool,
    row_numbers: Sequence[int] | None = None,
    is_business_day: Callable[[date], bool] = calendar.is_business_day,
) -> list[DepositRow] | list[Err]:
    """Check every data row of a 預入依頼書 file (rows after the header, so the first is row
    2): the lines, or every error (E-ZAIKEI-VALUE by row and column, E-ZAIKEI-INCENTIVE for a
    奨励金 without the service, E-ZAIKEI-DATE-MISMATCH / E-ZAIKEI-HOLIDAY for the 入金予定日,
    E-ZAIKEI-DUPLICATE-LINE for a repeated 職員番号・種類・口座番号)."""
    errors: list[Err] = []
    parsed: list[DepositRow] = []
    first_date: dict[tuple[str, str, str], tuple[int, date]] = {}
    seen: dict[tuple[str, str, str, str, str, str], int] = {}
    for index, cells in enumerate(rows):
        c = _Cells(DEPOSIT_HEADER, _row_no(row_numbers, index), cells)
        group_no = c.match("入金グループ", _GROUP_RE)
        month = c.match("預入年月", _MONTH_RE)
        kind_of_pay = PayKind.from_label(c.text("区分"))
        if kind_of_pay is None:
            c.bad("区分")
        pay_kind = "" if kind_of_pay is None else kind_of_pay.value
        deposit_date = c.day("入金予定日")
        staff_no = c.match("職員番号", _STAFF_NO_RE)
        kana = c.kana()
        kanji = c.free("漢字氏名", required=True)
        department = c.free("所属", required=False)
        birth = c.day("生年月日")
        kind = c.kind()
        account = c.match("口座番号", _ACCOUNT_RE)
        monthly = c.amount("月例額")
        bonus = c.amount("一時金額")
        incentive: int | None = None
        if c.text("奨励金"):
            incentive = c.amount("奨励金")
            if not incentive_allowed:
                c.errors.append(Err("E-ZAIKEI-INCENTIVE", "奨励金", {
                    "row": c.row_no, "column": c.col["奨励金"] + 1}))
        change = c.text("前回との変更")
        if change not in {k.value for k in ChangeKind}:
            c.bad("前回との変更")
        if c.errors:
            errors.extend(c.errors)
            continue
        key = (group_no, month, pay_kind)
        if deposit_date != date.min and key in first_date:
            first_row, first = first_date[key]
            if first != deposit_date:
                errors.append(Err("E-ZAIKEI-DATE-MISMATCH", "入金予定日",
                                  {"row": c.row_no, "first": first_row}))
        elif not is_business_day(deposit_date):
            errors.append(Err("E-ZAIKEI-HOLIDAY", "入金予定日",
                              {"row": c.row_no, "date": f"{dates.date_label(deposit_date)}"}))
            first_date[key] = (c.row_no, deposit_date)
        else:
            first_date[key] = (c.row_no, deposit_date)
        line_key = (*key, staff_no, kind.value, account)
        if line_key in seen:
            errors.append(Err("E-ZAIKEI-DUPLICATE-LINE", None,
                              {"row": c.row_no, "first": seen[line_key]}))
            continue
        seen[line_key] = c.row_no
        parsed.append(DepositRow(
            c.row_no, group_no, month, pay_kind, deposit_date, staff_no, kana, kanji,
            department, birth, kind, account, monthly, bonus, incentive, change,
        ))
    return errors if errors else parsed


def parse_balance_rows(
    rows: Sequence[Sequence[str]], *, row_numbers: Sequence[int] | None = None
) -> list[BalanceRow] | list[Err]:
    """Check every data row of a 加入者残高一覧表 file: the lines, or every error."""
    errors: list[Err] = []
    parsed: list[BalanceRow] = []
    seen: dict[tuple[str, date, str, str, str], int] = {}
    for index, cells in enumerate(rows):
        c = _Cells(BALANCE_HEADER, _row_no(row_numbers, index), cells)
        group_no = c.match("入金グループ", _GROUP_RE)
        as_of = c.day("基準日")
        staff_no = c.match("職員番号", _STAFF_NO_RE)
        kana = c.kana()
        kanji = c.free("漢字氏名", required=True)
        kind = c.kind()
        account = c.match("口座番号", _ACCOUNT_RE)
        balance = c.amount("残高", _BIG_AMOUNT_RE)
        total = c.amount("元利合計", _BIG_AMOUNT_RE)
        if c.errors:
            errors.extend(c.errors)
            continue
        key = (group_no, as_of, staff_no, kind.value, account)
        if key in seen:
            errors.append(Err("E-ZAIKEI-DUPLICATE-LINE", None,
                              {"row": c.row_no, "first": seen[key]}))
            continue
        seen[key] = c.row_no
        parsed.append(BalanceRow(c.row_no, group_no, as_of, staff_no, kana, kanji, kind,
                                 account, balance, total))
    return errors if errors else parsed


def _free_columns(header: Sequence[str]) -> tuple[int, ...]:
    return tuple(i for i, name in enumerate(header) if name in _FREE_TEXT)


def _refuse(db: Session, *, action: str, actor: str, clock: Clock, target: str,
            ticket: str | None, errors: Sequence[Err], max_errors: int) -> Invalid:
    db.rollback()
    oplog.operator_refusal(
        db, at=clock.now(), actor=oplog.operator_actor(actor), action=action, target=target,
        ticket=ticket,
        detail={"codes": sorted({e.code for e in errors}), "count": len(errors)},
    )
    return Invalid(tuple(errors[:max_errors]))


def _group_ids(db: Session, contract_id: int) -> dict[str, int]:
    rows = db.exec(select(PaymentGroup).where(PaymentGroup.contract_id == contract_id)).all()
    return {g.number: g.id for g in rows if g.id is not None}


def _employer_check(contract: Contract | None, service: Service | None) -> Err | None:
    if contract is None:
        return Err("E-CONTRACT-NOT-FOUND", "contract_no")
    if Service.ZAIKEI.value not in contract.services.split(","):
        return Err("E-ZAIKEI-NOT-EMPLOYER", "contract_no")
    if service is not None and service.value not in contract.services.split(","):
        return Err("E-ZAIKEI-NO-BALANCE-SERVICE", "kind")
    return None


def load_deposits(
    db: Session, *, contract_no: str, data: bytes, actor: str, clock: Clock,
    ticket: str | None = None, max_errors: int = 100,
) -> Ok[Loaded] | Invalid:
    """``chingin bank load-zaikei --kind deposit``: store the 預入依頼書 of the file, all or
    nothing; each logged in the contract's chain (refusals in the system chain)."""
    contract = contract_records.find_contract(db, contract_no)
    target = contract_no[:40]

    def refuse(errors: Sequence[Err]) -> Invalid:
        return _refuse(db, action=ACTION_LOAD_DEPOSIT, actor=actor, clock=clock, target=target,
                       ticket=ticket, errors=errors, max_errors=max_errors)

    if (err := _employer_check(contract, None)) is not None:
        return refuse([err])
    assert contract is not None and contract.id is not None
    contract_id = contract.id
    table = read_table(data, header=DEPOSIT_HEADER, free_text_columns=_free_columns(DEPOSIT_HEADER),
                       max_errors=max_errors)
    if isinstance(table, list):
        return refuse(table)
    closed = {row.day for row in db.exec(select(ClosedDay)).all()}
    parsed = parse_deposit_rows(
        table.rows, row_numbers=table.row_numbers,
        incentive_allowed=Service.ZAIKEI_INCENTIVE.value in contract.services.split(","),
        is_business_day=lambda d: calendar.is_business_day(d, extra_closed=closed),
    )
    if parsed and isinstance(parsed[0], Err):
        return refuse(parsed)  # type: ignore[arg-type]
    lines: list[DepositRow] = parsed  # type: ignore[assignment]
    groups = _group_ids(db, contract_id)
    errors: list[Err] = []
    parts: dict[tuple[str, str, str], list[DepositRow]] = {}
    for line in lines:
        parts.setdefault((line.group_no, line.month, line.pay_kind), []).append(line)
    for (group_no, month, pay_kind), part in parts.items():
        label = {"row": part[0].row, "group": group_no, "month": month,
                 "pay_kind": PayKind(pay_kind).label}
        group_id = groups.get(group_no)
        if group_id is None:
            errors.append(Err("E-ZAIKEI-GROUP", "入金グループ", label))
            continue
        exists = db.exec(select(ZaikeiDeposit.id).where(
            ZaikeiDeposit.contract_id == contract_id,
            ZaikeiDeposit.payment_group_id == group_id,
            ZaikeiDeposit.deposit_month == month, ZaikeiDeposit.pay_kind == pay_kind,
        )).first()
        if exists is not None:
            errors.append(Err("E-ZAIKEI-EXISTS", None, label))
    if errors:
        return refuse(errors)
    now = clock.now()
    stored: list[tuple[str, str, int]] = []
    for (group_no, month, pay_kind), part in parts.items():
        deposit = ZaikeiDeposit(
            contract_id=contract_id, payment_group_id=groups[group_no], deposit_month=month,
            pay_kind=pay_kind, deposit_date=part[0].deposit_date, received_at=now,
        )
        db.add(deposit)
        db.flush()
        assert deposit.id is not None
        db.add_all([
            ZaikeiDepositItem(
                contract_id=contract_id, deposit_id=deposit.id, staff_no=r.staff_no,
                name_kana=r.name_kana, name_kanji=r.name_kanji, department=r.department,
                birth_date=r.birth_date, kind=r.kind.value, account_no=r.account_no,
                monthly_amount=r.monthly_amount, bonus_amount=r.bonus_amount,
                incentive=r.incentive, change_kind=r.change_kind,
            )
            for r in part
        ])
        kind_label = PayKind(pay_kind).label
        oplog.operator_success(
            db, contract_no=contract.contract_no, at=now, actor=oplog.operator_actor(actor),
            action=ACTION_LOAD_DEPOSIT, target=f"入金グループ{group_no} {month} {kind_label}",
            ticket=ticket, detail={"rows": len(part)},
        )
        stored.append((group_no, f"{month} {kind_label}", len(part)))
    db.commit()
    return Ok(Loaded(tuple(stored)))


def load_balances(
    db: Session, *, contract_no: str, data: bytes, actor: str, clock: Clock,
    ticket: str | None = None, max_errors: int = 100,
) -> Ok[Loaded] | Invalid:
    """``chingin bank load-zaikei --kind balance``: store the 加入者残高一覧表 of the file, all
    or nothing; refused for a contract without 加入者残高一覧表."""
    contract = contract_records.find_contract(db, contract_no)
    target = contract_no[:40]

    def refuse(errors: Sequence[Err]) -> Invalid:
        return _refuse(db, action=ACTION_LOAD_BALANCE, actor=actor, clock=clock, target=target,
                       ticket=ticket, errors=errors, max_errors=max_errors)

    if (err := _employer_check(contract, Service.ZAIKEI_BALANCE)) is not None:
        return refuse([err])
    assert contract is not None and contract.id is not None
    contract_id = contract.id
    table = read_table(data, header=BALANCE_HEADER, free_text_columns=_free_columns(BALANCE_HEADER),
                       max_errors=max_errors)
    if isinstance(table, list):
        return refuse(table)
    parsed = parse_balance_rows(table.rows, row_numbers=table.row_numbers)
    if parsed and isinstance(parsed[0], Err):
        return refuse(parsed)  # type: ignore[arg-type]
    lines: list[BalanceRow] = parsed  # type: ignore[assignment]
    groups = _group_ids(db, contract_id)
    errors: list[Err] = []
    parts: dict[tuple[str, date], list[BalanceRow]] = {}
    for line in lines:
        parts.setdefault((line.group_no, line.as_of), []).append(line)
    for (group_no, as_of), part in parts.items():
        label = {"row": part[0].row, "group": group_no, "as_of": f"{dates.date_label(as_of)}"}
        group_id = groups.get(group_no)
        if group_id is None:
            errors.append(Err("E-ZAIKEI-GROUP", "入金グループ", label))
            continue
        exists = db.exec(select(ZaikeiBalance.id).where(
            ZaikeiBalance.contract_id == contract_id,
            ZaikeiBalance.payment_group_id == group_id, ZaikeiBalance.as_of == as_of,
        )).first()
        if exists is not None:
            errors.append(Err("E-ZAIKEI-BALANCE-EXISTS", None, label))
    if errors:
        return refuse(errors)
    now = clock.now()
    stored: list[tuple[str, str, int]] = []
    for (group_no, as_of), part in parts.items():
        head = ZaikeiBalance(contract_id=contract_id, payment_group_id=groups[group_no],
                             as_of=as_of, received_at=now)
        db.add(head)
        db.flush()
        assert head.id is not None
        db.add_all([
            ZaikeiBalanceItem(
                contract_id=contract_id, balance_id=head.id, staff_no=r.staff_no,
                name_kana=r.name_kana, name_kanji=r.name_kanji, kind=r.kind.value,
                account_no=r.account_no, balance=r.balance,
                principal_interest=r.principal_interest,
            )
            for r in part
        ])
        oplog.operator_success(
            db, contract_no=contract.contract_no, at=now, actor=oplog.operator_actor(actor),
            action=ACTION_LOAD_BALANCE,
            target=f"入金グループ{group_no} 基準日{dates.date_label(as_of)}",
            ticket=ticket, detail={"rows": len(part)},
        )
        stored.append((group_no, f"基準日 {dates.date_label(as_of)}", len(part)))
    db.commit()
    return Ok(Loaded(tuple(stored)))
