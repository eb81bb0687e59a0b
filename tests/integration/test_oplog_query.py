"""操作ログの照会 for the master (SPEC R-LOG-1, R-ENV-3, A.2): search by period, user and
action with paging done by the database, only the contract's own chain, the bank's actions
shown as 「金庫」, and the CSV export (CP932, CRLF, header, capped, logged)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlmodel import Session, select

from chingin_app.domain.clock import JST, MovableClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.models import OperationLog
from chingin_app.services import oplog, oplog_query
from chingin_app.services.oplog_query import CSV_HEADER, LogPage
from tests import factories


def _add(
    db: Session,
    contract_no: str | None,
    clock: MovableClock,
    *,
    actor: str = "master01",
    actor_kind: str = "user",
    action: str = "login.success",
    result: str = "success",
    target: str | None = None,
    screen: str | None = "ログイン",
) -> OperationLog:
    entry = oplog.append(
        db,
        chain=oplog.chain_for(contract_no),
        at=clock.now(),
        contract_no=contract_no,
        actor_kind=actor_kind,
        actor=actor,
        action=action,
        result=result,
        ip="192.0.2.10",
        screen=screen,
        target=target,
    )
    db.commit()
    clock.advance(timedelta(minutes=1))
    return entry


def _search(db: Session, contract_no: str, **kw: object) -> LogPage:
    args: dict[str, object] = {
        "start": None,
        "end": None,
        "user_id": None,
        "action": None,
        "page": 1,
    }
    args.update(kw)
    return oplog_query.search(db, contract_no=contract_no, **args)  # type: ignore[arg-type]


def _export(db: Session, contract_no: str, **kw: object) -> Ok[bytes] | Err:
    args: dict[str, object] = {"start": None, "end": None, "user_id": None, "action": None}
    args.update(kw)
    return oplog_query.export_csv(db, contract_no=contract_no, **args)  # type: ignore[arg-type]


def test_r_log_1_search_newest_first_in_japan_time(db: Session, clock: MovableClock) -> None:
    """R-LOG-1 "with user, time, IP, screen, action, target and result"; newest first, the time
    in JST, actions and results in Japanese (unknown actions keep their code)."""
    no = factories.next_contract_no()
    first = _add(db, no, clock, action="login.success")
    second = _add(db, no, clock, action="login.failure", result="failure", target="master01")
    third = _add(db, no, clock, action="custom.thing", result="refused")

    page = _search(db, no)

    assert [e.id for e in page.entries] == [third.id, second.id, first.id]
    newest, middle, oldest = page.entries
    assert oldest.at == clock.now().astimezone(JST) - timedelta(minutes=3)
    assert oldest.at.utcoffset() == timedelta(hours=9)
    assert (oldest.actor, oldest.ip, oldest.screen, oldest.action, oldest.result) == (
        "master01",
        "192.0.2.10",
        "ログイン",
        "ログイン",
        "成功",
    )
    assert (middle.action, middle.target, middle.result) == ("ログイン失敗", "master01", "失敗")
    assert (newest.action, newest.action_code, newest.result) == (
        "custom.thing",
        "custom.thing",
        "拒否",
    )


def test_r_log_1_search_by_period_user_and_action(db: Session, clock: MovableClock) -> None:
    """R-LOG-1 "searchable by period, user and action"; the period's start is included, its
    end is not."""
    no = factories.next_contract_no()
    start = clock.now() + timedelta(minutes=1)
    a = _add(db, no, clock, actor="master01", action="login.success")
    b = _add(db, no, clock, actor="master01", action="login.success")
    c = _add(db, no, clock, actor="user0002", action="login.success")
    d = _add(db, no, clock, actor="master01", action="logout")
    end = clock.now() - timedelta(minutes=1)  # d's time: excluded

    assert [e.id for e in _search(db, no, start=start, end=end).entries] == [c.id, b.id]
    assert [e.id for e in _search(db, no, user_id="master01").entries] == [d.id, b.id, a.id]
    # User IDs are unique case-insensitively (SPEC §3): the filter folds case too.
    assert [e.id for e in _search(db, no, user_id="MASTER01").entries] == [d.id, b.id, a.id]
    assert [e.id for e in _search(db, no, action="logout").entries] == [d.id]
    assert [
        e.id
        for e in _search(db, no, user_id="master01", action="login.success", start=start).entries
    ] == [b.id]
    assert _search(db, no, user_id="nobody").total == 0


def test_r_log_1_bank_actions_are_shown_as_kinko(db: Session, clock: MovableClock) -> None:
    """R-LOG-1 "the master also sees the bank's actions on the contract (shown as 「金庫」)":
    the operator's name never appears; 「金庫」 as the user filter selects them."""
    no = factories.next_contract_no()
    _add(db, no, clock, actor="master01")
    op = _add(db, no, clock, actor="operator:tanaka", actor_kind="operator", action="user.unblock")
    sysentry = _add(db, no, clock, actor="jobs", actor_kind="system", action="session.end")

    page = _search(db, no)
    shown: dict[int | None, str] = {e.id: e.actor for e in page.entries}
    assert shown[op.id] == "金庫"
    assert shown[sysentry.id] == "金庫"
    assert all("tanaka" not in e.actor for e in page.entries)
    assert [e.id for e in _search(db, no, user_id="金庫").entries] == [sysentry.id, op.id]
    assert [e.action for e in _search(db, no, user_id="金庫").entries] == [
        "セッション終了",
        "閉塞解除",
    ]


