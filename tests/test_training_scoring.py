"""End to end: train on a slice of the demo corpus with MLflow in tmp, then score with the model."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from conftest import (
    ROOT,
    SEEDS,
    SMALL_MODEL as SHARED_SMALL_MODEL,
    demo_slice,
    needs_seeds,
    write_jsonl,
)
from mlflow.tracking import MlflowClient

from framing.config import load_config
from framing.errors import FramingError
from framing.scoring import score
from framing.training import code_version, train_and_log

SMALL_MODEL = [*SHARED_SMALL_MODEL, "features.char.max_features=3000", "split.cv_folds=2"]


@pytest.fixture(scope="module")
def slice_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten articles per outlet of the demo corpus, plus two rows that must be rejected."""
    frame = demo_slice()
    path = tmp_path_factory.mktemp("data") / "slice.jsonl"
    lines: list[dict | str] = frame.to_dict(orient="records")
    lines.insert(3, {"id": "empty-1", "text": "  ", "outlet": "X", "stance": "neutral"})
    lines.insert(7, '{"id": "broken-1", "text": ')
    write_jsonl(path, lines)
    return path


@pytest.fixture(scope="module")
def trained(slice_path: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    home = tmp_path_factory.mktemp("mlruns-train")
    uri = f"sqlite:///{home}/mlflow.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        config = load_config(ROOT / "configs" / "stance.yaml", SMALL_MODEL + [f"data.paths={slice_path}", "tracking.model_name=test-stance"])
        lines: list[str] = []
        result = train_and_log(config, config_path=ROOT / "configs" / "stance.yaml", report=lines.append)
        yield result, uri, lines, config


def test_train_logs_one_complete_run(trained) -> None:  # noqa: ANN001
    result, uri, lines, _config = trained
    assert result.n_records == 70 and result.n_rejects == 2
    assert result.n_train + result.n_test == 70
    assert lines[0] == "read 70 records from 1 file(s); 2 rejected"
    assert lines[1] == "near-duplicates (threshold 0.8): 0 removed, 70 kept"
    assert lines[2] == f"split group: {result.n_train} train, {result.n_test} test ({result.n_test / 70:.0%})"
    assert len(result.cv_scores) == 2

    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["model.n_estimators"] == "20"
    assert run.data.params["split.kind"] == "group"
    assert run.data.params["data.fingerprint"] == result.fingerprint
    assert run.data.metrics["data.n_rejects"] == 2
    assert run.data.metrics["data.test_share"] == pytest.approx(result.n_test / 70)
    assert run.data.metrics["test_macro_f1"] == pytest.approx(result.metrics["test_macro_f1"])
    expected = {
        "baseline_tfidf_lr_test_macro_f1",
        "baseline_majority_test_macro_f1",
        "test_accuracy",
        "test_balanced_accuracy",
        "test_log_loss",
        "test_brier",
        "test_ece",
        "test_macro_f1_low",
        "test_macro_f1_high",
        "cv_macro_f1_mean",
        "leakage_outlet_macro_f1",
        "leakage_masking_effect",
        "data.n_near_duplicates",
    }
    assert expected <= set(run.data.metrics)
    assert run.data.metrics["test_macro_f1_low"] <= run.data.metrics["test_macro_f1"] <= run.data.metrics["test_macro_f1_high"]
    assert {f"test_f1_{c}" for c in ("supportive", "neutral", "critical")} <= set(run.data.metrics)
    if code_version():
        assert run.data.tags["framing.git_commit"] == code_version()["git_commit"]

    artifacts = {a.path for a in client.list_artifacts(result.run_id)} | {
        a.path for folder in ("config", "data", "plots") for a in client.list_artifacts(result.run_id, folder)
    }
    assert {
        "config/resolved.yaml",
        "config/stance.yaml",
        "data/rejects.jsonl",
        "data/split_manifest.json",
        "plots/confusion_matrix.png",
        "plots/reliability.png",
        "plots/per_group.png",
        "plots/top_features.png",
    } <= artifacts

    # The blend weight: the best of the table of out-of-fold scores (ties: lower log-loss, then larger weight).
    table = pd.read_csv(client.download_artifacts(result.run_id, "tables/blend_weights.csv"))
    assert table["weight"].tolist() == [k / 10 for k in range(11)]
    best = max(table.itertuples(), key=lambda r: (round(r.macro_f1, 9), -round(r.log_loss, 9), r.weight))
    assert run.data.metrics["blend_lightgbm_weight"] == best.weight
    assert f"blend: LightGBM weight {best.weight:g} chosen on out-of-fold macro-F1 {best.macro_f1:.3f} (LightGBM alone {table['macro_f1'].iloc[-1]:.3f})" in lines

    local = Path(client.download_artifacts(result.run_id, "data"))
    rejects = [json.loads(line) for line in (local / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["location"], r["reason"].split(":")[0]) for r in rejects] == [("line 4", "empty text"), ("line 8", "broken JSON")]
    manifest = json.loads((local / "split_manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["train"]) == result.n_train and len(manifest["test"]) == result.n_test
    assert len(manifest["folds"]) == 2
    validated = sorted(i for fold in manifest["folds"] for i in fold["validation_ids"])
    assert validated == sorted(row["id"] for row in manifest["train"])  # every training article validated once
    test_ids = {row["id"] for row in manifest["test"]}
    assert not test_ids & {i for fold in manifest["folds"] for i in fold["train_ids"] + fold["validation_ids"]}


def test_split_manifest_holds_whole_outlets_out(trained, slice_path: Path) -> None:  # noqa: ANN001
    result, uri, _, _ = trained
    client = MlflowClient(tracking_uri=uri)
    manifest = json.loads(Path(client.download_artifacts(result.run_id, "data/split_manifest.json")).read_text(encoding="utf-8"))
    outlet_of = {}
    for line in slice_path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        outlet_of[row["id"]] = row["outlet"]
    train_outlets = {outlet_of[row["id"]] for row in manifest["train"]}
    test_outlets = {outlet_of[row["id"]] for row in manifest["test"]}
    assert test_outlets == {row["outlet"] for row in manifest["test"]}
    assert test_outlets and train_outlets.isdisjoint(test_outlets)


def test_model_is_registered_with_signature(trained) -> None:  # noqa: ANN001
    result, uri, _, _ = trained
    assert result.model_uri == "models:/test-stance/1" and result.model_version == "1"
    version = MlflowClient(tracking_uri=uri).get_model_version("test-stance", "1")
    assert version.run_id == result.run_id
    mlflow.set_tracking_uri(uri)
    info = mlflow.models.get_model_info(result.model_uri)
    # The demo corpus has headlines: the model reads an optional title column beside the text.
    assert info.signature.inputs.input_names() == ["text", "title"]
    assert [spec.required for spec in info.signature.inputs.inputs] == [True, False]
    assert info.signature.outputs.input_names() == ["label", "p_critical", "p_neutral", "p_supportive"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_score_writes_labels_probabilities_and_rejects(trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:  # noqa: ANN001
    result, uri, _, _ = trained
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "s1", "text": "Menurut TASS, Moskwa dan Teheran menandatangani perjanjian kemitraan strategis."},
            {"id": "s2", "text": ""},
            {"id": "s3", "text": "Rezim Zionis kembali menunjukkan kesombongannya, tegas juru bicara."},
        ],
    )
    output = tmp_path / f"out{suffix}"
    summary = score(result.model_uri, [str(source)], output, chunk_size=1)
    frame = {".jsonl": lambda p: pd.read_json(p, lines=True), ".csv": pd.read_csv, ".parquet": pd.read_parquet}[suffix](output)
    assert frame["id"].tolist() == ["s1", "s3"]
    assert list(frame.columns) == ["id", "label", "p_critical", "p_neutral", "p_supportive"]
    assert frame[["p_critical", "p_neutral", "p_supportive"]].sum(axis=1).round(6).tolist() == [1.0, 1.0]
    assert frame["label"].isin(["critical", "neutral", "supportive"]).all()
    assert summary.n_scored == 2 and summary.n_rejects == 1
    assert summary.rejects == tmp_path / "out.rejects.jsonl"
    assert json.loads(summary.rejects.read_text(encoding="utf-8")) == {
        "file": str(source),
        "location": "line 2",
        "id": "s2",
        "reason": "empty text: the text field is empty, whitespace or absent",
    }
    assert not list(tmp_path.glob(".*partial"))


def test_score_from_a_local_model_folder_matches_the_registry(trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    result, uri, _, _ = trained
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    folder = mlflow.artifacts.download_artifacts(result.model_uri, dst_path=str(tmp_path / "model"))
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "x", "text": "Kremlin menyatakan dukungan penuh kepada Teheran."}])
    score(result.model_uri, [str(source)], tmp_path / "a.jsonl")
    score(folder, [str(source)], tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()


def test_score_with_a_config_maps_columns_and_writes_all_columns_when_empty(trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    result, uri, _, config = trained
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    source = tmp_path / "crawl.csv"
    source.write_text("url,isi_berita\nhttps://x/1,Kremlin menyambut baik kerja sama dengan Teheran.\n", encoding="utf-8")
    mapped = config.model_copy(update={"data": config.data.model_copy(update={"columns": {"id": "url", "text": "isi_berita"}})})
    score(result.model_uri, [str(source)], tmp_path / "out.csv", config=mapped)
    assert pd.read_csv(tmp_path / "out.csv")["id"].tolist() == ["https://x/1"]

    empty = tmp_path / "empty.csv"
    empty.write_text("url,isi_berita\nhttps://x/2,\n", encoding="utf-8")
    summary = score(result.model_uri, [str(empty)], tmp_path / "none.parquet", config=mapped)
    frame = pd.read_parquet(tmp_path / "none.parquet")
    assert summary.n_scored == 0 and summary.n_rejects == 1
    assert list(frame.columns) == ["id", "label", "p_critical", "p_neutral", "p_supportive"] and frame.empty


@pytest.mark.integration
def test_a_logged_model_loads_without_the_framing_package(trained, tmp_path: Path) -> None:  # noqa: ANN001
    """Spark workers and model servers may not have framing installed: the model must not need it."""
    import subprocess
    import sys

    result, uri, _, _ = trained
    mlflow.set_tracking_uri(uri)
    folder = mlflow.artifacts.download_artifacts(result.model_uri, dst_path=str(tmp_path / "model"))
    # Hide only what makes framing importable (the editable finder, the checkout, a folder holding
    # framing/), not every path that happens to contain "framing": a clone may live in ./framing.
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
        f"sys.path = [p for p in sys.path if p not in ('', '.') and Path(p).resolve() != Path({str(ROOT)!r})"
        " and not (Path(p) / 'framing' / '__init__.py').exists()]\n"
        "import importlib.util; assert importlib.util.find_spec('framing') is None\n"
        "import mlflow.pyfunc, pandas as pd\n"
        f"model = mlflow.pyfunc.load_model({folder!r})\n"
        "print(list(model.predict(pd.DataFrame({'text': ['Teheran dan Moskwa.']})).columns))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "['label', 'p_critical', 'p_neutral', 'p_supportive']"


def test_score_rejects_bad_arguments(trained, tmp_path: Path) -> None:  # noqa: ANN001
    result, *_ = trained
    with pytest.raises(FramingError, match=r"Got --output '.*out\.txt', expected a file ending in one of \.jsonl, \.csv, \.parquet\."):
        score(result.model_uri, ["x.jsonl"], tmp_path / "out.txt")
    with pytest.raises(FramingError, match=r"Got --model 'no-such-folder', expected models:/NAME/VERSION"):
        score("no-such-folder", [str(write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "b"}]))], tmp_path / "o.jsonl")


