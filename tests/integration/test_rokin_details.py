"""労金控除明細 services (SPEC §11 RK-1 照会・追加登録・変更・解除, RK-2 新規登録, RK-3 更新履歴;
§3 input rules; A.1 / R-PLUS-2 カナ氏名): search, filter, sort and paging done by the database,
every change with its history row and operation-log entry, optimistic locking, refused input
changing nothing, and tenant isolation between contracts and payment groups."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain.clock import MovableClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    Contract,
    DeductionDetail,
    DeductionDetailHistory,
    Employee,
    OperationLog,
)
from chingin_app.services import detail_rules
from chingin_app.services.detail_rules import EmployeeForm
from chingin_app.services.rokin import detail_history as rh
from chingin_app.services.rokin import detail_queries as rq
from chingin_app.services.rokin import details as rd
from chingin_app.services.rokin.detail_history import HistoryPage
from chingin_app.services.rokin.detail_queries import DetailFilter, DetailPage
from chingin_app.services.rokin.details import DetailChange, DetailForm
from chingin_app.services.sessions import SessionInfo
from tests import factories

_DEPTS = ("総務部", "営業部", "製造部", "経理部")
_KANA = ("ｻﾄｳ ﾀﾛｳ", "ｽｽﾞｷ ﾊﾅｺ", "ﾀｶﾊｼ ｷﾖｳｺ", "ﾀﾅｶ ｼﾞﾖ-ｼﾞ", "ｲﾄｳ ﾏｺﾄ")


def _info(contract: Contract, group_no: str | None = "001", user_id: str = "master01") -> Any:
    """The signed-in user as the states hand it over (``sessions.SessionInfo``)."""
    return SessionInfo(
        user_id=user_id, user_name="テスト　太郎", role="master",
        contract_no=contract.contract_no, contract_name=contract.name, contract_kind="member",
        group_no=group_no, group_name=None, groups=(("001", "本社"), ("002", "大阪支社")),
        must_change_password=False, expires_at=factories.NOW + timedelta(hours=12),
        idle_deadline=factories.NOW + timedelta(hours=1),
    )


def _contract(db: Session) -> Contract:
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    factories.make_rokin_product(db, contract, code="0001", name="普通預金")
    factories.make_rokin_product(db, contract, code="0002", name="定期積金")
    factories.make_rokin_product(
        db, contract, code="0101", name="住宅ローン返済", kind="loan", branch_no="305"
    )
    return contract


def _organisation(db: Session, contract: Contract) -> None:
    """250 employees in 001 and 50 in 002, one detail each: every 10th cancelled, every 7th
    ended in 2025, every 3rd a 定期積金; amounts all different."""
    products = {p.code: p for p in _products(db, contract)}
    for n in range(300):
        group = "001" if n < 250 else "002"
        employee = factories.make_employee(
            db, contract, staff_no=f"{n + 1:06d}", group_no=group,
            name_kana=_KANA[n % len(_KANA)], department=_DEPTS[n % len(_DEPTS)], commit=False,
        )
        factories.make_deduction_detail(
            db, employee, products["0002" if n % 3 == 0 else "0001"],
            account_no=f"{2_000_000 + n:07d}", monthly_amount=1_000 + 37 * ((n * 53) % 300),
            end_month="2025-12" if n % 7 == 0 else None,
            status="cancelled" if n % 10 == 0 else "active", commit=False,
        )
    db.commit()


def _products(db: Session, contract: Contract) -> list[Any]:
    from chingin_app.models import RokinProduct

    return list(db.exec(select(RokinProduct).where(RokinProduct.contract_id == contract.id)))


def _search(db: Session, contract: Contract, clock: MovableClock, **kw: Any) -> DetailPage:
    group = kw.pop("group_no", "001")
    found = rq.search(db, session=_info(contract, group), clock=clock, **kw)
    assert isinstance(found, DetailPage), found
    return found


def _form(**kw: str) -> DetailForm:
    fields = {
        "product_code": "0001", "account_no": "7654321", "monthly_amount": "15000",
        "bonus_amount": "50000", "start_month": "2026-05", "end_month": "",
        "remaining_count": "",
    }
    fields.update(kw)
    return DetailForm(**fields)


def _person(**kw: str) -> EmployeeForm:
    fields = {
        "staff_no": "0099001", "name_kana": "きゅうよ いちろう", "name_kanji": "給与　一郎",
        "department": "総務部",
    }
    fields.update(kw)
    return EmployeeForm(**fields)


def _count(db: Session, model: Any, contract: Contract) -> int:
    db.rollback()
    return int(
        db.execute(
            select(func.count()).select_from(model).where(model.contract_id == contract.id)
        ).scalar_one()
    )


def _log(db: Session, contract: Contract, action: str) -> list[OperationLog]:
    db.rollback()
    return list(
        db.exec(
            select(OperationLog)
            .where(OperationLog.contract_no == contract.contract_no, OperationLog.action == action)
            .order_by(col(OperationLog.seq))
        )
    )


def _history_rows(db: Session, detail_id: int) -> list[DeductionDetailHistory]:
    db.rollback()
    return list(
        db.exec(
            select(DeductionDetailHistory)
            .where(DeductionDetailHistory.detail_id == detail_id)
            .order_by(col(DeductionDetailHistory.id))
        )
    )


# --- RK-1 search ------------------------------------------------------------------------


def test_rk_1_search_pages_on_the_server_within_the_selected_group(
    db: Session, clock: MovableClock
) -> None:
    """250 details of group 001 in pages of 40: 7 pages, the last with 10 rows, no row twice;
    group 002's 50 rows never appear; a page past the end shows the last page; without a
    selected group the whole contract (300) is listed."""
    contract = _contract(db)
    _organisation(db, contract)
    seen: list[int] = []
    for page in range(1, 8):
        found = _search(db, contract, clock, page=page, page_size=40)
        assert (found.total, found.page, found.pages) == (250, page, 7)
        seen += [row.id for row in found.rows]
        assert {row.group_no for row in found.rows} == {"001"}
    assert len(seen) == len(set(seen)) == 250
    last = _search(db, contract, clock, page=99, page_size=40)
    assert (last.page, len(last.rows)) == (7, 10)
    assert _search(db, contract, clock, group_no="002").total == 50
    assert _search(db, contract, clock, group_no=None).total == 300


def test_rk_1_search_sorts_by_whitelisted_keys_only(db: Session, clock: MovableClock) -> None:
    """Sorting is done by the database over all rows (not the page): 月例額 descending gives
    the largest amounts first; 職員番号 ascending keeps leading zeros as text; an unknown key is
    refused rather than passed to SQL."""
    contract = _contract(db)
    _organisation(db, contract)
    every = _search(db, contract, clock, page_size=200).rows + _search(
        db, contract, clock, page=2, page_size=200
    ).rows
    top = _search(db, contract, clock, sort="monthly_amount", descending=True, page_size=20)
    assert [r.monthly_amount for r in top.rows] == sorted(
        (r.monthly_amount for r in every), reverse=True
    )[:20]
    first = _search(db, contract, clock, sort="staff_no", page_size=3)
    assert [r.staff_no for r in first.rows] == ["000001", "000002", "000003"]
    refused = rq.search(db, session=_info(contract), clock=clock, sort="id; DROP TABLE x")
    assert isinstance(refused, Err) and refused.code == "E-SORT"


def test_rk_1_search_filters_by_staff_no_kana_department_status_and_product(
    db: Session, clock: MovableClock
) -> None:
    """職員番号 from the start, カナ氏名 normalised before comparing (hiragana and small kana
    typed as the user would), 所属 anywhere, status 有効 / 終了 / 解除 against this month
    (2026-04), and the product."""
    contract = _contract(db)
    _organisation(db, contract)

    def total(**flt: str) -> int:
        return _search(db, contract, clock, flt=DetailFilter(**flt), page_size=200).total

    assert total(staff_no="00001") == 10  # 000010 … 000019
    expected_kana = sum(1 for n in range(250) if n % 5 == 2)
    assert total(name_kana="たかはし きょうこ") == expected_kana
    assert total(name_kana="ｷﾖｳｺ") == expected_kana
    assert total(department="営業") == sum(1 for n in range(250) if n % 4 == 1)
    cancelled = {n for n in range(250) if n % 10 == 0}
    ended = {n for n in range(250) if n % 7 == 0} - cancelled
    assert total(status="cancelled") == len(cancelled)
    assert total(status="ended") == len(ended)
    assert total(status="active") == 250 - len(cancelled) - len(ended)
    assert total(product_code="0002") == sum(1 for n in range(250) if n % 3 == 0)
    found = _search(db, contract, clock, flt=DetailFilter(status="ended"), page_size=5)
    assert {r.state_label for r in found.rows} == {"終了"}


def test_rk_1_count_reads_only_the_tables_the_filters_need(
    db: Session, clock: MovableClock
) -> None:
    """Issue 12 (10,000 details a group): the list's COUNT reads the details alone when no
    filter needs the employee or the product, and joins the employee for a カナ氏名 filter;
    the totals stay those of the full join (every detail has its employee and product)."""
    from sqlalchemy import event

    contract = _contract(db)
    _organisation(db, contract)
    counts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT COUNT"):
            counts.append(statement.lower())

    bind = db.get_bind()
    event.listen(bind, "before_cursor_execute", seen)
    try:
        assert _search(db, contract, clock).total == 250
        assert _search(db, contract, clock, flt=DetailFilter(name_kana="ｷﾖｳｺ")).total == 50
        assert _search(db, contract, clock, flt=DetailFilter(product_code="0002")).total == 84
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    plain, kana, product = counts
    assert "join" not in plain
    assert "join employees" in kana and "rokin_products" not in kana
    assert "join rokin_products" in product and "employees" not in product


def test_rk_1_search_refuses_malformed_filters_with_field_messages(
    db: Session, clock: MovableClock
) -> None:
    """A 職員番号 with a letter and a カナ氏名 with kanji (which the bank refuses, R-PLUS-2) are
    reported at their fields instead of silently matching nothing."""
    contract = _contract(db)
    refused = rq.search(
        db, session=_info(contract), clock=clock,
        flt=DetailFilter(staff_no="12a", name_kana="佐藤"),
    )
    assert isinstance(refused, Invalid)
    by_field = refused.by_field()
    assert by_field["staff_no"].code == "E-STAFF-NO-FORMAT"
    assert by_field["name_kana"].code == "E-KANA-CHAR"
    assert "「佐」" in message(by_field["name_kana"].code, **by_field["name_kana"].params)


# --- RK-2 新規登録 / RK-1 追加登録 --------------------------------------------------------------


def test_rk_2_register_new_creates_employee_detail_history_and_log(
    db: Session, clock: MovableClock
) -> None:
    """新規登録 stores the カナ氏名 normalised (A.1 example: きゅうよ いちろう → ｷﾕｳﾖ ｲﾁﾛｳ), the
    職員番号 as text with its leading zero, the detail in the session's group, a 追加 history
    row without a before, and a success entry in the contract's log."""
    contract = _contract(db)
    result = rd.register_new(
        db, session=_info(contract, "002"), clock=clock, employee=_person(), form=_form(),
        ip="192.0.2.1",
    )
    assert isinstance(result, Ok), result
    found = rq.get_detail(db, session=_info(contract, "002"), clock=clock, detail_id=result.value)
    assert isinstance(found, Ok)
    row = found.value
    assert (row.staff_no, row.name_kana, row.name_kanji, row.group_no) == (
        "0099001", "ｷﾕｳﾖ ｲﾁﾛｳ", "給与　一郎", "002"
    )
    assert (row.monthly_amount, row.bonus_amount, row.start_month, row.end_month) == (
        15000, 50000, "2026-05", None
    )
    assert row.version == 1 and row.state == "active"
    history = _history_rows(db, result.value)
    assert [h.action for h in history] == ["追加"]
    assert history[0].before_json is None
    assert json.loads(history[0].after_json or "{}")["name_kana"] == "ｷﾕｳﾖ ｲﾁﾛｳ"
    assert history[0].actor == "master01"
    entries = _log(db, contract, rd.ACTION_REGISTER)
    assert [(e.result, e.actor, e.ip) for e in entries] == [("success", "master01", "192.0.2.1")]


