"""Manuals and forms for マニュアル照会 (SPEC R-MAN-1, R-OPS-3, R-INFO-3, R-ENV-6).

The bank registers PDFs (``chingin manual add``); each is for member contracts, employer
contracts or both. A contract sees only its own kind and ``both`` (R-INFO-3). Edge IE mode is
not supported (R-ENV-6), so a title naming IE モード is refused at registration and never
listed or served, whatever is already in the table. The three paper forms of R-MAN-1 are
generated (``reports.paper_forms``) and registered once by ``ensure_builtin_forms``.

Registration is one transaction with its operation-log entry in the system chain (action
``manual.register``; actor ``operator:NAME``, or ``system`` for the built-in forms); a refusal
rolls back and is logged in the system chain. File contents never go into the log: only the
file name, size and SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import or_
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Ok
from chingin_app.models import ActorKind, LogResult
from chingin_app.models.manuals import Manual
from chingin_app.services import oplog

__all__ = [
    "ACTION_REGISTER",
    "KINDS",
    "MAX_BYTES",
    "ManualFile",
    "ManualView",
    "ensure_builtin_forms",
    "get_manual",
    "is_ie_mode_title",
    "list_all_manuals",
    "list_manuals",
    "register_manual",
]

ACTION_REGISTER: Final = "manual.register"
#: Who sees a manual: member contracts, employer contracts, or both.
KINDS: Final = frozenset({"member", "employer", "both"})
#: R-OPS-3: registered PDFs are at most 10 MB.
MAX_BYTES: Final = 10 * 1024 * 1024
TITLE_MAX_LEN: Final = 100
FILENAME_MAX_LEN: Final = 200
_PDF_MAGIC: Final = b"%PDF-"
_SYSTEM_ACTOR: Final = "system"
# After NFKC, upper-casing and dropping spaces: IEモード, IE MODE, ＩＥモード, …
_IE_MODE_RE: Final = re.compile(r"IE(モード|MODE)")


@dataclass(frozen=True)
class ManualView:
    """One row of マニュアル照会 (no content)."""

    manual_id: int
    title: str
    kind: str
    filename: str
    sha256: str
    registered_at: datetime


@dataclass(frozen=True)
class ManualFile:
    """A manual's bytes for 表示 / download, with the name and digest to serve them under."""

    filename: str
    content: bytes
    sha256: str


def is_ie_mode_title(title: str) -> bool:
    """True when a title names Edge's IE mode (R-ENV-6: such documents are not offered)."""
    folded = "".join(unicodedata.normalize("NFKC", title).upper().split())
    return _IE_MODE_RE.search(folded) is not None


def _check(title: str, kind: str, filename: str, content: bytes) -> Err | None:
    stripped = title.strip()
    if not stripped or len(stripped) > TITLE_MAX_LEN:
        return Err("E-MANUAL-TITLE", "title")
    if is_ie_mode_title(stripped):
        return Err("E-MANUAL-IE-MODE", "title")
    if kind not in KINDS:
        return Err("E-MANUAL-KIND", "kind")
    if (
        not filename
        or len(filename) > FILENAME_MAX_LEN
        or Path(filename).name != filename
        or "\\" in filename
        or not filename.lower().endswith(".pdf")
        or any(unicodedata.category(c).startswith("C") for c in filename)
    ):
        return Err("E-MANUAL-FILENAME", "filename")
    if len(content) > MAX_BYTES:
        return Err("E-MANUAL-TOO-LARGE", "content")
    if not content.startswith(_PDF_MAGIC):
        return Err("E-MANUAL-NOT-PDF", "content")
    return None


def _register(
    db: Session,
    *,
    title: str,
    kind: str,
    filename: str,
    content: bytes,
    actor_kind: ActorKind,
    actor: str,
    now: datetime,
) -> Ok[int] | Err:
    def refuse(err: Err) -> Err:
        db.rollback()
        oplog.log_failure(
            db,
            chain=oplog.SYSTEM_CHAIN,
            at=now,
            actor_kind=actor_kind,
            actor=actor,
            action=ACTION_REGISTER,
            result=LogResult.FAILURE,
            target=title[:40],
            detail={"code": err.code, "filename": filename[:80], "size": len(content)},
        )
        return err

    if (err := _check(title, kind, filename, content)) is not None:
        return refuse(err)
    digest = hashlib.sha256(content).hexdigest()
    manual = Manual(
        title=title.strip(),
        kind=kind,
        filename=filename,
        content=content,
        path=None,
        sha256=digest,
        registered_at=now,
    )
    db.add(manual)
    db.flush()
    assert manual.id is not None
    manual_id = manual.id
    detail: dict[str, Any] = {
        "manual_id": manual_id,
        "kind": kind,
        "filename": filename,
        "size": len(content),
        "sha256": digest,
    }
    oplog.append(
        db,
        chain=oplog.SYSTEM_CHAIN,
        at=now,
        actor_kind=actor_kind,
        actor=actor,
        action=ACTION_REGISTER,
        result=LogResult.SUCCESS,
        target=manual.title[:40],
        detail=detail,
    )
    db.commit()
    return Ok(manual_id)


