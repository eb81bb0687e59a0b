"""A 10,000-row 控除依頼リスト through the shared list writer vs a bare reportlab Table (issue 5
benchmarks; DESIGN §3 "PDF and fonts"; goal: at most 1.5× the baseline).

Both sides draw the same rows with the same font (IPAex Gothic TTF, embedded and subset) on
A4 landscape, in the same process, alternating:

- ``render_list``: A.6's 控除依頼リスト columns, header lines on every page, 「n / N ページ」,
  amounts formatted with thousands separators, 小計 per 所属 and the 合計 row, progress
  callback counting pages.
- baseline: ``SimpleDocTemplate`` + one ``Table`` (``repeatRows=1``, the same column widths,
  font, size and grid) built directly from the same rows (``str`` of each value) — what
  reportlab does with no list logic at all, letting platypus split the table across pages.

Run:

```sh
.venv/bin/python bench/list_pdf.py            # --rows 10000 --repeat 3
```

Needs no running service and writes no files.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportlab import Version as REPORTLAB_VERSION  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle  # noqa: E402

from chingin_app.reports.list_pdf import (  # noqa: E402
    Column,
    ListSpec,
    register_font,
    render_list,
)
from chingin_app.reports.pdf import FONT_NAME  # noqa: E402

# SPEC A.6 控除依頼リスト.
COLUMNS = [
    Column("控除年月", 14, align="center"),
    Column("支給区分", 11, align="center"),
    Column("入金G", 10, align="center"),
    Column("所属", 24),
    Column("職員番号", 14, align="center"),
    Column("カナ氏名", 30),
    Column("漢字氏名", 24),
    Column("店番", 8, align="center"),
    Column("商品", 18),
    Column("口座番号", 14, align="center"),
    Column("依頼額", 18, amount=True, total=True),
    Column("残回数", 10, amount=True),
    Column("異動区分", 11, align="center"),
    Column("控除日", 17, align="center"),
    Column("入金予定日", 17, align="center"),
]
KANA = ["ｷﾕｳﾖ ｲﾁﾛｳ", "ｻﾄｳ ﾊﾅｺ", "ｽｽﾞｷ ｼﾞﾛｳ", "ﾀｶﾊｼ ﾐﾅﾐ", "ﾀﾅｶ ｹﾝﾀ"]
KANJI = ["給与　一郎", "佐藤　花子", "鈴木　次郎", "高橋　南", "田中　健太"]
UNITS = ["総務部", "営業部第一課", "製造部", "情報システム部", "経理部"]
PRODUCTS = ["普通預金", "財形貯蓄", "定期積金", "カードローン"]
KINDS = ["", "新規", "変更", "解約"]


def _rows(count: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for n in range(count):
        rows.append(
            [
                "2025-04",
                "月例",
                "001",
                UNITS[n * len(UNITS) // count],  # sorted by 所属, as the list is
                f"{n:06d}",
                KANA[n % 5],
                KANJI[n % 5],
                f"{n % 300:03d}",
                PRODUCTS[n % 4],
                f"{1000000 + n:07d}",
                1000 * (n % 97 + 1),
                (n % 36) if n % 4 == 3 else None,
                KINDS[n % 4],
                date(2025, 4, 25),
                date(2025, 4, 28),
            ]
        )
    return rows


def _shared(rows: list[list[object]]) -> bytes:
    spec = ListSpec(
        title="控除依頼リスト",
        columns=COLUMNS,
        output_date=date(2025, 4, 10),
        header_lines=[
            "契約番号：12345678　契約名：ベンチマーク労働組合",
            "入金グループ：001 本社",
            "控除年月：2025年4月　支給区分：月例",
        ],
        orientation="landscape",
        group_by=3,
    )
    pages: list[int] = []
    return render_list(spec, rows, on_progress=lambda done, total: pages.append(done))


def _baseline(rows: list[list[object]]) -> bytes:
    widths = [column.width_mm * mm for column in COLUMNS]
    scale = min(1.0, (landscape(A4)[0] - 20 * mm) / sum(widths))
    data = [[column.title for column in COLUMNS]]
    data += [["" if value is None else str(value) for value in row] for row in rows]
    table = Table(data, colWidths=[w * scale for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LEADING", (0, 0), (-1, -1), 9.6),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
    )
    doc.build([table])
    return out.getvalue()


def _pages(data: bytes) -> int:
    return data.count(b"/Type /Page\n") or data.count(b"/Type /Page ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="60 rows, one run: checks that "
                        "the bench works (the test run does this); the figures mean nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.repeat = 60, 1

    register_font()
    rows = _rows(args.rows)
    _shared(rows[:200])  # warm-up: font tables, imports
    _baseline(rows[:200])

    shared_times: list[float] = []
    base_times: list[float] = []
    shared_pdf = base_pdf = b""
    for _ in range(args.repeat):
        started = time.perf_counter()
        shared_pdf = _shared(rows)
        shared_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        base_pdf = _baseline(rows)
        base_times.append(time.perf_counter() - started)

    load = os.getloadavg()
    print("chingin bench: 控除依頼リスト PDF through render_list vs a bare reportlab Table")
    if args.smoke:
        print("smoke run (--smoke): tiny sizes, one run; the figures below mean nothing")
    print(
        f"machine   : {platform.system()} {platform.release()}, {os.cpu_count()} cores, "
        f"load avg {load[0]:.2f}"
    )
    print(f"software  : Python {platform.python_version()}, reportlab {REPORTLAB_VERSION}")
    print(
        f"sizes     : {args.rows} rows x {len(COLUMNS)} columns, A4 landscape, "
        f"{args.repeat} runs each (alternating), median shown"
    )
    shared = statistics.median(shared_times)
    base = statistics.median(base_times)
    print(
        f"render_list : {shared:7.2f} s  ({len(shared_pdf) / 1e6:5.2f} MB, "
        f"{_pages(shared_pdf)} pages)  runs {', '.join(f'{t:.2f}' for t in shared_times)}"
    )
    print(
        f"baseline    : {base:7.2f} s  ({len(base_pdf) / 1e6:5.2f} MB, "
        f"{_pages(base_pdf)} pages)  runs {', '.join(f'{t:.2f}' for t in base_times)}"
    )
    ratio = shared / base
    verdict = "met" if ratio <= 1.5 else "MISSED"
    print(f"ratio render_list / baseline: {ratio:4.2f} (goal <= 1.50: {verdict})")
    # On a busy machine the fastest run of each side is the least disturbed one.
    fastest = min(shared_times) / min(base_times)
    print(f"ratio of the fastest runs     : {fastest:4.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
