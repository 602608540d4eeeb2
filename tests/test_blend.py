"""The blend of LightGBM with the text-score stacker: the weight chosen out of fold, the
probabilities it gives, and the evidence behind a blended label."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SMALL_MODEL

from framing.config import load_config
from framing.demo import DEMO_CORPUS
from framing.model import FramingModel
from framing.training import CrossValidation, choose_blend, fit_blend

CLASSES = ["a", "b"]


def _cv(lightgbm: list[list[float]], stacker: list[list[float]] | None) -> CrossValidation:
    folds = [SimpleNamespace(train=np.array([2, 3]), test=np.array([0, 1])), SimpleNamespace(train=np.array([0, 1]), test=np.array([2, 3]))]
    return CrossValidation([0.0, 0.0], np.array(lightgbm, dtype=float), None if stacker is None else np.array(stacker, dtype=float), folds)


def _config(*overrides: str):  # noqa: ANN202
    return load_config(ROOT / "configs" / "stance.yaml", list(overrides))


def test_the_weight_is_the_best_out_of_fold_macro_f1() -> None:
    y = np.array(["a", "b", "a", "b"], dtype=object)
    # LightGBM gets rows 1 and 3 wrong; the stacker gets every row right.
    cv = _cv([[0.9, 0.1], [0.8, 0.2], [0.9, 0.1], [0.7, 0.3]], [[0.6, 0.4], [0.1, 0.9], [0.6, 0.4], [0.1, 0.9]])
    choice = choose_blend(_config("blend.weights=[0.0, 0.5, 1.0]"), cv, y, CLASSES)
    assert [row["weight"] for row in choice.table] == [0.0, 0.5, 1.0]
    assert [round(row["macro_f1"], 3) for row in choice.table] == [1.0, 1.0, 0.333]
    # 0 and 0.5 tie on macro-F1; 0 has the lower log-loss.
    assert choice.table[0]["log_loss"] < choice.table[1]["log_loss"]
    assert choice.weight == 0.0
    np.testing.assert_allclose(choice.oof, cv.oof_stacker)
    assert choice.scores == [1.0, 1.0]  # per fold, of the blend


def test_a_full_tie_keeps_the_larger_weight_and_nothing_to_blend_keeps_lightgbm() -> None:
    y = np.array(["a", "b", "a", "b"], dtype=object)
    same = [[0.9, 0.1], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]]
    assert choose_blend(_config(), _cv(same, same), y, CLASSES).weight == 1.0
    alone = choose_blend(_config(), _cv(same, None), y, CLASSES)
    assert alone.weight == 1.0 and alone.table == [] and alone.scores == [0.0, 0.0]  # the LightGBM fold scores as given


def test_weights_outside_zero_one_are_refused() -> None:
    from framing.config import ConfigError

    with pytest.raises(ConfigError, match=r"blend\.weights: Value error, every weight must be in \[0, 1\], got \[0\.5, 1\.5\]"):
        _config("blend.weights=[0.5, 1.5]")


@pytest.fixture(scope="module")
def blended() -> tuple[FramingModel, FramingModel, list[str]]:
    """The same fitted pipeline alone and blended with weight 0.3 (demo stance, small LightGBM)."""
    from framing.pipeline import build_pipeline, fit_pipeline

    config = _config(*SMALL_MODEL, "features.text_scores.inner_folds=3")
    demo = pd.read_json(DEMO_CORPUS, lines=True)
    texts, y = demo["text"].tolist(), demo["stance"].to_numpy(dtype=object)
    pipeline = build_pipeline(config)
    X = fit_pipeline(pipeline, texts[:200], y[:200])
    alone = FramingModel(pipeline)
    blend = fit_blend(config, alone, X, y[:200], weight=0.3)
    assert blend is not None
    return alone, FramingModel(pipeline, blend=blend), texts[200:230]


@pytest.mark.slow  # fits a pipeline
def test_blended_probabilities_are_the_weighted_mean(blended) -> None:  # noqa: ANN001
    alone, model, texts = blended
    X = model.features(texts)
    stacker = model.blend.stacker
    assert list(stacker.classes_) == list(alone.classes_)
    assert model.blend.columns == [j for j, n in enumerate(model.feature_names_out()) if n.startswith("text_scores__")]
    columns = np.asarray(X)[:, model.blend.columns]
    expected = 0.3 * alone.predict_proba(texts) + 0.7 * stacker.predict_proba(columns)
    np.testing.assert_array_equal(model.predict_proba(texts), expected)
    np.testing.assert_allclose(model.predict_proba(texts).sum(axis=1), 1.0)
    assert "lightgbm_weight=0.3" in repr(model)


@pytest.mark.slow  # fits a pipeline
def test_blended_evidence_adds_the_stackers_linear_contributions(blended) -> None:  # noqa: ANN001
    _alone, model, texts = blended
    X = np.asarray(model.features(texts))
    labels = model.predict(texts)
    names = model.feature_names_out()
    raw = np.asarray(model.booster.predict(X, pred_contrib=True, num_threads=1)).reshape(len(texts), len(model.classes_), len(names) + 1)
    coef, means = model.blend.stacker.coef_, model.blend.means
    checked = 0
    for i, items in enumerate(model.explain(texts, 4)):
        c = list(model.classes_).index(labels[i])
        for item in items:
            j = names.index(item["feature"])
            linear = 0.0
            if j in model.blend.columns:
                k = model.blend.columns.index(j)
                linear = coef[c, k] * (X[i, j] - means[k])
            assert item["contribution"] == pytest.approx(0.3 * raw[i, c, j] + 0.7 * linear, abs=1e-12)
            checked += item["kind"] == "text_score" and linear != 0
    assert checked > 0  # text-score items carry a stacker part


@pytest.mark.slow  # fits a pipeline
def test_a_binary_model_on_sparse_columns_blends_and_explains_with_the_sign_of_its_class() -> None:
    """Two classes (the stacker scores the second; the first gets the negation) and raw word TF-IDF
    columns beside the text scores (a sparse feature matrix)."""
    import scipy.sparse as sp

    from framing.pipeline import build_pipeline, fit_pipeline

    config = _config(*SMALL_MODEL, "features.text_scores.inner_folds=3", "features.word.enabled=true", "model.class_weight=null")
    demo = pd.read_json(DEMO_CORPUS, lines=True)
    texts = demo["text"].tolist()
    y = np.where(demo["stance"] == "supportive", "supportive", "other").astype(object)
    pipeline = build_pipeline(config)
    X = fit_pipeline(pipeline, texts[:200], y[:200])
    assert sp.issparse(X)
    blend = fit_blend(config, FramingModel(pipeline), X, y[:200], weight=0.4)
    assert blend is not None and blend.stacker.coef_.shape[0] == 1
    model = FramingModel(pipeline, blend=blend)
    rest = texts[200:220]
    Xr = model.features(rest)
    columns = Xr[:, blend.columns].toarray()
    np.testing.assert_array_equal(model.predict_proba(rest), 0.4 * FramingModel(pipeline).predict_proba(rest) + 0.6 * blend.stacker.predict_proba(columns))
    names = model.feature_names_out()
    labels = model.predict(rest)
    assert set(labels) == {"other", "supportive"}
    raw = model.booster.predict(Xr, pred_contrib=True, num_threads=1)
    raw = np.asarray(raw.toarray() if sp.issparse(raw) else raw)
    for i, items in enumerate(model.explain(rest, 3)):
        sign = 1.0 if labels[i] == "supportive" else -1.0
        for item in items:
            j = names.index(item["feature"])
            linear = 0.0
            if j in blend.columns:
                k = blend.columns.index(j)
                linear = sign * blend.stacker.coef_[0, k] * (columns[i, k] - blend.means[k])
            assert item["contribution"] == pytest.approx(0.4 * sign * raw[i, j] + 0.6 * linear, abs=1e-12)


@pytest.mark.slow  # fits a pipeline
def test_a_model_pickled_before_blends_loads_without_one(blended) -> None:  # noqa: ANN001
    import pickle

    alone, _model, texts = blended
    old = pickle.loads(pickle.dumps(alone))
    del old.__dict__["blend"]  # what a FramingModel pickled before the blend existed holds
    again = pickle.loads(pickle.dumps(old))
    assert again.blend is None
    np.testing.assert_array_equal(again.predict_proba(texts), alone.predict_proba(texts))


@pytest.mark.slow  # fits a pipeline
def test_fit_model_under_a_time_split_leaves_the_first_block_out_of_the_choice() -> None:
    from framing.evaluate import cv_splits
    from framing.training import fit_model

    config = _config(*SMALL_MODEL, "split.kind=time", "split.cv_folds=3", "features.text_scores.inner_folds=3", "calibration.method=sigmoid")
    demo = pd.read_json(DEMO_CORPUS, lines=True).sort_values("published_at", kind="stable", ignore_index=True)
    y = demo["stance"].to_numpy(dtype=object)
    folds = cv_splits(demo, y, config.split, config.seed)
    lines: list[str] = []
    fitted = fit_model(config, demo["text"].tolist(), y, ["critical", "neutral", "supportive"], folds, report=lines.append)
    unseen = np.isnan(fitted.cv.oof).any(axis=1)
    validated = np.concatenate([f.test for f in folds])
    assert unseen.sum() == len(demo) - len(validated) > 0  # the earliest block is never validated
    assert np.isnan(fitted.blend.oof[unseen]).all() and not np.isnan(fitted.blend.oof[~unseen]).any()
    assert fitted.blend.weight in config.blend.weights and len(fitted.blend.scores) == 3
    assert any(line.startswith("blend: LightGBM weight ") for line in lines)
    assert lines[-1] == f"calibration (sigmoid) fitted on {int((~unseen).sum())} out-of-fold predictions"
    proba = fitted.model.predict_proba(demo["text"].tolist()[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
