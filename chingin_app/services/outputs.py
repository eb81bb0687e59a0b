"""What every area's list, print and export builders share (労金控除 RK-4/5/6/7/11, 賃控元帳
RL-3/RL-9, 一斉積立 RS-2/RS-3, 財形 RZ-2/RZ-3): the delivered file's name, the print or export
entry in the contract's operation log (R-LOG-1 "export and print"), the prepared file bound to
the user who made it, and a CSV written chunk by chunk with progress (R-ENV-3, A.2).

The builders run in a worker thread (``state/outputs.run_output``) with their own database
session: they read, render, then log and commit once (``log_output``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlmodel import Session

from chingin_app.domain import dates, figures
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err
from chingin_app.reports import xlsx_writer
from chingin_app.reports.csv_writer import (
    DEFAULT_CHUNK_ROWS,
    ENCODING_CHOICES,
    CsvEncodingError,
    iter_csv,
)
from chingin_app.services import oplog
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.tenant import TenantSession

__all__ = [
    "EXPORT_FORMATS",
    "PAGE_SIZE",
    "XLSX",
    "LinePage",
    "Preview",
    "Progress",
    "csv_bytes",
    "export_bytes",
    "export_ext",
    "export_media_type",
    "file_name",
    "log_output",
    "page_of",
    "prepared",
]

#: ``on_progress(done, total)`` of a builder: the screen's progress bar.
Progress = Callable[[int, int], None]
#: The ``encoding`` value that asks an export for an Excel workbook instead of a CSV (its own
#: button 「Excel出力」, issue 14 item 5).
XLSX: Final = "xlsx"
#: What an export's ``encoding`` may be: a CSV 文字コード (R-ENV-3) or the workbook.
EXPORT_FORMATS: Final = frozenset({*ENCODING_CHOICES, XLSX})
#: Rows of an on-screen list per page.
PAGE_SIZE: Final = 50


@dataclass(frozen=True)
class LinePage:
    """One page of a list as the screen shows it (text cells by column key)."""

    rows: list[dict[str, str]]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Preview:
    """How many lines an output will hold, and their 依頼額 (件数確認 before making it)."""

    count: int
    amount: int
    #: Lines listed but counted apart (a request's 解約 lines, issue 14 item 2).
    ended: int = 0
    ended_amount: int = 0

    @property
    def figures(self) -> str:
        """「244件 6,447,900円（ほかに解約 2件 0円）」 (``domain.figures``)."""
        return figures.count_and_amount(self.count, self.amount, ended=self.ended,
                                        ended_yen=self.ended_amount)


def page_of(total: int, page: int, page_size: int) -> tuple[int, int]:
    """The page to show of ``total`` rows (``page`` kept inside 1 … pages) and the pages."""
    pages = max(1, -(-total // page_size))
    return max(1, min(pages, page)), pages


def file_name(
    title: str, *, contract_no: str, group_no: str, month: str | None = None,
    kind: str | None = None, clock: Clock, ext: str,
) -> str:
    """The delivered file's name (``domain.dates.output_file_name``, one pattern for every
    output): title, 契約番号, 入金グループ, the month as ``YYYYMM`` and the kind (月例 / 一時金 …)
    when the output has them, and the time it was made (Japan time), e.g.
    ``控除依頼リスト_12345678_001_202604_月例_20260420103000.pdf``."""
    return dates.output_file_name(title, contract_no=contract_no, group_no=group_no,
                                  month=month, kind=kind, made_at=clock.now(), ext=ext)


def log_output(
    db: Session, session: TenantSession, *, action: str, screen: str, target: str,
    clock: Clock, ip: str | None, detail: dict[str, Any],
) -> None:
    """The print or export in the contract's log chain, committed (R-LOG-1); the entry names
    what was output (``target``, ``detail``: the list, the count), never the file's contents."""
    oplog.user_success(
        db, contract_no=session.contract_no, at=clock.now(), actor=session.user_id,
        action=action, ip=ip, screen=screen, target=target, detail=detail,
    )
    db.commit()


def prepared(
    session: TenantSession, name: str, content: bytes, media_type: str
) -> PreparedFile:
    """The made file, bound to the session's contract and user (the tenant check at fetch)."""
    return PreparedFile(filename=name, content=content, media_type=media_type,
                        contract_no=session.contract_no, user_id=session.user_id)


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str,
    free_text_columns: Collection[int],
    total: int | None = None,
    on_progress: Progress | None = None,
) -> bytes | Err:
    """The CSV file (``reports/csv_writer.iter_csv``: header row, CRLF; ``encoding``
    ``utf-8-sig`` for UTF-8 with BOM, anything else CP932), written chunk by chunk, reporting
    the rows done of ``total`` after each chunk. A character the encoding cannot hold is Err
    E-OUT-CSV-CHAR naming its row and column: nothing is delivered."""
    out = bytearray()
    try:
        chunks = iter_csv(
            header, rows, encoding="utf-8-sig" if encoding == "utf-8-sig" else "cp932",
            free_text_columns=free_text_columns,
        )
        for index, chunk in enumerate(chunks):  # chunk 0 is the header row
            out += chunk
            if on_progress is not None and total is not None:
                on_progress(min(index * DEFAULT_CHUNK_ROWS, total), max(1, total))
    except CsvEncodingError as exc:
        return Err("E-OUT-CSV-CHAR", params={"row": exc.row, "column": exc.column,
                                             "char": exc.char})
    return bytes(out)


def export_ext(encoding: str) -> str:
    """The delivered file's extension for an export ``encoding`` (``xlsx`` or a CSV's)."""
    return "xlsx" if encoding == XLSX else "csv"


def export_media_type(encoding: str) -> str:
    """The delivered file's media type for an export ``encoding``."""
    return xlsx_writer.MEDIA_TYPE if encoding == XLSX else "text/csv"


def export_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str,
    free_text_columns: Collection[int],
    total: int | None = None,
    on_progress: Progress | None = None,
    number_columns: Collection[int] = (),
) -> bytes | Err:
    """An export's file from its header and rows: the CSV of ``csv_bytes`` or, for ``encoding``
    ``xlsx``, the same columns as an Excel workbook (``reports/xlsx_writer``: codes as text,
    amounts as numbers — also the bare-integer texts of ``number_columns`` —, free text
    neutralised as in the CSV). A character the file cannot hold
    is Err naming its row and column: nothing is delivered."""
    if encoding != XLSX:
        return csv_bytes(header, rows, encoding=encoding, free_text_columns=free_text_columns,
                         total=total, on_progress=on_progress)
    done = 0

    def counted() -> Iterable[Sequence[object]]:
        nonlocal done
        for row in rows:
            yield row
            done += 1
            if on_progress is not None and total is not None and done % DEFAULT_CHUNK_ROWS == 0:
                on_progress(min(done, total), max(1, total))

    try:
        return xlsx_writer.write_xlsx(header, counted(), free_text_columns=free_text_columns,
                                      number_columns=number_columns)
    except xlsx_writer.XlsxCharError as exc:
        return Err("E-OUT-XLSX-CHAR", params={"row": exc.row, "column": exc.column,
                                              "char": f"U+{ord(exc.char):04X}"})
