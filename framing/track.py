"""The one place that talks to MLflow: tracking store, runs, artifacts, models, the UI.

Tracking defaults to ``sqlite:///mlruns/mlflow.db`` under the current directory, with artifacts under
``mlruns/artifacts/<experiment>``; ``MLFLOW_TRACKING_URI`` points elsewhere (a server, another
database). Models are logged as a pyfunc (``framing/_model_code.py``) that returns ``label`` and one
``p_<class>`` column per class for a DataFrame with a ``text`` column.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Before mlflow is imported: no telemetry, and no background job runner in the UI server.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

import mlflow
import mlflow.pyfunc

from framing._model_code import predict_frame
from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from framing.corpus import Reject
    from framing.model import FramingModel
    from framing.training import TrainingReport

__all__ = [
    "DEFAULT_TRACKING_URI",
    "alias_version",
    "configure",
    "create_run",
    "load_baseline",
    "load_model",
    "load_framing",
    "log_figure",
    "log_json",
    "log_metrics",
    "log_model",
    "log_params",
    "log_rejects",
    "log_text",
    "log_training",
    "model_files",
    "open_child_runs",
    "run_exists",
    "run_status",
    "set_alias",
    "set_run_status",
    "spark_udf",
    "start_run",
    "ui_command",
]

DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"
_UNSAFE_KEY = re.compile(r"[^\w\-. /]")
_LOCAL_HOME = Path("mlruns")


def _quiet() -> None:
    """Keep MLflow's informational chatter and download bars off the user's terminal."""
    import logging

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


_quiet()


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI``, or the local default (whose folder is created)."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    if uri == DEFAULT_TRACKING_URI:
        _LOCAL_HOME.mkdir(exist_ok=True)
    return uri


def configure() -> str:
    """Point MLflow at the tracking store (see :func:`tracking_uri`) and return its URI."""
    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def _experiment_id(name: str, uri: str) -> str:
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = None
    if uri.startswith("sqlite:///"):
        # Beside the database; otherwise MLflow puts artifacts under whichever folder first created it.
        # Servers and shared databases keep their own artifact root.
        home = Path(uri.split(":///", 1)[1]).parent
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        location = (home.resolve() / "artifacts" / safe).as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


@contextmanager
def start_run(
    experiment: str,
    run_name: str,
    tags: dict[str, str] | None = None,
    *,
    parent_run_id: str | None = None,
    run_id: str | None = None,
) -> Iterator[str]:
    """Open a run in ``experiment`` (created if needed) and yield its id.

    Inside another open run, the new run is its child (nested); ``parent_run_id`` makes it the
    child of a run open elsewhere (another process: a tuning worker). ``run_id`` reopens an
    existing run instead (a resumed study). The run ends as FINISHED, or FAILED if the block raises.
    """
    uri = configure()
    experiment_id = _experiment_id(experiment, uri)
    if run_id is not None:
        with mlflow.start_run(run_id=run_id) as run:
            yield run.info.run_id
        return
    nested = mlflow.active_run() is not None or parent_run_id is not None
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags or {}, nested=nested, parent_run_id=parent_run_id) as run:
        yield run.info.run_id


def create_run(experiment: str, run_name: str, tags: dict[str, str] | None = None) -> str:
    """Create a run in ``experiment`` (created if needed), left RUNNING and not active; return its id.

    For a run several processes reopen with :func:`start_run` (``run_id=``): a shared study's parent.
    """
    uri = configure()
    experiment_id = _experiment_id(experiment, uri)
    return mlflow.MlflowClient().create_run(experiment_id, tags=tags or {}, run_name=run_name).info.run_id


def run_exists(run_id: str) -> bool:
    """Whether the tracking store holds a (not deleted) run with this id."""
    from mlflow.exceptions import MlflowException

    configure()
    try:
        return mlflow.get_run(run_id).info.lifecycle_stage == "active"
    except MlflowException:
        return False


def set_run_status(run_id: str, status: str) -> None:
    """End a run left open by a process that died (``FAILED``, ``KILLED``, ``FINISHED``)."""
    configure()
    mlflow.MlflowClient().set_terminated(run_id, status)


def run_status(run_id: str) -> str | None:
    """``RUNNING``, ``FINISHED``, ``FAILED``, ``KILLED``, or ``None`` when there is no such run."""
    from mlflow.exceptions import MlflowException

    configure()
    try:
        return mlflow.get_run(run_id).info.status
    except MlflowException:
        return None


def open_child_runs(parent_run_id: str) -> dict[str, dict[str, str]]:
    """Run id -> tags of the runs nested under ``parent_run_id`` that are still RUNNING."""
    configure()
    parent = mlflow.get_run(parent_run_id)
    runs = mlflow.MlflowClient().search_runs(
        [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}' and attributes.status = 'RUNNING'", max_results=10_000
    )
    return {run.info.run_id: dict(run.data.tags) for run in runs}


def alias_version(name: str, alias: str) -> str | None:
    """The registered version of ``name`` that carries ``alias``, or ``None``."""
    from mlflow.exceptions import MlflowException

    configure()
    try:
        return str(mlflow.MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def set_alias(name: str, alias: str, version: str) -> None:
    """Point ``alias`` of the registered model ``name`` at ``version``."""
    configure()
    mlflow.MlflowClient().set_registered_model_alias(name, alias, version)


def log_params(params: dict[str, Any]) -> None:
    """Log params, truncating values to MLflow's length limit."""
    mlflow.log_params({key: str(value)[:6000] for key, value in params.items()})


