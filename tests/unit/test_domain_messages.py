"""Messages (STYLE §3, SPEC Appendix B): every Appendix B text verbatim, codes used by rules."""

from __future__ import annotations

import pytest

from chingin_app.domain.messages import MESSAGES, message

# Appendix B as written in SPEC.md; its placeholders ({HH:MM}, {from}, {to}) are renamed to
# Python format fields in messages.py (see PLACEHOLDERS).
APPENDIX_B_ROWS: list[tuple[str, str]] = [
    (
        "MSG-CERT-NONE",
        "電子証明書が確認できませんでした。電子証明書を取得したパソコンからご利用"
        "ください。ブラウザをすべて閉じてから再度アクセスし、ご自身のユーザーＩＤ"
        "が表示されている電子証明書を選択してください。",
    ),
    (
        "MSG-CERT-EXPIRED",
        "電子証明書の有効期限が切れています。トップ画面の「電子証明書発行」ボタン"
        "から電子証明書を発行してください。",
    ),
    ("MSG-CERT-REVOKED", "この電子証明書は失効しているため、ご利用いただけません。"),
    (
        "MSG-CERT-FOREIGN",
        "この電子証明書は本サービスではご利用いただけません。ブラウザをすべて閉じ"
        "てから再度アクセスし、ご自身のユーザーＩＤが表示されている電子証明書を選"
        "択してください。",
    ),
    (
        "MSG-CERT-SUPERSEDED",
        "この電子証明書は更新済みのため、ご利用いただけません。ブラウザをすべて閉"
        "じてから再度アクセスし、新しい電子証明書を選択してください。",
    ),
    ("MSG-PW-WRONG", "パスワードが正しくありません。"),
    (
        "MSG-LOCKED",
        "パスワードを連続して6回間違えたため、ログイン不可（ロック）となっていま"
        "す。{HH:MM}以降に再度ログインしてください。",
    ),
    (
        "MSG-BLOCKED",
        "ログイン不可（閉塞）となっています。お取引店へ「ログインＩＤ／パスワード"
        "初期化・電子証明書失効等依頼書」をご提出ください。",
    ),
    (
        "MSG-AUTH-GENERIC",
        "ユーザーＩＤまたはパスワードが正しくないか、現在ご利用いただけない状態です。",
    ),
    (
        "MSG-CONTRACT-GENERIC",
        "契約番号または初期パスワードが正しくないか、現在ご利用いただけない状態です。",
    ),
    ("MSG-MASTER-EXISTS", "マスターユーザーは既に登録されています。"),
    (
        "MSG-ID-TAKEN",
        "入力されたユーザーＩＤは既に使用されています。別のユーザーＩＤを入力してください。",
    ),
    (
        "MSG-CODE-SENT",
        "登録メールアドレス（{masked}）に認証コードを送信しました。認証コ"
        "ードのメールが届かない場合、登録されたメールアドレスを再度ご確認ください"
        "。",
    ),
    ("MSG-CODE-WRONG", "認証コードが正しくないか、有効期限が切れています。"),
    ("MSG-CODE-EXHAUSTED", "認証コードの入力回数が上限に達しました。最初からやり直してください。"),
    (
        "MSG-CERT-EXISTS",
        "有効な電子証明書が既に発行されています。電子証明書は有効期限の30日前か"
        "ら更新できます。パソコンの変更等で再発行が必要な場合は、お取引店へ「ログ"
        "インＩＤ／パスワード初期化・電子証明書失効等依頼書」をご提出ください。",
    ),
    (
        "MSG-TIMEOUT",
        "一定時間（60分）操作が行われなかったため、ログアウトしました。再度ログインしてください。",
    ),
    (
        "MSG-HOURS",
        "ただいまの時間はご利用いただけません。ご利用時間：月～金曜日 8:00～"
        "20:00（土・日・祝休日、12月31日～1月3日を除く）",
    ),
    ("MSG-MAINT", "ただいまメンテナンス中のため、ご利用いただけません。（{from}～{to}）"),
    ("MSG-LOGOUT", "ログアウトしました。ブラウザをすべて閉じてください。"),
    ("MSG-DUP-LOGIN", "別の画面またはパソコンでログインされたため、ログアウトしました。"),
    (
        "MSG-IE",
        "本サービスは Microsoft Edge の IE モードではご利用い"
        "ただけません。IE モードを解除し、Microsoft Edge でアク"
        "セスしてください。",
    ),
    ("MSG-USER-LIMIT", "一般ユーザーは10名まで登録できます。"),
    (
        "MSG-SYS",
        "ただいまご利用いただけません。しばらくしてから再度お試しください。（お問"
        "い合わせ番号：{incident}）",
    ),
]
PLACEHOLDERS = {"{HH:MM}": "{unlock_at}", "{from}": "{start}", "{to}": "{end}"}


def _as_python_format(text: str) -> str:
    for spec_field, python_field in PLACEHOLDERS.items():
        text = text.replace(spec_field, python_field)
    return text


@pytest.mark.parametrize(("key", "spec_text"), APPENDIX_B_ROWS, ids=[k for k, _ in APPENDIX_B_ROWS])
def test_appendix_b_every_key_verbatim(key: str, spec_text: str) -> None:
    """Appendix B: "The UI uses these texts verbatim." """
    assert MESSAGES[key] == _as_python_format(spec_text)


