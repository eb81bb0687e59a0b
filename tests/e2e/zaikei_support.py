"""The 財形 employer contract of the e2e flows: the demo's 財形 files loaded into a fresh
employer contract, and its master's certificate (tests/e2e/test_zaikei.py,
tests/e2e/test_accessibility.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from chingin_app.db import session_scope
from chingin_app.domain.clock import SystemClock, to_jst
from chingin_app.domain.result import Ok
from chingin_app.runtime import demo_zaikei
from chingin_app.services import zaikei_bank
from tests import factories
from tests.e2e.conftest import IssuedForTest, Service, issue_certificate


def zaikei_employer(service: Service, tmp_path: Path, services: str) -> IssuedForTest:
    """An employer contract with the demo's 財形 data, and its master's certificate."""
    today = to_jst(datetime.now(UTC)).date()
    deposits, balance = demo_zaikei.build_files(today)
    with session_scope() as db:
        contract = factories.make_contract(db, kind="employer", services=services,
                                           name="財形テスト株式会社")
        assert contract.id is not None
        for data in deposits:
            if "zaikei-incentive" not in services:  # no 奨励金 without the service
                data = b"\r\n".join(_blank_incentive(line) for line in data.split(b"\r\n"))
            got = zaikei_bank.load_deposits(db, contract_no=contract.contract_no, data=data,
                                            actor="op-e2e", clock=SystemClock())
            assert isinstance(got, Ok), got
        if "zaikei-balance" in services:
            got = zaikei_bank.load_balances(db, contract_no=contract.contract_no, data=balance,
                                            actor="op-e2e", clock=SystemClock())
            assert isinstance(got, Ok), got
        contract_no = contract.contract_no
        db.commit()
    return issue_certificate(service, tmp_path, contract_no=contract_no)


def _blank_incentive(line: bytes) -> bytes:
    cells = line.split(b",")
    if len(cells) == len(zaikei_bank.DEPOSIT_HEADER) and cells[13] != "奨励金".encode():
        cells[13] = b""
    return b",".join(cells)
