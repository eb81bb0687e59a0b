"""賃控元帳's monthly cycle on a real database (SQLite and PostgreSQL), through the bank's
commands (``chingin bank publish-request`` / ``load-ledger-results``, ``chingin contract …
--staff-no-digits``) and the services: RL-CYCLE-1 the request beside the 労金控除 one (same
dates, 異動区分, refused twice without --replace), RL-CYCLE-2 the results all or nothing,
RL-CYCLE-3 the 相違リスト, RL-CYCLE-4 the kept cycles, RL-7's 控除不能リスト."""

from __future__ import annotations

import io
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from chingin_app.cli import main
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    Contract,
    DeductionRequest,
    LedgerRequest,
    LedgerResultItem,
    OperationLog,
    PaymentGroup,
)
from chingin_app.services import cycle_publishing
from chingin_app.services.ledger import cycle as lc
from chingin_app.services.rokin import cycle as rc
from tests import factories
from tests.integration.ledger_cycle_support import (
    CLOCK_AT,
    Org,
    confirm_and_load_rokin,
    make_cycle_org,
)


@pytest.fixture
def org(db: Session) -> Org:
    return make_cycle_org(db)


def _publish(db: Session, org: Org, month: str, **kw: Any) -> Any:
    return cycle_publishing.publish_month(
        db, contract_no=org.no, deduct_month=month, actor="op1",
        clock=MovableClock(CLOCK_AT), **kw)


def _ledger_request(db: Session, org: Org, month: str, group: str = "001",
                    kind: str = "monthly") -> LedgerRequest:
    db.expire_all()
    return db.exec(
        select(LedgerRequest)
        .join(PaymentGroup, col(PaymentGroup.id) == col(LedgerRequest.payment_group_id))
        .where(LedgerRequest.contract_id == org.id, PaymentGroup.number == group,
               LedgerRequest.deduct_month == month, LedgerRequest.pay_kind == kind)
    ).one()


def _lines(db: Session, org: Org, request_id: int) -> dict[tuple[str, str], Any]:
    return {(ln.staff_no, ln.item_code): ln
            for ln in lc.ledger_lines(db, contract_id=org.id, request_id=request_id)}


def test_rl_cycle_1_published_beside_the_rokin_request_with_its_dates_and_change_kinds(
    db: Session, org: Org
) -> None:
    """RL-CYCLE-1: the request per (group, 控除年月, 支給区分) from the active details, 月例額 or
    一時金額 by 支給区分, on the 労金控除 request's dates; each line an employee × 種目 with
    its 異動区分 against the previous cycle: 新規 / 変更 / 解約 (amount 0) / 継続."""
    got = _publish(db, org, "2026-03")
    assert isinstance(got, Ok), got
    assert [p.group_no for p in got.value.rokin] == ["001", "002"]
    assert [(p.group_no, p.count, p.amount) for p in got.value.ledger] == [
        ("001", 5, 10_200), ("002", 1, 1_000)]
    march = _ledger_request(db, org, "2026-03")
    rokin = db.exec(select(DeductionRequest).where(
        DeductionRequest.contract_id == org.id,
        DeductionRequest.payment_group_id == march.payment_group_id,
        DeductionRequest.deduct_month == "2026-03")).one()
    assert (march.deduction_date, march.deadline, march.remittance_date) == (
        rokin.deduction_date, rokin.deadline, rokin.remittance_date)
    first = _lines(db, org, march.id or 0)
    # The first cycle has no previous one: 継続 unless the detail starts this month.
    assert {ln.change_kind for ln in first.values()} == {"継続"}

    org.details["e2-union"].monthly_amount = 3_500
    db.add(org.details["e2-union"])
    factories.make_ledger_detail(db, org.employees["000001"], org.items["0003"],
                                 monthly_amount=4_000, start_month="2026-04")
    got = _publish(db, org, "2026-04")
    assert isinstance(got, Ok), got
    april = _lines(db, org, _ledger_request(db, org, "2026-04").id or 0)
    assert {key: (ln.change_kind, ln.amount) for key, ln in april.items()} == {
        ("000001", "0001"): ("継続", 3_000),
        ("000001", "0002"): ("継続", 500),
        ("000001", "0003"): ("新規", 4_000),
        ("000002", "0001"): ("変更", 3_500),
        ("00003", "0001"): ("継続", 2_500),
        ("000005", "0001"): ("解約", 0),
    }
    [ledger_001, _] = got.value.ledger
    assert (ledger_001.count, ledger_001.amount, ledger_001.ended_count) == (5, 13_500, 1)

    bonus = _publish(db, org, "2026-06", pay_kind="bonus")
    assert isinstance(bonus, Ok), bonus
    lines = _lines(db, org, _ledger_request(db, org, "2026-06", kind="bonus").id or 0)
    assert {key: ln.amount for key, ln in lines.items()} == {("000001", "0001"): 6_000}


