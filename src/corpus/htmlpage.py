"""One file to send: ``report.html``, a self-contained interactive page of a report's figures and tables.

:func:`write_html_report` reads what :func:`corpus.report.build_report` wrote into its output folder (every
``NAME.svg`` with its ``NAME.csv``, and the tables ``documents.csv``, ``keyness_by_era.csv``, ``era_tfidf.csv``,
``topic_words.csv`` …) and writes one HTML file that needs no network and no Chinese font on the reader's
machine:

- the corpus summary (from ``documents.csv``) and the warnings given;
- every figure as its own SVG inline (matplotlib writes text as paths, so Chinese needs no font), with its
  caption and a download of its CSV built in the page (a ``Blob`` from the CSV text embedded as JSON: the
  bytes of the file, byte-order mark included);
- sortable tables (at most :data:`MAX_TABLE_ROWS` rows shown each: of a longer table, an equal share of each
  era, pair, topic or year, its strongest rows first (:data:`ROW_CHOICES`), as the page says; the download
  holds every row);
- an explorer: a term or regular expression gives its rate per 10,000 Han characters in each era (a table
  and a Vega-Lite chart) and its KWIC lines, over the cleaned texts embedded in the page (at most
  :data:`MAX_TEXT_CHARS` characters in all: beyond that, the first characters of each speech, as the page
  says); a click on a keyness term explores it; the search runs in a Web Worker, stopped after
  :data:`SEARCH_BUDGET_MS` (a pattern such as ``(.*)*X`` would freeze the page);
- a subset of Noto Sans CJK (:func:`corpus.plots.cjk_font_path`) holding exactly the characters of the page,
  as WOFF in ``@font-face``, so the tables and KWIC lines render without a Chinese font.

The chart library is Vega-Lite with Vega and vega-embed, the bundle that ``vl-convert-python`` builds
(``vl_convert.javascript_bundle()``, 0.9 MB), vendored as ``resources/htmlpage_vega.js`` and inlined; without
it the explorer shows its table and KWIC lines and no chart. Everything else is a few lines of JavaScript
(:data:`SCRIPT`).

The explorer's texts come in as a small frame (:func:`explorer_texts`, or :class:`PageTexts` gathered a slice
of speeches at a time), so the report never holds every cleaned text for the page. Pure helpers build the
page (:func:`page_html`); only :func:`write_html_report` reads and writes.
The same files and texts give the same bytes.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import config
from .clean import count_han
from .files import write_bytes_atomic
from .manifest import fingerprint
from .periods import ordered_eras
from .plots import LABELS, MAX_KEYNESS_PANELS, cjk_font_path

HTML_FILE = "report.html"
# Vega, Vega-Lite and vega-embed, vendored from vl-convert-python (resources/htmlpage_vega.md says how).
VEGA_FILE = "htmlpage_vega.js"
# ~3 MB of UTF-8 Chinese: the explorer's texts; beyond it each speech keeps its first characters (see explorer_texts).
MAX_TEXT_CHARS = 1_000_000
# Rows of a table shown in the page; the CSV download always holds them all.
MAX_TABLE_ROWS = 1000
# KWIC lines shown at once, and the characters of context each side.
MAX_KWIC_LINES = 300
KWIC_WIDTH = 20
# A user pattern may search the page's texts this long (the CLI's bound), then the page stops it and says so.
SEARCH_BUDGET_MS = round(config.PATTERN_TIMEOUT_S * 1000)
FONT_FAMILY = "CorpusCJK"
# The collection's Simplified Chinese face (the first face is Japanese).
FONT_NUMBER = 2

TABLES = ("documents", "keyness_by_era", "era_tfidf", "topic_words", "topic_prevalence", "keyness_pairs",
          "topic_changes", "topic_stability", "dating")
"""Tables shown sortable in the page, in this order, when the report wrote them."""

KEYNESS_TABLES = ("keyness_by_era", "keyness_pairs", "era_tfidf", "topic_words", "word_shift")
"""Tables whose ``term`` cells explore the term when clicked."""


class RowChoice(NamedTuple):
    """Which rows of a table longer than :data:`MAX_TABLE_ROWS` the page shows: an equal share of each group."""

    by: tuple[str, ...]
    """The columns whose values make a group (an era, a pair of eras, a topic, a year)."""
    key: Callable[[pd.DataFrame], pd.Series]
    """Of the table (every cell a string): the order within a group, lowest first (ties: the CSV's order)."""
    rule: dict[str, str]
    """What the page says of the choice, per language; ``{k}`` is the share of each group."""


def _number(column: str, sign: int = 1) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda frame: sign * pd.to_numeric(frame[column], errors="coerce")


ROW_CHOICES: dict[str, RowChoice] = {
    "documents": RowChoice(("era",), lambda frame: pd.Series(0, index=frame.index),
                           {"zh": "每个时期最多 {k:,} 行，按 CSV 的顺序",
                            "en": "up to {k:,} per era, in the CSV's order"}),
    "keyness_by_era": RowChoice(("era",), _number("g2", -1),
                                {"zh": "每个时期最多 {k:,} 行，G² 最高者",
                                 "en": "up to {k:,} per era, the highest G²"}),
    "keyness_pairs": RowChoice(("target", "reference"), _number("g2", -1),
                               {"zh": "每对时期最多 {k:,} 行，G² 最高者",
                                "en": "up to {k:,} per pair of eras, the highest G²"}),
    "era_tfidf": RowChoice(("era",), _number("rank"),
                           {"zh": "每个时期最多 {k:,} 行，排名最前者",
                            "en": "up to {k:,} per era, the top-ranked"}),
    "topic_words": RowChoice(("topic",), _number("rank"),
                             {"zh": "每个主题最多 {k:,} 行，排名最前者",
                              "en": "up to {k:,} per topic, the top-ranked"}),
    "dating": RowChoice(("year",), lambda frame: (frame["inside"] != "False").astype(int),
                        {"zh": "每年最多 {k:,} 行，不在推断年份范围内的讲话在前",
                         "en": "up to {k:,} per year, speeches outside their estimated years first"}),
}
"""How each table's rows are chosen when it has more than the page shows; other tables show their first rows.
The CSVs are in group order (the first rows are the first eras or years): an equal share of every group shows
each era's strongest rows."""

CAPTIONS: dict[str, dict[str, str]] = {
    "corpus_overview": {"zh": "每篇讲话的规模（汉字数），按年份；斜线：年份仅据标题。",
                        "en": "Size of each speech (Han characters) by year; hatched: the year comes only from "
                              "the title."},
    "term_trajectories": {"zh": "研究文件所列提法每万汉字出现次数：线为各时期合计，圈为单篇讲话。",
                          "en": "The study's terms per 10,000 Han characters: line = era total, circles = single "
                                "speeches."},
    "keyness_by_era": {"zh": "各时期对其余时期最有区别性的词（带符号的 G²）及其次数。",
                       "en": "The most distinctive words of each era against the rest (signed G²), with their counts."},
    "word_shift": {"zh": "哪些词造成了两个时期用词的差异。",
                   "en": "Which words account for the difference between the pair of eras."},
    "doc_similarity": {"zh": "讲话之间（或时期之间）的 TF-IDF 余弦相似度。",
                       "en": "TF-IDF cosine similarity between speeches (or eras)."},
    "dating": {"zh": "每篇讲话的年代标志词窗口、推断年份范围（黄）、最可能年份（●）和元数据年份（◆，红：不在范围内）。",
               "en": "Per speech: its era markers' windows, the estimated years (yellow), the best guess (●) and the "
                     "metadata year (◆, red when outside)."},
    "topic_coherence": {"zh": "按 NPMI 一致性选择主题数 k。",
                        "en": "Choosing the number of topics k by NPMI coherence."},
    "topic_prevalence": {"zh": "各时期的主题占比（段落为单位）。", "en": "Topic shares by era (paragraphs as units)."},
    "topic_words": {"zh": "各主题权重最高的词。", "en": "The top words of each topic."},
}
"""Caption of each figure, per language; ``word_shift_2`` … take ``word_shift``'s."""

HEAT_CAPTION = {"zh": "各时期对其余时期最有区别性的词：热图，颜色为带符号的 G²（红：该时期更多；蓝：更少），"
                      "格中放得下时写出其值。",
                "en": "The most distinctive words of each era against the rest: a heat table of signed G² (red: more "
                      "in the era; blue: less), its value written in the cells where it fits."}
"""The caption of ``keyness_by_era`` when it is a heat table (more than :data:`corpus.plots.MAX_KEYNESS_PANELS`
eras), which shows no counts."""

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "语料报告", "summary": "概况", "figures": "图", "tables": "表", "explorer": "检索",
        "warnings": "警告", "no_warnings": "无警告。", "download": "下载 CSV", "speeches": "讲话",
        "years": "年份", "eras": "时期", "han": "汉字", "era_scheme": "时期划分",
        "rows_shown": "显示 {shown:,} 行，共 {total:,} 行（{rule}；CSV 含全部）。",
        "rows_first": "前 {shown:,} 行",
        "csv_missing": "CSV 太大，未嵌入本页：见同一文件夹中的 {name}.csv。",
        "query": "词语或正则表达式",
        "explorer_help": "输入词语或正则表达式（如 高质量(追赶)?发展）；点击关键词表中的词也可检索。",
        "texts_all": "检索范围：全部 {n:,} 篇讲话的清洗后全文（{chars:,} 字）。",
        "texts_cut": "检索范围有上限：每篇讲话只取前 {limit:,} 字（{chars:,} / {total:,} 字，{share:.0%}），"
                     "{cut:,} 篇被截断；完整结果请用 corpus terms / corpus kwic。",
        "per10k": "每万汉字", "count": "次数", "docs": "讲话数", "n_han": "汉字数", "era": "时期",
        "matches": "{n} 处匹配，{d} 篇讲话", "kwic_shown": "；显示前 {k} 行",
        "bad_pattern": "不是有效的正则表达式，按字面检索",
        "slow_pattern": "检索超过 {s} 秒，已停止：请简化表达式（避免嵌套重复，如 (a+)+ 或 (a|aa)+）",
        "speech": "讲话",
    },
    "en": {
        "title": "Corpus report", "summary": "Summary", "figures": "Figures", "tables": "Tables",
        "explorer": "Explorer",
        "warnings": "Warnings", "no_warnings": "No warnings.", "download": "Download CSV", "speeches": "Speeches",
        "years": "Years", "eras": "Eras", "han": "Han characters", "era_scheme": "Eras",
        "rows_shown": "Showing {shown:,} of {total:,} rows ({rule}; the CSV has them all).",
        "rows_first": "the first {shown:,}",
        "csv_missing": "CSV too large to embed: see {name}.csv beside this page.",
        "query": "Term or regular expression",
        "explorer_help": "Type a term or a regular expression (e.g. 高质量(追赶)?发展), or click a term in a "
                         "keyness table.",
        "texts_all": "Searching the full cleaned text of all {n:,} speeches ({chars:,} characters).",
        "texts_cut": "Capped: the first {limit:,} characters of each speech ({chars:,} of {total:,}, {share:.0%}); "
                     "{cut:,} speeches cut. For complete counts use corpus terms / corpus kwic.",
        "per10k": "per 10k Han", "count": "count", "docs": "speeches", "n_han": "Han chars", "era": "era",
        "matches": "{n} matches in {d} speeches", "kwic_shown": "; showing the first {k} lines",
        "bad_pattern": "not a valid regular expression: searched literally", "speech": "speech",
        "slow_pattern": "pattern took more than {s} s: simplify it (avoid nested repeats such as (a+)+ or (a|aa)+)",
    },
}
"""The page's own words, per language."""

