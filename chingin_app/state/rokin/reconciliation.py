"""給与控除データ照合 (R-PLUS-1, R-PLUS-5): its own menu rokin.reconciliation (an output menu
since issue 13 item 5: a preview changes nothing; linked from まとめ入金確定). The upload
streams into memory (never a file on disk), at most ``MAX_BYTES``; the comparison is
``services/rokin/reconciliation.py``'s. Only the differences are kept, backend-only; the
visible page is in state."""

from __future__ import annotations

import asyncio
from typing import Any, Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain import dates, figures
from chingin_app.domain import reconciliation as rec
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.reports.csv_reader import ENCODING_LABELS
from chingin_app.services.context import app_clock
from chingin_app.services.rokin import reconciliation as rokin_reconciliation
from chingin_app.services.rokin.reconciliation import MAX_BYTES, ReconciliationView
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin
from chingin_app.state.paging import PagingMixin
from chingin_app.state.rokin.remittance import HOLD_LABEL
from chingin_app.state.session import SessionState
from chingin_app.state.uploads import read_one_upload

MENU: Final = "rokin.reconciliation"
UPLOAD_ID: Final = "payroll-csv"
PAGE_SIZE: Final = 50
#: The filter choices of the difference list: (value, label).
KIND_CHOICES: Final[tuple[tuple[str, str], ...]] = (
    ("", "（すべての差異）"),
    *((k.value, k.label) for k in rec.DiffKind),
)
LAYOUT_LABELS: Final = {
    "export": "労金控除依頼データ形式", "minimal": "職員番号・商品コード・口座番号・控除額",
    "named": "見出し名で読み取り（ほかの列は読み飛ばし）",
}


def diff_key(key: rec.LineKey) -> str:
    """A difference's line key as one text (「職員番号|商品コード|口座番号」): what the client
    sends back to name a difference (今月の控除's 「入金中止にする」)."""
    return f"{key.staff_no}|{key.product_code}|{key.account_no}"


def parse_diff_key(value: object) -> rec.LineKey | None:
    """``diff_key``'s text back to a key; None for anything else (a crafted frame)."""
    if not isinstance(value, str) or value.count("|") != 2 or len(value) > 60:
        return None
    staff_no, product_code, account_no = value.split("|")
    return rec.LineKey(staff_no, product_code, account_no)


def _diff_row(diff: rec.Difference) -> dict[str, str]:
    return {
        "key": diff_key(diff.key),
        # A difference with a request line not yet held can be held (給与データのみ cannot).
        "can_hold": "" if diff.hold or diff.kind is rec.DiffKind.EXTRA else "1",
        "kind": diff.kind.value,
        "kind_label": diff.kind.label,
        "staff_no": diff.key.staff_no,
        "name": diff.name,
        "department": diff.department,
        "product_code": diff.key.product_code,
        "account_no": diff.key.account_no,
        "requested": figures.amount(diff.requested),
        "payroll": figures.amount(diff.payroll),
        "gap": f"{diff.gap:+,}",
        "row": "" if diff.row is None else str(diff.row),
        "note": HOLD_LABEL if diff.hold else "",
    }


def _reconcile(
    info: SessionInfo, data: bytes, ip: str | None
) -> Ok[ReconciliationView] | Invalid | Err:
    with session_scope() as db:
        return rokin_reconciliation.reconcile(db, session=info, data=data, clock=app_clock(),
                                              ip=ip)


