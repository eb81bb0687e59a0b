"""RL-3 賃控元帳確認リスト出力 (SPEC §11; manual: 賃控元帳内訳リスト, 賃控元帳種目合計リスト,
賃控元帳異動分リスト; A.6; R-LOG-1 print logged; R-USER-7 閲覧のみ may print; R-SEC-1 tenant and
menu checked by every handler), on SQLite and PostgreSQL: services and state handlers with a
real database, PDFs read back with pdftotext.

The data (group 001 of contract A unless said), for 控除年月 2026年6月:
  000001 総務部 組合費 1,000/5,000 since 2025-04; 共済会費 500 → 700 changed 2026-06-10
  000002 営業部 組合費 2,000 from 2026-06 (registered 2026-05)            → 新規
  000003 総務部 組合費 1,500 2025-04 … 2026-05                           → 終了
  000004 営業部 購買代金 3,000 since 2025-04, 解除 2026-06-15             → 解除
  000005 製造部 組合費 1,200 since 2025-04, registered 2026-06-02         → 新規
  000006 製造部 組合費 1,100 from 2026-07 (not yet)
  000007 総務部 購買代金 800, 解除 2026-03
  group 002: 000008 組合費 9,999 (changed 2026-06); contract B: 000001 組合費 7,777.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain.clock import JST, MovableClock, SystemClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    LedgerDetail,
    LedgerDetailHistory,
    LedgerItemType,
    MenuPermission,
    OperationLog,
    UserRole,
)
from chingin_app.services import prepared_files
from chingin_app.services.detail_rules import current_month
from chingin_app.services.ledger import check_lists as ledger_lists
from chingin_app.services.oplog_query import _ACTION_LABELS
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.ledger.check_lists import LedgerCheckListsState
from tests import factories
from tests.support.screens import screen, sign_in

NOW = factories.NOW


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    return app_env


def _jst(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=JST).astimezone(UTC)


@dataclass
class Org:
    contract_no: str
    facts: dict[str, Any]
    tokens: dict[str, str]
    master: str
    viewer: str
    hidden: str
    osaka: str
    other: str


def _item(db: Session, contract: Any, code: str, name: str) -> LedgerItemType:
    item = LedgerItemType(contract_id=contract.id, code=code, name=name, created_at=NOW,
                          updated_at=NOW)
    db.add(item)
    db.flush()
    return item


def _detail(db: Session, employee: Any, item: LedgerItemType, monthly: int, *, bonus: int = 0,
            start: str = "2025-04", end: str | None = None, created: datetime | None = None,
            cancelled: datetime | None = None) -> LedgerDetail:
    at = created or _jst(2025, 3, 20)
    assert item.id is not None
    detail = LedgerDetail(
        contract_id=employee.contract_id, payment_group_id=employee.payment_group_id,
        employee_id=employee.id, item_type_id=item.id, monthly_amount=monthly,
        bonus_amount=bonus, start_month=start, end_month=end,
        status="cancelled" if cancelled else "active", cancelled_at=cancelled,
        created_at=at, updated_at=at)
    db.add(detail)
    db.flush()
    return detail


def _changed(db: Session, detail: LedgerDetail, at: datetime, before: int, after: int) -> None:
    def snap(amount: int) -> str:
        return json.dumps({"monthly_amount": amount, "bonus_amount": detail.bonus_amount,
                           "start_month": detail.start_month, "end_month": detail.end_month,
                           "status": "active"})
    assert detail.id is not None
    db.add(LedgerDetailHistory(contract_id=detail.contract_id, detail_id=detail.id,
                               changed_at=at, actor="someone", action="変更",
                               before_json=snap(before), after_json=snap(after)))


def _user(db: Session, contract: Any, prefix: str, level: str | None, *,
          role: str = UserRole.GENERAL.value) -> Any:
    user = factories.make_user(db, contract, role=role, user_id=factories.next_user_id(prefix))
    assert user.id is not None
    if level is not None:
        db.add(MenuPermission(user_pk=user.id, menu_key="ledger.check_list", level=level))
    return user


@pytest.fixture
def org(db: Session) -> Iterator[Org]:
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    items = {c: _item(db, contract, c, n)
             for c, n in (("0001", "組合費"), ("0002", "共済会費"), ("0003", "購買代金"))}

    def emp(no: int, dept: str, group: str = "001") -> Any:
        e = factories.make_employee(db, contract, staff_no=f"{no:06d}", group_no=group,
                                    department=dept, name_kana=f"ｼﾖｸｲﾝ {no}",
                                    name_kanji=f"職員{no}", commit=False)
        db.flush()
        return e

    e1 = emp(1, "総務部")
    _detail(db, e1, items["0001"], 1_000, bonus=5_000)
    mutual = _detail(db, e1, items["0002"], 700)
    _changed(db, mutual, _jst(2026, 6, 10), 500, 600)
    _changed(db, mutual, _jst(2026, 6, 11), 600, 700)
    _changed(db, mutual, _jst(2026, 5, 11), 400, 500)  # last month's: not June's change
    _detail(db, emp(2, "営業部"), items["0001"], 2_000, start="2026-06",
            created=_jst(2026, 5, 20))
    _detail(db, emp(3, "総務部"), items["0001"], 1_500, end="2026-05")
    _detail(db, emp(4, "営業部"), items["0003"], 3_000, cancelled=_jst(2026, 6, 15))
    _detail(db, emp(5, "製造部"), items["0001"], 1_200, created=_jst(2026, 6, 2))
    _detail(db, emp(6, "製造部"), items["0001"], 1_100, start="2026-07")
    _detail(db, emp(7, "総務部"), items["0003"], 800, cancelled=_jst(2026, 3, 5))
    osaka_detail = _detail(db, emp(8, "大阪営業部", "002"), items["0001"], 9_999)
    _changed(db, osaka_detail, _jst(2026, 6, 10), 9_000, 9_999)

    other = factories.make_contract(db)
    other_item = _item(db, other, "0001", "組合費")
    other_emp = factories.make_employee(db, other, staff_no="000001", department="総務部",
                                        commit=False)
    db.flush()
    _detail(db, other_emp, other_item, 7_777, start="2026-06", created=_jst(2026, 6, 1))

    master = _user(db, contract, "L3M", None, role=UserRole.MASTER.value)
    viewer = _user(db, contract, "L3V", "view_only")
    hidden = _user(db, contract, "L3H", "hide")
    osaka = _user(db, contract, "L3O", "show")
    other_master = _user(db, other, "L3B", None, role=UserRole.MASTER.value)
    db.commit()
    facts: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    for user in (master, viewer, hidden, other_master):
        sign_in(db, user, facts, tokens)
    sign_in(db, osaka, facts, tokens, group_no="002")
    made = Org(contract.contract_no, facts, tokens, master.user_id, viewer.user_id,
               hidden.user_id, osaka.user_id, other_master.user_id)
    db.commit()
    yield made


def state_of(org: Org, user_id: str) -> Any:
    return screen(org, user_id, LedgerCheckListsState, routes.LEDGER_CHECK_LISTS)  # type: ignore[arg-type]


def info_of(state: Any) -> SessionInfo:
    info, redirect = state._access()
    assert info is not None, redirect
    return info  # type: ignore[no-any-return]


def lists(db: Session, org: Org, user_id: str, month: str = "2026-06") -> ledger_lists.CheckLists:
    info = info_of(state_of(org, user_id))
    with session_scope(read_only=True) as read:
        found = ledger_lists.check_lists(read, info, month=month)
    assert not isinstance(found, Err), found
    return found


def run_make_output(state: Any) -> Any:
    """The background event PDF出力 run to its end (``async with self`` is a no-op here)."""
    return asyncio.run(type(state).event_handlers["make_output"].fn(state))


def pdf_text(tmp_path: Path, data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def made(state: Any, org: Org, user_id: str) -> bytes:
    run_make_output(state)
    assert state.output_error == "" and not state.output_running, state.output_error
    found = prepared_files.store().get(state._output_ref, contract_no=org.contract_no,
                                       user_id=user_id)
    assert found is not None and found.filename == state.output_name
    return found.content


def test_rl_3_detail_list_rows_subtotals_and_totals(db: Session, org: Org) -> None:
    """RL-3 賃控元帳内訳リスト: June's active details of group 001 by 所属 and 職員番号 (not the
    ended, cancelled, future ones, nor group 002's or contract B's), with A.6's columns."""
    found = lists(db, org, org.master)
    assert [(d.department, d.staff_no, d.item_code, d.monthly_amount, d.bonus_amount)
            for d in found.details] == [
        ("営業部", "000002", "0001", 2_000, 0),
        ("総務部", "000001", "0001", 1_000, 5_000),
        ("総務部", "000001", "0002", 700, 0),
        ("製造部", "000005", "0001", 1_200, 0),
    ]
    assert sum(d.monthly_amount for d in found.details) == 4_900
    may = lists(db, org, org.master, "2026-05")
    assert {d.staff_no for d in may.details} == {"000001", "000003", "000004", "000005"}


