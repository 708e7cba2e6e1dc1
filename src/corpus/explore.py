"""A small interactive explorer for notebooks: type terms, see their trajectory and KWIC lines.

:func:`explore_terms` does the work and is tested headless; :func:`term_explorer`
wraps it in ipywidgets for JupyterLab.
"""

from __future__ import annotations

import io
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
    missing: list[str]
    """The terms with no match in any speech."""


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
    speeches = term_counts(docs, terms)
    trajectories = term_trajectories(docs, terms, by=by, counts=speeches)
    lines = pd.concat([kwic(docs, term, width=width).assign(term=term) for term in terms], ignore_index=True)
    found = speeches.groupby("term", sort=False)["count"].sum()
    missing = [term for term in terms if found.get(term, 0) == 0]
    return Exploration(terms, trajectories, speeches, lines.head(max_lines), missing)


def term_explorer(docs: pd.DataFrame, *, value: str = "十二五, 高质量(追赶)?发展", by="year"):
    """An ipywidgets box: a text field, then the trajectory figure and the KWIC lines of its terms.

    The figure, the lines or an ``error: ...`` message are written into the
    box's :class:`ipywidgets.Output` as notebook outputs (``output.outputs``),
    not printed inside a ``with output:`` block, so they show the same in
    JupyterLab and can be read without a kernel.

    Parameters
    ----------
    docs : pandas.DataFrame
        Cleaned speeches (:func:`corpus.clean_docs`).
    value : str
        The query shown first.
    by : str
        Grouping of the trajectories, as in :func:`explore_terms`.

    Returns
    -------
    ipywidgets.VBox
        Its children: the text field, a hint (Enter applies), and the output.
    """
    import ipywidgets as widgets

    field = widgets.Text(value=value, description="提法", continuous_update=False,
                         placeholder="十二五, 高质量(追赶)?发展", layout=widgets.Layout(width="60%"))
    hint = widgets.HTML("Terms or regular expressions, separated by commas; press <b>Enter</b> to apply.")
    output = widgets.Output()

    def show(_=None):
        try:
            result = explore_terms(docs, field.value, by=by)
        except CorpusError as err:
            output.outputs = (_stream(f"error: {err}\n"),)
            return
        display = plot_trajectories(result.trajectories, speeches=result.speeches, ncols=min(3, len(result.terms)))
        image = _figure_png(display.figure_)
        plt.close(display.figure_)
        lines = result.lines[["term", "doc_id", "year", "left", "match", "right"]]
        notes = (_stream(f"no match in any speech: {', '.join(result.missing)}\n"),) if result.missing else ()
        # One assignment: the old output is replaced at once, without a blank flash in between.
        output.outputs = (*notes, _display_data(image), _display_data(lines))

    field.observe(show, names="value")
    show()
    return widgets.VBox([field, hint, output])


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def _display_data(obj) -> dict:
    """A notebook ``display_data`` output for ``obj``, formatted as IPython's ``display`` would."""
    from IPython import get_ipython
    from IPython.core.formatters import DisplayFormatter

    shell = get_ipython()
    # Outside a kernel a bare formatter: InteractiveShell.instance() would replace sys.modules["__main__"].
    formatter = shell.display_formatter if shell is not None else DisplayFormatter()
    data, metadata = formatter.format(obj)
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def _figure_png(figure):
    """The figure as a PNG image at screen resolution, whatever matplotlib backend the notebook uses."""
    from IPython.display import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, bbox_inches="tight")
    return Image(data=buffer.getvalue(), format="png")
