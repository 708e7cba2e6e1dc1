"""The main job: regenerate every figure and table of a data folder.

``corpus report`` calls :func:`build_report`, which only orchestrates: it
calls each stage in turn, hands each figure to a
:class:`corpus.plots.FigureSaver` (PNG, SVG and PDF, with its data as CSV)
and records what it read and wrote (:mod:`corpus.manifest`), so that a rerun
with nothing changed stops at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from . import config
from .dating import era_markers_file
from .files import check_out_dir, write_csv_atomic
from .lexicon import lexicon_file, stopwords_file
from .load import inspect_corpus, raise_first_error
from .manifest import code_and_libraries, fingerprint, last_run, up_to_date, write_manifest
from .memory import Stages, freeze_imports, thaw
from .study import Study, read_study

# The stages of a full run, in order (``--timings`` names them; the progress line counts them).
REPORT_STAGES = ("load", "map", "clean", "overview", "dating", "segment", "documents", "keyness", "trajectories",
                 "similarity", "topics", "figures", "html")


def report_inputs(docs, data_dir: Path, study: Study, *, code: str) -> str:
    """One hash of everything the report's files depend on: metadata, transcripts, study, resources, ``code``
    (the fingerprint of :func:`corpus.manifest.code_and_libraries`).

    The study enters as the settings it holds (file and command-line flags together), so editing a
    comment in ``corpus.toml`` does not redo the report.
    """
    resources = (lexicon_file(data_dir), stopwords_file(data_dir), era_markers_file(data_dir))
    settings = (config.TOPIC_SAMPLE, config.MAX_FIGURE_ROWS, config.SEED, repr(replace(study, source=None)))
    return fingerprint([
        (data_dir / config.METADATA_FILE).read_bytes(), *map(str.encode, docs["sha256"]),
        *(path.read_bytes() for path in resources), code.encode(), repr(settings).encode(),
    ])


def build_report(
    data_dir: str | Path = config.DATA_DIR,
    *,
    out_dir: str | Path | None = None,
    study: Study | None = None,
    cache_dir: str | Path | bool = True,
    log: Callable[[str], None] = lambda message: None,
    force: bool = False,
    stages: Stages | None = None,
    backend: str | None = None,
    figure_worker: bool = True,
    retopic: bool = False,
) -> list[Path]:
    """Load, clean and analyse a data folder as its study file says; write all figures and tables.

    Parameters
    ----------
    data_dir : path
        The data folder.
    out_dir : path, optional
        Where figures and tables go; default ``DATA_DIR/figures``.
    study : Study, optional
        Eras, terms, comparisons, topics and language; default: the folder's
        ``corpus.toml`` (:func:`corpus.study.read_study`), with command-line
        overrides applied by the caller.
    cache_dir : path or bool
        Cache of per-speech results (cleaned text, era markers found, tokens): True for the default folder
        (:func:`corpus.config.cache_dir`), a folder, or False for none.
    log : callable
        Receives progress lines such as ``segmented 1, cached 5``.
    force : bool
        Redo everything even when nothing changed since the last run.
    stages : Stages, optional
        Collects the wall time of each stage (``corpus report --timings``).
    backend : str, optional
        joblib backend for the map step (:mod:`corpus.speechmap`: new speeches cleaned, dated and segmented)
        and for segmentation (``"dask"``: the workers of the running ``dask.distributed.Client``).
    figure_worker : bool
        Draw the figures in a worker process while the analyses go on
        (:class:`corpus.plots.FigureSaver`); False draws them in this process.
    retopic : bool
        Choose the number of topics again and fit them from scratch. Otherwise
        k and the topics' order are kept from the run that chose k (its state,
        ``OUT/.topics.json`` and ``.topics.npz``) and the topics refitted from
        the previous ones, until the speeches change by more than 20 %
        (:func:`corpus.topics.auto_topics`). Does not by itself redo an
        up-to-date report: pass ``force`` too.

    Returns
    -------
    list of pathlib.Path
        Every file written (or, when nothing changed, every file of the last run).
    """
    data_dir, stages = Path(data_dir), stages or Stages()
    out_dir = data_dir / "figures" if out_dir is None else Path(out_dir)
    study = read_study(data_dir) if study is None else study
    with stages("load"):
        docs, problems = inspect_corpus(data_dir, by=study.by, text=False)  # each text read when needed
        raise_first_error(problems)
        code = fingerprint(code_and_libraries())  # the package's source and library versions, read once
        inputs = report_inputs(docs, data_dir, study, code=code)
    check_out_dir(out_dir)  # a file, or a folder that cannot be written: one line now, not a traceback later
    if not force and (files := up_to_date(out_dir, inputs)) is not None:
        log(f"up to date: nothing changed since the last report ({len(files)} files in {out_dir})")
        return files
    try:
        return _run_stages(docs, problems, data_dir=data_dir, out_dir=out_dir, study=study, inputs=inputs, code=code,
                           cache_dir=cache_dir, log=log, force=force, stages=stages, backend=backend,
                           figure_worker=figure_worker, retopic=retopic)
    finally:
        thaw()


def _text_pass(docs, *, clean_cache, marker_cache, markers, segmenter, data_dir: Path, topic_ids: set) -> dict:
    """What the stages need from the cleaned texts, taken in one pass, a slice of speeches at a time
    (:func:`corpus.clean.clean_batches`), so that no more than a slice of texts is held (at 100,000 speeches
    they are ~1.9 GB): the paragraphs of the speeches in ``topic_ids`` and the paragraph counts of all, the dating
    (its evidence as :func:`corpus.plots.dating_table`, kept as dicts only for speeches outside their range), each
    speech's segmentation key, Han characters, script and cleaned length."""
    import pandas as pd

    from .clean import clean_batches, paragraph_counts, split_paragraphs
    from .dating import date_docs
    from .plots import concat_dating_tables, dating_table
    from .segment import segment_keys

    paragraphs, per_doc, dated, markers_found, keys, sizes = [], [], [], [], [], []
    for batch in clean_batches(docs, cache=clean_cache, data_dir=data_dir):
        frame = split_paragraphs(batch, text=False)
        per_doc.append(paragraph_counts(frame))
        paragraphs.append(frame[frame["doc_id"].isin(topic_ids)])  # only topics read paragraphs one by one
        estimates = date_docs(batch, markers=markers, cache=marker_cache)
        markers_found.append(dating_table(estimates))
        # The evidence as dicts only where a warning may quote it: at 30,000 speeches they held ~180 MB.
        dated.append(estimates.assign(evidence=estimates["evidence"].where(~estimates["inside"], None)))
        keys += segment_keys(batch, segmenter)
        sizes.append(batch[["n_han", "script"]].assign(length=batch["text_clean"].str.len()))
    sizes = pd.concat(sizes, ignore_index=True).set_axis(docs.index)
    return {"paragraphs": pd.concat(paragraphs, ignore_index=True), "paragraph_counts": pd.concat(per_doc),
            "dated": pd.concat(dated, ignore_index=True),
            "markers_found": concat_dating_tables(markers_found), "keys": keys, "n_han": sizes["n_han"],
            "script": sizes["script"], "lengths": sizes["length"]}


