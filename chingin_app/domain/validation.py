"""Input rules of SPEC §3 (P.5–6, P.10, P.28) as pure functions.

Each ``check_*`` returns ``None`` when the value is valid, or an ``Err`` whose ``code`` is a key
of ``domain.messages.MESSAGES``, whose ``field`` is the form field it belongs to and whose
``params`` fill the message (always including ``label``). Common to every field (§3): a value
is required, and leading or trailing spaces (half- or full-width) are an error, never trimmed.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from typing import Final

from chingin_app.domain.result import Err

__all__ = [
    "DEFAULT_CARRIER_DOMAINS",
    "LOOKALIKES",
    "PASSWORD_SYMBOLS",
    "check_contract_no",
    "check_email",
    "check_fullwidth_text",
    "check_initial_password",
    "check_no_surrounding_spaces",
    "check_password",
    "check_reentry",
    "check_required",
    "check_user_id",
    "check_user_name",
    "cp932_unholdable",
    "is_carrier_domain",
    "normalise_fullwidth_text",
    "normalise_user_name",
    "parse_row_id",
]

#: Mobile-carrier mail domains refused for e-mail (R-ENV-4); a parent-domain match also
#: refuses its subdomains. Configurable: callers pass their own list to ``check_email``.
DEFAULT_CARRIER_DOMAINS: Final[tuple[str, ...]] = (
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "au.com",
    "softbank.ne.jp",
    "i.softbank.jp",
    "ymobile.ne.jp",
    "y-mobile.ne.jp",
    "disney.ne.jp",
    "emnet.ne.jp",
    "emobile.ne.jp",
    "emobile-s.ne.jp",
    "pdx.ne.jp",
    "willcom.com",
    "wcm.ne.jp",
    "vodafone.ne.jp",
    "ido.ne.jp",
    "uqmobile.jp",
    "rakumail.jp",  # 楽天モバイル 楽メール
    "rakuten.jp",
)

#: The 32 ASCII symbols of the password character set (SPEC §3).
PASSWORD_SYMBOLS: Final[str] = string.punctuation

#: Look-alikes that entry converts before the CP932 check (Appendix A.2). Python's ``cp932``
#: codec swaps some of them silently, so the mapping is explicit.
LOOKALIKES: Final[dict[str, str]] = {
    "\u301c": "\uff5e",  # WAVE DASH → FULLWIDTH TILDE
    "\u2016": "\u2225",  # DOUBLE VERTICAL LINE → PARALLEL TO
    "\u2212": "\uff0d",  # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
    "\u00a2": "\uffe0",  # CENT SIGN → FULLWIDTH CENT SIGN
    "\u00a3": "\uffe1",  # POUND SIGN → FULLWIDTH POUND SIGN
    "\u00ac": "\uffe2",  # NOT SIGN → FULLWIDTH NOT SIGN
}

# Half-width letters, digits and space typed into a name become full-width (SPEC §3 user name).
_TO_FULLWIDTH: Final[dict[int, str]] = {
    **{ord(c): chr(ord(c) + 0xFEE0) for c in string.ascii_letters + string.digits},
    ord(" "): "\u3000",
}
_NAME_TABLE: Final[dict[int, str]] = {
    **{ord(k): v for k, v in LOOKALIKES.items()},
    **_TO_FULLWIDTH,
}

_CONTRACT_NO_RE: Final = re.compile(r"[0-9]{8}")
_USER_ID_RE: Final = re.compile(r"[A-Za-z0-9]{6,12}")
_EMAIL_LOCAL = r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
_LDH_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])"
_EMAIL_RE: Final = re.compile(rf"({_EMAIL_LOCAL})@((?:{_LDH_LABEL}\.)+{_TLD})")
EMAIL_MAX_LEN: Final = 50
USER_NAME_MAX_LEN: Final = 20


def parse_row_id(value: object) -> int | None:
    """A row id as a client may send it (a positive int, or up to 12 ASCII digits); None for
    anything else (a crafted frame may send any JSON value)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**62 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        number = int(value)
        return number if number > 0 else None
    return None


def check_required(value: str | None, *, field: str, label: str) -> Err | None:
    """A value is required (SPEC §3 "Every field is required"); only spaces count as empty."""
    if value is None or value.strip() == "":
        return Err("E-FIELD-REQUIRED", field, {"label": label})
    return None


