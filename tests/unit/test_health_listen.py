"""CHINGIN_HEALTH_LISTEN (SPEC R-DEP-8): /healthz is plain HTTP, so it listens on loopback
only."""

from __future__ import annotations

import pytest

from chingin_app.proxy.nginx import HealthListenError, parse_health_listen


@pytest.mark.parametrize(
    ("value", "listen"),
    [("127.0.0.1:8441", "127.0.0.1:8441"), ("127.0.0.2:9000", "127.0.0.2:9000"),
     ("[::1]:8441", "[::1]:8441")],
)
def test_r_dep_8_loopback_addresses_are_accepted(value: str, listen: str) -> None:
    assert parse_health_listen(value).listen == listen


@pytest.mark.parametrize(
    "value", ["0.0.0.0:8441", "10.0.0.5:8441", "[::]:8441", "localhost:8441", "127.0.0.1",
              "127.0.0.1:0", "127.0.0.1:http"],
)
def test_r_dep_8_anything_else_is_refused(value: str) -> None:
    with pytest.raises(HealthListenError):
        parse_health_listen(value)
