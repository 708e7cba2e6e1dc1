"""The whole pipeline at scale, measured in one run against raw jieba.

    .venv/bin/python benchmarks/run.py [--sizes 100 1000 10000] [--write]
    (or: make bench)

For each size N: a synthetic data folder of N speeches (benchmarks/make_corpus.py),
then, in the same run and on the same text:

- raw single-core ``jieba.lcut`` over every transcript (the reference);
- a cold ``corpus report`` (empty cache, empty output folder), with ``--timings``;
- a warm rerun with nothing changed;
- ``corpus add`` of one more speech, then a rerun (it must segment that one only, and keep the topics:
  the same k and each topic's top 10 words);
- the peak memory (RSS) of each report run.

Every report runs in its own process (``python -m corpus``), as a user runs
it. ``--write`` puts the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jieba

sys.path.insert(0, str(Path(__file__).parent))
from make_corpus import make_corpus  # noqa: E402
from markdown import REPO, write_section  # noqa: E402

# Runs the CLI in a child process and reports its peak RSS (its own and its workers').
RUNNER = (
    "import json, resource, sys\n"
    "from corpus.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "print('PEAK_RSS_KB', peak, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def corpus_cli(*argv: str, env: dict) -> dict:
    """Run ``corpus ARGV`` in a fresh process: wall time, peak RSS (MB), stderr."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUNNER, *argv], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"corpus {' '.join(argv)} failed:\n{done.stderr}")
    peak = int(re.search(r"PEAK_RSS_KB (\d+)", done.stderr).group(1)) / 1024
    return {"seconds": seconds, "rss_mb": peak, "stderr": done.stderr}


def raw_jieba(folder: Path) -> tuple[float, int]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # the dictionary load is not counted
    start = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return time.perf_counter() - start, sum(map(len, texts))


def stage_times(stderr: str) -> str:
    match = re.search(r"timings: (.*); total", stderr)
    return match.group(1) if match else ""


def measure(n: int, work: Path, *, raw: bool = True) -> dict:
    data = make_corpus(n, work / f"corpus-{n}")
    env = {**os.environ, "CORPUS_CACHE_DIR": str(work / f"cache-{n}"), "MPLBACKEND": "Agg"}
    out = work / f"out-{n}"
    if raw:
        raw_seconds, n_chars = raw_jieba(data)
    else:  # raw jieba grows linearly (about 16 s per 1,000 speeches here): skipped for the largest sizes
        raw_seconds, n_chars = None, sum(len(p.read_text(encoding="utf-8")) for p in data.glob("*.txt"))
    cold = corpus_cli("report", "--data", str(data), "--out", str(out), "--timings", env=env)
    warm = corpus_cli("report", "--data", str(data), "--out", str(out), "--timings", env=env)
    topics_before = top_topic_words(out)
    extra = make_corpus(1, work / "extra", seed=n + 7)
    # --force: synthetic speeches share paragraphs, so the near-duplicate check would rightly refuse some
    corpus_cli("add", str(next(extra.glob("*.txt"))), "--year", "2023", "--force", "--data", str(data), env=env)
    add_one = corpus_cli("report", "--data", str(data), "--out", str(out), "--timings", env=env)
    segmented = re.search(r"segmented (\d+), cached (\d+)", add_one["stderr"]).groups()
    return {"n": n, "chars": n_chars, "raw": raw_seconds, "cold": cold, "warm": warm, "add_one": add_one,
            "segmented": segmented, "topics": topics_kept(topics_before, top_topic_words(out))}


def top_topic_words(out: Path, n: int = 10) -> list[frozenset[str]]:
    """Each topic's top-n words, in the report's topic order (topic_words.csv)."""
    import pandas as pd

    words = pd.read_csv(out / "topic_words.csv", encoding="utf-8-sig")
    return [frozenset(rows.sort_values("rank")["term"].head(n)) for _, rows in words.groupby("topic", sort=True)]


def topics_kept(before: list[frozenset[str]], after: list[frozenset[str]]) -> str:
    """Whether adding one speech kept the topics: same k, and the top-10 words each topic shares with itself."""
    if len(before) != len(after):
        return f"k {len(before)} → {len(after)}"
    shared = [len(a & b) for a, b in zip(before, after, strict=True)]
    same = sum(s == len(a) for s, a in zip(shared, before, strict=True))
    return f"k {len(before)} kept; {same} of {len(before)} topics with the same top 10 (least shared: {min(shared)})"


def table(results: list[dict]) -> str:
    lines = [
        "| speeches | characters | raw jieba s | cold report s | cold / raw | warm rerun s | warm / cold "
        "| add one: s, segmented | add one / cold | peak RSS MB (cold) | topics after adding one |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        raw = (f"{r['raw']:.1f} | {r['cold']['seconds']:.1f} | {r['cold']['seconds'] / r['raw']:.2f}" if r["raw"]
               else f"not run | {r['cold']['seconds']:.1f} | —")
        lines.append(
            f"| {r['n']:,} | {r['chars']:,} | {raw} | {r['warm']['seconds']:.1f} | "
            f"{r['warm']['seconds'] / r['cold']['seconds']:.1%} | {r['add_one']['seconds']:.1f}, "
            f"{r['segmented'][0]} (cached {r['segmented'][1]}) | "
            f"{r['add_one']['seconds'] / r['cold']['seconds']:.1%} | {r['cold']['rss_mb']:.0f} | {r['topics']} |"
        )
    lines += ["", "Stages (`corpus report --timings`) of the cold run, and of the rerun after adding one:", ""]
    for r in results:
        lines.append(f"- {r['n']:,} speeches, cold: {stage_times(r['cold']['stderr'])}")
        lines.append(f"- {r['n']:,} speeches, add one: {stage_times(r['add_one']['stderr'])}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--json", type=Path, help="also save the raw results here")
    parser.add_argument("--raw-up-to", type=int, default=None, metavar="N",
                        help="run raw jieba only for sizes up to N speeches (it takes ~16 s per 1,000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="corpus-bench-") as tmp:
        results = []
        for n in args.sizes:
            results.append(measure(n, Path(tmp), raw=args.raw_up_to is None or n <= args.raw_up_to))
            print(f"done {n}", file=sys.stderr, flush=True)
            if args.json:  # after each size: a long run stopped at the largest keeps the others
                args.json.write_text(json.dumps(results, indent=1, default=str))
    text = (f"{table(results)}\n\nMachine: {os.cpu_count()} cores; synthetic speeches (benchmarks/make_corpus.py). "
            f"Command: `.venv/bin/python benchmarks/run.py --sizes {' '.join(map(str, args.sizes))}"
            + (f" --raw-up-to {args.raw_up_to}" if args.raw_up_to is not None else "") + "`")
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    if args.write:
        write_section(REPO / "docs" / "benchmarks.md", "bench_scale", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
