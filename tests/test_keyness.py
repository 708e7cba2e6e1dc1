"""Keyness and word shift on tiny counts frames, every value worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from corpus.errors import CorpusError
from corpus.keyness import (
    KEYNESS_COLUMNS,
    SHIFT_COLUMNS,
    keyness,
    keyness_by_era,
    notable_keyness,
    top_keyness,
    word_shift,
)

# Era A: 10 tokens, era B: 10 tokens; 创新 is absent from A (no row).
TWO_ERAS = [
    ("A", "工会", 6, 2),
    ("A", "改革", 1, 1),
    ("A", "职工", 3, 1),
    ("B", "工会", 2, 1),
    ("B", "改革", 4, 2),
    ("B", "创新", 2, 1),
    ("B", "职工", 2, 2),
]
# Era C: 5 tokens; 民生 occurs only in C.
ERA_C = [
    ("C", "工会", 1, 1),
    ("C", "创新", 3, 2),
    ("C", "民生", 1, 1),
]


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["era", "term", "count", "docs"])


def row(table: pd.DataFrame, term: str) -> pd.Series:
    hits = table[table["term"] == term]
    assert len(hits) == 1
    return hits.iloc[0]


def close(value):
    return pytest.approx(value, rel=1e-12, abs=1e-12)


@pytest.fixture
def two() -> pd.DataFrame:
    return frame(TWO_ERAS)


@pytest.fixture
def three() -> pd.DataFrame:
    return frame(TWO_ERAS + ERA_C)


# --- G², p, log ratio, log-odds z -------------------------------------------------


def test_g2_of_a_term_more_frequent_in_target(two):
    # 工会: table [[6, 4], [2, 8]], N = 20, column totals 8 and 12,
    # expected [[10*8/20, 10*12/20], [10*8/20, 10*12/20]] = [[4, 6], [4, 6]].
    expected = 2 * (6 * math.log(6 / 4) + 4 * math.log(4 / 6) + 2 * math.log(2 / 4) + 8 * math.log(8 / 6))
    got = row(keyness(two, target="A"), "工会")
    assert got["g2"] == close(expected)
    assert got["g2"] > 0  # 6/10 in A against 2/10 in B
    assert (got["n_target"], got["n_reference"], got["total_target"], got["total_reference"]) == (6, 2, 10, 10)


def test_g2_is_negative_for_a_term_rarer_in_target(two):
    # 改革: table [[1, 9], [4, 6]], column totals 5 and 15, expected [[2.5, 7.5], [2.5, 7.5]].
    magnitude = 2 * (1 * math.log(1 / 2.5) + 9 * math.log(9 / 7.5) + 4 * math.log(4 / 2.5) + 6 * math.log(6 / 7.5))
    assert row(keyness(two, target="A"), "改革")["g2"] == close(-magnitude)


def test_g2_with_an_empty_cell(two):
    # 创新: table [[0, 10], [2, 8]], column totals 2 and 18, expected [[1, 9], [1, 9]]; 0·ln 0 = 0.
    magnitude = 2 * (0 + 10 * math.log(10 / 9) + 2 * math.log(2 / 1) + 8 * math.log(8 / 9))
    assert row(keyness(two, target="A", min_count=0), "创新")["g2"] == close(-magnitude)


def test_p_is_the_chi_square_tail_of_abs_g2(two):
    # With 1 df, P(X > x) = erfc(sqrt(x / 2)); the sign of G² must not matter.
    table = keyness(two, target="A")
    for term in ("工会", "改革"):
        got = row(table, term)
        assert got["p"] == close(math.erfc(math.sqrt(abs(got["g2"]) / 2)))
    g2 = 2 * (6 * math.log(6 / 4) + 4 * math.log(4 / 6) + 2 * math.log(2 / 4) + 8 * math.log(8 / 6))
    assert row(table, "工会")["p"] == close(math.erfc(math.sqrt(g2 / 2)))


@pytest.mark.parametrize(("term", "table"), [("工会", [[6, 4], [2, 8]]), ("改革", [[1, 9], [4, 6]])])
def test_g2_matches_scipy_log_likelihood_ratio(two, term, table):
    statistic = chi2_contingency(table, lambda_="log-likelihood", correction=False)[0]
    assert abs(row(keyness(two, target="A"), term)["g2"]) == close(statistic)


def test_log_ratio(two):
    table = keyness(two, target="A", min_count=0)
    # 工会: log2((6/10) / (2/10)) = log2(3).
    assert row(table, "工会")["log_ratio"] == close(math.log2(3))
    # 创新 has 0 in A, taken as 0.5: log2((0.5/10) / (2/10)) = log2(0.25) = -2.
    assert row(table, "创新")["log_ratio"] == close(-2.0)


def test_logodds_z_with_the_counts_as_prior(two):
    # 工会: a=6, b=2, c=d=10; α_w = y_w = 8, α0 = Σy = 20.
    # δ = ln(14 / (10+20-6-8)) - ln(10 / (10+20-2-8)) = ln(14/16) - ln(10/20); var = 1/14 + 1/10.
    delta = math.log(14 / 16) - math.log(10 / 20)
    expected = delta / math.sqrt(1 / 14 + 1 / 10)
    assert row(keyness(two, target="A"), "工会")["logodds_z"] == close(expected)


def test_logodds_z_with_a_prior_scale(two):
    # prior_scale=10: s = 10/20, α_w = 8 * 0.5 = 4, α0 = 10.
    # δ = ln(10 / (10+10-6-4)) - ln(6 / (10+10-2-4)); var = 1/10 + 1/6.
    delta = math.log(10 / 10) - math.log(6 / 14)
    expected = delta / math.sqrt(1 / 10 + 1 / 6)
    assert row(keyness(two, target="A", prior_scale=10), "工会")["logodds_z"] == close(expected)


def test_logodds_prior_uses_all_terms_before_the_filter(two):
    # Only 工会 (6 + 2 = 8) passes min_count=8, but α0 is still 20, as above.
    table = keyness(two, target="A", min_count=8)
    assert table["term"].tolist() == ["工会"]
    expected = (math.log(14 / 16) - math.log(10 / 20)) / math.sqrt(1 / 14 + 1 / 10)
    assert table.loc[0, "logodds_z"] == close(expected)


# --- rows, order, columns ---------------------------------------------------------


def test_columns_are_exact(two):
    assert list(keyness(two, target="A").columns) == list(KEYNESS_COLUMNS) == [
        "term", "n_target", "n_reference", "total_target", "total_reference",
        "g2", "p", "log_ratio", "logodds_z", "docs_target",
    ]


@pytest.mark.parametrize(("min_count", "terms"), [
    (0, {"工会", "改革", "职工", "创新"}),
    (3, {"工会", "改革", "职工"}),  # 创新: 0 + 2 < 3
    (5, {"工会", "改革", "职工"}),  # 改革 and 职工 have exactly 5
    (6, {"工会"}),
    (9, set()),
])
def test_min_count_filters_on_target_plus_reference(two, min_count, terms):
    assert set(keyness(two, target="A", min_count=min_count)["term"]) == terms


def test_sorted_by_signed_g2_descending(two):
    # Signed G² by hand: 工会 +3.45, 职工 +0.27, 改革 -2.53, 创新 -3.00.
    table = keyness(two, target="A", min_count=0)
    assert table["term"].tolist() == ["工会", "职工", "改革", "创新"]
    assert table.index.tolist() == [0, 1, 2, 3]
    # For B the same terms come in the opposite order.
    assert keyness(two, target="B", min_count=0)["term"].tolist() == ["创新", "改革", "职工", "工会"]


def test_ties_broken_by_term():
    # 甲 and 乙 have the same counts in both eras, hence the same G²; "乙" < "甲" as strings.
    counts = frame([("A", "甲", 2, 1), ("A", "乙", 2, 1), ("A", "丙", 1, 1),
                    ("B", "甲", 1, 1), ("B", "乙", 1, 1), ("B", "丙", 3, 1)])
    assert keyness(counts, target="A", min_count=0)["term"].tolist() == ["乙", "甲", "丙"]


def test_docs_target(two):
    table = keyness(two, target="A", min_count=0).set_index("term")
    assert table["docs_target"].to_dict() == {"工会": 2, "改革": 1, "职工": 1, "创新": 0}


def test_era_labels_that_are_not_strings():
    counts = frame([(2006, "工会", 3, 1), (2011, "工会", 1, 1), (2011, "改革", 2, 1)])
    assert keyness(counts, target=2006, reference="2011", min_count=0)["term"].tolist() == ["工会", "改革"]


def test_whole_floats_count_as_raw_counts(two):
    as_float = two.astype({"count": float})
    pd.testing.assert_frame_equal(keyness(as_float, target="A"), keyness(two, target="A"))


# --- rest against a named reference, three eras -------------------------------------


def test_rest_pools_all_other_eras(three):
    table = keyness(three, target="A", min_count=0)
    # 工会: B 2 + C 1 = 3 in the reference; reference total 10 + 5 = 15.
    got = row(table, "工会")
    assert (got["n_target"], got["n_reference"], got["total_reference"], got["docs_target"]) == (6, 3, 15, 2)
    # table [[6, 4], [3, 12]], N = 25, column totals 9 and 16:
    # expected [[10*9/25, 10*16/25], [15*9/25, 15*16/25]] = [[3.6, 6.4], [5.4, 9.6]].
    expected = 2 * (6 * math.log(6 / 3.6) + 4 * math.log(4 / 6.4) + 3 * math.log(3 / 5.4) + 12 * math.log(12 / 9.6))
    assert got["g2"] == close(expected)
    assert set(table["term"]) == {"工会", "改革", "职工", "创新", "民生"}


def test_rest_equals_a_single_pooled_era(three):
    pooled = three.assign(era=three["era"].replace({"B": "R", "C": "R"}))
    rest = keyness(three, target="A", min_count=0)
    pd.testing.assert_frame_equal(rest, keyness(pooled, target="A", reference="R", min_count=0))


def test_named_reference_ignores_other_eras(three):
    table = keyness(three, target="A", reference="B", min_count=0)
    pd.testing.assert_frame_equal(table, keyness(frame(TWO_ERAS), target="A", reference="B", min_count=0))
    assert "民生" not in set(table["term"])  # only in C
    assert (table["total_reference"] == 10).all()


def test_keyness_by_era_shape_and_order(three):
    # Eras first appear in the order B, A, C.
    counts = pd.concat([three[three["era"] == "B"], three[three["era"] == "A"], three[three["era"] == "C"]])
    table = keyness_by_era(counts, min_count=0)
    assert list(table.columns) == ["era", *KEYNESS_COLUMNS]
    assert table.shape == (3 * 5, 11)  # five terms in all, each era against the rest
    assert list(pd.unique(table["era"])) == ["B", "A", "C"]
    assert table.index.tolist() == list(range(15))
    for era in ("B", "A", "C"):
        block = table[table["era"] == era].drop(columns="era").reset_index(drop=True)
        pd.testing.assert_frame_equal(block, keyness(counts, target=era, min_count=0))


def test_keyness_by_era_passes_options(three):
    table = keyness_by_era(three, min_count=4, prior_scale=10)
    # Against the rest: 工会 9 tokens, 改革 5, 职工 5, 创新 5; 民生 1 is dropped.
    assert set(table["term"]) == {"工会", "改革", "职工", "创新"}
    a_only = table[table["era"] == "A"].drop(columns="era").reset_index(drop=True)
    pd.testing.assert_frame_equal(a_only, keyness(three, target="A", min_count=4, prior_scale=10))


# --- word shift ---------------------------------------------------------------------


def test_word_shift_values(two):
    # A: 工会 .6, 改革 .1, 职工 .3, 创新 0; B: .2, .4, .2, .2.
    # shift = B - A: 工会 -.4, 改革 +.3, 创新 +.2, 职工 -.1; Σ|shift| = 1.0.
    table = word_shift(two, reference="A", comparison="B")
    assert list(table.columns) == list(SHIFT_COLUMNS)
    assert table["term"].tolist() == ["工会", "改革", "创新", "职工"]
    assert table["count_reference"].tolist() == [6, 1, 0, 3]
    assert table["count_comparison"].tolist() == [2, 4, 2, 2]
    assert table["p_reference"].tolist() == close([0.6, 0.1, 0.0, 0.3])
    assert table["p_comparison"].tolist() == close([0.2, 0.4, 0.2, 0.2])
    assert table["shift"].tolist() == close([-0.4, 0.3, 0.2, -0.1])
    assert table["cumulative"].tolist() == close([0.4, 0.7, 0.9, 1.0])
    assert table["cumulative"].iloc[-1] == close(1.0)


def test_word_shift_top_n_keeps_cumulative_over_all_terms(two):
    table = word_shift(two, reference="A", comparison="B", top_n=2)
    assert table["term"].tolist() == ["工会", "改革"]
    assert table["cumulative"].tolist() == close([0.4, 0.7])


def test_word_shift_ties_broken_by_term():
    # 工会 .6 -> .2 and 改革 .4 -> .8: |shift| .4 each, whatever the floating-point rounding.
    counts = frame([("A", "工会", 6, 1), ("A", "改革", 4, 1), ("B", "工会", 2, 1), ("B", "改革", 8, 1)])
    assert word_shift(counts, reference="A", comparison="B")["term"].tolist() == ["工会", "改革"]


def test_word_shift_needs_no_docs_column(two):
    table = word_shift(two.drop(columns="docs"), reference="A", comparison="B")
    assert table["term"].tolist() == ["工会", "改革", "创新", "职工"]


# --- errors -------------------------------------------------------------------------

YEARS = frame([("2006", "工会", 3, 1), ("2011", "工会", 2, 1), ("2022", "工会", 4, 2)])
RAW = "keyness needs raw counts: column 'count' "
WEIGHTED = RAW + "holds weighted values; pass counts of tokens, not weights"


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(CorpusError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize("values", [[3, 0.5, 4], [0.12, 0.31, 0.07]])
def test_weighted_counts(values):
    counts = YEARS.assign(count=values)
    assert error_of(keyness, counts, target="2006") == WEIGHTED
    assert error_of(word_shift, counts, reference="2006", comparison="2011") == WEIGHTED
    assert error_of(keyness_by_era, counts) == WEIGHTED


def test_missing_columns():
    message = "counts is missing column 'docs'; it needs era, term, count, docs"
    assert error_of(keyness, YEARS.drop(columns="docs"), target="2006") == message
    message = "counts is missing columns 'era', 'count'; it needs era, term, count"
    assert error_of(word_shift, YEARS[["term"]], reference="2006", comparison="2011") == message


def test_unknown_eras():
    message = "no era '1999'; eras are: 2006, 2011, 2022"
    assert error_of(keyness, YEARS, target="1999") == message
    assert error_of(keyness, YEARS, target="2006", reference="1999") == message
    assert error_of(word_shift, YEARS, reference="1999", comparison="2006") == message
    assert error_of(word_shift, YEARS, reference="2006", comparison="1999") == message


def test_same_era_twice():
    assert error_of(keyness, YEARS, target="2006", reference="2006") == (
        "target and reference are both '2006'; choose two different eras"
    )
    assert error_of(word_shift, YEARS, reference="2011", comparison="2011") == (
        "reference and comparison are both '2011'; choose two different eras"
    )


def test_era_without_tokens():
    counts = YEARS.assign(count=[3, 0, 4])
    message = "era '2011' has no tokens; add speeches or choose another era"
    assert error_of(keyness, counts, target="2011") == message
    assert error_of(keyness, counts, target="2006", reference="2011") == message
    assert error_of(word_shift, counts, reference="2011", comparison="2006") == message
    assert error_of(word_shift, counts, reference="2006", comparison="2011") == message
    assert error_of(keyness_by_era, counts) == message


def test_rest_with_one_era():
    counts = YEARS[YEARS["era"] == "2006"]
    message = "only one era ('2006'): keyness needs a reference era"
    assert error_of(keyness, counts, target="2006") == message
    assert error_of(keyness_by_era, counts) == message


def test_rest_without_tokens():
    counts = YEARS.assign(count=[3, 0, 0])
    assert error_of(keyness, counts, target="2006") == (
        "the eras other than '2006' have no tokens; add speeches to them"
    )


@pytest.mark.parametrize(("counts", "message"), [
    (YEARS.assign(count=[3, -1, 4]), RAW + "has negative values; pass counts of tokens"),
    (YEARS.assign(count=[3, None, 4]), RAW + "has missing values; use 0 or drop those rows"),
    (YEARS.assign(count=["3", "1", "4"]), RAW + "holds non-numbers; pass counts of tokens"),
    (YEARS.iloc[:0], "counts has no rows; count the terms of some speeches first"),
])
def test_other_bad_counts(counts, message):
    assert error_of(keyness, counts, target="2006") == message


def test_bad_options():
    assert error_of(keyness, YEARS, target="2006", prior_scale=0) == (
        "prior_scale must be a positive number or None, not 0"
    )
    assert error_of(word_shift, YEARS, reference="2006", comparison="2011", top_n=0) == (
        "top_n must be a positive integer or None, not 0"
    )


def test_notable_keyness_keeps_significant_rows_and_each_eras_leaders():
    table = pd.DataFrame({
        "era": ["a", "a", "a", "a", "b", "b", "b"],
        "term": ["w", "x", "y", "z", "w", "x", "y"],
        "g2": [20.0, 7.0, 1.0, -9.0, 2.0, 0.5, -30.0],
        "p": [7.7e-6, 0.0082, 0.32, 0.0027, 0.16, 0.48, 2.2e-8],
    })
    kept = notable_keyness(table, alpha=0.01, top_n=1)
    # a: w, x, z significant; b: w is its strongest (top 1) although p = 0.16, y significant (negative)
    assert kept[["era", "term"]].values.tolist() == [["a", "w"], ["a", "x"], ["a", "z"], ["b", "w"], ["b", "y"]]
    assert kept.attrs["kept"] == "5 of 7 rows: p < 0.01 or among the 1 highest G² of each era"
    with pytest.raises(CorpusError, match="alpha must be between 0 and 1"):
        notable_keyness(table, alpha=1.5)


def test_top_keyness_orders_eras_as_given_and_ranks_by_measure():
    table = pd.DataFrame({"era": ["b", "b", "a", "a"], "term": ["x", "y", "x", "y"],
                          "g2": [1.0, 5.0, 3.0, 3.0], "logodds_z": [4.0, 1.0, 0.0, 2.0]})
    assert top_keyness(table, top_n=1)[["era", "term"]].values.tolist() == [["b", "y"], ["a", "x"]]
    assert top_keyness(table, measure="logodds_z", top_n=1)["term"].tolist() == ["x", "y"]