def check_no_surrounding_spaces(value: str, *, field: str, label: str) -> Err | None:
    """Leading or trailing spaces are an error, not trimmed silently (SPEC §3)."""
    if value and (value[0].isspace() or value[-1].isspace()):
        return Err("E-FIELD-SPACES", field, {"label": label})
    return None


def _present(value: str | None, *, field: str, label: str) -> Err | None:
    """The two rules every field shares (SPEC §3), in the order the user needs them."""
    if (err := check_required(value, field=field, label=label)) is not None:
        return err
    assert value is not None
    return check_no_surrounding_spaces(value, field=field, label=label)


def check_contract_no(value: str | None, *, field: str = "contract_no") -> Err | None:
    """契約番号: exactly 8 half-width digits (SPEC §3, R-MREG-1)."""
    label = "契約番号"
    if (err := _present(value, field=field, label=label)) is not None:
        return err
    assert value is not None
    if _CONTRACT_NO_RE.fullmatch(value) is None:
        return Err("E-CONTRACT-NO-FORMAT", field, {"label": label})
    return None


def _password_chars_ok(value: str) -> bool:
    """ASCII 0x21–0x7E only, with A–Z, a–z, 0–9 and a symbol each present (SPEC §3)."""
    if not all(0x21 <= ord(c) <= 0x7E for c in value):
        return False
    return (
        any(c in string.ascii_uppercase for c in value)
        and any(c in string.ascii_lowercase for c in value)
        and any(c in string.digits for c in value)
        and any(c in PASSWORD_SYMBOLS for c in value)
    )


def check_initial_password(value: str | None, *, field: str = "initial_password") -> Err | None:
    """初期パスワード: exactly 8 chars of the password set, all four classes (SPEC §3)."""
    label = "初期パスワード"
    if (err := _present(value, field=field, label=label)) is not None:
        return err
    assert value is not None
    if len(value) != 8 or not _password_chars_ok(value):
        return Err("E-INITIAL-PASSWORD-FORMAT", field, {"label": label})
    return None


def check_user_id(value: str | None, *, field: str = "user_id") -> Err | None:
    """User ID: ``^[A-Za-z0-9]{6,12}$`` with at least one letter and one digit (SPEC §3).

    Uniqueness (case-insensitive, deleted users included) needs the database: services check it
    once every other field is valid (MSG-ID-TAKEN).
    """
    label = "ユーザーＩＤ"
    if (err := _present(value, field=field, label=label)) is not None:
        return err
    assert value is not None
    if (
        _USER_ID_RE.fullmatch(value) is None
        or not any(c in string.ascii_letters for c in value)
        or not any(c in string.digits for c in value)
    ):
        return Err("E-USER-ID-FORMAT", field, {"label": label})
    return None


def check_password(
    value: str | None,
    *,
    field: str = "password",
    label: str = "パスワード",
    user_id: str | None = None,
    current: str | None = None,
) -> Err | None:
    """Password / temporary password: 8–12 chars of ASCII 0x21–0x7E, all four classes; a new
    password differs from the user ID and from the current one (SPEC §3, R-USER-1).

    ``label`` names the field in the message (パスワード, 仮のパスワード, 新しいパスワード).
    """
    if (err := _present(value, field=field, label=label)) is not None:
        return err
    assert value is not None
    if not 8 <= len(value) <= 12 or not _password_chars_ok(value):
        return Err("E-PASSWORD-FORMAT", field, {"label": label})
    # User IDs are unique case-insensitively (SPEC §3), so compare the same way.
    if user_id is not None and value.casefold() == user_id.casefold():
        return Err("E-PASSWORD-SAME-AS-USER-ID", field, {"label": label})
    if current is not None and value == current:
        return Err("E-PASSWORD-SAME-AS-CURRENT", field, {"label": label})
    return None


def check_reentry(
    first: str | None, second: str | None, *, field: str, label: str, other_label: str
) -> Err | None:
    """A re-entry field must be given and match the first entry exactly (SPEC §3).

    ``field``/``label`` are the re-entry field's (e.g. ``password_confirm`` / パスワード再入力),
    ``other_label`` the first field's: 「パスワード再入力」が「パスワード」と一致しません。
    """
    if (err := check_required(second, field=field, label=label)) is not None:
        return err
    if first != second:
        return Err("E-REENTRY-MISMATCH", field, {"label": label, "other_label": other_label})
    return None


