"""Training under the time split with calibration and dedup, framing evaluate, and experiments."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SMALL_MODEL, demo_slice, write_jsonl
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from framing.cli import app
from framing.config import load_config
from framing.demo import DEMO_CORPUS
from framing.evaluate import evaluate_model
from framing.experiment import run_experiment
from framing.training import train_and_log

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
    return train_and_log(config, report=lines.append), lines, config


@pytest.mark.slow
def test_near_duplicate_is_removed_before_splitting(time_run, store: str) -> None:  # noqa: ANN001
    result, lines, _ = time_run
    assert result.n_near_duplicates == 1
    assert lines[1] == "near-duplicates (threshold 0.8): 1 removed, 56 kept"
    client = MlflowClient(tracking_uri=store)
    removed = json.loads(Path(client.download_artifacts(result.run_id, "data/near_duplicates.json")).read_text(encoding="utf-8"))
    assert [r["id"] for r in removed] == ["copy-of-first"]  # the later copy goes, the original stays


@pytest.mark.slow
def test_time_split_trains_on_the_past_only(time_run, store: str) -> None:  # noqa: ANN001
    result, _, _ = time_run
    client = MlflowClient(tracking_uri=store)
    manifest = json.loads(Path(client.download_artifacts(result.run_id, "data/split_manifest.json")).read_text(encoding="utf-8"))
    assert manifest["kind"] == "time"
    assert max(r["published_at"] for r in manifest["train"]) < min(r["published_at"] for r in manifest["test"])
    dates = {r["id"]: r["published_at"] for r in manifest["train"]}
    for fold in manifest["folds"]:
        assert max(dates[i] for i in fold["train_ids"]) <= min(dates[i] for i in fold["validation_ids"])


@pytest.mark.slow
def test_calibration_reports_before_and_after(time_run, store: str) -> None:  # noqa: ANN001
    result, lines, _ = time_run
    assert any(line.startswith("calibration (sigmoid) fitted on ") for line in lines)
    metrics = MlflowClient(tracking_uri=store).get_run(result.run_id).data.metrics
    assert {"test_ece", "test_uncalibrated_ece", "test_uncalibrated_log_loss", "test_log_loss"} <= set(metrics)


@pytest.mark.slow
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
    assert f"{'eval_macro_f1:':<40} {metrics['eval_macro_f1']:.3f}" in cli.output


@pytest.fixture(scope="module")
def baseline_run(store: str, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A model trained on 8 demo articles per outlet, and a labelled file of 6 other articles per outlet."""
    home = tmp_path_factory.mktemp("baseline")
    train_frame, more = demo_slice(8), demo_slice(14)
    train_path = write_jsonl(home / "train.jsonl", train_frame.to_dict(orient="records"))
    eval_path = write_jsonl(home / "eval.jsonl", more[~more["id"].isin(train_frame["id"])].to_dict(orient="records"))
    config = load_config(
        ROOT / "configs" / "stance.yaml",
        [*SMALL_MODEL, f"data.paths={train_path}", "split.cv_folds=2", "evaluation.bootstrap=50", "evaluation.masking_probe=false", "tracking.model_name=b-stance"],
    )
    return train_and_log(config, report=lambda line: None), config, eval_path


def _independent_baseline(config, result, store: str):  # noqa: ANN001, ANN202
    """The baseline fitted again, apart from the run, on the training rows the run's manifest lists."""
    from framing.corpus import read_corpus
    from framing.evaluate import baseline_pipeline
    from framing.pipeline import build_cleaner

    manifest = json.loads(Path(MlflowClient(tracking_uri=store).download_artifacts(result.run_id, "data/split_manifest.json")).read_text(encoding="utf-8"))
    records = read_corpus(config.data).records.set_index("id")
    rows = records.loc[[r["id"] for r in manifest["train"]]]
    fitted = baseline_pipeline(config.seed, build_cleaner(config.clean)).fit(rows["text"].tolist(), rows["stance"].to_numpy(dtype=str))
    return fitted, records.loc[[r["id"] for r in manifest["test"]]]


@pytest.mark.slow
def test_the_logged_baseline_is_the_one_train_scored(baseline_run, store: str) -> None:  # noqa: ANN001
    from framing.evaluate import classification_metrics
    from framing.track import load_baseline

    result, config, _ = baseline_run
    logged = load_baseline(result.model_uri)
    assert result.model_uri == "models:/b-stance/1"
    assert [name for name, _ in logged.steps] == ["clean", "tfidf", "model"]  # reads raw articles
    _, test_rows = _independent_baseline(config, result, store)
    score = classification_metrics(test_rows["stance"].tolist(), logged.predict(test_rows["text"].tolist()), result.classes)["macro_f1"]
    assert score == pytest.approx(result.metrics["baseline_tfidf_lr_test_macro_f1"], abs=1e-12)


