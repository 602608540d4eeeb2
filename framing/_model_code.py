"""The pyfunc model MLflow logs beside each pipeline (models-from-code).

MLflow stores this file with the model and runs it at load time. It imports only mlflow, joblib,
numpy and pandas at the top; the pipeline's own transformers and the prediction code come from the
copy of the ``framing`` package logged with the model (``code_paths``), so a model loads wherever
scikit-learn and LightGBM are installed (a Spark executor, a model server). The pipeline itself is a
joblib pickle: load models only from stores you trust.

``predict(frame, params={"explain": K})`` adds an ``evidence`` column (a JSON string per article:
the K features that pushed the predicted class most), as ``framing score --explain K`` does.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


def predict_frame(pipeline: Any, frame: pd.DataFrame, explain: int = 0) -> pd.DataFrame:
    """``label``, one ``p_<class>`` column per class (and ``evidence`` when ``explain``) for a ``text``
    column (and an optional ``title`` column)."""
    from framing.clean import articles
    from framing.scoring import predict_texts

    texts = frame["text"].fillna("").astype(str).tolist()
    # A title column, when given, travels with each text as its headline (the title text score).
    titles = frame["title"].tolist() if "title" in frame else None
    out, _ = predict_texts(pipeline, articles(texts, titles), explain=explain)
    out.index = frame.index
    return out


class FramingModel(PythonModel):
    """A fitted framing pipeline as an MLflow pyfunc: DataFrame with ``text`` in, labels out.

    ``reference`` holds the training data's feature profile (see :mod:`framing.drift`) when the
    model was logged with one, else ``None``.
    """

    # The signature logged with the model fixes the input and output columns; MLflow's own
    # type-hint validation would only warn about the untyped DataFrame in and out.
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        import json

        from framing.scoring import load_fitted

        self.pipeline = load_fitted(context.artifacts["pipeline"])
        self.reference = None
        if "reference" in context.artifacts:
            with open(context.artifacts["reference"], encoding="utf-8") as handle:
                self.reference = json.load(handle)

    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN202 - MLflow reads these hints
        explain = int((params or {}).get("explain") or 0)
        return predict_frame(self.pipeline, model_input, explain=explain)


mlflow.models.set_model(FramingModel())
