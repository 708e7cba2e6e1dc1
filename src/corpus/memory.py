"""Memory, time and signals of this process: what it holds now, handing freed memory back, per-stage timings,
and worker processes started deaf to Ctrl-C.

At 10,000 speeches the pipeline moves gigabytes through Python's allocator
and Arrow's; both keep freed memory for reuse unless asked to return it.
"""

from __future__ import annotations

import ctypes
import gc
import resource
import sys
import threading
import time
from contextlib import contextmanager

import pyarrow as pa

_PAGE_MB = resource.getpagesize() / 2**20
# A stage whose memory grew this much hands what it freed back to the system at its end. Not every stage: a full
# garbage collection costs ~0.13 s with a report's objects alive, 1.6 s of a 20 s rerun at 1,000 speeches.
RELEASE_AFTER_MB = 64


def rss_mb() -> float:
    """Resident memory of this process now (Linux), else its peak so far."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def release_memory() -> None:
    """Hand memory freed by Python and Arrow back to the system.

    Both allocators keep freed memory for reuse: after loading 10,000 speeches
    the process held ~650 MB it no longer used. Where glibc's ``malloc_trim``
    is missing (macOS, musl) only Arrow's pool is released.
    """
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim_heap()


def trim_heap() -> None:
    """Hand the memory freed in this process's C heap back to the system (glibc's ``malloc_trim``; elsewhere
    nothing): numpy arrays below ~32 MB live there, and freeing them does not lower the resident memory."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):
        pass


def freeze_imports() -> None:
    """Collect garbage once, then exempt every object alive now from later collections (``gc.freeze``).

    Call it once the modules a run needs are imported: their ~170,000 objects (modules, classes,
    functions) are then never scanned again, and each full collection of :func:`release_memory` costs
    ~0.01 s instead of ~0.1 s. :func:`thaw` ends it (at the end of the run: in a notebook, objects
    frozen for good would never be collected if they became garbage).
    """
    gc.collect()
    gc.freeze()


def thaw() -> None:
    """Undo :func:`freeze_imports`: the frozen objects are collected as usual again."""
    gc.unfreeze()


class Stages:
    """Wall time and peak memory of each stage of a run: ``with stages("clean"): ...``.

    ``times`` and ``peak_mb`` map stage names, in order, to seconds and to the
    peak resident memory (MB) of the process during that stage. The peak is
    sampled every ``interval`` seconds by a thread, which leaves the kernel's
    own high-water mark (``time -v``, ``getrusage``) untouched.

    With ``progress`` (a terminal: ``corpus report`` on a TTY), one tqdm status line shows the stage
    running, how many of ``expected`` stages are done and the time so far; it is cleared at the end.
    Messages printed meanwhile should go through :meth:`write` so the line does not tear.
    """

    def __init__(self, *, interval: float = 0.01, progress: bool = False, expected: int | None = None):
        self.times: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self.interval = interval
        self._bar = None
        if progress:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=expected, unit="stage", leave=False, dynamic_ncols=True,
                             bar_format="{desc} {n_fmt}/{total_fmt} stages [{elapsed}]" if expected
                             else "{desc} {n_fmt} stages [{elapsed}]")

    @contextmanager
    def __call__(self, name: str):
        start, peak, done = time.perf_counter(), [rss_mb()], threading.Event()
        peak_at_start = peak[0]
        if self._bar is not None:
            self._bar.set_description_str(name, refresh=True)

        def sample():
            ticks = 0
            while not done.wait(self.interval):
                peak[0] = max(peak[0], rss_mb())
                ticks += 1
                if self._bar is not None and ticks * self.interval >= 0.5:  # the clock moves on a long stage
                    ticks = 0
                    self._bar.refresh()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            raise_if_interrupted()
            yield
            raise_if_interrupted()
        finally:
            done.set()
            sampler.join()
            if max(peak[0], rss_mb()) - peak_at_start >= RELEASE_AFTER_MB:
                release_memory()
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - start
            self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), peak[0], rss_mb())
            if self._bar is not None:
                self._bar.update(1)
                self._bar.refresh()  # update() alone redraws at most every 0.1 s: a quick stage's count would not show

    def write(self, message: str, *, file=None) -> None:
        """Print a line above the progress line (or plainly, without one)."""
        if self._bar is None:
            print(message, file=file)
        else:
            self._bar.write(message, file=file)

    def close(self) -> None:
        """Clear the progress line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def describe(self) -> str:
        """``timings: load 0.1s 210MB, clean 0.5s 260MB, …; total 9.9s; peak RSS 512 MB (in topics)``."""
        total = sum(self.times.values())
        parts = ", ".join(f"{name} {seconds:.1f}s {self.peak_mb.get(name, 0):.0f}MB"
                          for name, seconds in self.times.items())
        text = f"timings: {parts}; total {total:.1f}s"
        if self.peak_mb:
            grew = max(self.peak_mb, key=lambda name: self.peak_mb[name])
            text += f"; peak RSS {self.peak_mb[grew]:.0f} MB (in {grew})"
        return text


@contextmanager
def sigint_blocked():
    """Hold Ctrl-C back in this thread for a moment: a process started meanwhile starts with SIGINT blocked.

    Blocked, not ignored: a Ctrl-C that arrives meanwhile is delivered here when the moment ends, never lost.
    """
    import signal

    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks (and no process group to share one)
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def become_worker(parent: int) -> None:
    """Set up a worker process of ``parent``: deaf to Ctrl-C, and ending once ``parent`` is gone.

    Ctrl-C reaches the whole process group: the worker ignores it, so that only the parent answers (one line) and
    stops its workers; a worker that took it would print a ``KeyboardInterrupt`` traceback of its own. A worker
    started inside :func:`sigint_blocked` had it blocked until now: a Ctrl-C meanwhile is dropped here. An orphaned
    worker (its parent killed, even by ``kill -9``) would go on for minutes holding its memory, with nobody to read
    what it makes: it ends within half a second.
    """
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # not on Windows
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="end-with-parent").start()


_ctrl_c = threading.Event()


def record_ctrl_c() -> None:
    """Answer Ctrl-C in this process by remembering it as well as raising ``KeyboardInterrupt``.

    Python runs a signal handler wherever the main thread is: inside a weakref callback or a ``__del__``
    (matplotlib's transforms have them) the ``KeyboardInterrupt`` is "ignored" and the Ctrl-C lost, and a
    report then ran on to exit 0. Remembered, it is raised again at the next stage
    (:func:`raise_if_interrupted`). Only from the main thread, and only where Ctrl-C is not ignored (a
    background job) or handled by someone else already.
    """
    import signal

    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) not in (signal.default_int_handler, _on_ctrl_c):
        return
    _ctrl_c.clear()
    signal.signal(signal.SIGINT, _on_ctrl_c)
    if sys.unraisablehook is not _quiet_ctrl_c:
        _quiet_ctrl_c.previous = sys.unraisablehook
        sys.unraisablehook = _quiet_ctrl_c


def _on_ctrl_c(signum, frame):
    _ctrl_c.set()
    raise KeyboardInterrupt


def _quiet_ctrl_c(unraisable) -> None:
    """A swallowed Ctrl-C is not reported as "Exception ignored in …" with its traceback: it is remembered."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        _ctrl_c.set()
        return
    _quiet_ctrl_c.previous(unraisable)


_quiet_ctrl_c.previous = sys.__unraisablehook__


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if a Ctrl-C came (:func:`record_ctrl_c`), even one Python swallowed."""
    if _ctrl_c.is_set():
        raise KeyboardInterrupt
