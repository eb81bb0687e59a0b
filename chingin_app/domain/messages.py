"""Every text the service shows, by code (SPEC Appendix B, STYLE §3).

Appendix B texts are verbatim; their placeholders are Python format fields:
MSG-LOCKED ``{unlock_at}`` (HH:MM JST), MSG-CODE-SENT ``{masked}``, MSG-MAINT ``{start}`` /
``{end}`` (Appendix B writes ``{from}～{to}``; ``from`` is a Python keyword, so the fields are
renamed), MSG-SYS ``{incident}``, MSG-HOURS-CLOSING ``{close}`` (R-ENV-1a).

Field rules follow 「{項目名}」は{規則}で入力してください。 (SPEC §3, Appendix B "field
examples"); the field label is the ``{label}`` parameter where one code serves several fields.
Operator-command codes (R-OPS-1, DESIGN §2 ``chingin contract create``) say whether anything
was saved. Unit tests assert codes; e2e tests assert these texts.
"""

from __future__ import annotations

from typing import Final

#: Appendix B, verbatim (placeholders renamed as the module docstring says).
APPENDIX_B: Final[dict[str, str]] = {
    "MSG-CERT-NONE": (
        "電子証明書が確認できませんでした。電子証明書を取得したパソコンからご利用ください。"
        "ブラウザをすべて閉じてから再度アクセスし、ご自身のユーザーＩＤが表示されている"
        "電子証明書を選択してください。"
    ),
    "MSG-CERT-EXPIRED": (
        "電子証明書の有効期限が切れています。トップ画面の「電子証明書発行」ボタンから"
        "電子証明書を発行してください。"
    ),
    "MSG-CERT-REVOKED": "この電子証明書は失効しているため、ご利用いただけません。",
    "MSG-CERT-FOREIGN": (
        "この電子証明書は本サービスではご利用いただけません。ブラウザをすべて閉じてから"
        "再度アクセスし、ご自身のユーザーＩＤが表示されている電子証明書を選択してください。"
    ),
    "MSG-CERT-SUPERSEDED": (
        "この電子証明書は更新済みのため、ご利用いただけません。ブラウザをすべて閉じてから"
        "再度アクセスし、新しい電子証明書を選択してください。"
    ),
    "MSG-PW-WRONG": "パスワードが正しくありません。",
    "MSG-LOCKED": (
        "パスワードを連続して6回間違えたため、ログイン不可（ロック）となっています。"
        "{unlock_at}以降に再度ログインしてください。"
    ),
    "MSG-BLOCKED": (
        "ログイン不可（閉塞）となっています。お取引店へ「ログインＩＤ／パスワード初期化・"
        "電子証明書失効等依頼書」をご提出ください。"
    ),
    "MSG-AUTH-GENERIC": (
        "ユーザーＩＤまたはパスワードが正しくないか、現在ご利用いただけない状態です。"
    ),
    "MSG-CONTRACT-GENERIC": (
        "契約番号または初期パスワードが正しくないか、現在ご利用いただけない状態です。"
    ),
    "MSG-MASTER-EXISTS": "マスターユーザーは既に登録されています。",
    "MSG-ID-TAKEN": (
        "入力されたユーザーＩＤは既に使用されています。別のユーザーＩＤを入力してください。"
    ),
    "MSG-CODE-SENT": (
        "登録メールアドレス（{masked}）に認証コードを送信しました。認証コードのメールが"
        "届かない場合、登録されたメールアドレスを再度ご確認ください。"
    ),
    "MSG-CODE-WRONG": "認証コードが正しくないか、有効期限が切れています。",
    "MSG-CODE-EXHAUSTED": "認証コードの入力回数が上限に達しました。最初からやり直してください。",
    "MSG-CERT-EXISTS": (
        "有効な電子証明書が既に発行されています。電子証明書は有効期限の30日前から更新できます。"
        "パソコンの変更等で再発行が必要な場合は、お取引店へ「ログインＩＤ／パスワード初期化・"
        "電子証明書失効等依頼書」をご提出ください。"
    ),
    "MSG-TIMEOUT": (
        "一定時間（60分）操作が行われなかったため、ログアウトしました。再度ログインしてください。"
    ),
    "MSG-HOURS": (
        "ただいまの時間はご利用いただけません。ご利用時間：月～金曜日 8:00～20:00"
        "（土・日・祝休日、12月31日～1月3日を除く）"
    ),
    "MSG-MAINT": "ただいまメンテナンス中のため、ご利用いただけません。（{start}～{end}）",
    "MSG-LOGOUT": "ログアウトしました。ブラウザをすべて閉じてください。",
    "MSG-DUP-LOGIN": "別の画面またはパソコンでログインされたため、ログアウトしました。",
    "MSG-IE": (
        "本サービスは Microsoft Edge の IE モードではご利用いただけません。IE モードを解除し、"
        "Microsoft Edge でアクセスしてください。"
    ),
    "MSG-USER-LIMIT": "一般ユーザーは10名まで登録できます。",
    "MSG-SYS": (
        "ただいまご利用いただけません。しばらくしてから再度お試しください。"
        "（お問い合わせ番号：{incident}）"
    ),
}

