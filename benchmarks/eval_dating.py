"""How well does dating by era markers work? Hit rate and width of the estimated ranges.

    .venv/bin/python benchmarks/eval_dating.py [--samples 40] [--write]

Two test sets, each with a known year:

1. Speeches built by drawing paragraphs from ONE shipped speech at a time
   (3 to 8 body paragraphs, seeded): the year is that speech's year. Speech
   000 is left out: its metadata year (2023, from the title) is the error the
   method is meant to catch, and its true year is not known.
2. Short texts written for each period: a few sentences naming that year's
   plan, congress and slogans, the way a county speech would.

A hit is a true year inside ``low..high``; narrow ranges matter as much as
hits, so the mean width (``high - low + 1``) is reported too. ``--write``
puts the tables in ``docs/dating.md``.
"""

from __future__ import annotations

import argparse
import sys
import sys as _sys
from pathlib import Path as _Path

import numpy as np
import pandas as pd

_sys.path.insert(0, str(_Path(__file__).parent))
from corpus import clean_docs, config, load_docs, split_paragraphs
from corpus.dating import date_text, read_era_markers
from markdown import DATA_DIR, REPO, write_section  # noqa: E402

# (true year, text): written for this evaluation, one or two per period.
PERIOD_TEXTS = [
    (1988, "认真贯彻党的十三大精神，坚持“一个中心、两个基本点”，为完成“七五”计划作出贡献。"),
    (1993, "全面贯彻党的十四大精神，加快建立社会主义市场经济体制，确保“八五”计划顺利完成。"),
    (1998, "高举邓小平理论伟大旗帜，全面贯彻党的十五大精神，扎实推进“三讲”教育，为完成“九五”计划而奋斗。"
           "今年是改革开放20周年。"),
    (2002, "认真实践“三个代表”重要思想，迎接党的十六大胜利召开，努力完成“十五”计划各项任务。"),
    (2004, "坚持以科学发展观统领经济社会发展全局，贯彻党的十六届三中全会精神，全面建设小康社会，"
           "做好“十五”计划最后两年的工作。"),
    (2006, "今年是“十一五”开局之年。要深入开展保持共产党员先进性教育活动，树立社会主义荣辱观，构建社会主义和谐社会。"),
    (2008, "认真学习贯彻党的十七大精神，深入开展学习实践科学发展观活动，积极应对国际金融危机，支援汶川地震灾区重建。"),
    (2010, "今年是“十一五”规划的收官之年，要深入开展创先争优活动，以加快转变经济发展方式为主线，"
           "科学编制“十二五”规划。"),
    (2011, "今年是“十二五”开局之年，也是建党90周年。深入开展创先争优活动，推动科学发展、促进社会和谐。"),
    (2013, "深入学习贯彻党的十八大和十八届三中全会精神，开展党的群众路线教育实践活动，"
           "反对“四风”，为实现中国梦而奋斗。"),
    (2015, "今年是“十二五”规划收官之年。要协调推进“四个全面”战略布局，深入开展“三严三实”专题教育，"
           "适应经济发展新常态。"),
    (2016, "今年是“十三五”开局之年，要牢固树立新发展理念，扎实开展“两学一做”学习教育，推进供给侧结构性改革。"),
    (2018, "深入学习贯彻习近平新时代中国特色社会主义思想和党的十九大精神，"
           "增强“四个意识”，坚决做到“两个维护”，推动高质量发展。"),
    (2019, "认真开展“不忘初心、牢记使命”主题教育，庆祝新中国成立70周年，决胜全面建成小康社会。"),
    (2020, "统筹推进常态化疫情防控和经济社会发展，坚决打赢脱贫攻坚战，确保“十三五”规划圆满收官。"),
    (2021, "今年是“十四五”开局之年，也是建党100周年。扎实开展党史学习教育和“我为群众办实事”实践活动，"
           "深刻领悟“两个确立”的决定性意义。"),
    (2023, "全面学习贯彻党的二十大精神，扎实开展学习贯彻习近平新时代中国特色社会主义思想主题教育，"
           "以中国式现代化全面推进中华民族伟大复兴。"),
    (2024, "深入学习贯彻党的二十届三中全会精神，扎实开展党纪学习教育，因地制宜发展新质生产力。"),
]