def test_r_log_1_other_contracts_never_appear(db: Session, clock: MovableClock) -> None:
    """R-LOG-1 tenant isolation: only the contract's own chain; another contract's entries and
    system-chain entries about the contract (as target) never appear, in search or export."""
    mine, other = factories.next_contract_no(), factories.next_contract_no()
    own = _add(db, mine, clock, actor="master01")
    _add(db, other, clock, actor="intruder01", target=mine)
    _add(db, None, clock, actor="operator:cli", actor_kind="operator", target=mine)

    page = _search(db, mine)
    assert [e.id for e in page.entries] == [own.id]
    assert page.total == 1
    assert _search(db, mine, user_id="intruder01").total == 0
    result = _export(db, mine)
    assert isinstance(result, Ok)
    assert b"intruder01" not in result.value
    assert len(result.value.decode("cp932").split("\r\n")) == 3  # header, one entry, ""


def test_r_log_1_paging_counts(db: Session, clock: MovableClock) -> None:
    """Paging by the database: total and pages from COUNT, pages of ``page_size`` newest
    first; a page past the end shows the last one."""
    no = factories.next_contract_no()
    ids = [_add(db, no, clock).id for _ in range(7)]
    newest_first = list(reversed(ids))

    first = _search(db, no, page=1, page_size=3)
    assert (first.total, first.pages, first.page) == (7, 3, 1)
    assert [e.id for e in first.entries] == newest_first[:3]
    second = _search(db, no, page=2, page_size=3)
    assert [e.id for e in second.entries] == newest_first[3:6]
    last = _search(db, no, page=3, page_size=3)
    assert [e.id for e in last.entries] == newest_first[6:]
    beyond = _search(db, no, page=9, page_size=3)
    assert (beyond.page, [e.id for e in beyond.entries]) == (3, newest_first[6:])
    empty = _search(db, factories.next_contract_no())
    assert (empty.total, empty.pages, empty.page, empty.entries) == (0, 1, 1, ())


