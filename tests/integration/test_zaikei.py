"""財形貯蓄事務 on SQLite and PostgreSQL (SPEC §11 RZ-1, RZ-2, RZ-3, R-PLUS-3, R-INFO-1; A.5,
A.6; issue 4): the bank's 財形 files loaded all or nothing (``chingin bank load-zaikei``), the
service-dependent refusals, queries scoped by contract and payment group, the PDF and CSV, the
screens' state handlers (another contract's or group's 預入依頼書 refused) and the information
screen's 最新受信情報."""

from __future__ import annotations

import asyncio
import csv
import io
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from chingin_app.cli import main
from chingin_app.db import session_scope
from chingin_app.domain.clock import SystemClock, to_jst
from chingin_app.domain.result import Invalid, Ok
from chingin_app.models import (
    Contract,
    OperationLog,
    PaymentGroup,
    UserRole,
    ZaikeiBalance,
    ZaikeiDeposit,
    ZaikeiDepositItem,
)
from chingin_app.runtime import demo_zaikei
from chingin_app.services import login, prepared_files, zaikei, zaikei_bank
from chingin_app.services.cert_gate import CertFacts
from chingin_app.state.login import InfoState
from chingin_app.state.session import SessionState
from chingin_app.state.zaikei import ZaikeiDetailsState, ZaikeiExportState, ZaikeiStatementState
from tests import factories

FULL = "zaikei,zaikei-balance,zaikei-incentive"
HEADER = ",".join(zaikei_bank.DEPOSIT_HEADER)
BAL_HEADER = ",".join(zaikei_bank.BALANCE_HEADER)
CLOCK = SystemClock()


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    return app_env


def deposit_file(*rows: str, group: str = "001", month: str = "2026-04",
                 day: str = "2026-04-24") -> bytes:
    lines = [HEADER]
    for n, extra in enumerate(rows, start=1):
        lines.append(f"{group},{month},月例,{day},{n:06d},ｻﾞｲｹｲ ﾀﾛｳ,財形　太郎,総務部,"
                     f"1980-05-01,{extra}")
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


@dataclass(frozen=True)
class Person:
    user_id: str
    facts: CertFacts
    token: str
    contract_no: str
    contract_name: str
    group_no: str


@dataclass(frozen=True)
class Org:
    contract_no: str
    contract_id: int
    plain_no: str  # 財形 only: no 加入者残高一覧表, no 奨励金
    plain_id: int
    plain_deposit: int
    group2_deposit: int


def _load(db: Session, contract_no: str, data: bytes) -> None:
    got = zaikei_bank.load_deposits(db, contract_no=contract_no, data=data, actor="op1",
                                    clock=CLOCK)
    assert isinstance(got, Ok), got


@pytest.fixture(scope="module")
def org(db_engine: Engine) -> Org:
    today = to_jst(CLOCK.now()).date()
    with session_scope(bind=db_engine) as db:
        full = factories.make_contract(db, kind="employer", services=FULL,
                                       name="財形事業主株式会社",
                                       groups=(("001", "本社"), ("002", "支店")))
        plain = factories.make_contract(db, kind="employer", services="zaikei",
                                        name="財形のみ株式会社")
        assert full.id is not None and plain.id is not None
        deposits, balance = demo_zaikei.build_files(today)
        for data in deposits:
            _load(db, full.contract_no, data)
        got = zaikei_bank.load_balances(db, contract_no=full.contract_no, data=balance, actor="op1",
                                        clock=CLOCK)
        assert isinstance(got, Ok), got
        _load(db, full.contract_no, deposit_file("一般財形,2000001,7000,0,,継続", group="002"))
        _load(db, plain.contract_no, deposit_file("財形住宅,3000001,9000,0,,継続"))
        rows = db.exec(select(ZaikeiDeposit, PaymentGroup).join(
            PaymentGroup, col(PaymentGroup.id) == col(ZaikeiDeposit.payment_group_id))).all()
        group2 = next(d.id for d, g in rows if d.contract_id == full.id and g.number == "002")
        mine = next(d.id for d, _g in rows if d.contract_id == plain.id)
        assert group2 is not None and mine is not None
        out = Org(full.contract_no, full.id, plain.contract_no, plain.id, mine, group2)
        db.commit()
    return out