class ReconcileMixin(PagingMixin, mixin=True):
    """The 照合's result on a screen (給与控除データ照合, 今月の控除): the counts, the file's
    problems and a page of differences; ``_reconcile_upload`` reads the upload in memory and
    calls the service. The screen checks the menu first."""

    shown: bool = False
    file_name: str = ""
    read_note: str = ""
    # Why codes were padded before matching (Excel strips leading zeros; issue 14 item 5).
    zeros_note: str = ""
    matched: int = 0
    different: int = 0
    missing: int = 0
    extra: int = 0
    differences: int = 0
    kind_filter: str = ""
    file_errors: list[str] = []  # noqa: RUF012 (Reflex copies var defaults per client)
    _diffs: list[dict[str, str]] = []  # noqa: RUF012

    def _forget_result(self) -> None:
        self._clear_messages()  # type: ignore[attr-defined]
        self.shown = False
        self.file_name = self.read_note = self.kind_filter = self.zeros_note = ""
        self.matched = self.different = self.missing = self.extra = self.differences = 0
        self.file_errors = []
        self._diffs = []
        self.page = 1
        self._show_page(total=0, page=1, pages=1, rows=[])

    def _show_diffs(self) -> None:
        rows = [r for r in self._diffs if not self.kind_filter or r["kind"] == self.kind_filter]
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        page = max(1, min(self.page, pages))
        start = (page - 1) * PAGE_SIZE
        self._show_page(total=len(rows), page=page, pages=pages,
                        rows=rows[start:start + PAGE_SIZE])

    def _show_result(self, view: ReconciliationView, name: str) -> None:
        result = view.result
        self.shown = True
        self.file_name = name
        self.read_note = message(
            "I-RECON-READ", encoding=ENCODING_LABELS.get(view.encoding, view.encoding),
            layout=LAYOUT_LABELS.get(view.layout, view.layout), lines=f"{result.payroll_lines:,}",
            total=f"{result.payroll_total:,}",
        )
        example = view.zeros_example
        self.zeros_note = "" if not view.zeros_restored or example is None else message(
            "I-RECON-ZEROS", count=f"{view.zeros_restored:,}",
            columns=rec.column_names(view.zeros_columns), before=example[0], after=example[1],
        )
        self.matched, self.different = result.matched, result.different
        self.missing, self.extra = result.missing, result.extra
        self.differences = len(result.differences)
        self._diffs = [_diff_row(d) for d in result.differences]
        self.page = 1
        self._show_diffs()

    def _mark_held(self, key: str) -> None:
        """A difference's line was held here: say so in its row (no second 入金中止)."""
        for row in self._diffs:
            if row["key"] == key:
                row["note"], row["can_hold"] = HOLD_LABEL, ""
        self._show_diffs()

    async def _reconcile_upload(self, menu_key: str, chunks: Any) -> EventSpec | None:
        """照合: read the chosen CSV in memory (at most MAX_BYTES) and compare (R-PLUS-1)."""
        async with self:
            info, redirect = self._menu_access(menu_key, "view")  # type: ignore[attr-defined]
            if info is None:
                return redirect  # type: ignore[no-any-return]
            self._forget_result()
            self.busy = True  # type: ignore[attr-defined]
            ip = self._client_ip()  # type: ignore[attr-defined]
        upload = await read_one_upload(chunks, MAX_BYTES)
        if upload is None:
            async with self:
                self.busy = False  # type: ignore[attr-defined]
                self.alert_text = message("E-RECON-FILE")  # type: ignore[attr-defined]
            return None
        data, name = upload
        result = await asyncio.to_thread(_reconcile, info, data, ip)
        async with self:
            self.busy = False  # type: ignore[attr-defined]
            if isinstance(result, Invalid):
                self.file_errors = [message(e.code, **e.params) for e in result.errors]
                self.alert_text = message("E-RECON-FILE-REFUSED")  # type: ignore[attr-defined]
            elif isinstance(result, Err):
                self.alert_text = message(result.code, **result.params)  # type: ignore[attr-defined]
            else:
                self._show_result(result.value, name)
        return None

    def _filter(self, kind: str) -> None:
        if kind not in {value for value, _ in KIND_CHOICES}:
            return
        self.kind_filter, self.page = kind, 1
        self._show_diffs()


class RokinReconciliationState(ReconcileMixin, FormMixin, MenuAccessMixin, SessionState):
    """The request compared with, the counts, the file's problems and a page of differences."""

    request_text: str = ""
    has_request: bool = False

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen: the request an upload is compared with."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._forget_result()
        with session_scope(read_only=True) as db:
            found = rokin_reconciliation.current_request(db, session=info)
        if isinstance(found, Err):
            self.has_request, self.request_text = False, ""
            self.alert_text = message(found.code, **found.params)
            return None
        req = found.value
        self.has_request = True
        self.request_text = message(
            "I-RECON-REQUEST", group_no=req.group_no, group_name=req.group_name,
            month=dates.month_label(req.deduct_month), pay_kind=req.pay_kind_label,
            status=req.status, figures=req.figures,
        )
        return None

    @rx.event(background=True)
    async def reconcile(self, chunks: rx.UploadChunkIterator) -> EventSpec | None:
        """照合: read the chosen CSV in memory (at most MAX_BYTES) and compare (R-PLUS-1)."""
        return await self._reconcile_upload(MENU, chunks)

    @rx.event
    def filter_kind(self, kind: str) -> EventSpec | None:
        """差異の区分で絞り込み."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._filter(kind)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(MENU, "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._show_diffs()
