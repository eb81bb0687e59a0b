"""The 労金控除 output screens on a real database (SQLite and PostgreSQL): RK-4 労金控除依頼リスト
出力 (four lists on screen and as PDF), RK-5 労金控除依頼データエクスポート (CSV, CP932 + CRLF by
default, UTF-8 with BOM on request), RK-6 企業宛控除依頼書出力 (form PDF with per-product
totals), RK-7 企業宛控除依頼データエクスポート (all / changes only), RK-11 労金控除結果リスト
出力 (控除結果, 控除不能 with 不能理由, カナ氏名不一致 with A.6's columns); every output in the
operation log (R-LOG-1); tenant scope (R-SEC-1: another group's or contract's request is never
read); 閲覧のみ may print and export (R-USER-7).

The organisation is the demo's (300 employees, two payment groups, three past cycles with
results and the current request), loaded once per database as of today (the handlers use the
process clock). Handlers run on a state tree built under pytest with the session and the
certificate a real connection carries (as in test_contract_user_own.py)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain import figures
from chingin_app.domain.clock import MovableClock, SystemClock, to_jst
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.models import Contract, MenuPermission, OperationLog, UserRole
from chingin_app.reports import rokin_csv
from chingin_app.runtime import demo_rokin
from chingin_app.services import login, prepared_files
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.rokin import outputs as rokin_outputs
from chingin_app.services.rokin.cycle import RequestView
from chingin_app.settings import settings
from chingin_app.state.rokin.outputs import (
    CompanyExportState,
    CompanyRequestState,
    RequestExportState,
    RequestListsState,
    ResultListsState,
)
from chingin_app.state.session import SessionState
from tests import factories

CONTRACT_NAME = "出力テスト労働組合"


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    """The handlers open their own database sessions through the process settings."""
    return app_env


@dataclass(frozen=True)
class Org:
    """The demo organisation's contract and its requests (newest first) per group."""

    contract_no: str
    contract_id: int
    requests: dict[str, list[RequestView]]
    foreign_request: int  # a request of another contract
    master: tuple[str, CertFacts]


@pytest.fixture(scope="module")
def org(db_engine: Engine) -> Org:
    """One demo organisation per database (loading it takes a few seconds)."""
    today = to_jst(SystemClock().now()).date()
    with session_scope(bind=db_engine) as db:
        contract = factories.make_contract(db, name=CONTRACT_NAME,
                                           groups=(("001", "本社"), ("002", "大阪支社")))
        other = factories.make_contract(db, name="よその労働組合")
        assert contract.id is not None and other.id is not None
        demo_rokin.load_demo_organisation(db, contract.id, today)
        rokin_cycle.load_demo_history(db, contract_id=contract.id, today=today,
                                      bank_kana=demo_rokin.DEMO_BANK_KANA)
        product = factories.make_rokin_product(db, other)
        employee = factories.make_employee(db, other, staff_no="000001")
        factories.make_deduction_detail(db, employee, product, account_no="9000001")
        foreign = rokin_cycle.publish_request(
            db, contract_no=other.contract_no, deduct_month=rokin_cycle.list_requests(
                db, contract_id=contract.id)[0].deduct_month,
            actor="op1", clock=MovableClock(SystemClock().now()))
        assert isinstance(foreign, Ok), foreign
        views = rokin_cycle.list_requests(db, contract_id=contract.id)
        out = Org(
            contract_no=contract.contract_no, contract_id=contract.id,
            requests={g: [v for v in views if v.group_no == g] for g in ("001", "002")},
            foreign_request=foreign.value[0].request_id,
            master=("", CertFacts("none", None, None, None)),
        )
        db.commit()
        master = _new_user(db, out, role=UserRole.MASTER.value)
    return replace(out, master=master)


@dataclass(frozen=True)
class Person:
    user_id: str
    facts: CertFacts
    token: str
    contract_no: str
    contract_name: str
    group_no: str


def _new_user(db: Session, org: Org, *, role: str = UserRole.GENERAL.value,
              levels: dict[str, str] | None = None) -> tuple[str, CertFacts]:
    """A user of the organisation with a certificate and the given menu restrictions."""
    contract = db.exec(select(Contract).where(Contract.contract_no == org.contract_no)).one()
    user = factories.make_user(db, contract, role=role, user_id=factories.next_user_id("Out"))
    assert user.id is not None
    for key, level in (levels or {}).items():
        db.add(MenuPermission(user_pk=user.id, menu_key=key, level=level))
    cert = factories.make_certificate(db, user, issued_at=SystemClock().now())
    facts = CertFacts("current", user.user_id, cert.serial_hex, cert.sha256)
    db.commit()
    return user.user_id, facts


