"""/crl/<name>: the CRL distribution point written into certificates (public by nature)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from chingin_app.settings import settings

_NAMES = {"issuing.crl", "root.crl"}


async def crl_file(request: Request) -> Response:
    """Serve the DER CRL of the issuing or the root CA; nothing else under /crl/."""
    name = request.path_params["name"]
    if name not in _NAMES:
        return Response(status_code=404)
    try:
        body = (settings().pki_dir / "public" / name).read_bytes()
    except FileNotFoundError:
        return Response(status_code=404)
    return Response(body, media_type="application/pkix-crl")