@needs_seeds
def test_score_the_seed_articles(trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    result, uri, _, _ = trained
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    summary = score(result.model_uri, [str(SEEDS)], tmp_path / "seeds.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "seeds.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in rows) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert all(abs(r["p_critical"] + r["p_neutral"] + r["p_supportive"] - 1) < 1e-9 for r in rows)
    assert summary.n_rejects == 0


def test_trained_model_carries_the_training_drift_profile(trained, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from framing import track

    result, uri, _lines, config = trained
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    profile = track.load_model(result.model_uri).unwrap_python_model().reference
    assert profile["n"] == result.n_train
    features = profile["features"]
    assert 0 < len(features) <= config.scoring.drift_features
    # A blended model's stacker inputs (the text scores) come first, then the rest by LightGBM gain.
    model = track.load_framing(result.model_uri).model
    first = len(model.blend.columns) if model.blend is not None else 0
    assert (first > 0) == (result.metrics["blend_lightgbm_weight"] < 1)
    assert [f["name"] for f in features[:first]] == [model.feature_names_out()[j] for j in model.blend.columns] if first else True
    rest = [f["gain"] for f in features[first:]]
    assert rest == sorted(rest, reverse=True) and all(g > 0 for g in rest)
    assert all(sum(f["counts"]) == result.n_train for f in features)
