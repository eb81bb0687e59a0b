"""R-LOG-1: 操作ログ照会 and its CSV name every action in Japanese; an action a service writes
without a name would show its internal code."""

from __future__ import annotations

import re
from pathlib import Path

from chingin_app.services.oplog_query import action_labels

SERVICES = Path(__file__).resolve().parents[2] / "chingin_app" / "services"
WRITTEN = re.compile(r'ACTION_[A-Z_]+: Final = "([a-z_.]+)"|action="([a-z_.]+)"')


def test_r_log_1_every_written_action_has_a_japanese_name() -> None:
    written = {
        a or b
        for path in SERVICES.rglob("*.py")  # packages too (services/rokin/cycle/)
        for a, b in WRITTEN.findall(path.read_text(encoding="utf-8"))
    }
    assert len(written) > 40  # the scan found the services' actions
    labels = action_labels()
    assert sorted(written - labels.keys()) == []
    assert all(re.search(r"[ぁ-んァ-ン一-龥]", labels[a]) for a in written)
