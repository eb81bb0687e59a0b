"""Bank kana (カナ氏名): normalisation, the allowed set and the byte length (SPEC A.1, R-PLUS-2).

``normalise_kana`` applies A.1's steps in order:

1. NFKC (half-width kana become full-width and voiced marks compose, full-width letters and
   digits become ASCII, the full-width space becomes a space);
2. hiragana → katakana (ゔ → ヴ, ゕゖ → ヵヶ);
3. full-width → half-width katakana (ガ → ｶﾞ, パ → ﾊﾟ, ヴ → ｳﾞ, ー → ｰ, ・ → ･, 「」 → ｢｣);
4. upper-case (a–z → A–Z);
5. small kana enlarged (ｧｨｩｪｫｬｭｮｯ → ｱｲｳｴｵﾔﾕﾖﾂ; ヵ→ｶ, ヶ→ｹ, ヮ→ﾜ, ヰ→ｲ, ヱ→ｴ);
6. the long vowel ｰ → ``-`` and the middle dot ･ → ``.``;
7. spaces: runs collapsed to one, none at either end.

Nothing is ever dropped: a character that is still outside the allowed set afterwards is left in
the result, and ``check_name_kana`` reports it. ``jaconv``/``mojimoji`` convert widths but do not
enlarge small kana (A.1), so the tables are here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Final

from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok

__all__ = [
    "DEFAULT_ALLOWED",
    "allowed_chars",
    "check_name_kana",
    "disallowed_chars",
    "kana_byte_length",
    "kana_difference",
    "kana_mismatch",
    "normalise_kana",
]

# Spacing voiced marks (゛゜, U+309B/U+309C): NFKC turns them into "space + combining mark",
# which would put a space inside a name. Mapping them to the half-width marks first lets
# NFKC compose them with the kana before (カ゛ → ガ), as a person typing them means.
_BEFORE_NFKC: Final = str.maketrans({"\u309b": "\uff9e", "\u309c": "\uff9f"})

# Step 2: hiragana ぁ (U+3041) … ゖ (U+3096) and the iteration marks ゝゞ are the katakana
# 0x60 further on.
_HIRAGANA_TO_KATAKANA: Final = str.maketrans(
    {code: chr(code + 0x60) for code in (*range(0x3041, 0x3097), 0x309D, 0x309E)}
)

_VOICED: Final = "\uff9e"  # ﾞ
_SEMI_VOICED: Final = "\uff9f"  # ﾟ


def _half_width_table() -> dict[int, str]:
    """Full-width katakana (and the marks used with them) to half-width, built from Unicode's
    own compatibility decompositions of the half-width forms (U+FF61–U+FF9F)."""
    table: dict[int, str] = {}
    for code in range(0xFF61, 0xFFA0):
        half = chr(code)
        full = unicodedata.normalize("NFKC", half)
        if len(full) == 1 and full != half:
            table[ord(full)] = half
    # Voiced and semi-voiced kana: the base's half-width form plus the mark as its own
    # character (A.1 "dakuten/handakuten as their own characters").
    for code in range(0x30A1, 0x30FB):
        full = chr(code)
        parts = unicodedata.normalize("NFD", full)
        if len(parts) == 2 and ord(parts[0]) in table:
            mark = {"\u3099": _VOICED, "\u309a": _SEMI_VOICED}.get(parts[1])
            if mark is not None:
                table[code] = table[ord(parts[0])] + mark
    # Combining marks left alone by NFKC (e.g. after a vowel: ｱﾞ) become the half-width marks.
    table[0x3099] = _VOICED
    table[0x309A] = _SEMI_VOICED
    # ¥ (and ￥, which NFKC makes ¥) is the byte 0x5C of CP932 (A.2): banks that allow "\"
    # mean that byte.
    table[0x00A5] = "\\"
    return table


_TO_HALF_WIDTH: Final = str.maketrans(_half_width_table())

# Step 5. ヵヶヮヰヱ (and the voiced ヸヹ, ヷヺ, and the small Ainu-extension kana ㇰ…ㇿ) have
# no half-width form, so step 3 leaves them full-width and this table finishes them.
_ENLARGE: Final = str.maketrans(
    {
        "ｧ": "ｱ",
        "ｨ": "ｲ",
        "ｩ": "ｳ",
        "ｪ": "ｴ",
        "ｫ": "ｵ",
        "ｬ": "ﾔ",
        "ｭ": "ﾕ",
        "ｮ": "ﾖ",
        "ｯ": "ﾂ",
        "ヵ": "ｶ",
        "ヶ": "ｹ",
        "ヮ": "ﾜ",
        "ヰ": "ｲ",
        "ヱ": "ｴ",
        "ヸ": "ｲ" + _VOICED,
        "ヹ": "ｴ" + _VOICED,
        "ヷ": "ﾜ" + _VOICED,
        "ヺ": "ｦ" + _VOICED,
        "ㇰ": "ｸ",
        "ㇱ": "ｼ",
        "ㇲ": "ｽ",
        "ㇳ": "ﾄ",
        "ㇴ": "ﾇ",
        "ㇵ": "ﾊ",
        "ㇶ": "ﾋ",
        "ㇷ": "ﾌ",
        "ㇸ": "ﾍ",
        "ㇹ": "ﾎ",
        "ㇺ": "ﾑ",
        "ㇻ": "ﾗ",
        "ㇼ": "ﾘ",
        "ㇽ": "ﾙ",
        "ㇾ": "ﾚ",
        "ㇿ": "ﾛ",
    }
)

# Step 6.
_MARKS: Final = str.maketrans({"ｰ": "-", "･": "."})

_SPACE_RUN: Final = re.compile(" {2,}")

_HALF_KATAKANA: Final = frozenset(
    chr(code)
    for code in range(0xFF66, 0xFFA0)
    # no small kana (ｧ…ｯ U+FF67–U+FF6F) and no ｰ (becomes "-")
    if not 0xFF67 <= code <= 0xFF70
)

#: A.1's allowed set: half-width katakana without small kana, ﾞ and ﾟ as their own characters,
#: A–Z, 0–9, space and ``( ) - . /``. Banks that also take ｢｣ or ``\`` use ``allowed_chars``.
DEFAULT_ALLOWED: Final[frozenset[str]] = frozenset(
    _HALF_KATAKANA | set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ()-./")
)

def normalise_kana(text: str) -> str:
    """``text`` in bank kana per SPEC A.1 (steps in the module docstring), never dropping a
    character: anything that cannot be converted stays for ``check_name_kana`` to report."""
    text = unicodedata.normalize("NFKC", text.translate(_BEFORE_NFKC))
    text = text.translate(_HIRAGANA_TO_KATAKANA)
    text = text.translate(_TO_HALF_WIDTH)
    text = text.upper()
    text = text.translate(_ENLARGE)
    text = text.translate(_MARKS)
    # Fixed-width bank files pad names with spaces, so a space at either end would only make
    # the two sides of the カナ氏名不一致 comparison differ.
    return _SPACE_RUN.sub(" ", text).strip(" ")


def allowed_chars(extra: str = "") -> frozenset[str]:
    """``DEFAULT_ALLOWED`` plus ``extra`` (A.1 "some banks also 「」 and \\; keep the set
    configurable"). Each extra character is added as given and as normalised, so ``"「」"``
    also allows the half-width ｢｣ that normalisation produces."""
    added = set(extra)
    for char in extra:
        added.update(normalise_kana(char))
    added.discard("")
    return frozenset(DEFAULT_ALLOWED | added)


def disallowed_chars(normalised: str, allowed: Collection[str] = DEFAULT_ALLOWED) -> list[str]:
    """The distinct characters of an already normalised text outside ``allowed``, in order of
    first appearance (R-PLUS-2 lists them)."""
    seen: list[str] = []
    for char in normalised:
        if char not in allowed and char not in seen:
            seen.append(char)
    return seen


def kana_byte_length(normalised: str) -> int:
    """The length in bytes as the bank counts it (A.1): one per half-width character, so a
    voiced kana (ｶﾞ) is two; a full-width extra such as 「 would be two in CP932."""
    return sum(1 if ord(char) < 0x80 or 0xFF61 <= ord(char) <= 0xFF9F else 2 for char in normalised)


def _shown(char: str) -> str:
    """A character as a message shows it: invisible ones by code point."""
    if char.isprintable() and not char.isspace():
        return char
    return f"U+{ord(char):04X}"


def check_name_kana(
    text: str,
    *,
    field: str = "カナ氏名",
    allowed: Collection[str] = DEFAULT_ALLOWED,
    max_bytes: int | None = None,
    key: str | None = None,
) -> Ok[str] | Err:
    """The カナ氏名 rule (SPEC A.1, R-PLUS-2): ``Ok(normalised)``, or an ``Err`` whose message
    names the first character not allowed (nothing is dropped), or the byte length over
    ``max_bytes`` (a voiced kana counts two). ``field`` is the label in the message; ``key``
    the form field the error belongs to (defaults to ``field``).

    Codes: E-FIELD-REQUIRED (empty after normalisation), E-KANA-CHAR (params ``label``,
    ``char``, ``position`` 1-based in the normalised text, ``normalised``), E-KANA-LENGTH
    (``label``, ``max_bytes``, ``length``).
    """
    where = key if key is not None else field
    normalised = normalise_kana(text)
    if not normalised:
        return Err("E-FIELD-REQUIRED", where, {"label": field})
    for index, char in enumerate(normalised):
        if char not in allowed:
            return Err(
                "E-KANA-CHAR",
                where,
                {
                    "label": field,
                    "char": _shown(char),
                    "position": index + 1,
                    "normalised": normalised,
                },
            )
    length = kana_byte_length(normalised)
    if max_bytes is not None and length > max_bytes:
        return Err(
            "E-KANA-LENGTH", where, {"label": field, "max_bytes": max_bytes, "length": length}
        )
    return Ok(normalised)


def kana_mismatch(a: str, b: str) -> bool:
    """Whether two カナ氏名 differ once both are normalised (A.1: the カナ氏名不一致リスト
    compares normalised forms on both sides)."""
    return normalise_kana(a) != normalise_kana(b)


def kana_difference(a: str, b: str) -> str | None:
    """How two カナ氏名 differ once both are normalised (A.1), as the lists say it: None when
    they are the same, 「n文字目から異なる」 at the first differing character, else
    「文字数が異なる」 (one is the other with more at the end). The カナ氏名不一致リスト (RK-11)
    and the 賃控元帳 相違リスト (RL-CYCLE-3) both use it."""
    left, right = normalise_kana(a), normalise_kana(b)
    if left == right:
        return None
    for index, (x, y) in enumerate(zip(left, right, strict=False)):
        if x != y:
            return message("I-KANA-DIFF-AT", position=index + 1)
    return message("I-KANA-DIFF-LENGTH")
