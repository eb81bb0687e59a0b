"""R-LOG-1: 操作ログ照会 and its CSV name every action in Japanese; an action a service writes
without a name would show its internal code."""

from __future__ import annotations

import re
from pathlib import Path

from chingin_app.services.oplog_query import SYSTEM_ONLY_ACTIONS, action_label, action_labels

SERVICES = Path(__file__).resolve().parents[2] / "chingin_app" / "services"
WRITTEN = re.compile(r'ACTION_[A-Z_]+: Final = "([a-z_.]+)"|action="([a-z_.]+)"')


def test_r_log_1_every_written_action_has_a_japanese_name() -> None:
    written = {
        a or b
        for path in SERVICES.rglob("*.py")  # packages too (services/rokin/cycle/)
        for a, b in WRITTEN.findall(path.read_text(encoding="utf-8"))
    }
    assert len(written) > 40  # the scan found the services' actions
    assert sorted(a for a in written if action_label(a) == a) == []
    assert all(re.search(r"[ぁ-んァ-ン一-龥]", action_label(a)) for a in written)


def test_r_log_1_the_masters_filter_offers_only_what_a_contracts_log_can_hold() -> None:
    """R-LOG-1 (issue 13 item 6): the search's action choices are the contract's operations
    and the bank's actions on it — not operator sign-ins, job runs or the calendar, which are
    only ever written to the system chain."""
    choices = action_labels()
    assert "operator.signin" not in choices and "jobs.run" not in choices
    assert "オペレーターサインイン" not in choices.values()
    assert "定時処理実行" not in choices.values()
    assert not SYSTEM_ONLY_ACTIONS & choices.keys()
    # The bank's actions on a contract stay searchable (shown as by 「金庫」).
    assert {"contract.create", "rokin.request.publish", "user.unblock"} <= choices.keys()
    assert action_label("operator.signin") == "オペレーターサインイン"  # still named for the CLI


def test_r_log_1_system_only_actions_are_written_to_the_system_chain_only() -> None:
    """Each action named system-only is written by a module that logs to the system chain (the
    integration test of the master's search shows no such entry in a contract's log)."""
    for path in SERVICES.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = {a or b for a, b in WRITTEN.findall(text)} & SYSTEM_ONLY_ACTIONS
        if found:
            assert "SYSTEM_CHAIN" in text or "system_success" in text, (path, found)
