"""Field errors and the alert callout for a screen's form (SPEC §3: Japanese message at the
field, nothing changed). A mixin, so every screen keeps its own errors."""

from __future__ import annotations

from typing import Any, TypeGuard

import reflex as rx

from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok

FORM_REFUSED = (
    "入力内容に誤りがあります。各項目のメッセージをご確認ください。何も登録していません。"
)


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