def test_r_env_3_export_is_cp932_with_crlf_and_header(db: Session, clock: MovableClock) -> None:
    """R-ENV-3 "CSV downloads open correctly in Japanese Excel (CP932 by default)"; A.2 CRLF,
    header row; 画面 and 対象 are free text (formula injection neutralised)."""
    no = factories.next_contract_no()
    _add(db, no, clock, actor="master01", target="=HYPERLINK(1)", screen="ログイン")
    _add(
        db,
        no,
        clock,
        actor="operator:x",
        actor_kind="operator",
        action="user.unblock",
        target="user0001",
    )

    result = _export(db, no)
    assert isinstance(result, Ok)
    data = result.value
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("cp932")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert (
        tuple(rows[0])
        == CSV_HEADER
        == (
            "日時",
            "ユーザーＩＤ",
            "IPアドレス",
            "画面",
            "操作",
            "対象",
            "結果",
        )
    )
    assert rows[1] == [
        "2026-04-01 10:01:00",
        "金庫",
        "192.0.2.10",
        "ログイン",
        "閉塞解除",
        "user0001",
        "成功",
    ]
    assert rows[2] == [
        "2026-04-01 10:00:00",
        "master01",
        "192.0.2.10",
        "ログイン",
        "ログイン",
        "'=HYPERLINK(1)",
        "成功",
    ]


def test_r_env_3_export_utf8_with_bom_and_unencodable(db: Session, clock: MovableClock) -> None:
    """R-ENV-3 "UTF-8 with BOM as an option"; A.2 a character CP932 cannot hold is reported by
    row and column and no file is made — the UTF-8 file holds it."""
    no = factories.next_contract_no()
    _add(db, no, clock, target="𠮷田")

    refused = _export(db, no)
    assert refused == Err("E-LOG-CSV-ENCODING", params={"row": 2, "column": 6})
    assert "2行目6列目" in message(refused.code, **refused.params)
    result = _export(db, no, encoding="utf-8-sig")
    assert isinstance(result, Ok)
    assert result.value.startswith(b"\xef\xbb\xbf")
    assert "𠮷田" in result.value.decode("utf-8-sig")


def test_r_log_1_export_is_capped(db: Session, clock: MovableClock) -> None:
    """The export is limited (``EXPORT_MAX_ROWS``, 100,000): more matching entries are refused
    rather than cut off silently; at the limit the file holds them all."""
    assert oplog_query.EXPORT_MAX_ROWS == 100_000
    no = factories.next_contract_no()
    for _ in range(3):
        _add(db, no, clock)

    over = oplog_query.export_csv(
        db, contract_no=no, start=None, end=None, user_id=None, action=None, max_rows=2
    )
    assert over == Err("E-LOG-EXPORT-LIMIT", params={"limit": "2", "count": "3"})
    assert "ファイルは作成していません" in message(over.code, **over.params)
    at_limit = oplog_query.export_csv(
        db, contract_no=no, start=None, end=None, user_id=None, action=None, max_rows=3
    )
    assert isinstance(at_limit, Ok)
    assert at_limit.value.count(b"\r\n") == 4


def test_r_log_1_export_is_logged(db: Session, clock: MovableClock) -> None:
    """R-LOG-1 "every … export … with user, time, IP, screen, action": ``log_export`` writes a
    success entry in the contract's chain, which the master then sees."""
    no = factories.next_contract_no()
    oplog_query.log_export(
        db, contract_no=no, actor="master01", ip="192.0.2.20", clock=clock, rows=12
    )

    entries = db.exec(select(OperationLog).where(OperationLog.contract_no == no)).all()
    assert [(e.chain, e.action, e.actor, e.ip, e.result) for e in entries] == [
        (f"contract:{no}", "oplog.export", "master01", "192.0.2.20", "success")
    ]
    assert entries[0].detail == '{"encoding":"cp932","rows":12}'
    assert oplog.verify_chain(db, f"contract:{no}") == []
    shown = _search(db, no).entries
    assert [(e.action, e.screen) for e in shown] == [("操作ログ出力", "操作ログの照会")]
    assert oplog_query.action_labels()["oplog.export"] == "操作ログ出力"
