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

#: The screens' own notices and refusals (SPEC §3; state/forms.py, login.py, contract_users.py,
#: certificate_issue.py, software_keyboard.py; the operator console, R-OPS-7, R-PLUS-6).
SCREEN_MESSAGES: Final[dict[str, str]] = {
    "I-LIST-COUNT": "{title}：{count:,}件",
    "I-RK-DETAIL-WHAT": "{product_code} {product_name}、口座番号 {account_no}",
    "E-FORM-REFUSED": (
        "入力内容に誤りがあります。各項目のメッセージをご確認ください。何も登録していません。"
    ),
    "E-PERIOD-FORMAT": "「{label}」は YYYY-MM-DD の形式で入力してください。",
    "E-KB-EXPIRED": (
        "ソフトウェアキーボードで入力した内容は15分を過ぎたため消去されました。"
        "もう一度入力してください。"
    ),
    "I-PW-CHANGED": "パスワードを変更しました。次回から新しいパスワードでログインしてください。",
    "I-CERT-CLOSE-BROWSER": "ブラウザをすべて閉じてください。",
    "I-USER-DELETE-DONE": "ユーザーＩＤ {user_id} を削除しました。",
    # インフォメーション画面 (R-INFO-1): 最新受信情報.
    "I-INFO-NONE-OF": "{what}：受信したデータはありません。",
    "I-INFO-LATEST-REQUEST": "{month} {pay_kind} 控除依頼（{received} 受信・{status}）",
    # The operator console's procedures (R-OPS-1..7): what was done, and what to do next.
    "I-OP-SIGNED-OUT": "サインアウトしました。ブラウザをすべて閉じてください。",
    "I-OP-CREATED": "契約 {number} を登録しました。お知らせを出力してください。",
    "I-OP-NOTICE": "契約 {number} のお知らせを出力しました。",
    "I-OP-INITIAL-PASSWORD": "契約 {number} の初期パスワードを変更しました。",
    "I-OP-CONTRACT-UNBLOCKED": "契約 {number} の初期パスワード閉塞を解除しました。",
    "I-OP-MASTER-INIT": "契約 {number} のマスターユーザーを初期化しました。",
    "I-OP-USER-UNBLOCKED": "ユーザー {user_id} の閉塞を解除しました。",
    "I-OP-CERT-REVOKED": "ユーザー {user_id} の電子証明書を失効しました。",
    "I-OP-CHANGED": "契約 {number} の内容を変更しました。お知らせ（変更）を出力してください。",
    "I-OP-SUSPENDED": "契約 {number} を一時停止しました。",
    "I-OP-TERMINATED": "契約 {number} を解約しました。",
    "W-OP-TERMINATED-CRL": (
        "契約 {number} を解約しましたが、失効リストを更新できませんでした。"
        "定期処理を実行してください。"
    ),
    "I-OP-JOBS": "定期処理を実行しました。",
    "W-OP-JOBS": (
        "定期処理を実行しましたが、対応が必要な警告があります。サーバーのログを確認してください。"
    ),
}

