"""Model code MLflow stores beside each logged model (models-from-code): no pickled classes."""

import mlflow

from framing.track import FramingModel

mlflow.models.set_model(FramingModel())