def test_rk_2_register_needs_a_free_staff_no_and_a_selected_group(
    db: Session, clock: MovableClock
) -> None:
    """A 職員番号 the contract already has is refused at its field; without a selected payment
    group nothing can be registered. Nothing is written either way."""
    contract = _contract(db)
    factories.make_employee(db, contract, staff_no="0099001")
    taken = rd.register_new(db, session=_info(contract), clock=clock, employee=_person(),
                            form=_form())
    assert isinstance(taken, Err) and (taken.code, taken.field) == (
        "E-RK-STAFF-NO-TAKEN", "staff_no"
    )
    no_group = rd.register_new(db, session=_info(contract, None), clock=clock,
                               employee=_person(staff_no="5"), form=_form())
    assert isinstance(no_group, Err) and no_group.code == "E-GROUP-NOT-SELECTED"
    assert _count(db, DeductionDetail, contract) == 0
    assert _count(db, Employee, contract) == 1


def test_rk_2_bad_input_gives_every_field_message_and_changes_nothing(
    db: Session, clock: MovableClock
) -> None:
    """SPEC §3: every field error at once, in Japanese at its field; rejected input changes
    nothing (no employee, detail or history) and the failure is logged."""
    contract = _contract(db)
    result = rd.register_new(
        db, session=_info(contract), clock=clock,
        employee=_person(staff_no="12-3", name_kana="ﾔﾏﾀﾞ 太郎", name_kanji="𠮷田　太郎",
                         department=" 総務部"),
        form=_form(product_code="9999", account_no="123456", monthly_amount="1,000",
                   bonus_amount="-5", start_month="2026-13", end_month="2026/01"),
    )
    assert isinstance(result, Invalid)
    by_field = result.by_field()
    assert {k: e.code for k, e in by_field.items()} == {
        "staff_no": "E-STAFF-NO-FORMAT",
        "name_kana": "E-KANA-CHAR",
        "name_kanji": "E-FIELD-CHARS",
        "department": "E-FIELD-SPACES",
        "product_code": "E-RK-PRODUCT-UNKNOWN",
        "account_no": "E-RK-ACCOUNT-NO-FORMAT",
        "monthly_amount": "E-AMOUNT-FORMAT",
        "bonus_amount": "E-AMOUNT-FORMAT",
        "start_month": "E-MONTH-FORMAT",
    }
    texts = {k: message(e.code, **e.params) for k, e in by_field.items()}
    assert texts["account_no"] == "「口座番号」は半角数字7桁で入力してください。"
    assert texts["monthly_amount"] == (
        "「月例額」は半角数字（カンマなし）で0～9,999,999の範囲で入力してください。"
    )
    assert texts["start_month"] == "「開始年月」は半角の年月（例：2026-04）で入力してください。"
    assert _count(db, Employee, contract) == 0
    assert _count(db, DeductionDetail, contract) == 0
    assert _count(db, DeductionDetailHistory, contract) == 0
    failures = _log(db, contract, rd.ACTION_REGISTER)
    assert [e.result for e in failures] == ["failure"]