#: The `chingin` command's own texts (R-OPS-1..7, R-ENV-1a, R-LOG-1, RK-4, RK-11, RS-1, RZ-1;
#: DESIGN §2): refusals decided in cli/, and what each command reports when done. The
#: refusals shared with the screens are in the tables above.
CLI_MESSAGES: Final[dict[str, str]] = {
    # The release steps and production's refusals (R-DEP-1..3); ``problem`` is the preflight's
    # sentence naming what is missing and the step that makes it.
    "E-TEST-CLOCK": (
        "テスト用の時計（CHINGIN_TEST_CLOCK_FILE）は CHINGIN_ENV=test でしか使えません。"
        "設定を外してください。何も変更していません。"
    ),
    "E-SCHEMA": "{problem} 何も変更していません。",
    "E-NO-CA": "{problem} 何も変更していません。",
    "E-DEPLOYED-FILES": (
        "この VM のファイルが他の VM と合いません。何も変更していません。\n{problems}"
    ),
    "E-BUILD-FAILED": "フロントエンドのビルドに失敗しました（{reason}）。",
    "I-BUILD-DONE": (
        "フロントエンドをビルドしました：{web_dir}（公開URL {base_url}、"
        "インラインスクリプト {scripts} 件を CSP に登録）"
    ),
    "E-BUILD-NEEDED": "{problem}`chingin build` を実行してください。",
    "I-BUILD-CURRENT": "このリリースのビルドがあります：{web_dir}",
    "I-MIGRATE-DONE": "スキーマを更新しました：{before} → {after}",
    "I-MIGRATE-CURRENT": "スキーマは最新です：{after}",
    "I-CA-CREATED": "CA を作成しました：{directory}",
    # Backup and restore (R-DEP-6); ``reason`` is runtime.backup's sentence.
    "E-BACKUP": "バックアップ・復元をしませんでした：{reason}",
    "I-BACKUP-DONE": (
        "バックアップしました：{path}\n"
        "  CA パスフレーズファイル・secretbox.key・proxy-secret は含みません。"
        "別の場所に保管してください。"
    ),
    "I-RESTORE-DONE": (
        "復元しました（{database}、スキーマ {schema}）。"
        "スキーマが古い場合は `chingin migrate` を実行してください。\n"
        "  CA パスフレーズファイル・secretbox.key・proxy-secret は復元していません。"
        "保管してあるものを元の場所に置いてください。"
    ),
    "W-RESTORE-PUT-BACK": "・{problem}",
    "E-USAGE": (
        "コマンドの指定に誤りがあります（{detail}）。何も変更していません。"
        "「chingin -h」で使い方を確認してください。"
    ),
    # argparse's complaints as E-USAGE's {detail}; a typed value is never repeated (R-OPS-7).
    "E-USAGE-UNRECOGNISED": "認識できない引数があります。引数の値は表示しません",
    "E-USAGE-REQUIRED": "必須の指定がありません：{names}",
    "E-USAGE-CHOICE": "{name}は次のいずれかで指定してください：{choices}",
    "E-USAGE-VALUE": "{name} の値が正しくありません",
    "E-USAGE-ONE-VALUE": "{name} には値を1つ指定してください",
    "E-USAGE-AMBIGUOUS": "オプションの指定が正しくありません",
    "E-CODE-UNKNOWN": "処理できませんでした（{code}）。何も変更していません。",
    "E-INTERRUPTED": "中断しました。",
    "E-OPERATOR-NAME": "「操作者名」は空白を含めずに{max_len}文字以内で入力してください。",
    "E-DATETIME-FORMAT": (
        "「{label}」は「YYYY-MM-DD HH:MM」（日本時間）の形式で入力してください。"
    ),
    "E-DATE-FORMAT": "「{label}」は「YYYY-MM-DD」の形式で入力してください。",
    "E-ID-FORMAT": "「{label}」は半角数字で入力してください。",
    "E-FILE-READ": "ファイル {path} を読めませんでした（{reason}）。何も登録していません。",
    "E-MANUAL-FILE-READ": (
        "ファイル {path} を読み込めませんでした（{reason}）。何も登録していません。"
    ),
    "E-FILE-WRITE": (
        "ファイル {path} を書き込めませんでした（{reason}）。お知らせは出力していません。"
    ),
    "E-FILE-EXISTS": (
        "{path} は既にあります。別のファイル名を指定してください。何も登録していません。"
    ),
    "E-CHAIN-FORMAT": (
        "「チェーン」は system または contract:契約番号（半角数字8桁）で入力してください。"
    ),
    "E-CHAIN-NOT-FOUND": "操作ログのチェーン {chain} はありません。",
    "E-CERT-CRL-NOT-PUBLISHED": (
        "電子証明書は失効しました（サービスでは既に利用できません）が、失効リスト（CRL）を"
        "更新できませんでした（{reason}）。原因を取り除いてから「chingin jobs run」を"
        "実行してください。"
    ),
    "E-CONTRACT-CRL-NOT-PUBLISHED": (
        "契約 {number} を解約し、電子証明書{count}件を失効しました"
        "（サービスでは既に利用できません）が、"
        "失効リスト（CRL）を更新できませんでした（{reason}）。原因を取り除いてから"
        "「chingin jobs run」を実行してください。"
    ),
    # chingin contract … / notice (R-OPS-1, R-OPS-2, R-OPS-5, R-OPS-6).
    "I-CONTRACT-CREATED": "契約 {number} を登録しました。",
    "I-CONTRACT-NOTICE-NEXT": (
        "「chingin notice {number} -o ファイル名.pdf」でご利用開始のお知らせを出力してください。"
    ),
    "I-CONTRACT-SHOW": (
        "契約番号　　　　　: {contract_no}\n"
        "契約名　　　　　　: {name}\n"
        "契約区分　　　　　: {kind}\n"
        "契約サービス　　　: {services}\n"
        "入金グループ　　　:{groups}\n"
        "状態　　　　　　　: {status}\n"
        "初期パスワード　　: {initial_password}\n"
        "初期パスワード誤り: {failures}回\n"
        "閉塞　　　　　　　: {blocked}\n"
        "マスターユーザー　: {master}\n"
        "職員番号桁数　　　: {staff_no_digits}\n"
        "登録日時　　　　　: {created_at}（日本時間）"
    ),
    "I-CONTRACT-INITIAL-PASSWORD": "契約 {number} の初期パスワードを登録しました。",
    "I-CONTRACT-UNBLOCKED": (
        "契約 {number} の閉塞を解除しました（初期パスワードの誤り回数を0回にしました）。"
    ),
    "I-NOTICE-WRITTEN": "契約 {number} の{title}を {path} に出力しました。",
    "I-CONTRACT-CHANGED": "契約 {number} の内容を変更しました。",
    "I-CONTRACT-SUMMARY": (
        "契約名　　　　: {name}\n契約サービス　: {services}\n入金グループ　: {groups}"
    ),
    "I-CONTRACT-CHANGE-NOTICE-NEXT": (
        "「chingin notice {number} -o ファイル名.pdf --change」で"
        "ご利用開始（変更）のお知らせを出力してください。"
    ),
    "I-CONTRACT-SUSPENDED": (
        "契約 {number} を一時停止しました（ログイン中のユーザーの利用を終了しました）。"
    ),
    "I-CONTRACT-RESUMED": "契約 {number} の利用を再開しました。",
    "I-CONTRACT-TERMINATED": (
        "契約 {number} を解約しました（ログイン中のユーザーの利用を終了し、"
        "電子証明書をすべて失効しました）。"
    ),
    # chingin user … / cert revoke (R-OPS-2, R-CERT-7).
    "I-USER-UNBLOCKED": (
        "ユーザー {user_id} のロック・閉塞を解除しました"
        "（誤り回数を0回にしました。パスワードは変更していません）。"
    ),
    "I-MASTER-INITIALISED": (
        "契約 {number} のマスターユーザー {user_id} を初期化しました。\n"
        "電子証明書を失効し、ログイン中の画面を終了しました。ユーザーＩＤ "
        "{user_id} は再利用できません。一般ユーザーはそのままご利用いただけます。\n"
        "同じ契約番号と初期パスワードで「マスターユーザーの初期登録」ができます。"
    ),
    "I-CERT-REVOKED": (
        "ユーザー {user_id} の電子証明書（シリアル番号 {serial}）を失効させました"
        "（失効理由：{reason}）。"
    ),
    "I-CRL-PUBLISHED": "失効リスト（CRL）を更新し、サービスに反映しました。",
    # chingin maintenance … / holiday … (R-ENV-1a).
    "I-MAINT-ADDED": "メンテナンス（番号 {number}）を登録しました：{start}～{end}（日本時間）",
    "I-MAINT-NONE": "登録されているメンテナンスはありません。",
    "I-MAINT-REMOVED": "メンテナンス（番号 {number}）を削除しました。",
    "I-HOLIDAY-ADDED": "{day} を臨時休業日として登録しました。",
    "I-HOLIDAY-REMOVED": "{day} の臨時休業日の登録を削除しました。",
    "I-HOLIDAY-NONE": "登録されている臨時休業日はありません。",
    # chingin manual … (R-OPS-3, R-MAN-1).
    "I-MANUAL-ADDED": "「{title}」を登録しました（番号 {number}、{kind}向け）。",
    "I-MANUAL-NONE": "登録されているマニュアル・帳票はありません。",
    # chingin log verify (R-LOG-1).
    "I-LOG-EMPTY": "操作ログはまだありません。",
    "I-LOG-CHAIN-OK": "{chain}\t{count}件\t正常",
    "W-LOG-CHAIN-BROKEN": "{chain}\t{count}件\t改ざんの疑い（ID: {ids}）",
    "I-LOG-VERIFIED": "{chains}件のチェーンを検証しました。すべて正常です。",
    "W-LOG-VERIFIED-BROKEN": (
        "{chains}件のチェーンを検証しました。{broken}件のチェーンに改ざんの疑いがあります。"
    ),
    # chingin operator-account … (R-OPS-7).
    "I-OP-ACCOUNT-ADDED": (
        "オペレーター {login_id} を登録し、電子証明書を {path} に書き出しました。\n"
        "有効期限：{until}（日本時間）"
    ),
    "I-OP-ACCOUNT-REVOKED": "オペレーター {login_id} の電子証明書{count}件を失効しました。",
    "I-NGINX-NOT-RUNNING": "（nginx は起動していません）",
    "I-OP-ACCOUNT-NONE": "オペレーターは登録されていません。",
    "I-OP-ACCOUNT-ROW": "{login_id}\t{name}\t{status}\t証明書の有効期限：{until}",
    # chingin bank … (RK-4, RK-11, RS-1, RZ-1; the bank's files).
    "I-BANK-REQUEST-CREATED": (
        "入金グループ{group} {month} {pay_kind}の控除依頼を作成しました：依頼 {count}件 "
        "{amount}円（明細エラー {errors}件、解約 {ended}件）"
    ),
    "I-BANK-REQUEST-REPLACED": (
        "入金グループ{group} {month} {pay_kind}の控除依頼を作り直しました：依頼 {count}件 "
        "{amount}円（明細エラー {errors}件、解約 {ended}件）"
    ),
    "I-BANK-REQUEST-DATES": (
        "依頼データ作成日 {request_date} 控除日 {deduction_date} "
        "まとめ入金期限 {deadline} 入金予定日 {remittance_date}"
    ),
    "I-BANK-RESULTS-LOADED": (
        "入金グループ{group} {month} {pay_kind}の控除結果を登録しました："
        "済 {deducted}件、不能 {not_deducted}件、カナ氏名不一致 {mismatches}件"
    ),
    "I-BANK-BATCH-LOADED": (
        "入金グループ{group} {month} {kind}の一斉積立内訳明細を登録しました："
        "{count}件（新規 {new}件、変更 {changed}件、解約 {ended}件）"
    ),
    "I-BANK-ZAIKEI-LOADED": "入金グループ{group} {label}の{what}を登録しました：{count}件",
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
    # A screen opened (e.g. from a bookmark) with no session at all: nothing timed out, so
    # not MSG-TIMEOUT's 60 minutes (issue 13 item 6).
    "MSG-LOGIN-FIRST": (
        "ログインされていません。この画面をご利用になるには、ログインしてください。"
    ),
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

#: Bank kana and CSV files (SPEC A.1, A.2, R-PLUS-2; domain/kana.py, reports/csv_reader.py).
KANA_CSV_MESSAGES: Final[dict[str, str]] = {
    "E-KANA-CHAR": (
        "「{label}」は使用できない文字「{char}」を含めずに、半角カナ・英大文字・数字・空白と"
        "記号（ ( ) - . / ）で入力してください。"
    ),
    "E-KANA-LENGTH": (
        "「{label}」は濁点・半濁点を1文字と数えて半角{max_bytes}文字以内で入力してください"
        "（現在{length}文字）。"
    ),
    # How two カナ氏名 differ (domain.kana.kana_difference: カナ氏名不一致リスト, RL-5 相違リスト).
    "I-KANA-DIFF-AT": "{position}文字目から異なる",
    "I-KANA-DIFF-LENGTH": "文字数が異なる",
    "E-CSV-TOO-LARGE": (
        "{limit_mb}MBを超えるファイルは読み込めません。何も登録していません。"
        "ファイルを分けてから、もう一度読み込んでください。"
    ),
    "E-CSV-EMPTY": "ファイルにデータがありません。何も登録していません。",
    "E-CSV-ENCODING": (
        "{row}行目に読み取れない文字があり、ファイルの文字コードを判別できません。"
        "Shift_JIS（CP932）またはUTF-8で保存したCSVファイルを読み込んでください。"
        "何も登録していません。"
    ),
    "E-CSV-FORMAT": (
        "{row}行目付近のCSVの形式が正しくありません。何も登録していません。"
        "引用符（\"）の対応を確認してから、もう一度読み込んでください。"
    ),
    "E-CSV-HEADER": (
        "1行目の見出しが正しくありません（{column}列目：「{expected}」のところ「{found}」）。"
        "何も登録していません。出力したCSVファイルの見出しのまま読み込んでください。"
    ),
    "E-CSV-COLUMNS": (
        "{row}行目の列の数が{found}列です（{expected}列必要です）。何も登録していません。"
    ),
    "E-CSV-CHAR": (
        "{row}行目{column}列目の文字「{char}」は使用できません（Shift_JIS（CP932）で扱えない"
        "文字です）。何も登録していません。別の文字に置き換えてから読み込んでください。"
    ),
}

#: Per-employee details of every area (労金控除明細 RK-1/2/3 and 賃控元帳 RL-1/2/4, RL-3, RL-8,
#: RL-10): the field rules of services/detail_rules.py, the shared list screen
#: (state/detail_list.py) and the payment group every change needs.
DETAIL_MESSAGES: Final[dict[str, str]] = {
    "E-STAFF-NO-FORMAT": "「職員番号」は半角数字10桁以内で入力してください。",
    "E-NAME-KANJI-FORMAT": "「漢字氏名」は全角20文字以内で入力してください。",
    "E-DEPARTMENT-FORMAT": "「所属」は全角20文字以内で入力してください。",
    "E-AMOUNT-FORMAT": (
        "「{label}」は半角数字（カンマなし）で0～{max_amount}の範囲で入力してください。"
    ),
    "E-AMOUNT-ZERO": "「月例額」または「一時金額」のどちらかに1円以上を入力してください。",
    "E-MONTH-FORMAT": "「{label}」は半角の年月（例：2026-04）で入力してください。",
    "E-MONTH-ORDER": "「終了年月」は「開始年月」と同じか、それより後の年月で入力してください。",
    "E-ALREADY-CANCELLED": "この明細は既に解除されています。何も変更していません。",
    "E-NO-CHANGE": "変更する項目を入力してください。何も変更していません。",
    "E-GROUP-NOT-SELECTED": "入金グループを選択してから操作してください。",
    "E-SORT": "この項目では並べ替えできません。",
    "I-DETAIL-ADDED": "職員番号 {staff_no} に{noun}を追加しました。",
    "I-DETAIL-CHANGED": "職員番号 {staff_no} の{noun}を変更しました。",
    "I-DETAIL-CANCELLED": "職員番号 {staff_no} の{noun}を解除しました。",
    "I-DETAIL-REGISTERED": (
        "職員番号 {staff_no}（カナ氏名 {name_kana}）の{noun}（{what}）を登録しました。"
    ),
    "I-DETAIL-REGISTERED-PLAIN": "{noun}を登録しました。",
    "I-KANA-NORMALISED": "正規化後: {kana}",
    "I-HISTORY-OF-DETAIL": "職員番号 {staff_no} {name_kana} {what} の明細の履歴",
    "I-HISTORY-OF-UNKNOWN": "指定された明細の履歴",
}

#: 労金控除明細 (RK-1/2/3; services/rokin/details.py, detail_queries.py, detail_history.py).
ROKIN_DETAIL_MESSAGES: Final[dict[str, str]] = {
    "E-RK-STAFF-NO-TAKEN": (
        "入力された「職員番号」の職員は既に登録されています。明細の追加は労金控除明細照会の"
        "「追加登録」から行ってください。"
    ),
    "E-RK-PRODUCT-UNKNOWN": "「商品」は一覧から選択してください。",
    "E-RK-ACCOUNT-NO-FORMAT": "「口座番号」は半角数字7桁で入力してください。",
    "E-RK-REMAINING-FORMAT": "「残回数」は半角数字で1～{max_count}の範囲で入力してください。",
    "E-RK-REMAINING-NOT-LOAN": "「残回数」はローン返済の商品のときだけ入力してください。",
    "E-RK-DETAIL-DUPLICATE": (
        "同じ職員・商品・口座番号の有効な明細が既に登録されています。何も登録していません。"
    ),
    "E-RK-DETAIL-NOT-FOUND": (
        "指定された労金控除明細が見つかりません。一覧を表示し直してください。"
    ),
    "E-RK-EMPLOYEE-NOT-FOUND": "指定された職員が見つかりません。一覧を表示し直してください。",
    "E-RK-VERSION-CONFLICT": (
        "他のユーザーが先に更新したため、更新できませんでした。何も変更していません。"
        "一覧を表示し直してから、もう一度操作してください。"
    ),
}

#: The monthly cycle: requests, 入金中止, まとめ入金確定, the results file (RK-4, RK-8, RK-9,
#: RK-11, A.4; domain/deduction_cycle.py, services/rokin/cycle/, chingin bank …).
ROKIN_CYCLE_MESSAGES: Final[dict[str, str]] = {
    "E-HOLD-REASON-FORMAT": "「{label}」は{max}文字以内の1行で入力してください。",
    "E-HOLD-REASON-CHOOSE": "「不能理由」を選択してください。何も変更していません。",
    "E-CYCLE-CLOSED": "この控除依頼は「{state}」のため、変更できません。何も変更していません。",
    "E-CYCLE-ALREADY-CONFIRMED": "まとめ入金は既に確定しています。何も変更していません。",
    "E-CYCLE-NOT-CONFIRMED": (
        "まとめ入金は確定されていないため、確定を取り消せません。何も変更していません。"
    ),
    "E-CYCLE-HOLD-CONFIRMED": (
        "まとめ入金が確定済みのため、入金中止は変更できません。何も変更していません。"
        "変更する場合は、先にまとめ入金の確定を取り消してください。"
    ),
    "E-CYCLE-REPLACE-CONFIRMED": (
        "この控除依頼はまとめ入金が確定済みのため、差し替えできません。何も登録していません。"
    ),
    "E-CYCLE-RESULTS-NOT-CONFIRMED": (
        "まとめ入金が確定されていない控除依頼には、控除結果を登録できません。"
        "何も登録していません。"
    ),
    "E-CYCLE-DEADLINE": (
        "まとめ入金期限（{deadline}）を過ぎたため、この操作はできません。何も変更していません。"
        "お取引店へご連絡ください。"
    ),
    "E-CYCLE-UNDO-DEADLINE": (
        "まとめ入金期限（{deadline}）を過ぎたため、確定を取り消せません。何も変更していません。"
        "お取引店へご連絡ください。"
    ),
    "E-CYCLE-UNHELD-ERRORS": (
        "控除依頼明細エラーの明細が{count}件、入金中止に設定されていません（職員番号 {staff_no} "
        "ほか）。まとめ入金は確定していません。エラーの明細を入金中止に設定してから、"
        "もう一度確定してください。"
    ),
    "E-CYCLE-EXISTS": (
        "入金グループ{group}・控除年月{month}・{pay_kind}の控除依頼は既に作成されています。"
        "何も登録していません。作り直す場合は --replace を指定してください。"
    ),
    "E-CYCLE-NO-LINES": (
        "入金グループ{group}・控除年月{month}・{pay_kind}に控除する明細がありません。"
        "何も登録していません。"
    ),
    "E-CYCLE-NOT-FOUND": "指定された控除依頼はありません。何も変更していません。",
    "E-CYCLE-ITEM-NOT-FOUND": (
        "指定された依頼明細はありません。何も変更していません。一覧を表示し直してください。"
    ),
    "E-CYCLE-CONFLICT": (
        "他の操作で先に更新されたため、更新できませんでした。何も変更していません。"
        "一覧を表示し直してから、もう一度操作してください。"
    ),
    "E-CYCLE-HOLD-ENDED": "解約の明細は入金中止に設定できません。何も変更していません。",
    "E-CYCLE-NOT-HELD": "この明細は入金中止に設定されていません。何も変更していません。",
    # 控除依頼明細エラー: the text stored on a request line (RK-4 エラーリスト).
    "E-ITEM-KANA": "カナ氏名に使用できない文字「{char}」があります",
    "E-ITEM-AMOUNT-ZERO": "控除額が0円です",
    "E-ITEM-ACCOUNT": "口座番号が半角数字7桁ではありません",
    "E-ITEM-REMAINING-ZERO": "ローンの残回数が0回です",
    "E-PAY-KIND": (
        "「支給区分」は monthly（月例）または bonus（一時金）で入力してください。"
        "何も登録していません。"
    ),
    "E-RESULTS-FAILED": (
        "控除結果ファイルに{count}件の誤りがあります。何も登録していません。"
        "誤りを直してから、もう一度読み込んでください。"
    ),
    "E-RESULTS-VALUE": "{row}行目「{label}」は{rule}で入力してください。",
    "E-RESULTS-NO-REQUEST": (
        "{row}行目：入金グループ{group}・控除年月{month}・{pay_kind}の控除依頼がありません。"
    ),
    "E-RESULTS-REQUEST-STATE": (
        "{row}行目：入金グループ{group}・控除年月{month}・{pay_kind}の控除依頼は「{state}」の"
        "ため、控除結果を登録できません（まとめ入金確定済の控除依頼だけ登録できます）。"
    ),
    "E-RESULTS-NO-ITEM": (
        "{row}行目：職員番号{staff_no}・口座番号{account_no}・商品コード{product_code}の"
        "依頼明細がありません。"
    ),
    "E-RESULTS-DUPLICATE": "{row}行目：同じ依頼明細の結果が{first}行目にもあります。",
    "E-RESULTS-MISSING": (
        "入金グループ{group}・控除年月{month}・{pay_kind}の依頼明細のうち{count}件の結果が"
        "ありません（職員番号 {staff_no} ほか）。"
    ),
    "E-RESULTS-AMOUNT": (
        "{row}行目「控除額」：結果が済のときは依頼額（{requested}円）と同じ金額にしてください"
        "（{amount}円）。"
    ),
    "E-RESULTS-AMOUNT-NOT-DEDUCTED": "{row}行目「控除額」：結果が不能のときは0にしてください。",
    "E-RESULTS-HELD-DEDUCTED": (
        "{row}行目「結果コード」：入金中止の明細は不能（0以外）にしてください。"
    ),
    "I-REMIT-NO-REQUEST": "入金グループの控除依頼がありません。",
    "I-REMIT-HOLD-SET": "入金中止に設定しました。",
    "I-REMIT-HOLD-CLEARED": "入金中止を解除しました。",
    "I-REMIT-CONFIRMED": (
        "まとめ入金を確定しました。まとめ入金依頼書とまとめ入金更新明細書(Web依頼済)を出力できます。"
    ),
    "I-REMIT-UNDONE": "まとめ入金の確定を取り消しました。入金中止の設定を変更できます。",
    "E-REMIT-NOT-PRINTABLE": "まとめ入金が確定していないため、出力できません。",
    "I-REMIT-NO-CONFIRMABLE": "確定できる控除依頼（依頼受信）がありません。",
    "I-REMIT-NO-CONFIRMED": "まとめ入金確定済の控除依頼がありません。",
    # 今月の控除 (issue 14 item 1): what is still needed before まとめ入金確定.
    "W-WS-UNHELD-ERRORS": (
        "控除依頼明細エラーの明細が {count}件 入金中止に設定されていません（下の一覧で"
        "「入金中止にする」を押してください）。"
    ),
    "I-WS-CONFIRM-BY": "まとめ入金期限 {deadline} までに「確定」してください。",
    "I-WS-CONFIRMED": (
        "まとめ入金は確定済みです。まとめ入金依頼書を出力できます"
        "（確定の取消しは {deadline} まで）。"
    ),
    "I-WS-RESULTS": "控除結果を受信済みです。今月の作業は終わっています。",
    "W-WS-DEADLINE-PASSED": "まとめ入金期限 {deadline} を過ぎたため、確定できません。",
    "I-WS-NO-ERRORS": "入金中止にしていないエラーの明細はありません。",
    "E-WS-NO-LINE": "この差異に対応する控除依頼の明細がないため、入金中止にできません。",
}

#: The operator console and `chingin operator-account` (R-OPS-7, R-PLUS-6).
OPERATOR_CONSOLE_MESSAGES: Final[dict[str, str]] = {
    "E-OP-ID-FORMAT": "「オペレーターＩＤ」は半角英字・数字3～32桁で入力してください。",
    "E-OP-NAME-FORMAT": "「氏名」は前後に空白を含めずに40文字以内で入力してください。",
    "E-OP-EXISTS": "このオペレーターＩＤは既に登録されています。何も登録していません。",
    "E-OP-NOT-FOUND": (
        "指定されたオペレーターＩＤは登録されていません。何も変更していません。"
        "「chingin operator-account list」で確認してください。"
    ),
    "E-OP-LISTENER": "この画面は金庫内部の運用端末からのみご利用いただけます。",
    "E-OP-USER-OTHER-CONTRACT": (
        "このユーザーＩＤは対象の契約のユーザーではありません。何も変更していません。"
        "ユーザーＩＤを確認してください。"
    ),
    "E-OP-CERT": (
        "オペレーター用の電子証明書が確認できませんでした。ブラウザをすべて閉じてから"
        "再度アクセスし、ご自身のオペレーター用電子証明書を選択してください。"
    ),
    "E-OP-SESSION": (
        "サインインしていないか、サインインの有効期間が過ぎました。何も変更していません。"
        "再度サインインしてください。"
    ),
}

#: 給与控除データ照合 and カナ氏名チェックリスト (R-PLUS-1, R-PLUS-2, R-PLUS-5;
#: services/rokin/reconciliation.py, services/rokin/kana_check.py).
ROKIN_RECON_MESSAGES: Final[dict[str, str]] = {
    "E-RECON-NO-GROUP": (
        "入金グループが選択されていません。入金グループを選択してから操作してください。"
    ),
    "E-RECON-NO-REQUEST": (
        "この入金グループの控除依頼データをまだ受信していません。"
        "依頼データの受信後に照合してください。"
    ),
    "E-RECON-FILE": "照合するCSVファイルを1つ選択してください。",
    "E-RECON-LAYOUT": (
        "1行目の見出しが照合できる形式ではありません。何も登録していません。"
        "労金控除依頼データエクスポートの見出しのまま、または「職員番号」「商品コード」"
        "「口座番号」「控除額」の見出しを付けたCSVファイルを読み込んでください"
        "（ほかの列があってもかまいません）。"
    ),
    "E-RECON-COLUMN": (
        "1行目に「{name}」の列がないか、2つ以上あります。何も登録していません。"
        "照合には「職員番号」「商品コード」「口座番号」「控除額」（または「依頼額」）の列が"
        "必要です（ほかの列は読み飛ばします）。"
    ),
    "I-RECON-ZEROS": (
        "{count}件の明細で、{columns}の先頭の0が消えていたため、控除依頼の桁数に0を補って"
        "照合しました（例：{before} → {after}）。ExcelでCSVファイルを開いて保存すると、"
        "コードの先頭の0が消えることがあります。Excelで編集するときは「Excel出力」の"
        "ファイルを使ってください。"
    ),
    "E-RECON-REQUIRED": "{row}行目{column}列目「{label}」を入力してください。",
    "E-RECON-AMOUNT": (
        "{row}行目{column}列目「{label}」は半角数字（0～9999999、カンマなし）で入力してください"
        "（「{value}」）。"
    ),
    "E-RECON-DUPLICATE": (
        "{row}行目は{first}行目と職員番号・商品コード・口座番号が同じです"
        "（職員番号 {staff_no}）。1明細1行にしてください。"
    ),
    "W-KANA-CHAR": "金庫で使用できない文字「{char}」があります（{position}文字目）",
    "W-KANA-LENGTH": "半角{length}文字で、金庫の{max_bytes}文字を超えています",
    "W-KANA-EMPTY": "カナ氏名がありません",
    "W-KANA-BANK": "金庫登録カナ「{bank}」と異なります（{difference}）",
    "E-RECON-FILE-REFUSED": (
        "CSVファイルを読み込めませんでした。何も登録していません。内容を確認してください。"
    ),
    "I-RECON-READ": "文字コード：{encoding}　形式：{layout}　給与データ {lines}件 {total}円",
    "I-RECON-REQUEST": (
        "入金グループ {group_no} {group_name}　控除年月 {month}　{pay_kind}　{status}　"
        "依頼 {figures}"
    ),
    "I-KANA-CHECK-RESULTS": "金庫登録カナは控除年月 {month} の控除結果のものです。",
    "I-KANA-CHECK-NO-RESULTS": (
        "控除結果をまだ受信していないため、金庫登録カナとの比較はしていません。"
    ),
}

#: The 労金控除 output menus (RK-4, RK-5, RK-6, RK-7, RK-11; services/rokin/outputs.py).
ROKIN_OUTPUT_MESSAGES: Final[dict[str, str]] = {
    "E-OUT-REQUEST": (
        "指定された控除依頼はありません。控除依頼（控除年月・支給区分）を一覧から選び直して"
        "ください。何も出力していません。"
    ),
    "E-OUT-LIST": "出力するリストを一覧から選んでください。何も出力していません。",
    "E-OUT-ENCODING": "文字コードを一覧から選んでください。何も出力していません。",
    "E-OUT-CSV-CHAR": (
        "{row}行目{column}列目の文字「{char}」はこの文字コードで出力できません。何も出力して"
        "いません。文字コードに「UTF-8（BOM付き）」を選んで、もう一度出力してください。"
    ),
    "E-OUT-XLSX-CHAR": (
        "{row}行目{column}列目に、Excelのファイルに入れられない制御文字（{char}）があります。"
        "何も出力していません。その明細を直してから、もう一度出力してください。"
    ),
    "I-OUT-NO-REQUEST": "出力できる控除依頼がありません。",
    "I-OUT-NO-RESULTS": "控除結果を受信済みの控除依頼がありません。",
    "I-OUT-PREVIEW": "対象の明細は {figures} です（金額は依頼額の合計）。",
    "E-OUT-FAILED": "出力できませんでした。時間をおいてもう一度操作してください。",
}

#: 一斉積立事務 (RS-1, RS-2, RS-3; services/batch_savings.py, `chingin bank load-batch`).
BATCH_SAVINGS_MESSAGES: Final[dict[str, str]] = {
    "E-BATCH-FAILED": (
        "一斉積立内訳明細ファイルに{count}件の誤りがあります。何も登録していません。"
    ),
    "E-BATCH-VALUE": "{row}行目{column}列目「{label}」は{rule}で入力してください。",
    "E-BATCH-GROUP": "{row}行目{column}列目：入金グループ{group}はこの契約にありません。",
    "E-BATCH-DUPLICATE": (
        "{row}行目は{first}行目と職員番号・商品・口座番号が同じです（職員番号 {staff_no}）。"
        "1明細1行にしてください。"
    ),
    "E-BATCH-EXISTS": (
        "{row}行目：入金グループ{group} {month} {kind}の一斉積立内訳明細は受信済みです。"
    ),
    "E-BATCH-OLDER": (
        "{row}行目：入金グループ{group}には{month}より後の{kind}の一斉積立内訳明細"
        "（{later}）が受信済みです。"
    ),
    "E-BATCH-NO-SERVICE": "この契約は一斉積立事務を契約していません。何も登録していません。",
    "E-BATCH-STATEMENT": (
        "指定された一斉積立内訳明細はありません。積立年月・区分を一覧から選び直してください。"
        "何も出力していません。"
    ),
    "E-BATCH-SORT": "並べ替えできない列です。",
    "I-BATCH-NONE": "受信した一斉積立内訳明細はありません。",
    "I-BATCH-INFO-NONE": "受信したデータはありません。",
    "I-BATCH-PREVIEW": "対象の明細は{count}件、積立額の合計は{amount}円です。",
}

#: 財形貯蓄事務 (RZ-1 … RZ-3, R-PLUS-3; services/zaikei_bank.py, services/zaikei.py).
ZAIKEI_MESSAGES: Final[dict[str, str]] = {
    "E-ZAIKEI-FAILED": (
        "{what}ファイルに{count}件の誤りがあります。何も登録していません。"
        "誤りを直してから、もう一度読み込んでください。"
    ),
    "E-ZAIKEI-VALUE": "{row}行目{column}列目「{label}」は{rule}で入力してください。",
    "E-ZAIKEI-INCENTIVE": (
        "{row}行目{column}列目：この契約は奨励金を契約していないため、「奨励金」は空欄にして"
        "ください。"
    ),
    "E-ZAIKEI-DATE-MISMATCH": (
        "{row}行目：同じ預入依頼書の「入金予定日」が{first}行目と違います。"
    ),
    "E-ZAIKEI-HOLIDAY": "{row}行目：「入金予定日」{date}は金庫の休業日です。",
    "E-ZAIKEI-DUPLICATE-LINE": (
        "{row}行目：{first}行目と同じ明細（職員番号・種類・口座番号）です。1明細1行にしてください。"
    ),
    "E-ZAIKEI-GROUP": "{row}行目：入金グループ{group}はこの契約にありません。",
    "E-ZAIKEI-EXISTS": (
        "{row}行目：入金グループ{group}・預入年月{month}・{pay_kind}の預入依頼書は登録済みです。"
    ),
    "E-ZAIKEI-BALANCE-EXISTS": (
        "{row}行目：入金グループ{group}・基準日{as_of}の加入者残高一覧表は登録済みです。"
    ),
    "E-ZAIKEI-NOT-EMPLOYER": "この契約は財形（事業主）の契約ではありません。何も登録していません。",
    "E-ZAIKEI-NO-BALANCE-SERVICE": (
        "この契約は加入者残高一覧表を契約していません。何も登録していません。"
    ),
    "E-ZAIKEI-KIND-ARG": (
        "「--kind」は deposit（預入依頼書）または balance（加入者残高一覧表）で入力してください。"
    ),
    "E-ZAIKEI-DEPOSIT": (
        "指定された預入依頼書はありません。預入依頼書（預入年月・区分）を一覧から選び直して"
        "ください。何も出力していません。"
    ),
    "E-ZAIKEI-FILTER-KIND": "「種類」は一覧から選んでください。",
    "I-ZAIKEI-NO-DEPOSIT": "受信した預入依頼書がありません。",
    "I-ZAIKEI-PREVIEW": (
        "対象の明細は{count}件、月例額の合計は{monthly}円、一時金額の合計は{bonus}円です。"
    ),
}

#: 賃控元帳事務: the ledger details and the 種目 (RL-1, RL-2, RL-4, RL-11;
#: services/ledger/details.py, services/ledger/items.py). Rules shared with the 労金控除 details
#: (職員番号, amounts, months, カナ氏名) keep their E-RK-… messages.
LEDGER_MESSAGES: Final[dict[str, str]] = {
    "E-RL-DETAIL-NOT-FOUND": "指定された賃控元帳明細が見つかりません。一覧を表示し直してください。",
    "E-RL-EMPLOYEE-NOT-FOUND": "指定された職員が見つかりません。一覧を表示し直してください。",
    "E-RL-DETAIL-DUPLICATE": (
        "この職員には同じ種目の有効な賃控元帳明細が既に登録されています。何も登録していません。"
    ),
    "E-RL-STAFF-NO-TAKEN": (
        "入力された「職員番号」の職員は既に登録されています。職員番号を入力し直すと、"
        "登録済みの職員に明細を追加できます。"
    ),
    "E-RL-ITEM-UNKNOWN": "「種目」は一覧から選択してください。",
    "E-RL-VERSION-CONFLICT": (
        "他のユーザーが先に更新したため、更新できませんでした。何も変更していません。"
        "一覧を表示し直してから、もう一度操作してください。"
    ),
    "E-RL-ITEM-CODE-FORMAT": "「種目コード」は半角数字4桁以内で入力してください。",
    "E-RL-ITEM-NAME-FORMAT": "「種目名」は全角20文字以内で入力してください。",
    "E-RL-ITEM-CODE-TAKEN": "入力された「種目コード」は既に登録されています。",
    "E-RL-ITEM-NOT-FOUND": "指定された種目が見つかりません。一覧を表示し直してください。",
    "E-RL-ITEM-VERSION-CONFLICT": (
        "他のユーザーが先に種目を更新したため、操作できませんでした。何も変更していません。"
        "一覧を表示し直してから、もう一度操作してください。"
    ),
    "E-RL-ITEM-IN-USE": (
        "種目「{name}」は賃控元帳明細{count}件で使用されているため削除できません。"
        "何も削除していません。"
    ),
    "E-RL-NO-CHANGE": "変更する内容を入力してください。何も変更していません。",
    "I-RL-ITEM-ADDED": "種目 {item_code} を登録しました。",
    "I-RL-ITEM-CHANGED": "種目 {item_code} を変更しました。",
    "I-RL-ITEM-DELETED": "種目 {item_code} を削除しました。",
}

#: 賃控元帳 一括更新・データエクスポート／インポート (RL-8, RL-9, RL-10; services/ledger/bulk.py,
#: services/ledger/transfer.py).
LEDGER_TRANSFER_MESSAGES: Final[dict[str, str]] = {
    "E-RL-BULK-NO-AMOUNT": "「月例額」または「一時金額」に新しい金額を入力してください。",
    "E-RL-BULK-ZERO": (
        "一括更新すると月例額・一時金額がともに0円になる明細が{count}件あります。"
        "金額を入力し直してください。"
    ),
    "E-RL-BULK-CONFLICT": (
        "確認後に他のユーザーが明細を更新したため、一括更新できませんでした。何も変更していません。"
        "もう一度「確認」から操作してください。"
    ),
    "E-RL-IMPORT-FILE": "取り込むCSVファイルを1つ選択してください。",
    "E-RL-IMPORT-CELL": "{row}行目 {column}列目（{label}）：{reason}",
    "E-RL-IMPORT-STATE": "「状態」は「有効」「終了」「解除」のいずれかにしてください。",
    "E-RL-IMPORT-ID": (
        "この明細IDの賃控元帳明細はありません。新しい明細は明細IDを空欄にしてください。"
    ),
    "E-RL-IMPORT-ID-TWICE": "同じ明細IDの行が複数あります。",
    "E-RL-IMPORT-MISMATCH": "明細IDの明細と「{label}」が異なります。{label}は変更できません。",
    "E-RL-IMPORT-CANCELLED": "解除済みの明細は変更できません。",
    "E-RL-IMPORT-EMPLOYEE": "この職員番号の職員は選択中の入金グループに登録されていません。",
    "E-RL-IMPORT-NEW-CANCELLED": "新しい明細の「状態」を「解除」にはできません。",
    "E-RL-IMPORT-DUPLICATE": "この職員には同じ種目の有効な明細が既にあります。",
    "E-RL-IMPORT-CONFLICT": (
        "確認後に他のユーザーが明細を更新したため（{row}行目）、取り込めませんでした。"
        "何も変更していません。もう一度ファイルを読み込んでください。"
    ),
    "I-RL-BULK-DONE": "種目 {item_code} {item_name} の明細 {count}件を更新しました。",
    "E-RL-IMPORT-REFUSED": "CSVファイルに誤りがあるため取り込めません。何も変更していません。",
    "I-RL-IMPORT-READ": "文字コード：{encoding}　{lines}行",
    "I-CSV-CONVERTED": "{row}行目 {column}列目：「{before}」→「{after}」（{label}）",
    "I-RL-IMPORT-DONE": "取り込みました（新規 {new}件・変更 {changed}件・解除 {cancelled}件）。",
}

#: 賃控元帳's cycle: the request, the results file, the contract's 職員番号桁数 and the RL-5 … RL-13
#: outputs (RL-CYCLE-1 … 4; domain/ledger_cycle.py, services/ledger/cycle/, chingin bank …).
LEDGER_CYCLE_MESSAGES: Final[dict[str, str]] = {
    "E-STAFF-NO-DIGITS": (
        "「職員番号桁数」は半角数字1～{max}で入力してください。何も登録していません。"
    ),
    "I-LEDGER-DIFF-KANA": "カナ氏名：{difference}",
    "I-LEDGER-DIFF-DIGITS": "職員番号：{digits}桁（契約は{expected}桁）",
    "I-BANK-LEDGER-REQUEST-CREATED": (
        "入金グループ{group} {month} {pay_kind}の賃控元帳控除依頼を作成しました：依頼 {count}件 "
        "{amount}円（解約 {ended}件）"
    ),
    "I-BANK-LEDGER-REQUEST-REPLACED": (
        "入金グループ{group} {month} {pay_kind}の賃控元帳控除依頼を作り直しました：依頼 {count}件 "
        "{amount}円（解約 {ended}件）"
    ),
    "I-BANK-LEDGER-RESULTS-LOADED": (
        "入金グループ{group} {month} {pay_kind}の賃控元帳控除結果を登録しました："
        "済 {deducted}件、不能 {not_deducted}件"
    ),
    "E-LEDGER-RESULTS-FAILED": (
        "賃控元帳控除結果ファイルに{count}件の誤りがあります。何も登録していません。"
        "誤りを直してから、もう一度読み込んでください。"
    ),
    "E-LEDGER-RESULTS-NO-REQUEST": (
        "{row}行目：入金グループ{group}・控除年月{month}・{pay_kind}の賃控元帳控除依頼が"
        "ありません。"
    ),
    "E-LEDGER-RESULTS-NO-ITEM": (
        "{row}行目：職員番号{staff_no}・種目コード{item_code}の依頼明細がありません。"
    ),
    "E-LEDGER-RESULTS-CLOSED": (
        "{row}行目：入金グループ{group}・控除年月{month}・{pay_kind}の賃控元帳控除依頼は"
        "控除結果を登録済みです。"
    ),
    "I-LEDGER-OUT-NO-REQUEST": "出力できる賃控元帳控除依頼がありません。",
    "I-LEDGER-OUT-NO-RESULTS": "控除結果を受信済みの賃控元帳控除依頼がありません。",
    "E-LEDGER-OUT-REQUEST": (
        "指定された賃控元帳控除依頼はありません。控除依頼（控除年月・支給区分）を一覧から"
        "選び直してください。何も出力していません。"
    ),
    "I-COMBINED-PREVIEW": (
        "対象の職員は{employees}人、労金控除{rokin}円・賃控元帳{ledger}円、合計{total}円です。"
    ),
}

#: Business notices on the information screen and 通知設定 (SPEC §13 R-PLUS-7).
NOTICE_MESSAGES: Final[dict[str, str]] = {
    "I-NOTICE-REQUEST": (
        "{what} {month} {pay_kind}の控除依頼を受信しました（入金グループ{group}）。"
    ),
    "I-NOTICE-DEADLINE": (
        "{what} {month} {pay_kind}の控除依頼は、まとめ入金確定がまだ行われていません。"
        "まとめ入金期限は{deadline}です（入金グループ{group}）。"
    ),
    "I-NOTICE-RESULTS": (
        "{what} {month} {pay_kind}の控除結果を受信しました。控除不能は{count:,}件です"
        "（入金グループ{group}）。"
    ),
    "I-NOTICE-NONE": "お知らせはありません。",
    "I-NOTICE-SETTINGS-SAVED": "通知設定を更新しました。",
    "E-NOTICE-SETTINGS-STALE": (
        "ほかの画面で通知設定が変更されました。画面を開き直してから、もう一度更新してください。"
        "何も変更していません。"
    ),
}

#: 職員情報照会・変更 (RK-12; services/rokin/employees.py) and the ledger import's note on the
#: employee's own fields (RL-10).
EMPLOYEE_MESSAGES: Final[dict[str, str]] = {
    "E-RK-EMPLOYEE-VERSION-CONFLICT": (
        "他のユーザーが先にこの職員の情報を更新したため、更新できませんでした。何も変更して"
        "いません。一覧を表示し直してから、もう一度操作してください。"
    ),
    "E-RK-RETIRE-MONTH-PAST": (
        "「退職年月」は今月（{month}）以降の年月を入力してください。何も変更していません。"
    ),
    "E-RK-RETIRE-NOTHING": (
        "この職員には{month}より後も続く有効な明細がありません。何も変更していません。"
    ),
    "E-RK-RETIRE-CHANGED": (
        "確認後に明細または職員の情報が更新されたため、退職を登録できませんでした。何も変更して"
        "いません。もう一度「確認」から操作してください。"
    ),
    "E-RK-RETIRE-DETAIL": (
        "{kind}（{what}）を終了できません：{reason}何も変更していません。"
    ),
    "I-EMPLOYEE-CHANGED": "職員番号 {staff_no} の職員情報を変更しました。",
    "I-EMPLOYEE-RETIRE-PREVIEW": (
        "職員番号 {staff_no} {name_kana} を{month}で退職とすると、次の明細が終了します"
        "（労金控除明細 {rokin}件・賃控元帳明細 {ledger}件）。よろしければ「退職を登録」を"
        "押してください。"
    ),
    "I-EMPLOYEE-RETIRED": (
        "職員番号 {staff_no} の退職（{month}）を登録しました：労金控除明細 {rokin}件・"
        "賃控元帳明細 {ledger}件を終了しました。"
    ),
    "I-RL-IMPORT-EMPLOYEE-FIELDS": (
        "{row}行目：{label}はファイルと登録内容が異なりますが、取り込みません（登録内容"
        "「{stored}」のまま）。職員の{label}は「職員情報照会・変更」で変更してください。"
    ),
}

MESSAGES: Final[dict[str, str]] = {
    **EMPLOYEE_MESSAGES,
    **OPERATOR_CONSOLE_MESSAGES,
    **USER_ADMIN_MESSAGES,
    **KANA_CSV_MESSAGES,
    **LOG_MESSAGES,
    **OPERATOR_MORE_MESSAGES,
    **APPENDIX_B,
    **LOGIN_MESSAGES,
    **HOURS_MESSAGES,
    **SCREEN_MESSAGES,
    **CLI_MESSAGES,
    **FIELD_MESSAGES,
    **OPERATOR_MESSAGES,
    **ISSUANCE_MESSAGES,
    **DETAIL_MESSAGES,
    **ROKIN_DETAIL_MESSAGES,
    **ROKIN_CYCLE_MESSAGES,
    **ROKIN_RECON_MESSAGES,
    **ROKIN_OUTPUT_MESSAGES,
    **ZAIKEI_MESSAGES,
    **BATCH_SAVINGS_MESSAGES,
    **LEDGER_MESSAGES,
    **LEDGER_TRANSFER_MESSAGES,
    **LEDGER_CYCLE_MESSAGES,
    **NOTICE_MESSAGES,
}


def message(code: str, /, **params: object) -> str:
    """The text for a message code with its parameters filled in (STYLE §3, Appendix B).

    Raises KeyError for an unknown code or a missing parameter (both are bugs). Extra
    parameters are ignored, so an ``Err``'s params can be passed whole:
    ``message(err.code, **err.params)``; ``code`` is positional-only, so a text may have a
    ``{code}`` field of its own (E-CODE-UNKNOWN).
    """
    return MESSAGES[code].format(**params)
