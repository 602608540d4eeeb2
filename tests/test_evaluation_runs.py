"""Training under the time split with calibration and dedup, framing evaluate, and experiments."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, write_jsonl
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from framing.cli import app
from framing.config import load_config
from framing.demo import DEMO_CORPUS
from framing.evaluate import evaluate_model
from framing.experiment import run_experiment
from framing.training import train

SMALL = [
    "model.n_estimators=15",
    "model.min_child_samples=1",
    "model.num_leaves=4",
    "model.n_jobs=1",
    "model.params={min_data_in_bin: 1}",
    "features.word.max_features=2000",
    "evaluation.bootstrap=50",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    home = tmp_path_factory.mktemp("mlruns-eval")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{home}/mlflow.db")
        yield f"sqlite:///{home}/mlflow.db"


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight articles per outlet, plus a syndicated copy of the first one with a new dateline."""
    rows = [json.loads(line) for line in DEMO_CORPUS.read_text(encoding="utf-8").splitlines()]
    frame = pd.DataFrame(rows).groupby("outlet", sort=True).head(8)
    records = frame.to_dict(orient="records")
    original = records[0]
    copy = dict(original, id="copy-of-first", outlet="Kabar Global", published_at="2025-12-01")
    copy["text"] = "Kabarglobal.com, Jakarta - " + original["text"].split(" ", 3)[-1]
    path = tmp_path_factory.mktemp("data") / "corpus.jsonl"
    write_jsonl(path, [*records, copy])
    return path


@pytest.fixture(scope="module")
def time_run(store: str, corpus_path: Path):  # noqa: ANN201
    config = load_config(
        ROOT / "configs" / "stance.yaml",
        [*SMALL, f"data.paths={corpus_path}", "split.kind=time", "split.cv_folds=2", "calibration.method=sigmoid", "tracking.model_name=t-stance"],
    )
    lines: list[str] = []
    return train(config, report=lines.append), lines, config


def test_near_duplicate_is_removed_before_splitting(time_run, store: str) -> None:  # noqa: ANN001
    result, lines, _ = time_run
    assert result.n_near_duplicates == 1
    assert lines[1] == "near-duplicates (threshold 0.8): 1 removed, 56 kept"
    client = MlflowClient(tracking_uri=store)
    removed = json.loads(Path(client.download_artifacts(result.run_id, "data/near_duplicates.json")).read_text(encoding="utf-8"))
    assert [r["id"] for r in removed] == ["copy-of-first"]  # the later copy goes, the original stays


def test_time_split_trains_on_the_past_only(time_run, store: str) -> None:  # noqa: ANN001
    result, _, _ = time_run
    client = MlflowClient(tracking_uri=store)
    manifest = json.loads(Path(client.download_artifacts(result.run_id, "data/split_manifest.json")).read_text(encoding="utf-8"))
    assert manifest["kind"] == "time"
    assert max(r["published_at"] for r in manifest["train"]) < min(r["published_at"] for r in manifest["test"])
    dates = {r["id"]: r["published_at"] for r in manifest["train"]}
    for fold in manifest["folds"]:
        assert max(dates[i] for i in fold["train_ids"]) <= min(dates[i] for i in fold["validation_ids"])


def test_calibration_reports_before_and_after(time_run, store: str) -> None:  # noqa: ANN001
    result, lines, _ = time_run
    assert any(line.startswith("calibration (sigmoid) fitted on ") for line in lines)
    metrics = MlflowClient(tracking_uri=store).get_run(result.run_id).data.metrics
    assert {"test_ece", "test_uncalibrated_ece", "test_uncalibrated_log_loss", "test_log_loss"} <= set(metrics)


def test_evaluate_a_registered_model_on_new_data(time_run, store: str, corpus_path: Path) -> None:  # noqa: ANN001
    result, _, config = time_run
    run_id, metrics = evaluate_model(result.model_uri, config.data, experiment="eval-tests", n_boot=50)
    assert 0.0 <= metrics["eval_macro_f1_low"] <= metrics["eval_macro_f1"] <= metrics["eval_macro_f1_high"] <= 1.0
    run = MlflowClient(tracking_uri=store).get_run(run_id)
    assert run.data.tags["framing.model_uri"] == result.model_uri
    assert run.data.metrics["data.n_records"] == 57
    artifacts = {a.path for a in MlflowClient(tracking_uri=store).list_artifacts(run_id, "plots")}
    assert artifacts == {"plots/confusion_matrix.png", "plots/reliability.png", "plots/per_group.png"}

    cli = CliRunner().invoke(app, ["evaluate", "--model", result.model_uri, "--data", str(corpus_path), "--label", "stance"])
    assert cli.exit_code == 0, cli.output
    assert f"eval_macro_f1:               {metrics['eval_macro_f1']:.3f}" in cli.output


def test_evaluate_rejects_labels_the_model_does_not_know(time_run, tmp_path: Path) -> None:  # noqa: ANN001
    from framing.config import DataConfig
    from framing.errors import FramingError

    result, _, _ = time_run
    path = write_jsonl(tmp_path / "odd.jsonl", [{"id": "a", "text": "Teks.", "stance": "pro"}])
    with pytest.raises(FramingError, match=r"Got labels \['pro'\] in 'stance' that the model does not know"):
        evaluate_model(result.model_uri, DataConfig(paths=[str(path)], label="stance"), experiment="eval-tests")


def test_experiment_runs_variants_as_children_and_compares(store: str, corpus_path: Path, tmp_path: Path) -> None:
    spec = tmp_path / "exp.yaml"
    spec.write_text(
        f"base: {ROOT / 'configs' / 'stance.yaml'}\n"
        "experiment: exp-tests\n"
        f"set: {json.dumps([*SMALL, f'data.paths={corpus_path}', 'split.cv_folds=2', 'evaluation.masking_probe=false'])}\n"
        "variants:\n  all: []\n  no_lexicon: [features.lexicon.enabled=false]\n",
        encoding="utf-8",
    )
    table = run_experiment(spec)
    assert table["variant"].tolist() == ["all", "no_lexicon"]
    assert (table["margin"] == table["test_macro_f1"] - table["baseline"]).all()
    client = MlflowClient(tracking_uri=store)
    parent = table.attrs["parent_run_id"]
    for run_id in table["run_id"]:
        assert client.get_run(run_id).data.tags["mlflow.parentRunId"] == parent
    assert {a.path for a in client.list_artifacts(parent)} >= {"comparison.csv", "comparison.png"}
    assert client.search_registered_models(filter_string="name='framing-stance'") == []  # variants are not registered
