"""The one shared long-list writer (DESIGN §3 "PDF and fonts", SPEC §11 outputs, A.6).

Every list the service prints (控除依頼リスト, 控除結果リスト, 控除不能リスト, カナ氏名不一致リスト,
賃控元帳, 財形 lists …) goes through ``render_list``: reportlab platypus, A4 portrait or
landscape, IPAex Gothic embedded as a subset (no other font in the file), and on every page the
list title, the caller's header lines (契約番号・契約名, 入金グループ, 控除年月・支給区分 …), the
output date and 「n / N ページ」. Amount columns are right-aligned with thousands separators;
totals rows (件数 and the sums of chosen columns) close each group and the list.

Why it lays out pages itself: every row is one line of a fixed height (cells are plain strings,
a text too wide for its column is drawn smaller, and only as a last resort cut with 「…」), so
the rows per page are known before drawing. Each page is then one ``Table`` of exactly one
page — no table is ever split (reportlab's split copies the remaining rows at every page break,
which grows with the square of the length), and N of 「n / N」 is known without a second pass.

Nothing here touches reportlab's module-wide defaults, so several lists can render at once in
worker threads (the UI shows ``on_progress``).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Table, TableStyle
from reportlab.platypus.doctemplate import BaseDocTemplate, PageTemplate
from reportlab.platypus.flowables import Flowable
from reportlab.platypus.frames import Frame

from chingin_app.domain import dates, figures
from chingin_app.reports.pdf import FONT_FILE, FONT_NAME

__all__ = [
    "Column",
    "ListSpec",
    "ProgressCallback",
    "format_cell",
    "register_font",
    "render_list",
]

Align = Literal["left", "center", "right"]
#: ``on_progress(done_rows, total_rows)``: data rows drawn so far, called once per page and
#: at the start (0) and the end (total).
ProgressCallback = Callable[[int, int], None]

_MARGIN: Final = 10 * mm
_HEAD_HEIGHT: Final = 24 * mm  # title and header lines above the table
_FOOT_HEIGHT: Final = 8 * mm  # 「n / N ページ」 below it
_TITLE_SIZE: Final = 14
_HEAD_SIZE: Final = 9
_MIN_CELL_SIZE: Final = 4.5  # smallest size a too-wide text is shrunk to before it is cut
_CELL_PADDING: Final = 2
_ELLIPSIS: Final = "…"
_HEADER_FILL: Final = colors.Color(0.88, 0.88, 0.88)
_TOTAL_FILL: Final = colors.Color(0.94, 0.94, 0.94)

_FONT_LOCK: Final = threading.Lock()


def register_font() -> None:
    """Register IPAex Gothic with reportlab once per process (the same TTF pdf.py uses)."""
    with _FONT_LOCK:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE)))


@dataclass(frozen=True)
class Column:
    """One column of a list: its title, width in millimetres, alignment, and whether it is an
    amount (thousands separators, right-aligned) or summed in the totals rows."""

    title: str
    width_mm: float
    align: Align = "left"
    amount: bool = False
    total: bool = False

    @property
    def alignment(self) -> Align:
        """Amounts are right-aligned whatever ``align`` says (SPEC §11 lists)."""
        return "right" if self.amount else self.align


@dataclass(frozen=True)
class ListSpec:
    """What a list is: its title, columns, the header lines every page repeats (契約番号・契約名,
    入金グループ, 控除年月・支給区分 … in the caller's words), the output date (from the
    injected clock, never the system's) and the page orientation.

    ``group_by`` (a column index) closes each run of equal values with a subtotal row;
    ``page_per_group`` starts each group on a new page and, with ``group_title``, adds
    「{group_title}：{value}」 to that page's header (a list over several 入金グループ).
    """

    title: str
    columns: Sequence[Column]
    output_date: date
    header_lines: Sequence[str] = ()
    orientation: Literal["portrait", "landscape"] = "portrait"
    font_size: float = 8.0
    group_by: int | None = None
    page_per_group: bool = False
    group_title: str | None = None
    subtotal_label: str = "小計"
    total_label: str = "合計"
    count_unit: str = "件"
    totals: bool = True
    #: Rows listed but counted apart (a request's 解約 lines, issue 14 item 2): left out of
    #: the 合計 count and named after it 「合計　244件（ほかに解約 2件）」; their amounts stay
    #: in the sums (0 in this month's columns, their last amount in a 前回 column).
    set_apart: Callable[[Sequence[object]], bool] | None = None

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError("a list needs at least one column")
        if self.columns[0].total:
            # The totals rows write their label (合計 n件) in the first column.
            raise ValueError("the first column holds the totals label and cannot be summed")
        if self.group_by is not None and not 0 <= self.group_by < len(self.columns):
            raise ValueError("group_by is not a column index")


def format_cell(value: object, *, amount: bool = False) -> str:
    """A value as a list shows it: amounts with thousands separators (``-1,234``), dates as
    ``2025/04/01``, None as empty, anything else as ``str``."""
    if value is None:
        return ""
    if amount and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime):
        return dates.datetime_label(value)
    if isinstance(value, date):
        return dates.date_label(value)
    return str(value)


@dataclass
class _Page:
    """One page's rows (text cells), their extra style commands and the data rows it ends at."""

    rows: list[list[str]] = field(default_factory=list)
    commands: list[tuple[Any, ...]] = field(default_factory=list)
    data_rows_done: int = 0
    group_line: str | None = None


class _Layout:
    """Cuts the rows into pages of fixed-height lines, adding subtotal and total rows."""

    def __init__(self, spec: ListSpec, widths: list[float], rows_per_page: int) -> None:
        self.spec = spec
        self.widths = widths
        self.rows_per_page = rows_per_page
        self.pages: list[_Page] = [_Page()]
        self.done = 0
        self.summed = [index for index, column in enumerate(spec.columns) if column.total]
        self.amounts = [column.amount for column in spec.columns]
        self.font_size = spec.font_size
        # A text shorter than this many characters fits whatever it is: no IPAex glyph is
        # wider than 1 em, so the costly width measurement is only for long texts.
        self.safe_chars = [
            int((width - 2 * _CELL_PADDING) // spec.font_size) for width in self.widths
        ]

    def _fit(self, text: str, column: int, row_on_page: int, page: _Page) -> str:
        if len(text) <= self.safe_chars[column]:
            return text
        room = self.widths[column] - 2 * _CELL_PADDING
        width = pdfmetrics.stringWidth(text, FONT_NAME, self.font_size)
        if width <= room:
            return text
        size = self.font_size * room / width
        if size >= _MIN_CELL_SIZE:
            cell = (column, row_on_page)
            page.commands.append(("FONTSIZE", cell, cell, size))
            return text
        # Still too wide at the smallest readable size: cut, and say so with 「…」.
        cell = (column, row_on_page)
        page.commands.append(("FONTSIZE", cell, cell, _MIN_CELL_SIZE))
        while text and pdfmetrics.stringWidth(text + _ELLIPSIS, FONT_NAME, _MIN_CELL_SIZE) > room:
            text = text[:-1]
        return text + _ELLIPSIS

    def _room(self) -> _Page:
        page = self.pages[-1]
        if len(page.rows) >= self.rows_per_page:
            page = _Page(group_line=page.group_line)
            self.pages.append(page)
        return page

    def new_page(self, group_line: str | None) -> None:
        """Start the next rows on a new page (``page_per_group``) unless this one is empty."""
        page = self.pages[-1]
        if page.rows:
            self.pages.append(_Page(group_line=group_line))
        else:
            page.group_line = group_line

    def add_data(self, values: Sequence[object]) -> None:
        page = self._room()
        row_on_page = len(page.rows) + 1  # row 0 is the column titles
        cells = [
            self._fit(format_cell(value, amount=self.amounts[index]), index, row_on_page, page)
            for index, value in enumerate(values)
        ]
        page.rows.append(cells)
        self.done += 1
        page.data_rows_done = self.done

    def add_total(self, label: str, count: int, sums: list[int], apart: int = 0) -> None:
        page = self._room()
        row_on_page = len(page.rows) + 1
        cells = [""] * len(self.widths)
        for index, total in zip(self.summed, sums, strict=True):
            cells[index] = f"{total:,}"
        # The label spans the columns before the first summed one (or the whole row).
        span_end = (self.summed[0] if self.summed else len(self.widths)) - 1
        cells[0] = f"{label}　{figures.count_only(count, ended=apart, unit=self.spec.count_unit)}"
        page.rows.append(cells)
        page.data_rows_done = self.done
        page.commands.append(("BACKGROUND", (0, row_on_page), (-1, row_on_page), _TOTAL_FILL))
        page.commands.append(("LINEABOVE", (0, row_on_page), (-1, row_on_page), 0.8, colors.black))
        if span_end > 0:
            page.commands.append(("SPAN", (0, row_on_page), (span_end, row_on_page)))
            page.commands.append(("ALIGN", (0, row_on_page), (0, row_on_page), "LEFT"))


def _sum_into(sums: list[int], values: Sequence[object], summed: list[int]) -> None:
    for position, index in enumerate(summed):
        value = values[index]
        if isinstance(value, int) and not isinstance(value, bool):
            sums[position] += value


def _layout(
    spec: ListSpec, rows: Iterable[Sequence[object]], widths: list[float], per_page: int
) -> _Layout:
    layout = _Layout(spec, widths, per_page)
    summed = layout.summed
    grand = [0] * len(summed)
    grand_count = 0
    group_sums = [0] * len(summed)
    group_count = 0
    group_apart = grand_apart = 0
    group_value: object = None
    started = False
    group = spec.group_by
    for values in rows:
        if len(values) != len(widths):
            raise ValueError(f"a row has {len(values)} cells for {len(widths)} columns")
        if group is not None:
            value = values[group]
            if not started or value != group_value:
                if started and spec.totals:
                    layout.add_total(spec.subtotal_label, group_count, group_sums, group_apart)
                if spec.page_per_group:
                    line = None
                    if spec.group_title:
                        line = f"{spec.group_title}：{format_cell(value)}"
                    layout.new_page(line)
                group_value = value
                group_sums = [0] * len(summed)
                group_count = group_apart = 0
        started = True
        layout.add_data(values)
        # Every row is summed (a 解約 line's 前回 amount belongs to the 前回 total, which then
        # equals the last statement's); only the count leaves the set-apart rows out.
        _sum_into(group_sums, values, summed)
        _sum_into(grand, values, summed)
        if spec.set_apart is not None and spec.set_apart(values):
            group_apart += 1
            grand_apart += 1
            continue
        group_count += 1
        grand_count += 1
    if spec.totals:
        if group is not None and started:
            layout.add_total(spec.subtotal_label, group_count, group_sums, group_apart)
        layout.add_total(spec.total_label, grand_count, grand, grand_apart)
    return layout


def _output_date(day: date) -> str:
    return f"出力日：{dates.date_label(day)}"


def render_list(
    spec: ListSpec,
    rows: Iterable[Sequence[object]],
    *,
    on_progress: ProgressCallback | None = None,
) -> bytes:
    """The list as an A4 PDF with IPAex Gothic embedded (SPEC §11 outputs, DESIGN §3).

    ``rows`` are the data rows in order, one value per column (ints for amounts; they are
    formatted here). ``on_progress(done_rows, total_rows)`` is called as pages are drawn, for
    a progress bar. Raises ValueError for a row with the wrong number of cells.
    """
    register_font()
    page_size = landscape(A4) if spec.orientation == "landscape" else A4
    page_width, page_height = page_size
    frame_width = page_width - 2 * _MARGIN
    frame_height = page_height - 2 * _MARGIN - _HEAD_HEIGHT - _FOOT_HEIGHT
    widths = [column.width_mm * mm for column in spec.columns]
    if sum(widths) > frame_width:
        # The caller's widths are proportions once they do not fit the page.
        scale = frame_width / sum(widths)
        widths = [width * scale for width in widths]
    row_height = spec.font_size * 1.6
    # A little slack so float rounding never makes a page's table one point too tall.
    per_page = int((frame_height - 1) // row_height) - 1
    if per_page < 1:
        raise ValueError("the font size leaves no room for rows")

    layout = _layout(spec, rows, widths, per_page)
    total_rows = layout.done
    page_count = len(layout.pages)
    if on_progress is not None:
        on_progress(0, total_rows)

    base_style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("FONTSIZE", (0, 0), (-1, -1), spec.font_size),
        ("LEADING", (0, 0), (-1, -1), spec.font_size * 1.2),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.Color(0.5, 0.5, 0.5)),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
    ]
    for index, column in enumerate(spec.columns):
        if column.alignment != "left":
            base_style.append(("ALIGN", (index, 1), (index, -1), column.alignment.upper()))
    titles = [column.title for column in spec.columns]
    header_fit = _Layout(spec, widths, per_page)
    title_page = _Page()
    title_cells = [header_fit._fit(title, i, 0, title_page) for i, title in enumerate(titles)]

    flowables: list[Flowable] = []
    for number, page in enumerate(layout.pages):
        table = Table(
            [title_cells, *page.rows],
            colWidths=widths,
            rowHeights=[row_height] * (len(page.rows) + 1),
            repeatRows=1,
            style=TableStyle(base_style + title_page.commands + page.commands),
            hAlign="LEFT",
        )
        flowables.append(table)
        if number + 1 < page_count:
            flowables.append(PageBreak())

    header_lines = list(spec.header_lines)
    dated = _output_date(spec.output_date)

    def draw_header(canvas: Canvas, doc: BaseDocTemplate) -> None:
        page = layout.pages[min(doc.page, page_count) - 1]
        top = page_height - _MARGIN
        canvas.saveState()
        canvas.setFont(FONT_NAME, _TITLE_SIZE)
        canvas.drawCentredString(page_width / 2, top - _TITLE_SIZE, spec.title)
        canvas.setFont(FONT_NAME, _HEAD_SIZE)
        canvas.drawRightString(page_width - _MARGIN, top - _TITLE_SIZE, dated)
        lines = header_lines + ([page.group_line] if page.group_line else [])
        y = top - _TITLE_SIZE - 6 - _HEAD_SIZE
        for line in lines[:4]:  # what fits in the head area
            canvas.drawString(_MARGIN, y, line)
            y -= _HEAD_SIZE * 1.4
        canvas.drawCentredString(page_width / 2, _MARGIN, f"{doc.page} / {page_count} ページ")
        canvas.restoreState()

    def after_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        if on_progress is not None:
            on_progress(layout.pages[min(doc.page, page_count) - 1].data_rows_done, total_rows)

    out = io.BytesIO()
    frame = Frame(
        _MARGIN,
        _MARGIN + _FOOT_HEIGHT,
        frame_width,
        frame_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="list",
    )
    doc = BaseDocTemplate(
        out,
        pagesize=page_size,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN + _HEAD_HEIGHT,
        bottomMargin=_MARGIN + _FOOT_HEIGHT,
        title=spec.title,
        author="chingin",
        creator="chingin",
        # The canvas starts in IPAex Gothic: reportlab's default initial font (Helvetica)
        # would otherwise be named in every page and land in the PDF as a non-embedded font.
        initialFontName=FONT_NAME,
    )
    doc.addPageTemplates(
        [PageTemplate(id="list", frames=[frame], onPage=draw_header, onPageEnd=after_page)]
    )
    doc.build(flowables)
    if on_progress is not None:
        on_progress(total_rows, total_rows)
    return out.getvalue()
