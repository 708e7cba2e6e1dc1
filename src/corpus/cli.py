"""The ``corpus`` command line.

Every command takes ``--data DIR`` (default: ``data/`` in the working directory).
User-facing problems print one line ``error: ...`` on stderr and exit 1;
``--help`` works on every command.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import unicodedata
from pathlib import Path

from . import config
from .errors import CorpusError, os_error_line
from .periods import ERA_SCHEMES


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)


def _cell(value) -> str:
    """A value inside one tab-separated output line: a line break shows as ⏎, a tab as a space."""
    return str(value).replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎").replace("\t", " ")


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=config.DATA_DIR, metavar="DIR",
                        help="data folder with metadata.csv and transcripts (default: %(default)s)")


def _add_by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", choices=ERA_SCHEMES, default=None,
                        help="eras: years, five-year plans (十二五), party-congress periods, or auto "
                             "(default: the study file's, else auto)")


def _study(args: argparse.Namespace):
    """The data folder's study file with this run's command-line overrides."""
    from dataclasses import replace

    from .study import read_study

    study = read_study(args.data)
    if args.func is not cmd_report:  # only the report compares eras: the file's pairs need not fit another --by
        study = replace(study, compare=())
    return study.with_overrides(
        by=getattr(args, "by", None), terms=getattr(args, "study_terms", None),
        compare=getattr(args, "compare", None), lang=getattr(args, "lang", None))


def _add_figure(parser: argparse.ArgumentParser, name: str) -> None:
    """``--out DIR`` and ``--lang`` for a command that can also draw its figure ``name``."""
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"also write the figure ({name}.png, .svg, .pdf) and its data ({name}.csv) into DIR")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help="language of the figure (default: the study file's, else zh)")


def _add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=config.ENGINES, default="auto",
                        help="segmenter: rjieba when installed (token-identical, faster), else jieba (default: auto)")


def cmd_validate(args: argparse.Namespace) -> int:
    """Print one line per speech and every problem; exit 1 if there are errors."""
    from .clean import clean_docs, paragraph_counts, split_paragraphs
    from .load import Problem, han_problem, inspect_corpus

    docs, problems = inspect_corpus(args.data)
    if len(docs):
        docs = clean_docs(docs)
        # Loading counts Han characters before cleaning; a text whose only Chinese is page residue loses them here.
        problems = problems + [
            Problem("error", f"{Path(args.data) / doc.file} (id {doc.id}): {why} after cleaning; "
                             "a transcript must be Chinese text: fix the file or remove its row")
            for doc in docs.itertuples(index=False) if (why := han_problem(doc.text_clean))]
        # A speech whose every line is page residue has no paragraphs: 0, not a KeyError.
        counts = paragraph_counts(split_paragraphs(docs)).reindex(docs["id"], fill_value=0)
        for doc in docs.itertuples(index=False):
            n = counts.loc[doc.id]
            script = getattr(doc, "script", None)  # simplified / traditional / mixed, where cleaning says
            print(f"{doc.id}  {doc.year}  {doc.encoding:<9}  " + (f"{script:<11}  " if script else "")
                  + f"{doc.n_chars:>6,} chars  {n.n_paragraphs:>3} paragraphs  {n.n_sections:>2} sections  {doc.title}")
    if len(docs):
        from .dating import check_years, date_docs, era_markers_file, read_era_markers

        dated = date_docs(docs, markers=read_era_markers(era_markers_file(args.data)))
        problems = problems + [Problem("warning", w) for w in check_years(dated)]
    for problem in problems:
        print(problem)
    n_errors = sum(p.level == "error" for p in problems)
    n_warnings = len(problems) - n_errors
    print(f"{len(docs)} speeches, {n_errors} error{'s' * (n_errors != 1)}, "
          f"{n_warnings} warning{'s' * (n_warnings != 1)}")
    return 1 if n_errors else 0


@contextlib.contextmanager
def _dask_client(args: argparse.Namespace):
    """A dask.distributed client for ``--backend dask``: the given scheduler, or a local cluster."""
    if getattr(args, "backend", "local") != "dask":
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise CorpusError("--backend dask needs dask.distributed: pip install 'corpus[dask]'") from None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        client = Client(LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, dashboard_address=None))
    try:
        yield client
    finally:
        client.close()


def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented study file (corpus.toml) that says how the report groups eras, charts terms, compares."""
    from .study import write_study

    path = write_study(args.data, force=args.force)
    print(f"wrote {path}: edit it (eras, terms, comparisons, topics, language), then `corpus report`")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Regenerate every figure and table."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from .report import REPORT_STAGES, Stages, build_report

    stages = Stages(progress=sys.stderr.isatty(), expected=len(REPORT_STAGES))
    try:
        with _dask_client(args):
            written = build_report(args.data, out_dir=args.out, study=_study(args), force=args.force or args.retopic,
                                   stages=stages, retopic=args.retopic,
                                   backend="dask" if args.backend == "dask" else None,
                                   log=lambda message: stages.write(message, file=sys.stderr))
    finally:
        stages.close()
    print(f"{len(written)} files in {args.out or args.data / 'figures'}")
    if args.timings:
        print(stages.describe(), file=sys.stderr)
    return 0


def _segmenter(args: argparse.Namespace):
    from .lexicon import lexicon_file, stopwords_file
    from .segment import make_segmenter

    return make_segmenter(lexicon=lexicon_file(args.data), stopwords=stopwords_file(args.data), engine=args.engine)


