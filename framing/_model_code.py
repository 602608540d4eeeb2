"""The pyfunc model MLflow logs beside each pipeline (models-from-code).

MLflow stores this file with the model and runs it at load time. It imports only mlflow, joblib,
numpy and pandas; the pipeline's own transformers come from the copy of the ``framing`` package
logged with the model (``code_paths``), so a model loads wherever scikit-learn and LightGBM are
installed. The pipeline itself is a joblib pickle: load models only from stores you trust.
"""

from __future__ import annotations

from typing import Any

import mlflow
import numpy as np
import pandas as pd


def predict_frame(pipeline: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """``label`` and one ``p_<class>`` column per class for a DataFrame with a ``text`` column."""
    classes = [str(c) for c in pipeline.classes_]
    columns = ["label"] + [f"p_{c}" for c in classes]
    if len(frame) == 0:
        return pd.DataFrame({name: pd.Series(dtype=object if name == "label" else float) for name in columns})
    texts = frame["text"].fillna("").astype(str).tolist()
    proba = np.asarray(pipeline.predict_proba(texts), dtype=float)
    out = pd.DataFrame(proba, columns=columns[1:], index=frame.index)
    out.insert(0, "label", np.asarray(classes, dtype=object)[proba.argmax(axis=1)])
    return out


class FramingModel(mlflow.pyfunc.PythonModel):
    """A fitted framing pipeline as an MLflow pyfunc: DataFrame with ``text`` in, labels out."""

    # The signature logged with the model fixes the input and output columns; MLflow's own
    # type-hint validation would only warn about the untyped DataFrame in and out.
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        import joblib

        self.pipeline = joblib.load(context.artifacts["pipeline"])

    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN201
        return predict_frame(self.pipeline, model_input)


mlflow.models.set_model(FramingModel())