# Embedded CSVs above this size are left out of the page (the page says so and names the file).
MAX_EMBED_BYTES = 3_000_000

STYLE = """
body{font-family:"%(font)s","Noto Sans CJK SC","Source Han Sans SC",sans-serif;margin:0 auto;max-width:1100px;
padding:0 1em 3em;color:#1c2833;line-height:1.5}
button,input{font:inherit}
button{font-size:.85em}
dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1.5em}
dd{margin:0}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.4em 0;z-index:2}
nav a{margin-right:1.2em;color:#1b4f72}
section[id],figure[id],h3[id]{scroll-margin-top:3em}
figure{margin:1.5em 0;border-top:1px solid #eee;padding-top:.8em}
figure svg{max-width:100%%;height:auto}
figcaption{font-size:.95em;color:#333}
.warnings li{color:#922b21}
.note{color:#555;font-size:.9em}
.tablewrap{max-height:28em;overflow:auto;border:1px solid #ddd;margin:.5em 0 1.5em}
table{border-collapse:collapse;font-size:.85em}
th,td{padding:.15em .5em;border-bottom:1px solid #eee;white-space:nowrap;text-align:left}
thead th{position:sticky;top:0;background:#f4f6f7;cursor:pointer}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
button.term{border:0;background:none;color:#1b4f72;cursor:pointer;padding:0;font:inherit;text-decoration:underline}
#explorer-query{font:inherit;font-size:1.1em;width:24em;max-width:100%%;padding:.2em .4em}
#explorer-chart,#explorer-chart>div{width:100%%;min-height:1em}
#kwic td.left{text-align:right}
#kwic mark{background:#f4d03f}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("corpus-data").textContent);
  var T = DATA.text;
  function saveCsv(name) {
    var blob = new Blob([DATA.csv[name]], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name + ".csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  document.querySelectorAll("button[data-csv]").forEach(function (b) {
    b.addEventListener("click", function () { saveCsv(b.getAttribute("data-csv")); });
  });
  function cellValue(cell) {
    var s = cell.textContent, n = Number(s);
    return s.trim() !== "" && isFinite(n) ? n : s;
  }
  function compare(x, y) {
    if (typeof x === "number" && typeof y === "number") { return x - y; }
    if (typeof x === "number") { return -1; }
    if (typeof y === "number") { return 1; }
    return x.localeCompare(y, "zh");
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.tHead.addEventListener("click", function (event) {
      var th = event.target.closest("th");
      if (!th) { return; }
      var col = th.cellIndex, sign = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      table.tHead.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", sign === 1 ? "ascending" : "descending");
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) { return sign * compare(cellValue(a.cells[col]), cellValue(b.cells[col])); });
      var fragment = document.createDocumentFragment();
      rows.forEach(function (row) { fragment.appendChild(row); });
      body.appendChild(fragment);
    });
  });
  var input = document.getElementById("explorer-query");
  var status = document.getElementById("explorer-status");
  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  // The search and escapeRegExp, self-contained: their source text becomes the Web Worker's, so that a pattern that
  // backtracks for ever (such as (.*)*X) can be stopped after the budget without freezing the page.
  function search(texts, query, maxLines, width) {
    var re, bad = false, byEra = {}, lines = [], total = 0, docs = 0;
    try {
      re = new RegExp(query, "gu");
    } catch (e) {
      re = new RegExp(escapeRegExp(query), "gu");
      bad = true;
    }
    texts.forEach(function (t) {
      var found = 0, era = byEra[t.era] || (byEra[t.era] = {count: 0, docs: 0});
      for (var m of t.text.matchAll(re)) {
        if (!m[0]) { continue; }
        found += 1;
        if (lines.length < maxLines) {
          var at = m.index, end = at + m[0].length;
          lines.push([t.id + " (" + t.year + ")", t.text.slice(Math.max(0, at - width), at), m[0],
                      t.text.slice(end, end + width)]);
        }
      }
      era.count += found;
      total += found;
      if (found) { era.docs += 1; docs += 1; }
    });
    return {byEra: byEra, lines: lines, total: total, docs: docs, bad: bad};
  }
  var SOURCES = DATA.texts.map(function (t) { return {id: t.id, year: t.year, era: t.era, text: t.text}; });
  var HAN = {};
  DATA.eras.forEach(function (era) { HAN[era] = 0; });
  DATA.texts.forEach(function (t) { HAN[t.era] += t.n_han; });
  var WORKER = '"use strict";' + escapeRegExp.toString() + ";var search = " + search.toString() +
    ";var texts = [];\n" +
    "onmessage = function (e) {\n" +
    "  if (e.data.texts) { texts = e.data.texts; return; }\n" +
    "  try { postMessage({id: e.data.id, result: search(texts, e.data.query, e.data.max, e.data.width)}); }\n" +
    "  catch (err) { postMessage({id: e.data.id, error: String(err)}); }\n};\n";
  var worker = null, workerUrl = null, useWorker = !!(window.Worker && window.Blob && window.URL), job = null;
  var jobs = 0, chart = null;
  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }
  function drawChart(rows) {
    var target = document.getElementById("explorer-chart");
    if (chart) { chart.then(function (r) { r.view.finalize(); }, function () {}); chart = null; }
    target.textContent = "";
    if (!window.vegaEmbed || !rows.length) { return; }  // no empty chart: its scale would have no extent
    var box = document.createElement("div");  // a late drawing of an older query lands in a detached box
    target.appendChild(box);
    var spec = {
      width: "container", height: 200, data: {values: rows},
      mark: {type: "line", point: true, color: "#1b4f72"},
      encoding: {
        x: {field: "era", type: "ordinal", sort: DATA.eras, title: T.era, axis: {labelAngle: 0}},
        y: {field: "per10k", type: "quantitative", title: T.per10k},
        tooltip: [{field: "era"}, {field: "count"}, {field: "per10k", format: ".2f"}, {field: "docs"}]
      },
      config: {font: DATA.font, axis: {labelFont: DATA.font, titleFont: DATA.font}}
    };
    chart = window.vegaEmbed(box, spec, {actions: false, renderer: "svg"});
    chart.catch(function (e) { status.textContent = String(e); });
  }
  function show(found, message) {
    var kwic = document.querySelector("#kwic tbody"), counts = document.querySelector("#explorer-counts tbody");
    kwic.textContent = "";
    counts.textContent = "";
    if (!found) { status.textContent = message || ""; drawChart([]); return; }
    found.lines.forEach(function (line) {
      var row = document.createElement("tr"), mark = document.createElement("mark");
      cell(row, line[0], "doc");
      cell(row, line[1], "left");
      mark.textContent = line[2];
      cell(row, "", "match").appendChild(mark);
      cell(row, line[3], "right");
      kwic.appendChild(row);
    });
    var rows = DATA.eras.map(function (name) {
      var e = found.byEra[name] || {count: 0, docs: 0}, n = HAN[name];
      return {era: name, count: e.count, per10k: n ? e.count * 10000 / n : 0, docs: e.docs, n_han: n};
    });
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      [r.era, r.count, r.per10k.toFixed(2), r.docs, r.n_han].forEach(function (v) { cell(tr, String(v)); });
      counts.appendChild(tr);
    });
    status.textContent = T.matches.replace("{n}", found.total).replace("{d}", found.docs) +
      (found.total > found.lines.length ? T.kwic_shown.replace("{k}", found.lines.length) : "") +
      (found.bad ? " (" + T.bad_pattern + ")" : "");
    drawChart(rows);
  }
  function stopWorker() {
    if (job) { clearTimeout(job.timer); job = null; }
    if (worker) { worker.terminate(); worker = null; }
  }
  function startWorker() {
    var w;
    try {
      workerUrl = workerUrl || URL.createObjectURL(new Blob([WORKER], {type: "text/javascript"}));
      w = new Worker(workerUrl);
    } catch (e) {
      return null;
    }
    w.onmessage = function (e) {
      if (!job || e.data.id !== job.id) { return; }
      clearTimeout(job.timer);
      job = null;
      show(e.data.result || null, e.data.error);
    };
    w.onerror = function (e) {  // the worker could not start: search on the page itself from now on
      e.preventDefault();
      var query = job ? job.query : null;
      stopWorker();
      useWorker = false;
      if (query !== null) { show(search(SOURCES, query, DATA.max_kwic, DATA.width)); }
    };
    w.postMessage({texts: SOURCES});
    return w;
  }
  function explore() {
    var query = input.value;
    if (job) { stopWorker(); }  // a newer query replaces one still running
    if (!query) { show(null, ""); return; }
    if (useWorker && !worker) {
      worker = startWorker();
      useWorker = worker !== null;
    }
    if (!useWorker) { show(search(SOURCES, query, DATA.max_kwic, DATA.width)); return; }
    jobs += 1;
    job = {id: jobs, query: query, timer: setTimeout(function () {
      stopWorker();
      show(null, T.slow_pattern.replace("{s}", DATA.budget_ms / 1000));
    }, DATA.budget_ms)};
    worker.postMessage({id: jobs, query: query, max: DATA.max_kwic, width: DATA.width});
  }
  input.addEventListener("input", explore);
  document.querySelectorAll("button.term").forEach(function (b) {
    b.addEventListener("click", function () {
      input.value = escapeRegExp(b.textContent);
      explore();
      document.getElementById("explorer").scrollIntoView();
    });
  });
  explore();
})();
"""
"""The page's own JavaScript: CSV downloads, table sorting, the explorer (with vega-embed when present).

The explorer searches in a Web Worker made from an inline ``Blob`` (no file, no network), stopped after
:data:`SEARCH_BUDGET_MS`; where workers are missing it searches on the page itself, unbounded."""


