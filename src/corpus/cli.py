"""The ``corpus`` command line.

Every command takes ``--data DIR`` (default: the repository's ``data/``).
User-facing problems print one line ``error: ...`` on stderr and exit 1;
``--help`` works on every command.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config
from .errors import CorpusError


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=config.DATA_DIR, metavar="DIR",
                        help="data folder with metadata.csv and transcripts (default: %(default)s)")


def cmd_validate(args: argparse.Namespace) -> int:
    """Print one line per speech and every problem; exit 1 if there are errors."""
    from .clean import clean_docs, split_paragraphs
    from .load import inspect_corpus

    docs, problems = inspect_corpus(args.data)
    if len(docs):
        docs = clean_docs(docs)
        paragraphs = split_paragraphs(docs)
        counts = paragraphs.groupby("doc_id").agg(paras=("para", "size"), sections=("kind", lambda k: (k == "heading").sum()))
        for doc in docs.itertuples(index=False):
            n = counts.loc[doc.id]
            print(f"{doc.id}  {doc.year}  {doc.encoding:<9}  {doc.n_chars:>6,} chars  "
                  f"{n.paras:>3} paragraphs  {n.sections:>2} sections  {doc.title}")
    for problem in problems:
        print(problem)
    n_errors = sum(p.level == "error" for p in problems)
    n_warnings = len(problems) - n_errors
    print(f"{len(docs)} speeches, {n_errors} error{'s' * (n_errors != 1)}, "
          f"{n_warnings} warning{'s' * (n_warnings != 1)}")
    return 1 if n_errors else 0


def cmd_report(args: argparse.Namespace) -> int:
    """Regenerate every figure and table."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from .report import build_report

    written = build_report(args.data, out_dir=args.out)
    print(f"wrote {len(written)} files to {args.out}")
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

    p = sub.add_parser("report", help="regenerate every figure and table",
                       description=cmd_report.__doc__)
    _add_data(p)
    p.add_argument("--out", type=Path, default=config.FIGURES_DIR, metavar="DIR",
                   help="output folder (default: %(default)s)")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CorpusError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