def _person(db: Session, contract_no: str, *, group_no: str = "001",
            levels: dict[str, str] | None = None) -> Person:
    from chingin_app.models import MenuPermission, User

    contract = db.exec(select(Contract).where(Contract.contract_no == contract_no)).one()
    has_master = db.exec(select(User.id).where(User.contract_id == contract.id,
                                               User.role == UserRole.MASTER.value)).first()
    role = UserRole.GENERAL.value if levels or has_master else UserRole.MASTER.value
    user = factories.make_user(db, contract, role=role, user_id=factories.next_user_id("Zk"))
    assert user.id is not None
    if role == UserRole.GENERAL.value:
        shown = dict.fromkeys(("zaikei.detail_inquiry", "zaikei.statement",
                               "zaikei.detail_export"), "show")
        for key, level in {**shown, **(levels or {})}.items():
            db.add(MenuPermission(user_pk=user.id, menu_key=key, level=level))
    cert = factories.make_certificate(db, user, issued_at=CLOCK.now())
    facts = CertFacts("current", user.user_id, cert.serial_hex, cert.sha256)
    db.commit()
    signed = login.login(db, facts=facts, password=factories.PASSWORD, clock=CLOCK,
                         ip="192.0.2.60")
    assert isinstance(signed, Ok), signed
    token = signed.value.session_token
    chosen = login.select_group(db, session_token=token, facts=facts, group_no=group_no,
                                clock=CLOCK)
    assert isinstance(chosen, Ok), chosen
    db.commit()
    return Person(user.user_id, facts, token, contract_no, contract.name, group_no)


def screen(person: Person, cls: type[rx.State], path: str) -> Any:
    root = rx.State()
    root.router = RouterData.from_router_data({
        "token": f"client-{person.user_id}", "headers": dict(person.facts.to_headers()),
        "pathname": path, "query": {}, "asPath": path,
    })
    shared: Any = root.get_substate(SessionState.get_full_name().split("."))
    shared._start_session(person.token)
    return root.get_substate(cls.get_full_name().split("."))


def make(state: Any, person: Person) -> prepared_files.PreparedFile:
    asyncio.run(type(state).event_handlers["make_output"].fn(state))
    assert state.output_error == "" and not state.output_running, state.output_error
    found = prepared_files.store().get(state._output_ref, contract_no=person.contract_no,
                                       user_id=person.user_id)
    assert found is not None
    return found


