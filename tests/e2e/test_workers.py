"""Several workers (SPEC R-DEP-4; issue 12 item 1): `chingin serve` with CHINGIN_WORKERS=2 on
PostgreSQL + Redis, two app workers on consecutive loopback ports behind one nginx, driven by
Chromium. A service of this module's own (not the shared demo one): its own data dir, a fresh
PostgreSQL database and a Redis database emptied first.

- a PDF made once and downloaded 20 times: nginx's access log (``$upstream_addr``) shows both
  workers served downloads (tickets and prepared files live in Redis);
- a master deletes a general user through the confirmation dialog: the user is deleted, their
  open session ends at their next click and their certificate is refused at the login page;
- the worker holding the user's websocket is killed with SIGKILL: it is replaced, serve goes
  on, and the next click is the same signed-in user on the same screen;
- an import whose apply takes longer than Reflex's 10 s state lock (a test-only delay hook,
  ``CHINGIN_TEST_DELAY_LEDGER_IMPORT_APPLY``) completes and says so.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import select

from chingin_app.domain.messages import message
from tests.e2e.conftest import (
    BUSINESS_HOURS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Service,
    run_service,
)
from tests.e2e.rokin_support import RokinOrg, add_user, ledger_org, sign_in

PG_ADMIN_DSN = os.environ.get(
    "CHINGIN_TEST_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
#: A Redis database of this module's own (emptied at start): Reflex's states, the store.
REDIS_URL = os.environ.get("CHINGIN_TEST_WORKERS_REDIS", "redis://127.0.0.1:6379/13")
APPLY_DELAY_SECONDS = 12  # past Reflex's 10 s state lock (DESIGN §1)
DOWNLOADS = 20
PER_TAB = 10


def _reset_process_caches() -> None:
    """The test process shares the service's settings: forget what it cached of the others."""
    from chingin_app import db as chingin_db
    from chingin_app.services import tab_bindings
    from chingin_app.services.context import app_clock
    from chingin_app.services.stores import reset_shared
    from chingin_app.settings import settings

    settings.cache_clear()
    chingin_db.engine.cache_clear()
    tab_bindings.store.cache_clear()
    app_clock.cache_clear()
    reset_shared()


@pytest.fixture(scope="module")
def workers_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    import psycopg
    import redis

    name = f"chingin_workers_{secrets.token_hex(5)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    saved = dict(os.environ)
    extra = {
        "CHINGIN_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        "CHINGIN_REDIS_URL": REDIS_URL,
        "CHINGIN_WORKERS": "2",
        "CHINGIN_TEST_DELAY_LEDGER_IMPORT_APPLY": str(APPLY_DELAY_SECONDS),
    }
    try:
        with run_service(tmp_path_factory.mktemp("workers"), extra) as svc:
            _reset_process_caches()
            yield svc
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _reset_process_caches()
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def browser(workers_service: Service, any_playwright: Playwright) -> Iterator[Browser]:
    """Chromium from the session's Playwright (the shared service is not needed)."""
    b = any_playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture(scope="module")
def org(workers_service: Service, tmp_path_factory: pytest.TempPathFactory) -> RokinOrg:
    """The 労金控除 demo organisation with the demo ledger (RL screens have data)."""
    workers_service.set_clock(BUSINESS_HOURS)
    return ledger_org(workers_service, tmp_path_factory.mktemp("workers-org"))


def _ports(service: Service) -> tuple[int, int]:
    return service.app_port, service.app_port + 1


def _access_log(service: Service) -> list[dict[str, object]]:
    path = service.data_dir / "nginx" / "logs" / "access.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _parent(int(entry.name)) == pid:
                    found.add(int(entry.name))
            except (OSError, ValueError, IndexError):
                pass  # the process ended while we looked
    return found


def _worker_holding(service: Service, page: Page) -> tuple[int, int]:
    """(port, pid) of the worker process holding the page's websocket: the gate logs the port
    and the tab's key at each websocket connect (web/gate.py); the app process serve started
    for that port (CHINGIN_WORKER_PORT), or granian's worker under it when it forked one."""
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    assert token, "no Reflex token in the tab"
    tab = hashlib.sha256(token.encode()).hexdigest()[:12]
    lines = [line for line in service.output if f"for tab {tab}" in line]
    assert lines, f"no websocket record for tab {tab}"
    port = int(re.findall(r"worker port (\d+)", lines[-1])[0])
    assert port in _ports(service)
    assert service.proc is not None
    mains = [
        pid for pid in _children(service.proc.pid)
        if f"CHINGIN_WORKER_PORT={port}".encode()
        in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    ]
    assert len(mains) == 1, mains
    under = {pid for pid in _children(mains[0])
             if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()}
    assert len(under) <= 1, under
    return port, (under.pop() if under else mains[0])


