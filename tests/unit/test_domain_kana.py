"""Bank kana (SPEC A.1, R-PLUS-2): normalisation steps in order, the allowed set, characters
reported (never dropped), byte lengths and the カナ氏名不一致 comparison."""

from __future__ import annotations

import pytest

from chingin_app.domain.kana import (
    DEFAULT_ALLOWED,
    allowed_chars,
    check_name_kana,
    disallowed_chars,
    kana_byte_length,
    kana_mismatch,
    normalise_kana,
)
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok


def test_a1_examples() -> None:
    """A.1 "Examples: きゅうよ いちろう → ｷﾕｳﾖ ｲﾁﾛｳ; ヴァイオレット → ｳﾞｱｲｵﾚﾂﾄ"."""
    assert normalise_kana("きゅうよ いちろう") == "ｷﾕｳﾖ ｲﾁﾛｳ"
    assert normalise_kana("ヴァイオレット") == "ｳﾞｱｲｵﾚﾂﾄ"


@pytest.mark.parametrize(
    ("small", "large"),
    [
        ("ァ", "ｱ"),
        ("ィ", "ｲ"),
        ("ゥ", "ｳ"),
        ("ェ", "ｴ"),
        ("ォ", "ｵ"),
        ("ャ", "ﾔ"),
        ("ュ", "ﾕ"),
        ("ョ", "ﾖ"),
        ("ッ", "ﾂ"),
        ("ぁ", "ｱ"),
        ("ぃ", "ｲ"),
        ("ぅ", "ｳ"),
        ("ぇ", "ｴ"),
        ("ぉ", "ｵ"),
        ("ゃ", "ﾔ"),
        ("ゅ", "ﾕ"),
        ("ょ", "ﾖ"),
        ("っ", "ﾂ"),
        ("ｧ", "ｱ"),
        ("ｨ", "ｲ"),
        ("ｩ", "ｳ"),
        ("ｪ", "ｴ"),
        ("ｫ", "ｵ"),
        ("ｬ", "ﾔ"),
        ("ｭ", "ﾕ"),
        ("ｮ", "ﾖ"),
        ("ｯ", "ﾂ"),
        ("ゎ", "ﾜ"),
        ("ゕ", "ｶ"),
        ("ゖ", "ｹ"),
    ],
)
def test_a1_every_small_kana_is_enlarged(small: str, large: str) -> None:
    """A.1 "small kana enlarged (ｧｨｩｪｫｬｭｮｯ → ｱｲｳｴｵﾔﾕﾖﾂ …)", from hiragana, full- and
    half-width katakana alike."""
    assert normalise_kana(small) == large
    assert check_name_kana(small) == Ok(large)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("ヵ", "ｶ"), ("ヶ", "ｹ"), ("ヮ", "ﾜ"), ("ヰ", "ｲ"), ("ヱ", "ｴ"), ("ヸ", "ｲﾞ"), ("ヹ", "ｴﾞ")],
)
def test_a1_kana_without_half_width_form(given: str, expected: str) -> None:
    """A.1 "ヵ→ｶ, ヶ→ｹ, ヮ→ﾜ, ヰ→ｲ, ヱ→ｴ" (they have no half-width form of their own)."""
    assert normalise_kana(given) == expected
    assert normalise_kana("ワ" + given) == "ﾜ" + expected


def test_a1_voiced_marks_are_their_own_characters() -> None:
    """A.1 "dakuten/handakuten as their own characters": ガ → ｶﾞ, パ → ﾊﾟ, ヴ/ゔ → ｳﾞ; the
    half-width pair and a spacing ゛ typed after the kana give the same."""
    assert normalise_kana("ガギグゲゴ パピプペポ") == "ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"
    assert normalise_kana("ゔ") == "ｳﾞ"
    assert normalise_kana("ｶﾞ") == "ｶﾞ"
    assert normalise_kana("カ゛ハ゜") == "ｶﾞﾊﾟ"


def test_a1_long_vowel_and_middle_dot() -> None:
    """A.1 "long vowel ｰ to -, ･ to ." whether typed full- or half-width."""
    assert normalise_kana("スミス・ジョーン") == "ｽﾐｽ.ｼﾞﾖ-ﾝ"
    assert normalise_kana("ｽﾐｽ･ｼﾞｮｰﾝ") == "ｽﾐｽ.ｼﾞﾖ-ﾝ"
    assert check_name_kana("ジョーン・スミス") == Ok("ｼﾞﾖ-ﾝ.ｽﾐｽ")


def test_a1_spaces_full_width_and_runs_collapsed() -> None:
    """A.1 "full-width space to half-width, runs of spaces collapsed"; nothing at either end."""
    assert normalise_kana("やまだ\u3000\u3000 \u3000たろう") == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert normalise_kana("\u3000ヤマダ タロウ  ") == "ﾔﾏﾀﾞ ﾀﾛｳ"


