"""The segmentation cache: one checksummed entry per speech; damage recomputed; concurrent writers never duplicate."""

from __future__ import annotations

import errno
import multiprocessing
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from corpus import files, tokencache
from corpus.segment import segment_docs
from corpus.tokencache import TokenCache

DOCS = pd.DataFrame({"id": [f"d{i}" for i in range(5)],
                     "text_clean": [f"工会第{i}段。\n\n推动高质量发展，坚持党建带工建。" for i in range(5)]})


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "tokens").rglob("*.arrow"))


def _flip_four_bytes(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at:at + 4] = bytes(255 - b for b in data[at:at + 4])
    path.write_bytes(bytes(data))


def test_each_speech_is_one_entry_read_back_in_the_order_asked(tmp_path):
    cold = segment_docs(DOCS, cache_dir=tmp_path)
    assert cold.attrs == {"segmented": 5, "cached": 0} and len(_entries(tmp_path)) == 5
    warm = segment_docs(DOCS, cache_dir=tmp_path)
    assert warm.attrs == {"segmented": 0, "cached": 5}
    pd.testing.assert_frame_equal(warm, cold)
    assert TokenCache(tmp_path).get(["nope"]).num_rows == 0


@pytest.mark.parametrize("at", [0, 40, -40, -12])  # the magic, the schema, the tokens, the footer
def test_four_flipped_bytes_in_a_cache_file_give_the_uncached_tokens_and_a_message(tmp_path, at):
    uncached = segment_docs(DOCS, cache_dir=False)
    segment_docs(DOCS, cache_dir=tmp_path)
    _flip_four_bytes(_entries(tmp_path)[2], at)
    messages = []
    again = segment_docs(DOCS, cache_dir=tmp_path, log=messages.append)
    pd.testing.assert_frame_equal(again, uncached)
    assert again.attrs == {"segmented": 1, "cached": 4}
    assert len(messages) == 1 and messages[0].startswith("cache: 1 damaged tokens entry deleted and recomputed (")
    assert len(_entries(tmp_path)) == 5  # the damaged file deleted, the speech's entry written afresh
    assert segment_docs(DOCS, cache_dir=tmp_path, log=messages.append).attrs["cached"] == 5 and len(messages) == 1


def test_a_foreign_file_under_an_entrys_name_is_deleted_and_recomputed(tmp_path):
    uncached = segment_docs(DOCS, cache_dir=False)
    segment_docs(DOCS, cache_dir=tmp_path)
    first, second = _entries(tmp_path)[:2]
    # d's whole file (its checksum intact) copied under e's key, e's own file gone: e must not get d's tokens
    shutil.copy(first, second.with_name(second.name.split(".")[0] + "." + first.name.split(".")[1] + ".arrow"))
    second.unlink()
    (tmp_path / "tokens" / "chunk-00000000000000000001-merged.arrow").write_bytes(b"old chunk")  # earlier versions
    messages = []
    pd.testing.assert_frame_equal(segment_docs(DOCS, cache_dir=tmp_path, log=messages.append), uncached)
    assert messages == [f"cache: 1 damaged tokens entry deleted and recomputed ({tmp_path / 'tokens'})"]
    assert not list((tmp_path / "tokens").glob("chunk-*"))
    assert TokenCache(tmp_path).get(["ab" * 32]).num_rows == 0


@pytest.mark.parametrize("content", [b"", b"ARROW1\x00\x00", b"not arrow at all"])
def test_garbage_with_a_matching_checksum_is_not_an_entry(tmp_path, content):
    from corpus.files import entry_name

    key = "ab" * 32
    (tmp_path / "tokens" / "ab").mkdir(parents=True)
    (tmp_path / "tokens" / "ab" / entry_name(key, content)).write_bytes(content)
    cache = TokenCache(tmp_path)
    assert cache.get([key]).num_rows == 0 and cache.damaged == 1
    assert not list((tmp_path / "tokens" / "ab").iterdir())


