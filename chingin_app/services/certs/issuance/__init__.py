"""Certificate issuance: ユーザー認証 → 認証コード → 発行 (SPEC R-CERT-1, R-CERT-1a, R-CERT-1c,
R-CERT-2, R-CERT-4, R-CERT-5, R-CERT-11, R-SEC-2, R-LOCK-4, R-LOCK-5).

The flow, one call per button:

``start_issuance`` (認証 on the ID + password screen of 電子証明書発行 or 一般ユーザーの初期登録)
    checks the password, then opens an attempt: a random 6-digit code (kept as a keyed hash,
    valid 10 minutes), a random 128-bit token for the screens (kept as its SHA-256), the typed
    password sealed with AES-256-GCM (``secretbox``; associated data binds it to the attempt's
    row), and the code mail in the outbox. One live attempt per user: starting again voids the
    previous one.
``resend_code`` (再送信) mails a NEW code (the stored hash cannot give the old one back) for
    the same attempt, no sooner than 60 s after the last; the attempt keeps its expiry, so the
    password is never held longer than 10 minutes after it was typed (R-CERT-11).
``verify_code`` (認証 on the code screen): the 5th wrong code voids the attempt; none of this
    counts toward any lock.
``issue_certificate`` (発行): key pair, certificate and .p12 in memory, the record (which
    supersedes the previous certificate), the attempt consumed and its password deleted in
    the same transaction; the superseded serial is published (CRL + nginx) after commit.
``purge_expired_challenges`` (scheduled jobs, R-OPS-4) voids expired attempts.

The argon2 verify, RSA key generation and .p12 encryption (the slow parts) run outside any
write transaction: on SQLite a write transaction holds the database's write lock. The rules
(dates, limits, masking, the code's format) are ``domain.certificate``. This package's face;
its private modules:

    _start      ユーザー認証 with the issuance counter (R-LOCK-4) and the per-IP throttle
    _code       再送信 and the code check
    _issue      発行
    _attempts   the attempt row: token, code digest, sealed password, locks, purge
    _log        the operation-log entries and the refusals every step shares
"""

from chingin_app.services.certs.issuance._attempts import (
    Challenge,
    Entry,
    hash_token,
    purge_expired_challenges,
)
from chingin_app.services.certs.issuance._code import resend_code, verify_code
from chingin_app.services.certs.issuance._issue import IssuedFile, issue_certificate
from chingin_app.services.certs.issuance._log import (
    ACTION_ISSUE,
    ACTION_LOCK,
    ACTION_RESEND,
    ACTION_START,
    ACTION_VERIFY,
    SCREENS,
)
from chingin_app.services.certs.issuance._start import (
    ISSUANCE_THROTTLE,
    PasswordVerifier,
    start_issuance,
)

__all__ = [
    "ACTION_ISSUE",
    "ACTION_LOCK",
    "ACTION_RESEND",
    "ACTION_START",
    "ACTION_VERIFY",
    "ISSUANCE_THROTTLE",
    "SCREENS",
    "Challenge",
    "Entry",
    "IssuedFile",
    "PasswordVerifier",
    "hash_token",
    "issue_certificate",
    "purge_expired_challenges",
    "resend_code",
    "start_issuance",
    "verify_code",
]
