"""SPEC §3 input rules (P.5–6, P.10, P.28) and R-ENV-4, as validation tables."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.domain.validation import (
    DEFAULT_CARRIER_DOMAINS,
    check_contract_no,
    check_email,
    check_initial_password,
    check_password,
    check_reentry,
    check_required,
    check_user_id,
    check_user_name,
    normalise_user_name,
    parse_row_id,
)

Check = Callable[[str], Err | None]


def _code(err: Err | None) -> str | None:
    return None if err is None else err.code


# --- every field: required, no surrounding spaces ------------------------------------------


@pytest.mark.parametrize("value", [None, "", " ", "\u3000", "  \t "])
def test_spec_3_every_field_is_required(value: str | None) -> None:
    """SPEC §3: "Every field is required"."""
    err = check_required(value, field="user_id", label="ユーザーＩＤ")
    assert err == Err("E-FIELD-REQUIRED", "user_id", {"label": "ユーザーＩＤ"})
    assert message(err.code, **err.params) == "「ユーザーＩＤ」を入力してください。"


@pytest.mark.parametrize(
    ("check", "value", "field"),
    [
        (check_contract_no, " 12345678", "contract_no"),
        (check_contract_no, "12345678 ", "contract_no"),
        (check_initial_password, "Ab1!efgh ", "initial_password"),
        (check_user_id, " abc123", "user_id"),
        (check_user_id, "abc123\u3000", "user_id"),
        (check_password, " Abcd123!", "password"),
        (check_user_name, "山田 ", "user_name"),
        (check_user_name, "\u3000山田", "user_name"),
        (check_email, "taro@example.co.jp ", "email"),
    ],
)
def test_spec_3_surrounding_spaces_are_an_error(check: Check, value: str, field: str) -> None:
    """SPEC §3: "leading or trailing spaces are an error, not trimmed silently"."""
    err = check(value)
    assert err is not None
    assert (err.code, err.field) == ("E-FIELD-SPACES", field)


@pytest.mark.parametrize(
    "check",
    [
        check_contract_no,
        check_initial_password,
        check_user_id,
        check_password,
        check_user_name,
        check_email,
    ],
)
def test_spec_3_empty_is_required_error_for_each_field(check: Check) -> None:
    """SPEC §3: "Every field is required"."""
    assert _code(check("")) == "E-FIELD-REQUIRED"


# --- 契約番号 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12345678", None),
        ("00000001", None),
        ("1234567", "E-CONTRACT-NO-FORMAT"),
        ("123456789", "E-CONTRACT-NO-FORMAT"),
        ("１２３４５６７８", "E-CONTRACT-NO-FORMAT"),  # full-width digits
        ("1234 678", "E-CONTRACT-NO-FORMAT"),
        ("1234567a", "E-CONTRACT-NO-FORMAT"),
        ("١٢٣٤٥٦٧٨", "E-CONTRACT-NO-FORMAT"),  # other Unicode digits
    ],
)
def test_spec_3_contract_no_eight_halfwidth_digits(value: str, code: str | None) -> None:
    """SPEC §3: 契約番号 "exactly 8 half-width digits"."""
    assert _code(check_contract_no(value)) == code


# --- 初期パスワード --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Abcd12#$", None),
        ("aB3~xyzq", None),
        ("Abc12#$", "E-INITIAL-PASSWORD-FORMAT"),  # 7
        ("Abcd12#$9", "E-INITIAL-PASSWORD-FORMAT"),  # 9
        ("abcd12#$", "E-INITIAL-PASSWORD-FORMAT"),  # no upper case
        ("ABCD12#$", "E-INITIAL-PASSWORD-FORMAT"),  # no lower case
        ("Abcdef#$", "E-INITIAL-PASSWORD-FORMAT"),  # no digit
        ("Abcd1234", "E-INITIAL-PASSWORD-FORMAT"),  # no symbol
        ("Abc 12#$", "E-INITIAL-PASSWORD-FORMAT"),  # space inside
        ("Ａbcd12#$", "E-INITIAL-PASSWORD-FORMAT"),  # full-width letter
        ("Abcdｱ2#$", "E-INITIAL-PASSWORD-FORMAT"),  # half-width kana
    ],
)
def test_spec_3_initial_password_eight_chars_four_classes(value: str, code: str | None) -> None:
    """SPEC §3: 初期パスワード "exactly 8 chars, the password character set below, all four
    classes present"."""
    assert _code(check_initial_password(value)) == code


