"""The kinds the tables store are the domain's enums, defined once (issue 10 "enums once"):
every CHECK constraint that lists a kind column's values lists exactly the enum's values, so a
value added on one side only fails here instead of at the database (SPEC A.4 支給区分・状態,
A.6 異動区分, RK-11 控除結果; RL-CYCLE-1/2 the ledger's request and results; RS-2 変更区分;
RZ-1 区分・前回との変更)."""

from __future__ import annotations

import re
from enum import StrEnum

import pytest
from sqlalchemy import CheckConstraint
from sqlmodel import SQLModel

from chingin_app.domain.deduction_cycle import CycleStatus, ResultKind
from chingin_app.domain.ledger_cycle import LedgerStatus
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.models import (
    BatchSavingsItem,
    DeductionRequest,
    DeductionRequestItem,
    DeductionResultItem,
    LedgerRequest,
    LedgerRequestItem,
    LedgerResultItem,
    ZaikeiDeposit,
    ZaikeiDepositItem,
)


def _allowed(model: type[SQLModel], column: str) -> set[str]:
    """The values the table's ``column IN (…)`` CHECK constraint allows."""
    for constraint in model.__table__.constraints:  # type: ignore[attr-defined]
        if isinstance(constraint, CheckConstraint):
            found = re.fullmatch(rf"{column} IN \((.*)\)", str(constraint.sqltext))
            if found is not None:
                return set(re.findall(r"'([^']*)'", found.group(1)))
    raise AssertionError(f"{model.__name__} has no CHECK constraint listing {column}")


@pytest.mark.parametrize(
    ("model", "column", "kind"),
    [
        (DeductionRequest, "pay_kind", PayKind),
        (DeductionRequest, "status", CycleStatus),
        (DeductionRequestItem, "change_kind", ChangeKind),
        (DeductionResultItem, "result", ResultKind),
        (LedgerRequest, "pay_kind", PayKind),
        (LedgerRequest, "status", LedgerStatus),
        (LedgerRequestItem, "change_kind", ChangeKind),
        (LedgerResultItem, "result", ResultKind),
        (BatchSavingsItem, "change_kind", ChangeKind),
        (ZaikeiDeposit, "pay_kind", PayKind),
        (ZaikeiDepositItem, "change_kind", ChangeKind),
    ],
)
def test_stored_values_are_the_domain_enums(
    model: type[SQLModel], column: str, kind: type[StrEnum]
) -> None:
    assert _allowed(model, column) == {k.value for k in kind}


def test_pay_kind_labels_read_back() -> None:
    """The bank's files name the 支給区分 by its label (A.6): each label reads back as its
    kind, anything else as None."""
    assert [PayKind.from_label(k.label) for k in PayKind] == list(PayKind)
    assert PayKind.from_label("monthly") is None
    assert PayKind.from_label("賞与") is None
