"""Batch scoring: screening and rejects, workers, crash and resume, drift, evidence, Spark.

One small model (conftest's SMALL_MODEL settings, fitted on the demo corpus) is
logged once per module, with a drift reference profile, to an MLflow store under tmp.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from conftest import ROOT, SMALL_MODEL, write_jsonl
from typer.testing import CliRunner

from framing.cli import app
from framing.config import ScoringConfig, load_config
from framing.corpus import IdSet
from framing.demo import DEMO_CORPUS, generate
from framing.drift import DriftMonitor, psi, reference_profile
from framing.errors import FramingError
from framing.language import indonesian_share, indonesian_words
from framing.scoring import Progress, ScoringInterrupted, count_rows, plain_progress, score

# Hand-written: one Indonesian article-length paragraph, one English.
INDONESIAN = (
    "Menteri Luar Negeri Iran mengatakan bahwa kerja sama dengan Rusia akan diperluas tahun ini. "
    "Menurut dia, kedua negara telah sepakat untuk membangun jalur perdagangan baru yang tidak "
    "bergantung pada dolar, dan pembicaraan itu juga membahas situasi di kawasan Teluk."
)
ENGLISH = (
    "The Iranian foreign minister said that cooperation with Russia would be expanded this year. "
    "According to him, the two countries have agreed to build a new trade route that does not "
    "depend on the dollar, and the talks also covered the situation in the Gulf region."
)


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return pd.read_json(DEMO_CORPUS, lines=True)


@pytest.fixture(scope="module")
def logged(demo: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """(store URI, model URI with a drift profile, model URI without one, fitted model)."""
    from framing import track
    from framing.model import FramingModel
    from framing.pipeline import build_pipeline

    home = tmp_path_factory.mktemp("mlruns-scoring")
    uri = f"sqlite:///{home}/mlflow.db"
    config = load_config(ROOT / "configs" / "stance.yaml", SMALL_MODEL)
    texts = demo["text"].tolist()
    pipeline = FramingModel(build_pipeline(config).fit(texts, demo["stance"].to_numpy()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        with track.start_run("test-scoring", "with-profile"):
            with_profile, _ = track.log_model(pipeline, demo[["text"]], "scoring-profile", reference=reference_profile(pipeline, texts, 8))
        with track.start_run("test-scoring", "without-profile"):
            without_profile, _ = track.log_model(pipeline, demo[["text"]], "scoring-plain")
    return uri, with_profile, without_profile, pipeline


@pytest.fixture
def store(logged, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: ANN001
    monkeypatch.setenv("MLFLOW_TRACKING_URI", logged[0])
    return logged[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(1000, tmp_path_factory.mktemp("gen") / "gen.jsonl", seed=3)


@pytest.fixture(scope="module")
def reference_run(generated: Path, logged, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    """The uninterrupted run every interrupted one must equal."""
    out = tmp_path_factory.mktemp("reference") / "scores.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", logged[0])
        score(logged[1], [str(generated)], out, chunk_size=100)
    return out


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# -- screening and rejects -----------------------------------------------------------------------
def test_language_check_on_hand_written_text() -> None:
    assert indonesian_words(INDONESIAN) == (39, 20)  # counted by hand
    assert indonesian_share(ENGLISH) == 0.0
    assert indonesian_share("") == 0.0


def test_bad_rows_land_in_rejects_with_reasons(store: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        json.dumps({"id": "ok-1", "text": INDONESIAN}),
        json.dumps({"id": "empty", "text": " "}),
        json.dumps({"id": "english", "text": ENGLISH}),
        json.dumps({"id": "long", "text": INDONESIAN * 4}),
        json.dumps({"id": "short-english", "text": "The minister said so."}),  # too few words to judge
        json.dumps({"id": "ok-1", "text": INDONESIAN}),
        '{"id": "broken", "text": ',
    ]
    source.write_bytes(("\n".join(rows) + "\n").encode("utf-8") + b'{"id": "bytes", "text": "caf\xe9"}\n')
    config = load_config(ROOT / "configs" / "stance.yaml", ["scoring.max_chars=600"])
    summary = score(store, [str(source)], tmp_path / "out.jsonl", config=config, chunk_size=3)
    assert [json.loads(line)["id"] for line in _lines(tmp_path / "out.jsonl")] == ["ok-1", "short-english"]
    rejects = [json.loads(line) for line in _lines(tmp_path / "out.rejects.jsonl")]
    # Chunk by chunk (3 lines each): the reader's rejects, then the screen's.
    assert [(r["location"], r["id"], r["reason"]) for r in rejects] == [
        ("line 2", "empty", "empty text: the text field is empty, whitespace or absent"),
        ("", "english", "not Indonesian: 0.0% of its 46 words are common Indonesian words, fewer than scoring.min_indonesian_share=0.015"),
        ("line 6", "ok-1", "duplicate id: an earlier row has the same id"),
        ("", "long", "too long: 1056 characters, more than scoring.max_chars=600"),
        ("line 7", None, "broken JSON: Expecting value at column 26"),
        ("line 8", None, "undecodable bytes: not valid UTF-8 at byte 28"),
    ]
    assert {r["file"] for r in rejects} == {str(source)}
    assert summary.n_scored == 2 and summary.n_rejects == 6
    assert summary.reject_counts == {"empty text": 1, "not Indonesian": 1, "too long": 1, "duplicate id": 1, "broken JSON": 1, "undecodable bytes": 1}


def test_an_article_the_model_fails_on_is_rejected_and_the_rest_scored(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import framing.scoring

    real = framing.scoring.predict_texts

    def fragile(model, texts, explain=0):  # noqa: ANN001, ANN202
        if any("MELEDAK" in t for t in texts):
            raise RuntimeError("extractor bug on this text")
        return real(model, texts, explain)

    monkeypatch.setattr(framing.scoring, "predict_texts", fragile)
    rows = [{"id": f"a{k}", "text": INDONESIAN} for k in range(4)]
    rows.insert(2, {"id": "bad", "text": INDONESIAN + " MELEDAK"})
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    summary = score(store, [str(source)], tmp_path / "out.jsonl", chunk_size=3)
    assert [json.loads(line)["id"] for line in _lines(tmp_path / "out.jsonl")] == ["a0", "a1", "a2", "a3"]
    rejects = [json.loads(line) for line in _lines(tmp_path / "out.rejects.jsonl")]
    assert [(r["id"], r["reason"]) for r in rejects] == [("bad", "scoring error: RuntimeError: extractor bug on this text")]
    assert summary.n_scored == 4 and summary.reject_counts == {"scoring error": 1}


def test_the_cli_exits_0_with_rejects_and_counts_them_by_reason(store: str, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": INDONESIAN}, {"id": "b", "text": ENGLISH}, {"id": "c", "text": ""}])
    result = CliRunner().invoke(app, ["score", "-m", store, "-i", str(source), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert f"rejected 2 -> {tmp_path / 'out.rejects.jsonl'}; empty text 1; not Indonesian 1" in result.output
    assert pd.read_csv(tmp_path / "out.csv")["id"].tolist() == ["a"]


def test_bad_arguments_are_named(store: str, tmp_path: Path) -> None:
    source = str(write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": INDONESIAN}]))
    out = tmp_path / "out.jsonl"
    with pytest.raises(FramingError, match=r"^Got --workers 0, expected a positive number\.$"):
        score(store, [source], out, workers=0)
    with pytest.raises(FramingError, match=r"^Got --explain -1, expected 0 \(no evidence\) or a positive number of features\.$"):
        score(store, [source], out, explain=-1)
    with pytest.raises(FramingError, match=r"^Got --engine 'dask', expected one of local, spark\.$"):
        score(store, [source], out, engine="dask")
    with pytest.raises(FramingError, match=r"^Got --workers 2 with --engine spark: Spark runs its own tasks"):
        score(store, [source], out, engine="spark", workers=2)


# -- output and the pyfunc agree ------------------------------------------------------------------
def test_scores_and_evidence_equal_the_logged_pyfunc(store: str, demo: pd.DataFrame, tmp_path: Path) -> None:
    sample = demo.head(12)
    source = write_jsonl(tmp_path / "in.jsonl", sample[["id", "text"]].to_dict(orient="records"))
    score(store, [str(source)], tmp_path / "out.jsonl", explain=2, chunk_size=5)
    ours = pd.DataFrame([json.loads(line) for line in _lines(tmp_path / "out.jsonl")])  # read_json rounds floats
    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    theirs = mlflow.pyfunc.load_model(store).predict(sample[["text"]].reset_index(drop=True), params={"explain": 2})
    assert list(ours.columns) == ["id", "label", "p_critical", "p_neutral", "p_supportive", "evidence"]
    assert ours["label"].tolist() == theirs["label"].tolist()
    assert ours["p_critical"].tolist() == theirs["p_critical"].tolist()
    assert ours["evidence"].tolist() == theirs["evidence"].tolist()
    for text, evidence in zip(sample["text"], ours["evidence"]):
        items = json.loads(evidence)
        assert len(items) == 2  # every demo article has at least two features pushing its label
        spans = [cue for item in items for cue in item["cues"] if cue.get("start") is not None]
        assert all(text[cue["start"] : cue["end"]] == cue["text"] for cue in spans)


@pytest.mark.integration
def test_two_workers_write_what_one_writes(store: str, generated: Path, reference_run: Path, tmp_path: Path) -> None:
    score(store, [str(generated)], tmp_path / "two.jsonl", chunk_size=100, workers=2)
    assert (tmp_path / "two.jsonl").read_bytes() == reference_run.read_bytes()


# -- crash, interrupt, resume ---------------------------------------------------------------------
def _start(store_uri: str, model: str, source: Path, output: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, MLFLOW_TRACKING_URI=store_uri, PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "framing.cli", "score", "-m", model, "-i", str(source), "-o", str(output), "--chunk-size", "25", *extra]
    # Ctrl-C must reach Python even when the tests themselves run in the background (nohup, `&`
    # in a script), where SIGINT is inherited as ignored and Python would keep it so.
    default_sigint = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=output.parent, preexec_fn=default_sigint)


def _wait_for_chunks(process: subprocess.Popen, state: Path, chunks: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the run ended before it could be interrupted: {process.communicate()}"
        try:
            if json.loads(state.read_text(encoding="utf-8"))["chunks"] >= chunks:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    raise AssertionError("no chunk committed in time")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _alive(pids: list[int]) -> list[int]:
    """The pids still running (a zombie is dead, only not yet reaped by its new parent)."""
    alive = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                alive.append(pid)
        except OSError:
            pass
    return alive


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find orphaned workers")
def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(logged, store: str, generated: Path, reference_run: Path, tmp_path: Path) -> None:  # noqa: ANN001
    output = tmp_path / "scores.jsonl"
    partial = tmp_path / ".scores.jsonl.partial"
    lock = tmp_path / ".scores.jsonl.lock"
    process = _start(logged[0], store, generated, output, "--workers", "2")
    _wait_for_chunks(process, partial / "state.json", 2)
    workers = _children(process.pid)
    assert len(workers) >= 2  # the two workers (and multiprocessing's resource tracker)
    # While it runs, a second run on the same output is refused, whatever its flags.
    refused = (
        f"Another framing score run (pid {process.pid} on {socket.gethostname()}) is writing to {output}: it holds the lock {lock}. "
        "Wait for it to finish or stop it, or write to another --output; the lock of a run that died is taken over."
    )
    for resume in (False, True):
        with pytest.raises(FramingError, match=f"^{re.escape(refused)}$"):
            score(store, [str(generated)], output, resume=resume)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert not output.exists() and partial.is_dir()
    assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == process.pid  # left behind, but no longer locked
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:  # orphans notice within 0.5 s
        time.sleep(0.1)
    assert _alive(workers) == []

    said: list[str] = []
    with pytest.raises(FramingError, match=r"holds an unfinished run for .*scores\.jsonl\. Pass --resume to continue it, or delete that folder"):
        score(store, [str(generated)], output, report=said.append)
    assert said == [f"took over {lock}: its holder (pid {process.pid} on {socket.gethostname()}) is no longer running"]
    assert not lock.exists()  # released on the error
    state = json.loads((partial / "state.json").read_text(encoding="utf-8"))
    assert 50 <= state["n_scored"] < 1000
    summary = score(store, [str(generated)], output, resume=True, chunk_size=100)
    assert output.read_bytes() == reference_run.read_bytes()
    assert summary.n_scored == 1000 and summary.n_skipped == state["n_scored"]
    assert not partial.exists() and not lock.exists()


def test_a_stale_lock_is_taken_over_and_released_on_error(store: str, tmp_path: Path) -> None:
    """A lock file naming a process that is gone (not locked by anyone) does not stop a run."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    output, lock = tmp_path / "out.jsonl", tmp_path / ".out.jsonl.lock"
    lock.write_text(json.dumps({"pid": gone.pid, "host": "elsewhere"}), encoding="utf-8")
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": INDONESIAN}])
    said: list[str] = []
    with pytest.raises(FramingError, match=r"^Got --model '.*no-model', expected models:/NAME/VERSION"):
        score(str(tmp_path / "no-model"), [str(source)], output, report=said.append)
    assert said == [f"took over {lock}: its holder (pid {gone.pid} on elsewhere) is no longer running"]
    assert not lock.exists()
    lock.write_text(json.dumps({"pid": gone.pid, "host": "elsewhere"}), encoding="utf-8")
    summary = score(store, [str(source)], output, report=said.append)
    assert summary.n_scored == 1 and len(_lines(output)) == 1
    assert not lock.exists()


