"""Evaluation plots logged to MLflow, and the calibration metric the reliability plot shows.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global figure
registry, so nothing leaks when a caller forgets to close one) on the non-interactive Agg backend.
matplotlib is imported inside the functions, so ``import framing`` stays fast.

:func:`expected_calibration_error` lives here, beside :func:`reliability_figure`, because the
number in the plot's legend and the logged metric must come from the same binning.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "comparison_figure",
    "confusion_figure",
    "expected_calibration_error",
    "group_scores_figure",
    "reliability_figure",
    "top_features_figure",
]

_SPARE_COLOURS = ["#d62728", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f"]
_BAR = "#4c72b0"
_BEFORE = "#dd8452"
_AFTER = "#4c72b0"
_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85}


# --------------------------------------------------------------------------------------------------
# helpers


def _figure(width: float, height: float, **kwargs: Any) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    # A little more than the default margin: the last tick label ("1.0") otherwise touches the edge.
    return Figure(figsize=(width, height), layout=ConstrainedLayoutEngine(w_pad=0.08, h_pad=0.08), **kwargs)


def _title(fig: Figure, title: str) -> None:
    """A figure-level title, wrapped to the figure width.

    An axes title is centred over the axes and constrained layout does not make room for it when
    it is wider, so long titles over a narrow matrix or beside long tick labels were cut off.
    """
    if title:
        width = fig.get_size_inches()[0]
        fig.suptitle("\n".join(textwrap.wrap(title, max(20, int(width * 10.5)))), fontsize=11.5)


def _legend_below(fig: Figure, ax: Axes, **kwargs: Any) -> None:
    """The legend under the axes, where it cannot cover a bar or its label."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(handles)), frameon=False, fontsize=8.5, **kwargs)


