"""R-SEC-3: which certificate a tab token is bound to, the store's size from the environment,
and the upload path the gate guards being the one Reflex serves."""

from __future__ import annotations

import pytest
from reflex import constants

from chingin_app.domain.clock import MovableClock
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.tab_bindings import DatabaseTabBindings, binding_certificate
from chingin_app.settings import DEFAULT_BINDINGS_MAX, load_settings
from chingin_app.web.gate import UPLOAD_PATH


def test_r_sec_3_the_gate_guards_reflexs_upload_endpoint() -> None:
    """If Reflex moved its upload endpoint, the gate would guard a path nobody uses."""
    assert UPLOAD_PATH == "/" + str(constants.Endpoint.UPLOAD).strip("/")


@pytest.mark.parametrize(
    ("facts", "bound_to"),
    [
        (CertFacts("current", "tanaka01", "a1", "f" * 64), "f" * 64),
        # Not usable for signing in, but the bank's own: the tab stays with it (the login page
        # says why; a renewal happens in that tab).
        (CertFacts("expired", "tanaka01", "a1", "e" * 64), "e" * 64),
        (CertFacts("revoked", "tanaka01", "a1", "d" * 64), "d" * 64),
        (CertFacts("crl_fault", "tanaka01", "a1", "c" * 64), "c" * 64),
        # A certificate the bank never issued counts as none: it can neither claim a tab nor
        # fill the store.
        (CertFacts("foreign", "mallory", "b2", "b" * 64), None),
        (CertFacts("none"), None),
    ],
)
def test_r_sec_3_binding_certificate(facts: CertFacts, bound_to: str | None) -> None:
    assert binding_certificate(facts) == bound_to


def test_r_sec_3_store_size_comes_from_the_environment() -> None:
    assert load_settings({}).bindings_max == DEFAULT_BINDINGS_MAX
    assert load_settings({"CHINGIN_BINDINGS_MAX": "250"}).bindings_max == 250


def test_r_sec_3_a_store_without_room_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        DatabaseTabBindings(clock=MovableClock(), max_entries=0)