def explorer_texts(docs: pd.DataFrame, *, max_chars: int = MAX_TEXT_CHARS) -> pd.DataFrame:
    """The cleaned texts the explorer searches, at most ``max_chars`` characters in all.

    When the texts are longer, every speech keeps its first ``limit`` characters, the largest ``limit``
    within ``max_chars`` (short speeches stay whole), so that each speech still counts.

    Parameters
    ----------
    docs : pandas.DataFrame
        A cleaned docs frame: ``id``, ``year``, ``era``, ``title``, ``text_clean``.
    max_chars : int
        Most characters kept in all.

    Returns
    -------
    pandas.DataFrame
        One row per speech in time order (year, then id): ``id, year, era, title, text, n_han, n_chars``,
        where ``text`` is the (cut) cleaned text, ``n_han`` its Han characters and ``n_chars`` the length of
        the whole cleaned text; ``attrs["limit"]`` is the cut (None when nothing was cut).

    Examples
    --------
    >>> docs = pd.DataFrame({"id": ["a", "b"], "year": [2006, 2011], "era": ["2006", "2011"],
    ...                      "title": ["甲", "乙"], "text_clean": ["工会工作", "高质量发展高质量发展"]})
    >>> explorer_texts(docs, max_chars=8)[["id", "text", "n_han"]].values.tolist()
    [['a', '工会工作', 4], ['b', '高质量发', 4]]
    """
    docs = docs.sort_values(["year", "id"], kind="stable")
    full = [str(text) for text in docs["text_clean"]]
    lengths = [len(text) for text in full]
    limit = text_limit(lengths, max_chars=max_chars)
    return _explorer_frame(docs, full if limit is None else [text[:limit] for text in full], lengths, limit)


