"""The 賃控元帳 cycle's output screens on a real database (SQLite and PostgreSQL): publish →
RL-5 lists (賃控元帳控除依頼リスト, カナ氏名・職員番号桁数相違リスト) → RL-6 CSV → results →
RL-7 (賃控元帳控除結果リスト, 控除不能リスト) → RL-12 (both kinds per employee, 所属 subtotals,
合計) and RL-13 (the payroll CSV); every output logged (R-LOG-1), the session's group only
(R-SEC-1), 閲覧のみ may print and export (R-USER-7).

The handlers run on a state tree built under pytest with the session and certificate a real
connection carries (``tests/support/screens.py``) and use the process clock; the bank's side
runs through the services with a fixed clock."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Err, Ok
from chingin_app.models import LedgerRequest, MenuPermission, OperationLog, PaymentGroup, UserRole
from chingin_app.reports import csv_columns
from chingin_app.reports.ledger_cycle_lists import COMBINED_LONG_COLUMNS, LEDGER_REQUEST_COLUMNS
from chingin_app.services import cycle_publishing
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.ledger import combined
from chingin_app.services.ledger import cycle as lc
from chingin_app.services.ledger import outputs as ledger_outputs
from chingin_app.services.rokin import cycle as rc
from chingin_app.state.ledger.cycle_outputs import (
    CombinedExportState,
    CombinedListState,
    LedgerRequestExportState,
    LedgerRequestListsState,
    LedgerResultListsState,
)
from tests import factories
from tests.integration.ledger_cycle_support import (
    CLOCK_AT,
    Org,
    confirm_and_load_rokin,
    make_cycle_org,
)
from tests.support.outputs import csv_rows, made_file, pdf_text
from tests.support.screens import screen, sign_in

LEDGER_OUTPUT_MENUS = ("ledger.request_list", "ledger.request_export", "ledger.result_list",
                       "ledger.combined_list", "ledger.combined_export")


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    """The handlers open their own database sessions through the process settings."""
    return app_env


@dataclass
class Cycle:
    """The organisation after two cycles (March with results, April 依頼受信) and its users."""

    org: Org
    master: str
    viewer: str
    hidden: str
    march: int  # group 001's ledger request ids
    april: int
    other_group: int  # group 002's April request
    facts: dict[str, CertFacts] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def no(self) -> str:
        return self.org.no


MARCH_RESULTS = [
    ["001", "2026-03", "月例", "000001", "0001", "3000", "0", ""],
    ["001", "2026-03", "月例", "000001", "0002", "500", "0", ""],
    ["001", "2026-03", "月例", "000002", "0001", "3000", "0", ""],
    ["001", "2026-03", "月例", "00003", "0001", "0", "9", "休職・無給"],
    ["001", "2026-03", "月例", "000005", "0001", "1200", "0", ""],
]


def _request_id(db: Session, org: Org, month: str, group: str = "001") -> int:
    found = db.exec(
        select(LedgerRequest.id)
        .join(PaymentGroup, col(PaymentGroup.id) == col(LedgerRequest.payment_group_id))
        .where(LedgerRequest.contract_id == org.id, LedgerRequest.deduct_month == month,
               PaymentGroup.number == group)
    ).one()
    assert found is not None
    return found


@pytest.fixture
def cycle(db: Session) -> Cycle:
    org = make_cycle_org(db)
    clock = MovableClock(CLOCK_AT)
    assert isinstance(cycle_publishing.publish_month(
        db, contract_no=org.no, deduct_month="2026-03", actor="op1", clock=clock), Ok)
    confirm_and_load_rokin(db, org, "2026-03", {"000001": "ﾛｳｷﾝ ｼﾞﾛｳ"})
    loaded = lc.load_ledger_results(db, contract_no=org.no, actor="op1", clock=clock,
                                    data=lc.ledger_results_csv(MARCH_RESULTS))
    assert isinstance(loaded, Ok), loaded
    org.details["e2-union"].monthly_amount = 3_500
    db.add(org.details["e2-union"])
    factories.make_ledger_detail(db, org.employees["000001"], org.items["0003"],
                                 monthly_amount=4_000, start_month="2026-04")
    assert isinstance(cycle_publishing.publish_month(
        db, contract_no=org.no, deduct_month="2026-04", actor="op1", clock=clock), Ok)
    master = factories.make_user(db, org.contract, role=UserRole.MASTER.value,
                                 user_id=factories.next_user_id("RlcM"))
    viewer = factories.make_user(db, org.contract, user_id=factories.next_user_id("RlcV"))
    hidden = factories.make_user(db, org.contract, user_id=factories.next_user_id("RlcH"))
    assert viewer.id is not None and hidden.id is not None
    for key in LEDGER_OUTPUT_MENUS:
        db.add(MenuPermission(user_pk=viewer.id, menu_key=key, level="view_only"))
        db.add(MenuPermission(user_pk=hidden.id, menu_key=key, level="hide"))
    db.commit()
    made = Cycle(org, master.user_id, viewer.user_id, hidden.user_id,
                 _request_id(db, org, "2026-03"), _request_id(db, org, "2026-04"),
                 _request_id(db, org, "2026-04", "002"))
    for user in (master, viewer, hidden):
        sign_in(db, user, made.facts, made.tokens)
    db.commit()
    return made


def _logged(db: Session, contract_no: str, action: str) -> list[OperationLog]:
    rows = list(db.exec(select(OperationLog).where(
        OperationLog.contract_no == contract_no, OperationLog.action == action)
        .order_by(col(OperationLog.id))))
    db.commit()
    return rows


def _file(state: Any, cycle: Cycle, user_id: str) -> Any:
    return made_file(state, contract_no=cycle.no, user_id=user_id)


def test_rl_5_request_lists_on_screen_and_as_pdf(db: Session, cycle: Cycle,
                                                  tmp_path: Path) -> None:
    """RL-5: the group's ledger requests newest first (the current one chosen); the
    賃控元帳控除依頼リスト on screen with 異動区分 and as a PDF (contract and group in the
    header, every line, the 依頼額 total); the 相違リスト lists the kana and digit mismatches
    (RL-CYCLE-3); each print logged."""
    s = screen(cycle, cycle.master, LedgerRequestListsState, routes.LEDGER_REQUEST_LISTS)
    assert s.load() is None
    assert [o["id"] for o in s.request_options] == [str(cycle.april), str(cycle.march)]
    assert [o["label"] for o in s.request_options] == [
        "2026年4月 月例（依頼受信）", "2026年3月 月例（結果受信済）"]
    assert [o["title"] for o in s.list_options] == [
        "賃控元帳控除依頼リスト", "賃控元帳控除依頼カナ氏名・職員番号桁数相違リスト"]
    assert s.total == 6
    rows = {(r["staff_no"], r["item"]): r for r in s.rows}
    assert rows[("000001", "0003 購買代金")]["change_kind"] == "新規"
    assert rows[("000002", "0001 組合費")]["change_kind"] == "変更"
    assert rows[("000002", "0001 組合費")]["amount"] == "3,500"
    assert rows[("000005", "0001 組合費")]["change_kind"] == "解約"
    assert rows[("00003", "0001 組合費")]["change_kind"] == ""  # 継続 prints blank

    found = _file(s, cycle, cycle.master)
    assert found.filename.startswith(f"賃控元帳控除依頼リスト_{cycle.no}_001_202604_月例_")
    text = pdf_text(tmp_path, found.content)
    assert "賃控元帳控除依頼リスト" in text and f"契約番号：{cycle.no}" in text
    assert "入金グループ：001" in text and "控除年月：2026年4月" in text
    # One count everywhere (issue 14 item 2): the 解約 line listed, counted apart.
    assert re.search(r"合計\s+5件（ほかに解約 1件）\s+13,500", text)

    s.choose_list("mismatch")
    assert [(r["staff_no"], r["difference"]) for r in s.rows] == [
        ("00003", "職員番号：5桁（契約は6桁）"),
        ("000001", "カナ氏名：6文字目から異なる"),
        ("000001", "カナ氏名：6文字目から異なる"),
        ("000001", "カナ氏名：6文字目から異なる"),
    ]
    assert s.rows[1]["bank_kana"] == "ﾛｳｷﾝ ｼﾞﾛｳ" and s.rows[1]["ledger_kana"] == "ﾛｳｷﾝ ﾀﾛｳ"
    text = pdf_text(tmp_path, _file(s, cycle, cycle.master).content)
    assert "賃控元帳控除依頼カナ氏名・職員番号桁数相違リスト" in text and "相違内容" in text
    assert "ﾛｳｷﾝ ｼﾞﾛｳ" in text and "職員番号：5桁（契約は6桁）" in text
    entries = _logged(db, cycle.no, ledger_outputs.ACTION_REQUEST_LIST)
    assert [e.actor for e in entries] == [cycle.master] * 2
    assert "入金グループ001 2026年4月 月例" in (entries[0].target or "")


def test_rl_6_request_csv_cp932(db: Session, cycle: Cycle) -> None:
    """RL-6: the request's lines as CSV — CP932, CRLF, header row, codes as text (the
    five-digit 職員番号 keeps its zeros) — logged."""
    s = screen(cycle, cycle.master, LedgerRequestExportState, routes.LEDGER_REQUEST_EXPORT)
    assert s.load() is None and s.encoding == "cp932"
    found = _file(s, cycle, cycle.master)
    assert found.media_type == "text/csv" and s.output_view_url == ""
    rows = csv_rows(found.content)
    assert rows[0] == csv_columns.header(LEDGER_REQUEST_COLUMNS)
    assert len(rows) == 7 and {r[0] for r in rows[1:]} == {"2026-04"}
    [part_timer] = [r for r in rows[1:] if r[4] == "00003"]
    assert (part_timer[7], part_timer[9], part_timer[10]) == ("0001", "2500", "継続")
    assert len(_logged(db, cycle.no, ledger_outputs.ACTION_REQUEST_EXPORT)) == 1


def test_rl_7_results_only_and_the_not_deducted_list(db: Session, cycle: Cycle,
                                                     tmp_path: Path) -> None:
    """RL-7 (after RL-CYCLE-2): only requests with results are offered; the 控除結果リスト
    has each line's 控除額 and 結果, the 控除不能リスト the 不能 line with its 不能理由."""
    s = screen(cycle, cycle.master, LedgerResultListsState, routes.LEDGER_RESULT_LISTS)
    assert s.load() is None
    assert [o["id"] for o in s.request_options] == [str(cycle.march)]
    assert [o["title"] for o in s.list_options] == [
        "賃控元帳控除結果リスト", "賃控元帳控除不能リスト"]
    assert s.total == 5 and {r["result"] for r in s.rows} == {"済", "不能"}
    s.choose_list("not_deducted")
    assert [(r["staff_no"], r["reason"]) for r in s.rows] == [("00003", "休職・無給")]
    text = pdf_text(tmp_path, _file(s, cycle, cycle.master).content)
    assert "賃控元帳控除不能リスト" in text and "休職・無給" in text and "00003" in text
    assert s.choose_request(str(cycle.april)) is None
    assert s.request_id == str(cycle.march)  # April has no results: refused, unchanged
    assert s.alert_text
    assert len(_logged(db, cycle.no, ledger_outputs.ACTION_RESULT_LIST)) == 1