# --- user ID ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("abc123", None),  # 6
        ("ABCdef123456", None),  # 12
        ("Taro2026", None),
        ("abc12", "E-USER-ID-FORMAT"),  # 5
        ("abcdef1234567", "E-USER-ID-FORMAT"),  # 13
        ("abcdefgh", "E-USER-ID-FORMAT"),  # letters only
        ("12345678", "E-USER-ID-FORMAT"),  # digits only
        ("abc_123", "E-USER-ID-FORMAT"),  # symbol
        ("abc 123", "E-USER-ID-FORMAT"),  # space inside
        ("ａｂｃ１２３", "E-USER-ID-FORMAT"),  # full-width
        ("abc１２３", "E-USER-ID-FORMAT"),  # full-width digits
        ("abcé123", "E-USER-ID-FORMAT"),  # non-ASCII letter
    ],
)
def test_spec_3_user_id_letters_and_digits_6_to_12(value: str, code: str | None) -> None:
    """SPEC §3: user ID "^[A-Za-z0-9]{6,12}$ with at least one letter and one digit"."""
    assert _code(check_user_id(value)) == code


def test_spec_3_user_id_message() -> None:
    """Appendix B: 「ユーザーＩＤ」は半角英字と数字を両方含む6～12桁で入力してください。"""
    err = check_user_id("abcdefgh")
    assert err is not None and err.field == "user_id"
    assert message(err.code, **err.params) == (
        "「ユーザーＩＤ」は半角英字と数字を両方含む6～12桁で入力してください。"
    )


# --- password ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Abcd123!", None),  # 8
        ("Abcd1234567!", None),  # 12
        ('a"B3\\`{|}~', None),
        ("Abcd12345678!", "E-PASSWORD-FORMAT"),  # 13
        ("Abc123!", "E-PASSWORD-FORMAT"),  # 7
        ("abcd123!", "E-PASSWORD-FORMAT"),  # no upper
        ("ABCD123!", "E-PASSWORD-FORMAT"),  # no lower
        ("Abcdefg!", "E-PASSWORD-FORMAT"),  # no digit
        ("Abcd1234", "E-PASSWORD-FORMAT"),  # no symbol
        ("Abcd 123!", "E-PASSWORD-FORMAT"),  # space inside
        ("Abcd123!\u3000x", "E-PASSWORD-FORMAT"),  # full-width space inside
        ("Abcd１２３!", "E-PASSWORD-FORMAT"),  # full-width digits
        ("Abcd123！", "E-PASSWORD-FORMAT"),  # full-width symbol
        ("Abcdｱｲ1!", "E-PASSWORD-FORMAT"),  # half-width kana
        ("Abcdあい1!", "E-PASSWORD-FORMAT"),  # full-width kana
        ("Abcd123!\x7f", "E-PASSWORD-FORMAT"),  # DEL is outside 0x21–0x7E
        ("Abcd123!¥", "E-PASSWORD-FORMAT"),  # yen sign
    ],
)
def test_spec_3_password_8_to_12_four_classes(value: str, code: str | None) -> None:
    """SPEC §3: password "8–12 chars of ASCII 0x21–0x7E only; at least one each of A–Z, a–z,
    0–9 and a symbol …; no spaces, full-width or half-width kana"."""
    assert _code(check_password(value)) == code


def test_spec_3_password_label_in_message() -> None:
    """Appendix B: 「パスワード」は半角英大文字・英小文字・数字・記号をすべて含む8～12桁で
    入力してください。"""
    err = check_password("short", field="new_password", label="新しいパスワード")
    assert err is not None and err.field == "new_password"
    assert message(err.code, **err.params).startswith("「新しいパスワード」は半角英大文字")


def test_spec_3_new_password_differs_from_current() -> None:
    """SPEC §3: "a new password differs from the current one and from the user ID"."""
    err = check_password("Abcd123!", field="new_password", current="Abcd123!")
    assert _code(err) == "E-PASSWORD-SAME-AS-CURRENT"
    assert check_password("Abcd123?", current="Abcd123!") is None


