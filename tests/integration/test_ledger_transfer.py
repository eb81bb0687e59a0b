"""RL-9 賃控元帳明細データエクスポート and RL-10 賃控元帳明細データインポート (SPEC §11; A.2
CSV rules; R-PLUS-5 import preview; R-USER-7; R-SEC-1 tenant scoping). SQLite and PostgreSQL:
the services and the import screen's state (its preview and 適用) on real data, history and
log; the upload itself is the e2e test's."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    Contract,
    Employee,
    LedgerDetail,
    LedgerDetailHistory,
    MenuPermission,
    OperationLog,
)
from chingin_app.models.users import User
from chingin_app.services.ledger import transfer as ledger_transfer
from chingin_app.state.ledger.transfer import LedgerImportState
from tests.integration.ledger_support import LedgerOrg, make_ledger_org, screen
from tests.support.events import run_background

CLOCK = SystemClock()


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    return app_env


@pytest.fixture
def org(db: Session) -> Iterator[LedgerOrg]:
    made = make_ledger_org(db)
    viewer = db.exec(select(User).where(User.user_id == made.viewer)).one()
    assert viewer.id is not None
    for key in ("ledger.detail_export", "ledger.detail_import"):
        db.add(MenuPermission(user_pk=viewer.id, menu_key=key, level="view_only"))
    # A.2: a department with ¥ and a formula-like kanji name survive the round trip.
    first = db.exec(select(Employee).where(Employee.contract_id == made.contract_id,
                                           Employee.staff_no == "000001")).one()
    first.department, first.name_kanji = "総務部¥第一課", "=髙橋"
    db.add(first)
    db.commit()
    yield made


def session_of(db: Session, org: LedgerOrg, group_no: str = "001") -> Any:
    contract = db.get(Contract, org.contract_id)
    assert contract is not None
    found = SimpleNamespace(contract_no=contract.contract_no, user_id=org.master,
                            group_no=group_no)
    db.commit()
    return found


def exported(db: Session, org: LedgerOrg, encoding: str = "cp932") -> bytes:
    made = ledger_transfer.export_csv(db, session_of(db, org), encoding=encoding, clock=CLOCK,
                                      ip=None)
    assert isinstance(made, Ok), made
    return made.value.content


def rows_of(data: bytes, encoding: str = "cp932") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def as_csv(rows: list[list[str]], encoding: str = "cp932") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def preview(db: Session, org: LedgerOrg, data: bytes) -> Any:
    found = ledger_transfer.preview_import(db, session=session_of(db, org), clock=CLOCK,
                                           data=data)
    db.commit()
    return found


def importer(org: LedgerOrg, user_id: str | None = None) -> Any:
    state = screen(org, user_id or org.master, LedgerImportState, routes.LEDGER_IMPORT)  # type: ignore[arg-type]
    assert state.load() is None
    return state


def monthly(db: Session, detail_id: int) -> int:
    db.rollback()
    row = db.get(LedgerDetail, detail_id)
    assert row is not None
    found = row.monthly_amount
    db.commit()
    return found


def import_logs(db: Session, org: LedgerOrg) -> int:
    contract = db.get(Contract, org.contract_id)
    assert contract is not None
    found = len(db.exec(select(OperationLog.id).where(
        OperationLog.contract_no == contract.contract_no,
        OperationLog.action == "ledger.detail.import",
        OperationLog.result == "success")).all())
    db.commit()
    return found


def test_rl_9_export_columns_group_scope_and_formula_guard(db: Session, org: LedgerOrg) -> None:
    """RL-9: header as specified, group 001's 40 details only (明細ID as text), CP932 by
    default and UTF-8 with BOM on request; the formula-like 漢字氏名 gets the ' guard (A.2)."""
    rows = rows_of(exported(db, org))
    assert tuple(rows[0]) == ledger_transfer.HEADER
    assert len(rows) == 41
    assert {r[1] for r in rows[1:]} == {f"{n:06d}" for n in range(1, 31)}
    first = next(r for r in rows[1:] if r[1] == "000001" and r[5] == "0001")
    assert first[3] == "'=髙橋" and first[4] == "総務部\\第一課" and first[11] == "有効"
    bom = exported(db, org, "utf-8-sig")
    assert bom.startswith(b"\xef\xbb\xbf")
    assert [r for r in rows_of(bom, "utf-8-sig")[1:] if r[1] != "000001"] == [
        r for r in rows[1:] if r[1] != "000001"]
    assert "総務部¥第一課" in bom.decode("utf-8-sig")  # ¥ kept in UTF-8, 0x5C in CP932
    assert rows_of(bom, "utf-8-sig")[0][0].lstrip("\ufeff") == "明細ID"


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig"])
def test_a_2_r_plus_5_export_imported_unchanged_previews_no_change(
    db: Session, org: LedgerOrg, encoding: str
) -> None:
    """A.2 / R-PLUS-5: "An export imported unchanged previews as 「変更 0件」" — in CP932 and in
    UTF-8 with BOM, with ¥ and the formula guard in the file; 適用 has nothing to do."""
    found = preview(db, org, exported(db, org, encoding))
    assert isinstance(found, Ok), found
    assert found.value.count("changed") == found.value.count("new") == 0
    assert found.value.count("unchanged") == 40
    assert found.value.notes == ()  # the employee cells read back as stored (RK-12 owns them)
    state = importer(org)
    state._take(found, "export.csv")
    assert (state.shown, state.changed_count, state.unchanged_count) == (True, 0, 40)
    assert state.apply_count == 0 and state.total == 0  # the default view: changes only
    assert run_background(state, "apply") is None
    assert state.alert_text == message("E-RL-NO-CHANGE")


