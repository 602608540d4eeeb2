"""``framing tune``: an Optuna study over a config's search space, tracked in MLflow.

The protocol is the one ``framing train`` follows, with the search inside it:

- the data are read, deduplicated and split once; every trial sees the training side only and is
  scored by its mean macro-F1 over the config's cross-validation folds (grouped or time-forward
  like the test split); the test split is read once, after the study, by the best configuration
  retrained on all training data;
- after each fold a trial reports its running score, so the pruner can stop a bad trial early;
- the study lives in a database (SQLite under ``mlruns/`` by default, any SQLAlchemy URL
  otherwise): re-running the same command continues it, several processes or machines can work on
  it at once, and a crash loses only the trials that were running;
- several processes agree through a lock in the study's database (a PostgreSQL advisory lock; for
  SQLite, an ``flock`` on a file beside it): a process starts a trial only while the study's
  finished plus running trials are fewer than the target, so the study ends with exactly the
  trials asked for; one process sets the study up; one retrains and registers the best trial,
  the others find its result. The kernel or the database server drops a lock when its holder dies.
- MLflow holds one parent run per study and one nested run per trial; the final model is
  registered and becomes the ``champion`` only if it beats the current champion on the same test
  data.

Reproducibility: with one worker, the same config, seed and data give the same trial sequence and
the same final metrics (seeded sampler, LightGBM's deterministic mode). A resumed study, and each
of several workers, seeds its sampler from the seed, the worker and the number of trials already
in the study: no two processes draw the same configurations, and a resumed study does not repeat
the ones it started with (its later trials can differ from an uninterrupted run's).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.config import Config, ConfigError, SearchDimension, flatten, with_values
from framing.errors import FramingError

if TYPE_CHECKING:
    import optuna

    from framing.training import BlendChoice, CrossValidation, TrainResult

__all__ = ["TuneResult", "TuneStatus", "default_storage", "tune"]

CHAMPION = "champion"
# The pruner and sampler are rebuilt on every run; these study attributes tie the study to its config.
_DIGEST = "framing.config_digest"
_PARENT = "framing.mlflow_run_id"
_FINAL = "framing.final"
_WORKER = "framing.worker"
_JOINED = "framing.processes"
# Consecutive failed trials (in one process) after which the study stops: a broken setup must not
# spin all night.
_MAX_FAILURES_IN_A_ROW = 5


@dataclass
class TuneStatus:
    """Where a study stands; passed to the progress callback after every finished trial."""

    target: int
    complete: int
    pruned: int
    failed: int
    running: int
    best_value: float | None
    best_trial: int | None
    elapsed: float
    eta: float | None
    last: str = ""

    @property
    def finished(self) -> int:
        return self.complete + self.pruned


@dataclass
class TuneResult:
    """What ``framing tune`` did; everything here is also in the study's MLflow parent run."""

    study_name: str
    storage: str
    parent_run_id: str
    status: TuneStatus
    best_params: dict[str, Any]
    default_value: float | None
    seconds: float
    final: TrainResult | None = None
    final_run_id: str | None = None
    champion: str = ""
    final_metrics: dict[str, float] = field(default_factory=dict)


def _say(message: str) -> None:
    from framing.training import _say as say

    say(message)


def default_storage() -> str:
    """``sqlite:///<cwd>/mlruns/optuna.db`` (an absolute path, so every worker finds the same file)."""
    home = Path("mlruns")
    home.mkdir(exist_ok=True)
    return f"sqlite:///{(home / 'optuna.db').resolve()}"


def _storage(url: str) -> optuna.storages.RDBStorage:
    import optuna
    from sqlalchemy.exc import ArgumentError

    engine_kwargs: dict[str, Any] = {}
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # Several worker processes write to one file: wait for the lock instead of failing.
        engine_kwargs = {"connect_args": {"timeout": 60}}
    try:
        # Heartbeats let any worker fail the trials of a worker that died on another machine.
        # Processes opening a new database together would race to create its tables.
        with _lock(url, "", "schema"), warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, heartbeat_interval=30, grace_period=120)
    except (ArgumentError, ImportError, ModuleNotFoundError) as exc:
        raise _unusable(url, exc) from None


