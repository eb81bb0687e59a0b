"""DESIGN §1 Downloads, SPEC §11 outputs: a generated file is fetched only by the user of the
contract who made it, for a few minutes, and the store stays bounded in bytes."""

from __future__ import annotations

import pytest

from chingin_app.services.prepared_files import PreparedFile, PreparedStore


def _file(size: int = 10) -> PreparedFile:
    return PreparedFile("控除依頼リスト.pdf", b"x" * size, "application/pdf", "12345678", "USER01")


def test_only_its_user_of_its_contract_gets_the_file() -> None:
    store = PreparedStore()
    ref = store.put(_file())
    assert len(ref) >= 22
    assert store.get(ref, contract_no="12345678", user_id="USER01") == _file()
    assert store.get(ref, contract_no="12345678", user_id="USER01") is not None  # not single use
    assert store.get(ref, contract_no="87654321", user_id="USER01") is None
    assert store.get(ref, contract_no="12345678", user_id="USER02") is None
    assert store.get("unknown", contract_no="12345678", user_id="USER01") is None


def test_files_expire() -> None:
    store = PreparedStore(keep=-1)
    ref = store.put(_file())
    assert store.get(ref, contract_no="12345678", user_id="USER01") is None


def test_store_is_bounded_oldest_first() -> None:
    store = PreparedStore(max_bytes=25)
    first = store.put(_file(10))
    second = store.put(_file(10))
    third = store.put(_file(10))  # 30 > 25: the first goes
    assert store.get(first, contract_no="12345678", user_id="USER01") is None
    assert store.get(second, contract_no="12345678", user_id="USER01") is not None
    assert store.get(third, contract_no="12345678", user_id="USER01") is not None
    with pytest.raises(ValueError):
        store.put(_file(26))