def test_a_cache_that_cannot_be_written_still_gives_the_tokens_and_says_so_once(tmp_path, monkeypatch):
    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "write_bytes_atomic", full)  # where every cache entry is written
    messages = []
    tokens = segment_docs(DOCS, cache_dir=tmp_path, log=messages.append)
    pd.testing.assert_frame_equal(tokens, segment_docs(DOCS, cache_dir=False))
    assert messages == [f"cache: cannot store results ({tmp_path}: No space left on device); they will be "
                        "recomputed next time (set CORPUS_CACHE_DIR to a writable folder)"]


MANY = pd.DataFrame({"id": [f"d{i}" for i in range(12)],
                     "text_clean": [f"工会第{i}段。\n\n推动高质量发展，坚持党建带工建。" for i in range(12)]})
ROUNDS = 3


def _share_one_cache(folder: str, order: list[int], barrier, counts) -> None:
    """One of three writers: in each round, wait for the others, then segment into the round's cache bit by bit."""
    for round_ in range(ROUNDS):
        barrier.wait(timeout=60)
        cache = Path(folder) / f"cache{round_}"
        for start in range(0, 12, 3):  # a few speeches at a time: many writes, as a growing corpus makes them
            segment_docs(MANY.iloc[order[start:start + 3]], cache_dir=cache)
        counts.put(len(segment_docs(MANY, cache_dir=cache)))


def test_three_processes_sharing_one_cache_never_inflate_token_counts(tmp_path, monkeypatch):
    # The old chunk cache merged past MAX_CHUNKS chunks (read, concatenate, write, delete): concurrent merges
    # duplicated rows. A small limit made every round merge; the cache now never merges and ignores it.
    monkeypatch.setattr(tokencache, "MAX_CHUNKS", 2, raising=False)
    uncached = segment_docs(MANY, cache_dir=False)
    assert uncached.groupby("doc_id", observed=True).size().tolist() == [11] * 12  # 工会 第 0 段 。 推动 …
    # spawn, not fork: after the rest of the suite this process has threads (tqdm's monitor, samplers), and a
    # forked child can inherit a lock one of them held and hang.
    context = multiprocessing.get_context("spawn")
    barrier, counts = context.Barrier(3), context.Queue()
    orders = [list(range(12)), list(range(11, -1, -1)), [*range(0, 12, 2), *range(1, 12, 2)]]
    workers = [context.Process(target=_share_one_cache, args=(str(tmp_path), order, barrier, counts))
               for order in orders]
    for worker in workers:
        worker.start()
    seen = [counts.get(timeout=120) for _ in range(3 * ROUNDS)]
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert seen == [132] * (3 * ROUNDS)
    for round_ in range(ROUNDS):
        cache = tmp_path / f"cache{round_}"
        warm = segment_docs(MANY, cache_dir=cache)
        assert warm.attrs == {"segmented": 0, "cached": 12} and len(_entries(cache)) == 12
        pd.testing.assert_frame_equal(warm, uncached)


def test_reading_keeps_only_rows_of_the_key_asked(tmp_path):
    cache = TokenCache(tmp_path)
    rows = pa.table({"key": ["k" * 64, "k" * 64, "m" * 64], "para": pa.array([0, 1, 0], pa.int32()),
                     "tokens": [["a"], ["b"], ["c"]]})
    assert cache.put_stream([rows]).num_rows == 3
    assert cache.get(["m" * 64, "k" * 64])["tokens"].to_pylist() == [["c"], ["a"], ["b"]]


def test_an_entry_has_the_same_bytes_whichever_batch_it_was_cut_from():
    from corpus.files import table_bytes

    rows = {"key": ["a", "a", "b", "c"], "para": [0, 1, 0, 0], "tokens": [["x", "y"], ["z"], ["q", "r", "s"], ["t"]]}
    batch = pa.table(rows).cast(tokencache.SCHEMA)
    alone = pa.table({name: values[2:3] for name, values in rows.items()}).cast(tokencache.SCHEMA)
    # the same speech ("b") cut from a batch of three, or segmented alone: one file name, not two
    assert table_bytes(batch.slice(2, 1)) == table_bytes(alone)
