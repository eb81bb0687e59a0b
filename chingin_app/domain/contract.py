"""A contract as the bank operator creates it (SPEC §1, R-OPS-1, R-OPS-5; DESIGN §2
``chingin contract create --number --name --kind --services --group --initial-password -``).

Parsing returns values or an ``Err`` whose code is in ``domain.messages`` (E-CONTRACT-…,
E-SERVICES-FORMAT, E-GROUP-…); nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from chingin_app.domain.result import Err
from chingin_app.domain.validation import check_fullwidth_text, normalise_fullwidth_text

__all__ = [
    "CONTRACT_NAME_MAX_LEN",
    "GROUP_NAME_MAX_LEN",
    "ContractKind",
    "PaymentGroupSpec",
    "Service",
    "check_contract_name",
    "check_services",
    "normalise_contract_name",
    "parse_groups",
    "parse_kind",
    "parse_services",
]

CONTRACT_NAME_MAX_LEN: Final = 40
GROUP_NAME_MAX_LEN: Final = 20


class ContractKind(StrEnum):
    """会員 (労金控除/賃控元帳/一斉積立 family) or 事業主 (財形) (SPEC §1)."""

    MEMBER = "member"
    EMPLOYER = "employer"

    @property
    def label(self) -> str:
        """The Japanese name shown on screens and in the お知らせ."""
        return _KIND_LABELS[self]


_KIND_LABELS: Final[dict[ContractKind, str]] = {
    ContractKind.MEMBER: "会員",
    ContractKind.EMPLOYER: "事業主",
}


class Service(StrEnum):
    """A contracted service (SPEC §1); values are the ``--services`` names (DESIGN §2)."""

    ROKIN = "rokin"
    LEDGER = "ledger"
    BATCH = "batch"
    ZAIKEI = "zaikei"
    ZAIKEI_BALANCE = "zaikei-balance"
    ZAIKEI_INCENTIVE = "zaikei-incentive"

    @property
    def label(self) -> str:
        """The manual's Japanese name: 労金控除, 賃控元帳, 一斉積立, 財形, 加入者残高一覧表,
        奨励金."""
        return _SERVICE_LABELS[self]


_SERVICE_LABELS: Final[dict[Service, str]] = {
    Service.ROKIN: "労金控除",
    Service.LEDGER: "賃控元帳",
    Service.BATCH: "一斉積立",
    Service.ZAIKEI: "財形",
    Service.ZAIKEI_BALANCE: "加入者残高一覧表",
    Service.ZAIKEI_INCENTIVE: "奨励金",
}

#: Which services a kind may contract (SPEC §1): 会員 any of 労金控除/賃控元帳/一斉積立;
#: 事業主 財形, with or without 加入者残高一覧表 and 奨励金.
ALLOWED_SERVICES: Final[dict[ContractKind, frozenset[Service]]] = {
    ContractKind.MEMBER: frozenset({Service.ROKIN, Service.LEDGER, Service.BATCH}),
    ContractKind.EMPLOYER: frozenset(
        {Service.ZAIKEI, Service.ZAIKEI_BALANCE, Service.ZAIKEI_INCENTIVE}
    ),
}


@dataclass(frozen=True)
class PaymentGroupSpec:
    """One 入金グループ as given to ``contract create``: 3-digit number and name (SPEC §1)."""

    number: str
    name: str


def parse_kind(text: str) -> ContractKind | Err:
    """``--kind member|employer`` (DESIGN §2); anything else is E-CONTRACT-KIND."""
    try:
        return ContractKind(text)
    except ValueError:
        return Err("E-CONTRACT-KIND", "kind", {"kind": text})


def check_services(kind: ContractKind, services: Iterable[Service]) -> Err | None:
    """A service set fits the kind (SPEC §1, R-OPS-5): 会員 a non-empty subset of rokin, ledger,
    batch; 事業主 zaikei, plus optionally zaikei-balance and zaikei-incentive."""
    chosen = frozenset(services)
    if not chosen or not chosen <= ALLOWED_SERVICES[kind]:
        return Err("E-SERVICES-FORMAT", "services", {"kind": str(kind)})
    if kind is ContractKind.EMPLOYER and Service.ZAIKEI not in chosen:
        return Err("E-SERVICES-FORMAT", "services", {"kind": str(kind)})
    return None


def parse_services(kind: ContractKind | str, text: str) -> frozenset[Service] | Err:
    """``--services`` as a comma-separated list of service names (DESIGN §2, SPEC §1).

    Strict: no spaces, no empty or repeated items, only names the kind may contract.
    """
    if not isinstance(kind, ContractKind):
        parsed_kind = parse_kind(kind)
        if isinstance(parsed_kind, Err):
            return parsed_kind
        kind = parsed_kind
    if text.strip() == "":
        return Err("E-FIELD-REQUIRED", "services", {"label": "契約サービス"})
    items = text.split(",")
    try:
        services = [Service(item) for item in items]
    except ValueError:
        return Err("E-SERVICES-FORMAT", "services", {"kind": str(kind)})
    if len(set(services)) != len(services):
        return Err("E-SERVICES-FORMAT", "services", {"kind": str(kind)})
    if (err := check_services(kind, services)) is not None:
        return err
    return frozenset(services)


_GROUP_RE: Final = re.compile(r"([0-9]{3}):(.*)", re.DOTALL)


def parse_groups(texts: list[str]) -> list[PaymentGroupSpec] | Err:
    """``--group NNN:名称`` (repeatable) into payment groups (SPEC §1, DESIGN §2).

    At least one; the number is 3 half-width digits, unique in the contract; the name is
    1–20 full-width characters CP932 can hold, half-width letters/digits/spaces converted as
    for the user name (SPEC §3). The order given is kept.
    """
    if not texts:
        return Err("E-GROUP-REQUIRED", "group", {})
    groups: list[PaymentGroupSpec] = []
    seen: set[str] = set()
    for text in texts:
        match = _GROUP_RE.fullmatch(text)
        if match is None:
            return Err("E-GROUP-FORMAT", "group", {"value": text})
        number, name = match.groups()
        if name == "":
            return Err("E-GROUP-FORMAT", "group", {"value": text})
        if (
            err := check_fullwidth_text(
                name,
                field="group",
                label="入金グループ名",
                max_len=GROUP_NAME_MAX_LEN,
                format_code="E-GROUP-NAME-FORMAT",
            )
        ) is not None:
            return err
        if number in seen:
            return Err("E-GROUP-DUPLICATE", "group", {"number": number})
        seen.add(number)
        groups.append(PaymentGroupSpec(number=number, name=normalise_fullwidth_text(name)))
    return groups


def normalise_contract_name(value: str) -> str:
    """契約名 as stored: converted like the user name (SPEC §3, Appendix A.2)."""
    return normalise_fullwidth_text(value)


def check_contract_name(value: str | None, *, field: str = "name") -> Err | None:
    """契約名: 1–40 full-width characters CP932 can hold, checked after
    ``normalise_contract_name`` (R-OPS-1; the same rule as the user name with 40 for 20).

    Errors: E-FIELD-REQUIRED, E-FIELD-SPACES, E-FIELD-CHARS (a character CP932 cannot hold,
    named in the message) or E-CONTRACT-NAME-FORMAT.
    """
    return check_fullwidth_text(
        value,
        field=field,
        label="契約名",
        max_len=CONTRACT_NAME_MAX_LEN,
        format_code="E-CONTRACT-NAME-FORMAT",
    )
