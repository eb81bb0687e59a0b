"""RL-9 賃控元帳明細データエクスポート and RL-10 賃控元帳明細データインポート (SPEC §11, A.2,
R-PLUS-5).

Export: the session's ledger details (contract and payment group) as CSV in ``HEADER``'s
columns (CP932 by default, UTF-8 with BOM on request; 氏名・所属・種目名 neutralised against
formula injection), logged.

Import: the edited export back in. ``preview_import`` reads it with
``reports/csv_reader.read_csv`` (CP932 / UTF-8 / BOM, look-alikes converted and reported as
「変換」, characters CP932 cannot hold refused by row and column), checks every row with the
field rules of ``services/detail_rules.py`` and says what would change: 新規 (明細ID blank: an
employee of the group, by 職員番号, gets a detail of the 種目), 変更 (月例額・一時金額・開始年月・
終了年月), 解除 (状態 「解除」) and 変更なし; every error by row and column, and nothing is
offered to apply unless the whole file is valid. 明細ID is looked up only among the session's
contract's and group's details. カナ氏名・漢字氏名・所属・種目名 are for reading only: an
employee's names and 所属 are changed on RK-12 職員情報照会・変更 (one row per person, shared with
労金控除), so a cell that differs from the stored employee — an old export, or a typed
correction — is not applied and the preview says so by row (I-RL-IMPORT-EMPLOYEE-FIELDS),
never silently. ``apply_import`` writes the preview in one transaction with
the versions the preview read (the file carries none): anything changed meanwhile →
E-RL-IMPORT-CONFLICT, nothing applied; history rows and one operation-log entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.kana import normalise_kana
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import normalise_fullwidth_text
from chingin_app.models import Employee, LedgerDetail, LedgerItemType
from chingin_app.models.rokin import DetailStatus, HistoryAction
from chingin_app.reports.csv_reader import (
    MAX_CSV_BYTES,
    CsvConversion,
    canonical_cell,
    read_csv,
)
from chingin_app.services import detail_rules as rules
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import current_month
from chingin_app.services.ledger import details
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
from chingin_app.services.tenant import Scope, TenantSession, scope_of, tenant_clauses

__all__ = [
    "ACTION_EXPORT",
    "ACTION_IMPORT",
    "HEADER",
    "MAX_BYTES",
    "ImportLine",
    "ImportPreview",
    "apply_import",
    "export_csv",
    "export_rows",
    "preview_import",
]

ACTION_EXPORT: Final = "ledger.detail.export"
ACTION_IMPORT: Final = "ledger.detail.import"
_SCREEN_EXPORT: Final = "賃控元帳明細データエクスポート"
_SCREEN_IMPORT: Final = "賃控元帳明細データインポート"
MAX_BYTES: Final = MAX_CSV_BYTES

HEADER: Final = ("明細ID", "職員番号", "カナ氏名", "漢字氏名", "所属", "種目コード", "種目名",
                 "月例額", "一時金額", "開始年月", "終了年月", "状態")
FREE_TEXT: Final = (2, 3, 4, 6)
_COL = {name: i for i, name in enumerate(HEADER)}
_FIELD_COLUMNS: Final = {"monthly_amount": "月例額", "bonus_amount": "一時金額",
                         "start_month": "開始年月", "end_month": "終了年月"}
_STATES: Final = {"": "active", "有効": "active", "終了": "active", "解除": "cancelled"}



def _details(db: Session, scope: Scope) -> list[Any]:
    return list(db.exec(
        select(LedgerDetail, Employee, LedgerItemType)
        .join(Employee, col(Employee.id) == col(LedgerDetail.employee_id))
        .join(LedgerItemType, col(LedgerItemType.id) == col(LedgerDetail.item_type_id))
        .where(*tenant_clauses(LedgerDetail, scope))
        .order_by(code_point(col(Employee.staff_no)), code_point(col(LedgerItemType.code)),
                  col(LedgerDetail.id))
    ).all())


# --- RL-9 export --------------------------------------------------------------------------


def export_rows(db: Session, scope: Scope, this_month: str) -> list[tuple[str, ...]]:
    """The CSV rows (text cells) of the scope's details, by 職員番号 and 種目コード."""
    out: list[tuple[str, ...]] = []
    for d, e, t in _details(db, scope):
        state = rules.detail_state(d.status, d.end_month, this_month)
        out.append((str(d.id), e.staff_no, e.name_kana, e.name_kanji, e.department, t.code,
                    t.name, str(d.monthly_amount), str(d.bonus_amount), d.start_month,
                    d.end_month or "", rules.STATUS_LABELS[state]))
    return out