def cmd_segment(args: argparse.Namespace) -> int:
    """Print the tokens of a text, a file (one output line per input line) or a speech (one line per paragraph)."""
    from .clean import clean_text, paragraphs_of
    from .lexicon import mark_stopwords, read_stopwords, stopwords_file

    segmenter = _segmenter(args)
    stopwords = read_stopwords(stopwords_file(args.data))
    if args.id is not None:
        from .clean import clean_docs
        from .load import load_docs

        docs = load_docs(args.data)
        if args.id not in set(docs["id"]):
            raise CorpusError(f"no speech with id {args.id!r} in {args.data}; `corpus validate` lists them")
        lines = paragraphs_of(clean_docs(docs[docs["id"] == args.id])["text_clean"].iloc[0])
    elif args.file is not None:
        from .load import read_text_file

        text = read_text_file(args.file).text
        lines = [clean_text(line) for line in text.splitlines()]
    elif args.text is not None:
        lines = [clean_text(args.text)]
    else:
        raise CorpusError("give a TEXT, --file F or --id DOC")
    for line in lines:
        tokens = segmenter.cut(line)
        stop = mark_stopwords(tokens, stopwords, keep=segmenter.terms) if tokens else []
        if args.stopwords == "hide":
            tokens = [t for t, s in zip(tokens, stop, strict=True) if not s]
        elif args.stopwords == "mark":
            tokens = [f"[{t}]" if s else t for t, s in zip(tokens, stop, strict=True)]
        print(" ".join(tokens))
    return 0


def cmd_lexicon(args: argparse.Namespace) -> int:
    """Suggest new lexicon terms mined from the corpus, or audit the terms the lexicon has."""
    from .clean import clean_docs
    from .lexicon import audit_lexicon, lexicon_file, read_lexicon, read_stopwords, stopwords_file, suggest_terms
    from .load import load_docs

    docs = clean_docs(load_docs(args.data))
    segmenter = _segmenter(args)
    if args.action == "suggest":
        table = suggest_terms(docs, segmenter=segmenter, stopwords=read_stopwords(stopwords_file(args.data)),
                              min_count=args.min_count)
        columns = ["term", "source", "count", "docs", "example"]
        empty = "no candidates: every quoted phrase and frequent phrase is already one token"
    else:
        table = audit_lexicon(docs, segmenter=segmenter, lexicon=read_lexicon(lexicon_file(args.data)))
        columns = ["term", "category", "occurrences", "whole", "inside", "split", "reason"]
        empty = "every lexicon term in the corpus comes out as one token"
    if args.csv:
        table[columns].to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    if table.empty:
        print(empty)
        return 0
    shown = table.head(args.top)
    print("\t".join(columns))
    for row in shown.itertuples(index=False):
        print("\t".join(_cell(getattr(row, c)) for c in columns))
    if len(table) > len(shown):
        print(f"… {len(table) - len(shown)} more (--top N, or --csv for all)")
    return 0


def _cleaned_docs(args: argparse.Namespace):
    from .clean import clean_docs
    from .load import load_docs

    return clean_docs(load_docs(args.data, by=_study(args).by))


def cmd_terms(args: argparse.Namespace) -> int:
    """Count terms per era on the cleaned text: count, rate per 10,000 Han characters, speeches using it."""
    from .features import term_trajectories

    docs = _cleaned_docs(args)
    table = term_trajectories(docs, args.terms, by=docs.attrs["era_by"])
    columns = ["era", "term", "count", "per10k", "docs", "n_docs", "n_chars"]
    if args.csv:
        table[columns].to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.3f")
        return 0
    for term, rows in table.groupby("term", sort=False):
        print(term)
        for row in rows.itertuples(index=False):
            print(f"  {row.era:<8} {row.count:>4}  {row.per10k:7.2f} per 10k  in {row.docs}/{row.n_docs} speeches")
    return 0


def cmd_kwic(args: argparse.Namespace) -> int:
    """Show every match of a pattern in context, on the cleaned text; --era and --year keep some speeches."""
    from .kwic import kwic

    docs = _cleaned_docs(args)
    if args.era is not None:
        eras = list(dict.fromkeys(docs["era"]))
        if args.era not in eras:
            raise CorpusError(f"no era {args.era!r}; eras are: {', '.join(map(str, eras))} (--by chooses the grouping)")
        docs = docs[docs["era"] == args.era]
    if args.year is not None:
        years = sorted(set(docs["year"]))
        if not (args.year.isascii() and args.year.isdigit()) or int(args.year) not in years:
            raise CorpusError(f"no speech from year {args.year!r}"
                              + (f" in era {args.era}" if args.era is not None else "")
                              + f"; years are: {', '.join(map(str, years))}")
        docs = docs[docs["year"] == int(args.year)]
    table = kwic(docs, args.pattern, width=args.width)
    if args.csv:
        table[["doc_id", "year", "era", "left", "match", "right"]].to_csv(sys.stdout, index=False,
                                                                          lineterminator="\n")
        return 0
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    start, end = ("\033[1;31m", "\033[0m") if color else ("【", "】")
    pad = int(table["left"].str.len().max()) if len(table) else 0  # not --width: it may be far longer than a text
    for row in table.itertuples(index=False):
        print(f"{row.doc_id}  {row.year}  {row.left:>{pad}}{start}{row.match}{end}{row.right}")
    print(f"{len(table)} match{'es' * (len(table) != 1)} in {table['doc_id'].nunique()} speech"
          f"{'es' * (table['doc_id'].nunique() != 1)}", file=sys.stderr)
    return 0


def _tokens(args: argparse.Namespace, docs):
    from .lexicon import read_stopwords, stopwords_file
    from .segment import segment_docs

    return segment_docs(docs, segmenter=_segmenter(args), stopwords=read_stopwords(stopwords_file(args.data)))


