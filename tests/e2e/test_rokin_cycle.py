"""The whole monthly cycle in Chromium through nginx (SPEC §11 RK-8, RK-9, RK-10, RK-11;
Appendix A.4, A.6): the master views the current request (依頼受信), sets 入金中止 on every
remaining error line and on one clean line, confirms the まとめ入金 and downloads the
まとめ入金依頼書 and the まとめ入金更新明細書(Web依頼済), undoes the confirmation and confirms
again; the bank loads the results with its command (`chingin bank load-results`) with one
控除不能 line and one カナ氏名不一致; RK-11 shows them (when that screen is registered). And
R-USER-7a: a general user whose 入金中止設定 is stored as 閲覧のみ (which counts as 非表示 for a
change-only menu) never gets the screen and a crafted frame changes nothing.

The states are imported at module level (in pytest's thread): Reflex registers state classes in
the importing thread's context."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.messages import message
from chingin_app.domain.result import Ok
from chingin_app.models import (
    Contract,
    DeductionRequest,
    DeductionRequestItem,
    MenuPermission,
    PaymentGroup,
    User,
)
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.state.rokin.remittance import RemitHoldsState
from tests.e2e.conftest import BUSINESS_HOURS, Service, client_tls, in_hours
from tests.e2e.rokin_support import RokinOrg, add_user, rokin_org, sign_in
from tests.e2e.test_crafted_frames import run
from tests.support.reflex_client import ReflexClient, event_name, var

OWN_REASON = "本人申出"
MISMATCH_KANA = "ｷﾞﾝｺｳ ﾄｳﾛｸﾒｲ"


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


@pytest.fixture(scope="module")
def org(service: Service, tmp_path_factory: pytest.TempPathFactory) -> RokinOrg:
    return rokin_org(service, tmp_path_factory.mktemp("rokin-cycle"))


def _current(contract_no: str) -> DeductionRequest:
    """Group 001's newest request (the current cycle)."""
    with session_scope(read_only=True) as db:
        found = db.exec(
            select(DeductionRequest)
            .join(Contract, col(Contract.id) == col(DeductionRequest.contract_id))
            .join(PaymentGroup, col(PaymentGroup.id) == col(DeductionRequest.payment_group_id))
            .where(Contract.contract_no == contract_no, PaymentGroup.number == "001")
            .order_by(col(DeductionRequest.deduct_month).desc())
        ).first()
        assert found is not None
        return found


def _items(request_id: int) -> list[DeductionRequestItem]:
    with session_scope(read_only=True) as db:
        return list(db.exec(
            select(DeductionRequestItem)
            .where(DeductionRequestItem.request_id == request_id,
                   DeductionRequestItem.change_kind != "解約")
            .order_by(col(DeductionRequestItem.staff_no), col(DeductionRequestItem.id))
        ).all())


#: The statement's file name begins so (reports/rokin_remittance_forms.form_filename).
STATEMENT_FILE = "まとめ入金更新明細書Web依頼済_"


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def _download(page: Page, button: str, file_name: str, target: Path) -> str:
    """Make one form, wait until the panel names it (``file_name`` begins the name: the panel
    may still show the previous form for a moment), ダウンロード it; its text."""
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_test_id("output-name")).to_contain_text(file_name, timeout=60_000)
    with page.expect_download() as got:
        page.get_by_role("button", name="ダウンロード").click()
    got.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    return _pdf_text(target)


def _hold_in_dialog(page: Page, choice: str, typed: str = "") -> None:
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("不能理由").select_option(choice)
    if typed:
        dialog.get_by_label("入金中止理由（その他）").fill(typed)
    dialog.get_by_role("button", name="設定").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text(message("I-REMIT-HOLD-SET"))).to_be_visible()


def _yes(page: Page, button: str) -> None:
    """The button, then はい in its confirmation dialog (the totals shown first)."""
    page.get_by_role("button", name=button, exact=True).click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("入金額合計")
    dialog.get_by_role("button", name="はい").click()


def _results_file(request: DeductionRequest, path: Path) -> tuple[str, str]:
    """The bank's 控除結果 file for the request (README format): held lines 不能 (code 9), one
    clean line 控除不能 (code 1 資金不足), one registered at the bank under other kana; the
    rest 済. Returns the 職員番号 of the 控除不能 and the mismatched line."""
    assert request.id is not None
    rows: list[list[object]] = []
    not_deducted = mismatch = ""
    for item in _items(request.id):
        kana = item.name_kana if isinstance(check_name_kana(item.name_kana), Ok) else "ｶﾅ ﾌﾒｲ"
        key = ["001", request.deduct_month, "月例", item.staff_no, item.account_no,
               item.product_code]
        if item.hold:
            rows.append([*key, 0, "9", "", kana, ""])
        elif not not_deducted:
            not_deducted = item.staff_no
            rows.append([*key, 0, "1", "", kana, ""])
        elif not mismatch and item.staff_no != not_deducted:
            mismatch = item.staff_no
            rows.append([*key, item.amount, "0", "", MISMATCH_KANA,
                         request.remittance_date.isoformat()])
        else:
            rows.append([*key, item.amount, "0", "", kana, request.remittance_date.isoformat()])
    path.write_bytes(rokin_cycle.results_csv(rows))
    return not_deducted, mismatch


