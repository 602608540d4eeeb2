"""The fitted model: the one object that knows the pipeline's insides.

A :class:`FramingModel` holds the fitted scikit-learn ``Pipeline`` (``clean`` -> ``features`` ->
LightGBM ``model``) and, when the run calibrates, the :class:`framing.calibration.Calibrator`
fitted on out-of-fold probabilities. Everything that reads a fitted model goes through it: scoring
and its workers, the MLflow pyfunc, drift profiles, explanations, the training run's probes and
reports. The features of a batch are computed once (:meth:`FramingModel.features`) and every
reader of them (probabilities, evidence, drift) takes the matrix.

>>> model, report = framing.train(load_config("configs/stance.yaml"))  # doctest: +SKIP
>>> model.predict(["Rezim Zionis kembali menunjukkan kesombongannya."])  # doctest: +SKIP
>>> model.explain(["Rezim Zionis kembali menunjukkan kesombongannya."], 3)  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd

    from framing.calibration import Calibrator

__all__ = ["Blend", "FramingModel"]

# LightGBM's names for its thread count; any of them in a model's params would override n_jobs.
_THREAD_PARAMS = ("n_jobs", "num_threads", "num_thread", "nthread", "nthreads")


@dataclass
class Blend:
    """LightGBM blended with a linear stacker: ``p = weight * LightGBM + (1 - weight) * stacker``.

    Attributes
    ----------
    stacker
        A fitted ``LogisticRegression`` over the ``columns`` of the feature matrix (the text
        scores), trained on the same rows and labels as LightGBM (so its ``classes_`` are LightGBM's).
    columns
        Indices of the stacker's input columns in the feature matrix.
    weight
        LightGBM's share, in [0, 1), chosen on out-of-fold predictions.
    means
        Mean of each of those columns over the training rows (explanations: the stacker's
        contribution of a column is ``coef * (value - mean)``).
    """

    stacker: Any
    columns: list[int]
    weight: float
    means: np.ndarray

    def proba(self, X: Any) -> np.ndarray:
        """The stacker's class probabilities for a feature matrix."""
        from framing.drift import dense_columns

        return np.asarray(self.stacker.predict_proba(dense_columns(X, self.columns)), dtype=float)

    def linear_contributions(self, X: Any, i: int, c: int) -> np.ndarray:
        """The stacker's contribution of each of its columns to row ``i``'s log-odds of class ``c``."""
        coef = np.asarray(self.stacker.coef_, dtype=float)
        # A binary logistic regression scores the second class; the first class's log-odds are its negation.
        row = coef[0] * (1.0 if c == 1 else -1.0) if coef.shape[0] == 1 else coef[c]
        from framing.drift import dense_columns

        return row * (dense_columns(X[i : i + 1], self.columns)[0] - self.means)


class FramingModel:
    """A fitted framing model: cleaning, features, LightGBM (blended with a text-score stacker when
    the run chose so) and its calibration.

    Parameters
    ----------
    pipeline
        The fitted ``Pipeline`` of :func:`framing.pipeline.build_pipeline` (steps ``clean``
        (optional), ``features``, ``model``).
    calibrator
        A fitted :class:`framing.calibration.Calibrator` whose classes are ``pipeline.classes_``,
        or ``None`` (probabilities as LightGBM, or the blend, gives them).
    blend
        A :class:`Blend` of LightGBM with a linear stacker, or ``None`` (LightGBM alone).
    """

    blend: Blend | None = None  # models pickled before blends existed have none

    def __init__(self, pipeline: Any, calibrator: Calibrator | None = None, blend: Blend | None = None) -> None:
        try:
            steps = pipeline.named_steps
            steps["features"], steps["model"]
        except (AttributeError, KeyError, TypeError) as exc:
            raise FramingError(f"Got a {type(pipeline).__name__}, expected a framing pipeline (steps clean, features, model): {exc}.") from None
        self.pipeline = pipeline
        self.calibrator = calibrator
        self.blend = blend

    @classmethod
    def of(cls, fitted: Any) -> FramingModel:
        """The model in ``fitted``: a :class:`FramingModel`, a bare fitted pipeline, or a legacy
        :class:`framing.calibration.CalibratedModel` (what models logged before this class pickled)."""
        if isinstance(fitted, FramingModel):
            return fitted
        from framing.calibration import CalibratedModel, Calibrator

        if isinstance(fitted, CalibratedModel):
            classes = [str(c) for c in fitted.pipeline.classes_]
            return cls(fitted.pipeline, Calibrator.fitted(classes, fitted.method, fitted.calibrators))
        return cls(fitted)

    def calibrated(self, oof: np.ndarray, y: Any, classes: Sequence[str], method: str) -> FramingModel:
        """This model with a :class:`framing.calibration.Calibrator` fitted on out-of-fold
        probabilities ``oof`` (columns in the order of ``classes``) and their labels ``y``.

        The calibrator acts on the model's own columns (LightGBM sorts its ``classes_``), so the
        columns of ``oof`` are reordered first.
        """
        from framing.calibration import Calibrator

        own = [str(c) for c in self.classes_]
        columns = [list(classes).index(c) for c in own]
        return FramingModel(self.pipeline, Calibrator(own, method).fit(np.asarray(oof)[:, columns], y), self.blend)

    # -- the parts -------------------------------------------------------------------------------
    @property
    def classes_(self) -> np.ndarray:
        return self.pipeline.classes_

    @property
    def cleaner(self) -> Any:
        """The fitted :class:`framing.clean.TextCleaner`, or ``None`` when the model does not clean."""
        return self.pipeline.named_steps.get("clean")

    @property
    def estimator(self) -> Any:
        """The fitted ``LGBMClassifier``."""
        return self.pipeline.named_steps["model"]

    @property
    def booster(self) -> Any:
        return self.estimator.booster_

    def families(self) -> dict[str, Any]:
        """The fitted transformer of each enabled feature family, by family name."""
        return {name: est for name, est in self.pipeline.named_steps["features"].transformer_list if est != "drop"}

    def feature_names_out(self) -> list[str]:
        """Names of LightGBM's input columns: ``word__rezim zionis``, ``attribution__share_russian_state``."""
        from framing.pipeline import feature_names

        return feature_names(self.pipeline)

    def gains(self) -> np.ndarray:
        """Total gain of each input column in the booster (``feature_names_out`` order)."""
        return np.asarray(self.booster.feature_importance(importance_type="gain"), dtype=float)

    def threads(self) -> int:
        """Threads LightGBM predicts with: the estimator's ``n_jobs`` now (see :meth:`single_thread`)."""
        import os

        n_jobs = getattr(self.estimator, "n_jobs", None)
        if not isinstance(n_jobs, int) or n_jobs == 0:
            return 0  # LightGBM's own default
        # Negative counts back from the cores, as scikit-learn's n_jobs does (-1: all of them).
        return n_jobs if n_jobs > 0 else max((os.cpu_count() or 1) + 1 + n_jobs, 1)

    def single_thread(self) -> FramingModel:
        """Make LightGBM predict on one thread (one scoring process per core); returns the model.

        Two LightGBM threads per process on a machine whose cores are all busy run many times
        slower, not faster.
        """
        estimator = self.estimator
        if hasattr(estimator, "get_params"):
            params = estimator.get_params()
            estimator.set_params(**{name: 1 for name in _THREAD_PARAMS if name in params})
        return self

    # -- texts -> features -> probabilities --------------------------------------------------------
    def clean(self, texts: Sequence[Any]) -> list[Any]:
        """``texts`` through the model's cleaner (unchanged when it has none)."""
        cleaner = self.cleaner
        return list(cleaner.transform(list(texts))) if cleaner is not None else list(texts)

    def features(self, texts: Sequence[Any], *, cleaned: Sequence[Any] | None = None) -> Any:
        """LightGBM's input matrix for ``texts``; ``cleaned`` (the texts through :meth:`clean`)
        spares cleaning them again."""
        return self.pipeline.named_steps["features"].transform(list(cleaned) if cleaned is not None else self.clean(texts))

    def uncalibrated_proba_of(self, X: Any) -> np.ndarray:
        """Class probabilities for a feature matrix before calibration (columns in ``classes_``
        order): LightGBM's, or its blend with the stacker's."""
        proba = np.asarray(self.estimator.predict_proba(X), dtype=float)
        if self.blend is None:
            return proba
        return self.blend.weight * proba + (1 - self.blend.weight) * self.blend.proba(X)

    def calibrate(self, proba: np.ndarray) -> np.ndarray:
        """Probabilities through the calibrator (unchanged when the model has none)."""
        return self.calibrator.predict_proba(proba) if self.calibrator is not None else proba

    def proba_of(self, X: Any) -> np.ndarray:
        """Class probabilities for a feature matrix from :meth:`features`, calibrated when the model is."""
        return self.calibrate(self.uncalibrated_proba_of(X))

    def predict_proba(self, texts: Sequence[Any], *, cleaned: Sequence[Any] | None = None) -> np.ndarray:
        """Class probabilities (columns in ``classes_`` order) for article texts."""
        if isinstance(texts, (str, bytes)):
            raise TypeError("Expected a list of texts, got a single string: wrap it in a list, e.g. [text].")
        if not len(texts):
            return np.zeros((0, len(self.classes_)))
        return self.proba_of(self.features(texts, cleaned=cleaned))

    def predict(self, texts: Sequence[Any]) -> np.ndarray:
        """The likeliest class of each text."""
        proba = self.predict_proba(texts)
        return np.asarray(self.classes_)[proba.argmax(axis=1)] if len(proba) else np.asarray([], dtype=object)

    # -- what reads a batch ----------------------------------------------------------------------
    def explain(
        self,
        texts: Sequence[Any],
        k: int = 5,
        *,
        cleaned: Sequence[Any] | None = None,
        X: Any = None,
        predicted: Sequence[Any] | None = None,
    ) -> list[list[dict[str, Any]]]:
        """The ``k`` features that pushed each text's predicted class most, with their cues and
        spans in the original text (see :func:`framing.explain.evidence`)."""
        from framing.explain import evidence

        return evidence(self, texts, k, cleaned=cleaned, X=X, predicted=predicted)

    def label_frame(self, texts: Sequence[Any], explain: int = 0) -> tuple[pd.DataFrame, Any]:
        """``label``, one ``p_<class>`` column per class (and ``evidence`` when ``explain``) per
        text, plus the feature matrix (``None`` for no texts): what ``framing score`` writes.

        Each text is cleaned and featurised once; the evidence reads the same matrix.
        """
        import pandas as pd

        classes = [str(c) for c in self.classes_]
        columns = ["label"] + [f"p_{c}" for c in classes] + (["evidence"] if explain else [])
        if not texts:
            return pd.DataFrame({name: pd.Series(dtype=float if name.startswith("p_") else object) for name in columns}), None
        cleaned = self.clean(texts)
        X = self.features(texts, cleaned=cleaned)
        proba = self.proba_of(X)
        labels = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
        out = pd.DataFrame(proba, columns=columns[1 : 1 + len(classes)])
        out.insert(0, "label", labels)
        if explain:
            found = self.explain(texts, explain, cleaned=cleaned, X=X, predicted=list(labels))
            out["evidence"] = [json.dumps(items, ensure_ascii=False) for items in found]
        return out, X

    def reference_profile(self, texts: Sequence[Any], top: int, *, matrix: Any = None, **options: Any) -> dict[str, Any]:
        """The drift reference of :func:`framing.drift.reference_profile`: the ``top`` features by
        gain, binned on ``texts`` (or on ``matrix``, their features as the model was trained)."""
        from framing.drift import reference_profile

        return reference_profile(self, list(texts), top, matrix=matrix, **options)

    def __repr__(self) -> str:
        families = ", ".join(self.families())
        calibration = self.calibrator.method if self.calibrator is not None else "none"
        weight = self.blend.weight if self.blend is not None else 1.0
        return f"FramingModel(classes={[str(c) for c in self.classes_]}, families=[{families}], lightgbm_weight={weight:g}, calibration={calibration})"
