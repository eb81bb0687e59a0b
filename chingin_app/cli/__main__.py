"""``python -m chingin_app.cli``: the same as the ``chingin`` command."""

from chingin_app.cli import main

raise SystemExit(main())
