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


# Per classifier: a C that lets one token decide, and the score at which "a" and "b" tie.
CLASSIFIERS = {"logistic": (100.0, 0.5), "svm": (10.0, 0.0)}


def _score_a(scores: np.ndarray, extractor: TextScoreFeatures) -> np.ndarray:
    """The score toward "a", centred so that above zero means "a"."""
    infix = "_s_" if extractor.classifier == "svm" else "_p_"
    column = list(extractor.get_feature_names_out()).index(f"text_scores__word{infix}a")
    return scores[:, column] - CLASSIFIERS[extractor.classifier][1]


@pytest.mark.parametrize("classifier", sorted(CLASSIFIERS))
def test_a_row_never_gets_a_score_fitted_on_its_own_label(classifier: str) -> None:
    # Every row carries a token of its own: a model that saw the row would read its label off it.
    docs, y = _corpus(60)
    docs = [f"{doc} penanda{i:03d}" for i, doc in enumerate(docs)]
    scores = TextScoreFeatures(views=["word"], word_ngram_range=(1, 1), min_df=1, classifier=classifier, C=CLASSIFIERS[classifier][0], inner_folds=5)
    in_fold = scores.fit(docs, y).transform(docs)
    out_of_fold = clone(scores).fit_transform(docs, y)
    accuracy = {name: float(np.mean(np.where(_score_a(m, scores) > 0, "a", "b") == y)) for name, m in (("in", in_fold), ("out", out_of_fold))}
    assert accuracy["in"] == 1.0
    assert accuracy["out"] <= 0.65


@pytest.mark.parametrize("classifier", sorted(CLASSIFIERS))
def test_a_token_planted_in_one_group_does_not_leak_into_that_groups_scores(classifier: str) -> None:
    docs, y = _corpus(80, seed=1)
    groups = np.repeat(["g0", "g1", "g2", "g3"], 20)
    planted = (groups == "g0") & (y == "a")
    docs = [f"{doc} bocorx" if plant else doc for doc, plant in zip(docs, planted)]
    in_g0 = groups == "g0"

    def gap(scores: np.ndarray, extractor: TextScoreFeatures) -> float:
        p = _score_a(scores, extractor)
        return float(p[planted].mean() - p[in_g0 & ~planted].mean())

    C = {"logistic": 10.0, "svm": 0.5}[classifier]
    grouped = TextScoreFeatures(views=["word"], word_ngram_range=(1, 1), min_df=1, classifier=classifier, C=C, inner_folds=4)
    oof = grouped.fit_transform(docs, y, groups=groups)
    assert grouped.inner_split_ == "grouped"
    # Scored by the model fitted on every row, the token gives the label away.
    leaked = gap(grouped.transform(docs), grouped)
    assert leaked > {"logistic": 0.5, "svm": 0.9}[classifier]
    # The folds that score g0 never saw "bocorx" with a label: the planted rows look like the rest.
    assert abs(gap(oof, grouped)) < 0.25 * leaked
    # Ungrouped folds put other planted g0 rows in training: the token leaks across the group.
    stratified = clone(grouped)
    assert gap(stratified.fit_transform(docs, y), stratified) > 0.5 * leaked and stratified.inner_split_ == "stratified"


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
    scores = TextScoreFeatures(min_df=1, inner_folds=2, classifier="logistic").fit(docs, y)
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
    # SVM decision values: with two classes, the first class's is the second's negated.
    svm = TextScoreFeatures(min_df=1, inner_folds=2).fit(docs, y)
    assert svm.get_feature_names_out().tolist()[:2] == ["text_scores__word_s_olahraga", "text_scores__word_s_tajuk_utama"]
    X = svm.transform(docs[:3])
    np.testing.assert_allclose(X[:, 0], -X[:, 1])
    np.testing.assert_array_equal(svm.models_["word"].decision_function(svm.vectorizers_["word"].transform(docs[:3])), X[:, 1])


def test_an_svm_scores_a_class_its_inner_fold_never_saw_as_not_that_class() -> None:
    # Stratified folds over a class of one document: the folds without it score -1 for it.
    docs, _ = _corpus(12, seed=5)
    y = np.array(["a"] * 6 + ["b"] * 5 + ["c"], dtype=object)
    scores = TextScoreFeatures(views=["word"], min_df=1, inner_folds=3)
    X = scores.fit_transform(docs, y)
    c = scores.get_feature_names_out().tolist().index("text_scores__word_s_c")
    assert X[11, c] == -1.0 and scores.inner_split_ == "stratified"


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
        ({"classifier": "nb"}, r"Got classifier='nb', expected one of svm, logistic\."),
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


def _stacked_the_old_way(extractor: TextScoreFeatures, docs: list, y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, dict]:
    """Every view's matrix held at once, the models fitted on the float32 matrices (the solver
    converting them): what :meth:`TextScoreFeatures.fit_transform` computed before it fitted
    one view at a time."""
    from framing.features.text_scores import headlines

    probe = clone(extractor)
    probe.classes_ = np.unique(y)
    sources = dict.fromkeys(extractor.views, docs) | {"title": headlines(docs)}
    matrices = {view: probe._vectorizer(view).fit_transform(texts) for view, texts in sources.items()}
    out = np.zeros((len(docs), len(sources) * len(probe.classes_)))
    width = len(probe.classes_)
    for train, test in probe._folds(y, groups):
        for v, matrix in enumerate(matrices.values()):
            out[test, v * width : (v + 1) * width] = probe._scores(probe._model().fit(matrix[train], y[train]), matrix[test])
    return out, {view: probe._model().fit(matrix, y) for view, matrix in matrices.items()}


@pytest.mark.parametrize("classifier", sorted(CLASSIFIERS))
def test_one_view_at_a_time_gives_exactly_the_scores_of_all_views_at_once(classifier: str) -> None:
    from framing.clean import Article

    docs, _ = _corpus(90, seed=6)
    y = np.array(["a", "b", "c"] * 30, dtype=object)
    docs = [Article(f"{doc} {label}{i % 4}", headline=f"judul {label} {i % 7}") for i, (doc, label) in enumerate(zip(docs, y))]
    groups = np.repeat(np.arange(6), 15)
    extractor = TextScoreFeatures(min_df=2, classifier=classifier, inner_folds=3)
    expected, models = _stacked_the_old_way(extractor, docs, y, groups)
    got = extractor.fit_transform(docs, y, groups=groups)
    assert extractor.views_ == list(extractor.vectorizers_) == list(extractor.models_) == ["word", "char", "title"]
    np.testing.assert_array_equal(got, expected)
    for view, model in models.items():
        np.testing.assert_array_equal(extractor.models_[view].coef_, model.coef_)
        np.testing.assert_array_equal(extractor.models_[view].intercept_, model.intercept_)
    np.testing.assert_array_equal(clone(extractor).fit(docs, y).transform(docs), extractor.transform(docs))
