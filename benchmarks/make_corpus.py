"""Make a synthetic data folder of N speeches, for measuring speed at scale.

    .venv/bin/python benchmarks/make_corpus.py N [--out DIR] [--seed 1] [--years 1954-2025] [--gaps 1961,1967]
    .venv/bin/python benchmarks/make_corpus.py N --heaps          (then measure its vocabulary growth)
    .venv/bin/python benchmarks/make_corpus.py --measure DIR ...  (measure existing data folders only)

SYNTHETIC TEXT, honest for throughput and for vocabulary size only: each
speech is a salutation and 15 to 30 body paragraphs drawn (with replacement,
seeded) from the shipped speeches of one year, in which a share of the
content words is replaced (see "Vocabulary model" below), so sentences keep
the shape, length and function words of real speeches while the vocabulary
grows with the corpus as a real one does. It is written as a normal data
folder (metadata.csv + transcripts, UTF-8), streamed speech by speech, so
every command runs on it unchanged and 100,000 speeches (~600 M characters)
need no more memory than 10. Years follow the shipped corpus (2006, 2011,
2022, 2023, 2023), or, with ``--years``, run through a span (minus
``--gaps``) in turn, each speech drawn from one shipped year's paragraphs: a
corpus of 56 or 70 eras for checking that figures stay readable. The same
seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from corpus import clean_docs, config, load_docs, split_paragraphs

# benchmarks/make_corpus.py -> the repository (as in benchmarks/markdown.py; not imported from there, so that
# tests can import this file whatever else is called ``markdown``).
REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"

VOCABULARY_MODEL = """\
Vocabulary model. The shipped speeches are segmented once (jieba, with the
package lexicon); their nouns, verbs and adjectives of 2 to 4 Han characters
(jieba's own part-of-speech tags; not stopwords, lexicon terms, numerals or
words at an era marker, so tracked terms and dating evidence stay) are
slots. In every copied paragraph each slot is replaced with a fixed
probability (nouns 0.5, verbs and adjectives 0.3) by a word of the same
class drawn from a Zipf-Mandelbrot law, p(rank) ~ (rank + q)^-a, over
jieba's dictionary ranked by its frequencies (330k words of 2-4 characters,
ties in a fixed pseudo-random order, less the 33 an era marker matches).
Noun ranks run past the dictionary into an unbounded supply of synthetic
proper names built from character inventories: people (common surname + two
given-name characters seen in jieba's person names) and places (two
place-name characters + 镇/乡/村/街道/社区). A share of noun slots (4 %)
takes an era term instead: 4-character words that enter in a given year and
stay 5 to 20 years, so neighbouring years share terms and distant ones
differ. With a ~ 1/beta this gives Heaps' law V ~ K N^beta with beta about
0.6, Zipfian frequencies, and text that still looks Chinese and segments
with jieba. Measured with --measure (word tokens with a Han character,
package segmenter): 100,000 speeches (629 M characters, 264 M tokens) have
980k distinct words, beta 0.60 over 1k-264M tokens (local 0.71, 0.55, 0.62,
0.63, 0.56, 0.49 per decade); real text: the 12 party-congress reports
(147k tokens) 0.65, the 5 shipped speeches 0.67; the old generator stopped
at 1,928 words."""

# Slot classes and the jieba tags that feed each (dictionary words of 2-4 Han characters).
CLASSES = ("n", "v", "a")
CLASS_TAGS = {
    "n": {"n", "vn", "nz", "nt", "ns", "nr", "nrt", "nrfg", "j", "an"},
    "v": {"v", "vd", "vi"},
    "a": {"a", "ad"},
}
REPLACE = np.array([0.5, 0.3, 0.3])  # probability that a slot of each class is replaced
ZIPF_A = np.array([1.45, 1.6, 1.6])  # Zipf-Mandelbrot exponent a per class (Heaps beta ~ 1/a)
ZIPF_Q = np.array([150.0, 50.0, 20.0])  # and offset q: a flatter head, no single word taking the slots
ERA_SHARE = 0.04  # share of noun slots that take an era term of the speech's year
ERA_TERMS_PER_YEAR = 4
ERA_LIFE = (5, 21)  # an era term stays 5 to 20 years
LEXICON_SEED = 20240601  # fixes the order of equal-frequency dictionary words, whatever --seed

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
            "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤")
PLACE_SUFFIXES = ("镇", "乡", "村", "街道", "社区")
HAN_WORD = re.compile("[\u4e00-\u9fff]{2,4}")  # not raw: pandas hands real characters to pyarrow
HAN = re.compile(r"[\u3400-\u9fff]")


# --------------------------------------------------------------------------- the lexicon


@dataclass(frozen=True)
class Lexicon:
    """Words per slot class, most frequent first, plus the inventories for synthetic names."""

    words: tuple[np.ndarray, ...]  # one object array per class in CLASSES
    given: str  # given-name characters, most frequent first
    place: str  # place-name characters, most frequent first
    era_pool: np.ndarray  # candidate era terms (4 characters)
    tags: dict[str, int]  # dictionary word -> its class (index into CLASSES), for finding slots

    def synthetic(self, j: int) -> str:
        """The ``j``-th synthetic proper name (j = 0, 1, 2 … without end).

        Even ``j`` are people (common surname + two given-name characters,
        16 M of them), odd ``j`` places (two place-name characters + a suffix,
        450 k); ``j`` is scrambled by a fixed bijection first, so that
        neighbouring ranks do not share characters.
        """
        kind, j = j % 2, j // 2
        if kind == 0:
            size = len(SURNAMES) * len(self.given) ** 2
            j = (j * 2_654_435_761 + 12_345) % size  # a multiplier prime to size: a permutation of the names
            s, j = j % len(SURNAMES), j // len(SURNAMES)
            g1, g2 = j % len(self.given), j // len(self.given)
            return SURNAMES[s] + self.given[g1] + self.given[g2]
        size = len(PLACE_SUFFIXES) * len(self.place) ** 2
        j = (j * 2_654_435_761 + 12_345) % size
        x, j = j % len(PLACE_SUFFIXES), j // len(PLACE_SUFFIXES)
        p1, p2 = j % len(self.place), j // len(self.place)
        return self.place[p1] + self.place[p2] + PLACE_SUFFIXES[x]


def _ranked(words: pd.Series, weights: pd.Series, limit: int) -> str:
    """The characters of ``words``, most weighted first (ties by character), at most ``limit``."""
    chars = pd.DataFrame({"char": [c for w in words for c in w],
                          "weight": np.repeat(weights.to_numpy(), words.str.len().to_numpy())})
    total = chars.groupby("char")["weight"].sum().reset_index()
    return "".join(total.sort_values(["weight", "char"], ascending=[False, True])["char"].head(limit))


@cache
def lexicon() -> Lexicon:
    """Class lexicons from jieba's dictionary, ranked by its frequencies (same for every seed)."""
    import jieba
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    columns = {"word": pa.string(), "freq": pa.int64(), "tag": pa.string()}
    rows = pa_csv.read_csv(Path(jieba.__file__).parent / "dict.txt",
                           read_options=pa_csv.ReadOptions(column_names=list(columns)),
                           parse_options=pa_csv.ParseOptions(delimiter=" ", quote_char=False),
                           convert_options=pa_csv.ConvertOptions(column_types=columns, strings_can_be_null=False),
                           ).to_pandas()
    rows = rows[rows["word"].str.fullmatch(HAN_WORD.pattern)]
    order = np.random.default_rng(LEXICON_SEED).permutation(len(rows))  # ties in a fixed pseudo-random order
    rows = rows.iloc[order].sort_values("freq", ascending=False, kind="stable")  # stable: ties stay shuffled
    words = tuple(rows.loc[rows["tag"].isin(CLASS_TAGS[c]), "word"].to_numpy(dtype=object) for c in CLASSES)
    length = rows["word"].str.len()
    people = rows[(rows["tag"] == "nr") & (length == 3) & rows["word"].str[0].isin(list(SURNAMES))]
    places = rows[(rows["tag"] == "ns") & (length == 2)]
    era = rows.loc[(length == 4) & rows["tag"].isin(["n", "nz", "vn"]), "word"].to_numpy(dtype=object)[200:20200]
    dated = _marker_words(np.concatenate([*words, era]).tolist())
    words = tuple(w[~np.isin(w, dated)] for w in words)
    era = era[~np.isin(era, dated)]
    tags = {w: k for k, c in enumerate(CLASSES) for w in words[k]}
    return Lexicon(words, _ranked(people["word"].str[1:], people["freq"], 400),
                   _ranked(places["word"], places["freq"], 300), era, tags)