def test_rk_1_amount_month_and_loan_rules(db: Session, clock: MovableClock) -> None:
    """Both amounts 0 is refused; the end month may not precede the start; 残回数 is required
    (1–999) for a loan and refused for savings; 2026/06 is accepted as 2026-06."""
    contract = _contract(db)
    employee = factories.make_employee(db, contract, staff_no="1")
    assert employee.id is not None

    def add(**kw: str) -> Ok[int] | Invalid | Err:
        return rd.add_detail(db, session=_info(contract), clock=clock, employee_id=employee.id,
                             form=_form(**kw))

    def codes(result: object) -> dict[str, str]:
        assert isinstance(result, Invalid), result
        return {k: e.code for k, e in result.by_field().items()}

    assert codes(add(monthly_amount="0", bonus_amount="0")) == {
        "monthly_amount": "E-AMOUNT-ZERO"
    }
    assert codes(add(start_month="2026-06", end_month="2026-05")) == {
        "end_month": "E-MONTH-ORDER"
    }
    assert codes(add(product_code="0101")) == {"remaining_count": "E-FIELD-REQUIRED"}
    assert codes(add(product_code="0101", remaining_count="1000")) == {
        "remaining_count": "E-RK-REMAINING-FORMAT"
    }
    assert codes(add(remaining_count="12")) == {"remaining_count": "E-RK-REMAINING-NOT-LOAN"}
    assert codes(add(monthly_amount="10000000")) == {"monthly_amount": "E-AMOUNT-FORMAT"}
    assert _count(db, DeductionDetail, contract) == 0
    loan = add(product_code="0101", remaining_count="120", start_month="2026/06",
               end_month="2036-05")
    assert isinstance(loan, Ok)
    stored = db.get(DeductionDetail, loan.value)
    assert stored is not None
    assert (stored.start_month, stored.end_month, stored.remaining_count) == (
        "2026-06", "2036-05", 120
    )


