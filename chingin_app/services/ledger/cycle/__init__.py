"""賃控元帳's monthly cycle (SPEC §11 RL-CYCLE-1 … 4; rules in ``domain/ledger_cycle.py``): the
bank publishes the 賃控元帳控除依頼 beside the 労金控除 request and later loads its results;
the RL-5/6/7/12/13 outputs read it.

It rides on the 労金控除 cycle (``services/rokin/cycle``): the same keys (payment group, 控除年月,
支給区分), dates and 異動区分 rule, and its group and calendar lookups.

**Publishing** (``publishing``; RL-CYCLE-1): the lines are the group's active ledger details
(status 'active', 開始年月 ≤ 控除年月 ≤ 終了年月 or open-ended) with an amount of the kind —
月例額 for 月例, 一時金額 for 一時金 — one per employee × 種目, each with a snapshot of the
employee and the 種目 and its 異動区分 against the previous request of the group and kind
(``ledger_cycle.ledger_change_kinds``; lines that dropped out become 解約 lines of amount 0).
A second publish of a key is refused unless ``replace_existing`` and its results are not in
(E-CYCLE-EXISTS, E-CYCLE-CLOSED). ``chingin bank publish-request`` publishes it beside the
労金控除 request through ``services/cycle_publishing``.

**Results** (``results``; RL-CYCLE-2; README 「賃控元帳控除結果ファイル」): CSV, one row per
request line that is not 解約, 済 or 不能 with 不能理由; all or nothing, every problem by row
and column.

**Queries** (``queries``): the requests of the kept cycles (RL-CYCLE-4: the current one and
``CHINGIN_KEEP_CYCLES`` before it), their lines, results and the 相違リスト (RL-CYCLE-3), each
limited to the caller's contract. ``common`` holds what they share. Callers use the names
below.
"""

from __future__ import annotations

from chingin_app.services.ledger.cycle.common import (
    ACTION_LOAD_RESULTS,
    ACTION_PUBLISH,
    LedgerRequestView,
    LedgerResultsLoaded,
    PublishedLedgerRequest,
)
from chingin_app.services.ledger.cycle.publishing import (
    publish_ledger_groups,
    publish_ledger_request,
)
from chingin_app.services.ledger.cycle.queries import (
    count_ledger_lines,
    latest_bank_kana,
    ledger_lines,
    ledger_result_lines,
    list_ledger_requests,
    mismatch_lines,
    staff_no_digits,
)
from chingin_app.services.ledger.cycle.results import (
    LEDGER_RESULTS_HEADER,
    ledger_results_csv,
    load_ledger_results,
)

__all__ = [
    "ACTION_LOAD_RESULTS",
    "ACTION_PUBLISH",
    "LEDGER_RESULTS_HEADER",
    "LedgerRequestView",
    "LedgerResultsLoaded",
    "PublishedLedgerRequest",
    "count_ledger_lines",
    "latest_bank_kana",
    "ledger_lines",
    "ledger_result_lines",
    "ledger_results_csv",
    "list_ledger_requests",
    "load_ledger_results",
    "mismatch_lines",
    "publish_ledger_groups",
    "publish_ledger_request",
    "staff_no_digits",
]