def test_rk_12_rl_10_employee_cells_differing_are_reported_not_applied(
    db: Session, org: LedgerOrg
) -> None:
    """RL-10 with RK-12: an old export whose 所属 and カナ氏名 differ from the employee (changed
    on 職員情報照会・変更 since) previews a note per cell naming the stored value and the screen
    that changes it; 適用 applies the amounts only and the employee stays as stored."""
    rows = rows_of(exported(db, org))
    header = rows[0]
    col_of = {name: header.index(name) for name in ("職員番号", "カナ氏名", "所属", "月例額")}
    target = next(r for r in rows[1:] if r[col_of["職員番号"]] == "000002")
    target[col_of["所属"]] = "旧所属部"
    target[col_of["カナ氏名"]] = "すずき じろう"  # ｽｽﾞｷ ｼﾞﾛｳ ≠ the stored ｽｽﾞｷ ﾊﾅｺ
    target[col_of["月例額"]] = "7777"
    found = preview(db, org, as_csv(rows))
    assert isinstance(found, Ok), found
    row_no = rows.index(target) + 1
    employee = db.exec(select(Employee).where(Employee.contract_id == org.contract_id,
                                              Employee.staff_no == "000002")).one()
    stored_kana, stored_dept, version = employee.name_kana, employee.department, employee.version
    db.commit()
    assert found.value.notes == (
        message("I-RL-IMPORT-EMPLOYEE-FIELDS", row=row_no, label="カナ氏名", stored=stored_kana),
        message("I-RL-IMPORT-EMPLOYEE-FIELDS", row=row_no, label="所属", stored=stored_dept),
    )
    assert "職員情報照会・変更" in found.value.notes[0]
    state = importer(org)
    state._take(found, "old.csv")
    assert state.employee_notes == list(found.value.notes)
    assert run_background(state, "apply") is None and state.alert_text == ""
    db.expire_all()
    after = db.get(Employee, employee.id)
    assert after is not None
    assert (after.name_kana, after.department, after.version) == (stored_kana, stored_dept,
                                                                  version)
    db.commit()