def _marker_words(words: list[str]) -> list[str]:
    """The words that an era marker matches on their own (小康社会, 改革开放): never drawn, so that a
    synthetic speech carries exactly the dating evidence of the shipped paragraphs it copies."""
    from corpus.dating import read_era_markers

    markers = read_era_markers()
    text = "\n".join(words)
    starts = np.cumsum([0] + [len(w) + 1 for w in words])
    found: set[int] = set()
    triggers = markers["triggers"] if "triggers" in markers else [None] * len(markers)
    for regex, literals in zip(markers["regex"], triggers, strict=True):
        if not literals:  # no literal every match contains: run the pattern over all the words
            found |= {int(np.searchsorted(starts, m.start(), side="right")) - 1 for m in regex.finditer(text)}
            continue
        candidates = set()
        for literal in literals:  # only the words holding one of its literals can match
            i = text.find(literal)
            while i >= 0:
                candidates.add(int(np.searchsorted(starts, i, side="right")) - 1)
                i = text.find(literal, i + 1)
        found |= {i for i in candidates if regex.search(words[i])}
    return sorted({words[i] for i in found})


def era_terms(year: int, seed: int, lex: Lexicon) -> np.ndarray:
    """Era terms in use in ``year``: those that entered in the last 20 years and have not yet left."""
    active = []
    for start in range(year - ERA_LIFE[1] + 1, year + 1):
        rng = np.random.default_rng([seed, start, 7])
        picked = rng.choice(len(lex.era_pool), size=ERA_TERMS_PER_YEAR, replace=False)
        lives = rng.integers(*ERA_LIFE, size=ERA_TERMS_PER_YEAR)
        active += [lex.era_pool[i] for i, life in zip(picked, lives, strict=True) if start + life > year]
    return np.array(active, dtype=object)