def _unusable(url: str, exc: Exception) -> FramingError:
    """The message for a storage URL whose driver is missing or whose database cannot be reached."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        return FramingError(f"Got --storage {_shown(url)!r}, but the study database cannot be used: {str(exc).splitlines()[0]}")
    hint = " (pip install -e '.[postgres]')" if "psycopg" in str(exc) else ""
    return FramingError(
        f"Got --storage {_shown(url)!r}, expected an SQLAlchemy URL whose driver is installed, e.g. "
        f"sqlite:///mlruns/optuna.db or postgresql+psycopg2://user@host/db ({exc}){hint}."
    )


@contextmanager
def _lock(url: str, study_name: str, purpose: str) -> Iterator[None]:
    """Hold a lock shared by every process working on ``study_name`` in the database ``url``.

    PostgreSQL: a session advisory lock on its own connection (the server drops it when the
    connection does, however its process ends). SQLite: an ``flock`` on a file in
    ``<database>.locks/`` beside the database (the kernel drops it when its process dies); SQLite
    works on one machine anyway. Other databases: no lock (several processes may then overshoot
    the target by one trial each and both retrain the best).
    """
    from sqlalchemy.engine import make_url

    key = hashlib.sha256(f"framing.tune\0{study_name}\0{purpose}".encode()).digest()
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an unusable URL is reported by _storage
        yield
        return
    if parsed.get_backend_name() == "postgresql":
        import sqlalchemy
        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.pool import NullPool

        try:
            engine = sqlalchemy.create_engine(parsed, poolclass=NullPool)
            connection = engine.connect()
        except (ImportError, SQLAlchemyError) as exc:
            raise _unusable(url, exc) from None
        number = int.from_bytes(key[:8], "big", signed=True)
        try:
            with connection.execution_options(isolation_level="AUTOCOMMIT"):
                connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(:key)"), {"key": number})
                try:
                    yield
                finally:
                    connection.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:key)"), {"key": number})
        finally:
            engine.dispose()
    elif parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        import fcntl

        folder = Path(parsed.database).with_name(f"{Path(parsed.database).name}.locks")
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{purpose}-{key.hex()[:16]}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        yield


class _Claim:
    """The lock a process holds from "may I start a trial?" until the trial has recorded its process."""

    def __init__(self, url: str, study_name: str) -> None:
        self.url, self.study_name = url, study_name
        self._held: Any = None

    def __enter__(self) -> _Claim:
        self._held = _lock(self.url, self.study_name, "claim")
        self._held.__enter__()
        return self

    def release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)

    def __exit__(self, *exc: object) -> None:
        self.release()


def _shown(url: str) -> str:
    """The storage URL without its password (it goes into logs and MLflow tags)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is reported by _storage
        return url


def _encode(value: Any) -> Any:
    """Optuna's categorical values are scalars: lists (n-gram ranges) travel as JSON text."""
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def _value(trial: optuna.trial.FrozenTrial) -> float:
    """A complete trial's objective value (optuna types it optional: unfinished trials have none)."""
    if trial.value is None:
        raise FramingError(f"Trial {trial.number} is {trial.state.name} but has no value.")
    return float(trial.value)


def _suggest(trial: optuna.Trial, key: str, dimension: SearchDimension) -> Any:
    if dimension.int_range is not None:
        low, high = dimension.int_range
        return trial.suggest_int(key, low, high, step=int(dimension.step or 1), log=dimension.log)
    if dimension.float_range is not None:
        float_low, float_high = dimension.float_range
        return trial.suggest_float(key, float_low, float_high, step=dimension.step, log=dimension.log)
    choices = {_encode(c): c for c in dimension.choices or []}
    return choices[trial.suggest_categorical(key, list(choices))]


def _decoded(config: Config, params: dict[str, Any]) -> dict[str, Any]:
    """A trial's Optuna params back as config values."""
    out = {}
    for key, value in params.items():
        dimension = config.tune.space[key] if config.tune else None
        if dimension is not None and dimension.choices is not None:
            value = {_encode(c): c for c in dimension.choices}.get(value, value)
        out[key] = value
    return out


def _value_at(config: Config, key: str) -> Any:
    node: Any = config.model_dump(mode="json", by_alias=True)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _default_params(config: Config) -> dict[str, Any] | None:
    """The config's own values as Optuna params, or ``None`` when one lies outside the space."""
    params = {}
    for key, dimension in (config.tune.space if config.tune else {}).items():
        value = _value_at(config, key)
        if dimension.choices is not None:
            same = [c for c in dimension.choices if c == value and isinstance(c, bool) == isinstance(value, bool)]
            if not same:
                return None
            params[key] = _encode(same[0])
        else:
            low, high = dimension.int_range or dimension.float_range or (0, 0)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
                return None
            if dimension.step is not None and abs((value - low) / dimension.step - round((value - low) / dimension.step)) > 1e-9:
                return None  # between two points of the grid
            params[key] = value
    return params