def test_rk_8_to_rk_11_the_whole_cycle(
    browser: Browser, service: Service, org: RokinOrg, tmp_path: Path
) -> None:
    """A.4: 依頼受信 → 入金中止 (every error line, plus one) → まとめ入金確定 (total = requested −
    held) with both PDFs → 確定解除 → 確定 → 結果受信 (控除不能, カナ氏名不一致)."""
    request = _current(org.contract_no)
    assert request.id is not None and request.status == "received"
    items = _items(request.id)
    unheld_errors = [i for i in items if i.error_text and not i.hold]
    assert unheld_errors, "the demo's current request has error lines to stop"
    extra = next(i for i in items if not i.error_text and not i.hold)
    context, page = sign_in(browser, service, org.master)
    with context:
        page.goto(service.base_url + routes.ROKIN_REMIT_HOLDS)
        expect(page.get_by_test_id("sum-label")).to_contain_text("依頼受信")
        expect(page.get_by_test_id("sum-unheld")).to_have_text(f"{len(unheld_errors)} 件")
        expect(page.get_by_test_id("unheld-warning")).to_be_visible()

        # Every remaining error line: 入金中止 with a typical reason (A.4).
        page.get_by_label("エラーの明細のみ").check()
        page.get_by_role("button", name="検索").click()
        for n, item in enumerate(unheld_errors, start=1):
            page.get_by_label("職員番号").fill(item.staff_no)
            page.get_by_role("button", name="検索").click()
            page.get_by_role("button", name=f"入金中止 {item.staff_no} {item.account_no}").click()
            _hold_in_dialog(page, "給与不足")
            expect(page.get_by_test_id("sum-unheld")).to_have_text(
                f"{len(unheld_errors) - n} 件")
        expect(page.get_by_test_id("unheld-warning")).to_have_count(0)
        # And one clean line, with the user's own reason (その他).
        page.get_by_label("エラーの明細のみ").uncheck()
        page.get_by_label("職員番号").fill(extra.staff_no)
        page.get_by_role("button", name="検索").click()
        page.get_by_role("button", name=f"入金中止 {extra.staff_no} {extra.account_no}").click()
        _hold_in_dialog(page, "その他（入力）", OWN_REASON)

        held = [i for i in _items(request.id) if i.hold]
        assert {i.id for i in held} >= {i.id for i in unheld_errors} | {extra.id}
        requested = sum(i.amount for i in items)
        held_amount = sum(i.amount for i in held)
        remitted = f"{requested - held_amount:,}円"
        expect(page.get_by_test_id("sum-held")).to_have_text(
            f"{len(held):,}件 {held_amount:,}円")
        expect(page.get_by_test_id("sum-remitted")).to_contain_text(remitted)

        # まとめ入金確定: the totals, the dialog, はい; then both PDFs.
        page.get_by_role("button", name="まとめ入金確定へ").click()
        expect(page.get_by_role("heading", name="まとめ入金確定")).to_be_visible()
        expect(page.get_by_test_id("sum-remitted")).to_contain_text(remitted)
        _yes(page, "確定")
        expect(page.get_by_text(message("I-REMIT-CONFIRMED"))).to_be_visible()
        expect(page.get_by_test_id("sum-label")).to_contain_text("まとめ入金確定済")
        text = _download(page, "まとめ入金依頼書", "まとめ入金依頼書_", tmp_path / "request.pdf")
        for expected in ("まとめ入金依頼書", org.contract_no, "001 本社", remitted,
                         f"{held_amount:,}円", f"{requested:,}円", org.master.user_id):
            assert expected in text, expected
        text = _download(page, "まとめ入金更新明細書(Web依頼済)", STATEMENT_FILE,
                         tmp_path / "statement.pdf")
        for expected in ("まとめ入金更新明細書(Web依頼済)", extra.staff_no, OWN_REASON,
                         "給与不足", f"{held_amount:,}円", remitted):
            assert expected in text, expected

        # 確定解除 (its own menu and page), then 確定 again.
        page.get_by_role("button", name="確定解除へ").click()
        expect(page.get_by_role("heading", name="まとめ入金確定解除")).to_be_visible()
        _yes(page, "確定解除")
        expect(page.get_by_text(message("I-REMIT-UNDONE"))).to_be_visible()
        assert _current(org.contract_no).status == "received"
        page.get_by_role("button", name="まとめ入金確定へ").click()
        expect(page.get_by_role("heading", name="まとめ入金確定", exact=True)).to_be_visible()
        _yes(page, "確定")
        expect(page.get_by_text(message("I-REMIT-CONFIRMED"))).to_be_visible()
        assert _current(org.contract_no).status == "confirmed"

        # RK-10: the statement again, for the confirmed request.
        page.goto(service.base_url + routes.ROKIN_WEB_STATEMENT)
        expect(page.get_by_test_id("sum-label")).to_contain_text("まとめ入金確定済")
        text = _download(page, "出力", STATEMENT_FILE, tmp_path / "again.pdf")
        assert OWN_REASON in text and remitted in text

        # The bank's results (operator command on the service's database and clock).
        results = tmp_path / "results.csv"
        not_deducted, mismatch = _results_file(_current(org.contract_no), results)
        chingin = str(Path(sys.executable).parent / "chingin")
        done = subprocess.run(
            [chingin, "bank", "load-results", "--contract", org.contract_no, str(results)],
            env={**os.environ, "USER": "e2e-operator"}, capture_output=True, text=True,
            timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr
        assert _current(org.contract_no).status == "results"

        page.goto(service.base_url + routes.ROKIN_RESULT_LISTS)
        page.get_by_label("出力するリスト").select_option(label="控除不能リスト")
        table = page.get_by_label("控除不能リスト", exact=True)
        expect(table).to_contain_text(not_deducted)
        expect(table).to_contain_text(extra.staff_no)
        page.get_by_label("出力するリスト").select_option(label="カナ氏名不一致リスト")
        table = page.get_by_label("カナ氏名不一致リスト", exact=True)
        expect(table).to_contain_text(mismatch)
        expect(table).to_contain_text(MISMATCH_KANA)


def test_r_user_7a_view_only_stored_on_rk_8_gets_no_screen_and_changes_nothing(
    browser: Browser, service: Service, org: RokinOrg, tmp_path: Path
) -> None:
    """R-USER-7a: 入金中止設定 offers 表示 / 非表示 only, so a stored 閲覧のみ counts as 非表示
    (R-USER-7: absent and refused): the menu is not on the information screen, the address
    leads back there (no 入金中止 button anywhere), and frames sent to the hold handlers over
    the user's own websocket are refused; no line changes."""
    viewer = add_user(service, tmp_path, org)
    with session_scope() as db:
        user_pk = db.exec(select(User.id).where(User.user_id == viewer.user_id)).one()
        assert user_pk is not None
        db.add(MenuPermission(user_pk=user_pk, menu_key="rokin.remit_stop", level="view_only"))
        db.commit()
    request = _current(org.contract_no)
    assert request.id is not None
    target = next(i for i in _items(request.id) if not i.hold)
    before = [(i.id, i.hold, i.hold_reason, i.version) for i in _items(request.id)]
    context, page = sign_in(browser, service, viewer)
    with context:
        expect(page.get_by_role("link", name="まとめ入金依頼入金中止設定")).to_have_count(0)
        page.goto(service.base_url + routes.ROKIN_REMIT_HOLDS)
        expect(page.get_by_test_id("info-title")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^入金中止 "))).to_have_count(0)
        token = page.evaluate("window.sessionStorage.getItem('token')")
        assert token
        # The page lets go of its websocket first: Reflex hands a token still in use by an open
        # tab a new one (a fresh state without the session).
        page.goto("about:blank")

        async def crafted() -> list[object]:
            client = ReflexClient(service.base_url, token=token,
                                  ssl_context=client_tls(service, viewer, tmp_path))
            alerts: list[object] = []
            try:
                await client.connect(path=routes.ROKIN_REMIT_HOLDS)
                for handler, payload in (
                    ("open_hold", {"item_id": str(target.id)}),
                    ("set_hold", {"form": {"reason_choice": "退職"}}),
                    ("clear_hold", {"item_id": str(target.id)}),
                ):
                    delta = await client.call(event_name(RemitHoldsState, handler), payload,
                                              path=routes.ROKIN_REMIT_HOLDS)
                    alerts.append(var(delta, "alert_text", state=RemitHoldsState, default=""))
            finally:
                await client.close()
            return alerts

        alerts = run(crafted())
    assert alerts == [message("E-MENU-HIDDEN")] * 3
    assert [(i.id, i.hold, i.hold_reason, i.version) for i in _items(request.id)] == before
