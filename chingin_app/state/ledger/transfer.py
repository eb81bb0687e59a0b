"""RL-9 賃控元帳明細データエクスポート and RL-10 賃控元帳明細データインポート (SPEC §11, A.2,
R-PLUS-5).

RL-9 makes the CSV in the background (state/outputs.py) and offers ダウンロード. RL-10 streams
the upload into memory (at most ``MAX_BYTES``, never a file on disk), previews it (新規 / 変更 /
解除 / 変更なし, 「変換」 cells, or every error by row and column) and applies it only on 適用 →
はい. The preview stays server-side (backend-only ``_preview``), so 適用 takes nothing from
the client; it needs 「更新」 (R-USER-7), reading the file only 「閲覧」."""

from __future__ import annotations

import asyncio
from typing import Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.reports.csv_reader import CONVERTED, ENCODING_LABELS
from chingin_app.reports.csv_writer import ENCODING_CHOICES
from chingin_app.services.context import app_clock, test_delay
from chingin_app.services.ledger import transfer as ledger_transfer
from chingin_app.services.ledger.transfer import (
    KIND_LABELS,
    MAX_BYTES,
    UNCHANGED,
    ImportLine,
    ImportPreview,
)
from chingin_app.services.outputs import XLSX
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin
from chingin_app.state.outputs import OutputMixin, run_output, service_build
from chingin_app.state.paging import PagingMixin
from chingin_app.state.previewed_apply import apply_previewed
from chingin_app.state.session import SessionState
from chingin_app.state.uploads import read_one_upload

EXPORT_MENU: Final = "ledger.detail_export"
IMPORT_MENU: Final = "ledger.detail_import"
UPLOAD_ID: Final = "ledger-csv"
PAGE_SIZE: Final = 50
#: The filter choices of the preview: (value, label).
KIND_CHOICES: Final[tuple[tuple[str, str], ...]] = (
    ("changes", "（新規・変更・解除）"), ("", "（すべての行）"), *KIND_LABELS.items(),
)