def test_rk_1_add_for_an_existing_employee_and_duplicates_refused(
    db: Session, clock: MovableClock
) -> None:
    """追加登録 adds a second product for the employee with a 追加 history row; the same
    employee, product and account once more is refused."""
    contract = _contract(db)
    employee = factories.make_employee(db, contract, staff_no="000123")
    assert employee.id is not None
    first = rd.add_detail(db, session=_info(contract), clock=clock, employee_id=employee.id,
                          form=_form())
    second = rd.add_detail(db, session=_info(contract), clock=clock, employee_id=employee.id,
                           form=_form(product_code="0002", account_no="7000001"))
    assert isinstance(first, Ok) and isinstance(second, Ok)
    again = rd.add_detail(db, session=_info(contract), clock=clock, employee_id=employee.id,
                          form=_form())
    assert isinstance(again, Err) and again.code == "E-RK-DETAIL-DUPLICATE"
    assert _count(db, DeductionDetail, contract) == 2
    assert [h.action for h in _history_rows(db, second.value)] == ["追加"]
    assert len(_log(db, contract, rd.ACTION_ADD)) == 3  # two successes, one refusal


# --- RK-1 変更・解除 and RK-3 更新履歴 -------------------------------------------------------


def _one_detail(db: Session, clock: MovableClock, contract: Contract) -> int:
    result = rd.register_new(db, session=_info(contract), clock=clock, employee=_person(),
                             form=_form(end_month="2027-03"))
    assert isinstance(result, Ok)
    return result.value


