from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from typer.testing import CliRunner

from framing.cli import app
from framing.track import ui_command

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("train", "score", "ui"):
        assert f" {command} " in result.output


def test_help_and_import_do_not_load_heavy_libraries() -> None:
    code = (
        "import sys, framing, framing.cli\n"
        "heavy = sorted(m for m in ('mlflow', 'lightgbm', 'sklearn', 'pandas', 'optuna') if m in sys.modules)\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_train_with_a_bad_config_exits_2_with_the_message(mlflow_env: str) -> None:
    result = runner.invoke(app, ["train", "--config", str(ROOT / "configs" / "stance.yaml"), "--set", "model.learning_rat=0.1"])
    assert result.exit_code == 2
    assert "model.learning_rat: unknown key" in result.output
    assert "Traceback" not in result.output


def test_train_with_missing_data_exits_2(tmp_path: Path, mlflow_env: str) -> None:
    result = runner.invoke(app, ["train", "-c", str(ROOT / "configs" / "stance.yaml"), "--set", f"data.paths={tmp_path}/none.jsonl"])
    assert result.exit_code == 2
    assert "none.jsonl: no such file or folder. Check data.paths." in result.output


def test_messages_with_brackets_are_printed_as_written(tmp_path: Path, mlflow_env: str) -> None:
    pattern = f"{tmp_path}/news/[a-z]*.csv"
    result = runner.invoke(app, ["train", "-c", str(ROOT / "configs" / "stance.yaml"), "--set", f"data.paths={pattern}"])
    assert result.exit_code == 2
    assert f"{pattern}: no file matches this pattern" in result.output.replace("\n", "")


def test_score_set_without_config(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", "-m", "models:/x/1", "-i", "a.jsonl", "-o", str(tmp_path / "o.jsonl"), "--set", "data.reader=flat"])
    assert result.exit_code == 2
    assert "Got --set data.reader=flat without --config: overrides apply to a config file." in result.output


def test_score_with_an_unknown_model_names_the_store(tmp_path: Path, mlflow_env: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "b"}\n', encoding="utf-8")
    result = runner.invoke(app, ["score", "-m", "models:/no-such-model/1", "-i", str(source), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert f"Got --model 'models:/no-such-model/1', but the tracking store {mlflow_env} has no such model" in result.output.replace("\n", "")


def test_score_with_a_bad_output_extension_exits_2(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "b"}\n', encoding="utf-8")
    result = runner.invoke(app, ["score", "--model", "models:/x/1", "--input", str(source), "--output", str(tmp_path / "o.xml")])
    assert result.exit_code == 2
    assert "expected a file ending in one of .jsonl, .csv, .parquet" in result.output


def test_ui_serves_the_tracking_store_on_localhost(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////tmp/x/mlflow.db")
    command, env = ui_command(5123)
    assert command[1:] == ["-m", "mlflow", "ui", "--backend-store-uri", "sqlite:////tmp/x/mlflow.db", "--host", "127.0.0.1", "--port", "5123", "--workers", "1"]
    assert env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"


def test_features_json_gives_spans_into_the_cleaned_text(tmp_path: Path) -> None:
    import json

    source = tmp_path / "a.jsonl"
    source.write_text(
        json.dumps({"id": "x1", "text": "Teheran, Suara Teheran – Menurut Tasnim, hegemoni AS runtuh.\n\n(ra)"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["features", "--input", str(source), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["id"] == "x1" and found["text"] == "Menurut Tasnim, hegemoni AS runtuh."
    assert [(h["text"], h["category"], h["start"], h["end"]) for h in found["lexicon"]] == [("hegemoni AS", "anti_hegemony", 16, 27)]
    assert [(a["source"], a["group"], a["start"], a["end"]) for a in found["attributions"]] == [("Tasnim", "iranian_state", 8, 14)]


def test_features_table_names_every_cue(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("Menurut Interfax, rezim Kiev menolak.", encoding="utf-8")
    result = runner.invoke(app, ["features", "--input", str(source)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "a.txt  (cleaning removed: nothing)" in result.output
    assert "│ lexicon     │ delegitimising_label │ rezim Kiev │ 18-28 │" in result.output
    assert "│ attribution │ russian_state        │ Interfax   │ 8-16  │ Menurut (indirect) │" in result.output


def test_lexicon_suggest_ranks_terms_per_class(tmp_path: Path, mlflow_env: str) -> None:
    import json

    rows = [{"id": f"s{i}", "text": "Rezim Zionis dan hegemoni Barat kembali dikecam keras hari ini.", "stance": "supportive"} for i in range(6)]
    rows += [{"id": f"c{i}", "text": "Sanksi baru diumumkan terhadap Teheran dan Moskwa hari ini.", "stance": "critical"} for i in range(6)]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    args = ["lexicon", "suggest", "-c", str(ROOT / "configs" / "stance.yaml"), "--label", "stance", "--set", f"data.paths={data}", "--top", "30", "--json", "--all-data", "--set", "split.kind=random", "--set", "dedup.enabled=false"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    table = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    supportive = {r["term"]: r for r in table if r["class"] == "supportive"}
    assert all(r["count_in_class"] == 6 and r["count_rest"] == 0 for r in supportive.values())
    assert {"rezim", "zionis", "rezim zionis", "hegemoni barat", "dikecam keras"} <= set(supportive)
    assert "hari ini" not in supportive  # in both classes: separates nothing
    assert supportive["rezim zionis"]["in_lexicon"] == "delegitimising_label"
    assert supportive["dikecam keras"]["in_lexicon"] == ""
    assert {r["class"] for r in table} == {"supportive", "critical"}


def test_public_names_are_the_objects_not_modules() -> None:
    import types

    import framing
    import framing.scoring  # importing submodules must not shadow the exports
    import framing.training

    for name in framing.__all__:
        assert not isinstance(getattr(framing, name), types.ModuleType), name