def test_rl_3_item_totals_per_item_and_grand_total(db: Session, org: Org) -> None:
    """RL-3 賃控元帳種目合計リスト: per 種目 件数, 月例額合計, 一時金額合計 of June."""
    found = lists(db, org, org.master)
    assert [(t.item_code, t.item_name, t.count, t.monthly_total, t.bonus_total)
            for t in found.items] == [("0001", "組合費", 3, 4_200, 5_000),
                                      ("0002", "共済会費", 1, 700, 0)]


def test_rl_3_changes_against_last_month_from_history(db: Session, org: Org) -> None:
    """RL-3 賃控元帳異動分リスト: 新規 (starts in June / registered in June), 変更 from the
    更新履歴 (before the first June change → after the last), 終了 (ended in May), 解除 (in
    June), with the amounts before and after."""
    found = lists(db, org, org.master)
    assert [(c.change, c.staff_no, c.item_code, c.before_monthly, c.after_monthly)
            for c in found.changes] == [
        ("新規", "000002", "0001", None, 2_000),
        ("新規", "000005", "0001", None, 1_200),
        ("変更", "000001", "0002", 500, 700),
        ("終了", "000003", "0001", 1_500, None),
        ("解除", "000004", "0003", 3_000, None),
    ]
    may = lists(db, org, org.master, "2026-05")
    assert [(c.change, c.staff_no, c.before_monthly, c.after_monthly)
            for c in may.changes] == [("変更", "000001", 400, 500)]


