from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from framing.errors import FramingError
from framing.plots import (
    comparison_figure,
    confusion_figure,
    expected_calibration_error,
    group_scores_figure,
    reliability_figure,
    top_features_figure,
)

# Two classes, four articles. With n_bins=2 the bins are (0, 0.5] and (0.5, 1].
#   row  proba       true  top label  confidence  right?  bin
#   0    [0.9, 0.1]  a     a          0.9         yes     (0.5, 1]
#   1    [0.8, 0.2]  b     a          0.8         no      (0.5, 1]
#   2    [0.4, 0.6]  b     b          0.6         yes     (0.5, 1]
#   3    [0.5, 0.5]  a     a (tie)    0.5         yes     (0, 0.5]   <- right-closed bins
TWO = ["a", "b"]
Y_TWO = ["a", "b", "b", "a"]
P_TWO = [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.5, 0.5]]
# upper bin: accuracy 2/3, mean confidence (0.9 + 0.8 + 0.6) / 3 = 23/30 -> |20/30 - 23/30| = 0.1, weight 3/4
# lower bin: accuracy 1, mean confidence 0.5 -> 0.5, weight 1/4
# ECE = 0.1 * 3/4 + 0.5 * 1/4 = 0.075 + 0.125 = 0.2
# (were 0.5 put in the upper bin: accuracy 3/4, confidence 2.8/4 = 0.7 -> ECE 0.05)
ECE_TWO = 0.2


def bars(ax: Axes) -> list:
    return [patch for container in ax.containers if isinstance(container, BarContainer) for patch in container.patches]


def legend_texts(owner: Axes | Figure) -> list[str]:
    legend = owner.get_legend() if isinstance(owner, Axes) else (owner.legends[0] if owner.legends else None)
    return [t.get_text() for t in legend.get_texts()] if legend is not None else []


def tick_labels(ax: Axes) -> list[str]:
    """The y tick labels bottom-up (matplotlib keeps them in the order they were set)."""
    return [t.get_text() for _, t in sorted(zip(ax.get_yticks(), ax.get_yticklabels()), key=lambda pair: pair[0])]


# --------------------------------------------------------------------------------------------------
# expected calibration error


def test_ece_hand_computed_with_boundary_in_the_lower_bin() -> None:
    assert expected_calibration_error(Y_TWO, P_TWO, TWO, n_bins=2) == pytest.approx(ECE_TWO)


def test_ece_with_one_bin_is_the_gap_between_accuracy_and_mean_confidence() -> None:
    # accuracy 3/4, mean confidence (0.9 + 0.8 + 0.6 + 0.5) / 4 = 0.7 -> |0.75 - 0.7| = 0.05
    assert expected_calibration_error(Y_TWO, P_TWO, TWO, n_bins=1) == pytest.approx(0.05)


def test_ece_three_classes_ten_bins() -> None:
    # row  proba              true  top  conf  right  bin
    # 0    [0.7, 0.2, 0.1]    a     a    0.7   yes    (0.6, 0.7]
    # 1    [0.2, 0.7, 0.1]    a     b    0.7   no     (0.6, 0.7]
    # 2    [0.1, 0.1, 0.8]    c     c    0.8   yes    (0.7, 0.8]
    # 3    [0.4, 0.35, 0.25]  b     a    0.4   no     (0.3, 0.4]
    # (0.6, 0.7]: |1/2 - 0.7| * 2/4 = 0.1 ; (0.7, 0.8]: |1 - 0.8| * 1/4 = 0.05 ; (0.3, 0.4]: |0 - 0.4| * 1/4 = 0.1
    proba = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.4, 0.35, 0.25]])
    y = np.array(["a", "a", "c", "b"])
    assert expected_calibration_error(y, proba, ["a", "b", "c"], n_bins=10) == pytest.approx(0.25)


def test_ece_of_a_perfectly_calibrated_model_is_zero() -> None:
    # confidence 0.8 right 8 times in 10, 0.6 right 3 times in 5, 1.0 always right
    proba = [[0.8, 0.2]] * 10 + [[0.4, 0.6]] * 5 + [[1.0, 0.0]] * 4
    y = ["a"] * 8 + ["b"] * 2 + ["b"] * 3 + ["a"] * 2 + ["a"] * 4
    assert expected_calibration_error(y, proba, TWO) == pytest.approx(0.0, abs=1e-12)