def pdf_text(tmp_path: Path, data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def logged(db: Session, contract_no: str, action: str) -> list[OperationLog]:
    rows = list(db.exec(select(OperationLog).where(
        OperationLog.contract_no == contract_no, OperationLog.action == action,
    ).order_by(col(OperationLog.id))))
    db.commit()
    return rows


def _count(db: Session, model: Any, contract_id: int) -> int:
    n = db.exec(select(func.count()).select_from(model).where(
        model.contract_id == contract_id)).one()
    db.commit()
    return int(n)


# ---------------------------------------------------------------------------- bank side


def test_rz_bank_deposit_file_is_all_or_nothing_with_errors_by_row_and_column(
    db: Session, org: Org,
) -> None:
    """One bad cell in a good file: nothing stored, the cell named by row and column."""
    before = _count(db, ZaikeiDepositItem, org.contract_id)
    data = deposit_file("一般財形,1000001,10000,0,,継続", "財形住宅,1000002,1万,0,,継続",
                        month="2026-05", day="2026-05-25")
    got = zaikei_bank.load_deposits(db, contract_no=org.contract_no, data=data, actor="op1",
                                    clock=CLOCK)
    assert isinstance(got, Invalid)
    assert [(e.code, e.params["row"], e.params["column"]) for e in got.errors] == [
        ("E-ZAIKEI-VALUE", 3, 12)]
    assert _count(db, ZaikeiDepositItem, org.contract_id) == before


def test_rz_bank_refusals_depend_on_the_contracted_services(db: Session, org: Org) -> None:
    """加入者残高一覧表 only with zaikei-balance, 奨励金 only with zaikei-incentive, 財形 only for
    an employer contract; a 預入依頼書 already received is refused too."""
    balance = (BAL_HEADER + "\r\n001,2026-03-31,000001,ｻﾞｲｹｲ ﾀﾛｳ,財形　太郎,財形住宅,3000001,"
               "100,110\r\n").encode("cp932")
    got = zaikei_bank.load_balances(db, contract_no=org.plain_no, data=balance, actor="op1",
                                    clock=CLOCK)
    assert isinstance(got, Invalid) and got.errors[0].code == "E-ZAIKEI-NO-BALANCE-SERVICE"
    incentive = deposit_file("一般財形,3000002,5000,0,1000,新規", month="2026-06",
                             day="2026-06-25")
    got = zaikei_bank.load_deposits(db, contract_no=org.plain_no, data=incentive,
                                    actor="op1", clock=CLOCK)
    assert isinstance(got, Invalid) and [e.code for e in got.errors] == ["E-ZAIKEI-INCENTIVE"]
    member = factories.make_contract(db)
    assert member.id is not None
    got = zaikei_bank.load_deposits(db, contract_no=member.contract_no, data=incentive, actor="op1",
                                    clock=CLOCK)
    assert isinstance(got, Invalid) and got.errors[0].code == "E-ZAIKEI-NOT-EMPLOYER"
    again = deposit_file("財形住宅,3000001,9000,0,,継続")
    got = zaikei_bank.load_deposits(db, contract_no=org.plain_no, data=again, actor="op1",
                                    clock=CLOCK)
    assert isinstance(got, Invalid) and got.errors[0].code == "E-ZAIKEI-EXISTS"
    assert _count(db, ZaikeiBalance, org.plain_id) == 0
    assert _count(db, ZaikeiDeposit, org.plain_id) == 1


def test_rz_cli_load_zaikei_stores_and_logs(
    db: Session, org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """``chingin bank load-zaikei --kind deposit`` stores a file and logs it per 預入依頼書; a
    bad file exits 2 listing the errors."""
    operator = f"op{random.SystemRandom().randrange(10**9):09d}"
    path = tmp_path / "deposit.csv"
    path.write_bytes(deposit_file("財形年金,3000009,8000,0,,新規", month="2026-07",
                                  day="2026-07-24"))
    db.commit()
    status = main(["--operator", operator, "bank", "load-zaikei", "--contract", org.plain_no,
                   "--kind", "deposit", str(path)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "入金グループ001 2026-07 月例の財形預入依頼書を登録しました：1件" in out
    entries = [e for e in logged(db, org.plain_no, zaikei_bank.ACTION_LOAD_DEPOSIT)
               if e.actor == f"operator:{operator}"]
    assert len(entries) == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(deposit_file("財形年金,300000,8000,0,,新規", month="2026-08",
                                 day="2026-08-25"))
    status = main(["--operator", operator, "bank", "load-zaikei", "--contract", org.plain_no,
                   "--kind", "deposit", str(bad)])
    out, err = capsys.readouterr()
    assert status == 2
    assert "2行目11列目「口座番号」は半角数字7桁で入力してください。" in err


# ---------------------------------------------------------------------------- queries


def test_rz_1_choices_are_the_groups_last_three_newest_first_and_scoped(
    db: Session, org: Org,
) -> None:
    """Each group sees its own 預入依頼書 only; another group's or contract's id is refused."""
    person = _person(db, org.contract_no)
    views = zaikei.choices(db, person)
    months = [v.deposit_month for v in views]
    assert len(views) == 3 and months == sorted(months, reverse=True)
    assert zaikei.find_deposit(db, person, views[0].id) is not None
    for foreign in (org.group2_deposit, org.plain_deposit):
        assert zaikei.find_deposit(db, person, foreign) is None
        assert zaikei.detail_page(db, person, deposit_id=foreign,
                                  filters=zaikei.Filters()) is None
    db.commit()


# ---------------------------------------------------------------------------- screens


def test_rz_1_screen_lists_filters_sorts_totals_and_alarms(db: Session, org: Org) -> None:
    """RZ-1 and R-PLUS-3: the newest 預入依頼書's lines with totals and the 財形アラーム; a
    crafted frame with another contract's 預入依頼書 changes nothing."""
    person = _person(db, org.contract_no)
    state = screen(person, ZaikeiDetailsState, "/zaikei/details")
    loaded = state.load()
    assert state.request_id and state.total > 80, (loaded, state.alert_text)
    assert {r["kind"] for r in state.rows} <= {"一般財形", "財形年金", "財形住宅"}
    codes = {r["text"][:6] for r in state.alarm_rows}
    assert any("非課税限度額" in r["text"] for r in state.alarm_rows)
    assert any("満58歳" in r["text"] for r in state.alarm_rows)
    assert any("財形年金の契約が2件" in r["text"] for r in state.alarm_rows), codes
    state.search({"staff_no": "", "name_kana": "", "kind": "housing"})
    assert state.total > 0 and {r["kind"] for r in state.rows} == {"財形住宅"}
    state.sort("monthly")
    state.sort("monthly")
    amounts = [int(r["monthly"].replace(",", "")) for r in state.rows]
    assert amounts == sorted(amounts, reverse=True)
    assert state.totals["monthly"] != "0"
    chosen = state.request_id
    state.choose_request(str(org.plain_deposit))
    assert state.request_id == chosen and "預入依頼書はありません" in state.alert_text
    state.search({"kind": "bogus"})
    assert state.errors.get("kind")


def test_r_plus_8_rz_1_filters_by_kanji_name(db: Session, org: Org) -> None:
    """R-PLUS-8: RZ-1 filters by 漢字氏名 beside カナ氏名: the first row's family name matches
    that person's lines and no one else's; a name nobody has matches nothing."""
    person = _person(db, org.contract_no)
    state = screen(person, ZaikeiDetailsState, "/zaikei/details")
    state.load()
    everyone = state.total
    assert everyone > 1
    family = state.rows[0]["name"].replace("　", " ").split(" ")[0]
    state.search({"staff_no": "", "name_kana": "", "kind": "", "name_kanji": family})
    assert 0 < state.total < everyone
    assert {family in r["name"] for r in state.rows} == {True}
    state.search({"staff_no": "", "name_kana": "", "kind": "", "name_kanji": "存在しない名"})
    assert state.total == 0 and state.rows == []


def test_rz_2_statement_pdf_text_and_log(db: Session, org: Org, tmp_path: Path) -> None:
    """RZ-2: 財形積立明細書 with the A.6 columns, header and totals; 変更明細書 only changes."""
    person = _person(db, org.contract_no)
    state = screen(person, ZaikeiStatementState, "/zaikei/statement")
    state.load()
    text = pdf_text(tmp_path, make(state, person).content)
    for word in ("財形積立明細書", org.contract_no, "入金グループ：001 本社", "職員番号",
                 "非課税枠使用額", "奨励金", "合計", "000900", "1 / "):
        assert word in text, word
    state.choose_list("changes")
    changes = pdf_text(tmp_path, make(state, person).content)
    assert "財形積立変更明細書" in changes and "前回との変更" in changes
    assert "新規" in changes and "継続" not in changes.split("前回との変更", 1)[1]
    entries = logged(db, org.contract_no, zaikei.ACTION_STATEMENT)
    assert entries and entries[-1].actor == person.user_id


def test_rz_3_csv_cp932_by_default_and_utf8_bom(db: Session, org: Org) -> None:
    person = _person(db, org.contract_no)
    state = screen(person, ZaikeiExportState, "/zaikei/export")
    state.load()
    data = make(state, person).content
    assert data.endswith(b"\r\n") and not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("cp932"), newline="")))
    assert rows[0][:6] == ["入金グループ", "預入年月", "区分", "入金予定日", "職員番号", "氏名"]
    assert "非課税枠使用額" in rows[0] and rows[1][0] == "001" and rows[1][4].startswith("0")
    state.choose_encoding("utf-8-sig")
    assert make(state, person).content.startswith(b"\xef\xbb\xbf")
    state.choose_encoding("latin-1")
    assert state.encoding == "utf-8-sig" and state.alert_text
    assert logged(db, org.contract_no, zaikei.ACTION_EXPORT)


def test_r_user_7_hidden_menu_refuses_and_view_only_may_print(db: Session, org: Org) -> None:
    hidden = _person(db, org.contract_no, levels={"zaikei.detail_inquiry": "hide"})
    state = screen(hidden, ZaikeiDetailsState, "/zaikei/details")
    assert "/info" in str(state.load())
    assert state.rows == []
    viewer = _person(db, org.contract_no, levels={"zaikei.statement": "view_only"})
    out = screen(viewer, ZaikeiStatementState, "/zaikei/statement")
    out.load()
    assert make(out, viewer).content.startswith(b"%PDF-")


# ---------------------------------------------------------------------------- R-INFO-1


def test_r_info_1_employer_latest_received_lines_only_where_contracted(
    db: Session, org: Org,
) -> None:
    """預入依頼書, 加入者残高一覧表 and 奨励金 for the full contract; the 財形-only contract shows
    the 預入依頼書 line alone; no 労金控除 schedule for an employer contract. R-INFO-3: each
    entry opens its list or PDF — 預入依頼書 the 財形積立明細書出力, 加入者残高一覧表 and 奨励金
    the 財形積立明細照会 (アラーム, 奨励金 column)."""
    import chingin_app.chingin_app  # noqa: F401  (adds the pages: marks the built screens)
    from chingin_app import routes

    full = screen(_person(db, org.contract_no), InfoState, "/info")
    full.load()
    assert full.has_zaikei and full.zaikei_deposit.startswith("預入依頼書：")
    assert full.zaikei_has_balance and full.zaikei_balance.startswith("加入者残高一覧表：基準日")
    assert full.zaikei_has_incentive and "合計" in full.zaikei_incentive
    assert full.schedule_rows == []
    assert full.latest_links["zaikei_deposit"] == routes.ZAIKEI_STATEMENT
    assert full.latest_links["zaikei_balance"] == routes.ZAIKEI_DETAILS
    assert full.latest_links["zaikei_incentive"] == routes.ZAIKEI_DETAILS
    plain = screen(_person(db, org.plain_no), InfoState, "/info")
    plain.load()
    assert plain.has_zaikei and "財形住宅" not in plain.zaikei_deposit
    assert "受信" in plain.zaikei_deposit
    assert not plain.zaikei_has_balance and not plain.zaikei_has_incentive
    member = factories.make_contract(db)
    db.commit()
    other = screen(_person(db, member.contract_no), InfoState, "/info")
    other.load()
    assert not other.has_zaikei