def _explorer_frame(docs: pd.DataFrame, texts: list[str], lengths: list[int], limit: int | None) -> pd.DataFrame:
    frame = pd.DataFrame({
        "id": docs["id"].astype(str).to_numpy(), "year": docs["year"].astype(int).to_numpy(),
        "era": docs["era"].astype(str).to_numpy(), "title": docs["title"].astype(str).to_numpy(), "text": texts,
        "n_han": [count_han(text) for text in texts], "n_chars": lengths,
    })
    frame.attrs["limit"] = limit
    return frame


class PageTexts:
    """What the page takes from the cleaned texts, gathered a slice of speeches at a time
    (:func:`corpus.clean.clean_batches`), so that no caller holds every text: the explorer's texts and every
    character.

    Parameters
    ----------
    lengths : sequence of int
        The length of every speech's ``text_clean``, for the cut (:func:`text_limit`).
    max_chars : int
        As for :func:`explorer_texts`.

    Examples
    --------
    >>> docs = pd.DataFrame({"id": ["a", "b"], "year": [2006, 2011], "era": ["2006", "2011"],
    ...                      "title": ["甲", "乙"], "text_clean": ["工会工作", "高质量发展高质量发展"]})
    >>> page = PageTexts([4, 10], max_chars=8)
    >>> page.add(docs.iloc[:1]); page.add(docs.iloc[1:])
    >>> page.explorer()[["id", "text", "n_chars"]].values.tolist(), len(page.characters())
    ([['a', '工会工作', 4], ['b', '高质量发', 10]], 8)
    """

    def __init__(self, lengths: Sequence[int], *, max_chars: int = MAX_TEXT_CHARS):
        self.limit = text_limit(list(lengths), max_chars=max_chars)
        self._seen = np.zeros(0x110000, dtype=bool)
        self._parts: list[pd.DataFrame] = []

    def add(self, docs: pd.DataFrame) -> None:
        """Take the texts of a slice of the cleaned docs (``id``, ``year``, ``era``, ``title``, ``text_clean``)."""
        full = [str(text) for text in docs["text_clean"]]
        _mark_characters(self._seen, full)
        self._parts.append(docs[["id", "year", "era", "title"]].assign(
            text_clean=full if self.limit is None else [text[:self.limit] for text in full],
            n_chars=[len(text) for text in full]))

    def explorer(self) -> pd.DataFrame:
        """:func:`explorer_texts` of every slice taken, the same frame."""
        columns = ["id", "year", "era", "title", "text_clean", "n_chars"]
        docs = pd.concat(self._parts, ignore_index=True) if self._parts else pd.DataFrame(columns=columns)
        docs = docs.sort_values(["year", "id"], kind="stable")
        return _explorer_frame(docs, docs["text_clean"].tolist(), docs["n_chars"].tolist(), self.limit)

    def characters(self) -> set[str]:
        """:func:`characters_of` every text taken."""
        return {chr(code) for code in np.flatnonzero(self._seen)}