def cp932_unholdable(text: str) -> list[str]:
    """The distinct characters of ``text`` that CP932 cannot round-trip (Appendix A.2), in order.

    A character the ``cp932`` codec encodes but decodes as another one (e.g. U+301C) counts as
    unholdable: convert look-alikes first (``normalise_fullwidth_text``).
    """
    bad: list[str] = []
    for ch in dict.fromkeys(text):
        try:
            ok = ch.encode("cp932").decode("cp932") == ch
        except UnicodeError:
            ok = False
        if not ok:
            bad.append(ch)
    return bad


def _is_fullwidth(ch: str) -> bool:
    """Full-width means a double-byte CP932 character (kana, kanji, full-width symbols)."""
    try:
        return len(ch.encode("cp932")) == 2
    except UnicodeError:
        return False


def _show_chars(chars: Iterable[str]) -> str:
    """Characters for a message; invisible ones as their code point."""
    return "、".join(c if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}" for c in chars)


def normalise_fullwidth_text(value: str) -> str:
    """Convert Appendix A.2 look-alikes and half-width letters, digits and spaces to full-width.

    The conversion SPEC §3 applies to the user name before checking; contract and payment-group
    names use it too. Other characters are left for the check to refuse.
    """
    return value.translate(_NAME_TABLE)


def normalise_user_name(value: str) -> str:
    """ユーザー名 as stored: half-width letters/digits/space → full-width (SPEC §3, Appendix A.2).

    ``'ABC 1'`` → ``'ＡＢＣ　１'``; ``'〜'`` (U+301C) → ``'～'`` (U+FF5E).
    """
    return normalise_fullwidth_text(value)


def check_fullwidth_text(
    value: str | None, *, field: str, label: str, max_len: int, format_code: str
) -> Err | None:
    """1–``max_len`` full-width characters CP932 can hold, checked after
    ``normalise_fullwidth_text`` (SPEC §3 user name, Appendix A.2).

    A character CP932 cannot hold (𠮷, emoji) gives E-FIELD-CHARS naming it; a half-width one
    left after conversion (half-width kana, ASCII symbols) or too many characters give
    ``format_code``.
    """
    if (err := _present(value, field=field, label=label)) is not None:
        return err
    assert value is not None
    text = normalise_fullwidth_text(value)
    if bad := cp932_unholdable(text):
        return Err("E-FIELD-CHARS", field, {"label": label, "chars": _show_chars(bad)})
    if len(text) > max_len or not all(_is_fullwidth(c) for c in text):
        return Err(format_code, field, {"label": label, "max_len": max_len})
    return None


def check_user_name(value: str | None, *, field: str = "user_name") -> Err | None:
    """ユーザー名: 1–20 full-width characters CP932 can hold, after converting half-width
    letters, digits and spaces (SPEC §3)."""
    return check_fullwidth_text(
        value,
        field=field,
        label="ユーザー名",
        max_len=USER_NAME_MAX_LEN,
        format_code="E-USER-NAME-FORMAT",
    )


def is_carrier_domain(domain: str, carrier_domains: Iterable[str]) -> bool:
    """Whether ``domain`` or one of its parents is on the carrier list, ignoring case (R-ENV-4)."""
    domain = domain.lower().rstrip(".")
    for carrier in carrier_domains:
        carrier = carrier.lower().strip(".")
        if carrier and (domain == carrier or domain.endswith("." + carrier)):
            return True
    return False


def check_email(
    value: str | None,
    *,
    field: str = "email",
    label: str = "メールアドレス",
    carrier_domains: Iterable[str] = DEFAULT_CARRIER_DOMAINS,
) -> Err | None:
    """メールアドレス: ASCII, at most 50 chars, dot-atom local part of ``A-Za-z0-9._%+-``, LDH
    domain labels with a TLD (SPEC §3); mobile-carrier domains and their subdomains refused
    (R-ENV-4). The re-entry is ``check_reentry``'s job.
    """
    if (err := _present(value, field=field, label=label)) is not None:
        return err
    assert value is not None
    match = _EMAIL_RE.fullmatch(value) if len(value) <= EMAIL_MAX_LEN else None
    if match is None:
        return Err("E-EMAIL-FORMAT", field, {"label": label})
    if is_carrier_domain(match.group(2), carrier_domains):
        return Err("E-EMAIL-CARRIER", field, {"label": label})
    return None