def export_csv(
    db: Session, session: TenantSession, *, encoding: str, clock: Clock, ip: str | None,
    on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RL-9: the session's ledger details as CSV, logged as ``ledger.detail.export``. Err
    E-OUT-ENCODING, E-OUT-CSV-CHAR (row, column), E-RL-DETAIL-NOT-FOUND (no tenant)."""
    if encoding not in EXPORT_FORMATS:
        return Err("E-OUT-ENCODING", "encoding")
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RL-DETAIL-NOT-FOUND")
    rows = export_rows(db, scope, current_month(clock))
    data = export_bytes(HEADER, rows, encoding=encoding, free_text_columns=FREE_TEXT,
                        total=len(rows), on_progress=on_progress,
                        number_columns=(_COL["月例額"], _COL["一時金額"]))
    if isinstance(data, Err):
        return data
    group = session.group_no or "all"
    log_output(db, session, action=ACTION_EXPORT, screen=_SCREEN_EXPORT, clock=clock, ip=ip,
               target=f"入金グループ{group}", detail={"rows": len(rows), "encoding": encoding})
    name = file_name("賃控元帳明細データ", contract_no=session.contract_no, group_no=group,
                     clock=clock, ext=export_ext(encoding))
    name = name
    return Ok(prepared(session, name, data, export_media_type(encoding)))


# --- RL-10 import -------------------------------------------------------------------------

NEW: Final = "new"
CHANGED: Final = "changed"
UNCHANGED: Final = "unchanged"
CANCELLED: Final = "cancelled"
KIND_LABELS: Final = {NEW: "新規", CHANGED: "変更", UNCHANGED: "変更なし", CANCELLED: "解除"}


@dataclass(frozen=True)
class ImportLine:
    """One data row of the file and what applying it does. ``detail_id``/``version`` for an
    existing detail (the version the preview read); ``employee_id``/``item_id`` always."""

    row: int
    kind: str
    detail_id: int | None
    version: int | None
    employee_id: int
    item_id: int
    staff_no: str
    name_kana: str
    item: str
    before: tuple[int, int, str, str | None] | None
    after: tuple[int, int, str, str | None]


@dataclass(frozen=True)
class ImportPreview:
    """Every row's line, the cells converted on reading (「変換」), the encoding read and the
    notes on employee cells that differ from the stored employee and are not applied."""

    encoding: str
    lines: tuple[ImportLine, ...]
    conversions: tuple[CsvConversion, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    def count(self, kind: str) -> int:
        return sum(1 for line in self.lines if line.kind == kind)

    @property
    def to_apply(self) -> int:
        return sum(1 for line in self.lines if line.kind != UNCHANGED)


def _cell_error(row: int, name: str, err: Err) -> Err:
    return Err("E-RL-IMPORT-CELL", None, {
        "row": row, "column": _COL[name] + 1, "label": name,
        "reason": message(err.code, **err.params),
    })


def _row_errors(row: int, errs: list[Err]) -> list[Err]:
    return [_cell_error(row, _FIELD_COLUMNS.get(e.field or "", "月例額"), e) for e in errs]


def _employee_notes(row: int, cells: tuple[str, ...], e: Employee) -> list[str]:
    """The row's カナ氏名・漢字氏名・所属 cells that differ from the stored employee (compared
    as stored: kana normalised per A.1, the others converted to full width, both sides through
    ``canonical_cell`` so the export's own ¥ ↔ 0x5C reads back equal); blank cells are not a
    difference."""
    def text_form(value: str) -> str:
        return canonical_cell(normalise_fullwidth_text(value.strip()))

    notes: list[str] = []
    for label, typed, stored, same in (
        ("カナ氏名", cells[_COL["カナ氏名"]], e.name_kana,
         normalise_kana(cells[_COL["カナ氏名"]].strip()) == e.name_kana),
        ("漢字氏名", cells[_COL["漢字氏名"]], e.name_kanji,
         text_form(cells[_COL["漢字氏名"]]) == text_form(e.name_kanji)),
        ("所属", cells[_COL["所属"]], e.department,
         text_form(cells[_COL["所属"]]) == text_form(e.department)),
    ):
        if typed.strip() and not same:
            notes.append(message("I-RL-IMPORT-EMPLOYEE-FIELDS", row=row, label=label,
                                 stored=stored))
    return notes


def preview_import(
    db: Session, *, session: TenantSession, clock: Clock, data: bytes,
) -> Ok[ImportPreview] | Invalid | Err:
    """RL-10 (R-PLUS-5): what the file would change, or ``Invalid`` with every problem by row
    and column (E-CSV-… of the reader, E-RL-IMPORT-CELL). Changes nothing. Err
    E-GROUP-NOT-SELECTED without a payment group."""
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return Err("E-GROUP-NOT-SELECTED")
    read = read_csv(data, expected_header=HEADER, free_text_columns=FREE_TEXT,
                    max_bytes=MAX_BYTES)
    if isinstance(read, Invalid):
        return read
    table = read.value
    known = {d.id: (d, e, t) for d, e, t in _details(db, scope)}
    employees = {e.staff_no: e for e in db.exec(select(Employee).where(
        Employee.contract_id == scope.contract_id,
        Employee.payment_group_id == scope.payment_group_id)).all()}
    items = {t.code: t for t in db.exec(select(LedgerItemType).where(
        LedgerItemType.contract_id == scope.contract_id)).all()}
    active_pairs = {(d.employee_id, d.item_type_id) for d, _, _ in known.values()
                    if d.status == DetailStatus.ACTIVE.value}
    errors: list[Err] = []
    lines: list[ImportLine] = []
    notes: list[str] = []
    seen_ids: set[int] = set()
    for row, cells in table.numbered():
        def cell(name: str, cells: tuple[str, ...] = cells) -> str:
            return cells[_COL[name]]

        def fail(name: str, code: str, row: int = row, **params: object) -> None:
            errors.append(_cell_error(row, name, Err(code, None, dict(params))))

        staff_no, code = cell("職員番号"), cell("種目コード")
        state = _STATES.get(cell("状態"))
        if state is None:
            fail("状態", "E-RL-IMPORT-STATE")
        values = rules.check_amounts_and_months(cell("月例額"), cell("一時金額"),
                                                cell("開始年月"), cell("終了年月"))
        if isinstance(values, list):
            errors.extend(_row_errors(row, values))
        id_text = cell("明細ID").strip()
        if id_text:
            detail_id = int(id_text) if id_text.isdigit() and len(id_text) <= 12 else None
            found = None if detail_id is None else known.get(detail_id)
            if found is None or detail_id is None:
                fail("明細ID", "E-RL-IMPORT-ID")
                continue
            if detail_id in seen_ids:
                fail("明細ID", "E-RL-IMPORT-ID-TWICE")
                continue
            seen_ids.add(detail_id)
            d, e, t = found
            if staff_no != e.staff_no:
                fail("職員番号", "E-RL-IMPORT-MISMATCH", label="職員番号")
            if code != t.code:
                fail("種目コード", "E-RL-IMPORT-MISMATCH", label="種目コード")
            if isinstance(values, list) or state is None or staff_no != e.staff_no \
                    or code != t.code:
                continue
            before = (d.monthly_amount, d.bonus_amount, d.start_month, d.end_month)
            after = (values.monthly_amount, values.bonus_amount, values.start_month,
                     values.end_month)
            if d.status == DetailStatus.CANCELLED.value:
                if state != "cancelled" or after != before:
                    fail("状態", "E-RL-IMPORT-CANCELLED")
                    continue
                kind = UNCHANGED
            elif state == "cancelled":
                kind = CANCELLED
            else:
                kind = CHANGED if after != before else UNCHANGED
            assert d.id is not None and e.id is not None and t.id is not None
            notes += _employee_notes(row, cells, e)
            lines.append(ImportLine(row, kind, d.id, d.version, e.id, t.id, e.staff_no,
                                    e.name_kana, f"{t.code} {t.name}", before, after))
            continue
        employee = employees.get(staff_no)
        if (err := rules.check_staff_no(staff_no)) is not None:
            errors.append(_cell_error(row, "職員番号", err))
        elif employee is None:
            fail("職員番号", "E-RL-IMPORT-EMPLOYEE")
        item = items.get(code)
        if item is None:
            fail("種目コード", "E-RL-ITEM-UNKNOWN", label="種目")
        if state == "cancelled":
            fail("状態", "E-RL-IMPORT-NEW-CANCELLED")
        if employee is None or item is None or isinstance(values, list) or state != "active":
            continue
        assert employee.id is not None and item.id is not None
        if (employee.id, item.id) in active_pairs:
            fail("種目コード", "E-RL-IMPORT-DUPLICATE")
            continue
        active_pairs.add((employee.id, item.id))
        notes += _employee_notes(row, cells, employee)
        lines.append(ImportLine(
            row, NEW, None, None, employee.id, item.id, employee.staff_no, employee.name_kana,
            f"{item.code} {item.name}", None,
            (values.monthly_amount, values.bonus_amount, values.start_month, values.end_month)))
    if errors:
        return Invalid(tuple(errors[:200]))
    if not lines:
        return Invalid((Err("E-CSV-EMPTY"),))
    return Ok(ImportPreview(table.encoding, tuple(lines), table.conversions,
                            tuple(notes[:200])))


def apply_import(
    db: Session, *, session: TenantSession, clock: Clock, preview: ImportPreview,
    ip: str | None = None,
) -> Ok[dict[str, int]] | Err:
    """適用 (RL-10): the preview's new, changed and cancelled lines in one transaction, with
    the versions the preview read; returns the counts. Err E-RL-NO-CHANGE (nothing to apply),
    E-RL-IMPORT-CONFLICT (a detail changed, or the employee got the 種目, since the preview:
    nothing applied). Logged once as ``ledger.detail.import``."""
    def refuse(err: Err) -> Err:
        rules.refuse(db, err, session=session, clock=clock, action=ACTION_IMPORT,
                     screen=_SCREEN_IMPORT, ip=ip, target=None)
        return err

    todo = [line for line in preview.lines if line.kind != UNCHANGED]
    if not todo:
        return refuse(Err("E-RL-NO-CHANGE"))
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return refuse(Err("E-GROUP-NOT-SELECTED"))
    now = clock.now()
    ids = [line.detail_id for line in todo if line.detail_id is not None]
    rows = {d.id: d for d in db.exec(
        select(LedgerDetail).where(
            col(LedgerDetail.id).in_(ids), col(LedgerDetail.contract_id) == scope.contract_id,
            col(LedgerDetail.payment_group_id) == scope.payment_group_id,
        ).with_for_update().execution_options(populate_existing=True)
    ).all()} if ids else {}
    for line in todo:
        if line.detail_id is None:
            continue
        d = rows.get(line.detail_id)
        if d is None or d.version != line.version or d.status != DetailStatus.ACTIVE.value:
            return refuse(Err("E-RL-IMPORT-CONFLICT", None, {"row": line.row}))
    group_id = scope.payment_group_id
    for line in todo:
        employee = rules.locked_employee(db, contract_id=scope.contract_id,
                                         payment_group_id=group_id,
                                         employee_id=line.employee_id)
        item = db.get(LedgerItemType, line.item_id)
        if employee is None or item is None or item.contract_id != scope.contract_id:
            return refuse(Err("E-RL-IMPORT-CONFLICT", None, {"row": line.row}))
        monthly, bonus, start, end = line.after
        if line.kind == NEW:
            if details.has_active_duplicate(db, line.employee_id, line.item_id):
                return refuse(Err("E-RL-IMPORT-CONFLICT", None, {"row": line.row}))
            values = rules.AmountsAndMonths(monthly, bonus, start, end)
            d = details.insert_detail(db, scope, employee, item, values, now)
            details.record_history(db, scope, d, HistoryAction.ADD, session.user_id, now,
                                          None, details.snapshot(d, employee, item))
            continue
        assert line.detail_id is not None
        d = rows[line.detail_id]
        before = details.snapshot(d, employee, item)
        if line.kind == CANCELLED:
            d.status = DetailStatus.CANCELLED.value
            d.cancelled_at = now
            action = HistoryAction.CANCEL
        else:
            d.monthly_amount, d.bonus_amount, d.start_month, d.end_month = line.after
            action = HistoryAction.CHANGE
        d.updated_at = now
        if not rules.flushed(db, d):
            return refuse(Err("E-RL-IMPORT-CONFLICT", None, {"row": line.row}))
        details.record_history(db, scope, d, action, session.user_id, now, before,
                                      details.snapshot(d, employee, item))
    counts = {kind: preview.count(kind) for kind in (NEW, CHANGED, CANCELLED, UNCHANGED)}
    rules.commit_logged(db, contract_no=scope.contract_no, at=now, session=session,
                        action=ACTION_IMPORT, ip=ip, target=f"入金グループ{session.group_no}",
                        screen=_SCREEN_IMPORT, detail=dict(counts))
    return Ok(counts)

