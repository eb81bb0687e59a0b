"""Read-side queries of the まとめ入金 screens (SPEC §11 RK-8, RK-9, RK-10; Appendix A.4, A.6),
beside ``services/rokin/cycle/``, which owns every change (``set_hold``, ``clear_hold``,
``confirm``, ``undo_confirmation``).

Every function takes the signed-in session and scopes by its contract **and selected payment
group** (the まとめ入金 is per group, A.4): a request or line of another group or contract is
never read, whatever id the client sent. Read-only.

- ``group_requests``: the group's requests of the last cycles, optionally by status (the
  request choice of RK-8 / RK-9 / RK-10).
- ``scoped_request``: one of them with its totals.
- ``hold_lines``: one page of a request's lines for RK-8, filtered on the server by 職員番号
  (prefix), カナ氏名 (normalised per A.1, part), 所属 (part), errors only, held only.
- ``remittance_form``: the figures of the まとめ入金依頼書 and the 更新明細書(Web依頼済).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain.kana import normalise_kana
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.models import Contract, DeductionRequestItem, User
from chingin_app.reports import rokin_remittance_forms as forms
from chingin_app.reports.rokin_remittance_forms import HeldLine, RemittanceForm
from chingin_app.services import oplog
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import kanji_name_clauses
from chingin_app.services.rokin import cycle
from chingin_app.services.tenant import TenantSession, scope_of

__all__ = [
    "ACTION_REQUEST_FORM",
    "ACTION_STATEMENT",
    "PAGE_SIZE",
    "FormKind",
    "HoldLine",
    "LineFilter",
    "LinePage",
    "form_pdf",
    "group_requests",
    "hold_lines",
    "remittance_form",
    "scoped_request",
]

PAGE_SIZE: Final = 50
ACTION_REQUEST_FORM: Final = "rokin.remit.request_form.print"
ACTION_STATEMENT: Final = "rokin.remit.statement.print"
#: ``request`` まとめ入金依頼書, ``statement`` まとめ入金更新明細書(Web依頼済).
FormKind = Literal["request", "statement"]
_LIKE_ESCAPE: Final = "\\"


@dataclass(frozen=True)
class LineFilter:
    """RK-8's search: each empty / False criterion is no filter."""

    staff_no: str = ""
    name_kana: str = ""
    department: str = ""
    errors_only: bool = False
    held_only: bool = False
    name_kanji: str = ""  # R-PLUS-8: anywhere, full-width as stored


@dataclass(frozen=True)
class HoldLine:
    """One request line as RK-8 lists it."""

    id: int
    version: int
    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    product_name: str
    account_no: str
    amount: int
    change_kind: str
    error_text: str | None
    hold: bool
    hold_reason: str | None
    product_code: str = ""  # the 照合's key part (services/rokin/workspace.line_for_key)

    @property
    def ended(self) -> bool:
        """A 解約 line: informational, never held (``deduction_cycle``)."""
        return self.change_kind == ChangeKind.ENDED.value


@dataclass(frozen=True)
class LinePage:
    total: int
    page: int
    pages: int
    lines: tuple[HoldLine, ...]


def group_requests(
    db: Session,
    *,
    session: TenantSession,
    statuses: Collection[str] | None = None,
    cycles: int | Literal["kept"] | None = "kept",
) -> list[cycle.RequestHead]:
    """The selected group's requests of the last ``cycles`` months, newest first, those in
    ``statuses`` only (None = all): the choice list, without the totals (``scoped_request``
    reads the chosen one's)."""
    scope = scope_of(db, session)
    if scope is None:
        return []
    found = cycle.list_request_heads(
        db, contract_id=scope.contract_id, payment_group_id=scope.payment_group_id,
        cycles=cycles,
    )
    return [r for r in found if statuses is None or r.status in statuses]


def scoped_request(
    db: Session, *, session: TenantSession, request_id: int
) -> cycle.RequestView | None:
    """One request of the session's contract and selected group; None otherwise."""
    scope = scope_of(db, session)
    if scope is None:
        return None
    view = cycle.get_request(db, contract_id=scope.contract_id, request_id=request_id)
    if view is None or (scope.group_no is not None and view.group_no != scope.group_no):
        return None
    return view


def _like(text: str, *, prefix: bool = False) -> str:
    escaped = (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    )
    return f"{escaped}%" if prefix else f"%{escaped}%"


