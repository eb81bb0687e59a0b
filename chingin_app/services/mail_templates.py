"""The texts of every mail the service sends (SPEC R-SEC-2, R-CERT-1, R-CERT-6, R-LOCK-4,
R-PLUS-4, R-PLUS-7, R-ENV-7).

Rules every template follows: plain UTF-8 text, times in Japan time, no links (a mail that
asks to click is what phishing looks like), and the same closing — 「お心当たりのない場合は…」
and the お問い合わせ先 (name, telephone, hours) from the settings. Each returns a
``MailMessage`` whose ``kind`` the outbox records (the daily limit counts 'auth_code').
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from chingin_app.domain.clock import to_jst
from chingin_app.domain.line_kinds import PayKind
from chingin_app.domain.notices import NoticeKind, RequestKind, month_label
from chingin_app.services.mail import MailMessage
from chingin_app.settings import settings

__all__ = [
    "SERVICE_NAME",
    "auth_code",
    "business_notice",
    "certificate_expired",
    "certificate_expiring",
    "certificate_issued",
    "issuance_locked",
    "jst_date",
    "jst_datetime",
    "login_blocked",
    "login_locked",
]

SERVICE_NAME: Final = "賃金控除事務支援サービス"
_SUBJECT_PREFIX: Final = f"【{SERVICE_NAME}】"
_RULE: Final = "――――――――――――――――――――――――――――――"


def jst_datetime(when: datetime) -> str:
    """``2026年4月1日 10:10``（日本時間）."""
    t = to_jst(when)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def jst_date(when: datetime) -> str:
    """``2026年4月1日`` (the Japan-time date)."""
    t = to_jst(when)
    return f"{t.year}年{t.month}月{t.day}日"


def _closing() -> str:
    s = settings()
    return "\n".join(
        [
            "お心当たりのない場合は、このメールを破棄し、下記のお問い合わせ先までご連絡ください。",
            "",
            _RULE,
            "お問い合わせ先",
            s.helpdesk_name,
            f"電話：{s.helpdesk_tel}",
            f"受付時間：{s.helpdesk_hours}",
            _RULE,
            "このメールは送信専用のアドレスから送信しています。ご返信いただいてもお答えできません。",
        ]
    )


def _compose(kind: str, subject: str, user_name: str, lines: list[str]) -> MailMessage:
    greeting = [f"{user_name} 様", "", f"{SERVICE_NAME}をご利用いただきありがとうございます。"]
    body = "\n".join([*greeting, "", *lines, "", _closing()]) + "\n"
    return MailMessage(subject=_SUBJECT_PREFIX + subject, body=body, kind=kind)


def auth_code(*, user_name: str, code: str, expires_at: datetime) -> MailMessage:
    """認証コードのお知らせ (R-CERT-1, R-SEC-2)."""
    return _compose(
        "auth_code",
        "認証コードのお知らせ",
        user_name,
        [
            "電子証明書発行のための認証コードをお知らせします。",
            "",
            f"認証コード：{code}",
            f"有効期限　：{jst_datetime(expires_at)}（日本時間）",
            "",
            "認証コード入力画面に上記の認証コードを入力し、「認証」ボタンを押してください。",
            "認証コードは1回のお手続きにのみ使えます。有効期限を過ぎた場合や、"
            "入力を5回間違えた場合は、最初からお手続きください。",
            "認証コードは他の人に教えないでください。金庫の職員がお尋ねすることはありません。",
        ],
    )


def certificate_issued(
    *, user_name: str, user_id: str, issued_at: datetime, not_after: datetime
) -> MailMessage:
    """電子証明書発行のお知らせ (R-PLUS-4 "e-mail notices on certificate issuance")."""
    return _compose(
        "certificate_issued",
        "電子証明書発行のお知らせ",
        user_name,
        [
            "次のとおり電子証明書を発行しました。",
            "",
            f"ユーザーＩＤ：{user_id}",
            f"発行日時　　：{jst_datetime(issued_at)}（日本時間）",
            f"有効期限　　：{jst_datetime(not_after)}（日本時間）",
            "",
            "電子証明書のファイル（.p12）をパソコンに取り込んだ後は、"
            "ダウンロードフォルダからファイルを削除してください。",
            "以前の電子証明書をお持ちの場合、その電子証明書はご利用いただけなくなりました。",
        ],
    )


def issuance_locked(*, user_name: str, until: datetime) -> MailMessage:
    """電子証明書発行のロック (R-LOCK-4): the owner learns of the lock only by this mail."""
    return _compose(
        "issuance_locked",
        "電子証明書発行のご利用を一時停止しました",
        user_name,
        [
            "電子証明書発行（ユーザー認証）で、パスワードが連続して6回正しく入力されませんでした。",
            f"このため、{jst_datetime(until)}（日本時間）まで、"
            "お客さまのユーザーＩＤでは電子証明書発行をご利用いただけません。",
            "ログイン（電子証明書をお持ちのパソコンからのご利用）には影響ありません。",
            "",
            "お客さまご自身の操作でない場合、第三者がユーザーＩＤを使って操作した可能性があります。"
            "パスワードの変更をご検討ください。",
        ],
    )


def login_locked(*, user_name: str, until: datetime) -> MailMessage:
    """ログイン不可（ロック） (R-LOCK-1, R-PLUS-4)."""
    return _compose(
        "login_locked",
        "ログイン不可（ロック）のお知らせ",
        user_name,
        [
            "ログイン時にパスワードが連続して6回正しく入力されなかったため、"
            "ログイン不可（ロック）となりました。",
            f"{jst_datetime(until)}（日本時間）以降に再度ログインしてください。",
            "なお、ロックが3回に達するとログイン不可（閉塞）となり、"
            "お取引店でのお手続きが必要になります。",
        ],
    )


def login_blocked(*, user_name: str) -> MailMessage:
    """ログイン不可（閉塞） (R-LOCK-2, R-PLUS-4)."""
    return _compose(
        "login_blocked",
        "ログイン不可（閉塞）のお知らせ",
        user_name,
        [
            "ログイン不可（ロック）が3回に達したため、ログイン不可（閉塞）となりました。",
            "ご利用を再開するには、お取引店へ「ログインＩＤ／パスワード初期化・"
            "電子証明書失効等依頼書」をご提出ください。",
        ],
    )


def certificate_expiring(*, user_name: str, not_after: datetime) -> MailMessage:
    """有効期限の30日前のお知らせ (R-CERT-6, R-CERT-4)."""
    return _compose(
        "certificate_expiring",
        "電子証明書の有効期限が近づいています",
        user_name,
        [
            f"お客さまの電子証明書の有効期限は {jst_datetime(not_after)}（日本時間）です。",
            "有効期限が切れるとログインできなくなります。",
            "トップ画面の「電子証明書発行」ボタンから、電子証明書を更新してください"
            "（有効期限の30日前から更新できます）。",
        ],
    )


def certificate_expired(*, user_name: str, not_after: datetime) -> MailMessage:
    """有効期限切れのお知らせ (R-CERT-6)."""
    return _compose(
        "certificate_expired",
        "電子証明書の有効期限が切れました",
        user_name,
        [
            f"お客さまの電子証明書の有効期限（{jst_datetime(not_after)}（日本時間））が切れました。",
            "引き続きご利用いただくには、トップ画面の「電子証明書発行」ボタンから"
            "電子証明書を発行してください。",
        ],
    )


def _user_admin_notice(
    kind: str, subject: str, *, master_name: str, what: str, user_id: str, user_name: str,
    at: datetime,
) -> MailMessage:
    return _compose(
        kind,
        subject,
        master_name,
        [
            f"マスターユーザーの操作により、次のとおり{what}。",
            "",
            f"ユーザーＩＤ：{user_id}",
            f"ユーザー名　：{user_name}",
            f"日時　　　　：{jst_datetime(at)}（日本時間）",
        ],
    )


def general_user_added(
    *, master_name: str, user_id: str, user_name: str, at: datetime
) -> MailMessage:
    """一般ユーザー登録のお知らせ to the master (R-USER-8)."""
    return _user_admin_notice(
        "user_added", "一般ユーザー登録のお知らせ", master_name=master_name,
        what="一般ユーザーを登録しました", user_id=user_id, user_name=user_name, at=at,
    )


def general_user_deleted(
    *, master_name: str, user_id: str, user_name: str, at: datetime
) -> MailMessage:
    """一般ユーザー削除のお知らせ to the master (R-USER-8); the certificate was revoked."""
    return _user_admin_notice(
        "user_deleted", "一般ユーザー削除のお知らせ", master_name=master_name,
        what="一般ユーザーを削除し、その電子証明書を失効させました", user_id=user_id,
        user_name=user_name, at=at,
    )


def temporary_password_set(
    *, master_name: str, user_id: str, user_name: str, at: datetime
) -> MailMessage:
    """仮のパスワード設定のお知らせ to the master (R-USER-8, R-USER-5a)."""
    return _user_admin_notice(
        "user_temp_password", "仮のパスワード設定のお知らせ", master_name=master_name,
        what="一般ユーザーに仮のパスワードを設定しました", user_id=user_id,
        user_name=user_name, at=at,
    )


def email_changed(*, user_name: str, user_id: str, at: datetime) -> MailMessage:
    """メールアドレス変更のお知らせ to the OLD address (R-USER-8)."""
    return _compose(
        "email_changed",
        "メールアドレス変更のお知らせ",
        user_name,
        [
            f"ユーザーＩＤ {user_id} の登録メールアドレスを変更しました"
            f"（{jst_datetime(at)}（日本時間））。",
            "今後のお知らせは新しいメールアドレスにお送りします。"
            "このメールアドレスには今後お知らせをお送りしません。",
        ],
    )


#: R-PLUS-7 notices greet no one by name: "No amounts or names in the mail".
_NOTICE_GREETING: Final = "ご担当者"
_NOTICE_SUBJECTS: Final[dict[NoticeKind, str]] = {
    NoticeKind.REQUEST: "控除依頼を受信しました",
    NoticeKind.DEADLINE: "まとめ入金期限が近づいています",
    NoticeKind.RESULTS: "控除結果を受信しました",
}


def _day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def business_notice(
    *,
    kind: NoticeKind,
    request_kind: RequestKind,
    group_no: str,
    deduct_month: str,
    pay_kind: str,
    deadline: date | None = None,
    not_deducted: int | None = None,
) -> MailMessage:
    """A business notice (R-PLUS-7): a new request, the まとめ入金期限 in 2 bank days while
    unconfirmed, results received (with the count of 控除不能).

    Deliberately no amount, no name (of the user, the organisation or an employee), no
    contract number and no 6-digit number: people search their mail for an authentication
    code, and a mail must not be mistaken for one (a unit test checks every combination). The
    reader signs in to see the figures."""
    label = PayKind(pay_kind).label
    what = [
        f"業務　　　　：{request_kind.label}",
        f"入金グループ：{group_no}",
        f"控除年月　　：{month_label(deduct_month)}",
        f"支給区分　　：{label}",
    ]
    if kind is NoticeKind.REQUEST:
        lines = ["次の控除依頼を受信しました。", "", *what, "",
                 "サービスにログインし、控除依頼の内容をご確認ください。"]
    elif kind is NoticeKind.DEADLINE:
        if deadline is None:
            raise ValueError("a deadline notice needs the deadline")
        lines = ["次の控除依頼は、まとめ入金確定がまだ行われていません。", "", *what,
                 f"まとめ入金期限：{_day_text(deadline)}", "",
                 "まとめ入金期限までに、サービスにログインしてまとめ入金確定を行ってください。"]
    else:
        if not_deducted is None:
            raise ValueError("a results notice needs the count of 控除不能")
        lines = ["次の控除依頼の控除結果を受信しました。", "", *what,
                 f"控除不能　　：{not_deducted:,}件", "",
                 "サービスにログインし、結果リストをご確認ください。"]
    return _compose(f"notice_{kind.value}", _NOTICE_SUBJECTS[kind], _NOTICE_GREETING, lines)