def test_ece_of_confident_and_always_wrong_is_one() -> None:
    proba = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    assert expected_calibration_error(["b", "a", "c"], proba, ["a", "b", "c"]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("y", "proba", "classes", "n_bins", "match"),
    [
        (["a"], [[0.5, 0.5], [0.5, 0.5]], TWO, 15, r"shape \(2, 2\), expected \(1, 2\)"),
        (["a", "b"], [[0.5, 0.5, 0.0]] * 2, TWO, 15, r"shape \(2, 3\), expected \(2, 2\)"),
        (["a", "z"], [[0.5, 0.5]] * 2, TWO, 15, r"labels \['z'\] in y_true that are not in classes"),
        (["a"], [[2.0, -1.0]], TWO, 15, r"expected probabilities in \[0, 1\] \(predict_proba output"),
        (["a"], [[np.nan, 0.5]], TWO, 15, "NaN or infinite"),
        ([], np.zeros((0, 2)), TWO, 15, "no labels"),
        (["a"], [[0.5, 0.5]], TWO, 0, r"Got n_bins=0, expected a positive integer"),
        (["a"], [[0.5, 0.5]], ["a", "a"], 15, "distinct class names"),
    ],
)
def test_ece_rejects_bad_input(y: list, proba: list, classes: list[str], n_bins: int, match: str) -> None:
    with pytest.raises(FramingError, match=match):
        expected_calibration_error(y, proba, classes, n_bins=n_bins)


# --------------------------------------------------------------------------------------------------
# reliability


def test_reliability_points_are_the_bins_the_ece_is_computed_from() -> None:
    fig = reliability_figure(Y_TWO, P_TWO, TWO, n_bins=2, title="stance")
    top, bottom = fig.axes
    assert legend_texts(top) == ["perfect calibration", f"model: ECE {ECE_TWO:.3f}"]
    curve = top.get_lines()[1]
    np.testing.assert_allclose(curve.get_xdata(), [0.5, 23 / 30])
    np.testing.assert_allclose(curve.get_ydata(), [1.0, 2 / 3])
    assert [p.get_height() for p in bars(bottom)] == [1, 3]
    assert top.get_ylabel() == "accuracy in bin"
    assert bottom.get_xlabel().startswith("top-label confidence")
    assert bottom.get_ylabel() == "articles"
    assert fig._suptitle.get_text() == "stance"


def test_reliability_before_and_after_calibration() -> None:
    after = [[0.99, 0.01], [0.01, 0.99], [0.01, 0.99], [0.99, 0.01]]  # all right, confidence 0.99
    fig = reliability_figure(Y_TWO, P_TWO, TWO, n_bins=4, proba_after=after)
    top, bottom = fig.axes
    before = expected_calibration_error(Y_TWO, P_TWO, TWO, n_bins=4)
    assert legend_texts(top) == ["perfect calibration", f"before: ECE {before:.3f}", "after: ECE 0.010"]
    assert len(bars(bottom)) == 2 * 4
    assert sum(p.get_height() for p in bars(bottom)) == 2 * len(Y_TWO)
    assert "4 articles, 4 bins" in fig._suptitle.get_text()


def test_reliability_with_a_class_nobody_has_and_mismatched_after() -> None:
    classes = ["a", "b", "c"]
    proba = [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1]]
    fig = reliability_figure(["a", "a"], proba, classes)
    # confidences 0.6 and 0.7 fall in different bins of 15: (8/15, 9/15] and (10/15, 11/15]
    assert len(fig.axes[0].get_lines()[1].get_xdata()) == 2
    # the x axis starts at the bin edge below 1/3 rather than at 0
    assert fig.axes[0].get_xlim()[0] == pytest.approx(1 / 3)
    with pytest.raises(FramingError, match="Got proba_after of shape"):
        reliability_figure(["a", "a"], proba, classes, proba_after=[[1.0, 0.0, 0.0]])


# --------------------------------------------------------------------------------------------------
# confusion matrix


def test_confusion_counts_shares_and_an_empty_class() -> None:
    # true a a a b ; predicted a b a b ; class c never occurs; "x" is outside classes and left out
    fig = confusion_figure(["a", "a", "a", "b", "x"], ["a", "b", "a", "b", "a"], ["a", "b", "c"], "held-out")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["2\n67%", "1\n33%", "0", "0", "1\n100%", "0", "0", "0", "0"]
    assert tick_labels(ax) == ["a (n=3)", "b (n=1)", "c (n=0)"]
    np.testing.assert_allclose(ax.get_images()[0].get_array(), [[2 / 3, 1 / 3, 0], [0, 1, 0], [0, 0, 0]])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted", "true")
    assert fig._suptitle.get_text() == "held-out"


