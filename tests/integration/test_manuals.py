"""マニュアル照会: registering manuals and forms, listing and fetching them per contract kind
(SPEC R-MAN-1, R-OPS-3, R-INFO-3, R-ENV-6), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import secrets

import pytest
from sqlmodel import Session, col, func, select

from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Err, Ok
from chingin_app.models import OperationLog
from chingin_app.models.manuals import Manual
from chingin_app.reports.paper_forms import BUILTIN_FORMS
from chingin_app.services import manuals

PDF = b"%PDF-1.4\n% a tiny test document\n%%EOF\n"


def _title(label: str = "マニュアル") -> str:
    return f"{label}{secrets.token_hex(4)}"


def _entries(db: Session, target: str) -> list[OperationLog]:
    db.commit()
    rows = db.exec(
        select(OperationLog)
        .where(OperationLog.target == target, OperationLog.action == manuals.ACTION_REGISTER)
        .order_by(col(OperationLog.id))
    ).all()
    db.commit()
    return list(rows)


def _count(db: Session, title: str) -> int:
    n = db.exec(select(func.count()).select_from(Manual).where(Manual.title == title)).one()
    db.commit()
    return int(n)


def _register(db: Session, clock: MovableClock, **overrides: object) -> Ok[int] | Err:
    fields: dict[str, object] = {
        "title": _title(),
        "kind": "both",
        "filename": "manual.pdf",
        "content": PDF,
        "actor": "tester",
        "clock": clock,
    }
    fields.update(overrides)
    return manuals.register_manual(db, **fields)  # type: ignore[arg-type]


def test_r_ops_3_register_manual_commits_and_audits(db: Session, clock: MovableClock) -> None:
    """R-OPS-3 "register manuals and forms (PDF)": stored with its SHA-256, audited in the
    system chain without the contents."""
    title = _title("操作マニュアル")
    result = _register(db, clock, title=title, kind="member", filename="sousa.pdf")
    assert isinstance(result, Ok)
    row = db.get(Manual, result.value)
    assert row is not None
    assert (row.title, row.kind, row.filename, row.content, row.path) == (
        title,
        "member",
        "sousa.pdf",
        PDF,
        None,
    )
    assert row.sha256 == hashlib.sha256(PDF).hexdigest()
    assert row.registered_at == clock.now()
    db.commit()
    [entry] = _entries(db, title)
    assert (entry.chain, entry.result, entry.actor, entry.contract_no) == (
        "system",
        "success",
        "operator:tester",
        None,
    )
    assert entry.detail is not None
    assert row.sha256 in entry.detail and "sousa.pdf" in entry.detail
    assert "tiny test document" not in entry.detail


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"content": b"GIF89a not a pdf"}, "E-MANUAL-NOT-PDF"),
        ({"content": b""}, "E-MANUAL-NOT-PDF"),
        ({"content": b"  %PDF-1.4 leading space"}, "E-MANUAL-NOT-PDF"),
        ({"content": b"%PDF-" + b"0" * manuals.MAX_BYTES}, "E-MANUAL-TOO-LARGE"),
        ({"kind": "general"}, "E-MANUAL-KIND"),
        ({"filename": "manual.docx"}, "E-MANUAL-FILENAME"),
        ({"filename": "../etc/manual.pdf"}, "E-MANUAL-FILENAME"),
        ({"title": "　"}, "E-MANUAL-TITLE"),
        ({"title": "あ" * 101}, "E-MANUAL-TITLE"),
        ({"title": "Edge IEモード設定手順"}, "E-MANUAL-IE-MODE"),
        ({"title": "ＩＥ モードの設定"}, "E-MANUAL-IE-MODE"),
    ],
)
def test_r_ops_3_register_refusals_change_nothing(
    db: Session, clock: MovableClock, overrides: dict[str, object], code: str
) -> None:
    """R-OPS-3 PDF only, at most 10 MB; R-ENV-6 IE-mode documents are not offered. A refusal
    stores nothing and leaves a failure entry."""
    title = str(overrides.get("title", _title("拒否")))
    before = db.exec(select(func.count()).select_from(Manual)).one()
    db.commit()
    result = _register(db, clock, **{"title": title, **overrides})
    assert isinstance(result, Err) and result.code == code
    after = db.exec(select(func.count()).select_from(Manual)).one()
    db.commit()
    assert after == before
    failures = [
        e
        for e in _entries(db, title[:40])
        if e.result == "failure" and e.at == clock.now() and code in (e.detail or "")
    ]
    assert failures and failures[-1].chain == "system"


def test_r_info_3_list_only_the_contracts_kind_and_both(db: Session, clock: MovableClock) -> None:
    """R-INFO-3 "マニュアル照会 lists only the manuals of the contract's kind"."""
    ids = {}
    for kind in ("member", "employer", "both"):
        result = _register(db, clock, title=_title(kind), kind=kind)
        assert isinstance(result, Ok)
        ids[kind] = result.value
    member = {v.manual_id for v in manuals.list_manuals(db, contract_kind="member")}
    employer = {v.manual_id for v in manuals.list_manuals(db, contract_kind="employer")}
    assert ids["member"] in member and ids["both"] in member and ids["employer"] not in member
    assert ids["employer"] in employer and ids["both"] in employer
    assert ids["member"] not in employer
    assert all(
        v.kind in ("member", "both") for v in manuals.list_manuals(db, contract_kind="member")
    )


def test_r_env_6_ie_mode_titles_never_listed_or_served(db: Session, clock: MovableClock) -> None:
    """R-ENV-6 "the IE-mode setup documents are not offered in マニュアル照会", even when such a
    row is already in the table (written behind the service's back)."""
    row = Manual(
        title=f"IEモード設定手順書{secrets.token_hex(3)}",
        kind="both",
        filename="ie.pdf",
        content=PDF,
        sha256=hashlib.sha256(PDF).hexdigest(),
        registered_at=clock.now(),
    )
    db.add(row)
    db.commit()
    assert row.id is not None
    for kind in ("member", "employer"):
        listed = manuals.list_manuals(db, contract_kind=kind)
        assert row.id not in {v.manual_id for v in listed}
        assert not any("IE" in v.title.upper() and "モード" in v.title for v in listed)
        assert manuals.get_manual(db, manual_id=row.id, contract_kind=kind) is None
    assert manuals.is_ie_mode_title("Edge の IE mode 設定")
    assert not manuals.is_ie_mode_title("ご利用マニュアル（会員向け）")


def test_r_info_3_get_manual_is_kind_checked(db: Session, clock: MovableClock) -> None:
    """R-INFO-3: another kind's manual is as absent as a missing one; the bytes and SHA-256
    come back for the right kind."""
    result = _register(db, clock, kind="employer", filename="zaikei.pdf")
    assert isinstance(result, Ok)
    got = manuals.get_manual(db, manual_id=result.value, contract_kind="employer")
    assert got == manuals.ManualFile("zaikei.pdf", PDF, hashlib.sha256(PDF).hexdigest())
    assert manuals.get_manual(db, manual_id=result.value, contract_kind="member") is None
    assert manuals.get_manual(db, manual_id=10**9, contract_kind="employer") is None


def test_r_man_1_ensure_builtin_forms_is_idempotent(db: Session, clock: MovableClock) -> None:
    """R-MAN-1 "including the paper forms": the three generated forms are registered once."""
    manuals.ensure_builtin_forms(db, clock=clock)
    assert manuals.ensure_builtin_forms(db, clock=clock) == ()
    for form in BUILTIN_FORMS:
        assert _count(db, form.title) == 1
    member_titles = [v.title for v in manuals.list_manuals(db, contract_kind="member")]
    employer_titles = [v.title for v in manuals.list_manuals(db, contract_kind="employer")]
    request, for_member, for_employer = (f.title for f in BUILTIN_FORMS)
    assert request in member_titles and for_member in member_titles
    assert for_employer not in member_titles
    assert request in employer_titles and for_employer in employer_titles
    assert for_member not in employer_titles
    view = next(v for v in manuals.list_manuals(db, contract_kind="member") if v.title == request)
    got = manuals.get_manual(db, manual_id=view.manual_id, contract_kind="member")
    assert got is not None and got.content.startswith(b"%PDF-")
    entries = _entries(db, request[:40])
    assert entries and entries[0].actor == "system" and entries[0].chain == "system"