class LedgerExportState(OutputMixin, FormMixin, MenuAccessMixin, SessionState):
    """RL-9: the 文字コード chosen and the output."""

    encoding: str = "cp932"

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen."""
        info, redirect = self._menu_access(EXPORT_MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self.encoding = "cp932"
        self._reset_output()
        return None

    @rx.event
    def choose_encoding(self, encoding: str) -> EventSpec | None:
        """文字コード: CP932 (default) or UTF-8 with BOM (R-ENV-3)."""
        info, redirect = self._menu_access(EXPORT_MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        if not isinstance(encoding, str) or encoding not in ENCODING_CHOICES:
            self.alert_text = message("E-OUT-ENCODING")
            return None
        self.encoding = encoding
        self._reset_output()
        return None

    async def _make(self, *, excel: bool) -> EventSpec | None:
        async with self:
            if self.output_running:
                return None
            info, redirect = self._menu_access(EXPORT_MENU, "view")
            if info is None:
                return redirect
            self._clear_messages()
            encoding = XLSX if excel else self.encoding
            build = service_build(info, self._client_ip(), ledger_transfer.export_csv,
                                  encoding=encoding)
        await run_output(self, build, inline=False)
        return None

    @rx.event(background=True)
    async def make_output(self) -> EventSpec | None:
        """CSV出力: made in a worker thread with progress, then ダウンロード."""
        return await self._make(excel=False)

    @rx.event(background=True)
    async def make_excel(self) -> EventSpec | None:
        """Excel出力: the same columns as an .xlsx workbook (issue 14 item 5)."""
        return await self._make(excel=True)


def _values(values: tuple[int, int, str, str | None] | None) -> tuple[str, str, str, str]:
    if values is None:
        return "", "", "", ""
    monthly, bonus, start, end = values
    return f"{monthly:,}", f"{bonus:,}", dates.month_label(start), dates.month_label(end)


def _apply_import(
    info: SessionInfo, previewed: ImportPreview, ip: str | None
) -> Ok[dict[str, int]] | Err:
    """The apply in one transaction, off the event loop (see ``LedgerImportState.apply``)."""
    with session_scope() as db:
        test_delay("ledger_import_apply")
        return ledger_transfer.apply_import(db, session=info, clock=app_clock(),
                                            preview=previewed, ip=ip)


def _line_row(line: ImportLine) -> dict[str, str]:
    after = _values(line.after)
    before = _values(line.before) if line.before is not None else after
    shown = [b if b == a else (f"{b} → {a}" if line.before is not None else a)
             for b, a in zip(before, after, strict=True)]
    return {
        "row": str(line.row), "kind": line.kind, "kind_label": KIND_LABELS[line.kind],
        "detail_id": "" if line.detail_id is None else str(line.detail_id),
        "staff_no": line.staff_no, "name_kana": line.name_kana, "item": line.item,
        "monthly_amount": shown[0], "bonus_amount": shown[1], "start_month": shown[2],
        "end_month": shown[3],
    }


def _preview(info: SessionInfo, data: bytes) -> Ok[ImportPreview] | Invalid | Err:
    with session_scope(read_only=True) as db:
        return ledger_transfer.preview_import(db, session=info, clock=app_clock(), data=data)


class LedgerImportState(PagingMixin, FormMixin, MenuAccessMixin, SessionState):
    """RL-10: the file read, its counts, conversions and errors, and a page of its rows."""

    shown: bool = False
    file_name: str = ""
    read_note: str = ""
    new_count: int = 0
    changed_count: int = 0
    cancelled_count: int = 0
    unchanged_count: int = 0
    apply_count: int = 0
    kind_filter: str = "changes"
    notice: str = ""
    file_errors: list[str] = []  # noqa: RUF012 (Reflex copies var defaults per client)
    conversions: list[str] = []  # noqa: RUF012
    employee_notes: list[str] = []  # noqa: RUF012 (cells not applied: RK-12 changes them)
    _preview: ImportPreview | None = None

    def _forget_preview(self) -> None:
        self.shown = False
        self.file_name = self.read_note = ""
        self.new_count = self.changed_count = self.cancelled_count = 0
        self.unchanged_count = self.apply_count = 0
        self.kind_filter = "changes"
        self.file_errors = []
        self.conversions = []
        self.employee_notes = []
        self._preview = None
        self.page = 1
        self._show_page(total=0, page=1, pages=1, rows=[])

    def _show_lines(self) -> None:
        lines = self._preview.lines if self._preview is not None else ()
        wanted = [x for x in lines if not self.kind_filter or x.kind == self.kind_filter
                  or (self.kind_filter == "changes" and x.kind != UNCHANGED)]
        pages = max(1, -(-len(wanted) // PAGE_SIZE))
        page = max(1, min(self.page, pages))
        start = (page - 1) * PAGE_SIZE
        self._show_page(total=len(wanted), page=page, pages=pages,
                        rows=[_line_row(x) for x in wanted[start:start + PAGE_SIZE]])

    def _show_preview(self, found: ImportPreview, name: str) -> None:
        self._preview = found
        self.shown = True
        self.file_name = name
        self.read_note = message("I-RL-IMPORT-READ",
                                 encoding=ENCODING_LABELS.get(found.encoding, found.encoding),
                                 lines=f"{len(found.lines):,}")
        self.new_count, self.changed_count = found.count("new"), found.count("changed")
        self.cancelled_count, self.unchanged_count = (found.count("cancelled"),
                                                      found.count(UNCHANGED))
        self.apply_count = found.to_apply
        self.conversions = [
            message("I-CSV-CONVERTED", row=c.row, column=c.column, before=c.before,
                    after=c.after, label=CONVERTED)
            for c in found.conversions[:200]
        ]
        self.employee_notes = list(found.notes)
        self.page = 1
        self._show_lines()

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen: nothing read."""
        info, redirect = self._menu_access(IMPORT_MENU, "view")
        if info is None:
            return redirect
        self._note_change_right(info, IMPORT_MENU)
        self._clear_messages()
        self.notice = ""
        self._forget_preview()
        return None

    @rx.event(background=True)
    async def read_file(self, chunks: rx.UploadChunkIterator) -> EventSpec | None:
        """読込: read the chosen CSV in memory (at most MAX_BYTES) and preview it (R-PLUS-5)."""
        async with self:
            info, redirect = self._menu_access(IMPORT_MENU, "view")
            if info is None:
                return redirect
            self._clear_messages()
            self.notice = ""
            self._forget_preview()
            self.busy = True
        upload = await read_one_upload(chunks, MAX_BYTES)
        if upload is None:
            async with self:
                self.busy = False
                self.alert_text = message("E-RL-IMPORT-FILE")
            return None
        data, name = upload
        result = await asyncio.to_thread(_preview, info, data)
        async with self:
            self.busy = False
            self._take(result, name)
        return None

    def _take(self, result: Ok[ImportPreview] | Invalid | Err, name: str) -> None:
        if isinstance(result, Invalid):
            self.file_name = name
            self.file_errors = [message(e.code, **e.params) for e in result.errors]
            self.alert_text = message("E-RL-IMPORT-REFUSED")
        elif isinstance(result, Err):
            self.alert_text = message(result.code, **result.params)
        else:
            self._show_preview(result.value, name)

    @rx.event(background=True)
    async def apply(self) -> EventSpec | None:
        """適用 → はい: the previewed rows, with the versions the preview read.

        A background event (R-DEP-4): an import of many rows can outlast Reflex's 10 s state
        lock, which would discard the state's writes (the notice) and keep the tab waiting.
        The state is locked only to check the right and take the preview, and again to show
        the result; the preview is taken at once, so a second はい applies nothing twice."""
        return await apply_previewed(self, IMPORT_MENU, _apply_import, self._show_applied)

    def _show_applied(self, _previewed: object, result: Ok[dict[str, int]] | Err) -> None:
        if isinstance(result, Err):
            self.alert_text = message(result.code, **result.params)
            return
        done = result.value
        self.notice = message("I-RL-IMPORT-DONE", new=f"{done['new']:,}",
                              changed=f"{done['changed']:,}", cancelled=f"{done['cancelled']:,}")

    @rx.event
    def filter_kind(self, kind: str) -> EventSpec | None:
        """表示する行の区分で絞り込み."""
        info, redirect = self._menu_access(IMPORT_MENU, "view")
        if info is None:
            return redirect
        if kind not in {value for value, _ in KIND_CHOICES}:
            return None
        self.kind_filter, self.page = kind, 1
        self._show_lines()
        return None

    @rx.event
    def cancel_preview(self) -> EventSpec | None:
        """やり直す: forget the file read."""
        info, redirect = self._menu_access(IMPORT_MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._forget_preview()
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(IMPORT_MENU, "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._show_lines()