def test_rk_1_change_keeps_blank_fields_and_records_before_and_after(
    db: Session, clock: MovableClock
) -> None:
    """変更 with only 月例額 typed changes only that; the version moves on; the 変更 history row
    holds the old and new values and RK-3 shows exactly that field changed."""
    contract = _contract(db)
    detail_id = _one_detail(db, clock, contract)
    clock.advance(timedelta(minutes=5))
    result = rd.change_detail(db, session=_info(contract, user_id="general01"), clock=clock,
                              detail_id=detail_id, version=1,
                              change=DetailChange(monthly_amount="20000"))
    assert result == Ok(2)
    stored = db.get(DeductionDetail, detail_id)
    assert stored is not None
    assert (stored.monthly_amount, stored.bonus_amount, stored.end_month) == (
        20000, 50000, "2027-03"
    )
    history = _history_rows(db, detail_id)
    assert [h.action for h in history] == ["追加", "変更"]
    assert json.loads(history[1].before_json or "{}")["monthly_amount"] == 15000
    assert json.loads(history[1].after_json or "{}")["monthly_amount"] == 20000
    page = rh.history(db, session=_info(contract), detail_id=detail_id)
    assert isinstance(page, HistoryPage)
    newest = page.rows[0]
    assert (newest.action, newest.actor, newest.changes) == (
        "変更", "general01", (("月例額", "15,000", "20,000"),)
    )
    assert page.rows[1].action == "追加"
    cleared = rd.change_detail(db, session=_info(contract), clock=clock, detail_id=detail_id,
                               version=2, change=DetailChange(clear_end_month=True))
    assert cleared == Ok(3)
    db.rollback()
    stored = db.get(DeductionDetail, detail_id)
    assert stored is not None and stored.end_month is None


def test_rk_1_stale_version_is_refused_and_nothing_changes(
    db: Session, clock: MovableClock
) -> None:
    """Two screens showed version 1; the first change wins, the second gets the conflict
    message and changes nothing (no second history row); a 解除 with the old version too."""
    contract = _contract(db)
    detail_id = _one_detail(db, clock, contract)
    first = rd.change_detail(db, session=_info(contract), clock=clock, detail_id=detail_id,
                             version=1, change=DetailChange(bonus_amount="0"))
    assert first == Ok(2)
    second = rd.change_detail(db, session=_info(contract), clock=clock, detail_id=detail_id,
                              version=1, change=DetailChange(monthly_amount="99000"))
    assert isinstance(second, Err) and second.code == "E-RK-VERSION-CONFLICT"
    assert "他のユーザーが先に更新したため" in message(second.code)
    stale_cancel = rd.cancel_detail(db, session=_info(contract), clock=clock,
                                    detail_id=detail_id, version=1)
    assert isinstance(stale_cancel, Err) and stale_cancel.code == "E-RK-VERSION-CONFLICT"
    db.rollback()
    stored = db.get(DeductionDetail, detail_id)
    assert stored is not None
    assert (stored.monthly_amount, stored.bonus_amount, stored.status, stored.version) == (
        15000, 0, "active", 2
    )
    assert [h.action for h in _history_rows(db, detail_id)] == ["追加", "変更"]