def _digest(config: Config, fingerprint: str) -> str:
    """What a study's trials depend on: data, protocol, base pipeline, space, sampler, pruner.

    Files are represented by their contents, not their paths: the same study continues from
    another folder or checkout, and an edited lexicon or gazetteer is a different study.
    """
    from framing.config import RESOURCE_KEYS

    tree = config.model_dump(
        mode="json",
        by_alias=True,
        exclude={"name": True, "tune": {"trials", "timeout"}, "tracking": True, "evaluation": True, "scoring": True, "model": {"n_jobs"}},
    )
    tree["data"].pop("paths", None)  # the fingerprint stands for the data
    for keys in RESOURCE_KEYS:
        node = tree
        for key in keys[:-1]:
            node = node.get(key, {})
        if isinstance(node.get(keys[-1]), str):
            node[keys[-1]] = _content_digest(Path(node[keys[-1]]))
    text = json.dumps({"config": tree, "data": fingerprint}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _content_digest(path: Path) -> str:
    """SHA-256 over a file, or over a folder's files (names relative to it, sorted)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode("utf-8"))
        digest.update(file.read_bytes() if file.is_file() else b"(missing)")
    return digest.hexdigest()[:16]


def _ids_digest(ids: list[Any]) -> str:
    return hashlib.sha256("\n".join(sorted(map(str, ids))).encode("utf-8")).hexdigest()


@dataclass
class _Task:
    """Everything a worker process needs (pickled once per worker)."""

    config: Config
    texts: list[str]
    y: np.ndarray
    ids: list[Any]
    classes: list[str]
    folds: list[Any]
    storage: str
    study_name: str
    parent_run_id: str
    target: int
    timeout: float | None
    n_jobs: int | None
    # Seeds this process's sampler (see _sampler): 0 for a fresh single-process study.
    salt: tuple[int, ...] = ()
    # The training side's group and date columns (the stacked text scores' inner folds follow the
    # split), and its texts as the run cleaned them once, reused by every trial that cleans alike.
    keys: Any = None
    cleaned: list[Any] | None = None
    cleaned_with: dict[str, Any] | None = None


class _Objective:
    """One trial: a config from the space, cross-validated on the training side, in a nested run."""

    def __init__(self, task: _Task, started: Callable[[], None] | None = None) -> None:
        self.task = task
        # Called once the trial has recorded its process: other processes may start trials again.
        self.started = started

    def __call__(self, trial: optuna.Trial) -> float:
        import optuna

        from framing import track
        from framing.training import choose_blend, cross_validate

        task, config = self.task, self.task.config
        assert config.tune is not None  # tune() checks it
        trial.set_user_attr(_WORKER, f"{socket.gethostname()}:{os.getpid()}")
        if self.started is not None:
            self.started()
        values = {key: _suggest(trial, key, dimension) for key, dimension in config.tune.space.items()}
        tags = {"framing.kind": "trial", "framing.study": task.study_name, "framing.trial": str(trial.number)}
        pruned: optuna.TrialPruned | None = None
        with track.start_run(config.tracking.experiment, run_name=f"trial {trial.number}", tags=tags, parent_run_id=task.parent_run_id) as run_id:
            trial.set_user_attr("framing.mlflow_run_id", run_id)
            track.log_params(values)
            try:
                trial_config = with_values(config, values | ({"model.n_jobs": task.n_jobs} if task.n_jobs else {}))
            except ConfigError as exc:
                track.set_tag("framing.trial_state", "FAIL")
                trial.set_user_attr("framing.error", str(exc))
                raise
            use_running_mean = config.tune.pruner.kind in ("median", "percentile")

            def fold_done(number: int, score: float) -> None:
                scores.append(score)
                track.log_metrics({"cv_macro_f1": score}, step=number)
                trial.report(float(np.mean(scores)) if use_running_mean else score, step=number)
                if number < len(task.folds) and trial.should_prune():  # a fully scored trial is kept
                    raise optuna.TrialPruned(f"pruned after fold {number} of {len(task.folds)}")

            scores: list[float] = []
            track.log_json(
                [
                    {
                        "fold": k,
                        "n_train": len(f.train),
                        "n_validation": len(f.test),
                        "train_ids_sha256": _ids_digest([task.ids[i] for i in f.train]),
                        "validation_ids_sha256": _ids_digest([task.ids[i] for i in f.test]),
                    }
                    for k, f in enumerate(task.folds, start=1)
                ],
                "folds.json",
            )
            try:
                from framing.pipeline import stack_groups

                groups = stack_groups(task.keys, trial_config.split, trial_config.features.text_scores.inner_folds) if task.keys is not None else None
                cleaned = task.cleaned if trial_config.clean.model_dump() == task.cleaned_with else None
                cv = cross_validate(trial_config, task.texts, task.y, task.classes, task.folds, groups=groups, cleaned=cleaned, on_fold=fold_done)
                # Scored as the run would use it: blended as the out-of-fold predictions choose.
                blend = choose_blend(trial_config, cv, task.y, task.classes)
                track.log_metrics({"cv_blend_lightgbm_weight": blend.weight, "cv_blend_macro_f1_mean": float(np.mean(blend.scores))})
                value = _objective_value(trial_config, blend, cv, task)
            except optuna.TrialPruned as exc:
                pruned = exc
                track.set_tag("framing.trial_state", "PRUNED")
                track.log_metrics({"cv_macro_f1_mean": float(np.mean(scores)), "cv_folds_done": len(scores)})
            except Exception as exc:
                track.set_tag("framing.trial_state", "FAIL")
                trial.set_user_attr("framing.error", f"{type(exc).__name__}: {exc}")
                raise
            else:
                track.set_tag("framing.trial_state", "COMPLETE")
                track.log_metrics({"cv_macro_f1_mean": float(np.mean(scores)), "cv_objective": value, "cv_folds_done": len(scores)})
        if pruned is not None:
            raise pruned
        return value


def _objective_value(config: Config, blend: BlendChoice, cv: CrossValidation, task: _Task) -> float:
    """Mean fold macro-F1 of the model as the run would fit it: blended with the weight the other
    folds choose and, with calibration, calibrated on the other folds only (time-forward folds:
    the earlier folds; the first keeps LightGBM alone, uncalibrated)."""
    if config.calibration.method in ("none", "temperature"):  # temperature never moves the argmax
        return float(np.mean(blend.scores))
    from framing.calibration import Calibrator
    from framing.evaluate import classification_metrics
    from framing.training import choose_blend_on, other_folds_rows

    names = np.asarray(task.classes, dtype=object)
    calibrated = []
    for k, fold in enumerate(task.folds):
        others = other_folds_rows(task.folds, k, config.split.kind == "time")
        if not len(others):
            calibrated.append(blend.scores[k])
            continue
        weight = choose_blend_on(config, cv, task.y, task.classes, others)
        oof = cv.oof if cv.oof_stacker is None else weight * cv.oof + (1 - weight) * cv.oof_stacker
        calibrator = Calibrator(task.classes, config.calibration.method).fit(oof[others], task.y[others])
        proba = calibrator.predict_proba(oof[fold.test])
        calibrated.append(classification_metrics(task.y[fold.test], names[proba.argmax(axis=1)], task.classes)["macro_f1"])
    return float(np.mean(calibrated))


def _sampler(config: Config, salt: tuple[int, ...] = ()) -> optuna.samplers.BaseSampler:
    """The configured sampler, seeded by ``seed`` (and ``salt``: worker, trials already run)."""
    import optuna

    assert config.tune is not None
    seed = config.seed if not any(salt) else int(np.random.SeedSequence([config.seed, *salt]).generate_state(1)[0])
    if config.tune.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=config.tune.startup_trials)


def _pruner(config: Config) -> optuna.pruners.BasePruner:
    import optuna

    assert config.tune is not None
    p = config.tune.pruner
    if p.kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=p.startup_trials, n_warmup_steps=p.warmup_folds)
    if p.kind == "percentile":
        return optuna.pruners.PercentilePruner(p.percentile, n_startup_trials=p.startup_trials, n_warmup_steps=p.warmup_folds)
    if p.kind == "wilcoxon":
        return optuna.pruners.WilcoxonPruner(p_threshold=p.p_threshold, n_startup_steps=p.warmup_folds)
    return optuna.pruners.NopPruner()


def _load_study(task: _Task) -> optuna.Study:
    import optuna

    return optuna.load_study(study_name=task.study_name, storage=_storage(task.storage), sampler=_sampler(task.config, task.salt), pruner=_pruner(task.config))


class _StopWhenBroken:
    """Stop the study after several failed trials in a row in this process."""

    def __init__(self) -> None:
        self.in_a_row = 0
        self.error = ""

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        from optuna.trial import TrialState

        if trial.state == TrialState.FAIL:
            self.in_a_row += 1
            self.error = str(trial.user_attrs.get("framing.error", "unknown error"))
            if self.in_a_row >= _MAX_FAILURES_IN_A_ROW:
                study.stop()
        else:
            self.in_a_row = 0


def _optimize(task: _Task, callback: Callable[[optuna.Study], None] | None = None, report: Callable[[str], None] = _say) -> str:
    """Run trials on the study until it has ``task.target`` finished ones (or the timeout).

    A trial starts only under the study's claim lock, and only while finished plus running trials
    are fewer than the target: however many processes share the study, it ends with the target.
    While the others' last trials run, this process waits (one of them may fail and need redoing).

    Returns the last error when the study was stopped by repeated failures, else an empty string.
    """
    import optuna
    from optuna.trial import TrialState

    from framing import track

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    track.configure()
    study = _load_study(task)
    guard = _StopWhenBroken()
    callbacks: list[Any] = [guard]
    if callback is not None:
        callbacks.append(lambda s, _t: callback(s))
    claim = _Claim(task.storage, task.study_name)
    objective = _Objective(task, started=claim.release)
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*deterministic.*")
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        while guard.in_a_row < _MAX_FAILURES_IN_A_ROW and (task.timeout is None or time.monotonic() - started < task.timeout):
            with claim:
                optuna.storages.fail_stale_trials(study)
                _fail_dead_trials(study, report, unrecorded=True)
                trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING))
                finished = sum(t.state != TrialState.RUNNING for t in trials)
                if finished >= task.target:
                    break
                if len(trials) < task.target:
                    # ask() creates the trial under the claim; the objective releases it.
                    study.optimize(objective, n_trials=1, catch=(Exception,), callbacks=callbacks)
                    continue
            time.sleep(1.0)  # the target is reached if the running trials finish: wait for them
    return guard.error if guard.in_a_row >= _MAX_FAILURES_IN_A_ROW else ""


def _worker(task: _Task) -> None:
    """Entry point of a worker process (``--workers K``)."""
    from framing._memory import release_large_blocks

    release_large_blocks()  # spawned: the parent's malloc setting does not carry over
    error = _optimize(task)
    if error:
        raise SystemExit(f"stopped after {_MAX_FAILURES_IN_A_ROW} failed trials in a row; last error: {error}")


def _finished(study: optuna.Study) -> int:
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))


def _status(study: optuna.Study, target: int, started: float, finished_before: int) -> TuneStatus:
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    count = {state: sum(t.state == state for t in trials) for state in TrialState}
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    best = max(complete, key=lambda t: (t.value, -t.number)) if complete else None
    finished = count[TrialState.COMPLETE] + count[TrialState.PRUNED]
    elapsed = time.perf_counter() - started
    done_here = finished - finished_before
    eta = elapsed / done_here * max(target - finished, 0) if done_here > 0 else None
    last = ""
    ended = [t for t in trials if t.state.is_finished()]
    if ended:
        t = max(ended, key=lambda t: t.datetime_complete or t.datetime_start or datetime.min)
        if t.state == TrialState.PRUNED:
            last = f"trial {t.number} pruned after fold {t.last_step}"
        else:
            last = f"trial {t.number} {t.state.name.lower()}" + (f" {t.value:.3f}" if t.value is not None else "")
    return TuneStatus(
        target=target,
        complete=count[TrialState.COMPLETE],
        pruned=count[TrialState.PRUNED],
        failed=count[TrialState.FAIL],
        running=count[TrialState.RUNNING],
        best_value=best.value if best else None,
        best_trial=best.number if best else None,
        elapsed=elapsed,
        eta=eta,
        last=last,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fail_dead_trials(study: optuna.Study, report: Callable[[str], None], *, unrecorded: bool = False) -> None:
    """Mark as failed the running trials of processes on this host that no longer exist.

    With ``unrecorded`` (the caller holds the claim lock), also the running trials that have not
    recorded their process: a trial records it before its process lets go of the claim, so such a
    trial's process died in between. (Trials of dead workers on other machines fail by heartbeat
    after the grace period.)
    """
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    host = socket.gethostname()
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = trial.user_attrs.get(_WORKER)
        worker_host, _, pid = str(worker or "").rpartition(":")
        if worker is None and unrecorded:
            message = f"trial {trial.number} was started by a process that died before it recorded itself: marked failed"
        elif worker_host == host and pid.isdigit() and not _alive(int(pid)):
            message = f"trial {trial.number} was running in a process that no longer exists (pid {pid}): marked failed"
        else:
            continue
        try:
            study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)  # no public API for this
        except UpdateFinishedTrialError:
            continue  # it finished after all
        report(message)


def _wait_for_running(study: optuna.Study, report: Callable[[str], None]) -> None:
    """Wait until no trial of the study runs (the others' last ones), failing those of dead processes."""
    import optuna
    from optuna.trial import TrialState

    said = False
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        _fail_dead_trials(study, report)
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if not running:
            return
        if not said:
            report(f"waiting for {len(running)} trial(s) running in other processes: {', '.join(str(t.number) for t in running)}")
            said = True
        time.sleep(1.0)


def _close_orphan_runs(study: optuna.Study, parent_run_id: str) -> None:
    """End the MLflow runs of failed trials (killed here, or by heartbeat elsewhere) left RUNNING."""
    from optuna.trial import TrialState

    from framing import track

    failed = {str(t.number) for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,))}
    for run_id, tags in track.open_child_runs(parent_run_id).items():
        if tags.get("framing.kind") == "trial" and tags.get("framing.trial") in failed:
            track.set_run_status(run_id, "KILLED")