def cmd_keyness(args: argparse.Namespace) -> int:
    """Distinctive terms of an era against the rest or another era: G², p, log ratio, log-odds z, dispersion."""
    from .features import count_terms
    from .keyness import keyness, keyness_by_era, top_keyness

    docs = _cleaned_docs(args)
    counts = count_terms(_tokens(args, docs), docs)
    if args.target is None:
        table = keyness_by_era(counts, min_count=args.min_count)
    else:
        table = keyness(counts, target=args.target, reference=args.reference, min_count=args.min_count)
        table.insert(0, "era", args.target)
    table = top_keyness(table, measure="logodds_z" if args.measure == "logodds" else "g2", top_n=args.top)
    if args.csv:
        table.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
        return 0
    reference = "the rest" if args.target is None or args.reference == "rest" else args.reference
    for era, rows in table.groupby("era", sort=False):
        print(f"{era} vs {reference}  "
              f"({rows['total_target'].iloc[0]:,} vs {rows['total_reference'].iloc[0]:,} content tokens)")
        print(f"  {'term':<14}{'n':>5}{'n_ref':>7}{'G2':>9}{'p':>10}{'log2 ratio':>12}{'logodds z':>11}  docs")
        for row in rows.itertuples(index=False):
            print(f"  {_pad(row.term, 14)}{row.n_target:>5}{row.n_reference:>7}{row.g2:>9.2f}{row.p:>10.2g}"
                  f"{row.log_ratio:>12.2f}{row.logodds_z:>11.2f}  {row.docs_target}")
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    """Topics over paragraphs: top words, prevalence by era, coherence and stability. Same output every run."""
    from .clean import split_paragraphs
    from .topics import auto_topics, npmi_coherence, read_topic_state

    if args.k not in (None, "auto") and not (args.k.isascii() and args.k.isdigit()):
        raise CorpusError(f"--k must be a whole number or 'auto', not {args.k!r}")
    study = _study(args)
    k = study.topics_k if args.k is None else "auto" if args.k == "auto" else int(args.k)
    model_name = args.model or study.topics_model
    docs = _cleaned_docs(args)
    try:  # the report's topics, kept across its reruns (corpus report --retopic chooses them again)
        previous = read_topic_state(Path(args.data) / "figures")
    except CorpusError:
        previous = None
    result = auto_topics(_tokens(args, docs), split_paragraphs(docs), docs, model=model_name, k=k,
                         stability=not args.csv, previous=previous)
    model, prevalence = result.model, result.prevalence
    if args.csv:
        result.topic_words.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
        print()
        prevalence.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
        return 0
    curve = result.coherence
    print(f"{model_name.upper()} topics over {len(result.units):,} paragraphs of {docs['id'].nunique()} speeches, "
          f"k={result.k}" + (f" (most coherent of {curve['k'].min()}–{curve['k'].max()})" if curve is not None else "")
          + (f"; {result.how}" if result.how else ""))
    coherence = npmi_coherence(model.topic_words, result.units).set_index("topic")["coherence"]
    for topic in range(result.k):
        words = model.topic_words.loc[model.topic_words["topic"] == topic, "term"].tolist()
        print(f"  {topic:>2}  NPMI {coherence[topic]:+.2f}  {' '.join(words)}")
    print("\nshare by era (weighted by paragraph length):")
    print("  " + "".join(_pad(str(era), 10) for era in prevalence["era"]) + "topic")
    for label in prevalence.columns[1:]:
        print("  " + "".join(f"{value:<10.1%}" for value in prevalence[label]) + label)
    if result.changes is not None:
        rose, fell = result.changes.iloc[0], result.changes.iloc[-1]
        print(f"\nrose most: {rose['label']} ({rose['change']:+.1%}); "
              f"fell most: {fell['label']} ({fell['change']:+.1%})")
    worst = result.stability["similarity"].min()
    print(f"stability: {worst:.2f} worst best-match cosine over 5 seeds on 80% subsamples — "
          + ("stable" if result.stable else "UNSTABLE: read these topics as exploratory, not as findings"))
    return 0


def _level(value: str) -> float:
    """``--level``: a probability strictly between 0 and 1 (0.8, or 80%)."""
    try:
        level = float(value.rstrip("%")) / (100 if value.endswith("%") else 1)
    except ValueError:
        level = -1.0
    if not 0 < level < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give a probability between 0 and 1, such as 0.9 or 90%")
    return level


def cmd_date(args: argparse.Namespace) -> int:
    """Estimate when each speech (an id of the data folder, or any text file) was given, from its era markers."""
    import json

    from .dating import date_text, era_markers_file, odds_text, read_era_markers
    from .load import inspect_corpus, read_text_file

    markers = read_era_markers(era_markers_file(args.data))
    docs = None
    results = []
    for item in args.inputs:
        path = Path(item)
        if path.is_file():
            text = read_text_file(path, name=item).text
            label = None
        else:
            if docs is None:
                docs, _ = inspect_corpus(args.data)
            match = docs[docs["id"] == item]
            if match.empty:
                raise CorpusError(f"{item}: neither a file nor a speech id in {args.data}; "
                                  "`corpus validate` lists the ids")
            text = match["text"].iloc[0]
            label = int(match["year"].iloc[0])
        estimate = date_text(text, markers=markers, level=args.level)
        results.append({"input": item, **estimate.to_dict()})
        if not args.json:
            known = "" if label is None else (
                f"; metadata year {label} is " + ("inside" if label in estimate else
                                                  f"OUTSIDE ({estimate.best} is "
                                                  f"{odds_text(estimate.log10_odds(label))} likelier)"))
            print(f"{item}: {estimate.describe()}{known}")
            for e in estimate.evidence:
                generic = " (ordinary phrase)" if e["generic"] else ""
                print(f"  {_pad(e['marker'], 30)}×{e['count']:<3} {e['first']}–{e['last']}  "
                      f"{e['kind']:<9} {e['effect']}{generic}")
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


