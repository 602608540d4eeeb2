"""Lexicon suggestions: exact log-odds z-scores (Monroe et al. 2008) on a tiny corpus, ordering,
lexicon marking, and argument errors."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from framing.errors import FramingError
from framing.features.lexicon import LexiconFeatures
from framing.suggest import suggest_terms


def test_exact_z_scores_on_a_hand_computed_example(lexicon: LexiconFeatures) -> None:
    # Counts (unigrams): class a = "x x y" -> x 2, y 1, z 0 (n_a = 3); class b = "y z" -> x 0, y 1, z 1
    # (n_b = 2). Prior = corpus counts (prior_scale 1): a_x = 2, a_y = 2, a_z = 1, a_0 = 5.
    #
    # a vs rest, x: delta = log((2+2)/(3+5-2-2)) - log((0+2)/(2+5-0-2)) = log(4/4) - log(2/5) = log(5/2)
    #               var   = 1/(2+2) + 1/(0+2) = 3/4
    # a vs rest, y: delta = log((1+2)/(3+5-1-2)) - log((1+2)/(2+5-1-2)) = log(3/5) - log(3/4) < 0: not listed
    # b vs rest, z: delta = log((1+1)/(2+5-1-1)) - log((0+1)/(3+5-0-1)) = log(2/5) - log(1/7) = log(14/5)
    #               var   = 1/(1+1) + 1/(0+1) = 3/2
    # b vs rest, y: delta = log(3/4) - log(3/5) = log(5/4), var = 1/3 + 1/3 = 2/3
    table = suggest_terms(["x x y", "y z"], ["a", "b"], min_count=1, ngram_range=(1, 1), lexicon=lexicon)
    assert list(table.columns) == ["class", "term", "z", "count_in_class", "count_rest", "in_lexicon"]
    assert table[["class", "term", "count_in_class", "count_rest"]].values.tolist() == [
        ["a", "x", 2, 0],
        ["b", "z", 1, 0],
        ["b", "y", 1, 1],
    ]
    expected = [math.log(5 / 2) / math.sqrt(3 / 4), math.log(14 / 5) / math.sqrt(3 / 2), math.log(5 / 4) / math.sqrt(2 / 3)]
    assert table["z"].tolist() == pytest.approx(expected, rel=1e-12)
    assert table["z"].tolist() == pytest.approx([1.058041, 0.840681, 0.273294], abs=1e-6)


def test_prior_scale_changes_the_shrinkage(lexicon: LexiconFeatures) -> None:
    # prior_scale 0.5: a_x = 1, a_0 = 2.5; x for a: delta = log(3/(3+2.5-2-1)) - log(1/(2+2.5-0-1)) = log(3/2.5 * 3.5)
    table = suggest_terms(["x x y", "y z"], ["a", "b"], min_count=1, ngram_range=(1, 1), prior_scale=0.5, lexicon=lexicon)
    z_x = table.loc[(table["class"] == "a") & (table["term"] == "x"), "z"].item()
    assert z_x == pytest.approx(math.log(3 / 2.5 * 3.5) / math.sqrt(1 / 3 + 1 / 1), rel=1e-12)


TEXTS = [
    "Kesombongannya dan kejahatan rezim Zionis dikecam. Rezim Zionis terus menyerang.",
    "Kejahatan rezim Zionis dan kesombongannya terus berlanjut, kata pejabat.",
    "Rezim Zionis menolak, kata pejabat.",
    "Pemerintah Israel menyatakan serangan berlanjut, kata pejabat.",
    "Israel dan Iran saling serang, menurut laporan kantor berita.",
    "Militer Israel menyatakan serangan itu menurut laporan kantor berita.",
]
LABELS = ["supportive", "supportive", "supportive", "neutral", "neutral", "neutral"]


@pytest.fixture
def lexicon(tmp_path: Path) -> LexiconFeatures:
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "moral.yaml").write_text("category: moral\ndescription: d\nterms: [kesombongan, kejahatan]\n", encoding="utf-8")
    (folder / "labels.yaml").write_text("category: labels\ndescription: d\nterms: [rezim Zionis]\n", encoding="utf-8")
    return LexiconFeatures(lexicons=folder)


def test_ordering_and_lexicon_marking(lexicon: LexiconFeatures) -> None:
    table = suggest_terms(TEXTS, LABELS, lexicon=lexicon, top=4, min_count=2)
    assert table["class"].tolist() == ["neutral"] * 4 + ["supportive"] * 4
    for _, group in table.groupby("class"):
        assert group["z"].is_monotonic_decreasing and (group["z"] > 0).all()
    supportive = table[table["class"] == "supportive"].set_index("term")
    # Three documents say "rezim zionis" four times; the neutral ones never do.
    assert supportive.loc["rezim zionis", ["count_in_class", "count_rest"]].tolist() == [4, 0]
    assert supportive.loc["rezim zionis", "in_lexicon"] == "labels"
    assert supportive.loc["rezim", "in_lexicon"] == ""  # part of a term is not the term
    neutral = table[table["class"] == "neutral"].set_index("term")
    assert neutral.loc["israel", ["count_in_class", "count_rest"]].tolist() == [3, 0]
    assert (neutral["in_lexicon"] == "").all()
    # Same counts, same z: ties are ordered by the n-gram.
    ties = table[(table["class"] == "neutral") & (table["count_in_class"] == 2) & (table["count_rest"] == 0)]["term"].tolist()
    assert ties == sorted(ties)


def test_marking_covers_clitics_and_ngrams_containing_a_term(lexicon: LexiconFeatures) -> None:
    table = suggest_terms(TEXTS, LABELS, lexicon=lexicon, top=100, min_count=2)
    marks = dict(zip(table["term"], table["in_lexicon"]))
    assert marks["kesombongannya"] == "moral"
    assert marks["kejahatan rezim"] == "moral"  # contains the term "kejahatan"
    assert marks["kata pejabat"] == ""
    assert not hasattr(lexicon, "pattern_")  # the caller's unfitted extractor is left alone


def test_no_lexicon_means_no_marking() -> None:
    table = suggest_terms(TEXTS, LABELS, lexicon=None, top=100, min_count=2)
    assert "rezim zionis" in table["term"].tolist()
    assert (table["in_lexicon"] == "").all()


def test_min_count_and_top(lexicon: LexiconFeatures) -> None:
    table = suggest_terms(TEXTS, LABELS, lexicon=lexicon, top=2, min_count=3)
    # Only "israel" reaches 3 occurrences among the neutral class's over-represented n-grams.
    assert table.groupby("class").size().to_dict() == {"neutral": 1, "supportive": 2}
    assert table["term"].tolist() == ["israel", "rezim", "rezim zionis"]
    assert ((table["count_in_class"] + table["count_rest"]) >= 3).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"labels": ["a", "b"]}, r"Got len\(labels\)=2, expected len\(texts\)=3"),
        ({"labels": ["a", "a", "a"]}, r"Got 1 class\(es\) \['a'\], expected at least two"),
        ({"labels": ["a", None, "b"]}, r"Got labels\[1\]=None, expected a label for every document"),
        ({"top": 0}, r"Got top=0, expected an integer >= 1"),
        ({"min_count": 1.5}, r"Got min_count=1.5, expected an integer >= 1"),
        ({"ngram_range": (2, 1)}, r"Got ngram_range=\(2, 1\), expected \(min_n, max_n\)"),
        ({"prior_scale": 0}, r"Got prior_scale=0, expected a number > 0"),
        ({"texts": ["", " ", "..."]}, r"Got 3 documents with no word in them"),
    ],
)
def test_errors(kwargs: dict, message: str, lexicon: LexiconFeatures) -> None:
    args = {"texts": ["x y", "y z", "z x"], "labels": ["a", "b", "a"], "lexicon": lexicon, "min_count": 1} | kwargs
    texts, labels = args.pop("texts"), args.pop("labels")
    with pytest.raises(FramingError, match=message):
        suggest_terms(texts, labels, **args)


def test_bare_string_is_a_type_error(lexicon: LexiconFeatures) -> None:
    with pytest.raises(TypeError, match="got a single str"):
        suggest_terms("x y", ["a"], lexicon=lexicon)


def test_returns_a_dataframe_with_stable_dtypes(lexicon: LexiconFeatures) -> None:
    table = suggest_terms(TEXTS, LABELS, lexicon=lexicon, min_count=100)
    assert isinstance(table, pd.DataFrame) and table.empty
    assert list(table.columns) == ["class", "term", "z", "count_in_class", "count_rest", "in_lexicon"]
