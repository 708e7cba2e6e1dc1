"""``python -m corpus`` is the ``corpus`` command."""

from .cli import main

if __name__ == "__main__":  # not when a worker process imports it
    raise SystemExit(main())