def test_rl_3_screen_pages_counts_and_month_field(db: Session, org: Org) -> None:
    """RL-3 on screen: this month by default; 表示 of another month; list choice; counts of
    the three lists; a bad 控除年月 gets the message at the field and changes nothing."""
    state = state_of(org, org.master)
    assert state.load() is None
    assert state.month == current_month(SystemClock()) and state.list_kind == "details"
    assert [o["title"] for o in state.list_options] == [
        "賃控元帳内訳リスト", "賃控元帳種目合計リスト", "賃控元帳異動分リスト"]
    assert state.show({"month": "2026/06"}) is None
    assert (state.month, state.month_label, state.total) == ("2026-06", "2026年6月", 4)
    assert [r["staff_no"] for r in state.rows] == ["000002", "000001", "000001", "000005"]
    assert state.rows[1]["bonus_amount"] == "5,000" and state.rows[1]["item"] == "0001 組合費"
    assert state.counts_text == ("賃控元帳内訳リスト：4件　賃控元帳種目合計リスト：2件　"
                                 "賃控元帳異動分リスト：5件")
    assert state.choose_list("changes") is None
    assert state.list_title == "賃控元帳異動分リスト" and state.total == 5
    assert state.rows[2]["change"] == "変更" and state.rows[2]["before_monthly"] == "500"
    assert state.show({"month": "2026-13"}) is None
    assert state.errors["month"] == message("E-MONTH-FORMAT", label="控除年月")
    assert state.month == "2026-06" and state.total == 5
    assert state.choose_list("../etc") is None
    assert state.alert_text == message("E-OUT-LIST") and state.list_kind == "changes"