def _shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis in the middle.

    The middle goes rather than the end: feature and variant names differ most at their ends
    (``lexicon__density_pro_x`` against ``lexicon__density_pro_y``).
    """
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    tail = limit - 1 - head
    return text[:head] + "…" + text[len(text) - tail :]


def _require_columns(table: pd.DataFrame, columns: Sequence[str], argument: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise FramingError(f"Got {argument} without column(s) {missing!r}, expected them among {list(map(str, table.columns))!r}.")


def _numbers(table: pd.DataFrame, column: str) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & table[column].notna().to_numpy()
    if bad.any():
        example = table[column][bad].iloc[0]
        raise FramingError(f"Got {column}={example!r}, expected a number (or an empty cell).")
    return values


def _interval(table: pd.DataFrame, metric: str, values: np.ndarray) -> np.ndarray | None:
    """Asymmetric error-bar lengths (2 x n) from ``<metric>_low``/``<metric>_high``, if both exist."""
    low_name, high_name = f"{metric}_low", f"{metric}_high"
    if low_name not in table.columns or high_name not in table.columns:
        return None
    low, high = _numbers(table, low_name), _numbers(table, high_name)
    # A missing bound or a point estimate outside its own interval draws no bar (rather than a
    # negative length, which matplotlib rejects).
    lengths = np.vstack([values - low, high - values])
    lengths[:, ~np.isfinite(lengths).all(axis=0) | (lengths < 0).any(axis=0)] = 0.0
    return lengths


def _value_axis(ax: Axes, lows: np.ndarray, highs: np.ndarray, room: float = 0.16) -> float:
    """Set the x range to hold the bars, their intervals and a label after each; returns the pad."""
    finite_low, finite_high = lows[np.isfinite(lows)], highs[np.isfinite(highs)]
    left = min(0.0, float(finite_low.min())) if finite_low.size else 0.0
    right = max(0.0, float(finite_high.max())) if finite_high.size else 1.0
    if 0.0 <= left and right <= 1.0 and right > 0.5:
        right = 1.0  # scores in [0, 1]: a fixed scale keeps runs comparable
    span = (right - left) or 1.0
    ax.set_xlim(left, right + room * span)
    return 0.012 * span


def _validate_probabilities(proba: Any, n: int, classes: Sequence[str], name: str) -> np.ndarray:
    try:
        values = np.asarray(proba, dtype=float)
    except (TypeError, ValueError) as error:
        raise FramingError(f"Got {name} that is not numeric ({error}), expected an array of probabilities.") from None
    if values.ndim != 2 or values.shape != (n, len(classes)):
        raise FramingError(
            f"Got {name} of shape {values.shape}, expected ({n}, {len(classes)}): one row per label in y_true "
            "and one column per class, in the order of classes."
        )
    if not np.isfinite(values).all():
        raise FramingError(f"Got {name} with NaN or infinite values, expected probabilities in [0, 1].")
    if values.min(initial=0.0) < -1e-9 or values.max(initial=0.0) > 1 + 1e-9:
        raise FramingError(
            f"Got {name} with values from {values.min():.4g} to {values.max():.4g}, expected probabilities in [0, 1] "
            "(predict_proba output, not decision scores)."
        )
    return values


def _top_label(y_true: Any, proba: Any, classes: Sequence[str], name: str = "proba") -> tuple[np.ndarray, np.ndarray]:
    """Top-label confidence and whether the top label is right, per row."""
    classes = list(classes)
    if not classes or len(set(classes)) != len(classes):
        raise FramingError(f"Got classes={classes!r}, expected a non-empty list of distinct class names.")
    truth = np.asarray(y_true, dtype=object).ravel()
    if truth.size == 0:
        raise FramingError("Got y_true with no labels, expected at least one: calibration is undefined on no articles.")
    unknown = sorted({str(v) for v in truth} - {str(c) for c in classes})
    if unknown:
        raise FramingError(
            f"Got labels {unknown[:5]!r} in y_true that are not in classes={classes!r}; "
            "pass the classes the probabilities were computed for (the model's classes_)."
        )
    values = _validate_probabilities(proba, truth.size, classes, name)
    top = values.argmax(axis=1)  # first maximum on ties, as predict() does
    predicted = np.asarray([str(c) for c in classes], dtype=object)[top]
    correct = predicted == np.asarray([str(v) for v in truth], dtype=object)
    return values[np.arange(truth.size), top], correct.astype(bool)


def _check_bins(n_bins: Any) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise FramingError(f"Got n_bins={n_bins!r}, expected a positive integer (15 is usual).")
    return int(n_bins)


def _bin_stats(confidence: np.ndarray, correct: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per equal-width bin: article count, mean confidence and accuracy (NaN where empty).

    Bins are closed on the right, ``(k/n_bins, (k+1)/n_bins]``, with 0 in the first one, so a
    confidence of exactly 1.0 falls in the last bin without a special case.
    """
    inner_edges = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    index = np.searchsorted(inner_edges, confidence, side="left")
    counts = np.bincount(index, minlength=n_bins).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, weights=confidence, minlength=n_bins) / counts
        accuracy = np.bincount(index, weights=correct.astype(float), minlength=n_bins) / counts
    return counts, mean_confidence, accuracy


def _ece(counts: np.ndarray, mean_confidence: np.ndarray, accuracy: np.ndarray) -> float:
    used = counts > 0
    return float(np.sum(counts[used] * np.abs(accuracy[used] - mean_confidence[used])) / counts.sum())


# --------------------------------------------------------------------------------------------------
# calibration


def expected_calibration_error(y_true: Any, proba: Any, classes: Sequence[str], n_bins: int = 15) -> float:
    """Top-label expected calibration error (Guo et al. 2017, "On Calibration of Modern Neural Networks").

    The confidence of a prediction is the largest class probability; predictions are grouped in
    ``n_bins`` equal-width confidence bins ``(k/n_bins, (k+1)/n_bins]``, and the error is

    ``ECE = sum over bins b of |accuracy(b) - mean confidence(b)| * n_b / n``.

    Parameters
    ----------
    y_true
        The true labels, one per row of ``proba``.
    proba
        Predicted probabilities, shape ``(n, len(classes))``, columns in the order of ``classes``.
    classes
        The class names of the columns of ``proba`` (the model's ``classes_``).
    n_bins
        Number of equal-width confidence bins.

    Returns
    -------
    float
        In ``[0, 1]``; 0 for a perfectly calibrated model.

    Raises
    ------
    FramingError
        The shapes disagree, a label is not among ``classes``, ``proba`` is not a probability array,
        there are no labels, or ``n_bins`` is not a positive integer.

    Examples
    --------
    Two predictions at confidence 0.9 (one right) in the bin (0.75, 1] and one at 0.6 (right) in
    (0.5, 0.75]: ``|0.5 - 0.9| * 2/3 + |1 - 0.6| * 1/3 = 0.4``.

    >>> proba = [[0.9, 0.1], [0.1, 0.9], [0.6, 0.4]]
    >>> round(expected_calibration_error(["a", "a", "a"], proba, ["a", "b"], n_bins=4), 4)
    0.4
    """
    n_bins = _check_bins(n_bins)
    confidence, correct = _top_label(y_true, proba, classes)
    return _ece(*_bin_stats(confidence, correct, n_bins))


