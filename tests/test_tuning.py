"""framing tune: nested runs, resume after a kill, shared studies, no test-split reads, champion alias.

Every study runs 2-4 trials of a small model on 70 demo articles, with MLflow and the study
database under tmp.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import yaml
from conftest import ROOT, SMALL_MODEL, demo_slice, write_jsonl
from mlflow.tracking import MlflowClient
from optuna.trial import TrialState

from framing import track
from framing.config import load_config
from framing.errors import FramingError
from framing.tuning import tune

SMALL = [
    *SMALL_MODEL,
    "split.cv_folds=3",
    "evaluation.bootstrap=0",
    "evaluation.leakage_probe=false",
    "evaluation.masking_probe=false",
    "tune.startup_trials=2",
    "tune.pruner={kind: none}",
    "tune.space={model.num_leaves: {int: [2, 8]}, model.learning_rate: {float: [0.05, 0.3], log: true}, features.text_scores.C: {float: [0.01, 10.0], log: true}}",
]
# Leaves need more articles than there are: no tree can split, every article gets the same label.
# LightGBM that cannot split, and no stacker to make up for it.
WEAK = ["tune.space={model.min_child_samples: {int: [500, 1000]}}", "model.min_child_samples=500", "blend.enabled=false"]


@pytest.fixture(scope="module")
def data_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("data") / "slice.jsonl", demo_slice().to_dict(orient="records"))


def _config(data_path: Path, *extra: str):  # noqa: ANN202
    return load_config(ROOT / "configs" / "stance.yaml", [*SMALL, f"data.paths={data_path}", *extra])


def _config_file(config, path: Path) -> Path:  # noqa: ANN001
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", by_alias=True), sort_keys=False), encoding="utf-8")
    return path


def _trials(storage: str, name: str) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name=name, storage=storage).get_trials()


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path}/mlruns/mlflow.db", PYTHONUNBUFFERED="1")


@pytest.fixture(scope="module")
def study(data_path: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """One finished 3-trial study (the first trial is the config as written)."""
    home = tmp_path_factory.mktemp("tune")
    uri, storage = f"sqlite:///{home}/mlflow.db", f"sqlite:///{home}/optuna.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        lines: list[str] = []
        statuses = []
        result = tune(_config(data_path), trials=3, storage=storage, report=lines.append, progress=statuses.append)
        yield result, uri, storage, lines, statuses


@pytest.mark.slow
def test_trials_are_nested_runs_of_the_study_run(study) -> None:  # noqa: ANN001
    result, uri, storage, _lines, statuses = study
    client = MlflowClient(tracking_uri=uri)
    parent = client.get_run(result.parent_run_id)
    assert parent.data.tags["framing.kind"] == "tune"
    assert parent.data.metrics["tune_trials_complete"] == 3
    children = client.search_runs([parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{result.parent_run_id}'")
    trial_runs = {r.data.tags["framing.trial"]: r for r in children if r.data.tags.get("framing.kind") == "trial"}
    assert sorted(trial_runs) == ["0", "1", "2"]
    for trial in _trials(storage, "stance"):
        run = trial_runs[str(trial.number)]
        assert run.info.status == "FINISHED"
        assert run.data.tags["framing.trial_state"] == "COMPLETE"
        assert run.data.metrics["cv_objective"] == pytest.approx(trial.value)
        assert run.data.params["model.num_leaves"] == str(trial.params["model.num_leaves"])
        assert [m.step for m in client.get_metric_history(run.info.run_id, "cv_macro_f1")] == [1, 2, 3]
    # The best configuration is retrained in a child run of the same parent, and registered.
    assert result.final_run_id in {r.info.run_id for r in children}
    assert result.final.model_version == "1"
    assert [a.path for a in client.list_artifacts(result.parent_run_id, "plots")] == [
        "plots/intermediate_values.png",
        "plots/optimization_history.png",
        "plots/param_importances.png",
        "plots/slice.png",
    ]
    assert [s.finished for s in statuses] == [0, 1, 2, 3]  # at the start, then after each trial
    assert statuses[-1].best_value == pytest.approx(max(t.value for t in _trials(storage, "stance")))


@pytest.mark.slow
def test_first_trial_is_the_untuned_config(study, data_path: Path) -> None:  # noqa: ANN001
    result, _uri, storage, _lines, _statuses = study
    first = _trials(storage, "stance")[0]
    assert first.params == {"model.num_leaves": 4, "model.learning_rate": 0.05, "features.text_scores.C": 0.5}
    assert first.user_attrs["framing.default"] is True
    assert result.default_value == pytest.approx(first.value)


@pytest.mark.slow
def test_trials_never_read_the_test_split(data_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text a trial fits or scores on is recorded, and none is from the manifest's test side."""
    import framing.training

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    seen: list[str] = []
    real = framing.training.cross_validate

    def recording(config, texts, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.extend(texts)
        return real(config, texts, *args, **kwargs)

    monkeypatch.setattr(framing.training, "cross_validate", recording)
    storage = f"sqlite:///{tmp_path}/optuna.db"
    result = tune(_config(data_path, "tracking.register_model=false"), trials=2, storage=storage, report=lambda line: None)
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    manifest = json.loads(Path(client.download_artifacts(result.parent_run_id, "data/split_manifest.json")).read_text())
    text_of = {row["id"]: row["text"] for row in map(json.loads, data_path.read_text(encoding="utf-8").splitlines())}
    test_texts = {text_of[row["id"]] for row in manifest["test"]}
    train_texts = {text_of[row["id"]] for row in manifest["train"]}
    # 2 trials + the retrained best (its own cross-validation): 3 calls, each on the training side.
    assert len(seen) == 3 * len(train_texts)
    assert set(seen) == train_texts and test_texts and not test_texts & set(seen)


@pytest.mark.slow
def test_trials_are_scored_on_the_manifest_folds(study) -> None:  # noqa: ANN001
    result, uri, storage, _lines, _statuses = study
    client = MlflowClient(tracking_uri=uri)
    manifest = json.loads(Path(client.download_artifacts(result.parent_run_id, "data/split_manifest.json")).read_text())
    test_ids = {row["id"] for row in manifest["test"]}
    train_ids = {row["id"] for row in manifest["train"]}
    assert test_ids and not test_ids & train_ids

    def digest(ids: list[str]) -> str:
        return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()

    expected = [
        {"fold": k, "n_train": len(f["train_ids"]), "n_validation": len(f["validation_ids"]), "train_ids_sha256": digest(f["train_ids"]), "validation_ids_sha256": digest(f["validation_ids"])}
        for k, f in enumerate(manifest["folds"], start=1)
    ]
    for fold in manifest["folds"]:
        assert not test_ids & (set(fold["train_ids"]) | set(fold["validation_ids"]))
        assert set(fold["train_ids"]) | set(fold["validation_ids"]) == train_ids
    for trial in _trials(storage, "stance"):
        logged = json.loads(Path(client.download_artifacts(trial.user_attrs["framing.mlflow_run_id"], "folds.json")).read_text())
        assert logged == expected


@pytest.mark.slow
def test_same_config_and_seed_give_the_same_trials_and_final_metrics(study, data_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    result, _uri, storage, _lines, _statuses = study
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    again = tune(_config(data_path), trials=3, storage=f"sqlite:///{tmp_path}/optuna.db", report=lambda line: None)
    first = [(t.params, t.value) for t in _trials(storage, "stance")]
    second = [(t.params, t.value) for t in _trials(f"sqlite:///{tmp_path}/optuna.db", "stance")]
    assert second == first
    assert again.final_metrics == result.final_metrics


@pytest.mark.slow
def test_a_changed_config_does_not_continue_the_study(study, data_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    _result, uri, storage, _lines, _statuses = study
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with pytest.raises(FramingError, match=r"^Study 'stance' in sqlite:///.*optuna\.db was started with a different config or data"):
        tune(_config(data_path, "model.min_child_samples=2"), trials=4, storage=storage, report=lambda line: None)


@pytest.mark.slow
def test_a_finished_study_is_not_run_again(study, data_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    result, uri, storage, _lines, _statuses = study
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    said: list[str] = []
    again = tune(_config(data_path), trials=3, storage=storage, report=said.append)
    assert len(_trials(storage, "stance")) == 3
    assert again.parent_run_id == result.parent_run_id
    assert again.final_run_id == result.final_run_id
    assert f"continuing MLflow run {result.parent_run_id}" in said
    assert any(line.startswith(f"best trial {again.status.best_trial} was already retrained") for line in said)


@pytest.mark.integration
def test_killed_study_resumes_without_repeating_finished_trials(data_path: Path, tmp_path: Path) -> None:
    config = _config_file(_config(data_path), tmp_path / "tune.yaml")
    storage = f"sqlite:///{tmp_path}/optuna.db"
    command = [sys.executable, "-m", "framing.cli", "tune", "--config", str(config), "--trials", "4", "--storage", storage]
    process = subprocess.Popen(command, cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        complete: list[optuna.trial.FrozenTrial] = []
        while time.monotonic() < deadline and len(complete) < 2:
            time.sleep(0.05)
            try:
                complete = [t for t in _trials(storage, "stance") if t.state == TrialState.COMPLETE]
            except KeyError:  # the study is not created yet
                continue
        assert len(complete) >= 2
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    before = {t.number: (t.params, t.value, t.datetime_complete) for t in _trials(storage, "stance") if t.state == TrialState.COMPLETE}
    # The re-run fails every trial left running: those that recorded their process, and one killed
    # in the instant before it could (it was started under the claim lock the re-run now holds).
    killed = [t.number for t in _trials(storage, "stance") if t.state == TrialState.RUNNING]
    recorded = [t.number for t in _trials(storage, "stance") if t.state == TrialState.RUNNING and "framing.worker" in t.user_attrs]
    assert len(before) < 4

    rerun = subprocess.run(command, cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    trials = _trials(storage, "stance")
    numbers = [t.number for t in trials]
    assert numbers == list(range(len(trials)))
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 4
    assert all(t.state != TrialState.RUNNING for t in trials)
    after = {t.number: (t.params, t.value, t.datetime_complete) for t in trials if t.state == TrialState.COMPLETE}
    assert {n: after[n] for n in before} == before  # finished trials kept as they were, not re-run
    assert [t.number for t in trials if t.state == TrialState.FAIL] == killed
    params = [json.dumps(t.params, sort_keys=True) for t in trials if t.state == TrialState.COMPLETE]
    assert len(set(params)) == len(params)  # the resumed sampler does not replay the first draws
    for number in recorded:
        assert f"trial {number} was running in a process that no longer exists" in rerun.stderr

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlruns/mlflow.db")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()], filter_string="tags.`framing.kind` = 'trial'")
    status = {int(r.data.tags["framing.trial"]): r.info.status for r in runs}
    assert len(status) == len(runs)  # one run per trial number
    finished = [n for n in numbers if n not in killed]
    assert {n: s for n, s in status.items() if n in finished} == dict.fromkeys(finished, "FINISHED")
    # A trial killed before it opened its run has none; one killed inside it is closed as KILLED.
    assert all(status.get(n, "KILLED") == "KILLED" for n in killed)
    assert len({r.data.tags["mlflow.parentRunId"] for r in runs}) == 1


@pytest.mark.integration
def test_two_workers_share_one_study_without_duplicate_trials(data_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    storage = f"sqlite:///{tmp_path}/optuna.db"
    result = tune(_config(data_path, "evaluation.bootstrap=0"), trials=4, storage=storage, workers=2, report=lambda line: None)
    trials = _trials(storage, "stance")
    assert [t.number for t in trials] == list(range(len(trials)))
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 4  # exactly the target: a trial starts only while there is room
    params = [json.dumps(t.params, sort_keys=True) for t in trials]
    assert len(set(params)) == len(params)  # the workers' samplers are seeded apart
    workers = {t.user_attrs["framing.worker"] for t in trials}
    assert len(workers) == 2 and str(os.getpid()) not in {w.rsplit(":", 1)[1] for w in workers}
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()], filter_string="tags.`framing.kind` = 'trial'")
    assert sorted(int(r.data.tags["framing.trial"]) for r in runs) == [t.number for t in trials]
    assert {r.data.tags["mlflow.parentRunId"] for r in runs} == {result.parent_run_id}


@pytest.mark.slow
def test_pruned_trials_stop_after_their_first_fold(data_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    storage = f"sqlite:///{tmp_path}/optuna.db"
    # Anything below the best trial so far, after one fold, is stopped. A trial that draws leaves
    # of 1,000 articles cannot split at all and scores below the untuned first trial.
    prune = [
        "tune.pruner={kind: percentile, percentile: 99, startup_trials: 1, warmup_folds: 1}",
        "tracking.register_model=false",
        "tune.space={model.min_child_samples: {choices: [1, 1000]}, model.num_leaves: {int: [2, 8]}}",
    ]
    result = tune(_config(data_path, *prune), trials=4, storage=storage, report=lambda line: None)
    trials = _trials(storage, "stance")
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert pruned and result.status.pruned == len(pruned)
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    for trial in pruned:
        run = client.get_run(trial.user_attrs["framing.mlflow_run_id"])
        assert run.data.tags["framing.trial_state"] == "PRUNED"
        assert run.data.metrics["cv_folds_done"] == 1
        assert list(trial.intermediate_values) == [1]
    assert result.champion == "not registered (tracking.register_model is false): champion unchanged"


@pytest.mark.slow
def test_champion_moves_only_on_improvement(data_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    storage = f"sqlite:///{tmp_path}/optuna.db"
    quiet = {"report": lambda line: None, "storage": storage, "trials": 2}
    weak = tune(_config(data_path, *WEAK), study_name="weak", **quiet)
    assert weak.champion.startswith("framing-stance version 1 is the first champion")
    assert track.alias_version("framing-stance", "champion") == "1"

    strong = tune(_config(data_path), study_name="strong", **quiet)
    assert strong.final_metrics["test_macro_f1"] > weak.final_metrics["test_macro_f1"]
    assert strong.champion.startswith("framing-stance version 2 is the new champion")
    assert track.alias_version("framing-stance", "champion") == "2"

    weak_again = tune(_config(data_path, *WEAK), study_name="weak-again", **quiet)
    assert weak_again.champion.startswith("champion unchanged: version 2 keeps it")
    assert track.alias_version("framing-stance", "champion") == "2"
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    assert client.get_run(weak_again.parent_run_id).data.metrics["champion_previous_test_macro_f1"] == pytest.approx(strong.final_metrics["test_macro_f1"])


def test_a_config_without_a_search_space_is_refused(data_path: Path) -> None:
    config = load_config(ROOT / "configs" / "outlet_style.yaml", [f"data.paths={data_path}"])
    with pytest.raises(FramingError, match=r"^Got a config without a tune section \(outlet_style\), expected tune\.space"):
        tune(config, trials=1, storage="sqlite:///unused.db")


def test_tuning_needs_cross_validation_folds(data_path: Path) -> None:
    with pytest.raises(FramingError, match=r"^Got split\.cv_folds=0, expected 2 or more: tuning scores each trial on the cross-validation folds\.$"):
        tune(_config(data_path, "split.cv_folds=0"), trials=1, storage="sqlite:///unused.db")
