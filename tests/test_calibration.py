from __future__ import annotations

import pickle

import numpy as np
import pytest

from framing.calibration import CalibratedModel, fit_calibrators
from framing.errors import FramingError


class Fixed:
    """A stand-in fitted model: probabilities looked up by text."""

    classes_ = np.array(["a", "b"], dtype=object)

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.array([self.table[t] for t in texts])


def test_isotonic_calibration_learns_from_out_of_fold_predictions() -> None:
    # Over-confident: says 0.9 for "a" but is right only half the time at that level.
    oof = np.array([[0.9, 0.1]] * 4 + [[0.1, 0.9]] * 4)
    y = np.array(["a", "b", "a", "b", "b", "b", "b", "b"], dtype=object)
    calibrators = fit_calibrators(oof, y, ["a", "b"], "isotonic")
    model = CalibratedModel(Fixed({"x": [0.9, 0.1], "z": [0.1, 0.9]}), calibrators, "isotonic")
    proba = model.predict_proba(["x", "z"])
    np.testing.assert_allclose(proba, [[0.5, 0.5], [0.0, 1.0]])
    assert list(model.classes_) == ["a", "b"]
    assert pickle.loads(pickle.dumps(model)).predict_proba(["x"]).tolist() == proba[:1].tolist()


def test_sigmoid_calibration_rows_sum_to_one_and_keep_order() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 200)
    y = np.where(rng.uniform(size=200) < p, "a", "b").astype(object)
    calibrators = fit_calibrators(np.column_stack([p, 1 - p]), y, ["a", "b"], "sigmoid")
    model = CalibratedModel(Fixed({"lo": [0.2, 0.8], "hi": [0.8, 0.2]}), calibrators, "sigmoid")
    proba = model.predict_proba(["lo", "hi"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba[1, 0] > proba[0, 0]
    assert model.predict(["lo", "hi"]).tolist() == ["b", "a"]


def test_calibration_errors() -> None:
    oof = np.array([[0.6, 0.4], [0.7, 0.3]])
    with pytest.raises(FramingError, match=r"Got calibration\.method='beta', expected one of \['sigmoid', 'isotonic'\]"):
        fit_calibrators(oof, ["a", "b"], ["a", "b"], "beta")
    with pytest.raises(FramingError, match=r"out-of-fold examples in and out of class 'a'; the folds' validation sides have only 'a'"):
        fit_calibrators(oof, ["a", "a"], ["a", "b"], "sigmoid")