def _sign_in(db: Session, org: Org, user: tuple[str, CertFacts], *,
             group_no: str = "001") -> Person:
    """The user signed in (a new session), ``group_no`` chosen."""
    user_id, facts = user
    signed = login.login(db, facts=facts, password=factories.PASSWORD, clock=SystemClock(),
                         ip="192.0.2.50")
    assert isinstance(signed, Ok), signed
    token = signed.value.session_token
    chosen = login.select_group(db, session_token=token, facts=facts, group_no=group_no,
                                clock=SystemClock())
    assert isinstance(chosen, Ok), chosen
    db.commit()
    return Person(user_id, facts, token, org.contract_no, CONTRACT_NAME, group_no)


@pytest.fixture
def master(db: Session, org: Org) -> Iterator[Person]:
    yield _sign_in(db, org, org.master)


def screen(person: Person, cls: type[rx.State], path: str) -> Any:
    """The screen's state on a fresh tree, as ``person``'s connection would see it, loaded."""
    root = rx.State()
    root.router = RouterData.from_router_data({
        "token": f"client-{person.user_id}", "headers": dict(person.facts.to_headers()),
        "pathname": path, "query": {}, "asPath": path,
    })
    shared: Any = root.get_substate(SessionState.get_full_name().split("."))
    shared._start_session(person.token)
    return root.get_substate(cls.get_full_name().split("."))


def run_make_output(state: Any) -> Any:
    """The background event PDF出力 / CSV出力 run to its end, as Reflex runs it (a background
    task cannot be called directly; on a plain state ``async with self`` is a no-op)."""
    return asyncio.run(type(state).event_handlers["make_output"].fn(state))


def make(state: Any, person: Person) -> PreparedFile:
    """PDF出力 / CSV出力 and the file it offers."""
    run_make_output(state)
    assert state.output_error == "" and not state.output_running, state.output_error
    assert state.output_percent == 100 and state.output_name
    found = prepared_files.store().get(state._output_ref, contract_no=person.contract_no,
                                       user_id=person.user_id)
    assert found is not None and found.filename == state.output_name
    return found