def test_rk_1_change_refuses_bad_or_empty_input_without_changing(
    db: Session, clock: MovableClock
) -> None:
    """Nothing typed → E-NO-CHANGE; a start month after the stored end month is checked
    against the stored value; the same value again is no change either."""
    contract = _contract(db)
    detail_id = _one_detail(db, clock, contract)

    def change(**kw: Any) -> object:
        return rd.change_detail(db, session=_info(contract), clock=clock, detail_id=detail_id,
                                version=1, change=DetailChange(**kw))

    nothing = change()
    assert isinstance(nothing, Err) and nothing.code == "E-NO-CHANGE"
    order = change(start_month="2027-04")
    assert isinstance(order, Invalid) and order.by_field()["end_month"].code == (
        "E-MONTH-ORDER"
    )
    same = change(monthly_amount="15000")
    assert isinstance(same, Err) and same.code == "E-NO-CHANGE"
    spaces = change(account_no="1234567 ")
    assert isinstance(spaces, Invalid) and spaces.by_field()["account_no"].code == (
        "E-FIELD-SPACES"
    )
    db.rollback()
    stored = db.get(DeductionDetail, detail_id)
    assert stored is not None and (stored.version, stored.start_month) == (1, "2026-05")
    assert len(_history_rows(db, detail_id)) == 1


def test_rk_1_cancel_once_with_history_then_refused(db: Session, clock: MovableClock) -> None:
    """解除 keeps the row as 'cancelled' with a 解除 history row; a second 解除 and a 変更 of
    the cancelled detail are refused; the list shows it as 解除."""
    contract = _contract(db)
    detail_id = _one_detail(db, clock, contract)
    assert rd.cancel_detail(db, session=_info(contract), clock=clock, detail_id=detail_id,
                            version=1) == Ok(2)
    again = rd.cancel_detail(db, session=_info(contract), clock=clock, detail_id=detail_id,
                             version=2)
    assert isinstance(again, Err) and again.code == "E-ALREADY-CANCELLED"
    change = rd.change_detail(db, session=_info(contract), clock=clock, detail_id=detail_id,
                              version=2, change=DetailChange(monthly_amount="1"))
    assert isinstance(change, Err) and change.code == "E-ALREADY-CANCELLED"
    history = _history_rows(db, detail_id)
    assert [h.action for h in history] == ["追加", "解除"]
    assert json.loads(history[1].after_json or "{}")["status"] == "cancelled"
    found = rq.get_detail(db, session=_info(contract), clock=clock, detail_id=detail_id)
    assert isinstance(found, Ok) and found.value.state_label == "解除"
    assert [e.result for e in _log(db, contract, rd.ACTION_CANCEL)] == ["success", "refused"]


def test_rk_3_history_newest_first_filtered_and_paged(db: Session, clock: MovableClock) -> None:
    """RK-3 lists the contract's history newest first, by 職員番号 prefix, in pages."""
    contract = _contract(db)
    ids = []
    for n in range(3):
        result = rd.register_new(db, session=_info(contract), clock=clock,
                                 employee=_person(staff_no=f"77{n}"),
                                 form=_form(account_no=f"{n:07d}"))
        assert isinstance(result, Ok)
        ids.append(result.value)
        clock.advance(timedelta(minutes=1))
    rd.change_detail(db, session=_info(contract), clock=clock, detail_id=ids[0], version=1,
                     change=DetailChange(monthly_amount="1000"))
    page = rh.history(db, session=_info(contract), page_size=2)
    assert isinstance(page, HistoryPage)
    assert (page.total, page.pages) == (4, 2)
    assert [(r.staff_no, r.action) for r in page.rows] == [("770", "変更"), ("772", "追加")]
    only = rh.history(db, session=_info(contract), staff_no="771")
    assert isinstance(only, HistoryPage) and [r.detail_id for r in only.rows] == [ids[1]]
    bad = rh.history(db, session=_info(contract), staff_no="7x")
    assert isinstance(bad, Err) and bad.code == "E-STAFF-NO-FORMAT"