def test_rl_10_one_changed_amount_new_row_and_cancel_applied_with_history(
    db: Session, org: LedgerOrg
) -> None:
    """RL-10 / R-PLUS-5: one changed 月例額 → 変更 1件, a row with blank 明細ID → 新規 1件, 状態
    解除 → 解除 1件, the rest 変更なし; nothing changes until 適用, which writes them in one
    transaction with a history row each and one log entry."""
    rows = rows_of(exported(db, org))
    changed = next(r for r in rows[1:] if r[1] == "000002" and r[5] == "0001")
    changed[7] = "9876"
    cancelled = next(r for r in rows[1:] if r[1] == "000003" and r[5] == "0001")
    cancelled[11] = "解除"
    rows.append(["", "000005", "", "", "", "0003", "", "300", "0", "2026/04", "", ""])
    found = preview(db, org, as_csv(rows))
    assert isinstance(found, Ok), found
    counts = {k: found.value.count(k) for k in ("new", "changed", "cancelled", "unchanged")}
    assert counts == {"new": 1, "changed": 1, "cancelled": 1, "unchanged": 38}
    changed_id = int(changed[0])
    assert monthly(db, changed_id) == 1_100
    state = importer(org)
    state._take(found, "edited.csv")
    assert state.changed_count == 1 and state.total == 3
    row = next(r for r in state.rows if r["kind"] == "changed")
    assert row["monthly_amount"] == "1,100 → 9,876" and row["row"] == str(rows.index(changed) + 1)
    history_before = len(db.exec(select(LedgerDetailHistory.id)).all())
    db.commit()
    assert run_background(state, "apply") is None
    assert state.alert_text == "", state.alert_text
    assert "変更 1件" in state.notice and "新規 1件" in state.notice
    assert monthly(db, changed_id) == 9_876
    db.rollback()
    assert db.get(LedgerDetail, int(cancelled[0])).status == "cancelled"  # type: ignore[union-attr]
    new = db.exec(select(LedgerDetail).where(
        LedgerDetail.item_type_id == org.items["0003"])).all()
    assert [(d.monthly_amount, d.start_month) for d in new] == [(300, "2026-04")]
    actions = db.exec(select(LedgerDetailHistory.action).where(
        col(LedgerDetailHistory.id) > history_before)).all()
    db.commit()
    assert sorted(actions) == sorted(["変更", "解除", "追加"])
    assert import_logs(db, org) == 1


def test_r_dep_4_apply_is_a_background_event_that_applies_once(
    db: Session, org: LedgerOrg
) -> None:
    """R-DEP-4: 適用 runs as a background event (Reflex's 10 s state lock); a はい arriving while
    an apply runs does nothing, and the preview is taken by the first, so a second 適用 after
    it finds nothing to apply — one import, one log entry."""
    from chingin_app.state.ledger.transfer import LedgerImportState

    assert LedgerImportState.event_handlers["apply"].is_background
    rows = rows_of(exported(db, org))
    changed = next(r for r in rows[1:] if r[1] == "000002" and r[5] == "0001")
    changed[7] = "4321"
    found = preview(db, org, as_csv(rows))
    assert isinstance(found, Ok), found
    state = importer(org)
    state._take(found, "edited.csv")
    db.commit()
    state.busy = True  # an apply is running
    assert run_background(state, "apply") is None
    assert monthly(db, int(changed[0])) != 4_321 and state._preview is not None
    db.rollback()
    state.busy = False
    assert run_background(state, "apply") is None
    assert monthly(db, int(changed[0])) == 4_321
    db.rollback()
    assert run_background(state, "apply") is None
    assert state.alert_text == message("E-RL-NO-CHANGE")
    assert import_logs(db, org) == 1


def test_rl_10_bad_rows_listed_by_row_and_column_and_nothing_applied(
    db: Session, org: LedgerOrg
) -> None:
    """RL-10: every row validated; errors by row and column (amount, month, 種目, 状態, a
    changed 職員番号), the file refused whole: nothing to apply."""
    rows = rows_of(exported(db, org))
    rows[2][7] = "1,000"  # row 3, column 8 月例額
    rows[4][9] = "2026-13"  # row 5, column 10 開始年月
    rows[6][11] = "停止"  # row 7, column 12 状態
    rows[8][1] = "000099"  # row 9, column 2 職員番号 of another detail
    rows.append(["", "000005", "", "", "", "0999", "", "300", "0", "2026-04", "", ""])
    found = preview(db, org, as_csv(rows))
    assert isinstance(found, Invalid)
    where = {(e.params["row"], e.params["column"]) for e in found.errors}
    assert where == {(3, 8), (5, 10), (7, 12), (9, 2), (len(rows), 6)}
    texts = [message(e.code, **e.params) for e in found.errors]
    assert any(t.startswith("3行目 8列目（月例額）：") for t in texts)
    state = importer(org)
    state._take(found, "bad.csv")
    assert not state.shown and len(state.file_errors) == 5 and state.alert_text != ""
    assert run_background(state, "apply") is None and state.alert_text == message("E-RL-NO-CHANGE")
    assert import_logs(db, org) == 0


