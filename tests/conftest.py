"""Shared fixtures: paths to ../shared, a private MLflow store, tiny corpora."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEEDS = SHARED / "seeds"

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

# A model that trains in a second or two on a slice of the demo corpus (one LightGBM thread).
SMALL_MODEL = [
    "model.n_estimators=20",
    "model.min_child_samples=1",
    "model.num_leaves=4",
    "model.n_jobs=1",
    "model.params={min_data_in_bin: 1}",
    "features.word.max_features=3000",
]

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present")
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")


@pytest.fixture(scope="session")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite MLflow store for the whole session (a fresh store costs about a second)."""
    home = tmp_path_factory.mktemp("mlruns")
    return f"sqlite:///{home}/mlflow.db"


@pytest.fixture
def mlflow_env(tracking_uri: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    return tracking_uri


@pytest.fixture(autouse=True)
def _restore_tracking_uri():  # noqa: ANN202
    """Tests that point MLflow at a private store must not leave it pointed there."""
    import mlflow

    before = mlflow.get_tracking_uri()
    yield
    mlflow.set_tracking_uri(before)


def demo_slice(per_outlet: int = 10):  # noqa: ANN201 - pandas is imported lazily
    """The first ``per_outlet`` articles of each outlet of the demo corpus (a DataFrame)."""
    import pandas as pd

    from framing.demo import DEMO_CORPUS

    rows = [json.loads(line) for line in DEMO_CORPUS.read_text(encoding="utf-8").splitlines()]
    return pd.DataFrame(rows).groupby("outlet", sort=True).head(per_outlet).reset_index(drop=True)


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    """Write rows (dicts as JSON, strings verbatim) one per line."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path
