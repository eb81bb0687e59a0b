"""Expected business outcomes as values (STYLE §2): a service returns Ok or Err; bugs raise."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Ok(Generic[T]):
    """Success with a value."""

    value: T


@dataclass(frozen=True)
class Err:
    """An expected refusal: a message code (domain/messages.py), the field it belongs to, and
    the parameters the message text needs."""

    code: str
    field: str | None = None
    params: dict[str, Any] = dc_field(default_factory=dict)


Result = Ok[T] | Err


@dataclass(frozen=True)
class Invalid:
    """A form refused field by field: every field error at once, so the screen can show each
    message at its field (SPEC §3). Nothing was saved."""

    errors: tuple[Err, ...]

    def by_field(self) -> dict[str, Err]:
        """The first error of each field (errors without a field are keyed by '')."""
        out: dict[str, Err] = {}
        for err in self.errors:
            out.setdefault(err.field or "", err)
        return out
