"""Per-stage time and peak memory, and handing freed memory back."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from corpus.memory import Stages, freeze_imports, release_memory, rss_mb, thaw


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-stage peaks are sampled from /proc")
def test_stages_record_each_stage_peak_memory():
    stages = Stages(interval=0.001)
    with stages("settle"):  # every stage ends by returning freed memory: later stages start from the floor
        pass
    with stages("small"):
        pass
    with stages("big"):
        block = np.ones(300 * 2**20 // 8)  # 300 MB, touched
        del block
    with stages("after"):
        pass
    assert list(stages.times) == ["settle", "small", "big", "after"]
    # the 300 MB show in the stage that held them, and not in the stages around it
    assert stages.peak_mb["big"] - stages.peak_mb["small"] > 200
    assert stages.peak_mb["big"] - stages.peak_mb["after"] > 200
    text = stages.describe()
    assert re.fullmatch(r"timings: settle \d+\.\ds \d+MB, small \d+\.\ds \d+MB, big \d+\.\ds \d+MB, "
                        r"after \d+\.\ds \d+MB; total \d+\.\ds; "
                        r"peak RSS \d+ MB \(in big\)", text)
    assert text.endswith(f"peak RSS {stages.peak_mb['big']:.0f} MB (in big)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim and /proc")
def test_release_memory_hands_freed_heap_pages_back():
    # 300 MB in 2 KB blocks (glibc's heap, not mmap), every 64th kept: the heap's top stays in use,
    # so glibc cannot shrink it by itself and the freed pages in between stay resident until trimmed.
    blocks = [bytearray(2048) for _ in range(150_000)]
    kept = blocks[::64]
    del blocks
    held = rss_mb()
    release_memory()
    assert held - rss_mb() > 150
    assert len(kept) == 2344


def test_stages_progress_line_names_each_stage_and_counts_them(capsys):
    stages = Stages(progress=True, expected=2)
    with stages("clean"):
        pass
    stages.write("segmented 2, cached 0", file=sys.stderr)
    with stages("segment"):
        pass
    stages.close()
    err = capsys.readouterr().err
    assert "clean 0/2 stages" in err and "segment 1/2 stages" in err and "segment 2/2 stages" in err
    assert "segmented 2, cached 0\n" in err


def test_stages_without_progress_print_messages_plainly(capsys):
    stages = Stages()
    with stages("clean"):
        pass
    stages.write("hello")
    stages.close()
    assert capsys.readouterr() == ("hello\n", "")


def test_freeze_imports_exempts_what_is_alive_until_thawed():
    import gc

    freeze_imports()
    try:
        assert gc.get_freeze_count() > 1000  # at least the modules' objects
    finally:
        thaw()
    assert gc.get_freeze_count() == 0


def test_a_report_leaves_nothing_frozen(tiny_dir, tmp_path):
    """A notebook that runs the report keeps a normal collector afterwards (frozen garbage would never be freed)."""
    import gc

    from corpus.report import build_report

    build_report(tiny_dir, out_dir=tmp_path / "out", figure_worker=False)
    assert gc.get_freeze_count() == 0
