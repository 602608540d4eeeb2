"""Splits, metrics, baselines and plots.

The held-out test set and the cross-validation folds come from the same protocol (``split.kind``):

- ``group``: whole groups (by default outlets) on one side only, stratified by label where the
  groups allow it (:class:`~sklearn.model_selection.StratifiedGroupKFold`);
- ``time``: train on the past, test on the future; folds chain forward in time;
- ``random``: stratified random rows (flatters a model that learns outlet habits; never the headline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure
    from sklearn.pipeline import Pipeline

    from framing.config import DataConfig, SplitConfig

__all__ = [
    "NO_BASELINE",
    "SplitError",
    "Split",
    "baseline_pipeline",
    "bootstrap_interval",
    "classification_metrics",
    "majority_baseline",
    "per_group_table",
    "probability_metrics",
    "report",
    "Report",
    "cv_splits",
    "evaluate_model",
    "holdout_split",
]


NO_BASELINE = "no baseline logged with this model (trained before models carried their TF-IDF + LR baseline); retrain it to compare"


class SplitError(FramingError):
    """The data cannot be split as configured; the message says what to change."""


@dataclass(frozen=True)
class Split:
    """Row positions of one train/test split."""

    train: np.ndarray
    test: np.ndarray


def _groups(records: pd.DataFrame, column: str) -> np.ndarray:
    if column not in records.columns:
        raise SplitError(
            f"Got split.group_column={column!r}, but the records have no such field; expected one of {list(records.columns)}. "
            f"To group by a column of your files, map it with data.columns.{column} (e.g. {column}: <file column>)."
        )
    values = records[column]
    missing = int(values.isna().sum() + (values.astype(str).str.strip() == "").sum())
    if missing:
        raise SplitError(
            f"split.kind=group needs {column!r} in every record, but {missing} of {len(values)} lack it. "
            f"Map the column with data.columns.{column} or use split.kind=random."
        )
    return values.astype(str).to_numpy()


def _dates(records: pd.DataFrame, column: str) -> np.ndarray:
    from framing.dates import parse_dates

    if column not in records.columns:
        raise SplitError(
            f"Got split.time_column={column!r}, but the records have no such field; expected one of {list(records.columns)}. "
            f"To split on a date column of your files, map it with data.columns.{column} (e.g. {column}: <file column>)."
        )
    values = records[column]
    parsed = parse_dates(values)
    bad = parsed.isna().to_numpy()
    if bad.any():
        example = values[bad].iloc[0]
        raise SplitError(
            f"split.kind=time needs a date in {column!r} for every record, but {int(bad.sum())} cannot be "
            f"parsed (e.g. {example!r}). Fix or drop those rows, or use another split.kind."
        )
    return parsed.to_numpy(dtype="datetime64[ns]")


def _group_folds(y: np.ndarray, groups: np.ndarray, n_splits: int, seed: int) -> list[Split]:
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise SplitError(f"split.kind=group needs at least 2 distinct groups, got {n_groups}.")
    n_splits = min(n_splits, n_groups)
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [Split(tr, te) for tr, te in folds.split(np.zeros(len(y)), y, groups)]


def _time_folds(dates: np.ndarray, n_splits: int) -> list[Split]:
    """Forward-chaining folds: fold k trains on time blocks 0..k and validates on block k+1."""
    if len(dates) < n_splits + 1:
        raise SplitError(f"split.cv_folds={n_splits} time folds need at least {n_splits + 1} training articles, got {len(dates)}.")
    order = np.argsort(dates, kind="stable")
    blocks = np.array_split(order, n_splits + 1)
    return [Split(np.sort(np.concatenate(blocks[: k + 1])), np.sort(blocks[k + 1])) for k in range(n_splits)]


def _check_training_side(split: Split, y: np.ndarray, what: str) -> Split:
    classes = np.unique(y[split.train])
    if len(classes) < 2:
        raise SplitError(
            f"the training side of {what} has only the class {classes.tolist()}: a classifier needs at least 2. "
            "Use fewer folds (split.cv_folds), another split.kind, or more varied data."
        )
    return split


def holdout_split(records: pd.DataFrame, y: np.ndarray, split: SplitConfig, seed: int) -> Split:
    """Draw the held-out test set.

    Parameters
    ----------
    records
        The corpus records (one row per article).
    y
        Labels aligned with ``records``.
    split
        The ``split`` config section.
    seed
        Random seed for ``random`` and ``group`` splits.

    Returns
    -------
    Split

    Raises
    ------
    SplitError
        The grouping or date column is missing or unusable, or a side would be empty.
    """
    from sklearn.model_selection import train_test_split

    positions = np.arange(len(y))
    if split.kind == "random":
        counts = np.unique(y, return_counts=True)[1]
        stratify = y if counts.min() >= 2 else None
        train, test = train_test_split(positions, test_size=split.test_size, random_state=seed, stratify=stratify)
        result = Split(np.sort(train), np.sort(test))
    elif split.kind == "group":
        groups = _groups(records, split.group_column)
        n_splits = max(2, round(1 / split.test_size))
        result = _group_folds(y, groups, n_splits, seed)[0]
    else:
        import pandas as pd

        dates = _dates(records, split.time_column)
        if split.cutoff is not None:
            cutoff = np.datetime64(pd.Timestamp(split.cutoff), "ns")
        else:
            cutoff = np.datetime64(int(np.quantile(dates.astype(np.int64), 1 - split.test_size)), "ns")
        is_test = dates >= cutoff
        result = Split(positions[~is_test], positions[is_test])
    if len(result.train) == 0 or len(result.test) == 0:
        raise SplitError(f"split.kind={split.kind} left the {'train' if len(result.train) == 0 else 'test'} side empty; change split.test_size or split.cutoff.")
    return _check_training_side(result, y, "the held-out split")


def cv_splits(records: pd.DataFrame, y: np.ndarray, split: SplitConfig, seed: int) -> list[Split]:
    """Cross-validation folds over ``records`` (the training side), respecting ``split.kind``.

    Returns an empty list when ``split.cv_folds`` is 0.
    """
    from sklearn.model_selection import StratifiedKFold

    if split.cv_folds == 0:
        return []
    if split.kind == "group":
        folds = _group_folds(y, _groups(records, split.group_column), split.cv_folds, seed)
    elif split.kind == "time":
        folds = _time_folds(_dates(records, split.time_column), split.cv_folds)
    else:
        counts = np.unique(y, return_counts=True)[1]
        n_splits = min(split.cv_folds, int(counts.min()))
        if n_splits < 2:
            raise SplitError("cross-validation needs at least 2 examples of every class on the training side; set split.cv_folds=0.")
        stratified = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        folds = [Split(tr, te) for tr, te in stratified.split(np.zeros(len(y)), y)]
    return [_check_training_side(fold, y, f"cross-validation fold {k}") for k, fold in enumerate(folds, start=1)]


def classification_metrics(y_true: Any, y_pred: Any, classes: list[str], proba: np.ndarray | None = None) -> dict[str, float]:
    """Macro-F1, accuracy, balanced accuracy, per-class precision/recall/F1, and, given class
    probabilities (columns in the order of ``classes``), log-loss, Brier score and expected
    calibration error (15 bins, top label).

    Macro-F1 averages over the classes that occur in ``y_true`` or ``y_pred``; per-class scores are
    given for every class in ``classes`` that occurs in either. The Brier score is the mean over
    articles of the summed squared error over classes (0 is perfect, 2 the worst).

    Examples
    --------
    >>> m = classification_metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    >>> round(m["macro_f1"], 4), m["accuracy"], m["f1_a"], round(m["f1_b"], 4)
    (0.7333, 0.75, 0.6666666666666666, 0.8)
    """
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    present = [c for c in classes if c in set(y_true) | set(y_pred)]
    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=present, zero_division=0)
    recalls_of_true = [r for name, r in zip(present, recall) if name in set(y_true)]
    metrics = {
        "macro_f1": float(np.mean(f1)) if present else 0.0,
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(np.mean(recalls_of_true)) if recalls_of_true else 0.0,
    }
    for name, p, r, f in zip(present, precision, recall, f1):
        metrics[f"precision_{name}"] = float(p)
        metrics[f"recall_{name}"] = float(r)
        metrics[f"f1_{name}"] = float(f)
    if proba is not None:
        metrics |= probability_metrics(y_true, proba, classes)
    return metrics


def probability_metrics(y_true: Any, proba: np.ndarray, classes: list[str]) -> dict[str, float]:
    """Log-loss, Brier score and top-label expected calibration error (15 equal-width bins).

    Examples
    --------
    >>> m = probability_metrics(["a", "b"], np.array([[0.8, 0.2], [0.4, 0.6]]), ["a", "b"])
    >>> round(m["log_loss"], 4), round(m["brier"], 4), round(m["ece"], 4)
    (0.367, 0.2, 0.3)
    """
    from framing.plots import expected_calibration_error

    y_true = np.asarray(y_true, dtype=object)
    proba = np.asarray(proba, dtype=float)
    onehot = (y_true[:, None] == np.asarray(classes, dtype=object)[None, :]).astype(float)
    eps = 1e-15
    return {
        "log_loss": float(-np.mean(np.log(np.clip((proba * onehot).sum(axis=1), eps, 1.0)))),
        "brier": float(np.mean(((proba - onehot) ** 2).sum(axis=1))),
        "ece": float(expected_calibration_error(y_true, proba, classes, n_bins=15)),
    }


def bootstrap_interval(
    y_true: Any,
    y_pred: Any,
    classes: list[str],
    *,
    groups: Any = None,
    metric: str = "macro_f1",
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """95% percentile interval of a metric, resampling whole groups when ``groups`` is given.

    With a grouped split the articles of one outlet are not independent: resampling outlets, not
    articles, gives an interval as wide as the evidence really is (few test outlets, wide interval).
    A single test group says nothing about how the score varies between groups: the interval is
    then ``(nan, nan)``, not the zero-width interval resampling one group would give.

    Examples
    --------
    >>> bootstrap_interval(list("aabb"), list("aabb"), ["a", "b"], n_boot=50)
    (1.0, 1.0)
    """
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    if n_boot <= 0 or len(y_true) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    if groups is None:
        units = [np.array([i]) for i in range(len(y_true))]
    else:
        groups = np.asarray(groups, dtype=object)
        units = [np.flatnonzero(groups == g) for g in dict.fromkeys(groups.tolist())]
        if len(units) < 2:
            return (float("nan"), float("nan"))
    scores = []
    for _ in range(n_boot):
        picked = np.concatenate([units[i] for i in rng.integers(0, len(units), len(units))])
        scores.append(classification_metrics(y_true[picked], y_pred[picked], classes)[metric])
    low, high = np.percentile(scores, [2.5, 97.5])
    return float(low), float(high)


def per_group_table(y_true: Any, y_pred: Any, groups: Any, classes: list[str]) -> pd.DataFrame:
    """One row per group (e.g. outlet): n, accuracy and macro-F1 of its articles."""
    import pandas as pd

    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    groups = np.asarray(groups, dtype=object)
    rows = []
    for group in sorted(set(groups.tolist()), key=str):
        mask = groups == group
        scores = classification_metrics(y_true[mask], y_pred[mask], classes)
        rows.append({"group": group, "n": int(mask.sum()), "accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]})
    return pd.DataFrame(rows, columns=["group", "n", "accuracy", "macro_f1"])


def majority_baseline() -> Any:
    """The floor: always the most frequent training class."""
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="most_frequent")


def baseline_pipeline(seed: int, cleaner: Any = None) -> Pipeline:
    """The reference every number is compared with: TF-IDF word 1-2 grams + logistic regression.

    ``cleaner`` (the model's own ``clean`` step, cloned) gives the baseline the same cleaned,
    masked text the model reads, so the comparison is between models, not between inputs.
    """
    from sklearn.base import clone
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    steps: list[tuple[str, Any]] = [("clean", clone(cleaner))] if cleaner is not None else []
    steps += [
        ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)),
        ("model", LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed)),
    ]
    return Pipeline(steps)


@dataclass
class Report:
    """Metrics, tables and figures of one model on one labelled set."""

    metrics: dict[str, float]
    tables: dict[str, pd.DataFrame]
    figures: dict[str, Figure]


def report(
    y_true: Any,
    proba: np.ndarray,
    classes: list[str],
    *,
    groups: Any = None,
    interval_groups: Any = None,
    n_boot: int = 1000,
    seed: int = 0,
    title: str = "",
    proba_before: np.ndarray | None = None,
) -> Report:
    """The evaluation of one model on one labelled set: what ``framing train`` logs for its test
    split and ``framing evaluate`` for a new corpus.

    Parameters
    ----------
    y_true
        True labels.
    proba
        Class probabilities, columns in the order of ``classes``.
    classes
        Class names.
    groups
        The group (outlet) of each article, for the per-group breakdown.
    interval_groups
        The group of each article whose groups the split held out: the 95% interval resamples
        whole groups (``None``: resample articles).
    n_boot
        Bootstrap resamples (0: no interval).
    seed
        Bootstrap seed.
    title
        Plot titles start with it.
    proba_before
        Uncalibrated probabilities when ``proba`` is calibrated: metrics ``uncalibrated_*`` and a
        before/after reliability diagram.

    Returns
    -------
    Report
        ``metrics`` (macro-F1 with ``macro_f1_low``/``macro_f1_high``, accuracy, balanced
        accuracy, per-class P/R/F1, log-loss, Brier, ECE), ``tables["per_group"]`` and figures
        ``confusion_matrix``, ``reliability`` and ``per_group``.
    """
    from framing.plots import confusion_figure, group_scores_figure, reliability_figure

    y_true = np.asarray(y_true, dtype=object)
    proba = np.asarray(proba, dtype=float)
    y_pred = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    metrics = classification_metrics(y_true, y_pred, classes, proba)
    low, high = bootstrap_interval(y_true, y_pred, classes, groups=interval_groups, n_boot=n_boot, seed=seed)
    metrics |= {"macro_f1_low": low, "macro_f1_high": high}
    if proba_before is not None:
        before = np.asarray(classes, dtype=object)[np.asarray(proba_before).argmax(axis=1)]
        metrics |= {f"uncalibrated_{k}": v for k, v in classification_metrics(y_true, before, classes, proba_before).items() if k in ("macro_f1", "log_loss", "brier", "ece")}
    figures = {
        "confusion_matrix": confusion_figure(y_true, y_pred, classes, f"{title}{len(y_true)} articles"),
        "reliability": reliability_figure(
            y_true, proba_before if proba_before is not None else proba, classes, title=title.rstrip(": "), proba_after=proba if proba_before is not None else None
        ),
    }
    tables: dict[str, pd.DataFrame] = {}
    if groups is not None:
        table = per_group_table(y_true, y_pred, groups, classes)
        tables["per_group"] = table
        figures["per_group"] = group_scores_figure(
            table.rename(columns={"group": "outlet"}), metric="macro_f1", group="outlet", title=f"{title}macro-F1 per outlet"
        )
    return Report(metrics=metrics, tables=tables, figures=figures)


def evaluate_model(
    model_uri: str,
    data: DataConfig,
    *,
    experiment: str,
    grouped: bool = True,
    n_boot: int = 1000,
    seed: int = 0,
    report_line: Any = None,
) -> tuple[str, dict[str, float]]:
    """Evaluate a logged model on a labelled corpus and log the report as an MLflow run.

    The same metrics, intervals, per-outlet table and plots as a training run's test split, for
    example on a later month. Intervals resample whole outlets when ``grouped`` (articles of one
    outlet are not independent evidence).

    The TF-IDF + LR baseline logged with the model (fitted on the same training rows) is scored on
    the same articles: ``eval_baseline_tfidf_lr_macro_f1`` with its 95% interval
    (``..._low``/``..._high``), and ``eval_macro_f1_margin_over_baseline``, the model's macro-F1
    minus the baseline's. A model logged without a baseline has neither; the run is tagged
    ``framing.baseline`` with :data:`NO_BASELINE`.

    Returns
    -------
    tuple of (str, dict)
        The run id and the metrics (prefixed ``eval_``).
    """
    from framing import track
    from framing.corpus import read_corpus

    if data.label is None:
        raise FramingError("framing evaluate needs the label field: set data.label in the config or pass --label.")
    corpus = read_corpus(data)
    records = corpus.records
    if report_line is not None:
        report_line(f"read {len(records)} records; {corpus.n_rejects} rejected")
    model = track.load_model(model_uri)
    frame = records[["text"]].reset_index(drop=True)
    signature = getattr(getattr(model, "metadata", None), "signature", None)
    takes_title = signature is not None and "title" in signature.inputs.input_names()
    if takes_title and "title" in records and records["title"].notna().any():
        frame["title"] = records["title"].fillna("").astype(str).to_numpy()  # the title text score reads it
    predictions = model.predict(frame)
    classes = [c[2:] for c in predictions.columns if c.startswith("p_")]
    proba = predictions[[f"p_{c}" for c in classes]].to_numpy(dtype=float)
    y_true = records[data.label].astype(str).to_numpy()
    unknown = sorted(set(y_true) - set(classes))
    if unknown:
        raise FramingError(f"Got labels {unknown} in {data.label!r} that the model does not know; it predicts {classes}. Map them with data.label_map.")
    has_outlet = records["outlet"].notna().any()
    groups = records["outlet"].fillna("(unknown)").astype(str).to_numpy() if has_outlet else None
    result = report(
        y_true, proba, classes, groups=groups, interval_groups=groups if grouped else None, n_boot=n_boot, seed=seed, title=f"{data.label}, new data: "
    )
    metrics = {f"eval_{k}": v for k, v in result.metrics.items()}
    baseline = track.load_baseline(model_uri)
    if baseline is not None:
        # The raw texts, as the model's pyfunc reads them; the baseline carries its own cleaner.
        predicted = baseline.predict(records["text"].fillna("").astype(str).tolist())
        score = classification_metrics(y_true, predicted, classes)["macro_f1"]
        low, high = bootstrap_interval(y_true, predicted, classes, groups=groups if grouped else None, n_boot=n_boot, seed=seed)
        metrics |= {
            "eval_baseline_tfidf_lr_macro_f1": score,
            "eval_baseline_tfidf_lr_macro_f1_low": low,
            "eval_baseline_tfidf_lr_macro_f1_high": high,
            "eval_macro_f1_margin_over_baseline": metrics["eval_macro_f1"] - score,
        }
    tags = {"framing.model_uri": model_uri, "framing.head": data.label, "framing.kind": "evaluate"}
    tags["framing.baseline"] = "tfidf_lr" if baseline is not None else NO_BASELINE
    with track.start_run(experiment, run_name=f"evaluate {model_uri}", tags=tags) as run_id:
        track.log_params({"data.fingerprint": corpus.fingerprint(), "data.files": ", ".join(corpus.files), "model.uri": model_uri})
        track.log_metrics(metrics | {"data.n_records": len(records), "data.n_rejects": corpus.n_rejects})
        track.log_rejects(corpus.rejects)
        for name, figure in result.figures.items():
            track.log_figure(figure, f"plots/{name}.png")
        for name, table in result.tables.items():
            track.log_text(table.to_csv(index=False), f"tables/{name}.csv")
    return run_id, metrics