# --------------------------------------------------------------------------- templates from the shipped speeches


@dataclass(frozen=True)
class Template:
    """One shipped paragraph: the text between slots (``parts[0::2]``), its slot words and their classes."""

    parts: list[str]  # fixed text at even positions, the original slot words at odd ones
    words: np.ndarray  # object array, the original slot words
    classes: np.ndarray  # int8 index into CLASSES


def templates(paragraphs: list[str]) -> list[Template]:
    """Cut each paragraph at its replaceable content words (see VOCABULARY_MODEL)."""
    from corpus.dating import read_era_markers
    from corpus.lexicon import read_lexicon, read_stopwords
    from corpus.segment import make_segmenter

    segmenter = make_segmenter()
    keep = set(read_lexicon()["term"]) | read_stopwords()
    markers = read_era_markers()["regex"].tolist()
    tags = lexicon().tags
    out = []
    for text in paragraphs:
        dated = np.zeros(len(text) + 1, dtype=bool)  # characters inside an era marker's match: dating evidence
        for regex in markers:
            for match in regex.finditer(text):
                dated[max(match.start() - 4, 0):match.end() + 4] = True  # and the words its lookarounds read
        parts, words, classes, last = [], [], [], 0
        for token, start, end in segmenter.spans(text):
            k = tags.get(token)
            if k is None or token in keep or not HAN_WORD.fullmatch(token) or dated[start:end].any():
                continue
            parts += [text[last:start], token]
            words.append(token)
            classes.append(k)
            last = end
        parts.append(text[last:])
        out.append(Template(parts, np.array(words, dtype=object), np.array(classes, dtype=np.int8)))
    return out


def _zipf_ranks(rng: np.random.Generator, classes: np.ndarray) -> np.ndarray:
    """Zipf-Mandelbrot ranks (0, 1, …) for slots of these classes: P(rank >= r) = (1 + r/q)^-(a-1)."""
    a, q = ZIPF_A[classes], ZIPF_Q[classes]
    u = rng.random(len(classes))
    ranks = q * (np.maximum(u, 1e-300) ** (-1.0 / (a - 1.0)) - 1.0)
    return np.minimum(ranks, 2.0**62).astype(np.int64)