@pytest.mark.slow
def test_evaluate_scores_the_baseline_beside_the_model(baseline_run, store: str) -> None:  # noqa: ANN001
    from framing.corpus import read_corpus
    from framing.evaluate import bootstrap_interval, classification_metrics

    result, config, eval_path = baseline_run
    data = config.data.model_copy(update={"paths": [str(eval_path)]})
    run_id, metrics = evaluate_model(result.model_uri, data, experiment="eval-tests", n_boot=50, seed=3)

    refitted, _ = _independent_baseline(config, result, store)
    rows = read_corpus(data).records
    y, predicted = rows["stance"].to_numpy(dtype=str), refitted.predict(rows["text"].tolist())
    expected = classification_metrics(y, predicted, result.classes)["macro_f1"]
    assert metrics["eval_baseline_tfidf_lr_macro_f1"] == pytest.approx(expected, abs=1e-12)
    assert metrics["eval_macro_f1_margin_over_baseline"] == metrics["eval_macro_f1"] - metrics["eval_baseline_tfidf_lr_macro_f1"]
    interval = bootstrap_interval(y, predicted, result.classes, groups=rows["outlet"].to_numpy(dtype=str), n_boot=50, seed=3)
    assert (metrics["eval_baseline_tfidf_lr_macro_f1_low"], metrics["eval_baseline_tfidf_lr_macro_f1_high"]) == pytest.approx(interval, abs=1e-12)
    run = MlflowClient(tracking_uri=store).get_run(run_id)
    assert run.data.metrics["eval_macro_f1_margin_over_baseline"] == metrics["eval_macro_f1_margin_over_baseline"]
    assert run.data.tags["framing.baseline"] == "tfidf_lr"

    cli = CliRunner().invoke(app, ["evaluate", "--model", result.model_uri, "--data", str(eval_path), "--label", "stance"])
    assert cli.exit_code == 0, cli.output
    assert f"{'eval_baseline_tfidf_lr_macro_f1:':<40} {expected:.3f}  (95% interval " in cli.output
    assert f"{'eval_macro_f1_margin_over_baseline:':<40} {metrics['eval_macro_f1_margin_over_baseline']:.3f}\n" in cli.output


@pytest.mark.slow
def test_evaluate_says_when_a_model_has_no_baseline(baseline_run, store: str) -> None:  # noqa: ANN001
    from framing import track

    result, config, eval_path = baseline_run
    # A model as logged before baselines travelled with it: the pipeline alone.
    with track.start_run("eval-tests", run_name="logged without a baseline"):
        uri, _ = track.log_model(track.load_framing(result.model_uri).model, pd.read_json(eval_path, lines=True), None)
    assert track.load_baseline(uri) is None
    run_id, metrics = evaluate_model(uri, config.data.model_copy(update={"paths": [str(eval_path)]}), experiment="eval-tests", n_boot=0)
    assert "eval_macro_f1" in metrics and not any("baseline" in name for name in metrics)
    message = "no baseline logged with this model (trained before models carried their TF-IDF + LR baseline); retrain it to compare"
    assert MlflowClient(tracking_uri=store).get_run(run_id).data.tags["framing.baseline"] == message

    cli = CliRunner().invoke(app, ["evaluate", "--model", uri, "--data", str(eval_path), "--label", "stance"])
    assert cli.exit_code == 0, cli.output
    assert f"{'baseline:':<40} {message}\n" in cli.output


@pytest.mark.slow
def test_evaluate_rejects_labels_the_model_does_not_know(time_run, tmp_path: Path) -> None:  # noqa: ANN001
    from framing.config import DataConfig
    from framing.errors import FramingError

    result, _, _ = time_run
    path = write_jsonl(tmp_path / "odd.jsonl", [{"id": "a", "text": "Teks.", "stance": "pro"}])
    with pytest.raises(FramingError, match=r"Got labels \['pro'\] in 'stance' that the model does not know"):
        evaluate_model(result.model_uri, DataConfig(paths=[str(path)], label="stance"), experiment="eval-tests")


@pytest.mark.slow
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
    client = MlflowClient(tracking_uri=store)
    parent = table.attrs["parent_run_id"]
    for row in table.to_dict(orient="records"):
        child = client.get_run(row["run_id"])
        assert child.data.tags["mlflow.parentRunId"] == parent
        # The terminal table shows what the child run logged.
        assert row["margin"] == pytest.approx(child.data.metrics["test_macro_f1_margin_over_baseline"])
        assert row["baseline"] == pytest.approx(child.data.metrics["baseline_best_test_macro_f1"])
        assert row["test_macro_f1_low"] == pytest.approx(child.data.metrics["test_macro_f1_low"])
    assert {a.path for a in client.list_artifacts(parent)} >= {"comparison.csv", "comparison.png"}
    assert client.search_registered_models(filter_string="name='framing-stance'") == []  # variants are not registered


