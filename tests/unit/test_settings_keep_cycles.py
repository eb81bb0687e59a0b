"""R-PLUS-8 (A.4): how many past cycles the lists keep is one setting, CHINGIN_KEEP_CYCLES
(default 3), read with the other settings; a value that is not a whole number of at least 1
stops the start instead of being silently replaced."""

from __future__ import annotations

import pytest

from chingin_app.settings import DEFAULT_KEEP_CYCLES, load_settings


def test_r_plus_8_keep_cycles_defaults_to_three() -> None:
    assert DEFAULT_KEEP_CYCLES == 3
    assert load_settings({}).keep_cycles == 3


def test_r_plus_8_keep_cycles_from_the_environment() -> None:
    assert load_settings({"CHINGIN_KEEP_CYCLES": "6"}).keep_cycles == 6


@pytest.mark.parametrize("value", ["0", "-1", "three", "2.5"])
def test_r_plus_8_keep_cycles_refuses_nonsense(value: str) -> None:
    with pytest.raises(ValueError, match="CHINGIN_KEEP_CYCLES"):
        load_settings({"CHINGIN_KEEP_CYCLES": value})
