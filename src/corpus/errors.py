"""The one exception type for problems a user can fix."""

from __future__ import annotations


class CorpusError(Exception):
    """A problem with the user's data or arguments.

    The message is one line that names the file (and line, where there is
    one) and says how to fix it. The command line prints it as
    ``error: <message>`` and exits with status 1, without a traceback.
    """