def test_confusion_rejects_labels_of_different_lengths() -> None:
    with pytest.raises(FramingError, match="Got 2 true and 1 predicted labels"):
        confusion_figure(["a", "b"], ["a"], TWO, "")


# --------------------------------------------------------------------------------------------------
# per-group scores


def outlet_table(n: int = 7, interval: bool = True) -> pd.DataFrame:
    scores = np.linspace(0.3, 0.9, n)[::-1] if n > 1 else np.array([0.6])
    table = pd.DataFrame({"outlet": [f"outlet{i}.co.id" for i in range(n)], "macro_f1": scores, "n": np.arange(n) * 10 + 5})
    if interval:
        table["macro_f1_low"] = scores - 0.05
        table["macro_f1_high"] = scores + 0.04
    return table.sample(frac=1.0, random_state=0)  # the figure must sort, not the caller


def test_group_scores_one_sorted_bar_per_outlet_with_n_and_interval() -> None:
    table = outlet_table()
    fig = group_scores_figure(table, title="per outlet")
    ax = fig.axes[0]
    widths = [p.get_width() for p in bars(ax)]
    assert len(widths) == 7
    assert widths == sorted(widths)  # drawn bottom-up, so the best outlet is on top
    # tick labels are bottom-up too: outlet0 has the best score and n=5
    assert tick_labels(ax)[-1] == "outlet0.co.id  (n=5)"
    assert tick_labels(ax)[0] == "outlet6.co.id  (n=65)"
    bar_container = next(c for c in ax.containers if isinstance(c, BarContainer))
    assert bar_container.errorbar is not None
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("macro_f1", "outlet")
    assert legend_texts(fig) == [f"unweighted mean {table['macro_f1'].mean():.3f}"]
    assert "0.900" in [t.get_text() for t in ax.texts]


def test_group_scores_single_group_without_interval_or_counts() -> None:
    table = outlet_table(1, interval=False).drop(columns="n")
    fig = group_scores_figure(table, metric="macro_f1", group="outlet")
    ax = fig.axes[0]
    assert len(bars(ax)) == 1
    assert tick_labels(ax) == ["outlet0.co.id"]
    assert next(c for c in ax.containers if isinstance(c, BarContainer)).errorbar is None
    assert fig.legends == []  # no mean line for one group
    assert fig._suptitle.get_text() == "macro_f1 per outlet"


def test_group_scores_missing_score_is_drawn_as_na_at_the_bottom() -> None:
    table = pd.DataFrame({"outlet": ["a", "b", "c"], "macro_f1": [0.5, np.nan, 0.7]})
    ax = group_scores_figure(table).axes[0]
    assert tick_labels(ax) == ["b", "a", "c"]
    assert [t.get_text() for t in ax.texts] == ["n/a", "0.500", "0.700"]


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (pd.DataFrame({"outlet": ["a"], "f1": [0.5]}), r"without column\(s\) \['macro_f1'\]"),
        (pd.DataFrame({"outlet": [], "macro_f1": []}), "empty table"),
        (pd.DataFrame({"outlet": ["a", "a"], "macro_f1": [0.5, 0.6]}), r"outlet values \['a'\] on several rows"),
        (pd.DataFrame({"outlet": ["a"], "macro_f1": ["high"]}), "Got macro_f1='high', expected a number"),
    ],
)
def test_group_scores_rejects_bad_tables(table: pd.DataFrame, match: str) -> None:
    with pytest.raises(FramingError, match=match):
        group_scores_figure(table)


# --------------------------------------------------------------------------------------------------
# top features


def feature_names() -> tuple[list[str], np.ndarray]:
    families = ["word"] * 10 + ["lexicon"] * 10 + ["attribution"] * 10 + ["style"] * 10
    names = [f"{family}__f{i:02d}" for i, family in enumerate(families)]
    gains = np.arange(40, 0, -1, dtype=float)  # f00 largest
    return names, gains


