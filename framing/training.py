"""``framing train``: read, split, cross-validate, fit, evaluate, and log one MLflow run."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from framing.config import Config, flatten
from framing.errors import FramingError

__all__ = ["TrainResult", "code_version", "train"]


@dataclass
class TrainResult:
    """What a training run produced; everything here is also in the MLflow run."""

    run_id: str
    model_uri: str
    model_version: str | None
    metrics: dict[str, float]
    classes: list[str]
    n_records: int
    n_train: int
    n_test: int
    n_rejects: int
    fingerprint: str
    cv_scores: list[float] = field(default_factory=list)


def code_version() -> dict[str, str]:
    """The git commit of the framing source (and whether the tree had local changes), if known."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        if commit.returncode != 0:
            return {}
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, timeout=5)
        return {"git_commit": commit.stdout.strip(), "git_dirty": str(bool(dirty.stdout.strip())).lower()}
    except (OSError, subprocess.SubprocessError):
        return {}


def _say(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(message)


def train(config: Config, *, config_path: str | Path | None = None, report: Callable[[str], None] = _say) -> TrainResult:
    """Train and evaluate the pipeline a config describes, logging everything to one MLflow run.

    Steps: read the corpus (rejects counted), draw the held-out split, cross-validate on the
    training side with the same grouping, fit on the training side, evaluate on the test side
    beside a TF-IDF + logistic regression baseline, log the model and register it.

    Parameters
    ----------
    config
        A validated config.
    config_path
        The YAML file the config came from (logged as an artifact beside the resolved config).
    report
        Receives one line per step (progress for the terminal).

    Returns
    -------
    TrainResult

    Raises
    ------
    FramingError
        No label field is configured, or the data has fewer than 2 classes.
    framing.corpus.CorpusError
        A file-level problem in the data.
    framing.evaluate.SplitError
        The data cannot be split as configured.
    """
    import yaml

    from framing import track
    from framing.corpus import read_corpus
    from framing.evaluate import baseline_pipeline, classification_metrics, confusion_figure, cv_splits, holdout_split
    from framing.pipeline import build_pipeline

    if config.data.label is None:
        raise FramingError(f"Got data.label=None in {config_path or 'the config'}, expected the name of the label field to train on.")
    started = time.perf_counter()
    corpus = read_corpus(config.data)
    # Sorted by id, the split depends on the records alone, not on the order of files and lines.
    records = corpus.records.sort_values("id", kind="stable", ignore_index=True)
    label = config.data.label
    report(f"read {len(records)} records from {len(corpus.files)} file(s); {corpus.n_rejects} rejected")
    y = records[label].astype(str).to_numpy()
    classes = list(config.data.classes) if config.data.classes else sorted(set(y))
    if len(set(y)) < 2:
        raise FramingError(f"Training needs at least 2 classes in {label!r}, found {sorted(set(y))}.")

    split = holdout_split(records, y, config.split, config.seed)
    train_records, test_records = records.iloc[split.train], records.iloc[split.test]
    y_train, y_test = y[split.train], y[split.test]
    report(f"split {config.split.kind}: {len(split.train)} train, {len(split.test)} test ({len(split.test) / len(records):.0%})")
    gaps = {
        "framing.classes_missing_from_train": sorted(set(classes) - set(y_train)),
        "framing.classes_missing_from_test": sorted(set(classes) - set(y_test)),
    }
    for tag, missing in gaps.items():
        if missing:
            report(f"warning: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} absent from the {tag.rsplit('_', 1)[1]} side")

    resolved = config.model_dump(mode="json")
    tags = {"framing.head": label, "framing.split": config.split.kind} | {f"framing.{k}": v for k, v in code_version().items()}
    tags |= {tag: ", ".join(missing) for tag, missing in gaps.items() if missing}
    with track.start_run(config.tracking.experiment, run_name=config.name, tags=tags) as run_id:
        track.log_params(flatten(resolved))
        track.log_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True), "config/resolved.yaml")
        if config_path is not None:
            track.log_text(Path(config_path).read_text(encoding="utf-8"), f"config/{Path(config_path).name}")
        fingerprint = corpus.fingerprint()
        track.log_params({"data.fingerprint": fingerprint, "data.files": ", ".join(corpus.files), "model.classes": ", ".join(classes)})
        track.log_metrics({"data.n_records": len(records), "data.n_rejects": corpus.n_rejects, "data.n_train": len(split.train), "data.n_test": len(split.test), "data.test_share": len(split.test) / len(records)})
        track.log_rejects(corpus.rejects)
        track.log_json(
            {"kind": config.split.kind, "train_ids": train_records["id"].tolist(), "test_ids": test_records["id"].tolist()},
            "data/split_manifest.json",
        )

        cv_scores: list[float] = []
        folds = cv_splits(train_records, y_train, config.split, config.seed)
        for number, fold in enumerate(folds, start=1):
            model = build_pipeline(config).fit(train_records["text"].iloc[fold.train].tolist(), y_train[fold.train])
            predicted = model.predict(train_records["text"].iloc[fold.test].tolist())
            score = classification_metrics(y_train[fold.test], predicted, classes)["macro_f1"]
            cv_scores.append(score)
            track.log_metrics({"cv_macro_f1": score}, step=number)
            report(f"cv fold {number}/{len(folds)}: macro-F1 {score:.3f}")

        pipeline = build_pipeline(config).fit(train_records["text"].tolist(), y_train)
        predicted = pipeline.predict(test_records["text"].tolist())
        metrics = {f"test_{k}": v for k, v in classification_metrics(y_test, predicted, classes).items()}
        if cv_scores:
            metrics |= {"cv_macro_f1_mean": float(np.mean(cv_scores)), "cv_macro_f1_std": float(np.std(cv_scores))}

        baseline = baseline_pipeline(config.seed, pipeline.named_steps.get("clean")).fit(train_records["text"].tolist(), y_train)
        baseline_metrics = classification_metrics(y_test, baseline.predict(test_records["text"].tolist()), classes)
        metrics |= {f"baseline_tfidf_lr_test_{k}": v for k, v in baseline_metrics.items() if k in ("macro_f1", "accuracy")}
        metrics["test_macro_f1_margin_over_baseline"] = metrics["test_macro_f1"] - baseline_metrics["macro_f1"]
        track.log_metrics(metrics)
        track.log_figure(
            confusion_figure(y_test, predicted, classes, f"{label}: held-out {config.split.kind} split, {len(y_test)} articles"),
            "plots/confusion_matrix.png",
        )
        model_uri, version = track.log_model(
            pipeline, test_records[["text"]], config.tracking.model_name if config.tracking.register_model else None
        )
        track.log_metrics({"train_seconds": time.perf_counter() - started})

    return TrainResult(
        run_id=run_id,
        model_uri=model_uri,
        model_version=version,
        metrics=metrics,
        classes=classes,
        n_records=len(records),
        n_train=len(split.train),
        n_test=len(split.test),
        n_rejects=corpus.n_rejects,
        fingerprint=fingerprint,
        cv_scores=cv_scores,
    )