def _run_stages(docs, problems, *, data_dir: Path, out_dir: Path, study: Study, inputs: str, code: str, cache_dir,
                log, force: bool, stages: Stages, backend, figure_worker: bool, retopic: bool) -> list[Path]:
    """The stages after loading, for a report that is not up to date (the arguments of :func:`build_report`)."""
    # Imported here, not at the top: a rerun with nothing changed stops before any of these is needed, and they
    # are most of its time (scikit-learn, scipy and matplotlib: ~1.2 s of a 3 s warm rerun at 1,000 speeches).
    import pandas as pd

    from .clean import clean_batches, clean_docs
    from .dating import check_years, read_era_markers
    from .errors import CorpusError
    from .features import (
        count_terms,
        doc_similarity,
        documents_table,
        era_similarity,
        era_tfidf,
        term_counts,
        term_trajectories,
        terms_to_chart,
    )
    from .htmlpage import PageTexts, font_characters, precut_font, write_html_report
    from .keyness import keyness, keyness_by_era, notable_keyness, word_shift
    from .lexicon import read_lexicon, read_stopwords
    from .periods import ordered_eras
    from .plots import (
        FigureSaver,
        overview_table,
        plot_coherence,
        plot_dating,
        plot_keyness,
        plot_overview,
        plot_similarity,
        plot_topic_prevalence,
        plot_topic_words,
        plot_trajectories,
        plot_word_shift,
    )
    from .segment import count_docs, make_segmenter
    from .speechcache import SpeechCache, cache_notes
    from .speechmap import map_new_speeches
    from .study import comparison_pairs
    from .topics import auto_topics, read_topic_state, topic_docs, write_topic_state

    freeze_imports()
    scheme, reason, by, lang = docs.attrs["era_scheme"], docs.attrs["era_reason"], docs.attrs["era_by"], study.lang
    log(f"eras: {scheme} ({reason})")
    pairs = comparison_pairs(study, ordered_eras(docs))  # a bad comparison fails now, not after segmenting
    written: list[Path] = []
    notes: list[str] = []  # what the caches have to say, said once after segmenting
    last = {} if force else last_run(out_dir)
    with FigureSaver(background=figure_worker, previous=last.get("figures"), recorded=last.get("files"),
                     code=code) as saver:
        def save(display, name: str | None = None) -> None:
            written.extend(saver.save(display, name, out_dir=out_dir))

        def table(frame, name: str) -> None:
            written.append(write_csv_atomic(frame, out_dir / f"{name}.csv"))

        cached = config.cache_folder(cache_dir)
        with stages("map"):  # new speeches: cleaned, dated and segmented at once, locally or on a cluster
            lexicon, stopwords_path = read_lexicon(lexicon_file(data_dir)), stopwords_file(data_dir)
            segmenter = make_segmenter(lexicon=lexicon, stopwords=stopwords_path)
            markers = read_era_markers(era_markers_file(data_dir))
            mapped = map_new_speeches(docs, cache_dir=cache_dir, segmenter=segmenter, markers=markers,
                                      backend=backend, log=notes.append, data_dir=data_dir)
        with stages("clean"):  # one pass over the cleaned texts, a slice of speeches at a time
            clean_cache = SpeechCache(cached, "clean") if cached else None
            marker_cache = SpeechCache(cached, "markers") if cached else None
            if clean_cache is None:  # nowhere to read them back from: held
                docs = clean_docs(docs, data_dir=data_dir)
            topic_ids = topic_docs(docs)  # the speeches topics are estimated from: their paragraphs are kept
            slices = _text_pass(docs, clean_cache=clean_cache, marker_cache=marker_cache, markers=markers,
                                segmenter=segmenter, data_dir=data_dir, topic_ids=set(topic_ids))
            docs = docs.assign(n_han=slices["n_han"], script=slices["script"])
            paragraphs, dated, keys, lengths = slices["paragraphs"], slices["dated"], slices["keys"], slices["lengths"]
        with stages("overview"):
            save(plot_overview(overview_table(docs, lang=lang), lang=lang))
        with stages("dating"):
            save(plot_dating(dated, table=slices["markers_found"], lang=lang))
            warnings = [problem.message for problem in problems] + check_years(dated)  # for the HTML page
        notes += [note for cache in (clean_cache, marker_cache) if cache is not None for note in cache_notes(cache)]
        with stages("segment"):
            word_counts = count_docs(docs, segmenter=segmenter, stopwords=read_stopwords(stopwords_path),
                                     cache_dir=cache_dir, backend=backend, log=notes.append,
                                     snapshot=str(data_dir.resolve()),  # the next run reads one file, not each speech
                                     keys=keys, clean=partial(clean_batches, cache=clean_cache, data_dir=data_dir),
                                     paragraphs_of=topic_ids)  # the others counted whole: half the pairs
        for note in dict.fromkeys(notes):  # a cache folder that cannot be written is said once, not once per cache
            log(note)
        # The speeches the map step segmented count as segmented now, not as read from the cache.
        fresh = word_counts.attrs["segmented"] + min(mapped, word_counts.attrs["cached"])
        log(f"segmented {fresh}, cached {word_counts.attrs['cached'] - min(mapped, word_counts.attrs['cached'])}")
        with stages("documents"):
            table(documents_table(docs, slices["paragraph_counts"], word_counts, terms=lexicon["term"])
                  .assign(era_scheme=scheme, era_reason=reason), "documents")
        with stages("keyness"):
            counts = count_terms(word_counts, docs)
            eras = list(dict.fromkeys(counts["era"]))
            if len(eras) >= 2:
                kdf = notable_keyness(keyness_by_era(counts))
                log(f"keyness_by_era.csv: {kdf.attrs['kept']}")
                save(plot_keyness(kdf, lang=lang))
                for number, (reference, comparison) in enumerate(pairs, start=1):
                    shift = word_shift(counts, reference=reference, comparison=comparison)
                    save(plot_word_shift(shift, reference=reference, comparison=comparison, lang=lang),
                         "word_shift" if number == 1 else f"word_shift_{number}")
                table(pd.concat([notable_keyness(keyness(counts, target=comparison, reference=reference))
                                 .assign(target=comparison, reference=reference) for reference, comparison in pairs],
                                ignore_index=True), "keyness_pairs")
        with stages("trajectories"):
            terms = terms_to_chart(study.terms, counts, candidates=lexicon["term"])
            page_texts, parts = PageTexts(lengths), []  # the page keeps a capped share of the texts, and their font
            for batch in clean_batches(docs, cache=clean_cache, data_dir=data_dir):  # one pass over the texts
                page_texts.add(batch)
                if terms:
                    parts.append(term_counts(batch, terms))
            if terms:
                speeches = pd.concat(parts, ignore_index=True)
                save(plot_trajectories(term_trajectories(docs, terms, by=by, counts=speeches), speeches=speeches,
                                       lang=lang))
            else:
                log("trajectories skipped: no lexicon term is used 5 times in 2 speeches; "
                    "name the terms to chart in corpus.toml [terms] (corpus init)")
            texts, font_chars = page_texts.explorer(), page_texts.characters()
            docs = docs.drop(columns="text_clean", errors="ignore")  # held only without a cache
            # Cut by the figure worker meanwhile, with every other string the page may show.
            shown = [value for frame in (docs, markers) for value in frame.to_numpy().ravel() if isinstance(value, str)]
            shown += [*study.terms, *warnings]
            font = saver.submit(precut_font, font_characters(font_chars, lang=lang, extra=shown), cache_dir=cached)
        with stages("similarity"):
            if len(docs) <= config.MAX_FIGURE_ROWS:
                labels = {doc_id: f"{doc_id} ({year})" for doc_id, year in zip(docs["id"], docs["year"], strict=True)}
                save(plot_similarity(doc_similarity(word_counts, docs), labels=labels, lang=lang))
            else:  # speech by speech is quadratic and unreadable: compare eras instead
                save(plot_similarity(era_similarity(word_counts, docs), by="era", lang=lang))
            table(era_tfidf(word_counts, docs, counts=counts), "era_tfidf")
        with stages("topics"):
            try:
                previous = read_topic_state(out_dir)
            except CorpusError as err:  # damaged or foreign: chosen afresh, never a crash
                log(str(err))
                previous = None
            try:
                topics = auto_topics(word_counts, paragraphs, docs, k=study.topics_k, model=study.topics_model,
                                     previous=previous, retopic=retopic)
            except CorpusError as err:
                log(f"topics skipped: {err}")
            else:
                log(topics.describe())
                if topics.fresh:
                    write_topic_state(topics.state, out_dir)
                if topics.coherence is not None:  # k chosen by coherence, not given
                    save(plot_coherence(topics.coherence, lang=lang))
                save(plot_topic_prevalence(topics.prevalence, lang=lang))
                save(plot_topic_words(topics.model.topic_words, labels=topics.model.labels, lang=lang))
                if topics.changes is not None:
                    table(topics.changes, "topic_changes")
                table(topics.stability, "topic_stability")
        with stages("figures"):  # what the worker has still to draw
            saver.wait()
        if saver.reused:
            log(f"figures: {len(saver.keys) - len(saver.reused)} drawn, {len(saver.reused)} unchanged "
                f"({', '.join(saver.reused)})")
    with stages("html"):
        written.append(write_html_report(out_dir, texts=texts, warnings=warnings, files=written, lang=lang,
                                         font_chars=font_chars, cache_dir=cached or None, font=font.result()))
    write_manifest(out_dir, inputs, written, figures=saver.keys)
    return written