@pytest.mark.integration
@pytest.mark.parametrize(("stop", "workers"), [(signal.SIGINT, "1"), (signal.SIGTERM, "2")])
def test_ctrl_c_keeps_the_partial_and_resume_finishes_it(logged, store: str, generated: Path, reference_run: Path, tmp_path: Path, stop: int, workers: str) -> None:  # noqa: ANN001
    """Ctrl-C, or SIGTERM from a scheduler: exit 130, the partial kept, --resume completes it."""
    output = tmp_path / "scores.jsonl"
    partial = tmp_path / ".scores.jsonl.partial"
    process = _start(logged[0], store, generated, output, "--workers", workers)
    _wait_for_chunks(process, partial / "state.json", 2)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert "Run the same command with --resume to go on" in stderr
    assert not output.exists() and partial.is_dir()
    result = CliRunner().invoke(app, ["score", "-m", store, "-i", str(generated), "-o", str(output), "--resume", "--chunk-size", "100"])
    assert result.exit_code == 0, result.output
    assert output.read_bytes() == reference_run.read_bytes()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_resume_after_a_torn_write_writes_every_id_and_reject_once(store: str, demo: pd.DataFrame, tmp_path: Path, suffix: str) -> None:
    rows: list[dict | str] = demo[["id", "text"]].head(60).to_dict(orient="records")
    for k in (5, 20, 41):  # bad rows spread over the chunks
        rows.insert(k, {"id": f"empty-{k}", "text": ""})
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    whole = tmp_path / f"whole{suffix}"
    score(store, [str(source)], whole, chunk_size=10)

    output = tmp_path / f"out{suffix}"
    calls = []

    def stop_after_three(progress: Progress) -> None:
        calls.append(progress)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(ScoringInterrupted, match=r"^Interrupted: 2[89] articles are scored and kept in .*\.out\.\w+\.partial\. Run the same command with --resume"):
        score(store, [str(source)], output, chunk_size=10, progress=stop_after_three)
    partial = tmp_path / f".out{suffix}.partial"
    if suffix == ".parquet":
        (partial / "part-000003.parquet").write_bytes(b"PAR1 half a part")  # renamed, never committed
    else:
        with (partial / f"data{suffix}").open("ab") as handle:
            handle.write(b'{"id": "torn')  # a write the kill cut short
    with (partial / "rejects.jsonl").open("ab") as handle:
        handle.write(b'{"file": "x"')

    summary = score(store, [str(source)], output, chunk_size=7, resume=True)  # another chunk size is fine
    read = {".jsonl": lambda p: pd.DataFrame([json.loads(line) for line in _lines(p)]), ".csv": lambda p: pd.read_csv(p, dtype={"id": str}), ".parquet": pd.read_parquet}[suffix]
    assert read(output).equals(read(whole))
    assert _lines(tmp_path / "out.rejects.jsonl") == _lines(tmp_path / "whole.rejects.jsonl")
    assert summary.n_scored == 60 and summary.n_rejects == 3 and summary.reject_counts == {"empty text": 3}