def pdf_text(tmp_path: Path, data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def pdf_fonts(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                          text=True).stdout


def logged(db: Session, contract_no: str, action: str) -> list[OperationLog]:
    rows = list(db.exec(select(OperationLog).where(
        OperationLog.contract_no == contract_no, OperationLog.action == action,
    ).order_by(col(OperationLog.id))))
    db.commit()
    return rows


def _lines(org: Org, request_id: int, which: Any = "all") -> list[rokin_cycle.RequestLine]:
    with session_scope(read_only=True) as db:
        return rokin_cycle.request_lines(db, contract_id=org.contract_id, request_id=request_id,
                                         which=which)


# ---------------------------------------------------------------------------- RK-4


def test_rk_4_request_choice_is_the_groups_cycles_newest_first(db: Session, org: Org,
                                                               master: Person) -> None:
    """RK-4: the requests offered are group 001's of the kept cycles (A.4: the current one and
    three past), newest 控除年月 first, the newest chosen; its 控除依頼リスト is on screen, one
    page of 50 at a time, with the count."""
    s = screen(master, RequestListsState, routes.ROKIN_REQUEST_LISTS)
    assert s.load() is None
    own = org.requests["001"]
    assert [o["id"] for o in s.request_options] == [str(v.id) for v in own]
    assert len(own) == settings().keep_cycles + 1
    assert s.request_options[0]["label"] == own[0].label
    assert "（依頼受信）" in s.request_options[0]["label"]
    assert s.request_id == str(own[0].id) and s.list_kind == "all"
    assert [o["title"] for o in s.list_options] == [
        "控除依頼リスト", "窓口扱い控除依頼内容変更リスト", "控除依頼明細エラーリスト",
        "控除依頼異動分リスト"]
    lines = _lines(org, own[0].id)
    assert s.total == len(lines) and len(s.rows) == 50 and s.pages == -(-len(lines) // 50)
    # Issue 14 item 2: the list's count as every screen writes it, 解約 lines apart.
    totals = own[0].totals
    assert s.preview_text == message("I-OUT-PREVIEW", figures=figures.count_and_amount(
        totals.requested_count, totals.requested_amount, ended=totals.ended_count,
        ended_yen=totals.ended_amount))
    assert s.rows[0]["staff_no"] == lines[0].staff_no
    assert s.rows[0]["amount"] == f"{lines[0].amount:,}"
    s.turn(1)
    assert s.page == 2 and s.rows[0]["staff_no"] == lines[50].staff_no
    s.turn(10**30)  # a crafted page number stays inside the list
    assert s.page == s.pages
    s.choose_list("errors")
    errors = _lines(org, own[0].id, "errors")
    assert errors and s.total == len(errors) and s.page == 1
    assert all(r["error_text"] for r in s.rows)
    s.choose_list("changes")
    assert {r["change_kind"] for r in s.rows} <= {"新規", "変更", "解約"}


def test_rk_4_request_list_pdf_has_header_lines_and_totals(
    db: Session, org: Org, master: Person, tmp_path: Path
) -> None:
    """RK-4 控除依頼リスト as PDF (SPEC §11 outputs): A4 with IPAex Gothic embedded, the contract
    and payment group in the header, the request's 控除年月・支給区分・控除日・入金予定日, every
    line, page numbers, and the totals of 依頼額; the print is logged (R-LOG-1)."""
    s = screen(master, RequestListsState, routes.ROKIN_REQUEST_LISTS)
    s.load()
    view = org.requests["001"][0]
    before = len(logged(db, org.contract_no, rokin_outputs.ACTION_REQUEST_LIST))
    found = make(s, master)
    assert found.media_type == "application/pdf"
    assert found.filename.startswith(f"控除依頼リスト_{org.contract_no}_001_")
    assert s.output_view_url.startswith("/dl/")  # 表示 for a PDF
    text = pdf_text(tmp_path, found.content)
    assert "控除依頼リスト" in text
    assert f"契約番号：{org.contract_no}" in text and CONTRACT_NAME in text
    assert "入金グループ：001" in text and "本社" in text
    year, month = view.deduct_month.split("-")
    assert f"控除年月：{year}年{int(month)}月" in text and "支給区分：月例" in text
    assert f"控除日：{view.deduction_date:%Y/%m/%d}" in text  # one date style (issue 14)
    lines = _lines(org, view.id)
    assert all(line.staff_no in text for line in lines)
    total = sum(line.amount for line in lines)
    assert total == view.totals.requested_amount
    # One count everywhere (issue 14 item 2): the 解約 lines are listed, counted apart.
    ended = sum(1 for line in lines if line.change_kind == "解約")
    counted = figures.count_only(len(lines) - ended, ended=ended)
    assert counted.startswith(f"{view.totals.requested_count:,}件")
    assert re.search(rf"合計\s+{re.escape(counted)}\s+{total:,}\n", text)
    assert "1 / " in text and "ページ" in text
    fonts = pdf_fonts(tmp_path, found.content)
    assert "IPAexGothic" in fonts and "Helvetica" not in fonts
    entries = logged(db, org.contract_no, rokin_outputs.ACTION_REQUEST_LIST)
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry.actor == master.user_id and entry.result == "success"
    assert "入金グループ001" in (entry.target or "") and "控除依頼リスト" in (entry.detail or "")


def test_rk_4_error_list_pdf_names_each_error(db: Session, org: Org, master: Person,
                                              tmp_path: Path) -> None:
    """RK-4 控除依頼明細エラーリスト: the error lines with their エラー内容."""
    s = screen(master, RequestListsState, routes.ROKIN_REQUEST_LISTS)
    s.load()
    s.choose_list("errors")
    text = pdf_text(tmp_path, make(s, master).content)
    errors = _lines(org, org.requests["001"][0].id, "errors")
    assert "控除依頼明細エラーリスト" in text and "エラー内容" in text
    assert errors and all(line.staff_no in text for line in errors)
    assert all((line.error_text or "")[:6] in text for line in errors)


# ---------------------------------------------------------------------------- RK-5 / RK-7


def _csv_rows(data: bytes, encoding: str) -> list[list[str]]:
    import csv
    import io

    text = data.decode(encoding)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_rk_5_csv_cp932_crlf_by_default_and_utf8_bom_on_request(
    db: Session, org: Org, master: Person
) -> None:
    """RK-5 (R-ENV-3, A.2): the request's lines as CSV in CP932 with CRLF and a header row,
    codes kept as text (leading zeros); UTF-8 with BOM when chosen, the same rows; logged with
    the encoding and the count, never the contents."""
    s = screen(master, RequestExportState, routes.ROKIN_REQUEST_EXPORT)
    assert s.load() is None and s.encoding == "cp932" and s.list_options == []
    found = make(s, master)
    assert found.media_type == "text/csv" and found.filename.endswith(".csv")
    assert s.output_view_url == ""  # a CSV is downloaded, not shown
    assert not found.content.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(found.content, "cp932")
    assert rows[0] == rokin_csv.header(rokin_csv.REQUEST_COLUMNS)
    lines = _lines(org, org.requests["001"][0].id)
    assert len(rows) == len(lines) + 1
    assert rows[1][4] == lines[0].staff_no and rows[1][4].startswith("0")
    assert rows[1][10] == lines[0].account_no and rows[1][11] == str(lines[0].amount)
    assert {r[2] for r in rows[1:]} == {"001"}
    s.choose_encoding("utf-8-sig")
    assert s.encoding == "utf-8-sig" and s.output_name == ""
    utf8 = make(s, master).content
    assert utf8.startswith(b"\xef\xbb\xbf")
    assert _csv_rows(utf8[3:], "utf-8") == rows
    entries = logged(db, org.contract_no, rokin_outputs.ACTION_REQUEST_EXPORT)[-2:]
    assert [e.actor for e in entries] == [master.user_id] * 2
    assert '"cp932"' in (entries[0].detail or "") and '"utf-8-sig"' in (entries[1].detail or "")
    assert lines[0].name_kanji not in (entries[0].detail or "")
    s.choose_encoding("shift_jis")  # not offered
    assert s.alert_text == message("E-OUT-ENCODING") and s.encoding == "utf-8-sig"


def test_rk_5_excel_output_beside_the_csv_codes_text_amounts_numbers(
    db: Session, org: Org, master: Person
) -> None:
    """Issue 14 item 5 (RK-5, R-ENV-3): 「Excel出力」 makes the same export as an .xlsx through
    the same ダウンロード: the CSV's header and rows, 職員番号/入金グループ/口座番号 as text with
    their zeros, 依頼額 as numbers; named like the CSV but .xlsx; logged as an export; the
    chosen 文字コード stays for the next CSV出力."""
    import io

    import openpyxl

    s = screen(master, RequestExportState, routes.ROKIN_REQUEST_EXPORT)
    s.load()
    csv_rows = _csv_rows(make(s, master).content, "cp932")
    asyncio.run(type(s).event_handlers["make_excel"].fn(s))
    assert s.output_error == "" and s.output_name.endswith(".xlsx")
    found = prepared_files.store().get(s._output_ref, contract_no=master.contract_no,
                                       user_id=master.user_id)
    assert found is not None and found.filename == s.output_name
    assert found.media_type.endswith("spreadsheetml.sheet") and s.output_view_url == ""
    sheet = openpyxl.load_workbook(io.BytesIO(found.content)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows()]
    assert [c.value for c in cells[0]] == csv_rows[0] and len(cells) == len(csv_rows)
    first = cells[1]
    assert first[4].data_type == "s" and first[4].value == csv_rows[1][4]
    assert str(first[4].value).startswith("0") and first[2].value == "001"
    assert first[10].data_type == "s" and first[10].value == csv_rows[1][10]
    assert first[11].data_type == "n" and first[11].value == int(csv_rows[1][11])
    assert sum(int(r[11].value or 0) for r in cells[1:]) == sum(int(r[11]) for r in csv_rows[1:])
    entry = logged(db, org.contract_no, rokin_outputs.ACTION_REQUEST_EXPORT)[-1]
    assert '"xlsx"' in (entry.detail or "")
    assert s.encoding == "cp932"


def test_rk_7_company_export_all_or_changes_only(db: Session, org: Org, master: Person) -> None:
    """RK-7: 企業宛控除依頼データ, all lines or the changes only (新規・変更・解約), in the same
    column layout; 件数確認 tells the count and 依頼額 first; logged."""
    s = screen(master, CompanyExportState, routes.ROKIN_COMPANY_EXPORT)
    s.load()
    assert [o["code"] for o in s.list_options] == ["all", "changes"]
    request_id = org.requests["001"][0].id
    every = _csv_rows(make(s, master).content, "cp932")
    assert len(every) == len(_lines(org, request_id)) + 1
    s.choose_list("changes")
    s.count_lines()
    changes = _lines(org, request_id, "changes")
    # One count everywhere (issue 14 item 2): 解約 lines named apart, after the count.
    ended = [c for c in changes if c.change_kind == "解約"]
    counted = [c for c in changes if c.change_kind != "解約"]
    assert s.preview_text == message("I-OUT-PREVIEW", figures=figures.count_and_amount(
        len(counted), sum(c.amount for c in counted), ended=len(ended),
        ended_yen=sum(c.amount for c in ended)))
    found = make(s, master)
    assert "異動分" in found.filename
    rows = _csv_rows(found.content, "cp932")
    assert rows[0] == every[0] and len(rows) == len(changes) + 1
    assert changes and {r[13] for r in rows[1:]} <= {"新規", "変更", "解約"}
    entries = logged(db, org.contract_no, rokin_outputs.ACTION_COMPANY_EXPORT)[-2:]
    assert '"all"' in (entries[0].detail or "") and '"changes"' in (entries[1].detail or "")
    s.choose_list("errors")  # a list of another screen
    assert s.alert_text == message("E-OUT-LIST") and s.list_kind == "changes"


# ---------------------------------------------------------------------------- RK-6


def test_rk_6_company_request_form_with_product_totals(
    db: Session, org: Org, master: Person, tmp_path: Path
) -> None:
    """RK-6 企業宛控除依頼書: addressed to the organisation, the payment group, 控除年月,
    支給区分, 控除日, 入金予定日, each product's count and amount and the grand total equal to
    the request's 依頼件数・依頼金額; fonts embedded; logged."""
    s = screen(master, CompanyRequestState, routes.ROKIN_COMPANY_REQUEST)
    s.load()
    view = org.requests["001"][0]
    found = make(s, master)
    text = pdf_text(tmp_path, found.content)
    assert "企業宛控除依頼書" in text and f"{CONTRACT_NAME}" in text and "御中" in text
    assert "001" in text and "本社" in text and "月例" in text
    assert f"{view.totals.requested_count}件" in text
    assert f"{view.totals.requested_amount:,}円" in text
    for product in {line.product_name for line in _lines(org, view.id)}:
        assert product in text
    assert "IPAexGothic" in pdf_fonts(tmp_path, found.content)
    entry = logged(db, org.contract_no, rokin_outputs.ACTION_COMPANY_REQUEST)[-1]
    assert str(view.totals.requested_amount) in (entry.detail or "")


# ---------------------------------------------------------------------------- RK-11


def test_rk_11_result_lists_of_past_cycles(db: Session, org: Org, master: Person,
                                           tmp_path: Path) -> None:
    """RK-11: only requests with results are offered; 控除結果リスト on screen; 控除不能リスト
    with 不能理由; カナ氏名不一致リスト with A.6's columns (職員番号, 元帳カナ, 金庫登録カナ,
    口座番号, 商品, 差異); each as PDF, logged."""
    s = screen(master, ResultListsState, routes.ROKIN_RESULT_LISTS)
    assert s.load() is None
    past = [v for v in org.requests["001"] if v.status == "results"]
    assert [o["id"] for o in s.request_options] == [str(v.id) for v in past]
    assert len(past) == settings().keep_cycles
    assert s.rows and {r["result"] for r in s.rows} <= {"済", "不能"}
    s.choose_list("not_deducted")
    not_deducted = [r for v in past for r in rokin_cycle.result_lines(
        db, contract_id=org.contract_id, request_id=v.id, which="not_deducted")]
    db.commit()
    assert not_deducted
    shown = s.total
    assert all(r["reason"] and r["deducted"] == "0" for r in s.rows)
    s.choose_list("kana_mismatch")
    assert s.rows and set(s.rows[0]) == {"staff_no", "ledger_kana", "bank_kana", "account_no",
                                          "product_name", "difference"}
    assert {r["staff_no"] for r in s.rows} <= set(demo_rokin.DEMO_BANK_KANA)
    assert all(r["ledger_kana"] != r["bank_kana"] and r["difference"] for r in s.rows)
    text = pdf_text(tmp_path, make(s, master).content)
    assert "カナ氏名不一致リスト" in text and "金庫登録カナ" in text and "差異" in text
    assert all(r["bank_kana"] in text for r in s.rows)
    s.choose_list("not_deducted")
    assert s.total == shown
    text = pdf_text(tmp_path, make(s, master).content)
    assert "控除不能リスト" in text and "不能理由" in text
    assert all(r["reason"] in text for r in s.rows)
    entries = logged(db, org.contract_no, rokin_outputs.ACTION_RESULT_LIST)[-2:]
    assert "カナ氏名不一致リスト" in (entries[0].detail or "")
    assert "控除不能リスト" in (entries[1].detail or "")
    # The current request has no results: RK-11 does not take it.
    s.choose_request(str(org.requests["001"][0].id))
    assert s.alert_text == message("E-OUT-REQUEST") and s.request_id == str(past[0].id)


# ---------------------------------------------------------------------------- scope, rights


def test_r_sec_1_another_groups_or_contracts_request_is_refused(
    db: Session, org: Org, master: Person
) -> None:
    """R-SEC-1: a request id from the client is taken only when it is one of the session's
    contract **and** payment group: group 002's request or another contract's is refused with
    E-OUT-REQUEST on every screen and in the services, and nothing of it is shown or made."""
    osaka = org.requests["002"][0].id
    for cls, path in ((RequestListsState, routes.ROKIN_REQUEST_LISTS),
                      (ResultListsState, routes.ROKIN_RESULT_LISTS),
                      (RequestExportState, routes.ROKIN_REQUEST_EXPORT),
                      (CompanyRequestState, routes.ROKIN_COMPANY_REQUEST),
                      (CompanyExportState, routes.ROKIN_COMPANY_EXPORT)):
        s = screen(master, cls, path)
        s.load()
        chosen = s.request_id
        ids = {o["id"] for o in s.request_options}
        assert ids and ids <= {str(v.id) for v in org.requests["001"]}
        for crafted in (str(osaka), osaka, str(org.foreign_request), "-1", "x", None, [1]):
            s.choose_request(crafted)
            assert s.alert_text == message("E-OUT-REQUEST"), (cls, crafted)
            assert s.request_id == chosen
    with session_scope() as sdb:
        for request_id in (osaka, org.foreign_request):
            assert rokin_outputs.find_request(sdb, master, request_id) is None
            assert rokin_outputs.request_page(sdb, master, request_id=request_id, which="all",
                                              page=1) is None
            assert rokin_outputs.result_page(sdb, master, request_id=request_id, which="all",
                                             page=1) is None
            assert rokin_outputs.preview(sdb, master, request_id=request_id) is None
            made = rokin_outputs.request_list_pdf(sdb, master, request_id=request_id,
                                                  which="all", clock=SystemClock(), ip=None)
            assert made == Err("E-OUT-REQUEST", field="request_id")
            csv = rokin_outputs.request_csv(sdb, master, request_id=request_id, which="all",
                                            encoding="cp932", company=True,
                                            clock=SystemClock(), ip=None)
            assert isinstance(csv, Err)
    # A user of group 002 sees group 002's requests only.
    osaka_user = _sign_in(db, org, _new_user(db, org, levels={"rokin.request_list": "show"}),
                          group_no="002")
    s = screen(osaka_user, RequestListsState, routes.ROKIN_REQUEST_LISTS)
    assert s.load() is None
    assert [o["id"] for o in s.request_options] == [str(v.id) for v in org.requests["002"]]


def test_r_user_7_view_only_may_print_and_export_hidden_may_not(db: Session, org: Org) -> None:
    """R-USER-7: an output menu set to 閲覧のみ may print and export (output menus' 閲覧のみ
    equals 表示); a menu set to 非表示 sends its screen and every handler back to the
    information screen, and makes nothing."""
    viewer = _sign_in(db, org, _new_user(db, org, levels={
        "rokin.request_export": "view_only", "rokin.result_list": "hide"}))
    s = screen(viewer, RequestExportState, routes.ROKIN_REQUEST_EXPORT)
    assert s.load() is None
    assert make(s, viewer).filename.startswith("労金控除依頼データ_")
    hidden = screen(viewer, ResultListsState, routes.ROKIN_RESULT_LISTS)
    assert routes.INFO in str(hidden.load())
    assert hidden.request_options == []
    assert routes.INFO in str(run_make_output(hidden))
    assert hidden.output_name == "" and hidden._output_ref == ""
    assert routes.INFO in str(hidden.choose_list("not_deducted"))
