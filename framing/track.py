"""The one place that talks to MLflow: tracking store, runs, artifacts, models, the UI.

Tracking defaults to ``sqlite:///mlruns/mlflow.db`` under the current directory, with artifacts under
``mlruns/artifacts/<experiment>``; ``MLFLOW_TRACKING_URI`` points elsewhere (a server, another
database). Models are logged as a pyfunc (:class:`FramingModel`) that returns ``label`` and one
``p_<class>`` column per class for a DataFrame with a ``text`` column.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Before mlflow is imported: no telemetry, and no background job runner in the UI server.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

import mlflow  # noqa: E402
import mlflow.pyfunc  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from framing.corpus import Reject

__all__ = [
    "DEFAULT_TRACKING_URI",
    "FramingModel",
    "configure",
    "load_model",
    "log_figure",
    "log_json",
    "log_metrics",
    "log_model",
    "log_params",
    "log_rejects",
    "log_text",
    "start_run",
    "ui_command",
]

DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"
_LOCAL_HOME = Path("mlruns")


def _quiet() -> None:
    """Keep MLflow's informational chatter and download bars off the user's terminal."""
    import logging

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


_quiet()


def configure() -> str:
    """Point MLflow at ``MLFLOW_TRACKING_URI`` or the local default, and return the URI."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    if uri == DEFAULT_TRACKING_URI:
        _LOCAL_HOME.mkdir(exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def _experiment_id(name: str, uri: str) -> str:
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = None
    if uri.startswith("sqlite:") or uri.startswith("postgresql") or uri.startswith("mysql"):
        # A database store would otherwise put artifacts under whichever folder first created it.
        home = Path(uri.split(":///", 1)[1]).parent if uri.startswith("sqlite:///") else _LOCAL_HOME
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        location = (home.resolve() / "artifacts" / safe).as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


@contextmanager
def start_run(experiment: str, run_name: str, tags: dict[str, str] | None = None) -> Iterator[str]:
    """Open a run in ``experiment`` (created if needed) and yield its id.

    The run ends as FINISHED, or FAILED if the block raises.
    """
    uri = configure()
    experiment_id = _experiment_id(experiment, uri)
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags or {}) as run:
        yield run.info.run_id


def log_params(params: dict[str, Any]) -> None:
    """Log params, truncating values to MLflow's length limit."""
    mlflow.log_params({key: str(value)[:6000] for key, value in params.items()})


def log_metrics(metrics: dict[str, float], step: int | None = None) -> None:
    mlflow.log_metrics({key: float(value) for key, value in metrics.items()}, step=step)


def log_text(text: str, artifact_file: str) -> None:
    mlflow.log_text(text, artifact_file)


def log_json(data: Any, artifact_file: str) -> None:
    mlflow.log_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), artifact_file)


def log_figure(figure: Figure, artifact_file: str) -> None:
    import matplotlib.pyplot as plt

    mlflow.log_figure(figure, artifact_file)
    plt.close(figure)


def log_rejects(rejects: list[Reject], artifact_file: str = "data/rejects.jsonl") -> None:
    """Log the rejects as a JSONL artifact (one object per rejected row)."""
    lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in rejects]
    mlflow.log_text("\n".join(lines) + ("\n" if lines else ""), artifact_file)


def set_tags(tags: dict[str, str]) -> None:
    mlflow.set_tags(tags)


class FramingModel(mlflow.pyfunc.PythonModel):
    """A fitted framing pipeline as an MLflow pyfunc.

    Input: a DataFrame with a ``text`` column. Output: a DataFrame with ``label`` and one
    ``p_<class>`` probability column per class, in the model's class order.
    """

    def load_context(self, context: Any) -> None:
        import joblib

        self.pipeline = joblib.load(context.artifacts["pipeline"])
        self.classes = [str(c) for c in self.pipeline.classes_]

    # The signature logged with the model fixes the input and output columns; MLflow's own
    # type-hint validation would only warn about the untyped DataFrame in and out.
    _skip_type_hint_validation = True

    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN201
        return predict_frame(self.pipeline, model_input)


def predict_frame(pipeline: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """Label and class probabilities for a DataFrame with a ``text`` column."""
    import numpy as np
    import pandas as pd

    classes = [str(c) for c in pipeline.classes_]
    columns = ["label"] + [f"p_{c}" for c in classes]
    if len(frame) == 0:
        return pd.DataFrame({name: pd.Series(dtype=object if name == "label" else float) for name in columns})
    texts = frame["text"].fillna("").astype(str).tolist()
    proba = np.asarray(pipeline.predict_proba(texts), dtype=float)
    out = pd.DataFrame(proba, columns=columns[1:], index=frame.index)
    out.insert(0, "label", np.asarray(classes, dtype=object)[proba.argmax(axis=1)])
    return out


def _requirements() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    pins = []
    for name in ("mlflow", "scikit-learn", "lightgbm", "pandas", "numpy", "scipy", "joblib", "pyyaml", "pydantic"):
        try:
            pins.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            pass
    return pins


def log_model(pipeline: Any, input_example: pd.DataFrame, registered_name: str | None) -> tuple[str, str | None]:
    """Log a fitted pipeline as a pyfunc model of the active run, registering it if a name is given.

    Returns
    -------
    tuple of (str, str or None)
        A model URI to load it with (``models:/<name>/<version>`` when registered, else
        ``runs:/<run id>/model``) and the registered version.
    """
    import joblib
    from mlflow.models import infer_signature

    example = input_example[["text"]].head(3).reset_index(drop=True)
    signature = infer_signature(example, predict_frame(pipeline, example))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipeline.joblib"
        joblib.dump(pipeline, path)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(Path(__file__).with_name("_model_code.py")),
            artifacts={"pipeline": str(path)},
            signature=signature,
            input_example=example,
            registered_model_name=registered_name,
            pip_requirements=_requirements(),
        )
    run_id = mlflow.active_run().info.run_id
    version = str(info.registered_model_version) if registered_name and info.registered_model_version is not None else None
    uri = f"models:/{registered_name}/{version}" if version else f"runs:/{run_id}/model"
    return uri, version


def load_model(uri: str) -> Any:
    """Load a pyfunc model from ``models:/...``, ``runs:/...`` or a local model folder."""
    if not uri.startswith(("models:/", "runs:/")) and "://" not in uri:
        if not (Path(uri) / "MLmodel").is_file():
            raise FileNotFoundError(f"Got --model {uri!r}, expected models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/model or a folder with an MLmodel file.")
    else:
        configure()
    return mlflow.pyfunc.load_model(uri)


def ui_command(port: int, host: str = "127.0.0.1") -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the MLflow UI over the tracking store."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    if uri == DEFAULT_TRACKING_URI:
        _LOCAL_HOME.mkdir(exist_ok=True)
    env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri, "--host", host, "--port", str(port), "--workers", "1"]
    return command, env


def serve_ui(port: int, host: str = "127.0.0.1") -> int:
    """Run the MLflow UI in the foreground until interrupted; returns its exit code."""
    command, env = ui_command(port, host)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
