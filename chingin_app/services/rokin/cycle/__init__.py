"""The monthly deduction cycle: the bank publishes a request, the organisation sets 入金中止 and
confirms the まとめ入金 (or undoes it until the deadline), the bank loads the results (SPEC §11
RK-4, RK-8, RK-9, RK-11, R-INFO-1; Appendix A.3, A.4, A.6; rules in
``domain/deduction_cycle.py``).

Bank side (operator commands, ``chingin bank …``; actor ``operator:NAME``, logged with
``oplog.operator_success`` and the 受付番号): ``publish_request``, ``load_results``.
Organisation side (screens; the state checks ``permissions.require`` first, the session gives
the tenant as in ``services/tenant.py``): ``set_hold``, ``clear_hold``, ``confirm``,
``undo_confirmation``. Queries for the lists and the information screen take the
``contract_id`` (and payment group) the caller resolved from its session: every query is
limited to that contract, so another contract's rows are never read.

Each changing function is one transaction: it checks everything first, writes, logs and
commits once; a refusal is rolled back and logged in its own transaction.

**Publishing** (``publish_request``): the lines are the group's details that are active
(status 'active', start month ≤ 控除年月 ≤ end month or open-ended): for 月例 those with a
monthly amount (and those with no amount at all, as error lines), for 一時金 those with a
bonus amount. Each line gets a snapshot of the employee and product, its 異動区分 against the
previous request of the same group and 支給区分 (``deduction_cycle.change_kinds``; details
that dropped out become 解約 lines of amount 0), its 明細エラー (bank kana the bank cannot
use, amount 0, account not 7 digits, loan with 残回数 0) and its 窓口扱い変更 (changes the
bank made at a branch counter — history rows by the actor ``bank`` — since the previous
request). Dates come from ``deduction_cycle.cycle_dates`` with the operator's closed days.
A second publish of the same (group, 控除年月, 支給区分) is refused unless ``replace`` and the
request is still 依頼受信; a replacement keeps the 入金中止 of lines whose detail is still
there.

**Results file** (``load_results``; README "控除結果ファイル"): CSV, CP932 (UTF-8 is read too),
CRLF, a header row ``RESULTS_HEADER``, one row per request line that is not 解約. All or
nothing: every problem is reported by row and column and nothing is stored unless the whole
file is right. Every line of each request named in the file must have exactly one result;
the request must be まとめ入金確定済.

The package's modules: ``publishing`` (the bank publishes), ``remittance`` (入金中止, 確定,
確定解除), ``results`` (the bank's results file), ``queries`` (lists and views), ``demo``;
``common`` holds the views and lookups they share. Callers use the names below.
"""

from __future__ import annotations

from chingin_app.services.rokin.cycle.common import (
    ACTION_CONFIRM,
    ACTION_HOLD,
    ACTION_HOLD_CLEAR,
    ACTION_LOAD_RESULTS,
    ACTION_PUBLISH,
    ACTION_UNDO,
    BANK_ACTOR,
    LineKind,
    PublishedRequest,
    RequestHead,
    RequestView,
    ResultKindFilter,
    ResultsLoaded,
    Schedule,
    ScheduleEntry,
)
from chingin_app.services.rokin.cycle.demo import (
    load_demo_history,
)
from chingin_app.services.rokin.cycle.publishing import (
    publish_request,
)
from chingin_app.services.rokin.cycle.queries import (
    count_request_lines,
    get_request,
    information_panel,
    latest_received,
    list_request_heads,
    list_requests,
    request_lines,
    result_lines,
    schedule,
)
from chingin_app.services.rokin.cycle.remittance import (
    clear_hold,
    confirm,
    set_hold,
    undo_confirmation,
)
from chingin_app.services.rokin.cycle.results import (
    RESULT_CODES,
    RESULTS_HEADER,
    load_results,
    results_csv,
)

__all__ = [
    "ACTION_CONFIRM",
    "ACTION_HOLD",
    "ACTION_HOLD_CLEAR",
    "ACTION_LOAD_RESULTS",
    "ACTION_PUBLISH",
    "ACTION_UNDO",
    "BANK_ACTOR",
    "RESULTS_HEADER",
    "RESULT_CODES",
    "LineKind",
    "PublishedRequest",
    "RequestHead",
    "RequestView",
    "ResultKindFilter",
    "ResultsLoaded",
    "Schedule",
    "ScheduleEntry",
    "clear_hold",
    "confirm",
    "count_request_lines",
    "get_request",
    "information_panel",
    "latest_received",
    "list_request_heads",
    "list_requests",
    "load_demo_history",
    "load_results",
    "publish_request",
    "request_lines",
    "result_lines",
    "results_csv",
    "schedule",
    "set_hold",
    "undo_confirmation",
]