def metric_key(name: str) -> str:
    """A metric name MLflow accepts (class names may hold any character).

    Examples
    --------
    >>> metric_key("test_f1_pro (Iran)+")
    'test_f1_pro _Iran__'
    """
    return _UNSAFE_KEY.sub("_", name)


def log_metrics(metrics: dict[str, float], step: int | None = None) -> None:
    mlflow.log_metrics({metric_key(key): float(value) for key, value in metrics.items()}, step=step)


def set_tag(key: str, value: str) -> None:
    mlflow.set_tag(key, value)


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


def _requirements() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    pins = []
    for name in ("mlflow", "scikit-learn", "lightgbm", "pandas", "numpy", "scipy", "joblib", "pyyaml", "pydantic"):
        with suppress(PackageNotFoundError):
            pins.append(f"{name}=={version(name)}")
    return pins


def log_model(
    model: FramingModel,
    input_example: pd.DataFrame,
    registered_name: str | None,
    *,
    reference: dict[str, Any] | None = None,
    baseline: Any = None,
) -> tuple[str, str | None]:
    """Log a fitted model as a pyfunc model of the active run, registering it if a name is given.

    Parameters
    ----------
    model
        The fitted model (a bare fitted pipeline is wrapped into one).
    input_example
        A DataFrame with a ``text`` column; its first rows become the model's input example.
    registered_name
        Register the model under this name, or ``None``.
    reference
        The training data's feature profile (:func:`framing.drift.reference_profile`), stored as
        the artifact ``reference.json`` so that scoring can warn about drift.
    baseline
        The fitted TF-IDF + logistic regression baseline, reading raw article text, stored as the
        artifact ``baseline.joblib`` so that ``framing evaluate`` can score it beside the model
        (:func:`load_baseline`).

    Returns
    -------
    tuple of (str, str or None)
        A model URI to load it with (``models:/<name>/<version>`` when registered, else
        ``runs:/<run id>/model``) and the registered version.
    """
    import shutil

    import joblib
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types.schema import ColSpec, Schema

    from framing.model import FramingModel

    model = FramingModel.of(model)  # a bare fitted pipeline is logged as the model it makes
    example = input_example[["text"]].head(3).reset_index(drop=True)
    # params: predict(frame, params={"explain": K}) adds the evidence column.
    inferred = infer_signature(example, predict_frame(model, example), params={"explain": 0})
    # An optional title column travels with each text as its headline (the title text score).
    inputs = Schema([ColSpec("string", "text"), ColSpec("string", "title", required=False)])
    signature = ModelSignature(inputs=inputs, outputs=inferred.outputs, params=inferred.params)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipeline.joblib"
        joblib.dump(model, path)
        artifacts = {"pipeline": str(path)}
        if reference is not None:
            artifacts["reference"] = str(Path(tmp) / "reference.json")
            Path(artifacts["reference"]).write_text(json.dumps(reference), encoding="utf-8")
        if baseline is not None:
            artifacts["baseline"] = str(Path(tmp) / "baseline.joblib")
            joblib.dump(baseline, artifacts["baseline"])
        # The model pickles framing's own transformers: ship the package's code (not its demo
        # data) with the model, so it loads where framing is not installed (Spark workers, servers).
        code = Path(tmp) / "code" / "framing"
        shutil.copytree(Path(__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__", "data"))
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(Path(__file__).with_name("_model_code.py")),
            artifacts=artifacts,
            code_paths=[str(code)],
            signature=signature,
            input_example=example,
            registered_model_name=registered_name,
            pip_requirements=_requirements(),
        )
    run = mlflow.active_run()
    if run is None:
        raise FramingError("log_model needs an open MLflow run: call it inside track.start_run.")
    run_id = run.info.run_id
    version = str(info.registered_model_version) if registered_name and info.registered_model_version is not None else None
    uri = f"models:/{registered_name}/{version}" if version else f"runs:/{run_id}/model"
    return uri, version


@dataclass
class LoggedModel:
    """Where :func:`log_training` put a run: its id, the model URI and the registered version."""

    run_id: str
    model_uri: str
    version: str | None


def log_training(model: FramingModel, run: TrainingReport) -> LoggedModel:
    """Log a training run (:func:`framing.training.train`'s ``(model, report)``) as one MLflow run.

    Params, tags, metrics (the per-fold ones with their step), artifacts, figures, rejects, and the
    model as a pyfunc with its baseline and drift reference, registered when the report names a
    model. Nested under the open run, if any (a tuning study's parent run).
    """
    with start_run(run.experiment, run_name=run.run_name, tags=run.tags) as run_id:
        log_params(run.params)
        for path, content in run.artifacts.items():
            if isinstance(content, str):
                log_text(content, path)
            else:
                log_json(content, path)
        for name, value, step in run.step_metrics:
            log_metrics({name: value}, step=step)
        log_metrics(run.metrics)
        log_rejects(run.rejects)
        for path, figure in run.figures.items():
            log_figure(figure, path)
        model_uri, version = log_model(model, run.input_example, run.registered_name, reference=run.reference, baseline=run.baseline)
    return LoggedModel(run_id, model_uri, version)


def load_model(uri: str) -> Any:
    """Load a pyfunc model from ``models:/...``, ``runs:/...`` or a local model folder.

    Raises
    ------
    FramingError
        The URI names no model in the tracking store, or the folder holds no MLmodel file.
    """
    from mlflow.exceptions import MlflowException

    if not uri.startswith(("models:/", "runs:/")) and "://" not in uri:
        if not (Path(uri) / "MLmodel").is_file():
            raise FramingError(
                f"Got --model {uri!r}, expected models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/model "
                "or a folder with an MLmodel file."
            )
        return mlflow.pyfunc.load_model(uri)
    store = configure()
    try:
        return mlflow.pyfunc.load_model(uri)
    except MlflowException as exc:
        if exc.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise
        raise FramingError(
            f"Got --model {uri!r}, but the tracking store {store} has no such model ({exc.message.splitlines()[0]}). "
            "Check the name and version with framing ui, or set MLFLOW_TRACKING_URI to the store the model was logged to."
        ) from None


def load_baseline(uri: str) -> Any:
    """The fitted TF-IDF + LR baseline logged with a framing model, or ``None`` when it has none.

    The baseline is an artifact of the same pyfunc (``artifacts/baseline.joblib``, see
    :func:`log_model`); models logged before baselines travelled with them have none. Only the
    model's ``MLmodel`` file and the baseline itself are downloaded. A joblib pickle, like the
    pipeline: load models only from stores you trust.

    Raises
    ------
    FramingError
        As :func:`load_model`.
    """
    import joblib
    from mlflow.exceptions import MlflowException

    if uri.startswith(("models:/", "runs:/")) or "://" in uri:
        configure()
    try:
        meta = mlflow.models.Model.load(uri)
    except (MlflowException, OSError):
        load_model(uri)  # a URI that names no model: the same message as loading it would give
        raise
    entry = meta.flavors.get("python_function", {}).get("artifacts", {}).get("baseline")
    if entry is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = mlflow.artifacts.download_artifacts(artifact_uri=f"{uri.rstrip('/')}/{entry['path']}", dst_path=tmp)
        return joblib.load(path)


@dataclass
class LoadedModel:
    """A logged framing model, loaded: the model, its drift reference (or ``None``) and its uuid."""

    model: FramingModel
    reference: dict[str, Any] | None
    uuid: str | None


def load_framing(uri: str) -> LoadedModel:
    """The :class:`framing.model.FramingModel` inside a logged model, with its drift reference.

    Raises
    ------
    FramingError
        As :func:`load_model`, or the model was not logged by framing.
    """
    saved_path = list(sys.path)
    pyfunc = load_model(uri)
    # Loading prepends the model's copy of the framing package to sys.path; worker processes
    # inherit sys.path and must import the installed framing, the one this run is written in.
    sys.path[:] = saved_path
    inner = pyfunc.unwrap_python_model()
    # Models logged before framing.model existed keep theirs as ``pipeline`` (their own copy of
    # _model_code.py runs at load time).
    fitted = getattr(inner, "model", None) or getattr(inner, "pipeline", None)
    if fitted is None:
        raise FramingError(f"Got --model {uri!r}, but it is not a framing model (no pipeline inside its pyfunc).")
    from framing.model import FramingModel

    return LoadedModel(FramingModel.of(fitted), getattr(inner, "reference", None), pyfunc.metadata.model_uuid)


@dataclass
class ModelFiles:
    """A logged framing model's files on local disk, not loaded (a parent process of scoring workers)."""

    pipeline: str
    classes: list[str]
    reference: dict[str, Any] | None
    uuid: str | None


def model_files(uri: str, scratch: Path) -> ModelFiles:
    """A logged model's files on local disk (downloaded into ``scratch`` unless a local folder), unloaded.

    Raises
    ------
    FramingError
        As :func:`load_model`, or the model was not logged by framing.
    """
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    folder = Path(uri)
    if not (folder / "MLmodel").is_file():
        if not uri.startswith(("models:/", "runs:/")) and "://" not in uri:
            load_model(uri)  # raises the usual message about a folder without a model
        configure()
        try:
            folder = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(scratch)))
        except MlflowException:
            load_model(uri)  # raises the usual message naming the tracking store
            raise
    meta = Model.load(str(folder))
    artifacts = meta.flavors.get("python_function", {}).get("artifacts") or {}
    if "pipeline" not in artifacts or meta.signature is None:
        raise FramingError(f"Got --model {uri!r}, but it is not a framing model (no pipeline inside its pyfunc).")
    classes = [name[2:] for name in meta.signature.outputs.input_names() if name.startswith("p_")]
    reference = None
    if "reference" in artifacts:
        reference = json.loads((folder / artifacts["reference"]["path"]).read_text(encoding="utf-8"))
    return ModelFiles(str(folder / artifacts["pipeline"]["path"]), classes, reference, meta.model_uuid)


def spark_udf(spark: Any, uri: str, result_type: Any, explain: int) -> Any:
    """The logged model as a Spark UDF (``mlflow.pyfunc.spark_udf``, in this Python environment)."""
    import logging

    if uri.startswith(("models:/", "runs:/")):
        configure()
    # env_manager="local" is the point here (offline, same packages): not worth MLflow's warning.
    pyfunc_log = logging.getLogger("mlflow.pyfunc")
    level = pyfunc_log.level
    pyfunc_log.setLevel(logging.ERROR)
    try:
        return mlflow.pyfunc.spark_udf(spark, uri, result_type=result_type, env_manager="local", params={"explain": explain} if explain else None)
    finally:
        pyfunc_log.setLevel(level)


def ui_command(port: int, host: str = "127.0.0.1") -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the MLflow UI over the tracking store."""
    uri = tracking_uri()
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
