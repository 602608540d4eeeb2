"""The pyfunc model MLflow logs beside each framing model (models-from-code).

MLflow stores this file with the model and runs it at load time. It imports only mlflow, joblib,
numpy and pandas at the top; the model's own transformers and the prediction code come from the
copy of the ``framing`` package logged with the model (``code_paths``), so a model loads wherever
scikit-learn and LightGBM are installed (a Spark executor, a model server). The model itself is a
joblib pickle (:class:`framing.model.FramingModel`): load models only from stores you trust.

``predict(frame, params={"explain": K})`` adds an ``evidence`` column (a JSON string per article:
the K features that pushed the predicted class most), as ``framing score --explain K`` does.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


def predict_frame(model: Any, frame: pd.DataFrame, explain: int = 0) -> pd.DataFrame:
    """``label``, one ``p_<class>`` column per class (and ``evidence`` when ``explain``) for a ``text``
    column (and an optional ``title`` column), from a :class:`framing.model.FramingModel`."""
    from framing.clean import articles

    texts = frame["text"].fillna("").astype(str).tolist()
    # A title column, when given, travels with each text as its headline (the title text score).
    titles = frame["title"].tolist() if "title" in frame else None
    out, _ = model.label_frame(articles(texts, titles), explain)
    out.index = frame.index
    return out


class FramingPyfunc(PythonModel):
    """A fitted framing model as an MLflow pyfunc: DataFrame with ``text`` in, labels out.

    ``model`` is the :class:`framing.model.FramingModel`; ``reference`` holds the training data's
    feature profile (see :mod:`framing.drift`) when the model was logged with one, else ``None``.
    """

    # The signature logged with the model fixes the input and output columns; MLflow's own
    # type-hint validation would only warn about the untyped DataFrame in and out.
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        import json

        import joblib

        from framing.model import FramingModel

        self.model = FramingModel.of(joblib.load(context.artifacts["pipeline"])).single_thread()
        self.reference = None
        if "reference" in context.artifacts:
            with open(context.artifacts["reference"], encoding="utf-8") as handle:
                self.reference = json.load(handle)

    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN202 - MLflow reads these hints
        explain = int((params or {}).get("explain") or 0)
        return predict_frame(self.model, model_input, explain=explain)


mlflow.models.set_model(FramingPyfunc())