def paragraph_samples(samples: int, *, random_state: int = config.SEED) -> pd.DataFrame:
    """Speeches drawn from one shipped speech at a time: ``source, year, text``."""
    docs = clean_docs(load_docs(DATA_DIR))
    paragraphs = split_paragraphs(docs)
    body = paragraphs[paragraphs["kind"] == "body"]
    rng = np.random.default_rng(random_state)
    rows = []
    for doc in docs[docs["id"] != "000"].itertuples(index=False):
        texts = body.loc[body["doc_id"] == doc.id, "text"].tolist()
        for _ in range(samples):
            size = int(rng.integers(3, min(8, len(texts)) + 1))
            picked = rng.choice(len(texts), size=size, replace=False)
            rows.append((doc.id, doc.year, "\n".join(texts[i] for i in sorted(picked))))
    return pd.DataFrame(rows, columns=["source", "year", "text"])


def evaluate(frame: pd.DataFrame, markers: pd.DataFrame) -> pd.DataFrame:
    """Date every text: ``year, low, high, best, hit, width, error``."""
    rows = []
    for year, text in zip(frame["year"], frame["text"], strict=True):
        estimate = date_text(text, markers=markers, year_max=2026)
        if estimate.low is None:
            rows.append((year, None, None, None, False, None, None))
            continue
        rows.append((year, estimate.low, estimate.high, estimate.best, year in estimate,
                     estimate.high - estimate.low + 1, abs(estimate.best - year)))
    return pd.DataFrame(rows, columns=["year", "low", "high", "best", "hit", "width", "error"])


def summary(name: str, result: pd.DataFrame) -> str:
    dated = result.dropna(subset=["low"])
    return (f"| {name} | {len(result)} | {len(dated) / len(result):.0%} | {result['hit'].mean():.0%} | "
            f"{dated['width'].mean():.1f} | {dated['width'].median():.0f} | {(dated['error'] == 0).mean():.0%} | "
            f"{dated['error'].mean():.2f} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40, help="drawn speeches per shipped speech")
    parser.add_argument("--write", action="store_true", help="write docs/dating.md")
    args = parser.parse_args(argv)
    markers = read_era_markers()
    drawn = paragraph_samples(args.samples)
    drawn_result = evaluate(drawn, markers)
    periods = pd.DataFrame(PERIOD_TEXTS, columns=["year", "text"])
    period_result = evaluate(periods, markers)
    header = ["| test set | texts | dated | true year in range | mean width | median width | best = true "
              "| mean abs(best - true) |",
              "|---|---|---|---|---|---|---|---|"]
    lines = [*header, summary("paragraphs drawn from one speech", drawn_result),
             summary("short period texts", period_result), "",
             "By source speech (drawn paragraphs):", "",
             "| speech | year | texts | dated | in range | mean width |", "|---|---|---|---|---|---|"]
    for (source, year), group in drawn_result.assign(source=drawn["source"]).groupby(["source", "year"]):
        dated = group.dropna(subset=["low"])
        lines.append(f"| {source} | {year} | {len(group)} | {len(dated) / len(group):.0%} | {group['hit'].mean():.0%} "
                     f"| {dated['width'].mean():.1f} |")
    lines += ["", "Short period texts, one by one:", "",
              "| true year | estimate | best | in range |", "|---|---|---|---|"]
    for row in period_result.itertuples(index=False):
        estimate = "no marker" if pd.isna(row.low) else f"{int(row.low)}–{int(row.high)}"
        best = "" if pd.isna(row.best) else int(row.best)
        lines.append(f"| {row.year} | {estimate} | {best} | {'yes' if row.hit else 'no'} |")
    lines += ["", f"Command: `.venv/bin/python benchmarks/eval_dating.py --samples {args.samples}` "
              "(seeded; the year range is capped at 2026)."]
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(REPO / "docs" / "dating.md", "eval_dating", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