def test_a_2_unholdable_character_reported_and_lookalike_converted(
    db: Session, org: LedgerOrg
) -> None:
    """A.2: 𠮷 (not in CP932) in a UTF-8 file is reported by row and column; a wave dash 〜
    is converted and shown as 「変換」, and the file still previews as 「変更 0件」."""
    rows = rows_of(exported(db, org, "utf-8-sig"), "utf-8-sig")
    rows[0][0] = rows[0][0].lstrip("\ufeff")
    bad = [list(r) for r in rows]
    bad[3][3] = "𠮷田"
    found = preview(db, org, as_csv(bad, "utf-8-sig"))
    assert isinstance(found, Invalid)
    assert [(e.code, e.params["row"], e.params["column"]) for e in found.errors] == [
        ("E-CSV-CHAR", 4, 4)]
    rows[3][4] = "営業部〜東"
    found = preview(db, org, as_csv(rows, "utf-8-sig"))
    assert isinstance(found, Ok), found
    state = importer(org)
    state._take(found, "wave.csv")
    assert state.changed_count == 0
    assert state.conversions == ["4行目 5列目：「営業部〜東」→「営業部～東」（変換）"]


def test_rl_10_detail_id_of_another_group_or_contract_refused(
    db: Session, org: LedgerOrg
) -> None:
    """R-SEC-1: 明細ID is looked up only in the session's contract and payment group: group
    002's and contract B's ids are errors at column 1, and nothing of theirs changes."""
    rows = rows_of(exported(db, org))
    group2 = db.exec(select(LedgerDetail).join(
        Employee, col(Employee.id) == col(LedgerDetail.employee_id)).where(
        LedgerDetail.contract_id == org.contract_id, Employee.staff_no == "000031")).first()
    db.commit()
    assert group2 is not None and group2.id is not None
    rows.append([str(group2.id), "000031", "", "", "", "0001", "", "1", "0", "2025-04", "", ""])
    rows.append([str(org.other_detail), "000001", "", "", "", "0001", "", "1", "0", "2025-04",
                 "", ""])
    found = preview(db, org, as_csv(rows))
    assert isinstance(found, Invalid)
    assert {(e.params["row"], e.params["column"]) for e in found.errors} == {
        (len(rows) - 1, 1), (len(rows), 1)}
    assert all(message(e.code, **e.params).endswith(message("E-RL-IMPORT-ID"))
               for e in found.errors)
    assert monthly(db, group2.id) == group2.monthly_amount
    assert monthly(db, org.other_detail) == 2_000


def test_rl_10_conflict_when_a_detail_changed_after_the_preview(
    db: Session, org: LedgerOrg
) -> None:
    """RL-10 optimistic lock: the file has no versions; the preview's are kept server-side, so
    a detail changed between 読込 and 適用 → conflict, nothing applied."""
    rows = rows_of(exported(db, org))
    rows[1][7], rows[2][7] = "5555", "6666"
    found = preview(db, org, as_csv(rows))
    assert isinstance(found, Ok) and found.value.count("changed") == 2
    state = importer(org)
    state._take(found, "edited.csv")
    other = db.get(LedgerDetail, int(rows[2][0]))
    assert other is not None
    other.bonus_amount = 10
    db.add(other)
    db.commit()
    assert run_background(state, "apply") is None
    assert state.alert_text == message("E-RL-IMPORT-CONFLICT", row=3)
    assert monthly(db, int(rows[1][0])) != 5_555
    assert import_logs(db, org) == 0


def test_rl_10_view_only_refused_on_apply(db: Session, org: LedgerOrg) -> None:
    """R-USER-7: インポート is a change menu; a user set to 閲覧のみ cannot open it and a crafted
    適用 frame (with a preview on the server) is refused, changing nothing."""
    rows = rows_of(exported(db, org))
    rows[1][7] = "5555"
    found = preview(db, org, as_csv(rows))
    assert isinstance(found, Ok)
    viewer = screen(org, org.viewer, LedgerImportState, routes.LEDGER_IMPORT)  # type: ignore[arg-type]
    assert viewer.load() is not None
    viewer._take(found, "edited.csv")
    assert run_background(viewer, "apply") is None
    assert viewer.alert_text != "" and viewer.notice == ""
    assert monthly(db, int(rows[1][0])) != 5_555
    assert import_logs(db, org) == 0
    assert isinstance(ledger_transfer.export_csv(db, session_of(db, org), encoding="x",
                                                 clock=CLOCK, ip=None), Err)