def test_spec_3_new_password_differs_from_user_id() -> None:
    """SPEC §3: "a new password differs from the current one and from the user ID".

    A user ID has no symbol, so only a caller's odd ID could collide; the rule still holds.
    """
    assert _code(check_password("Abcd123!", user_id="abcd123!")) == "E-PASSWORD-SAME-AS-USER-ID"
    assert check_password("Abcd123!", user_id="abcd123") is None


# --- re-entry ----------------------------------------------------------------------------------


def test_spec_3_reentry_must_match() -> None:
    """SPEC §3: "re-entry fields must match" —
    「パスワード再入力」が「パスワード」と一致しません。"""
    err = check_reentry(
        "Abcd123!",
        "Abcd123?",
        field="password2",
        label="パスワード再入力",
        other_label="パスワード",
    )
    assert err is not None and (err.code, err.field) == ("E-REENTRY-MISMATCH", "password2")
    assert message(err.code, **err.params) == "「パスワード再入力」が「パスワード」と一致しません。"
    assert (
        check_reentry(
            "Abcd123!",
            "Abcd123!",
            field="password2",
            label="パスワード再入力",
            other_label="パスワード",
        )
        is None
    )


def test_spec_3_reentry_is_required_and_case_sensitive() -> None:
    """SPEC §3: "Every field is required"; "entered twice and identical"."""
    kw = {"field": "email2", "label": "メールアドレス再入力", "other_label": "メールアドレス"}
    assert _code(check_reentry("a1@example.jp", "", **kw)) == "E-FIELD-REQUIRED"
    assert _code(check_reentry("a1@example.jp", "A1@example.jp", **kw)) == "E-REENTRY-MISMATCH"


# --- user name -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ABC 1", "ＡＢＣ　１"),
        ("山田 太郎", "山田　太郎"),
        ("やまだ2号", "やまだ２号"),
        ("波\u301c線", "波～線"),  # Appendix A.2 look-alike converted, not refused
        ("\u2212", "\uff0d"),
    ],
)
def test_spec_3_user_name_halfwidth_converted(typed: str, stored: str) -> None:
    """SPEC §3: "half-width letters, digits and spaces typed are converted to full-width before
    checking"; Appendix A.2 look-alikes are converted."""
    assert normalise_user_name(typed) == stored
    assert check_user_name(typed) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("山", None),
        ("山田太郎", None),
        ("髙橋①㈱", None),  # CP932 extensions
        ("ヤマダ　タロウ", None),
        ("あ" * 20, None),
        ("a" * 20, None),  # converted to 20 full-width letters
        ("あ" * 21, "E-USER-NAME-FORMAT"),
        ("ﾔﾏﾀﾞ", "E-USER-NAME-FORMAT"),  # half-width kana is not converted
        ("山田(総務)", "E-USER-NAME-FORMAT"),  # half-width symbols are not converted
        ("\U00020bb7野", "E-FIELD-CHARS"),  # 𠮷 is not in CP932
        ("山田😀", "E-FIELD-CHARS"),
    ],
)
def test_spec_3_user_name_fullwidth_cp932_max_20(value: str, code: str | None) -> None:
    """SPEC §3: ユーザー名 "1–20 full-width chars that CP932 can hold (kana and kanji allowed)"."""
    assert _code(check_user_name(value)) == code


def test_spec_3_user_name_unholdable_char_named() -> None:
    """Appendix A.2: "Any other character CP932 cannot hold (e.g. 𠮷 U+20BB7, emoji) is an
    error"; the message names it."""
    err = check_user_name("\U00020bb7野家")
    assert err is not None and err.field == "user_name"
    assert message(err.code, **err.params) == (
        "「ユーザー名」は使用できない文字（\U00020bb7）を含めずに入力してください。"
    )


def test_spec_3_user_name_too_long_message() -> None:
    """Appendix B: 「ユーザー名」は全角20文字以内で入力してください。"""
    err = check_user_name("あ" * 21)
    assert err is not None
    assert message(err.code, **err.params) == "「ユーザー名」は全角20文字以内で入力してください。"


