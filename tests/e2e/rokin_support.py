"""What the 労金控除 (issue 5) browser tests share: a contract with the demo organisation and its
cycles in the service's database, and a signed-in browser on its information screen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import select

from chingin_app.db import session_scope
from chingin_app.domain.clock import to_jst
from chingin_app.models import Contract
from chingin_app.runtime import demo_ledger, demo_rokin
from chingin_app.services.rokin import cycle as rokin_cycle
from tests import factories
from tests.e2e.conftest import BUSINESS_HOURS, IssuedForTest, Service, issue_certificate

#: The demo's two payment groups (runtime/demo.py DEMO_GROUPS).
GROUPS = (("001", "本社"), ("002", "大阪支社"))


@dataclass(frozen=True)
class RokinOrg:
    """A contract with the demo organisation: its master (and general users added later)."""

    contract_no: str
    master: IssuedForTest


def rokin_org(service: Service, tmp_dir: Path) -> RokinOrg:
    """A fresh contract with two payment groups, its master's certificate, ~300 employees,
    their details, three past cycles with results and the current request (依頼受信), all as
    of the e2e service clock's day."""
    with session_scope() as db:
        contract = factories.make_contract(db, groups=GROUPS)
        contract_no = contract.contract_no
    master = issue_certificate(service, tmp_dir, contract_no=contract_no)
    today = to_jst(BUSINESS_HOURS).date()
    with session_scope() as db:
        contract_id = db.exec(select(Contract.id).where(Contract.contract_no == contract_no)).one()
        assert contract_id is not None
        demo_rokin.load_demo_organisation(db, contract_id, today)
        rokin_cycle.load_demo_history(db, contract_id=contract_id, today=today,
                                      bank_kana=demo_rokin.DEMO_BANK_KANA)
        db.commit()
    return RokinOrg(contract_no=contract_no, master=master)



def ledger_org(service: Service, tmp_dir: Path) -> RokinOrg:
    """``rokin_org`` with the demo 賃控元帳 on top (its 種目, details, history and four cycles,
    as of the e2e service clock's day): the organisation of every 賃控元帳 flow."""
    made = rokin_org(service, tmp_dir)
    with session_scope() as db:
        contract_id = db.exec(
            select(Contract.id).where(Contract.contract_no == made.contract_no)).one()
        assert contract_id is not None
        assert demo_ledger.load_demo_ledger(db, contract_id, to_jst(BUSINESS_HOURS).date()) > 0
    return made

def add_user(
    service: Service, tmp_dir: Path, org: RokinOrg, *, role: str = "general"
) -> IssuedForTest:
    """Another user of the same contract with a certificate (set restrictions through
    ``services.permissions`` / the models as the test needs)."""
    return issue_certificate(service, tmp_dir, role=role, contract_no=org.contract_no)


def sign_in(
    browser: Browser, service: Service, holder: IssuedForTest, *, group_no: str = "001"
) -> tuple[BrowserContext, Page]:
    """A browser context with ``holder``'s certificate, signed in, payment group ``group_no``
    chosen, on the information screen. Close the context when done (``with context:``)."""
    context = browser.new_context(
        ignore_https_errors=True, accept_downloads=True,
        client_certificates=[{"origin": service.base_url, "pfxPath": str(holder.p12),
                              "passphrase": holder.password}],
    )
    page = context.new_page()
    page.goto(service.base_url + "/login")
    expect(page.get_by_test_id("login-user-id")).not_to_be_empty()
    page.get_by_label("パスワード", exact=True).fill(holder.password)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("button", name=f"選択 {group_no}").click()
    expect(page.get_by_test_id("info-title")).to_be_visible()
    return context, page