@dataclass
class Cli:
    capsys: pytest.CaptureFixture[str]
    db: Session
    engine: Engine
    operator: str

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.db.commit()
        self.capsys.readouterr()
        status = main(["--operator", self.operator, *argv])
        out, err = self.capsys.readouterr()
        self.db.expire_all()
        return status, out, err

    def entries(self, action: str) -> list[OperationLog]:
        with Session(self.engine) as db:
            return list(db.exec(select(OperationLog).where(
                OperationLog.actor == f"operator:{self.operator}",
                OperationLog.action == action).order_by(col(OperationLog.id))).all())


@pytest.fixture
def cli(app_env: Path, db_engine: Engine, db: Session, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys, db, db_engine, f"op{random.SystemRandom().randrange(10**9):09d}")


def test_rl_cycle_1_cli_publish_twice_is_refused_without_replace(
    cli: Cli, db: Session, org: Org
) -> None:
    """`chingin bank publish-request` prints both kinds; a second run is refused (exit 1,
    nothing changed, one failure entry) until --replace, which rebuilds both."""
    status, out, err = cli("bank", "publish-request", "--contract", org.no, "--month",
                           "2026-03", "--ticket", "B-13")
    assert (status, err) == (0, "")
    assert "入金グループ001 2026-03 月例の控除依頼を作成しました：依頼 2件 15,000円" in out
    assert ("入金グループ001 2026-03 月例の賃控元帳控除依頼を作成しました：依頼 5件 10,200円"
            in out)
    assert "入金グループ002 2026-03 月例の賃控元帳控除依頼を作成しました：依頼 1件 1,000円" in out
    [one, two] = cli.entries(lc.ACTION_PUBLISH)
    assert json.loads(one.detail or "{}")["ticket"] == "B-13" and two.contract_no == org.no

    status, out, err = cli("bank", "publish-request", "--contract", org.no, "--month",
                           "2026-03")
    assert (status, out) == (1, "")
    assert "既に作成されています" in err and "--replace" in err
    assert db.exec(select(func.count()).select_from(LedgerRequest).where(
        LedgerRequest.contract_id == org.id)).one() == 2

    org.details["e3-union"].monthly_amount = 2_800
    db.add(org.details["e3-union"])
    status, out, _ = cli("bank", "publish-request", "--contract", org.no, "--month",
                         "2026-03", "--group", "001", "--replace")
    assert status == 0
    assert ("入金グループ001 2026-03 月例の賃控元帳控除依頼を作り直しました：依頼 5件 10,500円"
            in out)
    assert "入金グループ002" not in out


def test_rl_cycle_1_ledger_only_contract_and_nothing_to_deduct(db: Session) -> None:
    """A contract with 賃控元帳 only gets the ledger request alone; a contract whose ledger and
    労金控除 are both empty is refused (E-CYCLE-NO-LINES) and nothing is stored."""
    contract = factories.make_contract(db, services="ledger")
    item = factories.make_ledger_item(db, contract)
    employee = factories.make_employee(db, contract, staff_no="000001")
    clock = MovableClock(CLOCK_AT)
    empty = cycle_publishing.publish_month(db, contract_no=contract.contract_no,
                                           deduct_month="2026-03", actor="op1", clock=clock)
    assert isinstance(empty, Err) and empty.code == "E-CYCLE-NO-LINES"
    factories.make_ledger_detail(db, employee, item, monthly_amount=2_000)
    got = cycle_publishing.publish_month(db, contract_no=contract.contract_no,
                                         deduct_month="2026-03", actor="op1", clock=clock)
    assert isinstance(got, Ok), got
    assert got.value.rokin == () and [p.amount for p in got.value.ledger] == [2_000]


