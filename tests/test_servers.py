"""Real servers: studies shared by processes in PostgreSQL, and an MLflow tracking server over HTTP.

conftest starts one PostgreSQL server (Debian's package, a temporary data folder, a free port) and
one ``mlflow server`` on it (served artifacts under tmp) per session. Every check of what MLflow
holds goes through the server's REST API. Studies run 4-5 trials of a small model on 70 demo
articles (test_tuning's settings).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import optuna
import pytest
import yaml
from conftest import ROOT, TrackingServer, demo_slice, free_port, write_jsonl
from optuna.trial import TrialState
from test_tuning import SMALL
from typer.testing import CliRunner

from framing.cli import app
from framing.config import load_config
from framing.evaluate import classification_metrics

pytestmark = pytest.mark.integration  # real PostgreSQL and MLflow servers, worker processes


@pytest.fixture(scope="module")
def data_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("data") / "slice.jsonl", demo_slice().to_dict(orient="records"))


def _config_file(path: Path, data_path: Path, *extra: str) -> Path:
    config = load_config(ROOT / "configs" / "stance.yaml", [*SMALL, f"data.paths={data_path}", "tracking.experiment=servers", *extra])
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", by_alias=True), sort_keys=False), encoding="utf-8")
    return path


@dataclass
class _Process:
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float = 300) -> str:
        """Wait for the exit; return its output (stdout and stderr), asserting exit code 0."""
        code = self.process.wait(timeout=timeout)
        text = self.log.read_text(encoding="utf-8")
        assert code == 0, text[-3000:]
        return text


def _tune(config: Path, storage: str, trials: int, server: TrackingServer, log: Path, *extra: str) -> _Process:
    env = dict(os.environ, MLFLOW_TRACKING_URI=server.url, PYTHONUNBUFFERED="1", COLUMNS="200")
    command = [sys.executable, "-m", "framing.cli", "tune", "--config", str(config), "--trials", str(trials), "--storage", storage, *extra]
    # Output to a file, not a pipe: two processes writing while the test waits on one cannot block.
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=config.parent, env=env, stdout=out, stderr=subprocess.STDOUT)
    return _Process(process, log)


def _trials(storage: str, name: str = "stance") -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name=name, storage=storage).get_trials()


def _runs(server: TrackingServer, filter_string: str) -> list[dict]:
    experiment = server.get("experiments/get-by-name", experiment_name="servers")["experiment"]["experiment_id"]
    body = {"experiment_ids": [experiment], "filter": filter_string, "max_results": 1000}
    return server.post("runs/search", body).get("runs", [])


def _tags(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["data"].get("tags", [])}


def _versions(server: TrackingServer, name: str) -> list[str]:
    found = server.get("model-versions/search", filter=f"name='{name}'")
    return sorted(v["version"] for v in found.get("model_versions", []))


@pytest.fixture(scope="module")
def shared_study(postgres, tracking_server: TrackingServer, data_path: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    """Two processes started together on one PostgreSQL study of 5 trials, one with --workers 2."""
    home = tmp_path_factory.mktemp("shared-study")
    storage = postgres.create_database("shared_study")
    config = _config_file(home / "tune.yaml", data_path, "tracking.model_name=servers-stance")
    first = _tune(config, storage, 5, tracking_server, home / "first.log", "--workers", "2")
    second = _tune(config, storage, 5, tracking_server, home / "second.log")
    logs = (first.wait(), second.wait())
    return storage, (first, second), logs


def test_two_processes_share_one_postgres_study_and_finish_once(shared_study, tracking_server: TrackingServer) -> None:  # noqa: ANN001
    storage, (first, second), logs = shared_study
    trials = _trials(storage)
    assert [t.number for t in trials] == [0, 1, 2, 3, 4]
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 5  # exactly the target, not one per extra process
    params = [json.dumps(t.params, sort_keys=True) for t in trials]
    assert len(set(params)) == len(params)
    assert [t.number for t in trials if t.user_attrs.get("framing.default")] == [0]  # one reference trial, not one per process
    pids = {int(t.user_attrs["framing.worker"].rsplit(":", 1)[1]) for t in trials}
    assert first.pid not in pids  # --workers 2: its workers run the trials
    assert second.pid in pids and len(pids) >= 2

    # One parent run; every trial nested under it; one retrain of the best, one registered version.
    study = optuna.load_study(study_name="stance", storage=storage)
    parent = study.user_attrs["framing.mlflow_run_id"]
    assert [r["info"]["run_id"] for r in _runs(tracking_server, "tags.`framing.kind` = 'tune'")] == [parent]
    children = _runs(tracking_server, f"tags.`mlflow.parentRunId` = '{parent}'")
    trial_runs = sorted(int(_tags(r)["framing.trial"]) for r in children if _tags(r).get("framing.kind") == "trial")
    assert trial_runs == [0, 1, 2, 3, 4]
    assert all(r["info"]["status"] == "FINISHED" for r in children)
    final = [r for r in children if "framing.trial" not in _tags(r)]
    assert [r["info"]["run_id"] for r in final] == [study.user_attrs["framing.final"]["run_id"]]
    assert _versions(tracking_server, "servers-stance") == ["1"]
    alias = tracking_server.get("registered-models/alias", name="servers-stance", alias="champion")["model_version"]
    assert (alias["version"], alias["run_id"]) == ("1", final[0]["info"]["run_id"])
    # The second to finish finds the first's result, and both report it.
    assert sum(f"was already retrained and evaluated (run {final[0]['info']['run_id']})" in log for log in logs) == 1
    assert all("champion:     servers-stance version 1 is the first champion" in log for log in logs)

    # Artifacts go through the server into its artifact root.
    plots = tracking_server.get("artifacts/list", run_id=parent, path="plots")["files"]
    assert [f["path"] for f in plots] == ["plots/intermediate_values.png", "plots/optimization_history.png", "plots/param_importances.png", "plots/slice.png"]
    assert final[0]["info"]["artifact_uri"].startswith("mlflow-artifacts:/")
    version = tracking_server.get("model-versions/get", name="servers-stance", version="1")["model_version"]
    assert len(list(tracking_server.artifacts.glob(f"*/models/{version['source'].removeprefix('models:/')}/artifacts/MLmodel"))) == 1


def test_a_process_killed_mid_trial_loses_no_finished_trial(postgres, tracking_server: TrackingServer, data_path: Path, tmp_path: Path) -> None:  # noqa: ANN001
    storage = postgres.create_database("killed_study")
    config = _config_file(tmp_path / "tune.yaml", data_path, "tracking.model_name=servers-killed")
    victim = _tune(config, storage, 5, tracking_server, tmp_path / "victim.log")
    other = _tune(config, storage, 5, tracking_server, tmp_path / "other.log")
    # Kill the first one as soon as it has opened a trial's run, once the study has a finished trial.
    deadline = time.monotonic() + 180
    running: list[optuna.trial.FrozenTrial] = []
    while not running:
        assert time.monotonic() < deadline and victim.process.poll() is None, victim.log.read_text()[-3000:]
        time.sleep(0.05)
        try:
            trials = _trials(storage)
        except KeyError:  # no study yet
            continue
        if any(t.state == TrialState.COMPLETE for t in trials):
            mine = [t for t in trials if t.state == TrialState.RUNNING and t.user_attrs.get("framing.worker", "").endswith(f":{victim.pid}")]
            running = [t for t in mine if "framing.mlflow_run_id" in t.user_attrs]  # inside its nested run
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=30)
    before = {t.number: (t.params, t.value, t.datetime_complete) for t in _trials(storage) if t.state == TrialState.COMPLETE}
    (killed,) = running

    log = other.wait()
    assert f"trial {killed.number} was running in a process that no longer exists (pid {victim.pid}): marked failed" in log
    trials = _trials(storage)
    assert [t.number for t in trials] == list(range(len(trials)))
    assert [t.number for t in trials if t.state == TrialState.FAIL] == [killed.number]
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 5 and len(trials) == 6
    after = {t.number: (t.params, t.value, t.datetime_complete) for t in trials if t.state == TrialState.COMPLETE}
    assert {n: after[n] for n in before} == before  # the finished trials are kept as they were
    assert _versions(tracking_server, "servers-killed") == ["1"]

    # Run again, the study is complete: nothing is trained twice, and the killed trial's run is closed.
    again = _tune(config, storage, 5, tracking_server, tmp_path / "again.log").wait()
    assert "was already retrained and evaluated" in again
    assert len(_trials(storage)) == 6
    assert _versions(tracking_server, "servers-killed") == ["1"]
    runs = _runs(tracking_server, f"tags.`mlflow.parentRunId` = '{optuna.load_study(study_name='stance', storage=storage).user_attrs['framing.mlflow_run_id']}'")
    status = {_tags(r)["framing.trial"]: r["info"]["status"] for r in runs if "framing.trial" in _tags(r)}
    assert status == {str(t.number): "KILLED" if t.number == killed.number else "FINISHED" for t in _trials(storage)}


def test_train_score_and_evaluate_through_the_tracking_server(shared_study, tracking_server: TrackingServer, data_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_server.url)
    monkeypatch.chdir(tmp_path)
    config = _config_file(tmp_path / "train.yaml", data_path, "tracking.model_name=servers-stance")
    runner = CliRunner()
    trained = runner.invoke(app, ["train", "--config", str(config)])
    assert trained.exit_code == 0, trained.output
    # A second version, not crowned: the champion stays the tuned one.
    assert _versions(tracking_server, "servers-stance") == ["1", "2"]
    champion = tracking_server.get("registered-models/alias", name="servers-stance", alias="champion")["model_version"]
    assert champion["version"] == "1"
    (train_run,) = [r for r in _runs(tracking_server, "attributes.run_name = 'stance'") if "mlflow.parentRunId" not in _tags(r)]
    assert {"config", "data", "tables"} <= {f["path"] for f in tracking_server.get("artifacts/list", run_id=train_run["info"]["run_id"])["files"]}
    version = tracking_server.get("model-versions/get", name="servers-stance", version="2")["model_version"]
    assert version["run_id"] == train_run["info"]["run_id"]
    assert len(list(tracking_server.artifacts.glob(f"*/models/{version['source'].removeprefix('models:/')}/artifacts/MLmodel"))) == 1  # in the server's root

    output = tmp_path / "scores.jsonl"
    scored = runner.invoke(app, ["score", "--model", "models:/servers-stance@champion", "-i", str(data_path), "-o", str(output)])
    assert scored.exit_code == 0, scored.output
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 70 and all(row["label"] in ("critical", "neutral", "supportive") for row in rows)

    evaluated = runner.invoke(app, ["evaluate", "--model", "models:/servers-stance@champion", "--data", str(data_path), "--config", str(config)])
    assert evaluated.exit_code == 0, evaluated.output
    (run,) = _runs(tracking_server, "tags.`framing.kind` = 'evaluate'")
    assert _tags(run)["framing.model_uri"] == "models:/servers-stance@champion"
    metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    # The evaluation reads the same champion that scored the articles.
    truth = {row["id"]: row["stance"] for row in map(json.loads, data_path.read_text(encoding="utf-8").splitlines())}
    expected = classification_metrics([truth[r["id"]] for r in rows], [r["label"] for r in rows], sorted(set(truth.values())))["macro_f1"]
    assert metrics["eval_macro_f1"] == pytest.approx(expected, abs=1e-9)
    assert metrics["data.n_records"] == 70


def test_an_unreachable_postgres_study_is_named_without_its_password(data_path: Path) -> None:
    pytest.importorskip("psycopg2", reason="psycopg2 is not installed: pip install -e '.[postgres]'")
    from framing.errors import FramingError
    from framing.tuning import tune

    config = load_config(ROOT / "configs" / "stance.yaml", [*SMALL, f"data.paths={data_path}"])
    port = free_port()  # nothing listens there
    shown = re.escape(f"Got --storage 'postgresql+psycopg2://framing:***@127.0.0.1:{port}/optuna', but the study database cannot be used: ")
    with pytest.raises(FramingError, match=f"^{shown}.*Connection refused"):
        tune(config, trials=1, storage=f"postgresql+psycopg2://framing:secret@127.0.0.1:{port}/optuna", report=lambda line: None)
