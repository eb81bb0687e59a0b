"""RL-8 賃控元帳明細一括更新 (SPEC §11): choose a 種目, type the new 月例額 and/or 一時金額,
確認 shows every active detail of the 種目 in the session's group with current and new amounts
(paged), 適用 (after a confirmation dialog) writes them with the versions the preview read.

The preview stays server-side (backend-only ``_preview``): 適用 never takes ids, versions or
amounts from the client. 確認 changes nothing (「閲覧」), 適用 needs 「更新」 (R-USER-7)."""

from __future__ import annotations

from typing import Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.services.context import app_clock, test_delay
from chingin_app.services.ledger import bulk as ledger_bulk
from chingin_app.services.ledger import items as ledger_items
from chingin_app.services.ledger.bulk import BulkLine, BulkPreview
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.ledger.view import item_options
from chingin_app.state.paging import PagingMixin
from chingin_app.state.previewed_apply import apply_previewed
from chingin_app.state.session import SessionState

MENU: Final = "ledger.bulk_update"
PAGE_SIZE: Final = 50
#: The preview's 変更 column: whether the line's amounts change.
CHANGE_LABELS: Final = {True: "変更", False: "変更なし"}


def _amount(before: int, after: int) -> str:
    return f"{before:,}" if before == after else f"{before:,} → {after:,}"


def _line_row(line: BulkLine) -> dict[str, str]:
    return {
        "staff_no": line.staff_no, "name_kana": line.name_kana,
        "department": line.department,
        "monthly_amount": _amount(line.monthly_amount, line.new_monthly),
        "bonus_amount": _amount(line.bonus_amount, line.new_bonus),
        "change": CHANGE_LABELS[line.changed],
    }


def _apply(info: SessionInfo, previewed: BulkPreview, ip: str | None) -> Ok[int] | Err:
    """The apply in one transaction, off the event loop (see ``LedgerBulkState.apply``)."""
    with session_scope() as db:
        test_delay("ledger_bulk_apply")
        return ledger_bulk.apply(db, session=info, clock=app_clock(), preview=previewed, ip=ip)


class LedgerBulkState(PagingMixin, FormMixin, MenuAccessMixin, SessionState):
    """The 種目 choices, the amounts as typed, the preview's counts and visible page."""

    items: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    item_code: str = ""
    monthly_text: str = ""
    bonus_text: str = ""
    shown: bool = False
    preview_title: str = ""
    changed_count: int = 0
    unchanged_count: int = 0
    notice: str = ""
    _preview: BulkPreview | None = None

    def _forget_preview(self) -> None:
        self.shown = False
        self.preview_title = ""
        self.changed_count = self.unchanged_count = 0
        self._preview = None
        self.page = 1
        self._show_page(total=0, page=1, pages=1, rows=[])

    def _show_lines(self) -> None:
        lines = self._preview.lines if self._preview is not None else ()
        pages = max(1, -(-len(lines) // PAGE_SIZE))
        page = max(1, min(self.page, pages))
        start = (page - 1) * PAGE_SIZE
        self._show_page(total=len(lines), page=page, pages=pages,
                        rows=[_line_row(x) for x in lines[start:start + PAGE_SIZE]])

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen: the contract's 種目, nothing previewed."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._note_change_right(info, MENU)
        self._clear_messages()
        self.notice = ""
        self.item_code = self.monthly_text = self.bonus_text = ""
        self._forget_preview()
        with session_scope(read_only=True) as db:
            self.items = item_options(ledger_items.list_items(db, session=info))
        return None

    @rx.event
    def preview(self, form: dict[str, str]) -> EventSpec | None:
        """確認: the details of the 種目 with their new amounts (changes nothing)."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        self._forget_preview()
        self.item_code = text(form, "item_code").strip()[:4]
        self.monthly_text = text(form, "monthly_amount").strip()[:20]
        self.bonus_text = text(form, "bonus_amount").strip()[:20]
        with session_scope(read_only=True) as db:
            result = ledger_bulk.preview(db, session=info, clock=app_clock(),
                                         item_code=self.item_code,
                                         monthly_amount=self.monthly_text,
                                         bonus_amount=self.bonus_text)
        if not isinstance(result, Ok):
            self._show_refusal(result)
            return None
        found = result.value
        self._preview = found
        self.shown = True
        self.preview_title = f"{found.item_code} {found.item_name}"
        self.changed_count, self.unchanged_count = found.changed, found.unchanged
        self._show_lines()
        return None

    @rx.event(background=True)
    async def apply(self) -> EventSpec | None:
        """適用 → はい: the previewed changes, with the versions the preview read.

        A background event (R-DEP-4): a 種目 held by thousands of employees can outlast
        Reflex's 10 s state lock. The state is locked only to check the right and take the
        preview (so a second はい applies nothing twice), and again to show the result."""
        return await apply_previewed(self, MENU, _apply, self._show_applied)

    def _show_applied(self, previewed: BulkPreview, result: Ok[int] | Err) -> None:
        if isinstance(result, Ok):
            self.notice = message("I-RL-BULK-DONE", item_code=previewed.item_code,
                                  item_name=previewed.item_name, count=f"{result.value:,}")
        else:
            self._show_refusal(result)

    @rx.event
    def cancel_preview(self) -> EventSpec | None:
        """やり直す: forget the preview."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._forget_preview()
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(MENU, "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._show_lines()


__all__ = ["MENU", "LedgerBulkState"]