# --- e-mail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("taro.yamada@example.co.jp", None),
        ("a_b%c+d-e@mail.example.com", None),
        ("x@ex-ample.jp", None),
        ("User@Example.COM", None),
        ("a" * 38 + "@example.com", None),  # exactly 50
        ("a" * 39 + "@example.com", "E-EMAIL-FORMAT"),  # 51
        ("taro", "E-EMAIL-FORMAT"),
        ("taro@localhost", "E-EMAIL-FORMAT"),  # no TLD
        ("taro@example.c", "E-EMAIL-FORMAT"),  # one-letter TLD
        ("taro@example.123", "E-EMAIL-FORMAT"),  # numeric TLD
        (".taro@example.jp", "E-EMAIL-FORMAT"),  # not dot-atom
        ("taro.@example.jp", "E-EMAIL-FORMAT"),
        ("ta..ro@example.jp", "E-EMAIL-FORMAT"),
        ("ta ro@example.jp", "E-EMAIL-FORMAT"),
        ("taro@-example.jp", "E-EMAIL-FORMAT"),  # LDH label starts with a hyphen
        ("taro@example-.jp", "E-EMAIL-FORMAT"),
        ("taro@exa_mple.jp", "E-EMAIL-FORMAT"),
        ("taro@@example.jp", "E-EMAIL-FORMAT"),
        ("たろう@example.jp", "E-EMAIL-FORMAT"),  # not ASCII
        ("taro@ｅｘａｍｐｌｅ.jp", "E-EMAIL-FORMAT"),
        ("taro@例え.jp", "E-EMAIL-FORMAT"),
        ("ta'ro@example.jp", "E-EMAIL-FORMAT"),
        ("taro@example.jp.", "E-EMAIL-FORMAT"),
    ],
)
def test_spec_3_email_format(value: str, code: str | None) -> None:
    """SPEC §3: e-mail "ASCII, at most 50 chars, dot-atom local part (A-Za-z0-9._%+-), a domain
    of LDH labels with a TLD"."""
    assert _code(check_email(value)) == code


@pytest.mark.parametrize(
    "value",
    [
        "taro@docomo.ne.jp",
        "taro@ezweb.ne.jp",
        "taro@au.com",
        "taro@softbank.ne.jp",
        "taro@i.softbank.jp",
        "taro@ymobile.ne.jp",
        "taro@disney.ne.jp",
        "taro@DoCoMo.ne.jp",  # case-insensitive
        "taro@t.vodafone.ne.jp",  # a subdomain of a listed domain
        "taro@sub.EZWEB.ne.jp",
    ],
)
def test_r_env_4_mobile_carrier_addresses_refused(value: str) -> None:
    """R-ENV-4: "mobile-carrier addresses are refused"; SPEC §3: "the domain and its parents
    checked against the mobile-carrier list case-insensitively"."""
    err = check_email(value, field="email")
    assert err is not None and (err.code, err.field) == ("E-EMAIL-CARRIER", "email")
    assert message(err.code, **err.params) == "携帯電話のメールアドレスはご利用いただけません。"


@pytest.mark.parametrize(
    "value",
    ["taro@mydocomo.ne.jp", "taro@docomo.ne.jp.example.com", "taro@softbank.jp", "taro@auu.com"],
)
def test_r_env_4_lookalike_domains_allowed(value: str) -> None:
    """R-ENV-4: only the listed domains and their subdomains are carriers, not any suffix."""
    assert check_email(value) is None


def test_r_env_4_carrier_list_configurable() -> None:
    """R-ENV-4: "kept as a configurable list"."""
    assert check_email("taro@example.jp", carrier_domains=["Example.JP"]) is not None
    assert check_email("taro@docomo.ne.jp", carrier_domains=[]) is None


def test_r_env_4_default_list_has_spec_domains() -> None:
    """R-ENV-4: docomo.ne.jp, ezweb.ne.jp, au.com, softbank.ne.jp, i.softbank.jp, ymobile.ne.jp,
    disney.ne.jp, …"""
    spec = {
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "ymobile.ne.jp",
        "disney.ne.jp",
    }
    assert spec <= set(DEFAULT_CARRIER_DOMAINS)
    assert all(d == d.lower() for d in DEFAULT_CARRIER_DOMAINS)


@pytest.mark.parametrize(("value", "expected"), [
    (7, 7), ("0042", 42), ("123456789012", 123456789012),
    (0, None), (-3, None), (True, None), (2**62, None), ("1234567890123", None),
    ("12a", None), ("１２", None), ("", None), (None, None), (1.0, None), ([1], None),
])
def test_r_sec_1_row_ids_from_the_client(value: object, expected: int | None) -> None:
    """R-SEC-1: a row id in a (possibly crafted) frame is a positive int or ASCII digits."""
    assert parse_row_id(value) == expected
