"""Password hashing with argon2id (SPEC R-SEC-1, R-LOCK-5, R-SEC-2).

Parameters (production): argon2id, time_cost=3, memory_cost=64 MiB, parallelism=1,
16-byte salt, 32-byte hash. That is RFC 9106's second recommended option (t=3, 64 MiB) with
one lane, because the target server has 2 cores and several logins may hash at once: one
hash or verify takes about 0.19 s on the development VM and at most 64 MiB per concurrent
check. The parameters are stored inside each hash, so raising them later only needs
``needs_rehash`` at the next successful login.

Unknown user IDs must cost the same as wrong passwords (R-LOCK-5): ``verify_secret(None, …)``
verifies against ``dummy_hash()``, a hash made with the active parameters, and returns False.

Tests may switch to a cheap profile (``use_test_profile()``, or ``CHINGIN_ARGON2_PROFILE=test``
together with ``CHINGIN_ENV=test``); the setting is refused in any other environment, so
production always hashes with the strong parameters.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError

__all__ = [
    "DUMMY_HASH",
    "PRODUCTION",
    "TEST",
    "Argon2Profile",
    "active_profile",
    "dummy_hash",
    "hash_secret",
    "needs_rehash",
    "use_production_profile",
    "use_test_profile",
    "verify_secret",
]


@dataclass(frozen=True)
class Argon2Profile:
    """One argon2id parameter set."""

    name: str
    time_cost: int
    memory_cost_kib: int
    parallelism: int
    hash_len: int = 32
    salt_len: int = 16

    def hasher(self) -> PasswordHasher:
        """A PasswordHasher for these parameters (argon2id)."""
        return PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_cost_kib,
            parallelism=self.parallelism,
            hash_len=self.hash_len,
            salt_len=self.salt_len,
            type=Type.ID,
        )


PRODUCTION: Final = Argon2Profile("production", time_cost=3, memory_cost_kib=65536, parallelism=1)
#: Only for tests: fast, and obviously not for real secrets.
TEST: Final = Argon2Profile("test", time_cost=1, memory_cost_kib=64, parallelism=1)

#: A production-parameter hash of a random secret that was thrown away (nobody knows it);
#: ``dummy_hash()`` returns it under the production profile.
DUMMY_HASH: Final = (
    "$argon2id$v=19$m=65536,t=3,p=1$oaP8qhZWXye7OOR9miJGpQ"
    "$qN0DZ6mN0U5yjT3CcpS8G6e5PdCYZxqYcDUlmK0LSwo"
)


class _State:
    profile: Argon2Profile = PRODUCTION
    hasher: PasswordHasher = PRODUCTION.hasher()
    dummy: str | None = DUMMY_HASH


def _select(profile: Argon2Profile) -> None:
    _State.profile = profile
    _State.hasher = profile.hasher()
    _State.dummy = DUMMY_HASH if profile == PRODUCTION else None


def use_test_profile() -> None:
    """Switch this process to the cheap test parameters (test suites only)."""
    _select(TEST)


def use_production_profile() -> None:
    """Switch back to the production parameters."""
    _select(PRODUCTION)


def active_profile() -> Argon2Profile:
    """The parameter set new hashes use."""
    return _State.profile


def _apply_environment(env: dict[str, str]) -> None:
    wanted = env.get("CHINGIN_ARGON2_PROFILE")
    if not wanted or wanted == "production":
        return
    if wanted != "test":
        raise RuntimeError(f"unknown CHINGIN_ARGON2_PROFILE {wanted!r}")
    if env.get("CHINGIN_ENV") != "test":
        raise RuntimeError("CHINGIN_ARGON2_PROFILE=test is only allowed with CHINGIN_ENV=test")
    use_test_profile()


_apply_environment(dict(os.environ))


def hash_secret(secret: str) -> str:
    """An argon2id hash of a password, initial password or temporary password (R-SEC-1)."""
    return _State.hasher.hash(secret)


def dummy_hash() -> str:
    """A hash with the active parameters whose secret nobody knows (equal work, R-LOCK-5)."""
    if _State.dummy is None:
        _State.dummy = _State.hasher.hash(secrets.token_urlsafe(24))
    return _State.dummy


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored_hash``.

    ``None`` (unknown user, no initial password registered) still runs one verify against
    ``dummy_hash()`` and returns False, so both answers take the same time (R-LOCK-5). A
    malformed stored hash is a bug and raises ``argon2.exceptions.InvalidHashError``.
    """
    target = dummy_hash() if stored_hash is None else stored_hash
    try:
        _State.hasher.verify(target, secret)
    except VerificationError:  # includes VerifyMismatchError
        return False
    return stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other parameters than the active ones."""
    return _State.hasher.check_needs_rehash(stored_hash)