def fill(tpls: list[Template], rng: np.random.Generator, lex: Lexicon, era: np.ndarray) -> list[str]:
    """The paragraphs of one speech: the templates with a share of their slots replaced."""
    if not tpls:
        return []
    words = np.concatenate([t.words for t in tpls])
    classes = np.concatenate([t.classes for t in tpls])
    replaced = np.flatnonzero(rng.random(len(classes)) < REPLACE[classes])
    cls = classes[replaced]
    ranks = _zipf_ranks(rng, cls)
    to_era = (cls == 0) & (rng.random(len(cls)) < ERA_SHARE) if len(era) else np.zeros(len(cls), bool)
    era_pick = rng.integers(0, max(len(era), 1), size=len(cls))
    for k in range(len(CLASSES)):
        pool = lex.words[k]
        here = (cls == k) & ~to_era
        inside = here & (ranks < len(pool))
        words[replaced[inside]] = pool[ranks[inside]]
        beyond = here & ~inside
        if k == 0:  # nouns run on into synthetic proper names
            words[replaced[beyond]] = [lex.synthetic(int(r) - len(pool)) for r in ranks[beyond]]
        else:  # verbs and adjectives are a closed class: wrap around the dictionary
            words[replaced[beyond]] = pool[ranks[beyond] % len(pool)]
    if to_era.any():
        words[replaced[to_era]] = era[era_pick[to_era]]
    out, pos = [], 0
    for t in tpls:
        parts = t.parts.copy()
        m = len(t.words)
        parts[1::2] = words[pos:pos + m].tolist()
        pos += m
        out.append("".join(parts))
    return out


# --------------------------------------------------------------------------- writing the corpus


@cache
def shipped_templates() -> tuple[dict[int, list[Template]], list[int]]:
    """The templates of the shipped speeches' body paragraphs by year, and the shipped years in order."""
    docs = clean_docs(load_docs(DATA_DIR))
    paras = split_paragraphs(docs)
    body = paras[paras["kind"] == "body"].merge(docs[["id", "year"]], left_on="doc_id", right_on="id")
    return {year: templates(group["text"].tolist()) for year, group in body.groupby("year")}, docs["year"].tolist()



def make_corpus(n: int, out: Path, *, seed: int = config.SEED, years: list[int] | None = None,
                paragraphs: tuple[int, int] = (15, 30)) -> Path:
    """Write ``n`` synthetic speeches and their ``metadata.csv`` into ``out`` (replaced if present).

    ``paragraphs`` is the (least, most) number of body paragraphs of a speech.
    """
    pools, shipped = shipped_templates()
    years = years or shipped
    lex = lexicon()
    eras: dict[int, np.ndarray] = {}
    rng = np.random.default_rng(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    width = len(str(n - 1))
    with (out / config.METADATA_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*config.REQUIRED_COLUMNS, *config.OPTIONAL_COLUMNS])
        for i in range(n):
            year = years[i % len(years)]
            pool = pools[year] if year in pools else pools[shipped[i % len(shipped)]]
            if year not in eras:
                eras[year] = era_terms(year, seed, lex)
            picked = rng.integers(0, len(pool), size=int(rng.integers(paragraphs[0], paragraphs[1] + 1)))
            doc_id = str(i).zfill(width)
            body_text = "\n".join(fill([pool[j] for j in picked], rng, lex, eras[year]))
            text = f"合成讲话（样本 {doc_id}）\n同志们：\n{body_text}\n"
            name = f"{doc_id}.txt"
            (out / name).write_text(text, encoding="utf-8")
            writer.writerow([doc_id, name, year, f"合成讲话 {doc_id}", "", "", "",
                             f"synthetic: paragraphs of the {year} speeches, content words resampled", "source",
                             "synthetic text for benchmarks"])
    return out


# --------------------------------------------------------------------------- measuring vocabulary growth

MARKS = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000)