#: Service hours beyond Appendix B (R-ENV-1a; DESIGN §2 "the demo … says so on screen").
HOURS_MESSAGES: Final[dict[str, str]] = {
    "MSG-HOURS-CLOSING": "まもなくご利用時間が終了します（{close}）。",
    "MSG-DEMO-HOURS": "デモ環境のため、ご利用時間の制限はありません。",
}

#: Field rules (SPEC §3), 「{項目名}」は{規則}で入力してください。
FIELD_MESSAGES: Final[dict[str, str]] = {
    "E-FIELD-REQUIRED": "「{label}」を入力してください。",
    "E-FIELD-SPACES": "「{label}」は前後に空白を入れずに入力してください。",
    "E-FIELD-CHARS": "「{label}」は使用できない文字（{chars}）を含めずに入力してください。",
    "E-CONTRACT-NO-FORMAT": "「契約番号」は半角数字8桁で入力してください。",
    "E-INITIAL-PASSWORD-FORMAT": (
        "「初期パスワード」は半角英大文字・英小文字・数字・記号をすべて含む8桁で入力してください。"
    ),
    "E-USER-ID-FORMAT": "「ユーザーＩＤ」は半角英字と数字を両方含む6～12桁で入力してください。",
    "E-PASSWORD-FORMAT": (
        "「{label}」は半角英大文字・英小文字・数字・記号をすべて含む8～12桁で入力してください。"
    ),
    "E-PASSWORD-SAME-AS-CURRENT": (
        "「{label}」は現在のパスワードと異なるパスワードで入力してください。"
    ),
    "E-PASSWORD-SAME-AS-USER-ID": "「{label}」はユーザーＩＤと異なるパスワードで入力してください。",
    "E-REENTRY-MISMATCH": "「{label}」が「{other_label}」と一致しません。",
    "E-USER-NAME-FORMAT": "「ユーザー名」は全角20文字以内で入力してください。",
    "E-EMAIL-FORMAT": (
        "「{label}」は半角英数字と記号を使った正しい形式（50文字以内）で入力してください。"
    ),
    "E-EMAIL-CARRIER": "携帯電話のメールアドレスはご利用いただけません。",
}

#: Operator commands (R-OPS-1, R-OPS-7; DESIGN §2 ``chingin contract create``).
OPERATOR_MESSAGES: Final[dict[str, str]] = {
    "E-CONTRACT-KIND": (
        "「契約種別」は member（会員）または employer（事業主）で入力してください。"
    ),
    "E-CONTRACT-NAME-FORMAT": (
        "「契約名」は全角40文字以内で入力してください（半角の英数字と空白は全角に変換します）。"
    ),
    "E-SERVICES-FORMAT": (
        "「契約サービス」は、会員（member）は rokin・ledger・batch から1つ以上、"
        "事業主（employer）は zaikei と必要に応じて zaikei-balance・zaikei-incentive を、"
        "カンマ区切りで入力してください。"
    ),
    "E-GROUP-FORMAT": "「入金グループ」は「3桁の番号:名称」で入力してください。",
    "E-GROUP-NAME-FORMAT": "「入金グループ名」は全角20文字以内で入力してください。",
    "E-GROUP-DUPLICATE": (
        "「入金グループ」の番号{number}が重複しています。番号は契約の中で重複しないように"
        "入力してください。"
    ),
    "E-GROUP-REQUIRED": "「入金グループ」を1つ以上入力してください。",
    "E-CONTRACT-EXISTS": (
        "この契約番号の契約は既に登録されています。何も登録していません。"
        "契約の内容は「chingin contract show」で確認してください。"
    ),
    "E-CONTRACT-NOT-FOUND": (
        "この契約番号の契約は登録されていません。契約番号を確認してください。"
    ),
    "E-PASSWORD-MISMATCH": (
        "2回入力されたパスワードが一致しません。何も登録していません。もう一度入力してください。"
    ),
    "E-SECRET-ON-COMMAND-LINE": (
        "パスワードはコマンドラインに直接書けません。「-」を指定して標準入力から渡すか、"
        "指定せずにプロンプトで入力してください。何も登録していません。"
    ),
    "E-MAINT-RANGE": "メンテナンスの終了日時は開始日時より後にしてください。何も登録していません。",
    "E-MAINT-PAST": "既に終了した時間帯はメンテナンスとして登録できません。何も登録していません。",
    "E-MAINT-NOT-FOUND": (
        "指定されたメンテナンスは登録されていません。"
        "「chingin maintenance list」で確認してください。"
    ),
    "E-CLOSED-DAY-EXISTS": "この日は既に休業日として登録されています。何も登録していません。",
    "E-CLOSED-DAY-NOT-FOUND": (
        "この日は休業日として登録されていません。「chingin holiday list」で確認してください。"
    ),
}

