"""Issue 12, DESIGN §1 "Production and scale": "kana orders identical on SQLite and PostgreSQL
(`COLLATE "C"` in the queries: the database may have the default locale)."

A PostgreSQL database is created with a locale's collation (``ja_JP``/``en_US`` when the server
has them, else ICU ``ja-JP``), where a plain ``ORDER BY`` lists half-width kana, upper and
lower case and punctuation in another order than SQLite. RK-1 労金控除明細照会 sorted by カナ氏名
and by 所属 (SPEC §11 RK-1) must list the same rows in the same order there as on SQLite, and in
Python's (code-point) order.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from chingin_app.db import make_engine, migrate, session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.models import Contract
from chingin_app.services.rokin import detail_queries as rq
from chingin_app.services.rokin.detail_queries import DetailPage
from chingin_app.services.sessions import SessionInfo
from tests import factories
from tests.integration.conftest import PG_URL_TEMPLATE, _pg_admin

#: Names whose locale order differs from code-point order: a voiced mark (ﾞ, U+FF9E) sorts
#: after every kana by code point but weighs like カ→ガ in a locale.
KANA = ("ｶﾅﾀ ｼﾞﾛｳ", "ｶﾞﾄｳ ﾀﾛｳ", "ｶﾄｳ ﾊﾅｺ", "ｷﾀ ｻﾌﾞﾛｳ", "ｱﾍﾞ ｼﾛｳ", "ﾊﾞﾊﾞ ｺﾞﾛｳ",
        "ﾊﾏﾀﾞ ﾛｸﾛｳ", "ｶﾄｳ ﾊﾅｺ")
#: Upper before lower case and the hyphen counted: code-point order, not a locale's.
DEPARTMENTS = ("b課", "B課", "A-2係", "A1係", "総務部", "営業部", "ｴｲｷﾞｮｳ", "Ａ部")

_C_LIKE = {"C", "POSIX", "C.utf8", "C.UTF-8", "ucs_basic"}


def _locale_clause(admin: object) -> str:
    """How to create a database whose default collation is a real locale's, on this server."""
    execute = admin.execute  # type: ignore[attr-defined]
    libc = [row[0] for row in execute(
        "SELECT collcollate FROM pg_collation WHERE collprovider = 'c' AND collencoding IN (-1, 6)"
    ).fetchall() if row[0] not in _C_LIKE]
    for wanted in ("ja_JP", "en_US"):
        for name in libc:
            if name.startswith(wanted):
                return f"LC_COLLATE '{name}' LC_CTYPE '{name}'"
    if libc:
        return f"LC_COLLATE '{libc[0]}' LC_CTYPE '{libc[0]}'"
    version = int(execute("SHOW server_version_num").fetchone()[0])
    icu = {row[0] for row in execute(
        "SELECT collname FROM pg_collation WHERE collprovider = 'i'").fetchall()}
    if version >= 150000 and icu:
        base = execute("SELECT datcollate FROM pg_database WHERE datname = 'template0'")
        locale = "ja-JP" if "ja-JP-x-icu" in icu else "und"
        return (f"LOCALE_PROVIDER icu ICU_LOCALE '{locale}' "
                f"LOCALE '{base.fetchone()[0]}'")
    pytest.fail(
        "This PostgreSQL server offers no collation but C (no libc locale in pg_collation, no "
        "ICU): install a locale (e.g. locales-all) or a server built with ICU.", pytrace=False)


@pytest.fixture(scope="module")
def locale_db_url() -> Iterator[str]:
    """A migrated PostgreSQL database with a locale's default collation, dropped afterwards."""
    name = f"chingin_test_locale_{secrets.token_hex(6)}"
    with _pg_admin() as admin:
        admin.execute(
            f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
            f"{_locale_clause(admin)}"
        )
    try:
        url = PG_URL_TEMPLATE.format(name=name)
        migrate(url)
        yield url
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _info(contract: Contract) -> SessionInfo:
    return SessionInfo(
        user_id="master01", user_name="テスト　太郎", role="master",
        contract_no=contract.contract_no, contract_name=contract.name, contract_kind="member",
        group_no="001", group_name=None, groups=(("001", "本社"),),
        must_change_password=False, expires_at=factories.NOW + timedelta(hours=12),
        idle_deadline=factories.NOW + timedelta(hours=1),
    )


def _sorted_lists(url: str) -> dict[str, list[str]]:
    """The same organisation on the database at ``url``, listed by RK-1 in each order."""
    engine = make_engine(url)
    try:
        with session_scope(bind=engine) as db:
            contract = factories.make_contract(db, groups=(("001", "本社"),))
            product = factories.make_rokin_product(db, contract)
            for n, (kana, department) in enumerate(zip(KANA, DEPARTMENTS, strict=True)):
                employee = factories.make_employee(
                    db, contract, staff_no=f"{n + 1:06d}", name_kana=kana,
                    department=department, commit=False,
                )
                factories.make_deduction_detail(db, employee, product, commit=False)
            db.commit()
            return _lists(db, contract) | {"plain": _plain_order(db, contract)}
    finally:
        engine.dispose()


def _lists(db: Session, contract: Contract) -> dict[str, list[str]]:
    def listed(sort: str, descending: bool, field: str) -> list[str]:
        found = rq.search(db, session=_info(contract), clock=MovableClock(), sort=sort,
                          descending=descending)
        assert isinstance(found, DetailPage), found
        return [getattr(row, field) for row in found.rows]

    return {
        "kana": listed("name_kana", False, "name_kana"),
        "kana_desc": listed("name_kana", True, "name_kana"),
        "department": listed("department", False, "department"),
        "staff_by_kana": listed("name_kana", False, "staff_no"),
    }


def _plain_order(db: Session, contract: Contract) -> list[str]:
    """The カナ order the database gives without ``COLLATE "C"`` (its default collation)."""
    rows = db.execute(
        text("SELECT name_kana FROM employees WHERE contract_id = :c ORDER BY name_kana"),
        {"c": contract.id},
    )
    return [row[0] for row in rows]


def test_kana_and_department_orders_identical_on_sqlite_and_a_localised_postgresql(
    locale_db_url: str, tmp_path: Path
) -> None:
    """RK-1 sorted by カナ氏名 (both ways) and by 所属 lists the same rows in the same order on
    SQLite and on a PostgreSQL database whose default collation is a locale's — code-point
    order, as Python sorts — although that database's own ORDER BY differs."""
    sqlite_url = f"sqlite:///{tmp_path / 'chingin.db'}"
    migrate(sqlite_url)
    on_sqlite = _sorted_lists(sqlite_url)
    on_postgresql = _sorted_lists(locale_db_url)

    # The PostgreSQL database really orders text its own way (otherwise this test proves
    # nothing), while SQLite's plain order is already code-point order.
    assert on_postgresql.pop("plain") != sorted(KANA)
    assert on_sqlite.pop("plain") == sorted(KANA)

    assert on_postgresql == on_sqlite
    assert on_sqlite["kana"] == sorted(KANA)
    assert on_sqlite["kana_desc"] == sorted(KANA, reverse=True)
    assert on_sqlite["department"] == sorted(DEPARTMENTS)
