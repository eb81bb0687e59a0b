"""CSV export of 100,000 deduction detail rows through the shared writer vs ``csv.writer``
(issue 5 benchmarks; SPEC A.2, R-ENV-3; goal: at most 1.5× the baseline).

Both sides turn the same rows (職員番号, カナ氏名, 漢字氏名, 所属, 店番, 商品, 口座番号, 月例額,
一時金額, 開始年月, 終了年月, メモ — strings, ints and None, as a service query returns
them) into CP932 bytes with CRLF, in the same process, alternating:

- ``iter_csv`` (joined): the look-alike mapping, ¥ as 0x5C, the Windows bytes for the IBM
  duplicates (髙), unencodable characters located by row and column, formula cells neutralised
  in the free-text columns (漢字氏名, 所属, メモ), streamed in chunks.
- baseline: ``csv.writer`` into a ``StringIO`` with CRLF, then one ``encode("cp932")`` —
  what a CP932 CSV costs with none of those rules.

Some rows carry the cases the rules exist for (～, ①, ㈱, 髙, ¥, a leading ``=`` or ``-``), so
both sides meet them: a "typical" mix (1 row in 50) and a "heavy" one (1 in 5 / 1 in 4) — the
IBM duplicates and formula cells are the writer's per-hit work.

Run:

```sh
.venv/bin/python bench/csv_export.py          # --rows 100000 --repeat 7 --mix typical,heavy
```

Needs no running service and writes no files.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chingin_app.reports.csv_writer import iter_csv  # noqa: E402

HEADER = [
    "職員番号",
    "カナ氏名",
    "漢字氏名",
    "所属",
    "店番",
    "商品",
    "口座番号",
    "月例額",
    "一時金額",
    "開始年月",
    "終了年月",
    "メモ",
]
FREE_TEXT = (2, 3, 11)
KANA = ["ｷﾕｳﾖ ｲﾁﾛｳ", "ｻﾄｳ ﾊﾅｺ", "ｽｽﾞｷ ｼﾞﾛｳ", "ﾀｶﾊｼ ﾐﾅﾐ", "ﾀﾅｶ ｹﾝﾀ"]
KANJI = ["給与　一郎", "佐藤　花子", "鈴木　次郎", "高橋　南", "田中　健太"]
UNITS = ["総務部", "営業部第一課", "製造部", "㈱子会社出向", "経理部"]
PRODUCTS = ["普通預金", "財形貯蓄", "定期積金", "カードローン"]
MEMOS = ["", "", "", "①～③回目", "", "", "", "", "", "", "", "", "", "", "", ""]
#: How often the rule cases occur: "typical" — 1 row in 50 has 髙 (an IBM duplicate), ¥ or
#: a memo starting with "-" or "="; "heavy" — 1 row in 5 has 髙 and 1 in 4 such a memo.
MIXES = {"typical": (50, 50), "heavy": (5, 4)}
SPECIAL_MEMOS = ["¥1,000増額", "-", "=1+1", "-5000"]


def _rows(count: int, mix: str = "typical") -> list[list[object]]:
    kanji_every, memo_every = MIXES[mix]
    return [
        [
            f"{n:06d}",
            KANA[n % 5],
            "髙橋　南" if n % kanji_every == 3 else KANJI[n % 5],
            UNITS[n % 5],
            f"{n % 300:03d}",
            PRODUCTS[n % 4],
            f"{1000000 + n:07d}",
            1000 * (n % 97 + 1),
            (5000 * (n % 7)) or None,
            "2024-04",
            "",
            SPECIAL_MEMOS[n % 4] if n % memo_every == 1 else MEMOS[n % len(MEMOS)],
        ]
        for n in range(count)
    ]


def _shared(rows: list[list[object]]) -> bytes:
    return b"".join(iter_csv(HEADER, rows, free_text_columns=FREE_TEXT))


def _baseline(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    # ¥ has no CP932 byte in Python's codec; the baseline writes "?" (no rule at all).
    return buffer.getvalue().encode("cp932", errors="replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--mix", default="typical,heavy", help="typical, heavy or both")
    parser.add_argument("--smoke", action="store_true", help="300 rows, one run: checks that "
                        "the bench works (the test run does this); the figures mean nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.repeat = 300, 1

    load = os.getloadavg()
    print("chingin bench: CSV export (CP932, CRLF) through iter_csv vs csv.writer")
    if args.smoke:
        print("smoke run (--smoke): tiny sizes, one run; the figures below mean nothing")
    print(
        f"machine   : {platform.system()} {platform.release()}, {os.cpu_count()} cores, "
        f"load avg {load[0]:.2f}"
    )
    print(f"software  : Python {platform.python_version()}")
    print(
        f"sizes     : {args.rows} rows x {len(HEADER)} columns, {args.repeat} runs each "
        "(alternating), median shown"
    )
    for mix in args.mix.split(","):
        rows = _rows(args.rows, mix)
        _shared(rows[:1000])
        _baseline(rows[:1000])
        shared_times: list[float] = []
        base_times: list[float] = []
        shared = base = b""
        for _ in range(args.repeat):
            started = time.perf_counter()
            shared = _shared(rows)
            shared_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            base = _baseline(rows)
            base_times.append(time.perf_counter() - started)
        shared_s = statistics.median(shared_times)
        base_s = statistics.median(base_times)
        print(f"-- mix {mix}: {MIXES[mix]}")
        print(
            f"iter_csv    : {shared_s * 1000:8.1f} ms  ({len(shared) / 1e6:5.2f} MB)  "
            f"runs {', '.join(f'{t * 1000:.0f}' for t in shared_times)}"
        )
        print(
            f"csv.writer  : {base_s * 1000:8.1f} ms  ({len(base) / 1e6:5.2f} MB)  "
            f"runs {', '.join(f'{t * 1000:.0f}' for t in base_times)}"
        )
        ratio = shared_s / base_s
        verdict = "met" if ratio <= 1.5 else "MISSED"
        print(f"ratio iter_csv / csv.writer: {ratio:4.2f} (goal <= 1.50: {verdict})")
        # On a busy machine the fastest run of each side is the least disturbed one.
        fastest = min(shared_times) / min(base_times)
        print(f"ratio of the fastest runs     : {fastest:4.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
