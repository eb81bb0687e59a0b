"""給与控除データ照合 (SPEC §13 R-PLUS-1, R-PLUS-5, A.2): the organisation uploads its own
payroll deduction CSV and sees every difference against the bank's current request of the
selected payment group before it confirms the まとめ入金 (RK-9). A preview: nothing is applied.

- The file is read in memory (``reports.csv_reader.read_csv``: size limit, CP932 or UTF-8 with
  or without BOM, A.2's look-alikes, characters CP932 cannot hold reported by row and column).
- Columns are found by their header names (``domain.reconciliation.find_columns``): the RK-5/
  RK-7 export (``reports.rokin_csv.REQUEST_COLUMNS``; amount 依頼額), so a request exported and
  uploaded unchanged shows 「差異 0件」 (A.2 「変更 0件」); the minimal file payroll systems
  can produce (職員番号, 商品コード, 口座番号, 控除額, any order); and any payroll file holding
  those among other columns (氏名 …, ignored; issue 14 item 5). A missing required column is
  named in the error.
- Lines match by 職員番号 + 商品コード + 口座番号 (``domain.reconciliation``), after codes that
  lost their leading zeros (a file saved by Excel) are padded back to the request's widths;
  the view says how many, so the screen can explain it.
- Tenant: the session's contract and payment group; the request is that group's latest
  received one (``cycle.latest_received``), its lines read through
  ``cycle.request_lines`` scoped by the contract, so another contract's or group's
  request is never compared.
- The operation log records each reconciliation (counts, never the file) and each refused
  file (the error codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlmodel import Session

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain import figures
from chingin_app.domain import reconciliation as rec
from chingin_app.domain.clock import Clock
from chingin_app.domain.line_kinds import PayKind
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import ActorKind, LogResult
from chingin_app.reports import rokin_csv
from chingin_app.reports.csv_reader import MAX_CSV_BYTES, read_csv
from chingin_app.services import oplog
from chingin_app.services.rokin import cycle
from chingin_app.services.tenant import TenantSession, scope_of

__all__ = [
    "ACTION_RECONCILE",
    "EXPORT_HEADER",
    "MAX_BYTES",
    "MINIMAL_HEADER",
    "CurrentRequest",
    "ReconciliationView",
    "current_request",
    "reconcile",
]

ACTION_RECONCILE: Final = "rokin.reconcile"
SCREEN: Final = "給与控除データ照合"
#: Uploads are read in memory: at most this many bytes (DESIGN §1).
MAX_BYTES: Final = MAX_CSV_BYTES
#: The RK-5/RK-7 export's header (an export uploaded unchanged is read as it was written).
EXPORT_HEADER: Final[tuple[str, ...]] = tuple(rokin_csv.header(rokin_csv.REQUEST_COLUMNS))
#: The least a payroll system's file needs (any column order).
MINIMAL_HEADER: Final[tuple[str, ...]] = (*rec.KEY_HEADERS, "控除額")


@dataclass(frozen=True)
class CurrentRequest:
    """The request the upload is compared with, as the screen names it."""

    request_id: int
    group_no: str
    group_name: str
    deduct_month: str
    pay_kind_label: str
    status: str
    line_count: int  # the requested lines: 解約 lines apart (issue 14 item 2)
    requested_total: int
    ended_count: int = 0
    ended_amount: int = 0

    @property
    def figures(self) -> str:
        """「244件 6,447,900円（ほかに解約 2件 0円）」: the count every screen shows."""
        return figures.count_and_amount(self.line_count, self.requested_total,
                                        ended=self.ended_count, ended_yen=self.ended_amount)


@dataclass(frozen=True)
class ReconciliationView:
    """The preview: the request, the comparison and how the file was read."""

    request: CurrentRequest
    result: rec.Reconciliation
    encoding: str
    layout: str  # 'export' | 'minimal' | 'named' (the required columns among others)
    conversions: int
    #: Lines whose codes were padded back to the request's widths (zero-stripped by Excel),
    #: the key columns concerned and a first example (as written, as restored).
    zeros_restored: int = 0
    zeros_columns: tuple[str, ...] = ()
    zeros_example: tuple[str, str] | None = None


def _current(db: Session, session: TenantSession) -> tuple[int, CurrentRequest] | Err:
    """(contract id, the group's latest received request) or E-RECON-NO-GROUP /
    E-RECON-NO-REQUEST."""
    if not session.group_no:
        return Err("E-RECON-NO-GROUP")
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return Err("E-RECON-NO-GROUP")
    view = cycle.latest_received(
        db, contract_id=scope.contract_id, payment_group_id=scope.payment_group_id
    )
    if view is None:
        return Err("E-RECON-NO-REQUEST")
    return scope.contract_id, CurrentRequest(
        request_id=view.id,
        group_no=view.group_no,
        group_name=view.group_name,
        deduct_month=view.deduct_month,
        pay_kind_label=PayKind(view.pay_kind).label,
        status=cyc.CycleStatus(view.status).label,
        line_count=view.totals.requested_count,
        requested_total=view.totals.requested_amount,
        ended_count=view.totals.ended_count,
        ended_amount=view.totals.ended_amount,
    )


def current_request(db: Session, *, session: TenantSession) -> Ok[CurrentRequest] | Err:
    """The request an upload would be compared with (the screen shows it first). Read-only."""
    found = _current(db, session)
    if isinstance(found, Err):
        return found
    return Ok(found[1])


def _layout(header: tuple[str, ...]) -> str | None:
    """How the header reads: the export's, the minimal one, the required columns among others
    (``named``), or None when it names none of the key columns (not a payroll file at all;
    a file with some of them gets E-RECON-COLUMN naming the missing ones)."""
    cells = tuple(cell.strip() for cell in header)
    if cells == EXPORT_HEADER:
        return "export"
    if sorted(cells) == sorted(MINIMAL_HEADER):
        return "minimal"
    if not set(cells) & set(rec.KEY_HEADERS):
        return None
    return "named"


def _refuse(
    db: Session, err: Err | Invalid, *, session: TenantSession, clock: Clock, ip: str | None,
    target: str | None,
) -> Err | Invalid:
    codes = [e.code for e in err.errors] if isinstance(err, Invalid) else [err.code]
    oplog.log_failure(
        db, chain=oplog.chain_for(session.contract_no), at=clock.now(),
        actor_kind=ActorKind.USER, actor=session.user_id[:40] or "?", action=ACTION_RECONCILE,
        result=LogResult.FAILURE, contract_no=session.contract_no, ip=ip, screen=SCREEN,
        target=target, detail={"codes": codes[:20]},
    )
    return err


def _target(request: CurrentRequest) -> str:
    return f"{request.group_no} {request.deduct_month} {request.pay_kind_label}"


def reconcile(
    db: Session,
    *,
    session: TenantSession,
    data: bytes,
    clock: Clock,
    ip: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Ok[ReconciliationView] | Invalid | Err:
    """R-PLUS-1: compare the uploaded payroll CSV ``data`` with the current request of the
    session's payment group; nothing is kept but an operation-log entry.

    Err E-RECON-NO-GROUP / E-RECON-NO-REQUEST when there is nothing to compare with;
    ``Invalid`` with the file's problems by row and column (read_csv's E-CSV-…, E-RECON-LAYOUT,
    E-RECON-REQUIRED, E-RECON-AMOUNT, E-RECON-DUPLICATE). Commits the log entry.
    """
    found = _current(db, session)
    if isinstance(found, Err):
        return found
    contract_id, request = found
    target = _target(request)
    table = read_csv(data, max_bytes=max_bytes)
    if isinstance(table, Invalid):
        return _refuse(db, table, session=session, clock=clock, ip=ip, target=target)
    csv_table = table.value
    layout = _layout(csv_table.header)
    if layout is None:
        err = Invalid((Err("E-RECON-LAYOUT", None, {}),))
        return _refuse(db, err, session=session, clock=clock, ip=ip, target=target)
    lines = rec.payroll_lines(csv_table.header, csv_table.rows,
                              row_numbers=csv_table.row_numbers)
    if lines and isinstance(lines[0], Err):
        errors = tuple(e for e in lines if isinstance(e, Err))
        return _refuse(db, Invalid(errors), session=session, clock=clock, ip=ip, target=target)
    entries = [
        rec.RequestEntry(
            key=rec.LineKey(line.staff_no, line.product_code, line.account_no),
            amount=line.amount,
            name=line.name_kanji or line.name_kana,
            department=line.department,
            hold=line.hold,
        )
        for line in cycle.request_lines(
            db, contract_id=contract_id, request_id=request.request_id
        )
    ]
    padded = rec.restore_zeros([ln for ln in lines if isinstance(ln, rec.PayrollLine)], entries)
    result = rec.compare(entries, padded.lines)
    oplog.user_success(
        db, contract_no=session.contract_no, at=clock.now(), actor=session.user_id,
        action=ACTION_RECONCILE, ip=ip, target=target, screen=SCREEN,
        detail={
            "layout": layout, "encoding": csv_table.encoding,
            "matched": result.matched, "different": result.different,
            "missing": result.missing, "extra": result.extra,
            "zeros_restored": padded.restored,
        },
    )
    db.commit()
    return Ok(ReconciliationView(request, result, csv_table.encoding, layout,
                                 len(csv_table.conversions), padded.restored, padded.columns,
                                 padded.example))