def test_rk_3_history_by_period(db: Session, clock: MovableClock) -> None:
    """RK-3's period [start, end) on 更新日時: a change a day later is inside a period that
    starts then and outside one that ends before it."""
    contract = _contract(db)
    result = rd.register_new(db, session=_info(contract), clock=clock,
                             employee=_person(staff_no="880"), form=_form())
    assert isinstance(result, Ok)
    registered_at = clock.now()
    clock.advance(timedelta(days=1))
    rd.change_detail(db, session=_info(contract), clock=clock, detail_id=result.value, version=1,
                     change=DetailChange(monthly_amount="2000"))
    later = rh.history(db, session=_info(contract), start=clock.now() - timedelta(hours=1))
    assert isinstance(later, HistoryPage) and [r.action for r in later.rows] == ["変更"]
    earlier = rh.history(db, session=_info(contract), end=registered_at + timedelta(hours=1))
    assert isinstance(earlier, HistoryPage) and [r.action for r in earlier.rows] == ["追加"]
    both = rh.history(db, session=_info(contract), start=registered_at,
                      end=clock.now() + timedelta(seconds=1))
    assert isinstance(both, HistoryPage) and both.total == 2


# --- tenant isolation -------------------------------------------------------------------


@pytest.mark.parametrize("group_no", ["001", None])
def test_rk_1_another_contract_can_neither_see_nor_change(
    db: Session, clock: MovableClock, group_no: str | None
) -> None:
    """Contract B's session (with or without a group) finds none of contract A's details,
    history or employees, and its 変更 / 解除 / 追加登録 on A's ids are refused as not found,
    changing nothing."""
    a = _contract(db)
    b = _contract(db)
    detail_id = _one_detail(db, clock, a)
    employee = db.exec(select(Employee).where(Employee.contract_id == a.id)).one()
    assert employee.id is not None
    other = _info(b, group_no)
    listed = rq.search(db, session=other, clock=clock)
    assert isinstance(listed, DetailPage) and listed.total == 0
    got = rq.get_detail(db, session=other, clock=clock, detail_id=detail_id)
    assert isinstance(got, Err) and got.code == "E-RK-DETAIL-NOT-FOUND"
    changed = rd.change_detail(db, session=other, clock=clock, detail_id=detail_id, version=1,
                               change=DetailChange(monthly_amount="1"))
    assert isinstance(changed, Err) and changed.code == "E-RK-DETAIL-NOT-FOUND"
    cancelled = rd.cancel_detail(db, session=other, clock=clock, detail_id=detail_id, version=1)
    assert isinstance(cancelled, Err) and cancelled.code == "E-RK-DETAIL-NOT-FOUND"
    added = rd.add_detail(db, session=other, clock=clock, employee_id=employee.id,
                          form=_form(account_no="1111111"))
    assert isinstance(added, Err) and added.code == "E-RK-EMPLOYEE-NOT-FOUND"
    history = rh.history(db, session=other)
    assert isinstance(history, HistoryPage) and history.total == 0
    assert detail_rules.find_employee(db, session=other, staff_no=employee.staff_no) is None
    db.rollback()
    stored = db.get(DeductionDetail, detail_id)
    assert stored is not None and (stored.version, stored.status) == (1, "active")
    assert _count(db, DeductionDetail, a) == 1 and _count(db, DeductionDetail, b) == 0
    # The refusals are in B's chain (the caller's), never in A's.
    assert _log(db, a, rd.ACTION_CHANGE) == []
    assert [e.result for e in _log(db, b, rd.ACTION_CHANGE)] == ["refused"]


def test_rk_1_another_payment_group_cannot_change(db: Session, clock: MovableClock) -> None:
    """Within one contract a session in group 002 cannot see or change group 001's detail."""
    contract = _contract(db)
    detail_id = _one_detail(db, clock, contract)
    other = _info(contract, "002")
    got = rq.get_detail(db, session=other, clock=clock, detail_id=detail_id)
    assert isinstance(got, Err) and got.code == "E-RK-DETAIL-NOT-FOUND"
    changed = rd.change_detail(db, session=other, clock=clock, detail_id=detail_id, version=1,
                               change=DetailChange(monthly_amount="1"))
    assert isinstance(changed, Err) and changed.code == "E-RK-DETAIL-NOT-FOUND"
    db.rollback()
    stored = db.get(DeductionDetail, detail_id)
    assert stored is not None and stored.version == 1