def _spawn(task: _Task, workers: int, on_change: Callable[[optuna.Study], None]) -> list[int]:
    """Run ``workers`` processes on the study; poll it for progress; return their exit codes."""
    import multiprocessing
    from dataclasses import replace

    context = multiprocessing.get_context("spawn")  # no fork after MLflow/SQLAlchemy threads exist
    processes = [context.Process(target=_worker, args=(replace(task, salt=(*task.salt, k + 1)),), name=f"framing-tune-{k}") for k in range(workers)]
    for process in processes:
        process.start()
    study = _load_study(task)
    seen = -1
    try:
        while any(p.is_alive() for p in processes):
            time.sleep(1.0)
            ended = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))
            if ended != seen:
                seen = ended
                on_change(study)
    except KeyboardInterrupt:
        # The workers got the same Ctrl-C (one process group): give them time to record their
        # trials as failed, then stop any that is still running.
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
        raise
    for process in processes:
        process.join()
    on_change(study)
    return [p.exitcode or 0 for p in processes]


def tune(
    config: Config,
    *,
    config_path: str | Path | None = None,
    trials: int | None = None,
    timeout: float | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    workers: int = 1,
    report: Callable[[str], None] = _say,
    progress: Callable[[TuneStatus], None] | None = None,
) -> TuneResult:
    """Run (or continue) the config's Optuna study, then retrain, evaluate and register the best.

    Parameters
    ----------
    config
        A validated config with a ``tune`` section.
    trials
        Finished (complete or pruned) trials the study should have; default ``tune.trials``.
        Re-running with the same number continues an interrupted study up to it.
    timeout
        Stop starting new trials after this many seconds (per worker); default ``tune.timeout``.
    storage
        SQLAlchemy URL of the study database; default SQLite under ``mlruns/``.
    study_name
        Default: the config's ``name``.
    workers
        Local processes working on the study; each runs LightGBM on ``cores // workers`` threads.
    report, progress
        Receive progress lines, and a :class:`TuneStatus` after every finished trial.

    Returns
    -------
    TuneResult

    Raises
    ------
    FramingError
        No ``tune`` section; the study exists with a different config or data; no trial completed;
        the storage URL cannot be used.
    """
    import optuna
    import yaml
    from optuna.trial import TrialState

    from framing import track
    from framing.evaluate import cv_splits
    from framing.training import code_version, prepare, split_manifest

    if config.tune is None:
        raise FramingError(
            f"Got a config without a tune section ({config_path or config.name}), expected tune.space with the "
            "keys to search, e.g. tune: {space: {model.learning_rate: {float: [0.01, 0.3], log: true}}} (see configs/stance.yaml)."
        )
    if config.split.cv_folds < 2:
        raise FramingError(f"Got split.cv_folds={config.split.cv_folds}, expected 2 or more: tuning scores each trial on the cross-validation folds.")
    if workers < 1:
        raise FramingError(f"Got --workers {workers}, expected 1 or more.")
    started = time.perf_counter()
    target = trials if trials is not None else config.tune.trials
    if target < 1:
        raise FramingError(f"Got --trials {target}, expected 1 or more.")
    timeout = timeout if timeout is not None else config.tune.timeout
    storage = storage or default_storage()
    study_name = study_name or config.name

    data = prepare(config, report=report, config_path=config_path)
    records, y, classes, split = data.records, data.y, data.classes, data.split
    train_records, test_records = records.iloc[split.train].reset_index(drop=True), records.iloc[split.test].reset_index(drop=True)
    y_train = y[split.train]
    folds = cv_splits(train_records, y_train, config.split, config.seed)
    fingerprint = data.corpus.fingerprint()
    digest = _digest(config, fingerprint)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from sqlalchemy.exc import SQLAlchemyError

    tags = {"framing.kind": "tune", "framing.study": study_name, "framing.storage": _shown(storage), "framing.head": config.data.label or ""}
    tags |= {f"framing.{k}": v for k, v in code_version().items()}
    # One process at a time sets the study up: one parent run, one reference trial, distinct seeds.
    with _lock(storage, study_name, "setup"):
        try:
            study = optuna.create_study(storage=_storage(storage), study_name=study_name, direction="maximize", load_if_exists=True)
        except SQLAlchemyError as exc:
            raise _unusable(storage, exc) from None
        known = study.user_attrs.get(_DIGEST)
        if known is None:
            study.set_user_attr(_DIGEST, digest)
        elif known != digest:
            raise FramingError(
                f"Study {study_name!r} in {_shown(storage)} was started with a different config or data (digest {known}, now {digest}). "
                "Give --study a new name to start another study, or restore the config it was started with."
            )
        finished_before = _finished(study)
        report(f"study {study_name!r} in {_shown(storage)}: {finished_before} finished trial(s), target {target}")
        _fail_dead_trials(study, report)

        parent_id = study.user_attrs.get(_PARENT)
        resumed = bool(parent_id and track.run_exists(parent_id))
        if not resumed:
            parent_id = track.create_run(config.tracking.experiment, f"tune {study_name}", tags)
            study.set_user_attr(_PARENT, parent_id)
        reference_states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
        has_reference = any(t.user_attrs.get("framing.default") and t.state in reference_states for t in study.trials)
        if config.tune.enqueue_default and not has_reference:
            default = _default_params(config)
            if default is not None:
                study.enqueue_trial(default, user_attrs={"framing.default": True})
            else:
                report("the config's own values are not all inside tune.space: no untuned reference trial")
        # The trials already there and how many processes joined before this one: a resumed study
        # draws anew, two processes starting together draw apart (and --workers appends the worker).
        joined = int(study.user_attrs.get(_JOINED, 0))
        study.set_user_attr(_JOINED, joined + 1)
        salt = (len(study.trials), joined)

    with track.start_run(config.tracking.experiment, run_name=f"tune {study_name}", run_id=parent_id) as parent_id:
        if not resumed:
            resolved = config.model_dump(mode="json", by_alias=True)
            track.log_params(flatten(resolved) | {"data.fingerprint": fingerprint, "model.classes": ", ".join(classes)})
            track.log_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True), "config/resolved.yaml")
            if config_path is not None:
                track.log_text(Path(config_path).read_text(encoding="utf-8"), f"config/{Path(config_path).name}")
            # The folds every trial is scored on, and the test rows no trial reads.
            track.log_json(split_manifest(config, train_records, test_records, folds), "data/split_manifest.json")
            track.log_rejects(data.corpus.rejects)
        else:
            report(f"continuing MLflow run {parent_id}")
            _close_orphan_runs(study, parent_id)

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        n_jobs = max(1, min(config.model.n_jobs if config.model.n_jobs > 0 else cores, cores // workers)) if workers > 1 else None
        from framing.training import _texts

        key_columns = [c for c in (config.split.group_column, config.split.time_column) if c in train_records]
        task = _Task(
            config,
            _texts(train_records),
            y_train,
            train_records["id"].tolist(),
            classes,
            folds,
            storage,
            study_name,
            parent_id,
            target,
            timeout,
            n_jobs,
            salt,
            keys=train_records[key_columns] if key_columns else None,
            cleaned=data.cleaned_for(config, split.train),
            cleaned_with=data.cleaned_with,
        )

        def changed(current: optuna.Study) -> None:
            if progress is not None:
                progress(_status(current, target, started, finished_before))

        changed(study)
        if finished_before < target:
            if workers == 1:
                error = _optimize(task, changed, report)
                if error:
                    raise FramingError(f"Stopped after {_MAX_FAILURES_IN_A_ROW} failed trials in a row; last error: {error}")
            else:
                codes = _spawn(task, workers, changed)
                for k, code in enumerate(codes):
                    if code:
                        report(f"worker {k} exited with code {code}; its running trial is lost, the others' are kept")
        study = _load_study(task)
        _wait_for_running(study, report)
        status = _status(study, target, started, finished_before)
        # Processes finishing together: the first retrains and registers, the others find its result.
        with _lock(storage, study_name, "final"):
            result = _finish(study, config, config_path, status, data, test_records, y[split.test], classes, report)
        result.parent_run_id, result.study_name, result.storage = parent_id, study_name, _shown(storage)
        result.seconds = time.perf_counter() - started
        track.log_metrics({"tune_seconds": result.seconds})
    return result


def _finish(
    study: optuna.Study,
    config: Config,
    config_path: str | Path | None,
    status: TuneStatus,
    data: Any,
    test_records: Any,
    y_test: np.ndarray,
    classes: list[str],
    report: Callable[[str], None],
) -> TuneResult:
    """Log the study's plots and table; retrain the best trial's config, evaluate it, crown it."""
    import yaml
    from optuna.trial import TrialState

    from framing import track
    from framing.training import train_and_log

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise FramingError(f"No trial of study {study.study_name!r} completed ({status.pruned} pruned, {status.failed} failed): nothing to retrain.")
    best = max(complete, key=lambda t: (t.value, -t.number))
    default = next((t for t in complete if t.user_attrs.get("framing.default")), None)
    best_params = _decoded(config, best.params)
    metrics = {
        "tune_trials_complete": status.complete,
        "tune_trials_pruned": status.pruned,
        "tune_trials_failed": status.failed,
        "tune_best_cv_macro_f1": _value(best),
    }
    if default is not None:
        metrics["tune_default_cv_macro_f1"] = _value(default)
    track.log_metrics(metrics)
    track.set_tag("framing.best_trial", str(best.number))
    track.log_text(study.trials_dataframe().to_csv(index=False), "trials.csv")
    _log_plots(study, report)
    result = TuneResult(
        study_name=study.study_name,
        storage="",
        parent_run_id="",
        status=status,
        best_params=best_params,
        default_value=_value(default) if default else None,
        seconds=0.0,
    )

    final = study.user_attrs.get(_FINAL) or {}
    if final.get("trial") == best.number and track.run_exists(final.get("run_id", "")):
        report(f"best trial {best.number} was already retrained and evaluated (run {final['run_id']}); nothing more to do")
        result.final_run_id, result.champion = final["run_id"], final.get("champion", "")
        result.final_metrics = final.get("metrics", {})
        return result

    best_config = with_values(config, best_params).model_copy(update={"name": f"{config.name}-trial-{best.number}"})
    track.log_text(yaml.safe_dump(best_config.model_dump(mode="json", by_alias=True), sort_keys=False, allow_unicode=True), "best_config.yaml")
    report(f"best trial {best.number}: CV macro-F1 {best.value:.3f}; retraining it on all training data, then the test split")
    # The split the trials saw, even if the best trial's cleaning would deduplicate differently.
    trained = train_and_log(best_config, config_path=config_path, report=lambda line: report(f"  [best] {line}"), prepared=data)
    champion = _crown(config, trained, test_records, y_test, classes, report)
    shown = ("test_macro_f1", "test_macro_f1_low", "test_macro_f1_high", "baseline_tfidf_lr_test_macro_f1", "test_macro_f1_margin_over_baseline")
    final_metrics = {k: float(trained.metrics[k]) for k in shown if np.isfinite(trained.metrics.get(k, np.nan))}
    track.log_metrics({f"best_{k}": v for k, v in final_metrics.items()})
    track.set_tag("framing.champion", champion)
    track.set_tag("framing.best_run_id", trained.run_id)
    study.set_user_attr(_FINAL, {"trial": best.number, "run_id": trained.run_id, "champion": champion, "metrics": final_metrics})
    result.final, result.final_run_id, result.champion, result.final_metrics = trained, trained.run_id, champion, final_metrics
    return result


def _crown(config: Config, trained: TrainResult, test_records: Any, y_test: np.ndarray, classes: list[str], report: Callable[[str], None]) -> str:
    """Give the new version the ``champion`` alias if it beats the current one on this test split."""
    import pandas as pd

    from framing import track
    from framing.evaluate import classification_metrics

    name = config.tracking.model_name
    if trained.model_version is None:
        message = "not registered (tracking.register_model is false): champion unchanged"
        report(message)
        return message
    frame = pd.DataFrame({"text": test_records["text"].tolist()})
    if "title" in test_records and test_records["title"].notna().any():
        # The headlines the model was evaluated with (its title text score) travel as the pyfunc's title column.
        frame["title"] = test_records["title"].tolist()

    def score(version: str) -> float:
        labels = track.load_model(f"models:/{name}/{version}").predict(frame)["label"].astype(str).to_numpy()
        return classification_metrics(y_test, labels, classes)["macro_f1"]

    new = score(trained.model_version)
    current = track.alias_version(name, CHAMPION)
    if current is None:
        track.set_alias(name, CHAMPION, trained.model_version)
        message = f"{name} version {trained.model_version} is the first champion (test macro-F1 {new:.3f})"
    else:
        try:
            old = score(current)
        except Exception as exc:  # noqa: BLE001 - the study's result must not be lost to an old model
            message = f"champion unchanged: version {current} could not be scored on this test split ({type(exc).__name__}: {exc}); move the alias by hand if version {trained.model_version} should replace it"
            report(message)
            return message
        if new > old:
            track.set_alias(name, CHAMPION, trained.model_version)
            message = f"{name} version {trained.model_version} is the new champion: test macro-F1 {new:.3f} beats version {current}'s {old:.3f} on the same test split"
        else:
            message = f"champion unchanged: version {current} keeps it (test macro-F1 {old:.3f}; new version {trained.model_version}: {new:.3f}, same test split)"
        track.log_metrics({"champion_previous_test_macro_f1": old})
    report(message)
    return message


def _log_plots(study: optuna.Study, report: Callable[[str], None]) -> None:
    """Optuna's own plots as artifacts of the parent run (each skipped, with a note, if it cannot be drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import optuna.visualization.matplotlib as plots
    from optuna.exceptions import ExperimentalWarning

    from framing import track

    for name, draw in (
        ("optimization_history", plots.plot_optimization_history),
        ("param_importances", plots.plot_param_importances),
        ("slice", plots.plot_slice),
        ("intermediate_values", plots.plot_intermediate_values),
    ):
        with warnings.catch_warnings():
            # Experimental-API notices, and axis-limit notices when a parameter was tried at one value.
            warnings.simplefilter("ignore", ExperimentalWarning)
            warnings.simplefilter("ignore", UserWarning)
            try:
                axes = draw(study)
            except (ValueError, RuntimeError, ZeroDivisionError) as exc:
                report(f"plot {name} skipped: {exc}")
                continue
            figure = (axes.ravel()[0] if isinstance(axes, np.ndarray) else axes).get_figure(root=True)
            if figure is None:  # optuna draws on a new figure; an axes without one has nothing to log
                report(f"plot {name} skipped: no figure")
                continue
            width, height = figure.get_size_inches()
            figure.set_size_inches(max(width, 9), max(height, 5))
            if name != "slice":  # the slice plot places its own colour bar
                figure.tight_layout()  # room for the long config keys on the axes
            track.log_figure(figure, f"plots/{name}.png")
