"""``python -m corpus`` is the ``corpus`` command."""

from .cli import main

raise SystemExit(main())