def text_limit(lengths: Sequence[int], *, max_chars: int) -> int | None:
    """The largest per-text cut that keeps ``sum(min(n, cut))`` within ``max_chars``; None if all fit.

    >>> text_limit([10, 10, 100], max_chars=60)
    40
    >>> text_limit([10, 20], max_chars=60) is None
    True
    """
    if sum(lengths) <= max_chars:
        return None
    rest, left = sorted(lengths), max_chars
    for i, n in enumerate(rest):
        share = left // (len(rest) - i)
        if n > share:
            return share
        left -= n
    return None  # pragma: no cover  (unreachable: the sum exceeds max_chars)


def inline_svg(svg: str, *, prefix: str) -> str:
    """An SVG file's text ready to sit inside HTML: no XML prolog, doctype, metadata or namespace URLs,
    and every id prefixed (``prefix-``) so that figures on one page do not share clip paths or glyphs.

    >>> inline_svg('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><g id="a" '
    ...            'clip-path="url(#a)"/><use xlink:href="#a"/></svg>', prefix="f")
    '<svg><g id="f-a" clip-path="url(#f-a)"/><use xlink:href="#f-a"/></svg>'
    """
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return re.sub(r'((?:xlink:)?href)="#([^"]+)"', rf'\1="#{prefix}-\2"', svg).strip()


def font_face_css(chars: Iterable[str], *, font_path: Path | None = None) -> str:
    """A ``@font-face`` rule with Noto Sans CJK SC cut to ``chars``, as WOFF inline; "" without the font.

    The subset is deterministic (no timestamp), so the same characters give the same bytes.
    """
    font_path = cjk_font_path() if font_path is None else font_path
    if font_path is None:
        return ""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor, options.layout_features, options.hinting, options.name_IDs = "woff", [], False, ["*"]
    font = TTFont(str(font_path), fontNumber=FONT_NUMBER, recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(map(ord, _drawable(chars))))
    subsetter.subset(font)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'@font-face{{font-family:"{FONT_FAMILY}";src:url(data:font/woff;base64,{data}) format("woff")}}'


def characters_of(texts: Iterable[str]) -> set[str]:
    """Every character of ``texts``: what a font subset for them must hold.

    Marked in a table of all code points, one text at a time (63 M characters: 0.3 s and a 1 MB table, where
    ``set.update`` takes 2.4 s and sets of every text at once 400 MB).

    >>> sorted(characters_of(["工会", "会议"]))
    ['会', '工', '议']
    """
    seen = np.zeros(0x110000, dtype=bool)
    _mark_characters(seen, texts)
    return {chr(code) for code in np.flatnonzero(seen)}


def _mark_characters(seen: np.ndarray, texts: Iterable[str]) -> None:
    for text in texts:
        seen[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)] = True


def _drawable(chars: Iterable[str]) -> set[str]:
    """The characters a font has to draw: printable ones, not spaces."""
    return {c for c in chars if c.isprintable() and not c.isspace()}


