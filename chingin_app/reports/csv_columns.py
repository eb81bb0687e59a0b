"""The column model every area's CSV exports share (労金控除 RK-5/RK-7, 賃控元帳 RL-6/RL-13; A.2):
a ``CsvColumn`` is a header and how a line fills it, and whether it is free text (所属, 氏名,
種目名 …: the writer neutralises those against formula injection, the reader undoes it).

Codes are written as text and amounts as bare integers by ``reports/csv_writer``; each area's
module declares its columns (``reports/rokin_csv``, ``reports/ledger_cycle_lists``). No
database and no Reflex here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CsvColumn", "free_text_indexes", "header", "rows"]


@dataclass(frozen=True)
class CsvColumn:
    """One exported column: its header and how a line fills it."""

    header: str
    value: Callable[[Any], object]
    free_text: bool = False


def header(columns: Iterable[CsvColumn]) -> list[str]:
    """The header row."""
    return [c.header for c in columns]


def free_text_indexes(columns: Iterable[CsvColumn]) -> tuple[int, ...]:
    """0-based indexes of the columns the writer neutralises and the reader un-neutralises."""
    return tuple(i for i, c in enumerate(columns) if c.free_text)


def rows(columns: Sequence[CsvColumn], lines: Iterable[Any]) -> Iterator[list[object]]:
    """One CSV row per line, lazily (100,000-row exports stream)."""
    for line in lines:
        yield [c.value(line) for c in columns]