def test_appendix_b_table_complete() -> None:
    """Appendix B lists MSG-CERT-NONE … MSG-SYS: all 24 keys are present."""
    assert len(APPENDIX_B_ROWS) == 24
    assert {k for k, _ in APPENDIX_B_ROWS} <= MESSAGES.keys()


def test_r_lock_5_msg_locked_formats_unlock_time() -> None:
    """R-LOCK-5: the login page answers MSG-LOCKED (with the unlock time)."""
    text = message("MSG-LOCKED", unlock_at="14:35")
    assert "14:35以降に再度ログインしてください。" in text
    assert "{" not in text


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        (
            "MSG-CODE-SENT",
            {"masked": "ta****@example.co.jp"},
            "登録メールアドレス（ta****@example.co.jp）",
        ),
        (
            "MSG-MAINT",
            {"start": "2026/05/07 18:00", "end": "2026/05/07 22:00"},
            "（2026/05/07 18:00～2026/05/07 22:00）",
        ),
        ("MSG-SYS", {"incident": "A1B2C3"}, "（お問い合わせ番号：A1B2C3）"),
        ("MSG-HOURS-CLOSING", {"close": "20:00"}, "まもなくご利用時間が終了します（20:00）。"),
    ],
)
def test_appendix_b_placeholders_format(code: str, params: dict[str, str], expected: str) -> None:
    """Appendix B placeholders ({masked}, {from}～{to}, {incident}) and R-ENV-1a's (20:00)."""
    assert expected in message(code, **params)


def test_r_env_1a_closing_warning_text() -> None:
    """R-ENV-1a: "every screen warns (「まもなくご利用時間が終了します（20:00）。」)"."""
    assert (
        message("MSG-HOURS-CLOSING", close="20:00") == "まもなくご利用時間が終了します（20:00）。"
    )


def test_r_env_1_demo_hours_notice() -> None:
    """DESIGN §2: `always` for the demo, "which says so on screen"."""
    assert "制限はありません" in message("MSG-DEMO-HOURS")


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        ("E-FIELD-REQUIRED", {"label": "ユーザーＩＤ"}, "「ユーザーＩＤ」を入力してください。"),
        (
            "E-USER-ID-FORMAT",
            {},
            "「ユーザーＩＤ」は半角英字と数字を両方含む6～12桁で入力してください。",
        ),
        (
            "E-PASSWORD-FORMAT",
            {"label": "パスワード"},
            "「パスワード」は半角英大文字・英小文字・数字・記号をすべて含む8～12桁で入力してください。",
        ),
        ("E-CONTRACT-NO-FORMAT", {}, "「契約番号」は半角数字8桁で入力してください。"),
        ("E-USER-NAME-FORMAT", {}, "「ユーザー名」は全角20文字以内で入力してください。"),
        ("E-EMAIL-CARRIER", {}, "携帯電話のメールアドレスはご利用いただけません。"),
        (
            "E-REENTRY-MISMATCH",
            {"label": "パスワード再入力", "other_label": "パスワード"},
            "「パスワード再入力」が「パスワード」と一致しません。",
        ),
        (
            "E-INITIAL-PASSWORD-FORMAT",
            {},
            "「初期パスワード」は半角英大文字・英小文字・数字・記号をすべて含む8桁で入力してください。",
        ),
        (
            "E-GROUP-FORMAT",
            {},
            "「入金グループ」は「3桁の番号:名称」で入力してください。",
        ),
    ],
)
def test_appendix_b_field_examples(code: str, params: dict[str, str], expected: str) -> None:
    """Appendix B field examples: 「{項目名}」は{規則}で入力してください。"""
    assert message(code, **params) == expected


OPERATOR_CODES = [
    "E-CONTRACT-NO-FORMAT",
    "E-INITIAL-PASSWORD-FORMAT",
    "E-CONTRACT-NAME-FORMAT",
    "E-CONTRACT-KIND",
    "E-SERVICES-FORMAT",
    "E-GROUP-FORMAT",
    "E-GROUP-DUPLICATE",
    "E-GROUP-REQUIRED",
    "E-CONTRACT-EXISTS",
    "E-CONTRACT-NOT-FOUND",
    "E-PASSWORD-MISMATCH",
    "E-SECRET-ON-COMMAND-LINE",
    "E-FIELD-REQUIRED",
    "E-FIELD-SPACES",
]


@pytest.mark.parametrize("code", OPERATOR_CODES)
def test_r_ops_1_operator_codes_defined(code: str) -> None:
    """R-OPS-1 / R-OPS-7: the contract commands' refusals have Japanese texts."""
    text = message(code, label="契約名", number="001")
    assert text.endswith("。")
    assert "{" not in text


def test_messages_extra_params_ignored_unknown_code_raises() -> None:
    """STYLE §3: `message(err.code, **err.params)` works with an Err's params whole."""
    assert message("MSG-PW-WRONG", field="password") == "パスワードが正しくありません。"
    with pytest.raises(KeyError):
        message("MSG-NO-SUCH-CODE")


def test_every_message_is_japanese_text() -> None:
    """Appendix B: messages are Japanese texts for the UI."""
    for code, text in MESSAGES.items():
        assert text.strip() == text, code
        assert any(ord(c) > 0x3000 for c in text), code