def font_characters(chars: Iterable[str], *, lang: str = "zh", extra: Iterable[str] = ()) -> frozenset[str]:
    """What a font cut before the page is written should hold: ``chars`` (the corpus's), the page's and the
    figures' own words in ``lang`` (headings, captions, axis labels), the strings in ``extra`` (metadata, eras,
    terms, era markers, warnings) and printable ASCII; only characters a font draws (printable, not spaces).

    >>> {"工", "会", "二", "~"} <= font_characters("工会 ", lang="en", extra=["十二五"])
    True
    """
    words = [*TEXT[lang].values(), *(caption.get(lang, "") for caption in CAPTIONS.values()), HEAT_CAPTION[lang],
             *(choice.rule[lang] for choice in ROW_CHOICES.values()),
             *(str(label) for label in LABELS[lang].values()), *extra, "".join(map(chr, range(0x20, 0x7F)))]
    return frozenset(_drawable([*chars, *"".join(words)]))


def precut_font(chars: frozenset[str], *, cache_dir: Path | None = None) -> tuple[frozenset[str], str]:
    """``chars`` and the ``@font-face`` rule cut to them (:func:`cached_font_css`), to give
    :func:`write_html_report` before the page exists: the report has it cut by its figure worker while the
    analyses run (cutting takes 1-3 s, most of writing the page)."""
    return chars, cached_font_css(chars, cache_dir=cache_dir)


def cached_font_css(chars: Iterable[str], *, cache_dir: Path | None = None) -> str:
    """:func:`font_face_css`, kept in ``cache_dir/font`` under a hash of the characters, the font, fontTools and
    this module's source.

    Cutting the font takes 1-3 s; a rerun whose page needs no new character reads the rule back (the same
    characters give the same bytes, so the page is unchanged).
    """
    unicodes = sorted(_drawable(chars))
    font_path = cjk_font_path()
    if cache_dir is None or font_path is None:
        return font_face_css(unicodes)
    import fontTools

    key = fingerprint(["".join(unicodes).encode(), f"{font_path.name} {font_path.stat().st_size} {FONT_NUMBER} "
                       f"{fontTools.version}".encode(), Path(__file__).read_bytes()])
    path = Path(cache_dir) / "font" / f"{key}.css"
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        pass
    css = font_face_css(unicodes)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, css.encode("ascii"))
    except OSError:  # an unwritable cache: the rule is cut again next time
        pass
    return css


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script; "" when there is none.

    The copy shipped in ``resources/`` (see ``htmlpage_vega.md``), else ``vl-convert-python``'s (slow: it
    builds the bundle, ~12 s), else none.
    """
    shipped = config.resource(VEGA_FILE)
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    try:
        import vl_convert
    except ImportError:
        return ""
    return vl_convert.javascript_bundle()


def script_json(value) -> str:
    """``value`` as JSON that is safe inside ``<script>``: sorted keys, and ``<``, ``>``, ``&`` escaped."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _script(code: str) -> str:
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", code, flags=re.I) + "</script>"