def test_rl_3_pdfs_have_header_month_rows_and_totals_and_are_logged(
    db: Session, org: Org, tmp_path: Path,
) -> None:
    """RL-3 PDFs through render_list: header with contract, payment group and 控除年月, the
    rows, 小計 per 所属, 合計 with the count; the print logged (R-LOG-1) with its label."""
    state = state_of(org, org.master)
    state.load()
    state.show({"month": "2026-06"})
    text = pdf_text(tmp_path, made(state, org, org.master))
    assert "賃控元帳内訳リスト" in text and org.contract_no in text and "テスト労働組合" in text
    assert "入金グループ：001" in text and "本社" in text and "控除年月：2026年6月" in text
    assert "小計" in text and "4,900" in text and "5,000" in text and "1 / 1 ページ" in text
    assert "7,777" not in text and "9,999" not in text
    state.choose_list("items")
    text = pdf_text(tmp_path, made(state, org, org.master))
    assert "賃控元帳種目合計リスト" in text and "共済会費" in text and "4,200" in text
    assert "合計" in text and "2種目" in text and "4,900" in text
    state.choose_list("changes")
    text = pdf_text(tmp_path, made(state, org, org.master))
    assert "賃控元帳異動分リスト" in text and "解除" in text and "終了" in text
    assert state.output_name.startswith(f"賃控元帳異動分リスト_{org.contract_no}_001_202606_")
    rows = list(db.exec(select(OperationLog).where(
        OperationLog.contract_no == org.contract_no,
        OperationLog.action == ledger_lists.ACTION_PRINT).order_by(col(OperationLog.id))))
    db.commit()
    assert len(rows) == 3 and all(r.result == "success" for r in rows)
    assert "2026年6月" in (rows[0].target or "")
    assert _ACTION_LABELS[ledger_lists.ACTION_PRINT] == "賃控元帳確認リスト出力"


def test_rl_3_another_group_or_contract_never_included(db: Session, org: Org) -> None:
    """RL-3 tenant scope (R-SEC-1): group 002's user sees group 002 only; contract B's master
    sees contract B's detail only."""
    osaka = lists(db, org, org.osaka)
    assert [(d.staff_no, d.monthly_amount) for d in osaka.details] == [("000008", 9_999)]
    assert [(c.change, c.before_monthly) for c in osaka.changes] == [("変更", 9_000)]
    other = lists(db, org, org.other)
    assert [(d.staff_no, d.monthly_amount) for d in other.details] == [("000001", 7_777)]
    assert [c.change for c in other.changes] == ["新規"]


def test_rl_3_view_only_may_print_hidden_is_sent_back(db: Session, org: Org) -> None:
    """R-USER-7: 閲覧のみ may print this output menu; 非表示 sends the screen and every handler
    to the information screen and makes nothing."""
    viewer = state_of(org, org.viewer)
    assert viewer.load() is None
    assert viewer.show({"month": "2026-06"}) is None and viewer.total == 4
    assert made(viewer, org, org.viewer).startswith(b"%PDF-")
    hidden = state_of(org, org.hidden)
    assert routes.INFO in str(hidden.load())
    assert hidden.rows == [] and hidden.month == ""
    assert routes.INFO in str(hidden.show({"month": "2026-06"}))
    assert routes.INFO in str(hidden.choose_list("items"))
    assert routes.INFO in str(hidden.turn(1))
    hidden.month = "2026-06"  # even with a month forced into the state
    assert routes.INFO in str(run_make_output(hidden))
    assert hidden.output_name == "" and hidden._output_ref == "" and hidden.rows == []


def test_rl_3_service_refuses_bad_month_and_list(db: Session, org: Org) -> None:
    """RL-3: the service itself checks the month and the list (a crafted frame); the month may
    be typed 2026-06, 2026/06 or 202606 (issue 14 item 6), not 2026-13."""
    info = info_of(state_of(org, org.master))
    clock = MovableClock()
    bad = ledger_lists.list_pdf(db, info, month="2026-13", which="details", clock=clock, ip=None)
    assert isinstance(bad, Err) and bad.field == "month"
    bad = ledger_lists.list_pdf(db, info, month="2026-06", which="nope", clock=clock, ip=None)
    assert isinstance(bad, Err) and bad.code == "E-OUT-LIST"
    good = ledger_lists.list_pdf(db, info, month="2026-06", which="items", clock=clock, ip=None)
    assert isinstance(good, Ok)
    typed = ledger_lists.list_pdf(db, info, month="202606", which="items", clock=clock, ip=None)
    assert isinstance(typed, Ok) and "_202606_" in typed.value.filename