def cmd_markers(args: argparse.Namespace) -> int:
    """Learn from the dated speeches: each era marker's observed years, and new terms that date a speech."""
    from .dating import era_markers_file, read_era_markers
    from .files import write_csv_atomic
    from .lexicon import lexicon_file, read_lexicon
    from .markers import contradicted, densest_run, learn_markers

    if args.min_docs < 1 or args.max_span < 1 or args.limit < 0:
        raise CorpusError("--min-docs and --max-span must be at least 1, --limit at least 0")
    docs = _cleaned_docs(args)
    markers = read_era_markers(era_markers_file(args.data))
    table = learn_markers(docs, _tokens(args, docs), markers, min_docs=args.min_docs, max_span=args.max_span,
                          limit=args.limit, keep=read_lexicon(lexicon_file(args.data))["term"])
    out = args.out or args.data / config.RESOURCE_DIR / "era_markers.learned.csv"
    write_csv_atomic(table, out)
    if args.csv:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
        print(f"wrote {out}", file=sys.stderr)
        return 0
    observed, proposed = table[table["status"] == "observed"], table[table["status"] == "proposed"]
    outside = contradicted(table, markers)
    years = sorted(set(docs["year"]))
    print(f"{len(docs)} speech{'es' * (len(docs) != 1)} from {len(years)} years ({years[0]}–{years[-1]}); "
          f"{len(observed)} of {len(markers)} era markers used")
    print(f"{len(outside)} table window{'s' * (len(outside) != 1)} contradicted "
          "(speeches use the marker before its first or after its last year):")
    for row in outside.head(args.top).itertuples(index=False):
        print(f"  {_pad(row.marker, 24)}{row.note.removeprefix('observed ')}")
    if len(outside) > args.top:
        print(f"  … {len(outside) - args.top} more in the file")
    print(f"{len(proposed)} new marker{'s' * (len(proposed) != 1)} proposed (used in ≥ {args.min_docs} speeches, "
          f"≥ 80% of them within ≤ {args.max_span} consecutive years, ≥ 5× as often there as elsewhere)"
          + (":" if len(proposed) else ""))
    if proposed.empty:
        most = densest_run(docs["year"], span=args.max_span)
        if most < args.min_docs:
            print(f"  no {args.max_span} consecutive years hold {args.min_docs} speeches of this corpus "
                  f"(at most {most}): widen --max-span or lower --min-docs")
    for row in proposed.head(args.top).itertuples(index=False):
        print(f"  {_pad(row.marker, 16)}{row.first}–{row.last}  {row.note.removeprefix('learned: ')}")
    if len(proposed) > args.top:
        print(f"  … {len(proposed) - args.top} more in the file")
    own, shipped = args.data / config.RESOURCE_DIR / config.ERA_MARKERS_FILE, config.resource(config.ERA_MARKERS_FILE)
    print(f"wrote {out} ({len(table)} rows: status observed or proposed)")
    print(f"to use them: review the file, then copy the rows you accept (without the status column) into {own}, "
          "which overrides the shipped table"
          + ("" if own.is_file() else f"; it does not exist yet: start from a copy of the shipped table, {shipped}"))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Add transcripts (text, .docx, .pdf, .html): check every file first, then copy all and record all, or none."""
    from .manage import AddError, NewSpeech, add_manifest, add_transcripts

    if args.manifest is not None and args.files:
        raise CorpusError("give the FILEs or --manifest FILE.csv, not both")
    if args.manifest is None and not args.files:
        raise CorpusError("give the FILEs to add, or --manifest FILE.csv (see corpus add --help)")
    if args.year is not None and args.year_from_name is not None:
        raise CorpusError("give --year or --year-from-name, not both")
    if args.manifest is None and args.year is None and args.year_from_name is None:
        raise CorpusError("--year YEAR is needed (or --year-from-name PATTERN, or a manifest with a year column)")
    metadata = {"place": args.place, "occasion": args.occasion, "speaker_role": args.speaker_role,
                "source": args.source}
    try:
        if args.manifest is not None:
            if args.title:
                raise CorpusError("--title names one speech; give titles in the manifest's title column")
            added = add_manifest(args.manifest, data_dir=args.data, year=args.year,
                                 year_from_name=args.year_from_name, force=args.force, defaults=metadata)
        else:
            added = add_transcripts([NewSpeech(file, title=args.title, **metadata) for file in args.files],
                                    data_dir=args.data, year=args.year, year_from_name=args.year_from_name,
                                    force=args.force)
    except AddError as err:
        for problem in err.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"error: {err}", file=sys.stderr)
        return 1
    for item in added:
        how = item.extraction if item.original is not None else item.encoding
        print(f"added {item.id}: {item.title} ({item.year}) from {item.from_file} "
              f"[{how}, {item.n_chars:,} chars] as {item.path}"
              + (f" (original: {item.original.name})" if item.original is not None else ""))
        dating = "its words point to " + item.estimate.describe() if item.estimate.low else "no era markers"
        print(f"  dating: {dating}")
        if item.warning:
            print(f"warning: {item.warning}")
    print("next: `corpus validate`, then `corpus report` (only new speeches are segmented)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove a speech: its row in metadata.csv, the transcript file it names and its stored original.

    A file that corpus add could not have stored (metadata.csv, a link, a file another row names, …) is kept.
    """
    from .manage import remove_transcript

    removed = remove_transcript(args.id, data_dir=args.data)
    files = [str(p) for p in (removed.path, removed.original) if p is not None]
    print(f"removed {args.id}: {removed.title}" + (f" and {' and '.join(files)}" if files
                                                   else "" if removed.kept else " (its file was already gone)"))
    for name, why in removed.kept:
        print(f"  kept {name}: {why}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """What one speech (an id, or any text file) says that the reference speeches did not.

    New terms and 提法, terms the reference used steadily and it drops, its most distinctive terms (keyness), the
    era markers that date it, each with KWIC lines. Reference: every speech of earlier years (default), every other
    speech, or one era. A file is read, cleaned and segmented as the corpus is; nothing is written.
    """
    from .compare import compare_speech, comparison_table, report_lines, text_target
    from .dating import era_markers_file, read_era_markers
    from .lexicon import lexicon_file, read_lexicon, read_stopwords, stopwords_file
    from .load import parse_year

    if args.top < 1 or args.lines < 0 or args.min_count < 1:
        raise CorpusError("--top and --min-count must be at least 1, --lines at least 0")
    docs = _cleaned_docs(args)
    markers = read_era_markers(era_markers_file(args.data))
    path = Path(args.target)
    if args.target in set(docs["id"]):
        if args.year is not None:
            raise CorpusError(f"--year is for a file; speech {args.target}'s year is in metadata.csv")
        target = args.target
    elif path.is_file():
        from .extract import extract_text

        target = text_target(extract_text(path, name=args.target).text, name=path.name,
                             year=None if args.year is None else parse_year(args.year), segmenter=_segmenter(args),
                             stopwords=read_stopwords(stopwords_file(args.data)), markers=markers)
    else:
        raise CorpusError(f"{args.target}: neither a file nor a speech id in {args.data}; "
                          "`corpus validate` lists the ids")
    result = compare_speech(docs, _tokens(args, docs), target, against=args.against, markers=markers,
                            lexicon=read_lexicon(lexicon_file(args.data)), min_count=args.min_count,
                            top_n=args.top, lines=args.lines, width=args.width)
    if args.csv:
        comparison_table(result).to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
        print()
        result.evidence.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    print("\n".join(report_lines(result, top_n=args.top, lines=args.lines)))
    if args.figure is not None:
        from .plots import plot_compare, save_figure

        written = save_figure(plot_compare(result, top_n=args.top, lang=args.lang), out_dir=args.figure)
        print(f"\nfigure: {', '.join(str(p) for p in written)}")
    return 0


def cmd_collocates(args: argparse.Namespace) -> int:
    """The words that keep company with a term in each era: counts, logDice / G² / MI, an example line each.

    The window is N content tokens each side within the paragraph (stopwords and punctuation skipped), or
    the sentence. --lines COLLOCATE prints every co-occurrence behind a row (the lines of
    `corpus kwic TERM --era ERA` in which the collocate is near the term).
    """
    from .collocates import collocate_lines, collocate_shift, collocates, gained_and_lost, top_collocates

    if args.shift < 0:
        raise CorpusError(f"--shift must be 0 (no gained and lost list) or more, not {args.shift}; e.g. --shift 5")
    docs = _cleaned_docs(args)
    tokens = _tokens(args, docs)
    if args.lines is not None:
        lines = collocate_lines(tokens, docs, args.term, args.lines, window=args.window, era=args.era)
        if args.csv:
            lines.to_csv(sys.stdout, index=False, lineterminator="\n")
            return 0
        for row in lines.itertuples(index=False):
            print(f"{row.doc_id}  {row.year}  {row.era}  {_cell(row.line)}")
        n_docs = lines["doc_id"].nunique()
        print(f"{len(lines)} co-occurrence{'s' * (len(lines) != 1)} of {args.term} with {args.lines} in "
              f"{n_docs} speech{'es' * (n_docs != 1)}", file=sys.stderr)
        return 0
    table = collocates(tokens, docs, args.term, window=args.window, min_count=args.min_count, measure=args.measure)
    summary = {str(era): counts for era, counts in table.attrs["eras"].items()}
    with_term = [era for era, counts in summary.items() if counts["f_x"]]
    if args.shift_eras:
        first, colon, second = args.shift_eras.partition(":")
        if not colon:
            raise CorpusError(f"--compare takes two eras as FIRST:SECOND, not {args.shift_eras!r}; "
                              "e.g. --compare 2006:2023")
    elif len(with_term) >= 2:
        first, second = with_term[0], with_term[-1]
    shift = (collocate_shift(table, first=first, second=second, measure=args.measure)
             if args.shift_eras or len(with_term) >= 2 else None)
    if args.era is not None:
        if args.era not in summary:
            raise CorpusError(f"no era {args.era!r}; eras are: {', '.join(summary)} (--by chooses the grouping)")
        table = table[table["era"].astype(str) == args.era]
    if args.csv:
        table[table["kept"]].drop(columns="kept").to_csv(sys.stdout, index=False, lineterminator="\n",
                                                          float_format="%.4f")
        if args.shift_eras and args.shift:
            print()
            gained_and_lost(shift, top_n=args.shift).to_csv(sys.stdout, index=False, lineterminator="\n",
                                                            float_format="%.4f")
        return 0
    if args.out is not None:
        from .plots import plot_collocates, save_figure

        written = save_figure(plot_collocates(table, top_n=min(args.top, 8), measure=args.measure,
                                              lang=args.lang or _study(args).lang), out_dir=args.out)
        print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    top = top_collocates(table, measure=args.measure, top_n=args.top)
    name, window = table.attrs["term"], table.attrs["window"]
    print(f"collocates of {name}: window {'the sentence' if window == 'sentence' else f'±{window} content tokens'}"
          f" within a paragraph, at least {args.min_count} co-occurrences, by {args.measure}")
    for era, counts in summary.items():
        if args.era is not None and era != args.era:
            continue
        if not counts["f_x"]:
            print(f"\n{era}: {name} does not occur ({counts['n']:,} content tokens)")
            continue
        rows = top[top["era"].astype(str) == era]
        print(f"\n{era}: {name} ×{counts['f_x']:,} in {counts['n']:,} content tokens, {counts['span']:,} in its "
              f"windows{'' if len(rows) else '; no collocate reaches --min-count'}")
        if len(rows):
            print(f"  {_pad('collocate', 14)}{'f_xy':>5}{'f_y':>6}{'logDice':>9}{'MI':>7}{'G2':>8}{'docs':>5}  example")
        for row in rows.itertuples(index=False):
            print(f"  {_pad(row.collocate, 14)}{row.f_xy:>5}{row.f_y:>6}{row.logdice:>9.2f}{row.mi:>7.2f}"
                  f"{row.g2:>8.2f}{row.docs:>5}  {row.example_doc}: {_cell(row.example)}")
    if shift is not None and args.shift > 0:
        print(f"\ngained and lost most, {first} → {second} (change in {args.measure}; "
              f"co-occurrences {first} → {second})")
        for row in gained_and_lost(shift, top_n=args.shift).itertuples(index=False):
            sign = "+" if row.direction == "gained" else "-"
            print(f"  {sign} {_pad(row.collocate, 14)}{row.f_xy_first:>4} → {row.f_xy_second:<4}{row.change:+8.2f}")
    option = "" if window == 5 else f" --window {window}"
    print(f"\nthe lines behind a row: corpus collocates {args.term} --lines COLLOCATE --era ERA{option} "
          f"(they are among the lines of corpus kwic {args.term} --era ERA)")
    return 0


def cmd_periods(args: argparse.Namespace) -> int:
    """Propose era boundaries from the data: contiguous periods of years whose vocabularies differ, how strongly
    each boundary is supported (bootstrap), and the terms that set each period apart; --save makes them the eras."""
    import math

    from .breaks import propose_periods
    from .clean import clean_docs
    from .load import load_docs
    from .study import read_study, write_ranges

    study = read_study(args.data)
    # Years, not the study's eras: the periods are what is being proposed, and a saved set of ranges that
    # no longer covers a new speech's year must not stop this command from proposing new ones.
    docs = clean_docs(load_docs(args.data, by="year"))
    result = propose_periods(_tokens(args, docs), docs, k=args.k, max_k=args.max, n_boot=args.boot,
                             top_n=args.top, random_state=args.seed)
    periods, terms = result.periods, result.terms
    saved = write_ranges(args.data, result.ranges) if args.save else None
    if saved and (carried := read_study(args.data).compare) != study.compare:
        shown = ", ".join(f"{a}:{b}" for a, b in carried)
        print(f"the compared eras are now the ranges that hold them: {shown} ([compare] pairs)", file=sys.stderr)
    if args.out is not None:
        from .plots import plot_periods, save_figure

        written = save_figure(plot_periods(result, lang=args.lang or study.lang), out_dir=args.out)
        print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    if args.csv:
        periods.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
        print()
        terms.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
        if saved:
            print(f"saved the periods as the eras in {saved}", file=sys.stderr)
        return 0
    years = result.years
    print(f"{int(years['n_speeches'].sum())} speeches from {len(years)} years "
          f"({years['year'].iloc[0]}–{years['year'].iloc[-1]}); {result.k} periods")
    print(f"  {result.how}")
    width = max(len(p) for p in periods["period"]) + 3
    print("\nperiods (range: the years it covers as an era; top terms):")
    for row in periods.itertuples(index=False):
        years_word, speeches_word = "year" + "s" * (row.n_years != 1), "speech" + "es" * (row.n_speeches != 1)
        print(f"  {row.period:<{width}}{row.range_first}–{row.range_last}  {row.n_years:>3} {years_word:<5} "
              f"{row.n_speeches:>5} {speeches_word:<8} {row.n_tokens:>9,} tokens   {row.terms}")
    if len(result.boundaries):
        print("\nboundaries (support: share of replicates breaking in the same gap; ±1: within one gap):")
        for row in result.boundaries.itertuples(index=False):
            shown = f"{row.support:6.1%}   ±1: {row.support_near:6.1%}" if result.n_boot else "(no bootstrap)"
            print(f"  between {row.after} and {row.before}   {shown}")
    print("\nterms that set each period apart (G² against the other periods; count in it / elsewhere):")
    for period, rows in terms.groupby("period", sort=False):
        print(f"  {period}")
        for row in rows.itertuples(index=False):
            print(f"    {_pad(row.term, 14)}{row.n_target:>6} /{row.n_reference:>6}   G² {row.g2:8.1f}")
    curve = result.curve
    print("\nk:  " + "  ".join(f"{k:>6}" for k in curve["k"]))
    print("CH: " + "  ".join("     –" if math.isnan(ch) else f"{ch:6.2f}" for ch in curve["ch"]))
    if terms.empty:
        term, period = "TERM", periods["period"].iloc[0]
    else:
        term, period = terms["term"].iloc[0], terms["period"].iloc[0]
    if saved:
        print(f"\nsaved the periods as the eras in {saved}: every command now groups by them; "
              f"trace a term: corpus kwic {term} --era {period}")
    else:
        print(f"\nto use these periods as the eras of every command: corpus periods --save --k {result.k} "
              f"(writes [eras.ranges] into {args.data / 'corpus.toml'}); "
              f"then trace a term: corpus kwic {term} --era {period}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpus",
        description="Study how the language of Chinese political speeches changes across eras.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check the data folder: one line per speech, then every problem",
                       description=cmd_validate.__doc__)
    _add_data(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("init", help="write a commented study file (corpus.toml) into the data folder",
                       description=cmd_init.__doc__)
    p.add_argument("--force", action="store_true", help="replace an existing corpus.toml")
    _add_data(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("report", help="regenerate every figure and table",
                       description=cmd_report.__doc__)
    _add_data(p)
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default: DIR/figures of the data folder)")
    _add_by(p)
    p.add_argument("--terms", dest="study_terms", nargs="+", metavar="TERM",
                   help="terms to chart instead of the study file's (a literal, a regex or NAME=PATTERN)")
    p.add_argument("--compare", nargs="+", metavar="A:B", help="eras to compare, e.g. 2011:2023 (default: first:last)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of titles and axis labels (default: zh)")
    p.add_argument("--force", action="store_true", help="redo everything even if nothing changed since the last run")
    p.add_argument("--timings", action="store_true", help="print the wall time and peak memory of each stage")
    p.add_argument("--retopic", action="store_true",
                   help="choose the number of topics again and refit them from scratch (default: keep k and the "
                        "topics' order from the run that chose k until the speeches change by more than 20%%)")
    p.add_argument("--backend", choices=("local", "dask"), default="local",
                   help="where new speeches are cleaned, dated and segmented: local processes (default) or a dask "
                        "cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --backend dask: a dask scheduler (default: a local cluster)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("segment", help="print the tokens of a text, a file or a speech",
                       description=cmd_segment.__doc__)
    p.add_argument("text", nargs="?", metavar="TEXT", help="text to segment (cleaned first)")
    p.add_argument("--file", type=Path, metavar="F", help="segment a file, one output line per input line")
    p.add_argument("--id", metavar="DOC", help="segment a speech of the data folder, one line per paragraph")
    p.add_argument("--stopwords", choices=("show", "mark", "hide"), default="show",
                   help="show stopwords as other tokens, [mark] them, or hide them (default: show)")
    _add_engine(p)
    _add_data(p)
    p.set_defaults(func=cmd_segment)

    p = sub.add_parser("lexicon", help="suggest new lexicon terms, or audit the lexicon",
                       description=cmd_lexicon.__doc__)
    p.add_argument("action", choices=("suggest", "audit"),
                   help="suggest: candidates not yet in the lexicon; audit: terms that do not come out whole, and why")
    p.add_argument("--top", type=int, default=40, metavar="N", help="rows to print (default: %(default)s)")
    p.add_argument("--min-count", type=int, default=3, metavar="N",
                   help="suggest: minimum count of a frequent phrase (default: %(default)s)")
    p.add_argument("--csv", action="store_true", help="print every row as CSV")
    _add_engine(p)
    _add_data(p)
    p.set_defaults(func=cmd_lexicon)

    p = sub.add_parser("terms", help="count terms per era (literal, regex, or NAME=PATTERN)",
                       description=cmd_terms.__doc__,
                       epilog="example: corpus terms 十二五 '高质量发展=高质量(追赶)?发展' --by plan")
    p.add_argument("terms", nargs="+", metavar="TERM", help="a literal, a regular expression, or NAME=PATTERN")
    _add_by(p)
    p.add_argument("--csv", action="store_true", help="tidy rows: era,term,count,per10k,docs,n_docs,n_chars")
    _add_data(p)
    p.set_defaults(func=cmd_terms)

    p = sub.add_parser("keyness", help="distinctive terms of each era, or of one era against another",
                       description=cmd_keyness.__doc__,
                       epilog="examples: corpus keyness; corpus keyness --target 2023 --reference 2011 --top 20")
    p.add_argument("--target", metavar="ERA", help="the era to describe (default: every era against the rest)")
    p.add_argument("--reference", default="rest", metavar="ERA|rest", help="compare with this era or 'rest' (default)")
    p.add_argument("--measure", choices=("g2", "logodds"), default="g2",
                   help="rank by signed G² (default) or by log-odds z with an informative Dirichlet prior")
    p.add_argument("--top", type=int, default=15, metavar="N", help="terms per era (default: %(default)s)")
    p.add_argument("--min-count", type=int, default=3, metavar="N",
                   help="drop terms seen fewer times in the two eras together (default: %(default)s)")
    p.add_argument("--csv", action="store_true", help="tidy rows with every column")
    _add_by(p)
    _add_engine(p)
    _add_data(p)
    p.set_defaults(func=cmd_keyness)

    p = sub.add_parser("topics", help="topic models over paragraphs, and their share by era",
                       description=cmd_topics.__doc__, epilog="example: corpus topics --k auto --model nmf --by plan")
    p.add_argument("--k", default=None, metavar="N|auto",
                   help="number of topics, or auto: the most coherent (default: the study file's, else auto)")
    p.add_argument("--model", choices=config.TOPIC_MODELS, default=None,
                   help="NMF on TF-IDF or LDA on counts (default: the study file's, else nmf)")
    p.add_argument("--csv", action="store_true", help="topic words, a blank line, then prevalence by era, as CSV")
    _add_by(p)
    _add_engine(p)
    _add_data(p)
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("date", help="estimate when a speech was given, from its era markers",
                       description=cmd_date.__doc__,
                       epilog="example: corpus date 000 data/002_592489f94325e6aa.txt --json")
    p.add_argument("inputs", nargs="+", metavar="ID|FILE", help="speech ids of the data folder, or text files")
    p.add_argument("--level", type=_level, default=0.8, metavar="P",
                   help="share of the probability the stated range holds (default: %(default)s)")
    p.add_argument("--json", action="store_true",
                   help='print a JSON list: {"input", "low", "high", "best", "level", "mass", "evidence": [...]} '
                        "per input")
    _add_data(p)
    p.set_defaults(func=cmd_date)

    p = sub.add_parser("markers", help="learn era markers from the dated speeches: observed windows, new markers",
                       description=cmd_markers.__doc__,
                       epilog="example: corpus markers learn --max-span 5 (then review DIR/lexicon/"
                              "era_markers.learned.csv and copy the rows you accept into DIR/lexicon/era_markers.csv)")
    p.add_argument("action", choices=("learn",), help="learn: write the observed and proposed markers as one table")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="where to write the table (default: DIR/lexicon/era_markers.learned.csv)")
    p.add_argument("--min-docs", type=int, default=3, metavar="N",
                   help="a proposed term is used in at least N speeches (default: %(default)s)")
    p.add_argument("--max-span", type=int, default=6, metavar="YEARS",
                   help="… 80%% of them within at most YEARS consecutive years (default: %(default)s)")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="most terms proposed (default: %(default)s)")
    p.add_argument("--top", type=int, default=15, metavar="N", help="rows of each list to print (default: %(default)s)")
    p.add_argument("--csv", action="store_true", help="print the table as CSV instead of a summary (still writes it)")
    _add_engine(p)
    _add_data(p)
    p.set_defaults(func=cmd_markers)

    p = sub.add_parser("add", help="add transcripts to the data folder (checked, copied, recorded; all or none)",
                       description=cmd_add.__doc__,
                       epilog="examples: corpus add ~/Downloads/讲话.docx --year 2023 --place 某县 --source https://…; "
                              "corpus add --manifest speeches.csv; "
                              "corpus add 讲话/*/*.pdf --year-from-name '(\\d{4})'")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE",
                   help="transcripts: plain text (UTF-8, GBK/GB18030, UTF-16 with BOM), .docx, .pdf with a text layer, "
                        "or a saved web page .html/.htm (documents need: pip install 'corpus[formats]')")
    p.add_argument("--manifest", type=Path, metavar="FILE.csv",
                   help="add the files a CSV lists, with metadata.csv's columns (file relative to the CSV's folder, "
                        "year, title, place, occasion, speaker_role, source, …)")
    p.add_argument("--year", help="four-digit year of the speeches (with --manifest: of rows without one)")
    p.add_argument("--year-from-name", metavar="PATTERN",
                   help="take each file's year from its name, else its folders' names, by a regular expression "
                        "with one group, e.g. '(\\d{4})'")
    p.add_argument("--title", help="title (default: the first line when it is a title, else the file name)")
    p.add_argument("--place", default="", help="county or city (with --manifest: of rows without one)")
    p.add_argument("--occasion", default="", help="meeting or event")
    p.add_argument("--speaker-role", default="", help="role of the speaker")
    p.add_argument("--source", default="", metavar="URL", help="where the text came from")
    p.add_argument("--force", action="store_true", help="add even a near-duplicate of a speech already there")
    _add_data(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="remove a speech and its file", description=cmd_remove.__doc__)
    p.add_argument("id", metavar="ID", help="the speech id (see `corpus validate`)")
    _add_data(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("compare", help="what one speech says that earlier speeches did not, with KWIC evidence",
                       description=cmd_compare.__doc__,
                       epilog="examples: corpus compare 001; corpus compare 讲话.txt --year 2024; "
                              "corpus compare 001 --against rest --csv")
    p.add_argument("target", metavar="ID|FILE", help="a speech id of the data folder, or a transcript file")
    p.add_argument("--against", default="before", metavar="before|rest|ERA",
                   help="the reference: speeches of earlier years (default), every other speech, or an era "
                        "of the grouping --by chooses")
    p.add_argument("--year", metavar="YEAR",
                   help="a file's year (default: the most probable year of its era markers, as `corpus date`)")
    p.add_argument("--top", type=int, default=15, metavar="N",
                   help="rows of each table to print (default: %(default)s)")
    p.add_argument("--lines", type=int, default=2, metavar="N", help="KWIC lines per row (default: %(default)s)")
    p.add_argument("--width", type=int, default=20, metavar="N", help="characters of context (default: %(default)s)")
    p.add_argument("--min-count", type=int, default=2, metavar="N",
                   help="least count of a plain word to be new (a 提法 or era marker: 1) (default: %(default)s)")
    p.add_argument("--figure", type=Path, metavar="DIR",
                   help="also write the new-versus-dropped figure (PNG, SVG, PDF and its CSV) into DIR")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the figure (default: zh)")
    p.add_argument("--csv", action="store_true",
                   help="every row of the four tables as CSV (table,term,kind,pattern,count,ref_count,...), a blank "
                        "line, then the evidence lines as CSV")
    _add_by(p)
    _add_engine(p)
    _add_data(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("collocates", help="the words that keep company with a term in each era, with the lines behind",
                       description=cmd_collocates.__doc__,
                       epilog="examples: corpus collocates 工会 --by year; corpus collocates 发展 --by congress "
                              "--measure g2; corpus collocates 工会 --lines 职工 --era 2011")
    p.add_argument("term", metavar="TERM", help="a token, a regular expression fully matching tokens, or NAME=PATTERN")
    p.add_argument("--window", default="5", metavar="N|sentence",
                   help="content tokens on each side, within the paragraph, or 'sentence' (default: %(default)s)")
    p.add_argument("--measure", choices=("logdice", "g2", "mi"), default="logdice",
                   help="order collocates by logDice (default), signed log-likelihood G², or MI with the window's span")
    p.add_argument("--min-count", type=int, default=3, metavar="N",
                   help="keep collocates co-occurring at least N times in an era (default: %(default)s)")
    p.add_argument("--top", type=int, default=10, metavar="N", help="collocates per era (default: %(default)s)")
    p.add_argument("--era", metavar="ERA", help="only this era (of the grouping --by chooses)")
    p.add_argument("--compare", dest="shift_eras", metavar="FIRST:SECOND",
                   help="the two eras whose gained and lost collocates to list (default: first:last era with the term)")
    p.add_argument("--shift", type=int, default=5, metavar="N",
                   help="gained and lost collocates to list, each (default: %(default)s; 0: none; not negative)")
    p.add_argument("--lines", metavar="COLLOCATE", help="print every co-occurrence of TERM with COLLOCATE instead")
    _add_figure(p, "collocates")
    p.add_argument("--csv", action="store_true",
                   help="every kept row with every column (era,term,collocate,f_xy,f_x,f_y,n,span,logdice,mi,g2,docs,"
                        "example_doc,example); with --compare, a blank line, then the gained and lost collocates "
                        "(direction,first,second,collocate,f_xy_first,f_xy_second,f_y_first,f_y_second,value_first,"
                        "value_second,change; --shift of each); with --lines, the lines (doc_id,year,era,para,pos,"
                        "collocate_pos,start,line: start is the term's offset, as in corpus kwic)")
    _add_by(p)
    _add_engine(p)
    _add_data(p)
    p.set_defaults(func=cmd_collocates)

    p = sub.add_parser("periods", help="propose era boundaries from the data, with their support and key terms",
                       description=cmd_periods.__doc__,
                       epilog="examples: corpus periods; corpus periods --k 4 --csv; corpus periods --save; "
                              "corpus periods --out figures --lang en")
    p.add_argument("--k", type=int, default=None, metavar="N",
                   help="number of periods (default: the largest Caliński-Harabasz index for 2..--max)")
    p.add_argument("--max", type=int, default=6, metavar="N",
                   help="most periods considered when --k is not given (default: %(default)s)")
    p.add_argument("--boot", type=int, default=200, metavar="B",
                   help="bootstrap replicates behind each boundary's support; 0: none (default: %(default)s)")
    p.add_argument("--top", type=int, default=5, metavar="N", help="terms per period (default: %(default)s)")
    p.add_argument("--seed", type=int, default=config.SEED, metavar="N",
                   help="seed of the bootstrap (default: %(default)s)")
    p.add_argument("--csv", action="store_true",
                   help="the periods table, a blank line, then the terms table, as CSV")
    p.add_argument("--save", action="store_true",
                   help="write the periods into DIR/corpus.toml as [eras.ranges]: every command then uses them as eras")
    _add_figure(p, "periods")
    _add_engine(p)
    _add_data(p)
    p.set_defaults(func=cmd_periods)

    p = sub.add_parser("kwic", help="keyword in context", description=cmd_kwic.__doc__)
    p.add_argument("pattern", metavar="PATTERN", help="a literal or a regular expression")
    p.add_argument("--width", type=int, default=20, metavar="N", help="characters of context (default: %(default)s)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="highlight the match (auto: when printing to a terminal; else 【match】)")
    p.add_argument("--csv", action="store_true", help="print CSV rows: doc_id,year,era,left,match,right")
    p.add_argument("--era", metavar="ERA", help="only the speeches of this era (of the grouping --by chooses)")
    p.add_argument("--year", metavar="YEAR", help="only the speeches of this year")
    _add_by(p)
    _add_data(p)
    p.set_defaults(func=cmd_kwic)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    from .memory import raise_if_interrupted, record_ctrl_c

    record_ctrl_c()
    try:
        status = args.func(args)
        raise_if_interrupted()  # a Ctrl-C swallowed where no stage checked after it
        return status
    except CorpusError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `corpus ... | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:  # a read or write the system refused that no command foresaw (a full disk, ...)
        print(f"error: {os_error_line(err)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: not enough memory for this command; close other programs, or run it on fewer speeches",
              file=sys.stderr)
        return 1
    except Exception as err:  # a bug: one line for the user, the traceback with CORPUS_DEBUG=1 (the tests set it)
        if os.environ.get("CORPUS_DEBUG"):
            raise
        print(f"error: internal error ({type(err).__name__}: {err}); please report it, with the output of "
              "CORPUS_DEBUG=1 corpus … (the same command)", file=sys.stderr)
        return 1