def heaps(folder: Path, marks: tuple[int, ...] = MARKS) -> dict:
    """Vocabulary size V after the first N word tokens of a data folder, for N in ``marks``.

    Transcripts are read in ``metadata.csv`` order, cleaned (``clean_text``) and
    segmented as the pipeline does (``make_segmenter()``); word tokens are those
    with a Han character (punctuation, numbers and Latin left out). Returns the
    points, beta fitted on log V = log K + beta log N, and the Zipf exponent of
    the token frequencies (slope of log frequency on log rank, ranks 10 to 1,000).
    """
    from corpus.clean import clean_text
    from corpus.segment import make_segmenter

    segmenter = make_segmenter()
    with (folder / config.METADATA_FILE).open(encoding="utf-8-sig", newline="") as handle:
        files = [row["file"] for row in csv.DictReader(handle)]
    counts: dict[str, int] = {}
    points, n, goal, todo = [], 0, max(marks), list(marks)
    start = time.perf_counter()
    for name in files:
        for token in segmenter.cut(clean_text((folder / name).read_text(encoding="utf-8"))):
            if not HAN.search(token):
                continue
            n += 1
            counts[token] = counts.get(token, 0) + 1
            if todo and n == todo[0]:
                points.append((n, len(counts)))
                todo.pop(0)
        if n >= goal:
            break
    if n < goal and (not points or points[-1][0] != n):  # the folder ran out first: its whole size is a point
        points.append((n, len(counts)))
    logs = np.log(np.array(points, dtype=float))
    beta, log_k = np.polyfit(logs[:, 0], logs[:, 1], 1) if len(points) > 1 else (float("nan"), float("nan"))
    freq = np.sort(np.fromiter(counts.values(), dtype=float))[::-1]
    ranks = np.arange(10, min(1000, len(freq)))
    zipf = -np.polyfit(np.log(ranks + 1), np.log(freq[ranks]), 1)[0] if len(ranks) > 1 else float("nan")
    return {"folder": str(folder), "points": points, "beta": float(beta), "K": float(np.exp(log_k)),
            "zipf": float(zipf), "seconds": time.perf_counter() - start}


def heaps_table(results: list[dict]) -> str:
    marks = sorted({p[0] for r in results for p in r["points"]})
    head = "| folder | " + " | ".join(f"V@{m:,}" for m in marks) + " | beta | K | Zipf s |"
    lines = [head, "|" + "---|" * (len(marks) + 4)]
    for r in results:
        v = dict(r["points"])
        cells = " | ".join(f"{v[m]:,}" if m in v else "" for m in marks)
        lines.append(f"| {r['folder']} | {cells} | {r['beta']:.3f} | {r['K']:.1f} | {r['zipf']:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=VOCABULARY_MODEL,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, nargs="?", help="number of speeches")
    parser.add_argument("--out", type=Path, default=None, help="data folder to write (default: benchmarks/corpus-N)")
    parser.add_argument("--seed", type=int, default=config.SEED)
    parser.add_argument("--years", metavar="FIRST-LAST", help="spread the speeches over these years, in turn")
    parser.add_argument("--gaps", default="", metavar="Y,Y", help="with --years: years left out")
    parser.add_argument("--heaps", action="store_true",
                        help="after writing, measure vocabulary growth (Heaps' law) on the folder written")
    parser.add_argument("--measure", type=Path, nargs="+", metavar="DIR",
                        help="measure vocabulary growth of these data folders (written or real); write nothing")
    parser.add_argument("--tokens", type=int, nargs="+", default=list(MARKS), metavar="N",
                        help="with --heaps/--measure: the sample sizes in word tokens")
    args = parser.parse_args(argv)
    marks = tuple(sorted(args.tokens))
    if args.measure:
        print(heaps_table([heaps(folder, marks) for folder in args.measure]))
        return 0
    if args.n is None:
        parser.error("give N (the number of speeches) or --measure DIR")
    years = None
    if args.years:
        first, last = map(int, args.years.split("-"))
        gaps = {int(y) for y in args.gaps.split(",") if y}
        years = [y for y in range(first, last + 1) if y not in gaps]
    out = make_corpus(args.n, args.out or REPO / "benchmarks" / f"corpus-{args.n}", seed=args.seed, years=years)
    print(f"wrote {args.n} synthetic speeches to {out}")
    if args.heaps:
        print(heaps_table([heaps(out, marks)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
