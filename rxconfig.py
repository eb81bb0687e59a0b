"""Reflex configuration. Settings for the service itself live in chingin_app/settings.py."""

import os

import reflex as rx

_port = int(os.environ.get("CHINGIN_APP_PORT") or 8000)
_public = (os.environ.get("CHINGIN_BASE_URL") or "").rstrip("/") or (
    f"https://127.0.0.1:{os.environ.get('CHINGIN_PORT') or 8443}"
)

config = rx.Config(
    app_name="chingin_app",
    # The browser reaches the backend only through nginx at the public https origin (DESIGN §1).
    api_url=_public,
    deploy_url=_public,
    backend_host="127.0.0.1",
    backend_port=_port,
    frontend_port=_port,
    # nginx is the one hop in front; the client IP comes from it, never from the client.
    trusted_proxy_hops=1,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The websocket accepts only the service's own origin (R-SEC-1).
    cors_allowed_origins=[_public],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="blue", radius="small"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    default_color_mode="light",
)
