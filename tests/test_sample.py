"""``framing sample`` and the Label Studio round trip: tasks out, annotations back into training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.corpus import CorpusReader, label_studio_row
from framing.demo import DEMO_CORPUS
from framing.errors import FramingError
from framing.sample import choose, label_config, sample
from tests.conftest import ROOT, SMALL_MODEL, write_jsonl

runner = CliRunner()


@pytest.fixture(scope="module")
def model_uri(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(tracking URI, model URI) of a small stance model trained on the demo corpus."""
    home = tmp_path_factory.mktemp("mlruns-sample")
    uri = f"sqlite:///{home}/mlflow.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        args = ["train", "--config", str(ROOT / "configs" / "stance.yaml"), "--set", "tracking.model_name=sample-stance", "--set", "evaluation.masking_probe=false"]
        args += ["--set", "split.cv_folds=2", "--set", "features.text_scores.inner_folds=2", "--set", "evaluation.bootstrap=0"]
        for override in SMALL_MODEL:
            args += ["--set", override]
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return uri, "models:/sample-stance/1"


def _frame(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "outlet", "day", "margin"]).assign(text=lambda f: [f"artikel nomor {i} tentang topik {i} yang berbeda sama sekali" for i in f["id"]])


def test_choose_goes_round_the_outlets_and_prefers_new_days() -> None:
    frame = _frame(
        [
            ("a1", "A", "d1", 0.01), ("a2", "A", "d1", 0.02), ("a3", "A", "d2", 0.03), ("a4", "A", "d1", 0.04),
            ("b1", "B", "d1", 0.05), ("b2", "B", "d1", 0.06),
            ("c1", "C", "d3", 0.50),
        ]
    )
    chosen, candidates, removed = choose(frame, 5, pool=10)
    # Round 1: A (best 0.01), B (0.05), C (0.50); round 2: A's candidate on a day not yet picked
    # (a3, d2) before its more uncertain a2 (d1 again), then B.
    assert chosen["id"].tolist() == ["a1", "b1", "c1", "a3", "b2"]
    assert (candidates, removed) == (7, 0)


def test_choose_keeps_one_of_each_near_duplicate_group() -> None:
    frame = _frame([("a1", "A", "d1", 0.01), ("a2", "A", "d1", 0.02), ("b1", "B", "d1", 0.03)])
    story = "Pemerintah mengumumkan kebijakan baru tentang subsidi energi yang akan berlaku mulai pekan depan di seluruh provinsi"
    frame.loc[frame["id"].isin(["a1", "b1"]), "text"] = story
    chosen, _, removed = choose(frame, 3, pool=10)
    assert chosen["id"].tolist() == ["a1", "a2"] and removed == 1  # b1 repeats a1, the more uncertain copy stays


@pytest.mark.slow
def test_sample_writes_label_studio_tasks_of_uncertain_distinct_articles(model_uri: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", model_uri[0])
    output = tmp_path / "tasks.json"
    result = sample(model_uri[1], [str(DEMO_CORPUS)], output, n=30, explain=2)
    tasks = json.loads(output.read_text(encoding="utf-8"))
    assert len(tasks) == 30 and result.n_scored == 294
    ids = [t["data"]["id"] for t in tasks]
    assert len(set(ids)) == 30
    assert len({t["data"]["outlet"] for t in tasks}) >= 5
    # The picks are among the pool (5 x 30) most uncertain articles, by the model's own margins.
    from framing.track import load_framing

    model = load_framing(model_uri[1]).model
    demo = pd.read_json(DEMO_CORPUS, lines=True)
    proba = np.sort(model.predict_proba(demo["text"].tolist()), axis=1)
    margins = pd.Series(proba[:, -1] - proba[:, -2], index=demo["id"].astype(str))
    assert margins[ids].max() <= margins.sort_values().iloc[149] + 1e-12
    first = tasks[0]
    assert set(first) == {"data", "predictions", "meta"}
    assert set(first["data"]) == {"id", "text", "title", "outlet", "published_at"}
    prediction = first["predictions"][0]
    assert prediction["model_version"] == model_uri[1]
    assert prediction["result"] == [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [result.chosen["label"].iloc[0]]}}]
    assert prediction["score"] == round(float(result.chosen["probability"].iloc[0]), 4)
    assert len(first["meta"]["evidence"]) == 2 and first["meta"]["margin"] == round(float(margins[ids[0]]), 4)
    assert '<Choices name="label" toName="text" choice="single" showInLine="true">' in label_config(result.classes)


