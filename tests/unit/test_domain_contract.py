"""Contract values as the operator creates them (R-OPS-1, SPEC §1, DESIGN §2 contract create)."""

from __future__ import annotations

import pytest

from chingin_app.domain.contract import (
    ContractKind,
    PaymentGroupSpec,
    Service,
    check_contract_name,
    normalise_contract_name,
    parse_groups,
    parse_kind,
    parse_services,
)
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err


def test_r_ops_1_service_labels() -> None:
    """SPEC §1: "the services contracted (any of 労金控除, 賃控元帳, 一斉積立; or 財形, with or
    without 加入者残高一覧表 and 奨励金)"."""
    assert {s.value: s.label for s in Service} == {
        "rokin": "労金控除",
        "ledger": "賃控元帳",
        "batch": "一斉積立",
        "zaikei": "財形",
        "zaikei-balance": "加入者残高一覧表",
        "zaikei-incentive": "奨励金",
    }
    assert ContractKind.MEMBER.label == "会員"
    assert ContractKind.EMPLOYER.label == "事業主"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("member", ContractKind.MEMBER), ("employer", ContractKind.EMPLOYER)],
)
def test_r_ops_1_parse_kind(text: str, expected: ContractKind) -> None:
    """DESIGN §2: `--kind member|employer`."""
    assert parse_kind(text) is expected


@pytest.mark.parametrize("text", ["", "Member", "会員", "zaikei"])
def test_r_ops_1_parse_kind_refuses_others(text: str) -> None:
    """DESIGN §2: `--kind member|employer`."""
    err = parse_kind(text)
    assert isinstance(err, Err) and err.code == "E-CONTRACT-KIND"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("member", "rokin", {Service.ROKIN}),
        ("member", "rokin,ledger,batch", {Service.ROKIN, Service.LEDGER, Service.BATCH}),
        ("member", "batch,ledger", {Service.BATCH, Service.LEDGER}),
        (ContractKind.EMPLOYER, "zaikei", {Service.ZAIKEI}),
        ("employer", "zaikei,zaikei-balance", {Service.ZAIKEI, Service.ZAIKEI_BALANCE}),
        (
            "employer",
            "zaikei-incentive,zaikei,zaikei-balance",
            {Service.ZAIKEI, Service.ZAIKEI_BALANCE, Service.ZAIKEI_INCENTIVE},
        ),
    ],
)
def test_r_ops_1_parse_services(kind: str, text: str, expected: set[Service]) -> None:
    """DESIGN §2: `--services rokin,ledger,batch` or
    `zaikei[,zaikei-balance][,zaikei-incentive]`."""
    assert parse_services(kind, text) == frozenset(expected)


@pytest.mark.parametrize(
    ("kind", "text", "code"),
    [
        ("member", "", "E-FIELD-REQUIRED"),
        ("member", "zaikei", "E-SERVICES-FORMAT"),  # 財形 is for 事業主
        ("member", "rokin,zaikei-balance", "E-SERVICES-FORMAT"),
        ("member", "rokin,", "E-SERVICES-FORMAT"),
        ("member", "rokin, ledger", "E-SERVICES-FORMAT"),
        ("member", "rokin,rokin", "E-SERVICES-FORMAT"),
        ("member", "ROKIN", "E-SERVICES-FORMAT"),
        ("employer", "rokin", "E-SERVICES-FORMAT"),
        ("employer", "zaikei-balance", "E-SERVICES-FORMAT"),  # zaikei is required
        ("employer", "zaikei-balance,zaikei-incentive", "E-SERVICES-FORMAT"),
        ("other", "rokin", "E-CONTRACT-KIND"),
    ],
)
def test_r_ops_1_parse_services_refused(kind: str, text: str, code: str) -> None:
    """SPEC §1: 会員 = 労金控除/賃控元帳/一斉積立 family, 事業主 = 財形 (with or without
    加入者残高一覧表 and 奨励金)."""
    err = parse_services(kind, text)
    assert isinstance(err, Err) and err.code == code
    assert message(err.code, **err.params).endswith("。")


def test_r_ops_1_parse_groups() -> None:
    """DESIGN §2: `--group NNN:名称` (3 digits, unique per contract), one or more (SPEC §1)."""
    assert parse_groups(["001:本社", "010:第2工場", "999:営業 A"]) == [
        PaymentGroupSpec("001", "本社"),
        PaymentGroupSpec("010", "第２工場"),
        PaymentGroupSpec("999", "営業　Ａ"),
    ]


@pytest.mark.parametrize(
    ("texts", "code"),
    [
        ([], "E-GROUP-REQUIRED"),
        (["1:本社"], "E-GROUP-FORMAT"),
        (["0001:本社"], "E-GROUP-FORMAT"),
        (["００１:本社"], "E-GROUP-FORMAT"),  # full-width digits
        (["001本社"], "E-GROUP-FORMAT"),
        (["001："], "E-GROUP-FORMAT"),  # full-width colon
        (["001:"], "E-GROUP-FORMAT"),  # no name
        (["abc:本社"], "E-GROUP-FORMAT"),
        (["001:" + "あ" * 21], "E-GROUP-NAME-FORMAT"),
        (["001: 本社"], "E-FIELD-SPACES"),
        (["001:\U00020bb7野"], "E-FIELD-CHARS"),
        (["001:本社", "001:支社"], "E-GROUP-DUPLICATE"),
    ],
)
def test_r_ops_1_parse_groups_refused(texts: list[str], code: str) -> None:
    """DESIGN §2: `--group NNN:名称` (3 digits, unique per contract)."""
    err = parse_groups(texts)
    assert isinstance(err, Err) and err.code == code
    assert message(err.code, **err.params).endswith("。")


def test_r_ops_1_group_name_twenty_chars() -> None:
    """DESIGN §2 groups: a name of 20 full-width characters is the longest accepted."""
    assert parse_groups(["001:" + "あ" * 20]) == [PaymentGroupSpec("001", "あ" * 20)]


def test_r_ops_1_group_duplicate_names_the_number() -> None:
    """DESIGN §2: group numbers are "unique per contract"."""
    err = parse_groups(["002:本社", "002:支社"])
    assert isinstance(err, Err)
    assert "002" in message(err.code, **err.params)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("労働金庫職員組合", None),
        ("ABC商事労働組合", None),
        ("あ" * 40, None),
        ("あ" * 41, "E-CONTRACT-NAME-FORMAT"),
        ("ｶﾌﾞｼｷｶﾞｲｼｬ", "E-CONTRACT-NAME-FORMAT"),
        ("", "E-FIELD-REQUIRED"),
        (" 組合", "E-FIELD-SPACES"),
        ("\U00020bb7野家労組", "E-FIELD-CHARS"),
    ],
)
def test_r_ops_1_contract_name(value: str, code: str | None) -> None:
    """R-OPS-1: the contract's name: 1–40 full-width characters CP932 can hold, converted like
    the user name (SPEC §3)."""
    err = check_contract_name(value)
    assert (None if err is None else err.code) == code


def test_r_ops_1_contract_name_normalised() -> None:
    """SPEC §3 user-name conversion applied to the contract name."""
    assert normalise_contract_name("ABC商事 労組") == "ＡＢＣ商事　労組"
