"""R-DEP-6 "no password on a command line": pg_dump and pg_restore get the connection from
CHINGIN_DATABASE_URL through PG* variables and a temporary PGPASSFILE (0600), never argv."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from chingin_app.runtime import backup


def test_r_dep_6_password_only_in_a_private_pgpass_file_removed_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", "leaked")
    url = "postgresql+psycopg://chin%3Agin:p%40ss%3Aw%5Cd@db.internal:6543/chingin?sslmode=require"
    with backup._pg_environment(url) as env:
        passfile = Path(env["PGPASSFILE"])
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
        assert passfile.read_text(encoding="utf-8") == "*:*:*:chin\\:gin:p@ss\\:w\\\\d\n"
        assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"],
                env["PGSSLMODE"]) == ("db.internal", "6543", "chin:gin", "chingin", "require")
        assert "PGPASSWORD" not in env
        assert not any("p@ss" in value for name, value in env.items() if name != "PGPASSFILE")
    assert not passfile.exists() and not passfile.parent.exists()


def test_r_dep_6_without_a_password_the_pgpass_file_is_empty() -> None:
    with backup._pg_environment("postgresql://postgres@127.0.0.1/chingin") as env:
        assert Path(env["PGPASSFILE"]).read_text(encoding="utf-8") == ""
        assert env["PGUSER"] == "postgres" and env["PGHOST"] == "127.0.0.1"