def test_calibration_follows_the_models_class_order_not_the_configs() -> None:
    import numpy as np
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from framing.model import FramingModel

    class Sorted:
        classes_ = np.array(["a", "b"], dtype=object)  # LightGBM sorts its classes

        def predict_proba(self, texts: list[str]) -> np.ndarray:
            return np.array([[0.9, 0.1] if t == "a-ish" else [0.1, 0.9] for t in texts])

    # Out-of-fold probabilities in the config's order ["b", "a"], and reliable: column "a" high means "a".
    oof = np.array([[0.1, 0.9]] * 10 + [[0.9, 0.1]] * 10)
    y = np.array(["a"] * 10 + ["b"] * 10, dtype=object)
    bare = FramingModel(Pipeline([("features", FunctionTransformer()), ("model", Sorted())]))
    model = bare.calibrated(oof, y, ["b", "a"], "isotonic")
    assert model.predict(["a-ish", "b-ish"]).tolist() == ["a", "b"]
    np.testing.assert_allclose(model.predict_proba(["a-ish"]), [[1.0, 0.0]])
    assert model.calibrator is not None and model.calibrator.classes == ["a", "b"]
    assert bare.calibrator is None  # calibrated() returns a new model


def test_leakage_probe_survives_a_long_tail_of_small_outlets() -> None:
    from framing.pipeline import build_pipeline
    from framing.training import _leakage_probe

    config = load_config(ROOT / "configs" / "stance.yaml", [*SMALL, "features.word.min_df=1"])
    texts = [f"Artikel nomor {i} dari media {i % 13} tentang Teheran." for i in range(30)]
    outlets = [f"o{i}" for i in range(12) for _ in range(2)] + ["big"] * 6
    labels = ["supportive", "neutral", "critical"] * 10
    from framing.model import FramingModel

    model = FramingModel(build_pipeline(config).fit(texts, labels))
    records = pd.DataFrame({"text": texts, "outlet": outlets})
    probe = _leakage_probe(model, records, seed=0)
    assert probe["leakage_outlet_chance"] == 1 / 13
    assert 0.0 <= probe["leakage_outlet_macro_f1"] <= 1.0
    assert _leakage_probe(model, records.assign(outlet="one"), seed=0) == {}


def test_prepare_leaves_out_undated_records(tmp_path: Path) -> None:
    from framing.training import prepare

    rows = [{"id": f"a{i}", "text": f"Teks {i} tentang Moskwa dan Teheran hari ini.", "stance": ["neutral", "critical"][i % 2], "published_at": f"2024-0{1 + i % 9}-10"} for i in range(12)]
    rows[3]["published_at"] = "Tidak ditemukan"
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    config = load_config(ROOT / "configs" / "stance.yaml", [f"data.paths={path}", "split.kind=time", "split.drop_undated=true", "data.classes=null"])
    lines: list[str] = []
    data = prepare(config, report=lines.append)
    assert data.undated == 1 and len(data.records) == 11
    assert lines[1] == "left out 1 records without a readable 'published_at' (split.drop_undated)"
    assert "a3" not in set(data.records["id"])


@pytest.mark.slow
def test_a_failing_variant_does_not_stop_the_others(store: str, corpus_path: Path, tmp_path: Path) -> None:
    spec = tmp_path / "exp.yaml"
    spec.write_text(
        f"base: {ROOT / 'configs' / 'stance.yaml'}\n"
        "experiment: exp-fail-tests\n"
        f"set: {json.dumps([*SMALL, f'data.paths={corpus_path}', 'split.cv_folds=0', 'evaluation.masking_probe=false'])}\n"
        "variants:\n  \"no\": []\n  broken: [split.group_column=url]\n  after: [features.style.enabled=false]\n",
        encoding="utf-8",
    )
    table = run_experiment(spec)
    assert table["variant"].tolist() == ["no", "broken", "after"]  # "no" stays a name, not YAML false
    assert table["error"].tolist()[0] == "" and table["error"].tolist()[2] == ""
    assert table["error"].tolist()[1].startswith("SplitError: split.kind=group needs 'url' in every record")
    client = MlflowClient(tracking_uri=store)
    parent = client.get_run(table.attrs["parent_run_id"])
    assert parent.info.status == "FINISHED" and parent.data.tags["framing.failed_variants"] == "broken"
    assert client.get_run(table["run_id"].iloc[0]).info.run_name == "no"
