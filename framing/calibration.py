"""Probability calibration fitted on out-of-fold predictions only.

The calibrator never sees the test split nor the predictions of a model on its own training
rows: it learns from the cross-validation folds' held-out predictions, then wraps the final
pipeline. One-vs-rest per class (Platt's sigmoid on the log-odds, or isotonic regression), then
renormalised so each row sums to 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from framing.errors import FramingError

__all__ = ["CalibratedModel", "apply_calibrators", "fit_calibrators"]

METHODS = ("sigmoid", "isotonic")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_calibrators(proba: np.ndarray, y: Any, classes: list[str], method: str) -> list[Any]:
    """One calibrator per class, fitted on out-of-fold probabilities ``proba`` and labels ``y``.

    Raises
    ------
    FramingError
        ``method`` is unknown, or a class never appears among ``y`` (nothing to calibrate on).
    """
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    if method not in METHODS:
        raise FramingError(f"Got calibration.method={method!r}, expected one of {list(METHODS)} (or none).")
    y = np.asarray(y, dtype=object)
    calibrators = []
    for k, name in enumerate(classes):
        target = (y == name).astype(int)
        if target.min() == target.max():
            raise FramingError(
                f"Calibration needs out-of-fold examples in and out of class {name!r}; the folds' validation "
                f"sides have {'only' if target.min() else 'no'} {name!r} (with a time split, the earliest block "
                "is never validated). Change split.cv_folds or set calibration.method=none."
            )
        if method == "isotonic":
            calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(proba[:, k], target)
        else:
            calibrator = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(proba[:, k])[:, None], target)
        calibrators.append(calibrator)
    return calibrators


def apply_calibrators(calibrators: list[Any], proba: np.ndarray, method: str) -> np.ndarray:
    """Calibrated probabilities: each column through its class's calibrator, rows renormalised."""
    columns = []
    for k, calibrator in enumerate(calibrators):
        if method == "isotonic":
            columns.append(calibrator.predict(proba[:, k]))
        else:
            columns.append(calibrator.predict_proba(_logit(proba[:, k])[:, None])[:, 1])
    out = np.column_stack(columns)
    total = out.sum(axis=1, keepdims=True)
    # A row the calibrators zero out entirely keeps the model's own probabilities.
    return np.where(total > 0, out / np.where(total > 0, total, 1), proba)


class CalibratedModel(ClassifierMixin, BaseEstimator):
    """A fitted pipeline whose probabilities pass through per-class calibrators.

    Behaves like the pipeline for prediction (``classes_``, ``predict_proba``, ``predict``), so the
    logged model and ``framing score`` use it unchanged.

    Parameters
    ----------
    pipeline
        The fitted pipeline.
    calibrators
        From :func:`fit_calibrators`, one per class in the order of ``pipeline.classes_`` (fit them
        on probability columns in that order).
    method
        ``sigmoid`` or ``isotonic``.
    """

    def __init__(self, pipeline: Any, calibrators: list[Any], method: str) -> None:
        self.pipeline = pipeline
        self.calibrators = calibrators
        self.method = method

    @property
    def classes_(self) -> np.ndarray:
        return self.pipeline.classes_

    @property
    def named_steps(self) -> Any:
        return self.pipeline.named_steps

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, X: Any, y: Any = None) -> CalibratedModel:  # already fitted
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return apply_calibrators(self.calibrators, np.asarray(self.pipeline.predict_proba(X), dtype=float), self.method)

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_)[self.predict_proba(X).argmax(axis=1)]