@pytest.mark.slow
def test_a_label_studio_export_trains_a_model(model_uri: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", model_uri[0])
    tasks_path = tmp_path / "tasks.json"
    result = runner.invoke(app, ["sample", "--model", model_uri[1], "--input", str(DEMO_CORPUS), "--n", "80", "--explain", "0", "--output", str(tasks_path)])
    assert result.exit_code == 0, result.output
    assert "picked 80 of 294 articles" in result.output
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    # What an annotator's export looks like: Label Studio adds ids and dates, annotations hold the
    # choices. The truth here is the demo corpus's own stance.
    truth = pd.read_json(DEMO_CORPUS, lines=True).set_index("id")["stance"]
    export = []
    for k, task in enumerate(tasks):
        choice = truth[task["data"]["id"]]
        annotation = {"id": 1000 + k, "result": [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [choice]}}],
                      "was_cancelled": False, "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z"}
        entry = {"id": k + 1, "data": task["data"], "annotations": [annotation], "predictions": []}
        if k == 0:  # a later annotation that was cancelled does not count
            entry["annotations"].append(annotation | {"id": 1, "was_cancelled": True, "updated_at": "2026-12-02T10:00:00Z", "result": [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["nonsense"]}}]})
        if k == 1:  # never annotated
            entry["annotations"] = []
        if k == 2:  # two choices in a single-choice control
            entry["annotations"][0]["result"][0]["value"]["choices"] = ["critical", "neutral"]
        export.append(entry)
    export_path = tmp_path / "project-1-at-2026-12-01.json"
    export_path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")

    reader = CorpusReader([str(export_path)], reader="label_studio", label="label", classes=["critical", "neutral", "supportive"])
    corpus = reader.read()
    assert len(corpus.records) == 78
    assert corpus.records.set_index("id")["label"].to_dict() == {t["data"]["id"]: truth[t["data"]["id"]] for t in tasks[3:]} | {tasks[0]["data"]["id"]: truth[tasks[0]["data"]["id"]]}
    assert [(r.location, r.reason) for r in corpus.rejects] == [
        ("item 2", "missing label: field 'label' is empty or absent"),
        ("item 3", "several choices: 'label' has ['critical', 'neutral'], expected one"),
    ]
    assert corpus.records.set_index("id").loc[tasks[5]["data"]["id"], "outlet"] == tasks[5]["data"]["outlet"]

    config = tmp_path / "labelled.yaml"
    config.write_text((ROOT / "configs" / "stance.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    overrides = [f"data.paths=[{export_path}]", "data.reader=label_studio", "data.label=label", "tracking.model_name=labelled-stance", "split.kind=random", "split.cv_folds=2", "evaluation.masking_probe=false", *SMALL_MODEL]
    args = ["train", "--config", str(config)]
    for override in overrides:
        args += ["--set", override]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "records:     78" in result.output and "2 rejected" in result.output


def test_label_studio_rows_and_bad_exports(tmp_path: Path) -> None:
    assert label_studio_row({"data": {"id": "x", "text": "t"}}) == {"id": "x", "text": "t"}
    assert label_studio_row({"annotations": []}) == "broken task: no data object (is this a Label Studio JSON export?)"
    bad = tmp_path / "export.json"
    bad.write_text('{"data": [1, 2', encoding="utf-8")
    with pytest.raises(FramingError, match=r"export\.json: broken JSON: Expecting ',' delimiter at line 1 column 15\.$"):
        CorpusReader([str(bad)], reader="label_studio").read()
    bad.write_text('"just a string"', encoding="utf-8")
    with pytest.raises(FramingError, match=r"export\.json: expected a JSON array of objects, got str\.$"):
        CorpusReader([str(bad)], reader="label_studio").read()


def test_sample_refuses_bad_output_and_too_few_articles(model_uri: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", model_uri[0])
    with pytest.raises(FramingError, match=r"^Got --output .*tasks\.txt, expected a file ending in \.json, \.jsonl, \.csv\.$"):
        sample(model_uri[1], [str(DEMO_CORPUS)], tmp_path / "tasks.txt", n=3)
    same = write_jsonl(tmp_path / "same.jsonl", [{"id": str(i), "text": "Presiden menyampaikan pidato kenegaraan di gedung parlemen hari ini di depan para anggota dewan"} for i in range(4)])
    with pytest.raises(FramingError, match=r"^Only 1 distinct articles among the 4 read \(near-duplicates removed\): asked for 3\. Lower --n\.$"):
        sample(model_uri[1], [str(same)], tmp_path / "tasks.csv", n=3)
    rows = write_jsonl(tmp_path / "few.jsonl", [{"id": str(i), "outlet": "o", "text": f"Artikel ke {i} membahas hal {i} yang sama sekali lain dari artikel lain {i * 7}"} for i in range(5)])
    result = sample(model_uri[1], [str(rows)], tmp_path / "tasks.csv", n=2, explain=0)
    flat = pd.read_csv(tmp_path / "tasks.csv", dtype={"id": str})
    assert flat.columns.tolist() == ["id", "outlet", "published_at", "title", "text", "predicted", "probability", "margin", "evidence"]
    assert flat["id"].tolist() == result.chosen["id"].tolist() and len(flat) == 2