def _ledger_results(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "chinko.csv"
    path.write_bytes(lc.ledger_results_csv(rows))
    return path


MARCH_RESULTS = [
    ["001", "2026-03", "月例", "000001", "0001", "3000", "0", ""],
    ["001", "2026-03", "月例", "000001", "0002", "500", "0", ""],
    ["001", "2026-03", "月例", "000002", "0001", "3000", "0", ""],
    ["001", "2026-03", "月例", "00003", "0001", "0", "9", "休職・無給"],
    ["001", "2026-03", "月例", "000005", "0001", "1200", "0", ""],
]


def test_rl_cycle_2_bad_file_is_refused_whole_then_rl_7_lists_the_not_deducted(
    cli: Cli, db: Session, org: Org, tmp_path: Path
) -> None:
    """RL-CYCLE-2: a file with errors lists every one with its row and column (exit 2) and
    stores nothing; the corrected file is stored, the request is 結果受信済, RL-7's
    控除不能リスト holds the 不能 line with its reason, and the request can no longer be
    replaced or loaded again."""
    assert cli("bank", "publish-request", "--contract", org.no, "--month", "2026-03")[0] == 0
    bad = [list(r) for r in MARCH_RESULTS]
    bad[0][1] = "2026/03"  # row 2, column 2
    bad[1][5] = "1,000"  # row 3, column 6
    bad[2][5] = "2999"  # row 4: not the requested amount
    bad[3][4] = "0009"  # row 5: no such line
    bad.append(list(MARCH_RESULTS[4]))  # row 7: the same line twice
    status, out, err = cli("bank", "load-ledger-results", "--contract", org.no,
                           str(_ledger_results(tmp_path, bad)))
    assert (status, out) == (2, "")
    assert "賃控元帳控除結果ファイルに" in err and "何も登録していません" in err
    assert "2行目「控除年月」は「YYYY-MM」の形式で入力してください。" in err
    assert "3行目「控除額」は半角数字（カンマなし）9桁以内で入力してください。" in err
    assert "4行目「控除額」：結果が済のときは依頼額（3,000円）と同じ金額にしてください" in err
    assert "5行目：職員番号00003・種目コード0009の依頼明細がありません。" in err
    assert "7行目：同じ依頼明細の結果が6行目にもあります。" in err
    request = _ledger_request(db, org, "2026-03")
    assert request.status == "received"
    assert db.exec(select(func.count()).select_from(LedgerResultItem).where(
        LedgerResultItem.contract_id == org.id)).one() == 0

    status, out, err = cli("bank", "load-ledger-results", "--contract", org.no,
                           str(_ledger_results(tmp_path, MARCH_RESULTS)), "--ticket", "K-1")
    assert (status, err) == (0, "")
    assert "入金グループ001 2026-03 月例の賃控元帳控除結果を登録しました：済 4件、不能 1件" in out
    request = _ledger_request(db, org, "2026-03")
    assert request.status == "results" and request.results_received_at is not None
    assert request.id is not None
    not_deducted = lc.ledger_result_lines(db, contract_id=org.id, request_id=request.id,
                                          which="not_deducted")
    assert [(r.line.staff_no, r.reason, r.result_label) for r in not_deducted] == [
        ("00003", "休職・無給", "不能")]
    every = lc.ledger_result_lines(db, contract_id=org.id, request_id=request.id)
    assert sum(r.deducted_amount for r in every) == 3_000 + 500 + 3_000 + 1_200

    again = cli("bank", "load-ledger-results", "--contract", org.no,
                str(_ledger_results(tmp_path, MARCH_RESULTS)))
    assert again[0] == 2 and "控除結果を登録済みです" in again[2]
    # The 労金控除 request is still 依頼受信 (it could be replaced); the ledger's is closed,
    # so nothing is.
    replaced = _publish(db, org, "2026-03", replace_existing=True)
    assert isinstance(replaced, Err) and replaced.code == "E-CYCLE-CLOSED"


def test_rl_cycle_2_missing_lines_are_named(cli: Cli, db: Session, org: Org,
                                            tmp_path: Path) -> None:
    """Every line of a named request needs its result: a file that lacks one says how many and
    names the first 職員番号."""
    assert cli("bank", "publish-request", "--contract", org.no, "--month", "2026-03")[0] == 0
    status, _, err = cli("bank", "load-ledger-results", "--contract", org.no,
                         str(_ledger_results(tmp_path, MARCH_RESULTS[:3])))
    assert status == 2
    assert "依頼明細のうち2件の結果がありません（職員番号 000005 ほか）" in err


def test_rl_cycle_3_mismatch_list_kana_after_a_1_and_digits(
    cli: Cli, db: Session, org: Org
) -> None:
    """RL-CYCLE-3: a line whose カナ氏名 differs (after A.1 on both sides) from the 金庫登録カナ
    of the employee's latest 労金控除 result, or whose 職員番号 has another number of digits
    than the contract's 職員番号桁数 — unset: the most common length (6 here); set by the
    bank with `chingin contract change --staff-no-digits`."""
    assert isinstance(_publish(db, org, "2026-03"), Ok)
    # The bank knows 000001 under another kana; 000002 only in another width (the same, A.1).
    confirm_and_load_rokin(db, org, "2026-03",
                            {"000001": "ﾛｳｷﾝ ｼﾞﾛｳ", "000002": "キュウヨ イチロウ"})
    request = _ledger_request(db, org, "2026-03")
    assert request.id is not None
    found = lc.mismatch_lines(db, contract_id=org.id, request_id=request.id)
    # In the lists' order: 所属 (営業部 before 総務部), 職員番号, 種目.
    assert [(m.line.staff_no, m.line.item_code, m.mismatch.description) for m in found] == [
        ("00003", "0001", "職員番号：5桁（契約は6桁）"),
        ("000001", "0001", "カナ氏名：6文字目から異なる"),
        ("000001", "0002", "カナ氏名：6文字目から異なる"),
    ]
    assert (found[0].bank_kana, found[1].bank_kana) == (None, "ﾛｳｷﾝ ｼﾞﾛｳ")

    status, _, _ = cli("contract", "change", org.no, "--staff-no-digits", "5",
                         "--ticket", "C-1")
    assert status == 0
    assert lc.staff_no_digits(db, contract_id=org.id) == 5
    found = lc.mismatch_lines(db, contract_id=org.id, request_id=request.id)
    assert [m.line.staff_no for m in found] == ["000002", "000001", "000001", "000005"]
    assert found[0].mismatch.description == "職員番号：6桁（契約は5桁）"
    assert found[1].mismatch.description == (
        "カナ氏名：6文字目から異なる／職員番号：6桁（契約は5桁）")
    status, _, err = cli("contract", "change", org.no, "--staff-no-digits", "11",
                         "--ticket", "C-2")
    assert status == 2 and "「職員番号桁数」は半角数字1～10で入力してください" in err
    assert db.exec(select(Contract.staff_no_digits).where(Contract.id == org.id)).one() == 5


def test_rl_cycle_3_contract_create_with_staff_no_digits(
    cli: Cli, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chingin contract create … --staff-no-digits N` stores the 桁数; `contract show` says
    it."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(factories.INITIAL_PASSWORD + "\n"))
    number = factories.next_contract_no()
    status, _, err = cli("contract", "create", "--number", number, "--name", "桁数労働組合",
                         "--kind", "member", "--services", "rokin,ledger", "--group",
                         "001:本社", "--staff-no-digits", "7", "--initial-password", "-")
    assert status == 0, err
    assert db.exec(select(Contract.staff_no_digits).where(
        Contract.contract_no == number)).one() == 7
    status, out, _ = cli("contract", "show", number)
    assert status == 0 and "職員番号桁数　　　: 7" in out


def test_rl_cycle_4_the_kept_cycles(db: Session, org: Org,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """RL-CYCLE-4: the lists offer the current cycle and CHINGIN_KEEP_CYCLES before it, as
    労金控除 does (R-PLUS-8)."""
    from chingin_app.settings import settings

    for month in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05"):
        assert isinstance(_publish(db, org, month), Ok)
    group_id = _ledger_request(db, org, "2026-05").payment_group_id
    months = [v.deduct_month for v in lc.list_ledger_requests(
        db, contract_id=org.id, payment_group_id=group_id)]
    assert months == ["2026-05", "2026-04", "2026-03", "2026-02"]
    monkeypatch.setenv("CHINGIN_KEEP_CYCLES", "1")
    settings.cache_clear()
    try:
        months = [v.deduct_month for v in lc.list_ledger_requests(
            db, contract_id=org.id, payment_group_id=group_id)]
        assert months == ["2026-05", "2026-04"]
        assert [v.deduct_month for v in rc.list_requests(
            db, contract_id=org.id, payment_group_id=group_id)] == ["2026-05", "2026-04"]
    finally:
        monkeypatch.delenv("CHINGIN_KEEP_CYCLES")
        settings.cache_clear()
    assert len(lc.list_ledger_requests(db, contract_id=org.id, cycles=None)) == 10


def test_rl_cycle_2_load_results_service_unknown_contract(db: Session) -> None:
    """An unknown contract is refused before the file is read."""
    got = lc.load_ledger_results(db, contract_no="99999996", data=b"", actor="op1",
                                 clock=MovableClock(CLOCK_AT))
    assert isinstance(got, Invalid) and [e.code for e in got.errors] == ["E-CONTRACT-NOT-FOUND"]


def test_rl_cycle_2_readme_documents_the_file_the_loader_reads() -> None:
    """The README's 「賃控元帳控除結果ファイル」 shows the header the loader checks, column by
    column."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### 賃控元帳控除結果ファイル", 1)[1].split("\n### ", 1)[0]
    assert ",".join(lc.LEDGER_RESULTS_HEADER) in section
    for number, name in enumerate(lc.LEDGER_RESULTS_HEADER, start=1):
        assert f"| {number} | {name} |" in section
