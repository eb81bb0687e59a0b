"""Field errors and the alert callout for a screen's form (SPEC §3: Japanese message at the
field, nothing changed). A mixin, so every screen keeps its own errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Final, TypeGuard

import reflex as rx

from chingin_app.domain.clock import JST
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok

#: The callout of a form refused field by field.
FORM_REFUSED: Final = message("E-FORM-REFUSED")
#: The period fields of the search forms: (field name, label).
PERIOD_LABELS: Final = (("period_from", "期間（開始）"), ("period_to", "期間（終了）"))


def _day(text: str, label: str) -> date | str | None:
    """A JST day from a search form; '' is no bound; a message when malformed."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return message("E-PERIOD-FORMAT", label=label)




def text(form: object, name: str) -> str:
    """A form field as typed (a crafted frame may send anything but a dict of strings)."""
    if not isinstance(form, dict):
        return ""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


class FormMixin(rx.State, mixin=True):
    """`errors` by field name, `alert_text` for the callout, `busy` while a submit runs."""

    errors: dict[str, str] = {}  # noqa: RUF012 (Reflex copies var defaults per client)
    alert_text: str = ""
    busy: bool = False

    def _clear_messages(self) -> None:
        """Forget the last refusal (a new visit or a new submit)."""
        self.errors = {}
        self.alert_text = ""

    def _show_refusal(self, refusal: Err | Invalid) -> None:
        """Show a service's refusal: every field error at its field, one callout."""
        if isinstance(refusal, Invalid):
            self.errors = {
                field: message(err.code, **err.params) for field, err in refusal.by_field().items()
            }
            self.alert_text = self.errors.pop("", "") or FORM_REFUSED
            return
        text = message(refusal.code, **refusal.params)
        self.errors = {refusal.field: text} if refusal.field else {}
        self.alert_text = text

    def _period(
        self, start_text: str, end_text: str
    ) -> tuple[datetime | None, datetime | None] | None:
        """The search period [start day 0:00, the day after the end day 0:00) JST from the
        ``period_from`` / ``period_to`` fields ('' is open); None, with the message at the
        field, when a day is malformed."""
        (from_field, from_label), (to_field, to_label) = PERIOD_LABELS
        start, end = _day(start_text, from_label), _day(end_text, to_label)
        errors = {k: v for k, v in ((from_field, start), (to_field, end)) if isinstance(v, str)}
        if errors:
            self.errors = errors
            self.alert_text = next(iter(errors.values()))
            return None
        assert not isinstance(start, str) and not isinstance(end, str)
        begin = datetime(start.year, start.month, start.day, tzinfo=JST) if start else None
        stop = (datetime(end.year, end.month, end.day, tzinfo=JST) + timedelta(days=1)
                if end else None)
        return begin, stop

    def _start_busy(self) -> None:
        """A submit begins: forget the last refusal, disable the button until it ends."""
        self._clear_messages()
        self.busy = True

    def _settle(self, result: Ok[Any] | Err | Invalid) -> TypeGuard[Ok[Any]]:
        """The submit ended: enable the button; show a refusal and return False, or True."""
        self.busy = False
        if isinstance(result, Err | Invalid):
            self._show_refusal(result)
            return False
        return True