def table_html(csv_text: str, *, name: str, max_rows: int = MAX_TABLE_ROWS, terms: bool = False,
               lang: str = "zh") -> str:
    """A sortable HTML table of a CSV's text (cells as written), at most ``max_rows`` rows.

    ``terms``: the ``term`` column's cells are buttons that explore the term.
    """
    frame = pd.read_csv(io.StringIO(csv_text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    shown, share = shown_rows(frame, name=name, max_rows=max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    term_col = list(frame.columns).index("term") if terms and "term" in frame.columns else -1
    body = []
    for row in shown.itertuples(index=False):
        cells = [f'<td><button class="term">{html.escape(v)}</button></td>' if i == term_col
                 else f"<td>{html.escape(v)}</td>" for i, v in enumerate(row)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if len(shown) < len(frame):
        rule = (TEXT[lang]["rows_first"].format(shown=len(shown)) if share is None
                else ROW_CHOICES[name].rule[lang].format(k=share))
        said = TEXT[lang]["rows_shown"].format(shown=len(shown), total=len(frame), rule=rule)
        note = f'<p class="note">{html.escape(said)}</p>'
    return (f'{note}<div class="tablewrap"><table class="sortable" id="table-{html.escape(name)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def shown_rows(frame: pd.DataFrame, *, name: str, max_rows: int = MAX_TABLE_ROWS) -> tuple[pd.DataFrame, int | None]:
    """The rows of table ``name`` that the page shows, in the CSV's order, and the share of each group.

    At most ``max_rows``: all of them when they fit; else, for a table of :data:`ROW_CHOICES`, the first
    ``share`` rows of each group in its order (the largest ``share`` that keeps the total within ``max_rows``,
    as :func:`text_limit` cuts texts; at least 1, the first groups then), else the first rows (share None).

    >>> frame = pd.DataFrame({"era": ["a", "a", "a", "b", "b"], "term": ["x", "y", "z", "u", "v"],
    ...                       "g2": ["3", "9", "1", "2", "5"]})
    >>> rows, share = shown_rows(frame, name="keyness_by_era", max_rows=4)
    >>> rows["term"].tolist(), share
    (['x', 'y', 'u', 'v'], 2)
    """
    if len(frame) <= max_rows:
        return frame, None
    choice = ROW_CHOICES.get(name)
    if choice is None or not set(choice.by) <= set(frame.columns):
        return frame.head(max_rows), None
    try:
        key = choice.key(frame)
    except KeyError:  # a table without the column that ranks its rows
        return frame.head(max_rows), None
    sizes = frame.groupby(list(choice.by), sort=False, dropna=False).size().tolist()
    share = max(1, text_limit(sizes, max_chars=max_rows) or 0)
    ranked = frame.assign(_key=key.to_numpy(), _at=np.arange(len(frame))).sort_values(
        ["_key", "_at"], kind="stable", na_position="last")
    ranked = ranked[ranked.groupby(list(choice.by), sort=False, dropna=False).cumcount() < share]
    return ranked.sort_values("_at").drop(columns=["_key", "_at"]).head(max_rows), share


def summary_html(documents_csv: str | None, *, warnings: Sequence[str], lang: str = "zh") -> str:
    """The summary section: speeches, years, eras, Han characters, the era grouping and why; the warnings."""
    text, items = TEXT[lang], []
    if documents_csv is not None:
        docs = pd.read_csv(io.StringIO(documents_csv.lstrip("\ufeff")), dtype={"id": str, "era": str})
        items = [(text["speeches"], f"{len(docs):,}")]
        if len(docs) and {"year", "era"} <= set(docs.columns):
            items += [(text["years"], f"{docs['year'].min()}–{docs['year'].max()}"),
                      (text["eras"], f"{docs['era'].nunique():,}")]
        if len(docs):
            if "n_han" in docs:
                items.append((text["han"], f"{int(docs['n_han'].sum()):,}"))
            if "era_scheme" in docs:
                items.append((text["era_scheme"], f"{docs['era_scheme'].iloc[0]} ({docs['era_reason'].iloc[0]})"))
    listed = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items)
    shown = ("<ul class=\"warnings\">" + "".join(f"<li>{html.escape(w)}</li>" for w in warnings) + "</ul>"
             if warnings else f"<p>{html.escape(text['no_warnings'])}</p>")
    return (f'<section id="summary"><h2>{html.escape(text["summary"])}</h2><dl>{listed}</dl>'
            f'<h3>{html.escape(text["warnings"])}</h3>{shown}</section>')


def caption_of(name: str, *, lang: str = "zh", eras: int = 0) -> str:
    """The caption of figure ``name`` (``word_shift_2`` takes ``word_shift``'s); "" for an unknown figure.

    ``eras``: how many eras ``keyness_by_era`` has; beyond :data:`corpus.plots.MAX_KEYNESS_PANELS` it is drawn
    as a heat table of G² without counts, and its caption says so (:data:`HEAT_CAPTION`).
    """
    if name == "keyness_by_era" and eras > MAX_KEYNESS_PANELS:
        return HEAT_CAPTION[lang]
    base = re.sub(r"_\d+$", "", name)
    return CAPTIONS.get(base, CAPTIONS.get(name, {})).get(lang, "")


def keyness_eras(csvs: Mapping[str, str | None], texts: pd.DataFrame) -> int:
    """How many eras the ``keyness_by_era`` figure shows: those of its CSV, else (not embedded) those of the texts."""
    csv_text = csvs.get("keyness_by_era")
    if csv_text is None:
        return len(ordered_eras(texts))
    frame = pd.read_csv(io.StringIO(csv_text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    return frame["era"].nunique() if "era" in frame else len(ordered_eras(texts))


def texts_note(texts: pd.DataFrame, *, lang: str = "zh") -> str:
    """What the explorer searches: all the text, or how it was capped."""
    total, chars = int(texts["n_chars"].sum()), int(texts["text"].str.len().sum())
    limit = texts.attrs.get("limit")
    if limit is None:
        return TEXT[lang]["texts_all"].format(n=len(texts), chars=chars)
    cut = int((texts["n_chars"] > limit).sum())
    return TEXT[lang]["texts_cut"].format(limit=limit, chars=chars, total=total, share=chars / max(total, 1), cut=cut)


def page_html(*, figures: Mapping[str, str], csvs: Mapping[str, str | None], texts: pd.DataFrame,
              warnings: Sequence[str] = (), title: str | None = None, lang: str = "zh", vega_js: str = "",
              font_css: str | Callable[[str], str] = "") -> str:
    """The whole page as a string.

    Parameters
    ----------
    figures : mapping
        Figure name → its SVG file's text, in page order.
    csvs : mapping
        Name → CSV text (as read from the file, byte-order mark kept) of every figure and table, or None when
        too large to embed.
    texts : pandas.DataFrame
        :func:`explorer_texts`.
    warnings : sequence of str
        Shown in the summary.
    title : str, optional
        The page's heading; default "语料报告" / "Corpus report".
    lang : {"zh", "en"}
        Language of the page's own words.
    vega_js : str
        The Vega bundle (:func:`vega_bundle`); "" for no chart.
    font_css : str or callable
        A ``@font-face`` rule, or a function of the page's text that returns one (:func:`font_face_css`).
    """
    text = TEXT[lang]
    title = title or text["title"]
    esc = html.escape
    parts = [summary_html(csvs.get("documents"), warnings=warnings, lang=lang)]
    parts.append(f'<section id="figures"><h2>{esc(text["figures"])}</h2>')
    eras = keyness_eras(csvs, texts) if "keyness_by_era" in figures else 0
    for name, svg in figures.items():
        parts.append(f'<figure id="figure-{esc(name)}">{inline_svg(svg, prefix=name)}'
                     f"<figcaption><b>{esc(name)}</b>: {esc(caption_of(name, lang=lang, eras=eras))} "
                     f"{_download(name, csvs.get(name, ''), lang=lang)}</figcaption></figure>")
    parts.append("</section>")
    parts.append(
        f'<section id="explorer"><h2>{esc(text["explorer"])}</h2><p>{esc(text["explorer_help"])}</p>'
        f'<p class="note" id="explorer-note">{esc(texts_note(texts, lang=lang))}</p>'
        f'<input id="explorer-query" type="search" placeholder="{esc(text["query"])}" autocomplete="off">'
        f'<p id="explorer-status" class="note"></p><div id="explorer-chart"></div>'
        f'<div class="tablewrap"><table id="explorer-counts"><thead><tr>'
        + "".join(f"<th>{esc(text[k])}</th>" for k in ("era", "count", "per10k", "docs", "n_han"))
        + '</tr></thead><tbody></tbody></table></div><div class="tablewrap"><table id="kwic"><tbody></tbody></table>'
        "</div></section>")
    parts.append(f'<section id="tables"><h2>{esc(text["tables"])}</h2>')
    for name in TABLES:
        if name in csvs:
            body = (table_html(csvs[name], name=name, terms=name in KEYNESS_TABLES, lang=lang)
                    if csvs[name] is not None else "")
            parts.append(f'<h3 id="tables-{esc(name)}">{esc(name)}.csv {_download(name, csvs[name], lang=lang)}</h3>'
                         f"{body}")
    parts.append("</section>")
    nav = "".join(f'<a href="#{k}">{esc(text[k])}</a>' for k in ("summary", "figures", "explorer", "tables"))
    body = f"<h1>{esc(title)}</h1><nav>{nav}</nav>" + "".join(parts)
    data = {
        "csv": {k: v for k, v in csvs.items() if v is not None}, "eras": [str(e) for e in ordered_eras(texts)],
        "texts": texts[["id", "year", "era", "title", "text", "n_han"]].to_dict("records"), "text": text,
        "font": f'"{FONT_FAMILY}", sans-serif', "max_kwic": MAX_KWIC_LINES, "width": KWIC_WIDTH,
        "budget_ms": SEARCH_BUDGET_MS,
    }
    font = font_css(body + "".join(texts["text"]) + "".join(text.values())) if callable(font_css) else font_css
    return (f'<!DOCTYPE html>\n<html lang="{"zh-Hans" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{esc(title)}</title>'
            f"<style>{font}{STYLE % {'font': FONT_FAMILY}}</style></head><body>{body}"
            f'<script type="application/json" id="corpus-data">{script_json(data)}</script>'
            + (_script(vega_js) if vega_js else "") + _script(SCRIPT) + "</body></html>\n")


def _download(name: str, csv_text: str | None, *, lang: str) -> str:
    if csv_text is None:
        return f'<span class="note">{html.escape(TEXT[lang]["csv_missing"].format(name=name))}</span>'
    return f'<button type="button" data-csv="{html.escape(name)}">{html.escape(TEXT[lang]["download"])}</button>'


def report_files(out_dir: Path, files: Iterable[Path] | None = None) -> tuple[list[str], list[str]]:
    """The figures (names with an SVG and a CSV) and tables (CSV names of :data:`TABLES`) in ``out_dir``.

    ``files``: only these (a report's written files); default every file in ``out_dir``.
    """
    paths = sorted(out_dir.iterdir()) if files is None else [Path(p) for p in files]
    names = {p.name for p in paths}
    figures = sorted(p.stem for p in paths if p.suffix == ".svg" and f"{p.stem}.csv" in names)
    order = {name: i for i, name in enumerate(CAPTIONS)}
    figures.sort(key=lambda n: (order.get(re.sub(r"_\d+$", "", n), len(order)), n))
    tables = [name for name in TABLES if f"{name}.csv" in names]
    return figures, tables


def write_html_report(out_dir: str | Path, *, texts: pd.DataFrame, warnings: Sequence[str] = (),
                      files: Iterable[Path] | None = None, title: str | None = None, lang: str = "zh",
                      max_embed_bytes: int = MAX_EMBED_BYTES, font_chars: Iterable[str] = (),
                      cache_dir: Path | None = None, font: tuple[frozenset[str], str] | None = None) -> Path:
    """Write ``out_dir/report.html``: one self-contained page of the report's figures, tables and texts.

    Parameters
    ----------
    out_dir : path
        The report's output folder, with the figures (``NAME.svg`` + ``NAME.csv``) and tables written.
    texts : pandas.DataFrame
        The explorer's texts, :func:`explorer_texts` of the cleaned docs.
    warnings : sequence of str
        Validation and dating warnings to show.
    files : iterable of path, optional
        The files of this run (``build_report``'s ``written``), so that figures left from earlier runs stay
        out; default every file in ``out_dir``.
    title : str, optional
        Heading of the page.
    lang : {"zh", "en"}
        Language of the page's own words.
    max_embed_bytes : int
        A CSV larger than this is not embedded (the page names the file instead).
    font_chars : iterable of str
        Characters the font subset holds besides the page's own: the report gives every character of the full
        texts, so that the subset (and its cache entry) changes only when a new character enters the corpus.
    cache_dir : path, optional
        Where cut fonts are kept (:func:`cached_font_css`); None cuts the font every time.
    font : (frozenset of str, str), optional
        A font cut beforehand (:func:`precut_font`): used when it holds every character the page needs,
        else the font is cut for the page as without it.

    Returns
    -------
    pathlib.Path
        The page written.
    """
    out_dir = Path(out_dir)
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, not {lang!r}")
    figures, tables = report_files(out_dir, files)
    csvs: dict[str, str | None] = {}
    for name in [*figures, *tables]:
        data = (out_dir / f"{name}.csv").read_bytes()
        csvs[name] = data.decode("utf-8") if len(data) <= max_embed_bytes else None
    svgs = {name: (out_dir / f"{name}.svg").read_text(encoding="utf-8") for name in figures}
    page = page_html(figures=svgs, csvs=csvs, texts=texts, warnings=list(warnings), title=title, lang=lang,
                     vega_js=vega_bundle(),
                     font_css=lambda page: _font_for(page, font_chars, font=font, cache_dir=cache_dir))
    path = out_dir / HTML_FILE
    write_bytes_atomic(path, page.encode("utf-8"))
    return path


def _font_for(page: str, chars: Iterable[str], *, font: tuple[frozenset[str], str] | None,
              cache_dir: Path | None) -> str:
    needed = _drawable([*page, *chars])
    if font is not None and needed <= font[0]:
        return font[1]
    return cached_font_css(needed, cache_dir=cache_dir)