def test_resume_refuses_another_model(logged, store: str, demo: pd.DataFrame, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_jsonl(tmp_path / "in.jsonl", demo[["id", "text"]].head(30).to_dict(orient="records"))

    def stop(progress: Progress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(ScoringInterrupted):
        score(store, [str(source)], tmp_path / "out.jsonl", chunk_size=10, progress=stop)
    with pytest.raises(FramingError, match=r"was written with other settings \(model_uuid: model 'models:/scoring-profile/1'"):
        score(logged[2], [str(source)], tmp_path / "out.jsonl", resume=True)
    # Another screen would reject (or score) rows the first part scored (or rejected).
    stricter = load_config(ROOT / "configs" / "stance.yaml", ["scoring.max_chars=500"])
    with pytest.raises(FramingError, match=r"was written with other settings \(screening: .*screening \{'max_chars': 100000,"):
        score(store, [str(source)], tmp_path / "out.jsonl", config=stricter, resume=True)


# -- drift ---------------------------------------------------------------------------------------
def test_reference_profile_bins_the_top_features_by_gain(logged, demo: pd.DataFrame) -> None:  # noqa: ANN001
    pipeline = logged[3]
    profile = reference_profile(pipeline, demo["text"].tolist(), 5)
    assert json.loads(json.dumps(profile)) == profile
    gains = [f["gain"] for f in profile["features"]]
    assert len(gains) == 5 and gains == sorted(gains, reverse=True) and gains[-1] > 0
    assert all(sum(f["counts"]) == 294 and len(f["counts"]) == len(f["cuts"]) + 2 for f in profile["features"])
    assert profile["n"] == 294


def test_psi_and_monitor_counts() -> None:
    assert psi([10, 30, 60], [10, 30, 60]) == 0.0
    assert psi([100, 0], [50, 50]) == pytest.approx((0.5 - 1) * math.log(0.5 / 1) + (0.5 - 1e-4) * math.log(0.5 / 1e-4))
    profile = {"version": 1, "n": 4, "features": [{"name": "f", "column": 1, "gain": 1.0, "cuts": [0.5], "counts": [2, 1, 1]}]}
    monitor = DriftMonitor(profile, min_rows=1)
    import numpy as np

    counts = monitor.histogram(np.array([[9.0, 0.0], [9.0, 0.2], [9.0, 0.5], [9.0, 3.0]]))
    assert counts.tolist() == [[1, 1, 2]]
    monitor.add(counts)
    monitor.add(counts)
    assert monitor.n == 8 and monitor.counts.tolist() == [[2, 2, 4]]
    assert [d.name for d in monitor.report()] == ["f"]


def test_scoring_the_training_texts_shows_no_drift_and_other_texts_do(store: str, logged, demo: pd.DataFrame, tmp_path: Path) -> None:  # noqa: ANN001
    same = write_jsonl(tmp_path / "same.jsonl", demo[["id", "text"]].to_dict(orient="records"))
    summary = score(store, [str(same)], tmp_path / "same.jsonl.out.jsonl", chunk_size=50, workers=1)
    assert len(summary.drift) == 8 and {d.psi for d in summary.drift} == {0.0} and summary.drifted == []
    assert summary.drift_note is None

    repeated = write_jsonl(tmp_path / "repeated.jsonl", [{"id": str(i), "text": INDONESIAN} for i in range(250)])
    shifted = score(store, [str(repeated)], tmp_path / "repeated.out.jsonl")
    assert shifted.drifted and shifted.drifted == [d for d in shifted.drift if d.psi > 0.25]
    # The summary beside the output (what framing report reads) holds the same counts and drift.
    written = json.loads((tmp_path / "repeated.out.summary.json").read_text(encoding="utf-8"))
    assert (written["n_scored"], written["label_counts"], written["drift_threshold"]) == (250, shifted.label_counts, 0.25)
    assert written["drift"] == [{"name": d.name, "psi": d.psi} for d in shifted.drift]
    assert written["drifted"] == [d.name for d in shifted.drifted]

    plain = score(logged[2], [str(repeated)], tmp_path / "plain.out.jsonl")
    assert plain.drift == [] and plain.drift_note == "drift not checked: the model was logged without a reference profile (retrain it to add one)"
    few = score(store, [str(write_jsonl(tmp_path / "few.jsonl", [{"id": "1", "text": INDONESIAN}]))], tmp_path / "few.out.jsonl")
    assert few.drift_note == "drift not checked: 1 articles profiled, at least 200 needed"


# -- progress, memory helpers --------------------------------------------------------------------
def test_plain_progress_prints_every_n_chunks_with_total_and_eta() -> None:
    lines: list[str] = []
    show = plain_progress(lines.append, every=2)
    for k in range(1, 5):
        show(Progress(done=100 * k, scored=90 * k, rejected=10 * k, skipped=0, total=400, seconds=float(k)))
    assert lines == [
        "200 of 400 articles: 180 scored, 20 rejected (100/s), about 2 s left",
        "400 of 400 articles: 360 scored, 40 rejected (100/s), about 0 s left",
    ]


def test_count_rows_is_cheap_or_none(tmp_path: Path) -> None:
    jsonl = write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": "x"}, {"id": "2", "text": "y"}])
    with jsonl.open("a") as handle:
        handle.write("\n")
    pd.DataFrame({"id": ["3"], "text": ["z"]}).to_parquet(tmp_path / "b.parquet")
    (tmp_path / "c.txt").write_text("t")
    (tmp_path / "d.csv").write_text("id,text\n4,w\n")
    assert count_rows([jsonl, tmp_path / "b.parquet", tmp_path / "c.txt"]) == 4
    assert count_rows([jsonl, tmp_path / "d.csv"]) is None


def test_id_set_remembers_hashes_compactly() -> None:
    ids = IdSet()
    for i in range(150_000):
        ids.add(f"https://example.com/berita/{i}")
    ids.add("https://example.com/berita/7")  # again
    assert len(ids) == 150_000 and ids.nbytes == 8 * 150_000
    assert all(f"https://example.com/berita/{i}" in ids for i in range(0, 150_000, 997))
    assert not any(f"https://example.com/berita/{i}" in ids for i in range(150_000, 160_000))


def test_scoring_config_defaults() -> None:
    assert ScoringConfig().min_indonesian_share == 0.015 and ScoringConfig().language_min_words == 20


# -- Spark ---------------------------------------------------------------------------------------
def _spark_ready() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


@pytest.mark.integration
@pytest.mark.skipif(not _spark_ready(), reason="needs pyspark (pip install -e '.[spark]') and Java 17")
def test_spark_gives_the_local_labels(store: str, generated: Path, tmp_path: Path) -> None:
    source = tmp_path / "some.jsonl"
    source.write_text("".join(generated.read_text(encoding="utf-8").splitlines(keepends=True)[:300]), encoding="utf-8")
    local = score(store, [str(source)], tmp_path / "local.parquet", chunk_size=300)
    spark = score(store, [str(source)], tmp_path / "spark.parquet", chunk_size=300, engine="spark", spark_master="local[2]")
    a, b = pd.read_parquet(tmp_path / "local.parquet"), pd.read_parquet(tmp_path / "spark.parquet")
    assert list(b.columns) == list(a.columns) == ["id", "label", "p_critical", "p_neutral", "p_supportive"]
    assert len(a) == 300 and b["id"].tolist() == a["id"].tolist() and b["label"].tolist() == a["label"].tolist()
    assert (b["p_critical"] - a["p_critical"]).abs().max() < 1e-12
    assert spark.label_counts == local.label_counts


def test_a_parquet_run_without_rows_replaces_an_older_output(store: str, tmp_path: Path) -> None:
    output = tmp_path / "out.parquet"
    score(store, [str(write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": INDONESIAN}]))], output)
    assert pd.read_parquet(output)["id"].tolist() == ["a"]
    summary = score(store, [str(write_jsonl(tmp_path / "b.jsonl", [{"id": "b", "text": ENGLISH}]))], output)
    assert summary.n_scored == 0 and summary.n_rejects == 1
    assert pd.read_parquet(output)["id"].tolist() == []
