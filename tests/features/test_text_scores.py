"""Stacked text scores: out of fold means out of fold, and grouped folds keep a group's words apart."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from framing.errors import FramingError
from framing.features.text_scores import TextScoreFeatures

FILLER = "pemerintah menyatakan rapat membahas anggaran daerah pekan ini bersama warga kota".split()


def _corpus(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """``n`` documents of shuffled filler words and labels with no relation to them."""
    rng = np.random.default_rng(seed)
    docs = [" ".join(rng.choice(FILLER, size=12)) for _ in range(n)]
    labels = np.array(["a", "b"] * (n // 2), dtype=object)
    return docs, labels


def _p_a(scores: np.ndarray, extractor: TextScoreFeatures) -> np.ndarray:
    return scores[:, list(extractor.get_feature_names_out()).index("text_scores__word_p_a")]


def test_a_row_never_gets_a_score_fitted_on_its_own_label() -> None:
    # Every row carries a token of its own: a model that saw the row would read its label off it.
    docs, y = _corpus(60)
    docs = [f"{doc} penanda{i:03d}" for i, doc in enumerate(docs)]
    scores = TextScoreFeatures(views=["word"], word_ngram_range=(1, 1), min_df=1, C=100.0, inner_folds=5)
    in_fold = scores.fit(docs, y).transform(docs)
    out_of_fold = clone(scores).fit_transform(docs, y)
    accuracy = {name: float(np.mean(np.where(_p_a(m, scores) > 0.5, "a", "b") == y)) for name, m in (("in", in_fold), ("out", out_of_fold))}
    assert accuracy["in"] == 1.0
    assert accuracy["out"] <= 0.65


def test_a_token_planted_in_one_group_does_not_leak_into_that_groups_scores() -> None:
    docs, y = _corpus(80, seed=1)
    groups = np.repeat(["g0", "g1", "g2", "g3"], 20)
    planted = (groups == "g0") & (y == "a")
    docs = [f"{doc} bocorx" if plant else doc for doc, plant in zip(docs, planted)]
    in_g0 = groups == "g0"

    def gap(scores: np.ndarray, extractor: TextScoreFeatures) -> float:
        p = _p_a(scores, extractor)
        return float(p[planted].mean() - p[in_g0 & ~planted].mean())

    grouped = TextScoreFeatures(views=["word"], word_ngram_range=(1, 1), min_df=1, C=10.0, inner_folds=4)
    oof = grouped.fit_transform(docs, y, groups=groups)
    assert grouped.inner_split_ == "grouped"
    # The folds that score g0 never saw "bocorx" with a label: the planted rows look like the rest.
    assert abs(gap(oof, grouped)) < 0.1
    # Scored by the model fitted on every row, the token gives the label away.
    assert gap(grouped.transform(docs), grouped) > 0.3
    # Ungrouped folds put other planted g0 rows in training: the token leaks across the group.
    stratified = clone(grouped)
    assert gap(stratified.fit_transform(docs, y), stratified) > 0.3 and stratified.inner_split_ == "stratified"


def test_grouped_folds_fall_back_to_stratified_when_a_fold_would_lose_a_class() -> None:
    docs, _ = _corpus(30, seed=2)
    y = np.array(["a"] * 10 + ["b"] * 10 + ["c"] * 10, dtype=object)
    groups = np.array(["g1"] * 10 + ["g2"] * 10 + ["only_c"] * 10)
    scores = TextScoreFeatures(views=["word"], min_df=1, inner_folds=3)
    scores.fit_transform(docs, y, groups=groups)
    # Holding out "only_c" would leave c out of training: its rows would be scored 0 for c.
    assert scores.inner_split_ == "stratified"


def test_names_columns_and_classes() -> None:
    docs, y = _corpus(40, seed=3)
    y = np.array(["tajuk utama", "olahraga"] * 20, dtype=object)
    scores = TextScoreFeatures(min_df=1, inner_folds=2).fit(docs, y)
    assert scores.get_feature_names_out().tolist() == [
        "text_scores__word_p_olahraga",
        "text_scores__word_p_tajuk_utama",
        "text_scores__char_p_olahraga",
        "text_scores__char_p_tajuk_utama",
    ]
    X = scores.transform(docs[:3] + [""])
    assert X.shape == (4, 4)
    np.testing.assert_allclose(X[:, :2].sum(axis=1), 1.0)
    np.testing.assert_allclose(X[:, 2:].sum(axis=1), 1.0)


def test_estimator_contract() -> None:
    docs, y = _corpus(40, seed=4)
    scores = TextScoreFeatures(views=["word"], min_df=1, inner_folds=2)
    assert not [name for name in vars(scores) if name.endswith("_")]
    assert clone(scores).get_params() == scores.get_params()
    with pytest.raises(NotFittedError):
        scores.transform(docs)
    assert scores.fit(docs, y) is scores
    again = pickle.loads(pickle.dumps(scores))
    np.testing.assert_array_equal(again.transform(docs), scores.transform(docs))
    np.testing.assert_array_equal(clone(scores).fit_transform(docs, y), clone(scores).fit_transform(docs, y))
    with pytest.raises(TypeError, match="Expected a list of documents, got a single str"):
        scores.transform("satu dokumen")
    with pytest.raises(TypeError, match=r"needs the labels: fit\(X, y\)"):
        clone(scores).fit(docs)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"views": ["words"]}, r"Got views=\['words'\], expected a non-empty list of word, char\."),
        ({"views": "word"}, r"Got views='word', expected a non-empty list of word, char\."),
        ({"inner_folds": 1}, r"Got inner_folds=1, expected an integer of at least 2\."),
    ],
)
def test_bad_parameters_are_named(params: dict, message: str) -> None:
    docs, y = _corpus(20)
    with pytest.raises(FramingError, match=message):
        TextScoreFeatures(**params).fit(docs, y)


def test_weights_point_toward_the_class() -> None:
    docs = ["rezim zionis menyerang kota", "pejabat membantah laporan itu"] * 10
    y = np.array(["critical", "neutral"] * 10, dtype=object)
    scores = TextScoreFeatures(views=["word"], word_ngram_range=(1, 1), min_df=1, inner_folds=2).fit(docs, y)
    toward_critical, toward_neutral = scores.weights("word", "critical"), scores.weights("word", "neutral")
    assert toward_critical["zionis"] > 0 and toward_neutral["zionis"] == -toward_critical["zionis"]
    assert toward_neutral["membantah"] > 0
    assert scores.weights("word", "supportive") == {}