def _expected_totals(db: Session, org: Org, month: str) -> dict[str, tuple[int, int]]:
    """Per 職員番号, (労金控除, 賃控元帳) requested in group 001's cycle, read straight from the
    two requests' lines."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rokin = rc.list_requests(db, contract_id=org.id, cycles=None)
    [request] = [r for r in rokin if r.group_no == "001" and r.deduct_month == month]
    for line in rc.request_lines(db, contract_id=org.id, request_id=request.id):
        if line.change_kind != "解約":
            totals[line.staff_no][0] += line.amount
    for view in lc.list_ledger_requests(db, contract_id=org.id, cycles=None):
        if view.group_no == "001" and view.deduct_month == month:
            for ln in lc.ledger_lines(db, contract_id=org.id, request_id=view.id):
                if ln.change_kind != "解約":
                    totals[ln.staff_no][1] += ln.amount
    db.commit()  # the screens write (the log) in their own sessions
    return {k: (v[0], v[1]) for k, v in totals.items()}


def test_rl_12_rl_13_totals_equal_rokin_plus_ledger_per_employee(
    db: Session, cycle: Cycle, tmp_path: Path
) -> None:
    """RL-12: per employee both kinds and the employee's total (= 労金控除 + 賃控元帳 of the
    cycle), 所属 subtotals on screen and in the PDF, the grand total; RL-13: the payroll CSV,
    one row per employee with a column per product and per 種目 whose sum is 合計, and the long
    form with one row per line; both logged."""
    expected = _expected_totals(db, cycle.org, "2026-04")
    grand = sum(r + led for r, led in expected.values())
    s = screen(cycle, cycle.master, CombinedListState, routes.LEDGER_COMBINED_LIST)
    assert s.load() is None and s.request_id == str(cycle.april)
    assert [(d["department"], d["employees"], d["rokin"], d["ledger"], d["total"])
            for d in s.departments] == [
        ("営業部", "2", "5,000", "6,000", "11,000"), ("総務部", "1", "10,000", "7,500", "17,500"),
        ("合計", "3", "15,000", "13,500", "28,500")]
    assert grand == 28_500
    s.count_lines()
    assert s.preview_text == ("対象の職員は3人、労金控除15,000円・賃控元帳13,500円、"
                              "合計28,500円です。")
    found = combined.summary(db, _Who(cycle), str(cycle.april))
    assert found is not None
    assert {e.staff_no: (e.rokin_total, e.ledger_total) for e in found.employees} == expected
    assert all(e.total == sum(expected[e.staff_no]) for e in found.employees)
    db.commit()

    text = pdf_text(tmp_path, _file(s, cycle, cycle.master).content)
    assert "労金控除賃控元帳依頼リスト" in text and "本人合計" in text
    assert re.search(r"小計\s+3件\s+5,000\s+6,000\s+11,000", text)  # 営業部
    assert re.search(r"合計\s+7件\s+15,000\s+13,500\s+28,500", text)

    e = screen(cycle, cycle.master, CombinedExportState, routes.LEDGER_COMBINED_EXPORT)
    assert e.load() is None and e.list_kind == "wide"
    rows = csv_rows(_file(e, cycle, cycle.master).content)
    assert rows[0] == ["職員番号", "カナ氏名", "漢字氏名", "所属", "労金控除 0001 普通預金",
                       "賃控元帳 0001 組合費", "賃控元帳 0002 共済会費", "賃控元帳 0003 購買代金",
                       "合計"]
    assert [r[0] for r in rows[1:]] == ["000002", "00003", "000001"]  # by 所属, 職員番号
    by_staff = {r[0]: r for r in rows[1:]}
    assert set(by_staff) == set(expected)
    for staff_no, row in by_staff.items():
        amounts = [int(v) for v in row[4:]]
        assert sum(amounts[:-1]) == amounts[-1] == sum(expected[staff_no])
    assert sum(int(r[-1]) for r in rows[1:]) == grand
    assert by_staff["000001"][4:] == ["10000", "3000", "500", "4000", "17500"]

    e.choose_list("long")
    long_rows = csv_rows(_file(e, cycle, cycle.master).content)
    assert long_rows[0] == csv_columns.header(COMBINED_LONG_COLUMNS)
    assert len(long_rows) == 1 + 7 and sum(int(r[-1]) for r in long_rows[1:]) == grand
    assert len(_logged(db, cycle.no, ledger_outputs.ACTION_COMBINED_LIST)) == 1
    assert len(_logged(db, cycle.no, ledger_outputs.ACTION_COMBINED_EXPORT)) == 2


@dataclass(frozen=True)
class _Who:
    """The master as the services see the session (group 001)."""

    cycle: Cycle

    @property
    def contract_no(self) -> str:
        return self.cycle.no

    @property
    def contract_name(self) -> str:
        return "テスト労働組合"

    @property
    def user_id(self) -> str:
        return self.cycle.master

    @property
    def group_no(self) -> str | None:
        return "001"


def test_rl_5_rl_12_another_groups_request_is_never_read(db: Session, cycle: Cycle) -> None:
    """R-SEC-1: a request of another payment group (or an id that is no request) is refused
    by the state and by the services, nothing read, nothing made."""
    s = screen(cycle, cycle.master, LedgerRequestListsState, routes.LEDGER_REQUEST_LISTS)
    s.load()
    for foreign in (str(cycle.other_group), "x", "-1"):
        s.choose_request(foreign)
        assert s.request_id == str(cycle.april) and s.alert_text
    who = _Who(cycle)
    assert ledger_outputs.find_request(db, who, cycle.other_group) is None
    assert ledger_outputs.request_page(db, who, request_id=cycle.other_group, which="all",
                                       page=1) is None
    assert combined.summary(db, who, cycle.other_group) is None
    db.commit()
    made = combined.combined_list_pdf(db, who, request_id=cycle.other_group,
                                      clock=MovableClock(CLOCK_AT), ip=None)
    assert isinstance(made, Err) and made.code == "E-LEDGER-OUT-REQUEST"


def test_rl_5_view_only_prints_and_hidden_is_sent_back(db: Session, cycle: Cycle) -> None:
    """R-USER-7: 閲覧のみ on an output menu prints and exports like 表示; 非表示 sends the user
    back to the information screen."""
    s = screen(cycle, cycle.viewer, CombinedExportState, routes.LEDGER_COMBINED_EXPORT)
    assert s.load() is None
    assert _file(s, cycle, cycle.viewer).filename.endswith(".csv")
    hidden = screen(cycle, cycle.hidden, LedgerRequestListsState, routes.LEDGER_REQUEST_LISTS)
    assert hidden.load() is not None and hidden.request_options == []
