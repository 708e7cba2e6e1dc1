"""The one exception type for problems a user can fix, and one line for the system's own refusals."""

from __future__ import annotations

import errno


class CorpusError(Exception):
    """A problem with the user's data or arguments.

    The message is one line that names the file (and line, where there is
    one) and says how to fix it. The command line prints it as
    ``error: <message>`` and exits with status 1, without a traceback.
    """


# What a user can do about a read or write the system refused (by errno).
_OS_ERROR_FIXES = {
    errno.ENOSPC: "free some space, or write elsewhere (--out DIR; TMPDIR and CORPUS_CACHE_DIR for temporary "
                  "files and the cache)",
    errno.EDQUOT: "your disk quota is full: free some space, or write elsewhere (--out DIR)",
    errno.EROFS: "that file system is read-only: write elsewhere (--out DIR)",
    errno.EACCES: "this user may not write or read there: choose a folder you own (--out DIR, --data DIR)",
    errno.EPERM: "this user may not write or read there: choose a folder you own (--out DIR, --data DIR)",
    errno.EMFILE: "too many files open at once: raise the limit (ulimit -n) and run it again",
}


def os_error_line(error: OSError) -> str:
    """One line for an ``OSError`` no command foresaw: the file, the system's reason, and what to do.

    >>> os_error_line(OSError(errno.ENOSPC, "No space left on device", "out/report.html"))
    'out/report.html: No space left on device; free some space, or write elsewhere (--out DIR; TMPDIR and \
CORPUS_CACHE_DIR for temporary files and the cache)'
    """
    where = f"{error.filename}: " if error.filename is not None else ""
    reason = error.strerror or str(error) or type(error).__name__
    fix = _OS_ERROR_FIXES.get(error.errno)
    return f"{where}{reason}" + (f"; {fix}" if fix else "")