def reliability_figure(
    y_true: Any,
    proba: Any,
    classes: Sequence[str],
    *,
    n_bins: int = 15,
    title: str = "",
    proba_after: Any = None,
) -> Figure:
    """Reliability diagram of the top-label confidence, with the ECE in the legend.

    The upper panel plots, for every non-empty confidence bin, the accuracy against the mean
    confidence of the predictions in it (the points the ECE measures the distance of from the
    diagonal); the lower panel shows how many articles fall in each bin.

    Parameters
    ----------
    y_true
        The true labels.
    proba
        Predicted probabilities, shape ``(n, len(classes))``.
    classes
        The class names of the columns of ``proba``.
    n_bins
        Number of equal-width confidence bins, as in :func:`expected_calibration_error`.
    title
        Figure title; a default one names the number of articles.
    proba_after
        Calibrated probabilities for the same articles; when given, both curves are drawn and
        labelled ``before`` and ``after``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    FramingError
        As :func:`expected_calibration_error`, for ``proba`` or ``proba_after``.
    """
    n_bins = _check_bins(n_bins)
    curves = [("before" if proba_after is not None else "model", _top_label(y_true, proba, classes), _BEFORE if proba_after is not None else _AFTER)]
    if proba_after is not None:
        curves.append(("after", _top_label(y_true, proba_after, classes, "proba_after"), _AFTER))
    n = curves[0][1][0].size

    fig = _figure(6.0, 6.4)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    width = 1.0 / n_bins
    # Top-label confidence is at least 1/k when rows sum to 1: start at the bin edge below that,
    # or below the smallest confidence seen, so the plot is not one third empty for 3 classes.
    lowest = min(1.0 / len(classes), *(float(c.min()) for _, (c, _), _ in curves))
    left = min(np.floor(lowest * n_bins + 1e-9) / n_bins, 1.0 - width)

    top.plot([left, 1], [left, 1], linestyle="--", color="0.55", linewidth=1, label="perfect calibration")
    offsets = [0.0] if len(curves) == 1 else [-width / 4, width / 4]
    bar_width = width * (0.85 if len(curves) == 1 else 0.42)
    centres = (np.arange(n_bins) + 0.5) * width
    for (label, (confidence, correct), colour), offset in zip(curves, offsets):
        counts, mean_confidence, accuracy = _bin_stats(confidence, correct, n_bins)
        used = counts > 0
        ece = _ece(counts, mean_confidence, accuracy)
        top.plot(
            mean_confidence[used], accuracy[used], marker="o", markersize=5, linewidth=1.6, color=colour, label=f"{label}: ECE {ece:.3f}"
        )
        bottom.bar(centres + offset, counts, width=bar_width, color=colour, alpha=0.85, label=label)

    top.set_xlim(left, 1.0)
    top.set_ylim(0.0, 1.02)
    top.set_ylabel("accuracy in bin")
    top.grid(True, color="0.92", linewidth=0.8)
    top.set_axisbelow(True)
    top.legend(loc="upper left", frameon=False)
    _title(fig, title or f"Reliability of the top-label confidence ({n} articles, {n_bins} bins)")
    bottom.set_xlabel("top-label confidence (probability of the predicted class)")
    bottom.set_ylabel("articles")
    bottom.grid(True, axis="y", color="0.92", linewidth=0.8)
    bottom.set_axisbelow(True)
    for ax in (top, bottom):
        ax.spines[["top", "right"]].set_visible(False)
    return fig


# --------------------------------------------------------------------------------------------------
# confusion matrix