def test_top_features_k_bars_largest_on_top_coloured_by_family() -> None:
    names, gains = feature_names()
    fig = top_features_figure(names, gains, k=25, title="stance")
    ax = fig.axes[0]
    assert len(bars(ax)) == 25
    assert tick_labels(ax)[-1] == "f00" and tick_labels(ax)[0] == "f24"
    colours = {tuple(p.get_facecolor()) for p in bars(ax)}
    assert len(colours) == 3  # f00-f24 are word, lexicon and attribution
    assert legend_texts(fig) == ["word (10)", "lexicon (10)", "attribution (5)"]
    assert ax.get_xlabel() == "gain"
    assert f"{40 / gains.sum():.1%}" in [t.get_text() for t in ax.texts]


def test_top_features_k_larger_than_features_drops_unused_ones() -> None:
    names = ["char__ ke", "word__presiden putin", "x" * 60, "style__unused"]
    fig = top_features_figure(names, [3.0, 2.0, 1.0, 0.0], k=100)
    ax = fig.axes[0]
    labels = tick_labels(ax)[::-1]
    assert len(bars(ax)) == 3
    assert labels[0] == "' ke'"  # a char n-gram keeps its visible space
    assert labels[1] == "presiden putin"
    assert len(labels[2]) == 36 and "…" in labels[2] and labels[2].startswith("x") and labels[2].endswith("x")
    assert legend_texts(fig) == ["word (1)", "char (1)", "other (1)"]
    assert fig._suptitle.get_text() == "Top 3 of 4 features by gain"


def test_top_features_with_no_used_feature_says_so() -> None:
    fig = top_features_figure(["a__b"], [0.0])
    assert [t.get_text() for t in fig.axes[0].texts] == ["no feature has a positive gain"]


@pytest.mark.parametrize(
    ("names", "gains", "k", "match"),
    [
        (["a__x", "a__y"], [1.0], 5, "Got 2 names and 1 gains"),
        (["a__x"], [-1.0], 5, "negative, NaN or infinite"),
        (["a__x"], [1.0], 0, "Got k=0, expected a positive integer"),
    ],
)
def test_top_features_rejects_bad_input(names: list[str], gains: list[float], k: int, match: str) -> None:
    with pytest.raises(FramingError, match=match):
        top_features_figure(names, gains, k=k)


# --------------------------------------------------------------------------------------------------
# variant comparison


def variants() -> pd.DataFrame:
    table = pd.DataFrame({"variant": ["full", "no lexicon", "no style"], "test_macro_f1": [0.71, 0.66, 0.69], "baseline": [0.58, 0.58, np.nan]})
    table["test_macro_f1_low"] = table["test_macro_f1"] - 0.04
    table["test_macro_f1_high"] = table["test_macro_f1"] + 0.03
    return table


def test_comparison_bars_in_table_order_with_interval_and_baselines() -> None:
    fig = comparison_figure(variants(), title="ablations")
    ax = fig.axes[0]
    assert [p.get_width() for p in bars(ax)] == [0.71, 0.66, 0.69]
    assert tick_labels(ax) == ["no style", "no lexicon", "full"]  # bottom-up: the first row is on top
    assert next(c for c in ax.containers if isinstance(c, BarContainer)).errorbar is not None
    markers = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(markers, [[0.58, 2], [0.58, 1]])  # no marker where the baseline is missing
    assert legend_texts(fig) == ["baseline", "test_macro_f1 with interval"]
    assert ax.get_xlabel() == "test_macro_f1"


def test_comparison_with_only_the_required_columns() -> None:
    fig = comparison_figure(pd.DataFrame({"variant": ["only"], "macro_f1": [0.4]}), metric="macro_f1")
    ax = fig.axes[0]
    assert len(bars(ax)) == 1
    assert legend_texts(fig) == ["macro_f1"]
    with pytest.raises(FramingError, match=r"without column\(s\) \['test_macro_f1'\]"):
        comparison_figure(pd.DataFrame({"variant": ["only"], "macro_f1": [0.4]}))


# --------------------------------------------------------------------------------------------------
# all figures


BUILDERS: dict[str, Callable[[], Figure]] = {
    "confusion": lambda: confusion_figure(Y_TWO, ["a", "a", "b", "b"], TWO, "t"),
    "reliability": lambda: reliability_figure(Y_TWO, P_TWO, TWO, proba_after=P_TWO),
    "group_scores": lambda: group_scores_figure(outlet_table()),
    "top_features": lambda: top_features_figure(*feature_names()),
    "comparison": lambda: comparison_figure(variants()),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_figures_save_to_png(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    BUILDERS[name]().savefig(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


def test_importing_the_module_does_not_import_matplotlib() -> None:
    code = "import sys, framing.plots; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