#: Registration, login, sessions and the user commands (R-MREG, R-LOGIN, R-SESS, R-OPS-2/6).
LOGIN_MESSAGES: Final[dict[str, str]] = {
    "MSG-CONTRACT-ENDED": "ご契約が終了しているため、ご利用いただけません。",
    "MSG-TRY-LATER": (
        "ただいまご登録いただけません。何も登録していません。"
        "しばらくしてから再度お試しください。"
    ),
    "MSG-PW-CHANGE-REQUIRED": (
        "仮のパスワードでログインしています。先にパスワードを変更してください。"
    ),
    "MSG-SESSION-ENDED": "ログアウトしました。再度ログインしてください。",
    "MSG-GROUP-UNKNOWN": (
        "選択された入金グループはご利用いただけません。入金グループを選択し直してください。"
    ),
    "E-USER-NOT-FOUND": (
        "このユーザーＩＤのユーザーは登録されていません。何も変更していません。"
        "ユーザーＩＤを確認してください。"
    ),
    "E-USER-DELETED": "このユーザーは削除済みです。何も変更していません。",
    "E-MASTER-NOT-FOUND": (
        "この契約にはマスターユーザーが登録されていません。何も変更していません。"
    ),
}

#: Certificate issuance and the certificate commands (R-CERT-1, R-CERT-1c, R-SEC-2, R-OPS-2).
ISSUANCE_MESSAGES: Final[dict[str, str]] = {
    "MSG-USE-CERT-ISSUE": (
        "一般ユーザーの初期登録は、電子証明書を発行したことのない一般ユーザーの方のみ"
        "ご利用いただけます。トップ画面の「電子証明書発行」ボタンからお手続きください。"
    ),
    "E-CODE-FORMAT": "「認証コード」は半角数字6桁で入力してください。",
    "E-CODE-RESEND-TOO-SOON": (
        "認証コードは前回の送信から60秒たつまで再送信できません。メールは送信していません。"
        "あと{seconds}秒お待ちいただいてから「再送信」ボタンを押してください。"
    ),
    "E-CODE-MAIL-LIMIT": (
        "認証コードのメールは1日に10回まで送信できます。本日の上限に達したため、"
        "メールは送信していません。明日以降に、最初からお手続きください。"
    ),
    "E-ISSUANCE-RESTART": (
        "お手続きの有効期限（10分）が切れたか、お手続きが既に終了しています。"
        "電子証明書は発行していません。最初からやり直してください。"
    ),
    "E-CERT-NONE-TO-REVOKE": (
        "このユーザーには失効できる電子証明書がありません。何も変更していません。"
    ),
    "E-REVOKE-REASON": (
        "「失効理由」は pc-change（パソコンの変更）、lost（紛失）、other（その他）の"
        "いずれかで入力してください。何も変更していません。"
    ),
}

