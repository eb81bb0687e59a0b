"""`chingin build --check` and `chingin migrate --check` (SPEC R-DEP-7: deploy/install repeats
a release step only when it is needed, so a second run changes nothing). They only look."""

from __future__ import annotations

from pathlib import Path

import pytest

from chingin_app.cli import main
from tests.integration.production_support import (
    fake_build,
    production_env,
    tree,
    use_env,
)


def test_r_dep_7_release_checks_look_and_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_env(monkeypatch, production_env(tmp_path))
    before = tree(tmp_path)
    assert main(["migrate", "--check"]) == 1
    assert "`chingin migrate`" in capsys.readouterr().err
    assert main(["build", "--check"]) == 1
    assert "`chingin build`" in capsys.readouterr().err
    assert tree(tmp_path) == before  # not even the SQLite file or the data dir

    assert main(["migrate"]) == 0
    fake_build()
    capsys.readouterr()
    assert main(["migrate", "--check"]) == 0
    assert main(["build", "--check"]) == 0
    assert capsys.readouterr().err == ""