def confusion_figure(y_true: Any, y_pred: Any, classes: Sequence[str], title: str = "") -> Figure:
    """A confusion matrix: counts and row shares in the cells, shading by the share of the true class.

    Parameters
    ----------
    y_true, y_pred
        True and predicted labels; labels not in ``classes`` are left out, as in
        :func:`sklearn.metrics.confusion_matrix`.
    classes
        Row and column order. A class with no articles gets an empty row (``n=0``).
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    FramingError
        ``y_true`` and ``y_pred`` differ in length, or ``classes`` is empty or has duplicates.
    """
    classes = [str(c) for c in classes]
    if not classes or len(set(classes)) != len(classes):
        raise FramingError(f"Got classes={classes!r}, expected a non-empty list of distinct class names.")
    truth = np.asarray([str(v) for v in np.asarray(y_true, dtype=object).ravel()], dtype=object)
    predicted = np.asarray([str(v) for v in np.asarray(y_pred, dtype=object).ravel()], dtype=object)
    if truth.size != predicted.size:
        raise FramingError(f"Got {truth.size} true and {predicted.size} predicted labels, expected as many of each.")

    # Counted here rather than with sklearn: no sklearn import, and no error when a class is absent.
    index = {c: i for i, c in enumerate(classes)}
    rows = np.fromiter((index.get(v, -1) for v in truth), dtype=int, count=truth.size)
    cols = np.fromiter((index.get(v, -1) for v in predicted), dtype=int, count=predicted.size)
    keep = (rows >= 0) & (cols >= 0)
    k = len(classes)
    counts = np.bincount(rows[keep] * k + cols[keep], minlength=k * k).reshape(k, k)
    support = counts.sum(axis=1)
    share = counts / np.maximum(support[:, None], 1)

    labels = [_shorten(c, 24) for c in classes]
    row_labels = [f"{label} (n={n})" for label, n in zip(labels, support)]
    rotate = max(map(len, labels)) > 4
    # Size the figure from its parts (about 0.083 in per character of 10-pt text) so the square
    # cells fill it instead of floating in slack left by equal aspect.
    cell = 1.05 if k <= 6 else max(0.5, 6.3 / k)
    font = 10 if k <= 6 else max(6.5, 70 / k)
    width = 2.0 + 0.09 * max(map(len, row_labels)) + cell * k
    title_lines = len(textwrap.wrap(title, max(20, int(width * 10.5)))) if title else 0
    x_labels = 0.15 + (0.042 * max(map(len, labels)) if rotate else 0.1)
    height = 0.8 + 0.25 * title_lines + cell * k + x_labels
    fig = _figure(width, height)
    ax = fig.subplots()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            text = f"{counts[i, j]}\n{share[i, j]:.0%}" if counts[i, j] else "0"
            ax.text(j, i, text, ha="center", va="center", fontsize=font, color="white" if share[i, j] > 0.55 else "black")
    ax.set_xticks(range(k), labels, rotation=30 if rotate else 0, ha="right" if rotate else "center")
    ax.set_yticks(range(k), row_labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    _title(fig, title)
    fig.colorbar(image, ax=ax, label="share of true class", shrink=0.8)
    return fig


# --------------------------------------------------------------------------------------------------
# bar charts


def group_scores_figure(table: pd.DataFrame, *, metric: str = "macro_f1", group: str = "outlet", title: str = "") -> Figure:
    """Horizontal bars of a metric per group (e.g. macro-F1 per outlet), best at the top.

    Parameters
    ----------
    table
        One row per group, with columns ``group`` and ``metric``; optional ``n`` (articles in the
        group, shown beside its name) and ``<metric>_low``/``<metric>_high`` (an interval, drawn
        as error bars when both columns exist). A missing score (NaN) is drawn as ``n/a`` at the
        bottom.
    metric
        The column to plot.
    group
        The column naming the groups.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    FramingError
        A column is missing or not numeric, the table is empty, or a group appears twice.
    """
    _require_columns(table, [group, metric], "table")
    if len(table) == 0:
        raise FramingError(f"Got an empty table, expected one row per {group}.")
    names = table[group].astype(str).tolist()
    repeated = sorted({g for g in names if names.count(g) > 1})
    if repeated:
        raise FramingError(f"Got {group} values {repeated[:5]!r} on several rows, expected one row per {group}.")
    values = _numbers(table, metric)
    errors = _interval(table, metric, values)
    sizes = _numbers(table, "n") if "n" in table.columns else None

    # barh draws the first row at the bottom: sort ascending so the best group is on top, NaN lowest.
    order = np.argsort(np.where(np.isnan(values), -np.inf, values), kind="stable")
    values = values[order]
    names = [names[i] for i in order]
    errors = errors[:, order] if errors is not None else None
    labels = [_shorten(g, 28) for g in names]
    if sizes is not None:
        labels = [f"{label}  (n={int(s)})" if np.isfinite(s) else f"{label}  (n=?)" for label, s in zip(labels, sizes[order])]

    count = len(values)
    fig = _figure(7.0, 1.3 + 0.34 * max(count, 2))
    ax = fig.subplots()
    positions = np.arange(count)
    drawn = np.nan_to_num(values, nan=0.0)
    ax.barh(
        positions,
        drawn,
        height=0.68,
        color=_BAR,
        xerr=errors,
        error_kw={"ecolor": "0.25", "elinewidth": 1, "capsize": 2.5},
    )
    ends = values + (errors[1] if errors is not None else 0.0)
    starts = values - (errors[0] if errors is not None else 0.0)
    pad = _value_axis(ax, np.append(starts, 0.0), np.append(ends, values))
    for y, value, end in zip(positions, values, ends):
        text = "n/a" if np.isnan(value) else f"{value:.3f}"
        # A white box keeps the number readable where it crosses the mean line.
        ax.text((0.0 if np.isnan(end) else end) + pad, float(y), text, va="center", fontsize=8.5, color="0.2", bbox=_LABEL_BOX)
    if np.isfinite(values).sum() >= 2:
        mean = float(np.nanmean(values))
        ax.axvline(mean, color="0.35", linestyle="--", linewidth=1, label=f"unweighted mean {mean:.3f}")
        _legend_below(fig, ax)
    ax.set_yticks(positions, labels)
    ax.set_ylim(-0.6, count - 0.4)
    ax.set_xlabel(metric)
    ax.set_ylabel(group)
    _title(fig, title or f"{metric} per {group}")
    ax.grid(True, axis="x", color="0.92", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _feature_label(name: str) -> tuple[str, str]:
    """Split ``family__rest`` and make ``rest`` printable: quoted when its spaces matter."""
    family, sep, rest = name.partition("__")
    if not sep:
        family, rest = "other", name
    printable = rest.replace("\n", "\\n").replace("\t", "\\t")
    if not printable.strip() or printable != printable.strip():
        printable = f"'{printable}'"  # char n-grams such as ' ke' would otherwise lose their space
    return family, _shorten(printable, 36)


def top_features_figure(names: Sequence[str], gains: Sequence[float], *, k: int = 25, title: str = "") -> Figure:
    """Horizontal bars of the ``k`` features with the largest gain, coloured by feature family.

    The family is the part of the name before ``__`` (``lexicon__pro_x`` is in ``lexicon``; a name
    without ``__`` is in ``other``). Features with zero gain (never used in a split) are not
    drawn, so fewer than ``k`` bars appear when fewer features were used. Each bar is annotated
    with its share of the total gain of all features.

    Parameters
    ----------
    names
        Feature names, as from the pipeline's ``feature_names``.
    gains
        Gain importance per feature (e.g. ``booster_.feature_importance("gain")``), same length.
    k
        Number of features to draw.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    FramingError
        The lengths differ, a gain is negative or not finite, or ``k`` is not a positive integer.
    """
    names = [str(n) for n in names]
    values = np.asarray(gains, dtype=float).ravel()
    if len(names) != values.size:
        raise FramingError(f"Got {len(names)} names and {values.size} gains, expected one gain per feature name.")
    if values.size and (not np.isfinite(values).all() or values.min() < 0):
        raise FramingError("Got gains with negative, NaN or infinite values, expected non-negative gain importances.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise FramingError(f"Got k={k!r}, expected a positive integer.")
    total = float(values.sum())
    # Largest first; ties in name order so the plot is deterministic.
    order = sorted((i for i in range(values.size) if values[i] > 0), key=lambda i: (-values[i], names[i]))[:k]
    shown = len(order)

    fig = _figure(7.5, 1.5 + 0.29 * max(shown, 3))
    ax = fig.subplots()
    _title(fig, title or f"Top {shown} of {values.size} features by gain")
    ax.set_xlabel("gain")
    ax.spines[["top", "right"]].set_visible(False)
    if not shown:
        ax.text(0.5, 0.5, "no feature has a positive gain", ha="center", va="center", transform=ax.transAxes, color="0.35")
        ax.set_yticks([])
        return fig

    families, labels = zip(*(_feature_label(names[i]) for i in order))
    colours: dict[str, str] = {}
    spare = iter(_SPARE_COLOURS * (1 + len(set(families)) // len(_SPARE_COLOURS)))
    # One colour per feature family (its declaration's), the same in every run so plots can be
    # compared side by side; families without one take the spare colours in order of appearance.
    from framing.families import registry

    fixed = {name: declared.colour for name, declared in registry().items() if declared.colour}
    for family in families:
        if family not in colours:
            colours[family] = fixed.get(family) or next(spare)
    positions = np.arange(shown)[::-1]  # largest gain on top
    top_values = values[order]
    ax.barh(positions, top_values, height=0.7, color=[colours[f] for f in families])
    ax.set_yticks(positions, labels, fontsize=8.5)
    ax.set_ylim(-0.6, shown - 0.4)
    pad = _value_axis(ax, np.zeros(1), top_values, room=0.12)
    for y, value in zip(positions, top_values):
        ax.text(value + pad, y, f"{value / total:.1%}", va="center", fontsize=7.5, color="0.3")
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 5))
    ax.grid(True, axis="x", color="0.92", linewidth=0.8)
    ax.set_axisbelow(True)

    from matplotlib.patches import Patch

    known = [f for f in fixed if f in colours] + [f for f in colours if f not in fixed]
    handles = [Patch(color=colours[f], label=f"{f} ({families.count(f)})") for f in known]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(5, len(handles)),
        frameon=False,
        fontsize=8.5,
        title="feature family (bars shown)",
        title_fontsize=8.5,
    )
    return fig


def comparison_figure(table: pd.DataFrame, *, metric: str = "test_macro_f1", title: str = "") -> Figure:
    """One bar per variant (ablation, config) with its interval and its baseline, in table order.

    Parameters
    ----------
    table
        One row per variant, with columns ``variant`` and ``metric``; optional
        ``<metric>_low``/``<metric>_high`` (drawn as error bars when both exist) and ``baseline``
        (the baseline's score on the same split, drawn as a black diamond on the variant's bar).
    metric
        The column to plot.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    FramingError
        A column is missing or not numeric, or the table is empty.
    """
    _require_columns(table, ["variant", metric], "table")
    if len(table) == 0:
        raise FramingError("Got an empty table, expected one row per variant.")
    names = [_shorten(str(v), 36) for v in table["variant"]]
    values = _numbers(table, metric)
    errors = _interval(table, metric, values)
    baseline = _numbers(table, "baseline") if "baseline" in table.columns else None

    count = len(values)
    fig = _figure(7.0, 1.5 + 0.42 * max(count, 2))
    ax = fig.subplots()
    positions = np.arange(count)[::-1]  # first row on top, as the table reads
    ax.barh(
        positions,
        np.nan_to_num(values, nan=0.0),
        height=0.62,
        color=_BAR,
        xerr=errors,
        error_kw={"ecolor": "0.25", "elinewidth": 1, "capsize": 3},
        label=metric + (" with interval" if errors is not None else ""),
    )
    ends = values + (errors[1] if errors is not None else 0.0)
    starts = values - (errors[0] if errors is not None else 0.0)
    reach = np.fmax(ends, baseline) if baseline is not None else ends
    lows = np.fmin(starts, baseline) if baseline is not None else starts
    pad = _value_axis(ax, np.append(lows, 0.0), np.append(reach, values))
    if baseline is not None and np.isfinite(baseline).any():
        shown = np.isfinite(baseline)
        ax.scatter(
            baseline[shown], positions[shown], marker="D", s=34, color="black", edgecolor="white", linewidth=0.8, zorder=3, label="baseline"
        )
    for y, value, end in zip(positions, values, reach):
        text = "n/a" if np.isnan(value) else f"{value:.3f}"
        ax.text((0.0 if np.isnan(end) else end) + pad, y, text, va="center", fontsize=9, color="0.2", bbox=_LABEL_BOX)
    ax.set_yticks(positions, names)
    ax.set_ylim(-0.6, count - 0.4)
    ax.set_xlabel(metric)
    _title(fig, title or f"{metric} by variant")
    _legend_below(fig, ax)
    ax.grid(True, axis="x", color="0.92", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