#: Contract changes, suspension and termination, manuals (R-OPS-5, R-OPS-6, R-MAN-1, R-OPS-3).
OPERATOR_MORE_MESSAGES: Final[dict[str, str]] = {
    "E-CONTRACT-NO-CHANGE": "変更する内容が指定されていません。何も変更していません。",
    "E-CONTRACT-STATUS": (
        "この契約は「{status}」のため、この操作はできません。何も変更していません。"
        "契約の状態は「chingin contract show」で確認してください。"
    ),
    "E-GROUP-EXISTS": (
        "入金グループの番号{number}は既に登録されています。何も変更していません。"
    ),
    "E-GROUP-NOT-FOUND": (
        "入金グループの番号{number}は登録されていません。何も変更していません。"
    ),
    "E-GROUP-NUMBER-FORMAT": (
        "削除する入金グループは半角数字3桁の番号で入力してください。何も変更していません。"
    ),
    "E-MANUAL-KIND": (
        "「対象」は member（会員）、employer（事業主）、both（両方）のいずれかで入力してください。"
        "何も登録していません。"
    ),
    "E-MANUAL-TITLE": (
        "「表題」は1文字以上100文字以内で入力してください。何も登録していません。"
    ),
    "E-MANUAL-FILENAME": (
        "ファイル名は「.pdf」で終わる200文字以内の名前にしてください（フォルダ名は含めません）。"
        "何も登録していません。"
    ),
    "E-MANUAL-NOT-PDF": "PDFファイルのみ登録できます。何も登録していません。",
    "E-MANUAL-TOO-LARGE": "10MBを超えるファイルは登録できません。何も登録していません。",
    "E-MANUAL-IE-MODE": (
        "IEモードの設定資料は、本サービスでは提供しません（IEモードには対応していません）。"
        "何も登録していません。"
    ),
}

#: The operation log's search and export (R-LOG-1, R-ENV-3, A.2).
LOG_MESSAGES: Final[dict[str, str]] = {
    "E-LOG-EXPORT-LIMIT": (
        "該当する操作ログが{count}件あり、一度に出力できる{limit}件を超えています。"
        "ファイルは作成していません。期間などで絞り込んでから、もう一度出力してください。"
    ),
    "E-LOG-CSV-ENCODING": (
        "{row}行目{column}列目にShift_JIS（CP932）で出力できない文字があります。"
        "ファイルは作成していません。文字コードに「UTF-8」を選んで、もう一度出力してください。"
    ),
}

#: User administration and menu restrictions (R-INFO-2a, R-USER-1..8, R-USER-7/7a).
USER_ADMIN_MESSAGES: Final[dict[str, str]] = {
    "E-MASTER-ONLY": "この操作はマスターユーザーのみ行えます。何も変更していません。",
    "E-USER-IS-MASTER": (
        "マスターユーザーはこの画面では変更・削除できません。何も変更していません。"
    ),
    "E-USER-CONFLICT": (
        "このユーザーの情報は他の操作で更新されています。何も変更していません。"
        "最新の内容を表示し直してから、もう一度操作してください。"
    ),
    "E-NOTHING-TO-CHANGE": "変更する項目を入力してください。何も変更していません。",
    "E-PERMISSION-MENU": (
        "ユーザー別機能制限に、ご契約にないメニューが含まれています。何も変更していません。"
    ),
    "E-PERMISSION-LEVEL": "「{label}」のユーザー別機能制限は{allowed}から選択してください。",
    "E-MENU-HIDDEN": "このメニューはご利用いただけません。",
    "E-MENU-VIEW-ONLY": (
        "このメニューは閲覧のみに設定されているため、登録・変更はできません。"
        "何も変更していません。"
    ),
    "E-MENU-NOT-CONTRACTED": "ご契約内容により、このメニューはご利用いただけません。",
}

MESSAGES: Final[dict[str, str]] = {
    **USER_ADMIN_MESSAGES,
    **LOG_MESSAGES,
    **OPERATOR_MORE_MESSAGES,
    **APPENDIX_B,
    **LOGIN_MESSAGES,
    **HOURS_MESSAGES,
    **FIELD_MESSAGES,
    **OPERATOR_MESSAGES,
    **ISSUANCE_MESSAGES,
}


def message(code: str, **params: object) -> str:
    """The text for a message code with its parameters filled in (STYLE §3, Appendix B).

    Raises KeyError for an unknown code or a missing parameter (both are bugs). Extra
    parameters are ignored, so an ``Err``'s params can be passed whole:
    ``message(err.code, **err.params)``.
    """
    return MESSAGES[code].format(**params)
