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

    from framing.config import SplitConfig

__all__ = [
    "SplitError",
    "Split",
    "baseline_pipeline",
    "classification_metrics",
    "confusion_figure",
    "cv_splits",
    "holdout_split",
]


class SplitError(FramingError):
    """The data cannot be split as configured; the message says what to change."""


@dataclass(frozen=True)
class Split:
    """Row positions of one train/test split."""

    train: np.ndarray
    test: np.ndarray


def _groups(records: pd.DataFrame, column: str) -> np.ndarray:
    if column not in records.columns:
        raise SplitError(f"Got split.group_column={column!r}, but the records have no such field; expected one of {list(records.columns)}.")
    values = records[column]
    missing = int(values.isna().sum() + (values.astype(str).str.strip() == "").sum())
    if missing:
        raise SplitError(
            f"split.kind=group needs {column!r} in every record, but {missing} of {len(values)} lack it. "
            f"Map the column with data.columns.{column} or use split.kind=random."
        )
    return values.astype(str).to_numpy()


def _dates(records: pd.DataFrame, column: str) -> np.ndarray:
    import pandas as pd

    if column not in records.columns:
        raise SplitError(f"Got split.time_column={column!r}, but the records have no such field.")
    values = records[column]
    # ISO 8601 first; anything else day-first, as Indonesian dates are written (05/02/2024 = 5 Feb).
    parsed = pd.to_datetime(values, errors="coerce", format="ISO8601", utc=True)
    rest = parsed.isna() & values.notna()
    if rest.any():
        parsed[rest] = pd.to_datetime(values[rest], errors="coerce", format="mixed", dayfirst=True, utc=True)
    bad = parsed.isna()
    if bad.any():
        example = records.loc[bad, column].iloc[0]
        raise SplitError(
            f"split.kind=time needs a date in {column!r} for every record, but {int(bad.sum())} cannot be "
            f"parsed (e.g. {example!r}). Use ISO dates (2024-08-05)."
        )
    return parsed.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")


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


def classification_metrics(y_true: Any, y_pred: Any, classes: list[str]) -> dict[str, float]:
    """Macro-F1, accuracy, and per-class precision, recall and F1.

    Macro-F1 averages over the classes that occur in ``y_true`` or ``y_pred``; per-class scores are
    given for every class in ``classes`` that occurs in either.

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
    metrics = {"macro_f1": float(np.mean(f1)) if present else 0.0, "accuracy": float(accuracy_score(y_true, y_pred))}
    for name, p, r, f in zip(present, precision, recall, f1):
        metrics[f"precision_{name}"] = float(p)
        metrics[f"recall_{name}"] = float(r)
        metrics[f"f1_{name}"] = float(f)
    return metrics


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


def confusion_figure(y_true: Any, y_pred: Any, classes: list[str], title: str) -> Figure:
    """A confusion-matrix figure with counts and row-normalised shading."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    counts = confusion_matrix(y_true, y_pred, labels=classes)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = 1.2 + 1.1 * len(classes)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", color="white" if share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=30, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="share of true class")
    fig.tight_layout()
    return fig