def hold_lines(
    db: Session,
    *,
    session: TenantSession,
    request_id: int,
    filters: LineFilter = LineFilter(),
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> LinePage:
    """One page of the request's lines by 所属, 職員番号, 商品 (RK-8); an empty page when the
    request is not the session's contract's and group's."""
    scope = scope_of(db, session)
    if scope is None or scoped_request(db, session=session, request_id=request_id) is None:
        return LinePage(0, 1, 1, ())
    item = DeductionRequestItem
    query: Any = select(item).where(
        item.request_id == request_id, item.contract_id == scope.contract_id
    )
    if filters.staff_no.strip():
        query = query.where(
            col(item.staff_no).like(_like(filters.staff_no.strip(), prefix=True), escape="\\")
        )
    kana = normalise_kana(filters.name_kana).strip()
    if kana:
        query = query.where(col(item.name_kana).like(_like(kana), escape="\\"))
    if filters.department.strip():
        query = query.where(
            col(item.department).like(_like(filters.department.strip()), escape="\\")
        )
    query = query.where(*kanji_name_clauses(col(item.name_kanji), filters.name_kanji))
    if filters.errors_only:
        query = query.where(col(item.error_text).is_not(None))
    if filters.held_only:
        query = query.where(col(item.hold).is_(True))
    total = int(db.exec(select(func.count()).select_from(query.subquery())).one())
    size = max(1, page_size)
    pages = max(1, -(-total // size))
    page = max(1, min(page, pages))
    rows = db.exec(
        query.order_by(
            code_point(col(item.department)), code_point(col(item.staff_no)),
            code_point(col(item.product_code)), col(item.id),
        )
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    lines = tuple(
        HoldLine(
            id=r.id or 0,
            version=r.version,
            department=r.department,
            staff_no=r.staff_no,
            name_kana=r.name_kana,
            name_kanji=r.name_kanji,
            product_name=r.product_name,
            account_no=r.account_no,
            amount=r.amount,
            change_kind=r.change_kind,
            error_text=r.error_text,
            hold=r.hold,
            hold_reason=r.hold_reason,
            product_code=r.product_code,
        )
        for r in rows
    )
    return LinePage(total, page, pages, lines)


def _person(db: Session, contract_id: int, user_id: str | None) -> str | None:
    if not user_id:
        return None
    name = db.exec(
        select(User.user_name).where(User.contract_id == contract_id, User.user_id == user_id)
    ).first()
    return f"{user_id}（{name}）" if name else user_id


def remittance_form(
    db: Session, *, session: TenantSession, request_id: int, now: datetime
) -> RemittanceForm | None:
    """The まとめ入金依頼書's and 更新明細書(Web依頼済)'s figures of one request of the session's
    contract and group (A.6): totals, 入金日, 確定者・日時, and every 入金中止 line with its
    reason, amount, who set it and when. None when the request is not the session's."""
    view = scoped_request(db, session=session, request_id=request_id)
    scope = scope_of(db, session)
    if view is None or scope is None:
        return None
    contract = db.get(Contract, scope.contract_id)
    assert contract is not None
    item = DeductionRequestItem
    held = db.exec(
        select(item)
        .where(
            item.request_id == view.id,
            item.contract_id == scope.contract_id,
            col(item.hold).is_(True),
        )
        .order_by(code_point(col(item.department)), code_point(col(item.staff_no)),
                  code_point(col(item.product_code)), col(item.id))
    ).all()
    return RemittanceForm(
        contract_no=contract.contract_no,
        contract_name=contract.name,
        group_no=view.group_no,
        group_name=view.group_name,
        deduct_month=view.deduct_month,
        pay_kind_label=view.pay_kind_label,
        status_label=view.status_label,
        totals=view.totals,
        remittance_date=view.remittance_date,
        deadline=view.deadline,
        confirmed_by=_person(db, scope.contract_id, view.confirmed_by),
        confirmed_at=view.confirmed_at,
        printed_at=now,
        held=tuple(
            HeldLine(
                department=r.department,
                staff_no=r.staff_no,
                name_kana=r.name_kana,
                name_kanji=r.name_kanji,
                product_name=r.product_name,
                account_no=r.account_no,
                amount=r.amount,
                reason=r.hold_reason or "",
                updated_by=r.hold_updated_by or "",
                updated_at=r.hold_updated_at,
            )
            for r in held
        ),
    )


def form_pdf(
    db: Session,
    *,
    session: TenantSession,
    request_id: int,
    kind: FormKind,
    now: datetime,
    screen: str,
    ip: str | None = None,
) -> tuple[str, bytes] | None:
    """(file name, PDF) of the まとめ入金依頼書 or the 更新明細書(Web依頼済) of a request of the
    session's contract and group that is まとめ入金確定済 or later (RK-9, RK-10); None for
    any other request (not the session's, or still 依頼受信: nothing confirmed to print).
    The print is logged in the contract's chain on ``screen`` and committed (R-LOG-1)."""
    form = remittance_form(db, session=session, request_id=request_id, now=now)
    if form is None or form.confirmed_at is None:
        db.rollback()
        return None
    if kind == "request":
        title, data = forms.REQUEST_FORM_TITLE, forms.render_remittance_request(form)
    else:
        title, data = forms.STATEMENT_TITLE, forms.render_update_statement(form)
    oplog.user_success(
        db, contract_no=form.contract_no, at=now, actor=session.user_id,
        action=ACTION_REQUEST_FORM if kind == "request" else ACTION_STATEMENT, ip=ip,
        screen=screen, target=f"{form.group_no}:{form.deduct_month}:{form.pay_kind_label}",
        detail={"request_id": request_id, "held": form.totals.held_count,
                "remittance_amount": form.totals.remittance_amount},
    )
    db.commit()
    return forms.form_filename(title, form, now), data