def _ping(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def test_r_dep_4_two_workers_on_consecutive_ports_behind_one_upstream(
    workers_service: Service,
) -> None:
    """R-DEP-4: CHINGIN_WORKERS=2 → two app processes on 127.0.0.1:CHINGIN_APP_PORT and +1,
    both answering, both in nginx's one upstream; never a unix socket."""
    first, second = _ports(workers_service)
    assert _ping(first) and _ping(second)
    conf = (workers_service.data_dir / "nginx" / "nginx.conf").read_text()
    upstream = re.search(r"upstream chingin_app \{([^}]*)\}", conf)
    assert upstream is not None
    assert f"server 127.0.0.1:{first} " in upstream.group(1)
    assert f"server 127.0.0.1:{second} " in upstream.group(1)
    assert "unix:" not in upstream.group(1)


def test_r_dep_4_a_pdf_downloaded_20_times_is_served_by_both_workers(
    browser: Browser, workers_service: Service, org: RokinOrg, tmp_path: Path
) -> None:
    """R-DEP-4: the prepared PDF and its single-use tickets live in Redis, so each of 20
    downloads works whichever worker nginx sends it to — and nginx sends them to both."""
    workers_service.set_clock(BUSINESS_HOURS)
    before = len(_access_log(workers_service))
    # Chromium lets one tab start about ten downloads in a row without a fresh user gesture
    # (its download limiter; each file arrives after a websocket round trip), so the 20 are
    # made from two signed-in tabs, ten each — every one a new single-use ticket.
    for tab in range(DOWNLOADS // PER_TAB):
        context, page = sign_in(browser, workers_service, org.master)
        with context:
            page.get_by_role("link", name="賃控元帳確認リスト出力").click()
            expect(page.get_by_role("heading", name="賃控元帳確認リスト出力")).to_be_visible()
            page.get_by_label("出力するリスト").select_option(label="賃控元帳種目合計リスト")
            page.get_by_role("button", name="PDF出力").click()
            expect(page.get_by_test_id("output-name")).to_contain_text(
                "賃控元帳種目合計リスト", timeout=60_000)
            for i in range(PER_TAB):
                with page.expect_download() as info:
                    page.get_by_role("button", name="ダウンロード").click()
                target = tmp_path / f"items-{tab}-{i}.pdf"
                info.value.save_as(target)
                assert target.read_bytes().startswith(b"%PDF-"), (tab, i)
    downloads = [e for e in _access_log(workers_service)[before:]
                 if str(e["path"]).startswith("/dl/")]
    assert len(downloads) == DOWNLOADS
    assert all(e["status"] == 200 for e in downloads)
    served_by = {str(e["upstream"]) for e in downloads}
    assert served_by == {f"127.0.0.1:{p}" for p in _ports(workers_service)}, served_by


def test_r_dep_4_r_user_6_deleted_user_is_refused(
    browser: Browser, workers_service: Service, org: RokinOrg, tmp_path: Path
) -> None:
    """R-DEP-4 with R-USER-6: on two workers the master's 削除 → はい deletes the user (issue
    12: it was lost with Redis); the user's open session ends at their next click and their
    certificate is refused at the login page."""
    from chingin_app.db import session_scope
    from chingin_app.models import User

    workers_service.set_clock(BUSINESS_HOURS)
    general = add_user(workers_service, tmp_path, org)
    theirs, their_page = sign_in(browser, workers_service, general)
    with theirs:
        context, page = sign_in(browser, workers_service, org.master)
        with context:
            page.get_by_role("button", name="契約ユーザー情報照会").click()
            expect(page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
            row = page.get_by_role("row").filter(has_text=general.user_id)
            row.get_by_role("button", name="削除").click()
            dialog = page.get_by_role("alertdialog")
            expect(dialog).to_contain_text("削除してよろしいですか？")
            dialog.get_by_role("button", name="はい").click()
            expect(page.get_by_role("status")).to_contain_text(general.user_id)
            expect(page.get_by_role("table")).not_to_contain_text(general.user_id)
        with session_scope(read_only=True) as db:
            user = db.exec(select(User).where(User.user_id == general.user_id)).one()
            assert user.deleted_at is not None
        # Their next click: the session ended on the server.
        their_page.get_by_role("button", name="契約ユーザー情報照会").click()
        expect(their_page).to_have_url(re.compile(r"/login"))
        expect(their_page.get_by_role("heading", name="契約ユーザー情報照会")).to_have_count(0)
    again = browser.new_context(
        ignore_https_errors=True,
        client_certificates=[{"origin": workers_service.base_url, "pfxPath": str(general.p12),
                              "passphrase": general.password}],
    )
    with again:
        page = again.new_page()
        page.goto(workers_service.base_url + "/login")
        expect(page.get_by_role("alert")).to_have_text(message("MSG-CERT-REVOKED"))
        expect(page.get_by_label("パスワード", exact=True)).to_have_count(0)


def test_r_dep_4_sigkilled_worker_is_replaced_and_its_user_carries_on(
    browser: Browser, workers_service: Service, org: RokinOrg
) -> None:
    """R-DEP-4: SIGKILL to the worker holding the user's websocket. serve does not stop, the
    worker is started again on its port, and after the browser reconnects the next click works
    as the same signed-in user (the session handle is recovered outside the lost state)."""
    workers_service.set_clock(BUSINESS_HOURS)
    context, page = sign_in(browser, workers_service, org.master)
    with context:
        page.get_by_role("button", name="契約ユーザー情報照会").click()
        expect(page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        port, pid = _worker_holding(workers_service, page)
        other = next(p for p in _ports(workers_service) if p != port)
        os.kill(pid, signal.SIGKILL)
        assert _ping(other)  # the other worker serves on meanwhile
        # The next click, once the tab has reconnected: the same user on the same screen.
        page.get_by_role("button", name="更新へ").first.click()
        expect(page.get_by_role("heading", name="契約ユーザー更新")).to_be_visible(timeout=60_000)
        page.go_back()
        expect(page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        expect(page.get_by_role("table")).to_contain_text(org.master.user_id)
        # Replaced on its own port; serve is still running.
        deadline = time.monotonic() + 60
        while not _ping(port):
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.5)  # polling a restarting process, not waiting on a clock rule
        assert workers_service.proc is not None and workers_service.proc.poll() is None


def test_r_dep_4_an_import_applying_longer_than_the_state_lock_completes(
    browser: Browser, workers_service: Service, org: RokinOrg, tmp_path: Path
) -> None:
    """R-DEP-4 (Reflex's 10 s state lock): RL-10's apply is a background event, so an apply
    taking 12 s (the test-only delay hook) completes, is shown, and changed the detail."""
    from chingin_app.services.ledger.transfer import HEADER

    workers_service.set_clock(BUSINESS_HOURS)
    context, page = sign_in(browser, workers_service, org.master, group_no="001")
    with context:
        page.goto(workers_service.base_url + "/ledger/export")
        expect(page.get_by_role("heading", name="賃控元帳明細データエクスポート")).to_be_visible()
        page.get_by_role("button", name="CSV出力").click()
        expect(page.get_by_test_id("output-name")).to_contain_text(
            f"賃控元帳明細データ_{org.contract_no}_001_")  # the one file-name pattern
        with page.expect_download() as info:
            page.get_by_role("button", name="ダウンロード").click()
        exported = tmp_path / "export.csv"
        info.value.save_as(exported)
        rows = list(csv.reader(io.StringIO(exported.read_bytes().decode("cp932"), newline="")))
        assert tuple(rows[0]) == HEADER and len(rows) > 1
        target = next(r for r in rows[1:] if r[11] == "有効")
        target[7] = str(int(target[7]) + 1)
        edited = tmp_path / "edited.csv"
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        edited.write_bytes(out.getvalue().encode("cp932"))

        page.goto(workers_service.base_url + "/ledger/import")
        expect(page.get_by_role("heading", name="賃控元帳明細データインポート")).to_be_visible()
        page.locator("input[type=file]").set_input_files(str(edited))
        page.get_by_role("button", name="読込").click()
        expect(page.get_by_test_id("import-summary")).to_have_text("変更 1件")
        page.get_by_role("button", name="適用").click()
        began = time.monotonic()
        page.get_by_role("button", name="はい").click()
        expect(page.get_by_role("status").filter(has_text="取り込みました")
               ).to_contain_text("変更 1件", timeout=90_000)
        assert time.monotonic() - began >= APPLY_DELAY_SECONDS