def test_a1_letters_digits_and_symbols() -> None:
    """A.1 "A–Z, 0–9, space and ( ) - . /": full-width and lower-case become upper-case ASCII."""
    assert normalise_kana("ｊｏｈｎ ｓｍｉｔｈ２") == "JOHN SMITH2"
    assert normalise_kana("abc（カ）／－．") == "ABC(ｶ)/-."
    assert check_name_kana("ｶ)ﾔﾏﾀﾞｼｮｳｼﾞ") == Ok("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")


def test_a1_kanji_is_reported_never_dropped() -> None:
    """A.1 "A character still outside the allowed set afterwards is an error, never dropped";
    the message names it."""
    assert normalise_kana("やま田") == "ﾔﾏ田"
    result = check_name_kana("やま田 たろう", field="カナ氏名", key="kana_name")
    assert isinstance(result, Err)
    assert result.code == "E-KANA-CHAR"
    assert result.field == "kana_name"
    assert result.params["char"] == "田"
    assert result.params["position"] == 3
    assert "「田」" in message(result.code, **result.params)
    assert disallowed_chars(normalise_kana("山田ゝ田"), DEFAULT_ALLOWED) == ["山", "田", "ヽ"]


@pytest.mark.parametrize(
    "bad", ["ヤマダ、タロウ", "ヤマダ~", "ヤマダ\tタロウ", "ヤマダ😀", "ヤマダ'"]
)
def test_r_plus_2_other_characters_are_refused(bad: str) -> None:
    """R-PLUS-2 "flag カナ氏名 that the bank will reject": punctuation outside the set, tabs and
    emoji are errors (an invisible one is shown by code point)."""
    result = check_name_kana(bad)
    assert isinstance(result, Err) and result.code == "E-KANA-CHAR"
    if "\t" in bad:
        assert result.params["char"] == "U+0009"


def test_a1_allowed_set_is_configurable() -> None:
    """A.1 "some banks also 「」 and \\; keep the set configurable"."""
    assert isinstance(check_name_kana("ｶ「ﾔﾏﾀﾞ」"), Err)
    extended = allowed_chars("「」\\")
    assert check_name_kana("カ「ヤマダ」", allowed=extended) == Ok("ｶ｢ﾔﾏﾀﾞ｣")
    assert check_name_kana("ヤマダ¥", allowed=extended) == Ok("ﾔﾏﾀﾞ\\")
    assert isinstance(check_name_kana("ヤマダ¥"), Err)


def test_a1_byte_length_counts_voiced_kana_as_two() -> None:
    """A.1 "Field lengths are in bytes (a voiced kana is two)"."""
    assert kana_byte_length(normalise_kana("ガッコウ")) == 5
    assert kana_byte_length(normalise_kana("パ ABC")) == 6
    assert check_name_kana("ガガガ", max_bytes=6) == Ok("ｶﾞｶﾞｶﾞ")
    too_long = check_name_kana("ガガガ", max_bytes=5)
    assert isinstance(too_long, Err)
    assert (too_long.code, too_long.params["length"]) == ("E-KANA-LENGTH", 6)
    assert "半角5文字以内" in message(too_long.code, **too_long.params)


def test_empty_after_normalisation_is_required_error() -> None:
    """A name of spaces only is no name (SPEC §3 required)."""
    result = check_name_kana("\u3000 ")
    assert isinstance(result, Err) and result.code == "E-FIELD-REQUIRED"
    assert message(result.code, **result.params) == "「カナ氏名」を入力してください。"


def test_a1_mismatch_compares_normalised_forms() -> None:
    """A.1 "The カナ氏名不一致リスト compares normalised forms on both sides"."""
    assert not kana_mismatch("きゅうよ いちろう", "ｷｭｳﾖ\u3000\u3000ｲﾁﾛｳ")
    assert not kana_mismatch("ジョーン", "ｼﾞﾖ-ﾝ")
    assert kana_mismatch("ｷﾕｳﾖ ｲﾁﾛｳ", "ｷﾕｳﾖ ｼﾞﾛｳ")
    assert kana_mismatch("ﾊﾟﾝ", "ﾊﾞﾝ")


def test_default_allowed_has_no_small_kana() -> None:
    """A.1 "half-width katakana (no small kana)": none of ｧ…ｯ nor ｰ is in the default set."""
    assert not set("ｧｨｩｪｫｬｭｮｯｰ･") & DEFAULT_ALLOWED
    assert set("ｦｱﾝﾞﾟ ()-./AZ09") <= DEFAULT_ALLOWED
