"""The bank's 一斉積立内訳明細 file (``chingin bank load-batch``; README
「一斉積立内訳明細ファイル」; SPEC §11 一斉積立事務 RS-1..RS-3): read and checked whole and
stored all or nothing — one statement per (入金グループ, 積立年月, 区分), each line's 変更区分
against the group's previous statement — every problem listed by row and column, one log entry
per statement stored. The screens over the stored statements are ``services/batch_savings.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain.batch_savings import (
    BATCH_HEADER,
    COLUMN,
    FREE_TEXT_COLUMNS,
    BatchLine,
    BatchRow,
    changed_lines,
    kind_label,
    parse_row,
)
from chingin_app.domain.clock import Clock
from chingin_app.domain.contract import Service
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import BatchSavingsItem, BatchSavingsStatement, PaymentGroup
from chingin_app.reports.csv_reader import read_rows
from chingin_app.services import contract_records, oplog
from chingin_app.services.collation import code_point

__all__ = ["ACTION_LOAD", "BatchLoaded", "batch_csv", "load_batch", "store_statement"]

ACTION_LOAD: Final = "batch.statement.load"


@dataclass(frozen=True)
class BatchLoaded:
    """What a load stored: (入金グループ, 積立年月, 区分, lines, 新規, 変更, 解約) per statement."""

    statements: tuple[tuple[str, str, str, int, int, int, int], ...]


def _prior(db: Session, contract_id: int, group_id: int, kind: str,
           month: str) -> BatchSavingsStatement | None:
    return db.exec(
        select(BatchSavingsStatement)
        .where(BatchSavingsStatement.contract_id == contract_id,
               BatchSavingsStatement.payment_group_id == group_id,
               BatchSavingsStatement.kind == kind,
               col(BatchSavingsStatement.savings_month) < month)
        .order_by(code_point(col(BatchSavingsStatement.savings_month)).desc())
        .limit(1)
    ).first()


def _stored_lines(db: Session, statement_id: int) -> list[BatchLine]:
    items = db.exec(
        select(BatchSavingsItem).where(BatchSavingsItem.statement_id == statement_id)
    ).all()
    return [BatchLine(i.staff_no, i.name_kana, i.name_kanji, i.department, i.branch_no,
                      i.account_no, i.product_name, i.amount, i.previous_amount, i.change_kind)
            for i in items]


def _check_statements(
    db: Session, contract_id: int, rows: Sequence[BatchRow], errors: list[Err]
) -> dict[tuple[str, str, str], tuple[int, list[BatchRow]]]:
    """The statements the rows make, by (group, month, kind) → (group id, rows); errors for
    an unknown group, a duplicate line, a statement already received or one older than a
    statement received."""
    groups = {
        g.number: g.id for g in db.exec(
            select(PaymentGroup).where(PaymentGroup.contract_id == contract_id)
        ).all()
    }
    found: dict[tuple[str, str, str], tuple[int, list[BatchRow]]] = {}
    first_row: dict[tuple[str, str, str], int] = {}
    seen: dict[tuple[tuple[str, str, str], tuple[str, str, str]], int] = {}
    for row in rows:
        key = row.statement_key
        group_id = groups.get(row.group_no)
        if group_id is None:
            errors.append(Err("E-BATCH-GROUP", "入金グループ", {
                "row": row.row, "column": COLUMN["入金グループ"] + 1, "group": row.group_no}))
            continue
        if key not in found:
            found[key] = (group_id, [])
            first_row[key] = row.row
        line_key = (key, row.key)
        if line_key in seen:
            errors.append(Err("E-BATCH-DUPLICATE", None, {
                "row": row.row, "first": seen[line_key], "staff_no": row.staff_no}))
            continue
        seen[line_key] = row.row
        found[key][1].append(row)
    for key, (group_id, _rows) in found.items():
        group_no, month, kind = key
        params = {"row": first_row[key], "group": group_no, "month": month,
                  "kind": kind_label(kind)}
        latest_month = db.exec(
            select(func.max(BatchSavingsStatement.savings_month))
            .where(BatchSavingsStatement.contract_id == contract_id,
                   BatchSavingsStatement.payment_group_id == group_id,
                   BatchSavingsStatement.kind == kind)
        ).one()
        if latest_month is None:
            continue
        if latest_month == month or db.exec(
            select(BatchSavingsStatement.id).where(
                BatchSavingsStatement.contract_id == contract_id,
                BatchSavingsStatement.payment_group_id == group_id,
                BatchSavingsStatement.kind == kind,
                BatchSavingsStatement.savings_month == month)
        ).first():
            errors.append(Err("E-BATCH-EXISTS", None, params))
        elif latest_month > month:
            errors.append(Err("E-BATCH-OLDER", None, {**params, "later": latest_month}))
    return found


def store_statement(
    db: Session, *, contract_id: int, group_id: int, month: str, kind: str,
    rows: Sequence[BatchRow], received_at: datetime,
) -> tuple[BatchSavingsStatement, list[BatchLine]]:
    """Add one statement with its lines, 変更区分 computed against the previous statement of
    the group and 区分 (flushed, not committed). The caller has checked the rows."""
    before = _prior(db, contract_id, group_id, kind, month)
    previous = None if before is None or before.id is None else _stored_lines(db, before.id)
    lines = changed_lines(rows, previous)
    statement = BatchSavingsStatement(
        contract_id=contract_id, payment_group_id=group_id, savings_month=month, kind=kind,
        received_at=received_at, item_count=len(lines),
        total_amount=sum(ln.amount for ln in lines),
    )
    db.add(statement)
    db.flush()
    assert statement.id is not None
    for number, ln in enumerate(lines, start=1):
        db.add(BatchSavingsItem(
            contract_id=contract_id, statement_id=statement.id, line_no=number,
            staff_no=ln.staff_no, name_kana=ln.name_kana, name_kanji=ln.name_kanji,
            department=ln.department, branch_no=ln.branch_no, account_no=ln.account_no,
            product_name=ln.product_name, amount=ln.amount,
            previous_amount=ln.previous_amount, change_kind=ln.change_kind,
        ))
    db.flush()
    return statement, lines


def load_batch(
    db: Session,
    *,
    contract_no: str,
    data: bytes,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    max_errors: int = 100,
) -> Ok[BatchLoaded] | Invalid:
    """``chingin bank load-batch``: store the bank's 一斉積立内訳明細 file (README
    「一斉積立内訳明細ファイル」): one statement per (入金グループ, 積立年月, 区分) in it.

    All or nothing: ``Invalid`` lists every problem (``row``/``column`` from 1, the header is
    row 1) and nothing is stored — E-CSV-* for the file, E-BATCH-VALUE per cell, E-BATCH-GROUP,
    E-BATCH-DUPLICATE, E-BATCH-EXISTS, E-BATCH-OLDER. Each line's 変更区分 is computed against
    the previous statement of the same group and 区分. One log entry per statement.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()
    contract = contract_records.find_contract(db, contract_no)

    def refuse(errors: Sequence[Err]) -> Invalid:
        db.rollback()
        oplog.operator_refusal(
            db, at=now, actor=who, action=ACTION_LOAD,
            target=contract_no[:40],
            ticket=ticket,
            detail={"codes": sorted({e.code for e in errors}), "count": len(errors)},
        )
        return Invalid(tuple(errors[:max_errors]))

    if contract is None or contract.id is None:
        return refuse([Err("E-CONTRACT-NOT-FOUND", "contract_no")])
    contract_id = contract.id
    if Service.BATCH.value not in contract.service_list():
        return refuse([Err("E-BATCH-NO-SERVICE")])
    rows, errors = read_rows(data, header=BATCH_HEADER, parse_row=parse_row,
                             free_text_columns=FREE_TEXT_COLUMNS, max_errors=max_errors)
    statements = _check_statements(db, contract_id, rows, errors)
    if errors:
        errors.sort(key=lambda e: (int(e.params.get("row", 0)), int(e.params.get("column", 0))))
        return refuse(errors)

    summary: list[tuple[str, str, str, int, int, int, int]] = []
    for (group_no, month, kind), (group_id, group_rows) in sorted(statements.items()):
        statement, lines = store_statement(db, contract_id=contract_id, group_id=group_id,
                                           month=month, kind=kind, rows=group_rows,
                                           received_at=now)
        counts = {k: sum(ln.change_kind == k for ln in lines) for k in
                  (ChangeKind.NEW.value, ChangeKind.CHANGED.value,
                   ChangeKind.ENDED.value)}
        oplog.operator_success(
            db, contract_no=contract.contract_no, at=now, actor=who, action=ACTION_LOAD,
            target=f"入金グループ{group_no} {month} {kind_label(kind)}", ticket=ticket,
            detail={"statement_id": statement.id, "lines": len(lines), **counts},
        )
        summary.append((group_no, month, kind, len(lines), counts[ChangeKind.NEW.value],
                        counts[ChangeKind.CHANGED.value], counts[ChangeKind.ENDED.value]))
    db.flush()
    db.commit()
    return Ok(BatchLoaded(tuple(summary)))


def batch_csv(rows: Sequence[Sequence[object]], *, encoding: str = "cp932") -> bytes:
    """A file in the format ``load_batch`` reads (header, CRLF): for the demo, tests and the
    README's example. ``rows`` hold the 11 columns of ``BATCH_HEADER``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(BATCH_HEADER)
    writer.writerows(["" if v is None else str(v) for v in r] for r in rows)
    return buffer.getvalue().encode(encoding)
