"""/healthz: database reachable and each CRL's nextUpdate (DESIGN §3), for monitoring."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from chingin_app.db import session_scope
from chingin_app.settings import settings


def crl_next_updates() -> dict[str, str | None]:
    """nextUpdate of the issuing and the root CA's CRL, ISO 8601 UTC (None when missing)."""
    out: dict[str, str | None] = {}
    for name in ("issuing", "root"):
        path = settings().pki_dir / f"{name}.crl.pem"
        try:
            crl = x509.load_pem_x509_crl(path.read_bytes())
        except (FileNotFoundError, ValueError):
            out[name] = None
            continue
        nxt: datetime | None = crl.next_update_utc
        out[name] = nxt.isoformat() if nxt else None
    return out


async def healthz(request: Request) -> JSONResponse:
    """200 when the database answers and both CRLs exist; 503 otherwise."""
    try:
        with session_scope(read_only=True) as db:
            db.exec(text("SELECT 1"))  # type: ignore[call-overload]
        db_ok = True
    except Exception:
        db_ok = False
    crls = crl_next_updates()
    ok = db_ok and all(crls.values())
    return JSONResponse(
        {"status": "ok" if ok else "fault", "database": db_ok, "crl_next_update": crls},
        status_code=200 if ok else 503,
        headers={"Cache-Control": "no-store"},
    )