def register_manual(
    db: Session,
    *,
    title: str,
    kind: str,
    filename: str,
    content: bytes,
    actor: str,
    clock: Clock,
) -> Ok[int] | Err:
    """Register a PDF for マニュアル照会 (R-OPS-3, R-MAN-1); Ok(manual id). Commits.

    Checks, in this order: title 1–100 characters (E-MANUAL-TITLE) and not an IE-mode
    document (E-MANUAL-IE-MODE, R-ENV-6), kind member|employer|both (E-MANUAL-KIND), a plain
    file name ending in .pdf (E-MANUAL-FILENAME), at most 10 MB (E-MANUAL-TOO-LARGE), starts
    with ``%PDF-`` (E-MANUAL-NOT-PDF). A title may be registered again (a new edition): both
    are listed, newest last.
    """
    return _register(
        db,
        title=title,
        kind=kind,
        filename=filename,
        content=content,
        actor_kind=ActorKind.OPERATOR,
        actor=oplog.operator_actor(actor),
        now=clock.now(),
    )


def ensure_builtin_forms(db: Session, *, clock: Clock) -> tuple[int, ...]:
    """Register the generated paper forms of R-MAN-1 (依頼書, 初期パスワード届出書 for 会員 and
    事業主) that are not registered yet, by title; returns the new manual ids (empty when all
    three exist). Idempotent; meant for the start of ``chingin serve``."""
    from chingin_app.reports.paper_forms import BUILTIN_FORMS

    titles = set(
        db.exec(
            select(Manual.title).where(col(Manual.title).in_([f.title for f in BUILTIN_FORMS]))
        ).all()
    )
    db.rollback()
    added: list[int] = []
    for form in BUILTIN_FORMS:
        if form.title in titles:
            continue
        result = _register(
            db,
            title=form.title,
            kind=form.kind,
            filename=form.filename,
            content=form.render(),
            actor_kind=ActorKind.SYSTEM,
            actor=_SYSTEM_ACTOR,
            now=clock.now(),
        )
        if isinstance(result, Err):  # pragma: no cover - the generated forms always pass
            raise RuntimeError(f"built-in form {form.title!r} refused: {result.code}")
        added.append(result.value)
    return tuple(added)


def _visible_kinds(contract_kind: str) -> list[str]:
    return [contract_kind, "both"] if contract_kind in ("member", "employer") else ["both"]


def _views(db: Session, kinds: list[str] | None) -> tuple[ManualView, ...]:
    query = select(Manual).options(defer(Manual.content))  # type: ignore[arg-type]
    if kinds is not None:
        query = query.where(col(Manual.kind).in_(kinds))
    rows = db.exec(query.order_by(col(Manual.registered_at), col(Manual.id))).all()
    return tuple(
        ManualView(
            manual_id=m.id,
            title=m.title,
            kind=m.kind,
            filename=m.filename,
            sha256=m.sha256,
            registered_at=m.registered_at,
        )
        for m in rows
        if m.id is not None
    )


def list_manuals(db: Session, *, contract_kind: str) -> tuple[ManualView, ...]:
    """マニュアル照会 for a contract of ``contract_kind`` (R-MAN-1, R-INFO-3): its kind and
    ``both``, in registration order; IE-mode documents never (R-ENV-6). Reads only."""
    return tuple(
        v for v in _views(db, _visible_kinds(contract_kind)) if not is_ie_mode_title(v.title)
    )


def list_all_manuals(db: Session) -> tuple[ManualView, ...]:
    """Every registered manual, for the operator (``chingin manual list``). Reads only."""
    return _views(db, None)


def get_manual(db: Session, *, manual_id: int, contract_kind: str) -> ManualFile | None:
    """The PDF behind a マニュアル照会 row, or None when there is no such manual, it is not for
    ``contract_kind`` (R-INFO-3: another kind's manual is as absent as a missing one), or it is
    an IE-mode document. A manual kept at ``path`` is read from under the data dir; a file
    whose bytes no longer match the recorded SHA-256 is not served. Reads only."""
    manual = db.exec(
        select(Manual).where(
            Manual.id == manual_id,
            or_(*(col(Manual.kind) == k for k in _visible_kinds(contract_kind))),
        )
    ).first()
    if manual is None or is_ie_mode_title(manual.title):
        return None
    content = manual.content
    if content is None and manual.path is not None:
        from chingin_app.settings import settings

        base = settings().data_dir.resolve()
        target = (base / manual.path).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            return None
        content = target.read_bytes()
    if content is None or hashlib.sha256(content).hexdigest() != manual.sha256:
        return None
    return ManualFile(filename=manual.filename, content=content, sha256=manual.sha256)
