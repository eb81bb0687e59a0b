"""A throwaway Reflex app showing the software keyboard alone (not part of the service).

Run from this directory (Node from the venv, npm, no telemetry)::

    PATH=/work/main/.venv/bin:$PATH REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false \
        reflex run --env prod --single-port --backend-host 127.0.0.1

then open http://127.0.0.1:8731/ or run ``python drive.py`` (Chromium + Playwright).
"""

import reflex as rx

config = rx.Config(
    app_name="kbdemo",
    backend_port=8731,
    frontend_port=8731,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="blue", radius="small"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
