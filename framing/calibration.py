"""Probability calibration fitted on out-of-fold predictions only.

:class:`Calibrator` is a scikit-learn estimator on probabilities: ``fit(proba, y)`` learns the
calibration and ``predict_proba(proba)`` applies it. ``temperature`` (the default of a run with
folds) fits one temperature ``T`` by log-loss and maps ``p`` to ``p ** (1 / T)`` renormalised: it
changes how confident the model is, never which class it picks, so calibration cannot cost
macro-F1. ``sigmoid`` (Platt's logistic regression on each class's log-odds) and ``isotonic`` fit
one calibrator per class, one-vs-rest, rows renormalised to sum to 1; they can change the argmax,
and on a few training outlets, whose out-of-fold predictions differ from the final model's, they
can change it for the worse (demo outlet_style: macro-F1 0.486 uncalibrated, 0.213 with sigmoid).
Training fits it on the cross-validation folds' held-out predictions (never on the test split, nor
on a model's predictions for its own training rows) and :class:`framing.model.FramingModel`
applies it to the final model's probabilities.

:class:`CalibratedModel` is what models logged before :class:`framing.model.FramingModel` pickled
(a pipeline with its calibrators); it stays importable so that those models still load, and
:meth:`framing.model.FramingModel.of` turns it into a model with a :class:`Calibrator`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from framing.errors import FramingError

__all__ = ["METHODS", "CalibratedModel", "Calibrator"]

METHODS = ("temperature", "sigmoid", "isotonic")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class Calibrator(BaseEstimator):
    """Calibration of a classifier's probabilities: one temperature, or one calibrator per class.

    Parameters
    ----------
    classes
        The class of each probability column, in column order.
    method
        ``temperature`` (one temperature for all classes: the argmax never changes), ``sigmoid``
        (Platt's logistic regression on each class's log-odds) or ``isotonic``.

    Attributes
    ----------
    calibrators_
        One fitted calibrator per class (a ``LogisticRegression`` or ``IsotonicRegression``);
        empty for ``temperature``.
    temperature_
        The fitted temperature (``temperature`` only; 1 for the others).

    Examples
    --------
    >>> cal = Calibrator(["a", "b"]).fit(oof_proba, y_train)  # doctest: +SKIP
    >>> cal.predict_proba(model.predict_proba(X_test))  # doctest: +SKIP
    """

    def __init__(self, classes: Sequence[str] = (), method: str = "temperature") -> None:
        self.classes = classes
        self.method = method

    def fit(self, proba: Any, y: Any) -> Calibrator:
        """Learn the calibrators from out-of-fold probabilities ``proba`` (rows x classes) and labels ``y``.

        Raises
        ------
        FramingError
            ``method`` is unknown, the columns do not match ``classes``, a label is not one of
            ``classes``, or (``sigmoid``, ``isotonic``) a class never appears (or always appears)
            among ``y``: nothing to calibrate on.
        """
        from sklearn.isotonic import IsotonicRegression
        from sklearn.linear_model import LogisticRegression

        if self.method not in METHODS:
            raise FramingError(f"Got calibration.method={self.method!r}, expected one of {list(METHODS)} (or none).")
        proba = np.asarray(proba, dtype=float)
        classes = [str(c) for c in self.classes]
        if proba.ndim != 2 or proba.shape[1] != len(classes):
            raise FramingError(f"Got probabilities of shape {proba.shape}, expected one column per class {classes}.")
        y = np.asarray(y, dtype=object)
        unknown = sorted({str(label) for label in y} - set(classes))
        if unknown or not len(y):
            raise FramingError(f"Got labels {unknown} outside the classes {classes}, or no labels at all: nothing to calibrate on.")
        self.temperature_ = 1.0
        if self.method == "temperature":
            truth = np.array([classes.index(str(label)) for label in y])
            # A fold whose model never saw a class gives it probability 0: that row says nothing
            # about how confident the model is, and its log-loss would dominate the fit.
            known = proba[np.arange(len(truth)), truth] > 0
            self.temperature_ = _temperature(proba[known], truth[known]) if known.any() else 1.0
            self.calibrators_ = []
            return self
        calibrators = []
        for k, name in enumerate(classes):
            target = (y == name).astype(int)
            if target.min() == target.max():
                raise FramingError(
                    f"Calibration needs out-of-fold examples in and out of class {name!r}; the folds' validation "
                    f"sides have {'only' if target.min() else 'no'} {name!r} (with a time split, the earliest block "
                    "is never validated). Change split.cv_folds or set calibration.method=none."
                )
            if self.method == "isotonic":
                calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(proba[:, k], target)
            else:
                calibrator = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(proba[:, k])[:, None], target)
            calibrators.append(calibrator)
        self.calibrators_ = calibrators
        return self

    def predict_proba(self, proba: Any) -> np.ndarray:
        """Calibrated probabilities: softened by the temperature, or each column through its class's
        calibrator with rows renormalised (a row the calibrators zero out keeps its own probabilities).
        """
        check_is_fitted(self, "calibrators_")
        proba = np.asarray(proba, dtype=float)
        if proba.ndim != 2 or proba.shape[1] != len(self.classes):
            raise FramingError(f"Got probabilities of shape {proba.shape}, expected {len(self.classes)} columns (one per class {list(self.classes)}).")
        if self.method == "temperature":
            return _soften(proba, getattr(self, "temperature_", 1.0))
        columns = []
        for k, calibrator in enumerate(self.calibrators_):
            if self.method == "isotonic":
                columns.append(calibrator.predict(proba[:, k]))
            else:
                columns.append(calibrator.predict_proba(_logit(proba[:, k])[:, None])[:, 1])
        out = np.column_stack(columns)
        total = out.sum(axis=1, keepdims=True)
        return np.where(total > 0, out / np.where(total > 0, total, 1), proba)

    @classmethod
    def fitted(cls, classes: Sequence[str], method: str, calibrators: list[Any]) -> Calibrator:
        """A calibrator from already fitted per-class calibrators (a legacy :class:`CalibratedModel`'s)."""
        if method not in ("sigmoid", "isotonic"):
            raise FramingError(f"Got method={method!r}, expected sigmoid or isotonic (the per-class methods).")
        out = cls(list(classes), method)
        out.calibrators_ = list(calibrators)
        return out


def _soften(proba: np.ndarray, temperature: float) -> np.ndarray:
    """``proba ** (1 / temperature)``, rows renormalised (a softmax of the log-probabilities / T)."""
    z = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
    z -= z.max(axis=1, keepdims=True)
    out = np.exp(z)
    return out / out.sum(axis=1, keepdims=True)


def _temperature(proba: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the log-loss of :func:`_soften` on ``proba`` (between 0.05 and 20)."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(truth))

    def loss(log_t: float) -> float:
        return float(-np.log(np.clip(_soften(proba, float(np.exp(log_t)))[rows, truth], 1e-12, 1.0)).mean())

    return float(np.exp(minimize_scalar(loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded").x))


class CalibratedModel:
    """A pipeline with per-class calibrators, as models logged before :class:`framing.model.FramingModel` pickled them.

    Kept so that those pickles load; :meth:`framing.model.FramingModel.of` converts one. Not used
    to build new models.
    """

    pipeline: Any
    calibrators: list[Any]
    method: str

    def __init__(self, pipeline: Any, calibrators: list[Any], method: str) -> None:
        self.pipeline = pipeline
        self.calibrators = calibrators
        self.method = method
