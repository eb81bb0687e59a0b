"""R-PLUS-1 給与控除データ照合 and R-PLUS-5 (a preview) on a real database with the demo
organisation (runtime/demo_rokin + rokin_cycle.load_demo_history): the current request exported
as RK-5/RK-7 CSV (reports/rokin_csv + csv_writer) and read back previews no difference (A.2
"An export imported unchanged previews as 「変更 0件」"); edits show exactly what was edited;
bad files are refused by row and column; another group's or contract's request is never
compared; nothing but the operation log is written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from chingin_app.db import session_scope
from chingin_app.domain import reconciliation as rec
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.deduction_cycle import RequestLine
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import DeductionRequest, DeductionRequestItem, OperationLog
from chingin_app.reports import rokin_csv
from chingin_app.reports.csv_writer import CsvEncoding, write_csv
from chingin_app.runtime import demo_rokin
from chingin_app.services import oplog
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.rokin import reconciliation as recon
from tests.factories import make_contract

TODAY = date(2026, 4, 1)
HEADER = rokin_csv.header(rokin_csv.REQUEST_COLUMNS)
AMOUNT = HEADER.index("依頼額")
KANJI = HEADER.index("漢字氏名")


@dataclass(frozen=True)
class User:
    """What the services need of a signed-in user (``sessions.SessionInfo`` fits)."""

    contract_no: str
    user_id: str = "master01"
    group_no: str | None = "001"


@dataclass(frozen=True)
class Org:
    contract_no: str
    contract_id: int


@pytest.fixture(scope="module")
def org(db_engine: Engine) -> Iterator[Org]:
    """One demo organisation per database, shared by the module's tests (they only read the
    request; each reconciliation adds an operation-log entry)."""
    with session_scope(bind=db_engine) as db:
        contract = make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
        assert contract.id is not None
        demo_rokin.load_demo_organisation(db, contract.id, TODAY)
        rokin_cycle.load_demo_history(db, contract_id=contract.id, today=TODAY,
                                      bank_kana=demo_rokin.DEMO_BANK_KANA)
        db.commit()
        yield Org(contract.contract_no, contract.id)


def _current(db: Session, org: Org, group_no: str) -> rokin_cycle.RequestView:
    views = [v for v in rokin_cycle.list_requests(db, contract_id=org.contract_id)
             if v.group_no == group_no and v.status == "received"]
    assert len(views) == 1
    return views[0]


def _lines(db: Session, org: Org, group_no: str) -> list[RequestLine]:
    view = _current(db, org, group_no)
    return rokin_cycle.request_lines(db, contract_id=org.contract_id, request_id=view.id)


def _rows(lines: list[RequestLine]) -> list[list[object]]:
    return list(rokin_csv.rows(rokin_csv.REQUEST_COLUMNS, lines))


def _csv(rows: list[list[object]], encoding: CsvEncoding = "cp932") -> bytes:
    """The RK-5/RK-7 export of ``rows`` as the export screens write it."""
    return write_csv(HEADER, rows, encoding=encoding,
                     free_text_columns=rokin_csv.free_text_indexes(rokin_csv.REQUEST_COLUMNS))


def _ok(got: Ok[recon.ReconciliationView] | Invalid | Err) -> recon.ReconciliationView:
    assert isinstance(got, Ok), got
    return got.value


def _request_fingerprint(db: Session, org: Org) -> list[tuple[object, ...]]:
    requests = db.exec(select(DeductionRequest).where(
        DeductionRequest.contract_id == org.contract_id).order_by(col(DeductionRequest.id))).all()
    items = db.exec(select(DeductionRequestItem).where(
        DeductionRequestItem.contract_id == org.contract_id)
        .order_by(col(DeductionRequestItem.id))).all()
    return ([(r.id, r.status, r.version) for r in requests]
            + [(i.id, i.amount, i.hold, i.version) for i in items])


def _log_count(db: Session, org: Org, action: str) -> int:
    return int(db.exec(select(func.count()).select_from(OperationLog).where(
        OperationLog.chain == oplog.chain_for(org.contract_no),
        OperationLog.action == action)).one())


def test_a_2_export_then_import_previewing_0_changes(db: Session, org: Org) -> None:
    """A.2 "An export imported unchanged previews as 「変更 0件」": the current request of 001
    exported (CP932, the RK-5/RK-7 layout, formula guards and all) and read back differs in
    nothing; every line agrees; the request itself is untouched; the reconciliation is logged."""
    lines = _lines(db, org, "001")
    assert len(lines) > 100
    before = _request_fingerprint(db, org)
    logged = _log_count(db, org, recon.ACTION_RECONCILE)
    clock = MovableClock()
    view = _ok(recon.reconcile(db, session=User(org.contract_no), data=_csv(_rows(lines)),
                               clock=clock, ip="192.0.2.1"))
    assert view.result.differences == ()
    assert view.result.matched == view.result.request_lines == len(lines)
    assert view.result.request_total == view.result.payroll_total == sum(x.amount for x in lines)
    assert (view.encoding, view.layout) == ("cp932", "export")
    assert view.request.deduct_month == "2026-04" and view.request.status == "依頼受信"
    assert view.request.line_count + view.request.ended_count == len(lines)
    assert _request_fingerprint(db, org) == before
    assert _log_count(db, org, recon.ACTION_RECONCILE) == logged + 1
    assert oplog.verify_chain(db, oplog.chain_for(org.contract_no)) == []


def test_r_plus_1_one_changed_one_deleted_one_added_are_the_three_differences(
    db: Session, org: Org,
) -> None:
    """Change one amount, delete one line, add one: exactly those three differences, each of
    its kind, with the amounts on both sides."""
    lines = _lines(db, org, "001")
    rows = _rows(lines)
    paying = [i for i, line in enumerate(lines) if line.amount > 0]
    changed, deleted = paying[3], paying[10]
    rows[changed][AMOUNT] = lines[changed].amount + 1000
    added = list(rows[0])
    added[HEADER.index("職員番号")] = "999999"
    added[AMOUNT] = 4321
    rows.append(added)
    del rows[deleted]
    view = _ok(recon.reconcile(db, session=User(org.contract_no), data=_csv(rows),
                               clock=MovableClock()))
    result = view.result
    assert (result.different, result.missing, result.extra) == (1, 1, 1)
    assert result.matched == len(lines) - 2
    got = {d.kind: d for d in result.differences}
    assert got[rec.DiffKind.DIFFERENT].key.staff_no == lines[changed].staff_no
    assert (got[rec.DiffKind.DIFFERENT].requested, got[rec.DiffKind.DIFFERENT].payroll) == (
        lines[changed].amount, lines[changed].amount + 1000)
    assert got[rec.DiffKind.MISSING].key == rec.LineKey(
        lines[deleted].staff_no, lines[deleted].product_code, lines[deleted].account_no)
    assert got[rec.DiffKind.MISSING].requested == lines[deleted].amount
    assert (got[rec.DiffKind.EXTRA].key.staff_no, got[rec.DiffKind.EXTRA].payroll,
            got[rec.DiffKind.EXTRA].row) == ("999999", 4321, len(rows) + 1)


def test_r_plus_1_utf8_bom_and_the_minimal_layout_read_alike(db: Session, org: Org) -> None:
    """A.2: UTF-8 with BOM reads like CP932; a payroll system's minimal file (職員番号,
    商品コード, 口座番号, 控除額, in its own column order, without the 解約 lines) agrees too."""
    lines = _lines(db, org, "001")
    bom = _ok(recon.reconcile(db, session=User(org.contract_no),
                              data=_csv(_rows(lines), "utf-8-sig"), clock=MovableClock()))
    assert bom.encoding == "utf-8-sig" and bom.result.differences == ()
    minimal = write_csv(
        ("口座番号", "職員番号", "商品コード", "控除額"),
        [[x.account_no, x.staff_no, x.product_code, x.amount] for x in lines if x.amount > 0],
    )
    view = _ok(recon.reconcile(db, session=User(org.contract_no), data=minimal,
                               clock=MovableClock()))
    assert view.layout == "minimal" and view.encoding == "cp932"
    assert view.result.differences == () and view.result.matched == len(lines)


def test_r_plus_1_excel_saved_payroll_file_with_an_extra_column_matches(
    db: Session, org: Org,
) -> None:
    """Issue 14 item 5: a payroll file with its own 氏名 column, saved by Excel so that every
    code lost its leading zeros (職員番号 001006 → 1006, 商品コード, 口座番号), still matches
    line for line after padding to the request's widths; the view says how many lines were
    restored and which columns (the screen's hint), and the log entry counts them."""
    lines = _lines(db, org, "001")
    paying = [x for x in lines if x.amount > 0]

    def stripped(code: str) -> str:
        return code.lstrip("0") or "0"

    data = write_csv(
        ("氏名", "職員番号", "商品コード", "口座番号", "控除額", "備考"),
        [[x.name_kanji, stripped(x.staff_no), stripped(x.product_code),
          stripped(x.account_no), x.amount, ""] for x in paying],
    )
    view = _ok(recon.reconcile(db, session=User(org.contract_no), data=data,
                               clock=MovableClock()))
    assert view.layout == "named"
    assert view.result.differences == () and view.result.matched == len(lines)
    changed = [x for x in paying if stripped(x.staff_no) != x.staff_no
               or stripped(x.product_code) != x.product_code
               or stripped(x.account_no) != x.account_no]
    assert changed and view.zeros_restored == len(changed)
    assert "職員番号" in view.zeros_columns and view.zeros_example is not None
    text = message("I-RECON-ZEROS", count=view.zeros_restored,
                   columns="・".join(view.zeros_columns), before=view.zeros_example[0],
                   after=view.zeros_example[1])
    assert "先頭の0" in text and "Excel出力" in text
    # The screen shows that sentence above the counts, and 0 differences.
    import reflex as rx

    from chingin_app.state.rokin.reconciliation import RokinReconciliationState

    root = rx.State()
    state: Any = root.get_substate(RokinReconciliationState.get_full_name().split("."))
    state._show_result(view, "給与.csv")
    assert state.zeros_note == text and state.differences == 0
    assert "見出し名で読み取り" in state.read_note


def test_r_plus_1_unholdable_character_is_an_error_by_row_and_column(
    db: Session, org: Org,
) -> None:
    """A.2: 𠮷 (U+20BB7) in a name column → an error naming its row and column; nothing but
    the refusal's log entry is written."""
    rows = _rows(_lines(db, org, "001"))
    rows[4][KANJI] = "𠮷田\u3000太郎"
    before = _request_fingerprint(db, org)
    failed = _log_count(db, org, recon.ACTION_RECONCILE)
    got = recon.reconcile(db, session=User(org.contract_no), data=_csv(rows, "utf-8-sig"),
                          clock=MovableClock())
    assert isinstance(got, Invalid)
    assert [(e.code, e.params["row"], e.params["column"]) for e in got.errors] == [
        ("E-CSV-CHAR", 6, KANJI + 1)]
    assert message(got.errors[0].code, **got.errors[0].params).startswith(
        f"6行目{KANJI + 1}列目の文字「𠮷」")
    assert _request_fingerprint(db, org) == before
    assert _log_count(db, org, recon.ACTION_RECONCILE) == failed + 1


@pytest.mark.parametrize(("data", "code"), [
    ("氏名,金額\r\n1,2\r\n".encode("cp932"), "E-RECON-LAYOUT"),
    ("職員番号,商品,口座番号,金額\r\n1,2,3,4\r\n".encode("cp932"), "E-RECON-COLUMN"),
    ("職員番号,商品コード,口座番号,控除額\r\n000001,11,1000001,1,000\r\n".encode("cp932"),
     "E-CSV-COLUMNS"),
    ("職員番号,商品コード,口座番号,控除額\r\n000001,11,1000001,５００\r\n".encode("cp932"),
     "E-RECON-AMOUNT"),
    (b"", "E-CSV-EMPTY"),
    ("職員番号".encode("utf-16"), "E-CSV-ENCODING"),
])
def test_r_plus_1_bad_files_are_refused(db: Session, org: Org, data: bytes, code: str) -> None:
    got = recon.reconcile(db, session=User(org.contract_no), data=data, clock=MovableClock())
    assert isinstance(got, Invalid)
    assert [e.code for e in got.errors] == [code]


def test_r_plus_1_size_limit_is_checked_on_the_server(db: Session, org: Org) -> None:
    data = _csv(_rows(_lines(db, org, "001")))
    got = recon.reconcile(db, session=User(org.contract_no), data=data, clock=MovableClock(),
                          max_bytes=len(data) - 1)
    assert isinstance(got, Invalid) and [e.code for e in got.errors] == ["E-CSV-TOO-LARGE"]


def test_r_plus_1_another_groups_request_is_never_compared(db: Session, org: Org) -> None:
    """The session's group decides the request: 002's export uploaded under 001 matches none
    of 001's paying lines (all 依頼のみ / 給与データのみ); under 002 it agrees."""
    lines_001 = _lines(db, org, "001")
    lines_002 = _lines(db, org, "002")
    data = _csv(_rows(lines_002))
    under_001 = _ok(recon.reconcile(db, session=User(org.contract_no, group_no="001"),
                                    data=data, clock=MovableClock()))
    assert under_001.request.group_no == "001"
    assert under_001.result.request_lines == len(lines_001)
    assert under_001.result.different == 0
    assert under_001.result.missing == sum(1 for x in lines_001 if x.amount > 0)
    assert under_001.result.extra == sum(1 for x in lines_002 if x.amount > 0)
    under_002 = _ok(recon.reconcile(db, session=User(org.contract_no, group_no="002"),
                                    data=data, clock=MovableClock()))
    assert under_002.request.group_no == "002" and under_002.result.differences == ()


def test_r_plus_1_another_contracts_request_is_never_read(db: Session, org: Org) -> None:
    """A contract without requests (same group numbers) has nothing to compare with; a session
    of an unknown contract or group, or none chosen, is refused."""
    other = make_contract(db, groups=(("001", "本社"),))
    data = _csv(_rows(_lines(db, org, "001")))
    for session, code in (
        (User(other.contract_no), "E-RECON-NO-REQUEST"),
        (User("99999999"), "E-RECON-NO-GROUP"),
        (User(org.contract_no, group_no="777"), "E-RECON-NO-GROUP"),
        (User(org.contract_no, group_no=None), "E-RECON-NO-GROUP"),
    ):
        got = recon.reconcile(db, session=session, data=data, clock=MovableClock())
        assert isinstance(got, Err) and got.code == code, (session, got)
        assert isinstance(recon.current_request(db, session=session), Err)
