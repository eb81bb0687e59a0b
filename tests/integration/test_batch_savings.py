"""一斉積立事務 on a real database (SQLite and PostgreSQL): the bank's 一斉積立内訳明細 file
(`chingin bank load-batch`, all or nothing, errors by row and column), the 変更区分 against the
previous statement, RS-1 一斉積立内訳明細照会 (filters, sort, totals), RS-2 一斉積立内訳明細表
出力 (内訳明細表 / 変更明細表 PDFs), RS-3 一斉積立内訳明細データエクスポート (CSV), R-INFO-1 最新
受信情報（一斉積立）; tenant scope (another contract's or group's statement is never read),
R-USER-7 (閲覧のみ may print and export, 非表示 goes back to the information screen), and the
operation log (R-LOG-1)."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from chingin_app import routes
from chingin_app.cli import main
from chingin_app.db import session_scope
from chingin_app.domain.clock import MovableClock, SystemClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Invalid, Ok
from chingin_app.models import (
    BatchSavingsItem,
    BatchSavingsStatement,
    Contract,
    MenuPermission,
    OperationLog,
    PaymentGroup,
    UserRole,
)
from chingin_app.runtime import demo_batch
from chingin_app.services import batch_savings, batch_savings_bank, login
from chingin_app.services.cert_gate import CertFacts
from chingin_app.state.batch_savings import (
    BatchDetailExportState,
    BatchDetailListsState,
    BatchDetailsState,
)
from chingin_app.state.login import InfoState
from tests import factories
from tests.integration.test_rokin_outputs import (
    Person,
    make,
    pdf_text,
    run_make_output,
    screen,
)

CONTRACT_NAME = "一斉積立テスト労働組合"
AUG = MovableClock(datetime(2026, 8, 20, 1, 0, tzinfo=UTC))
SEP = MovableClock(datetime(2026, 9, 18, 1, 0, tzinfo=UTC))
OCT = MovableClock(datetime(2026, 10, 20, 1, 0, tzinfo=UTC))


def row(group: str, month: str, staff: str, kana: str, kanji: str, dept: str, account: str,
        product: str, amount: object, kind: str = "月例", branch: str = "101") -> list[object]:
    return [group, month, kind, staff, kana, kanji, dept, branch, account, product, amount]


A = ("0000001", "ｻﾄｳ ﾀﾛｳ", "佐藤 太郎", "総務部", "1000001", "定期積金")
B = ("0000002", "ｽｽﾞｷ ﾊﾅｺ", "鈴木 花子", "営業部", "2000002", "財形預金")
C = ("0000003", "ﾀｶﾊｼ ｹﾝﾀ", "高橋 健太", "営業部", "3000003", "普通預金")
D = ("0000004", "ﾀﾅｶ ｷﾖｳｺ", "=田中 京子", "経理部", "4000004", "定期積金")

AUG_ROWS = [row("001", "2026-08", *A, 10000), row("001", "2026-08", *B, 5000),
            row("001", "2026-08", *C, 3000)]
SEP_ROWS = [row("001", "2026-09", *A, 10000), row("001", "2026-09", *B, 8000),
            row("001", "2026-09", *D, 4000)]
OCT_ROWS = [row("001", "2026-10", *A, 12000), row("001", "2026-10", *B, 8000),
            row("001", "2026-10", *D, 4000),
            row("002", "2026-10", "0000101", "ｲﾄｳ ﾏｺﾄ", "伊藤 誠", "製造部", "5000005",
                "定期積金", 7000)]


@dataclass(frozen=True)
class Org:
    contract_no: str
    contract_id: int
    foreign_no: str
    foreign_statement: int
    statements: dict[str, list[int]]  # group → ids, newest first
    master: tuple[str, CertFacts]


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    return app_env


def _load(db: Session, contract_no: str, rows: list[list[object]], clock: MovableClock,
          encoding: str = "cp932") -> Any:
    return batch_savings_bank.load_batch(db, contract_no=contract_no, actor="op-test", clock=clock,
                                         data=batch_savings_bank.batch_csv(rows, encoding=encoding))


def _new_user(db: Session, contract_no: str, *, role: str = UserRole.GENERAL.value,
              levels: dict[str, str] | None = None) -> tuple[str, CertFacts]:
    contract = db.exec(select(Contract).where(Contract.contract_no == contract_no)).one()
    user = factories.make_user(db, contract, role=role, user_id=factories.next_user_id("Bat"))
    assert user.id is not None
    for key, level in (levels or {}).items():
        db.add(MenuPermission(user_pk=user.id, menu_key=key, level=level))
    cert = factories.make_certificate(db, user, issued_at=SystemClock().now())
    db.commit()
    return user.user_id, CertFacts("current", user.user_id, cert.serial_hex, cert.sha256)


def _sign_in(db: Session, contract_no: str, user: tuple[str, CertFacts], *,
             group_no: str = "001") -> Person:
    user_id, facts = user
    signed = login.login(db, facts=facts, password=factories.PASSWORD, clock=SystemClock(),
                         ip="192.0.2.60")
    assert isinstance(signed, Ok), signed
    token = signed.value.session_token
    chosen = login.select_group(db, session_token=token, facts=facts, group_no=group_no,
                                clock=SystemClock())
    assert isinstance(chosen, Ok), chosen
    db.commit()
    return Person(user_id, facts, token, contract_no, "", group_no)


@pytest.fixture(scope="module")
def org(db_engine: Engine) -> Org:
    with session_scope(bind=db_engine) as db:
        contract = factories.make_contract(db, name=CONTRACT_NAME,
                                           groups=(("001", "本社"), ("002", "大阪支社")))
        other = factories.make_contract(db, name="よその労働組合")
        assert contract.id is not None and other.id is not None
        for rows, clock in ((AUG_ROWS, AUG), (SEP_ROWS, SEP), (OCT_ROWS, OCT)):
            assert isinstance(_load(db, contract.contract_no, rows, clock), Ok)
        assert isinstance(_load(db, other.contract_no, [row("001", "2026-10", *A, 99999)], OCT), Ok)
        ids: dict[str, list[int]] = {}
        found = db.exec(select(BatchSavingsStatement.id, PaymentGroup.number)
                       .join(PaymentGroup,
                             col(PaymentGroup.id) == BatchSavingsStatement.payment_group_id)
                       .where(BatchSavingsStatement.contract_id == contract.id)
                       .order_by(col(BatchSavingsStatement.savings_month).desc())).all()
        for statement_id, number in found:
            assert statement_id is not None
            ids.setdefault(number, []).append(statement_id)
        foreign = db.exec(select(BatchSavingsStatement.id)
                          .where(BatchSavingsStatement.contract_id == other.id)).one()
        master = _new_user(db, contract.contract_no, role=UserRole.MASTER.value)
        assert foreign is not None
        return Org(contract.contract_no, contract.id, other.contract_no, foreign, ids, master)


@pytest.fixture
def master(db: Session, org: Org) -> Iterator[Person]:
    yield _sign_in(db, org.contract_no, org.master)


def _items(db: Session, statement_id: int) -> dict[str, tuple[int, int, str]]:
    items = db.exec(select(BatchSavingsItem)
                    .where(BatchSavingsItem.statement_id == statement_id)).all()
    return {i.staff_no: (i.amount, i.previous_amount, i.change_kind) for i in items}


# ---------------------------------------------------------------------------- the bank's file


def test_rs_1_change_kinds_against_the_previous_statement(db: Session, org: Org) -> None:
    """RS-1/RS-2 変更明細表: each line's 変更区分 against the previous statement of the group
    and 区分 — the first is all 新規; then 継続, 変更 (another 積立額), 新規, and 解約 (a line
    gone, 積立額 0, 前回積立額 kept); an ended line is not carried again."""
    aug, sep, oct_ = org.statements["001"][2], org.statements["001"][1], org.statements["001"][0]
    assert _items(db, aug) == {"0000001": (10000, 0, "新規"), "0000002": (5000, 0, "新規"),
                               "0000003": (3000, 0, "新規")}
    assert _items(db, sep) == {"0000001": (10000, 10000, "継続"),
                               "0000002": (8000, 5000, "変更"),
                               "0000003": (0, 3000, "解約"), "0000004": (4000, 0, "新規")}
    assert _items(db, oct_) == {"0000001": (12000, 10000, "変更"),
                                "0000002": (8000, 8000, "継続"),
                                "0000004": (4000, 4000, "継続")}
    statement = db.get(BatchSavingsStatement, sep)
    assert statement is not None and statement.item_count == 4
    assert statement.total_amount == 22000 and statement.kind == "monthly"
    assert _items(db, org.statements["002"][0]) == {"0000101": (7000, 0, "新規")}


def test_rs_load_batch_all_or_nothing_errors_by_row_and_column(db: Session) -> None:
    """`load-batch` (README 一斉積立内訳明細ファイル): a file with errors lists every one by row and
    column and stores nothing; an unknown group, a duplicate line, a statement already received
    and one older than a received one are refused too; the refusal is logged."""
    contract = factories.make_contract(db, groups=(("001", "本社"),))
    assert contract.id is not None
    bad: list[list[object]] = [row("001", "2026-13", *A, 1000), row("001", "2026-10", *B, "1,000"),
           row("009", "2026-10", *C, 1000), row("001", "2026-10", *B, 500),
           row("001", "2026-10", *B, 600), ["001", "2026-10", "臨時", "12a", "ｻﾄｳ", "佐藤",
                                             "総務", "1", "123", "定期", "0"]]
    got = _load(db, contract.contract_no, bad, OCT)
    assert isinstance(got, Invalid)
    texts = [message(e.code, **e.params) for e in got.errors]
    assert "2行目2列目「積立年月」は「YYYY-MM」の形式で入力してください。" in texts
    assert any(t.startswith("3行目11列目「積立額」") for t in texts)
    assert "4行目1列目：入金グループ009はこの契約にありません。" in texts
    assert any(t.startswith("6行目は5行目と職員番号・商品・口座番号が同じです") for t in texts)
    seventh = [t for t in texts if t.startswith("7行目")]
    assert [re.search(r"(\d+)列目", t).group(1) for t in seventh] == [  # type: ignore[union-attr]
        "3", "4", "8", "9", "11"]
    assert db.exec(select(func.count()).select_from(BatchSavingsStatement)
                   .where(BatchSavingsStatement.contract_id == contract.id)).one() == 0
    refusal = db.exec(select(OperationLog).where(
        OperationLog.action == batch_savings_bank.ACTION_LOAD, OperationLog.result != "success",
        OperationLog.target == contract.contract_no)).all()
    assert len(refusal) == 1

    # UTF-8 is read as well as CP932; then the same month again, or an older one, is refused.
    assert isinstance(_load(db, contract.contract_no, SEP_ROWS, SEP, encoding="utf-8"), Ok)
    again = _load(db, contract.contract_no, SEP_ROWS, SEP)
    assert isinstance(again, Invalid) and [e.code for e in again.errors] == ["E-BATCH-EXISTS"]
    older = _load(db, contract.contract_no, AUG_ROWS, SEP)
    assert isinstance(older, Invalid) and [e.code for e in older.errors] == ["E-BATCH-OLDER"]
    bonus = _load(db, contract.contract_no, [row("001", "2026-07", *A, 50000, kind="賞与")], SEP)
    assert isinstance(bonus, Ok)  # another 区分 has its own sequence
    assert bonus.value.statements == (("001", "2026-07", "bonus", 1, 1, 0, 0),)


def test_rs_load_batch_refused_without_the_batch_service(db: Session) -> None:
    """A contract without 一斉積立 receives no statements."""
    contract = factories.make_contract(db, services="rokin")
    assert contract.id is not None
    got = _load(db, contract.contract_no, [row("001", "2026-10", *A, 1000)], OCT)
    assert isinstance(got, Invalid) and got.errors[0].code == "E-BATCH-NO-SERVICE"


def test_rs_cli_load_batch(app_env: Path, db: Session, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    """`chingin bank load-batch --contract N FILE`: errors on standard error with exit 2 and
    nothing stored; the good file stored, counted and logged as the operator's change."""
    contract = factories.make_contract(db, groups=(("001", "本社"),))
    operator = f"op{random.SystemRandom().randrange(10**9):09d}"
    path = tmp_path / "batch.csv"
    bad = [list(r) for r in AUG_ROWS]
    bad[1][8] = "20002"
    path.write_bytes(batch_savings_bank.batch_csv(bad))
    db.commit()
    capsys.readouterr()
    status = main(["--operator", operator, "bank", "load-batch", "--contract",
                   contract.contract_no, str(path), "--ticket", "B-1"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert "一斉積立内訳明細ファイルに1件の誤りがあります。何も登録していません。" in err
    assert "3行目9列目「口座番号」は半角数字7桁で入力してください。" in err
    path.write_bytes(batch_savings_bank.batch_csv(AUG_ROWS))
    status = main(["--operator", operator, "bank", "load-batch", "--contract",
                   contract.contract_no, str(path), "--ticket", "B-2"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert "入金グループ001 2026-08 月例の一斉積立内訳明細を登録しました：3件（新規 3件" in out
    db.expire_all()
    entries = db.exec(select(OperationLog).where(
        OperationLog.actor == f"operator:{operator}",
        OperationLog.action == batch_savings_bank.ACTION_LOAD).order_by(col(OperationLog.id))).all()
    assert [e.result for e in entries] == ["failure", "success"]
    assert json.loads(entries[-1].detail or "{}")["ticket"] == "B-2"


# ---------------------------------------------------------------------------- queries


def test_rs_1_queries_scoped_by_contract_and_group(db: Session, org: Org,
                                                    master: Person) -> None:
    """R-SEC-1: the choices are the selected group's last three statements, newest first; a
    statement of the other group or of another contract is never found or read."""
    choices = batch_savings.choices(db, master)
    assert [v.id for v in choices] == org.statements["001"]
    assert batch_savings.statement_label(choices[0]) == "2026年10月 月例（2026/10/20 受信）"
    for foreign in (org.statements["002"][0], org.foreign_statement, "x", -1, True):
        assert batch_savings.find_statement(db, master, foreign) is None
        assert batch_savings.item_page(db, master, statement_id=foreign) is None
        assert batch_savings.preview(db, master, statement_id=foreign, which="detail") is None
    page = batch_savings.item_page(db, master, statement_id=org.statements["001"][1],
                                   name_kana="ｽｽﾞｷ")
    assert page is not None and [r["staff_no"] for r in page.rows] == ["0000002"]
    latest = batch_savings.latest(db, master)
    assert latest is not None and batch_savings.info_text(latest) == (
        "2026年10月 月例 一斉積立内訳明細（2026/10/20 受信）")


def test_rs_1_screen_filters_sorts_and_totals(db: Session, org: Org, master: Person) -> None:
    """RS-1 一斉積立内訳明細照会: the newest statement chosen, its lines with totals; filter by
    職員番号, カナ氏名 (full-width typed, matched as bank kana) and 所属; sort by 積立額 both ways;
    choosing another statement of the group; another group's id refused."""
    s = screen(master, BatchDetailsState, routes.BATCH_DETAILS)
    assert s.load() is None
    assert [o["id"] for o in s.statement_options] == [str(i) for i in org.statements["001"]]
    assert s.statement_id == str(org.statements["001"][0]) and s.total == 3
    assert s.amount_total == "24,000" and s.previous_total == "22,000"
    s.choose_statement(str(org.statements["001"][1]))
    assert s.total == 4 and s.amount_total == "22,000"
    s.search({"staff_no": "", "name_kana": "スズキ", "department": ""})
    assert [r["staff_no"] for r in s.rows] == ["0000002"] and s.rows[0]["change_kind"] == "変更"
    s.search({"staff_no": "", "name_kana": "", "department": "営業"})
    assert [r["staff_no"] for r in s.rows] == ["0000002", "0000003"]
    assert s.amount_total == "8,000" and s.previous_total == "8,000"
    s.search({"staff_no": "000000", "name_kana": "", "department": "%"})
    assert s.total == 0  # a LIKE wildcard is taken literally
    s.search({"staff_no": "", "name_kana": "", "department": ""})
    s.sort("amount")
    assert [r["amount"] for r in s.rows] == ["0", "4,000", "8,000", "10,000"]
    s.sort("amount")
    assert [r["amount"] for r in s.rows] == ["10,000", "8,000", "4,000", "0"]
    s.sort("name_kanji; DROP TABLE x")
    assert s.alert_text == message("E-BATCH-SORT")
    s.choose_statement(str(org.statements["002"][0]))
    assert s.alert_text == message("E-BATCH-STATEMENT")
    assert s.statement_id == str(org.statements["001"][1]) and s.total == 4
    s.choose_statement(str(org.foreign_statement))
    assert s.statement_id == str(org.statements["001"][1])


def test_r_plus_8_rs_1_filters_by_kanji_name(db: Session, org: Org, master: Person) -> None:
    """R-PLUS-8: RS-1 filters by 漢字氏名 beside カナ氏名 (anywhere; a LIKE wildcard literal)."""
    s = screen(master, BatchDetailsState, routes.BATCH_DETAILS)
    assert s.load() is None
    s.search({"staff_no": "", "name_kana": "", "department": "", "name_kanji": "鈴木"})
    assert [r["staff_no"] for r in s.rows] == ["0000002"]
    s.search({"staff_no": "", "name_kana": "", "department": "", "name_kanji": "%"})
    assert s.total == 0


# ---------------------------------------------------------------------------- outputs


def test_rs_2_detail_and_change_lists_as_pdf(db: Session, org: Org, master: Person,
                                              tmp_path: Path) -> None:
    """RS-2 一斉積立内訳明細表出力: 一斉積立内訳明細表 (lines without 解約, 積立額 total) and
    一斉積立変更明細表 (新規・変更・解約 only, with 前回積立額 and 変更区分) with the contract
    and group in the header, page numbers; each print logged (R-LOG-1)."""
    s = screen(master, BatchDetailListsState, routes.BATCH_DETAIL_LISTS)
    assert s.load() is None
    assert [o["title"] for o in s.list_options] == ["一斉積立内訳明細表", "一斉積立変更明細表"]
    s.choose_request(str(org.statements["001"][1]))
    s.count_lines()
    assert s.preview_text == "対象の明細は3件、積立額の合計は22,000円です。"
    found = make(s, master)
    assert found.filename.startswith(f"一斉積立内訳明細表_{org.contract_no}_001_202609_月例_")
    text = pdf_text(tmp_path, found.content)
    assert "一斉積立内訳明細表" in text and f"契約番号：{org.contract_no}" in text
    assert CONTRACT_NAME in text and "入金グループ：001" in text and "本社" in text
    assert "積立年月：2026年9月" in text and "区分：月例" in text
    assert all(n in text for n in ("0000001", "0000002", "0000004"))
    assert "0000003" not in text
    assert re.search(r"合計\s+3件\s+22,000", text) and "1 / 1" in text
    s.choose_list("changes")
    text = pdf_text(tmp_path, make(s, master).content)
    assert "一斉積立変更明細表" in text and "前回積立額" in text
    assert "0000001" not in text  # 継続
    assert all(k in text for k in ("新規", "変更", "解約"))
    # One count: the 解約 line is named apart from the count, but its 前回 3,000 stays in the
    # 前回 total (5,000 + 3,000), which so equals the last statement's.
    assert re.search(r"合計\s+2件（ほかに解約 1件）\s+12,000\s+8,000", text)
    entries = db.exec(select(OperationLog).where(
        OperationLog.contract_no == org.contract_no,
        OperationLog.action == batch_savings.ACTION_DETAIL_LIST)).all()
    assert len(entries) >= 2 and entries[-1].actor == master.user_id
    assert "入金グループ001 2026年9月 月例" in (entries[-1].target or "")


def _csv(data: bytes, encoding: str) -> list[list[str]]:
    text = data.decode(encoding)
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_rs_3_export_cp932_by_default_utf8_bom_and_neutralised(db: Session, org: Org,
                                                                master: Person) -> None:
    """RS-3 一斉積立内訳明細データエクスポート: CP932 with CRLF and a header by default, UTF-8
    with BOM on request; free text (漢字氏名 「=田中 京子」) neutralised against formula
    injection; codes keep their leading zeros; logged with the encoding."""
    s = screen(master, BatchDetailExportState, routes.BATCH_DETAIL_EXPORT)
    assert s.load() is None and s.encoding == "cp932"
    s.choose_request(str(org.statements["001"][1]))
    s.choose_list("changes")
    found = make(s, master)
    assert found.media_type == "text/csv" and s.output_view_url == ""
    rows = _csv(found.content, "cp932")
    assert rows[0][:4] == ["入金グループ", "積立年月", "区分", "職員番号"]
    assert rows[0][-3:] == ["積立額", "前回積立額", "変更区分"]
    by_staff = {r[3]: r for r in rows[1:]}
    assert set(by_staff) == {"0000002", "0000003", "0000004"}
    assert by_staff["0000004"][5] == "'=田中 京子"
    assert by_staff["0000003"][10:] == ["0", "3000", "解約"]
    assert by_staff["0000002"][:3] == ["001", "2026-09", "月例"]
    s.choose_encoding("utf-8-sig")
    utf8 = make(s, master).content
    assert utf8.startswith(b"\xef\xbb\xbf") and _csv(utf8[3:], "utf-8") == rows
    entries = db.exec(select(OperationLog).where(
        OperationLog.contract_no == org.contract_no,
        OperationLog.action == batch_savings.ACTION_DETAIL_EXPORT)
        .order_by(col(OperationLog.id))).all()
    assert '"utf-8-sig"' in (entries[-1].detail or "")
    assert "田中" not in (entries[-1].detail or "")


def test_rs_2_other_groups_statement_refused_by_every_handler(db: Session, org: Org,
                                                              master: Person) -> None:
    """R-SEC-1: a crafted frame naming group 002's or another contract's statement gets the
    message and nothing is made or changed."""
    s = screen(master, BatchDetailListsState, routes.BATCH_DETAIL_LISTS)
    s.load()
    chosen = s.request_id
    for foreign in (org.statements["002"][0], org.foreign_statement):
        s.choose_request(str(foreign))
        assert s.alert_text == message("E-BATCH-STATEMENT") and s.request_id == chosen
    s.request_id = str(org.statements["002"][0])  # as if the var had been forged
    run_make_output(s)
    assert s.alert_text == message("E-BATCH-STATEMENT") and s.output_name == ""
    s.count_lines()
    assert s.preview_text == ""
    s.choose_list("everything")
    assert s.alert_text == message("E-OUT-LIST")


def test_r_user_7_view_only_may_use_batch_menus_hidden_may_not(db: Session, org: Org) -> None:
    """R-USER-7: the 一斉積立 menus are view/output kinds — 閲覧のみ may list, print and
    export; a menu set to 非表示 sends its screen and every handler to the information
    screen."""
    viewer = _sign_in(db, org.contract_no, _new_user(db, org.contract_no, levels={
        "batch.detail_export": "view_only", "batch.detail_inquiry": "view_only",
        "batch.detail_list": "hide"}))
    s = screen(viewer, BatchDetailExportState, routes.BATCH_DETAIL_EXPORT)
    assert s.load() is None
    assert make(s, viewer).filename.startswith(
        f"一斉積立内訳明細データ_{org.contract_no}_001_202610_")
    inquiry = screen(viewer, BatchDetailsState, routes.BATCH_DETAILS)
    assert inquiry.load() is None and inquiry.total == 3
    hidden = screen(viewer, BatchDetailListsState, routes.BATCH_DETAIL_LISTS)
    assert routes.INFO in str(hidden.load())
    assert hidden.request_options == []
    assert routes.INFO in str(run_make_output(hidden))
    assert routes.INFO in str(hidden.choose_request(str(org.statements["001"][0])))
    assert hidden.output_name == ""


def test_r_info_1_r_info_3_latest_batch_statement_of_the_selected_group(
    db: Session, org: Org, master: Person
) -> None:
    """R-INFO-1 (manual P.21): the information screen shows the latest received 一斉積立
    内訳明細 of the selected group, and says so when there is none; a
    contract without 一斉積立 shows no panel. R-INFO-3: the entry opens its list (a link to
    一斉積立内訳明細表出力); nothing received, nothing linked."""
    import chingin_app.chingin_app  # noqa: F401  (adds the pages: marks the built screens)

    info = screen(master, InfoState, routes.INFO)
    assert info.load() is None
    assert info.has_batch
    assert info.batch_latest == "2026年10月 月例 一斉積立内訳明細（2026/10/20 受信）"
    assert info.latest_links["batch"] == routes.BATCH_DETAIL_LISTS
    assert info.latest_links["rokin"] == ""  # no 労金控除 request received here
    fresh = factories.make_contract(db, groups=(("001", "本社"),))
    person = _sign_in(db, fresh.contract_no,
                      _new_user(db, fresh.contract_no, role=UserRole.MASTER.value))
    empty = screen(person, InfoState, routes.INFO)
    empty.load()
    assert empty.has_batch and empty.batch_latest == "受信したデータはありません。"
    assert empty.latest_links["batch"] == ""
    rokin_only = factories.make_contract(db, services="rokin", groups=(("001", "本社"),))
    person = _sign_in(db, rokin_only.contract_no,
                      _new_user(db, rokin_only.contract_no, role=UserRole.MASTER.value))
    none = screen(person, InfoState, routes.INFO)
    none.load()
    assert not none.has_batch


def test_rs_demo_statements_deterministic_and_skipped_when_present(db: Session) -> None:
    """The demo (issue 4): three monthly statements per payment group, received on the 20th of
    the last three months whose 20th has come, with every 変更区分; a second load does
    nothing; the same day gives the same lines."""
    today = date(2026, 11, 5)
    assert demo_batch.demo_months(today) == ["2026-08", "2026-09", "2026-10"]
    assert demo_batch.demo_months(date(2026, 11, 20)) == ["2026-09", "2026-10", "2026-11"]
    contents = []
    for _ in range(2):
        contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
        assert contract.id is not None
        assert demo_batch.load_demo_statements(db, contract.id, today) == 6
        assert demo_batch.load_demo_statements(db, contract.id, today) == 0
        statements = db.exec(select(BatchSavingsStatement)
                             .where(BatchSavingsStatement.contract_id == contract.id)
                             .order_by(col(BatchSavingsStatement.id))).all()
        assert [s.savings_month for s in statements] == ["2026-08", "2026-09", "2026-10"] * 2
        kinds = db.exec(select(BatchSavingsItem.change_kind)
                        .where(BatchSavingsItem.contract_id == contract.id)).all()
        assert set(kinds) == {"新規", "変更", "解約", "継続"}
        contents.append([sorted(_items(db, s.id).items()) for s in statements if s.id])
    assert contents[0] == contents[1]
