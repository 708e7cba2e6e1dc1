"""A small interactive explorer for notebooks: type terms, see their trajectory and KWIC lines.

:func:`explore_terms` does the work and is tested headless; :func:`term_explorer`
wraps it in ipywidgets for JupyterLab.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd

from .errors import CorpusError
from .features import term_counts, term_trajectories
from .kwic import kwic
from .plots import plot_trajectories


@dataclass(frozen=True)
class Exploration:
    """What the explorer shows for one query."""

    terms: list[str]
    trajectories: pd.DataFrame
    speeches: pd.DataFrame
    lines: pd.DataFrame


def split_query(query: str) -> list[str]:
    """Terms of a query typed by a user: separated by commas (， or ,), 、 or spaces."""
    return [t for t in re.split(r"[,，、\s]+", query.strip()) if t]


def explore_terms(docs: pd.DataFrame, query: str, *, by="year", width: int = 15, max_lines: int = 30) -> Exploration:
    """Trajectories, per-speech counts and KWIC lines for the terms of ``query``.

    Raises
    ------
    CorpusError
        For an empty query or an invalid regular expression.
    """
    terms = split_query(query)
    if not terms:
        raise CorpusError("type one or more terms, separated by commas")
    trajectories = term_trajectories(docs, terms, by=by)
    speeches = term_counts(docs, terms)
    lines = pd.concat([kwic(docs, term, width=width).assign(term=term) for term in terms], ignore_index=True)
    return Exploration(terms, trajectories, speeches, lines.head(max_lines))


def term_explorer(docs: pd.DataFrame, *, value: str = "十二五, 高质量(追赶)?发展", by="year"):
    """An ipywidgets box: a text field, the trajectory figure and the KWIC lines."""
    import ipywidgets as widgets
    from IPython.display import display

    field = widgets.Text(value=value, description="提法", continuous_update=False,
                         layout=widgets.Layout(width="60%"))
    output = widgets.Output()

    def show(_=None):
        output.clear_output(wait=True)
        with output:
            try:
                result = explore_terms(docs, field.value, by=by)
            except CorpusError as err:
                print(f"error: {err}")
                return
            axes = plot_trajectories(result.trajectories, speeches=result.speeches, ncols=min(3, len(result.terms)))
            figure = axes.ravel()[0].figure
            display(figure)
            plt.close(figure)
            display(result.lines[["term", "doc_id", "year", "left", "match", "right"]])

    field.observe(show, names="value")
    show()
    return widgets.VBox([field, output])
