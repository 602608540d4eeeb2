from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from framing.calibration import CalibratedModel, Calibrator
from framing.errors import FramingError
from framing.model import FramingModel


class Fixed:
    """A stand-in fitted model: probabilities looked up by text."""

    classes_ = np.array(["a", "b"], dtype=object)

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.array([self.table[t] for t in texts])


def _model(table: dict[str, list[float]], calibrator: Calibrator | None) -> FramingModel:
    return FramingModel(Pipeline([("features", FunctionTransformer()), ("model", Fixed(table))]), calibrator)


def test_isotonic_calibration_learns_from_out_of_fold_predictions() -> None:
    # Over-confident: says 0.9 for "a" but is right only half the time at that level.
    oof = np.array([[0.9, 0.1]] * 4 + [[0.1, 0.9]] * 4)
    y = np.array(["a", "b", "a", "b", "b", "b", "b", "b"], dtype=object)
    calibrator = Calibrator(["a", "b"], "isotonic").fit(oof, y)
    np.testing.assert_allclose(calibrator.predict_proba([[0.9, 0.1], [0.1, 0.9]]), [[0.5, 0.5], [0.0, 1.0]])
    model = _model({"x": [0.9, 0.1], "z": [0.1, 0.9]}, calibrator)
    proba = model.predict_proba(["x", "z"])
    np.testing.assert_allclose(proba, [[0.5, 0.5], [0.0, 1.0]])
    assert list(model.classes_) == ["a", "b"]
    assert pickle.loads(pickle.dumps(model)).predict_proba(["x"]).tolist() == proba[:1].tolist()


def test_sigmoid_calibration_rows_sum_to_one_and_keep_order() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 200)
    y = np.where(rng.uniform(size=200) < p, "a", "b").astype(object)
    model = _model({"lo": [0.2, 0.8], "hi": [0.8, 0.2]}, Calibrator(["a", "b"], "sigmoid").fit(np.column_stack([p, 1 - p]), y))
    proba = model.predict_proba(["lo", "hi"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba[1, 0] > proba[0, 0]
    assert model.predict(["lo", "hi"]).tolist() == ["b", "a"]


def test_temperature_scaling_keeps_every_argmax_and_learns_the_confidence() -> None:
    rng = np.random.default_rng(0)
    # Over-confident three-class probabilities: right 60% of the time, at 0.98 confidence.
    truth = rng.integers(0, 3, 600)
    picked = np.where(rng.uniform(size=600) < 0.6, truth, (truth + rng.integers(1, 3, 600)) % 3)
    proba = np.full((600, 3), 0.01)
    proba[np.arange(600), picked] = 0.98
    classes = ["a", "b", "c"]
    y = np.asarray(classes, dtype=object)[truth]
    calibrator = Calibrator(classes, "temperature").fit(proba, y)
    assert calibrator.temperature_ > 1  # softened
    out = calibrator.predict_proba(proba)
    np.testing.assert_array_equal(out.argmax(axis=1), proba.argmax(axis=1))
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    # The fitted confidence is the accuracy (0.6 within sampling error), not 0.98.
    assert abs(out.max(axis=1).mean() - (picked == truth).mean()) < 0.02
    assert calibrator.calibrators_ == []


def test_rows_whose_fold_never_saw_their_class_do_not_fit_the_temperature() -> None:
    """A fold model that never saw a class gives it probability 0 (training's _aligned): such rows
    would dominate the log-loss and soften every prediction."""
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 400)
    proba = np.where(truth[:, None] == np.arange(2), 0.8, 0.2)  # right at 0.8, as often as it says
    proba[rng.uniform(size=400) < 0.2] = [[0.2, 0.8]]  # ... or wrong at 0.8
    clean = Calibrator(["a", "b"]).fit(proba, np.array(["a", "b"], dtype=object)[truth]).temperature_
    unseen = np.vstack([proba, np.tile([[1.0, 0.0]], (10, 1))])  # class b never seen, true class b
    labels = np.concatenate([np.array(["a", "b"], dtype=object)[truth], ["b"] * 10])
    assert Calibrator(["a", "b"]).fit(unseen, labels).temperature_ == pytest.approx(clean, rel=1e-6)
    with pytest.raises(FramingError, match=r"^Got labels \['z'\] outside the classes \['a', 'b'\], or no labels at all"):
        Calibrator(["a", "b"]).fit(proba[:2], ["a", "z"])
    with pytest.raises(FramingError, match=r"^Got method='temperature', expected sigmoid or isotonic"):
        Calibrator.fitted(["a", "b"], "temperature", [])


def test_the_calibrator_is_a_scikit_learn_estimator() -> None:
    calibrator = Calibrator(["a", "b"], "isotonic")
    assert calibrator.get_params() == {"classes": ["a", "b"], "method": "isotonic"}
    assert Calibrator().get_params()["method"] == "temperature"
    assert clone(calibrator).get_params() == calibrator.get_params()
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        calibrator.predict_proba([[0.5, 0.5]])


def test_a_legacy_calibrated_model_loads_as_the_same_model() -> None:
    """Models logged before FramingModel pickled a CalibratedModel(pipeline, calibrators, method)."""
    oof = np.array([[0.9, 0.1]] * 4 + [[0.1, 0.9]] * 4)
    y = np.array(["a", "b", "a", "b", "b", "b", "b", "b"], dtype=object)
    fitted = Calibrator(["a", "b"], "isotonic").fit(oof, y)
    pipeline = Pipeline([("features", FunctionTransformer()), ("model", Fixed({"x": [0.9, 0.1]}))])
    model = FramingModel.of(pickle.loads(pickle.dumps(CalibratedModel(pipeline, fitted.calibrators_, "isotonic"))))
    assert model.calibrator is not None and model.calibrator.method == "isotonic"
    np.testing.assert_allclose(model.predict_proba(["x"]), [[0.5, 0.5]])
    assert FramingModel.of(model) is model
    assert FramingModel.of(pipeline).calibrator is None


def test_calibration_errors() -> None:
    oof = np.array([[0.6, 0.4], [0.7, 0.3]])
    with pytest.raises(FramingError, match=r"Got calibration\.method='beta', expected one of \['temperature', 'sigmoid', 'isotonic'\]"):
        Calibrator(["a", "b"], "beta").fit(oof, ["a", "b"])
    with pytest.raises(FramingError, match=r"out-of-fold examples in and out of class 'a'; the folds' validation sides have only 'a'"):
        Calibrator(["a", "b"], "sigmoid").fit(oof, ["a", "a"])
    with pytest.raises(FramingError, match=r"Got probabilities of shape \(2, 2\), expected one column per class \['a', 'b', 'c'\]"):
        Calibrator(["a", "b", "c"]).fit(oof, ["a", "b"])
    fitted = Calibrator(["a", "b"]).fit(np.array([[0.9, 0.1], [0.2, 0.8]]), ["a", "b"])
    with pytest.raises(FramingError, match=r"Got probabilities of shape \(1, 3\), expected 2 columns \(one per class \['a', 'b'\]\)"):
        fitted.predict_proba([[0.2, 0.3, 0.5]])
    with pytest.raises(FramingError, match=r"Got a list, expected a framing pipeline \(steps clean, features, model\)"):
        FramingModel([])
