"""Has the batch drifted from the training data? Population stability index on the top features.

At training time :func:`reference_profile` bins the model's most important features (by LightGBM
gain) on the training texts: a bin of its own for exact zeros (most n-gram and lexicon values are
zero), then quantile bins over the non-zero values. The profile is JSON and is logged with the
model (``track.log_model(..., reference=profile)``). At scoring time a :class:`DriftMonitor` counts
the batch's values into the same bins, chunk by chunk (the counts add up, so workers count their
own chunks and the parent sums them), and compares the two distributions per feature:

    PSI = sum over bins of (batch share - training share) * ln(batch share / training share)

with shares floored at 1e-4 so that an empty bin does not make it infinite. The usual reading:
below 0.1 stable, 0.1-0.25 some shift, above 0.25 a real change (``scoring.drift_threshold``).
A small batch drifts by chance: with k bins and n articles the PSI of a batch drawn from the
training distribution itself is about (k - 1) / n, so no verdict is given under ``min_rows``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from framing.model import FramingModel

__all__ = ["DriftMonitor", "FeatureDrift", "dense_columns", "psi", "reference_profile"]

PROFILE_VERSION = 1
_FLOOR = 1e-4


def dense_columns(X: Any, columns: list[int]) -> np.ndarray:
    """Dense ``(rows, len(columns))`` float array of the chosen columns of a sparse or dense matrix."""
    import numpy as np
    import scipy.sparse as sp

    picked = X[:, columns]
    return np.asarray(picked.toarray() if sp.issparse(picked) else picked, dtype=float)


def _bin(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    import numpy as np

    index = np.searchsorted(cuts, values, side="right") + 1
    index[values == 0] = 0
    return index


def reference_profile(
    model: FramingModel, texts: list[str], top: int, *, bins: int = 10, max_texts: int = 5_000, seed: int = 0, matrix: Any = None
) -> dict[str, Any]:
    """Bin the model's ``top`` features by gain on the training texts, for drift checks when scoring.

    Parameters
    ----------
    model
        The fitted model.
    texts
        The training texts.
    top
        Number of features, most important first (features with zero gain are never chosen);
        a blended model's text-score columns (the stacker's inputs) come first.
    bins
        Quantile bins over each feature's non-zero values (ties merge bins), plus one for zeros.
    max_texts
        Profile a random sample of at most this many texts (the bins need a few thousand).
    seed
        Seed of that sample.
    matrix
        The model's input matrix of ``texts`` as it was trained (out-of-fold text scores), instead
        of transforming ``texts`` again (which would give in-sample scores on the training rows).

    Returns
    -------
    dict
        JSON-able: ``{"version", "n", "features": [{"name", "column", "gain", "cuts", "counts"}]}``
        where ``counts[0]`` counts zeros and ``counts[i]`` (i >= 1) the values ``v`` with
        ``cuts[i-2] <= v < cuts[i-1]`` (open-ended at both ends).

    Raises
    ------
    ValueError
        ``texts`` is empty or ``top`` is below 1.
    """
    import numpy as np

    if not len(texts):
        raise ValueError("reference_profile needs at least one training text.")
    if top < 1:
        raise ValueError(f"Got top={top!r}, expected at least 1.")
    gains = model.gains()
    names = model.feature_names_out()
    order = [int(j) for j in np.argsort(-gains, kind="stable") if gains[j] > 0]
    if model.blend is not None and model.blend.weight < 1:
        # The stacker's inputs carry the blend's other share, whatever their gain in LightGBM.
        first = list(model.blend.columns)
        taken = set(first)
        order = first + [j for j in order if j not in taken]
    order = order[:top]
    texts = list(texts)
    if len(texts) > max_texts:
        keep = np.sort(np.random.default_rng(seed).choice(len(texts), size=max_texts, replace=False))
        texts = [texts[i] for i in keep]
        matrix = matrix[keep] if matrix is not None else None
    if matrix is None:
        matrix = model.features(texts) if order else None
    values = dense_columns(matrix, order) if order else np.zeros((len(texts), 0))
    quantiles = np.linspace(0, 1, bins + 1)[1:-1]
    features = []
    for k, column in enumerate(order):
        column_values = values[:, k]
        nonzero = column_values[column_values != 0]
        cuts = np.unique(np.quantile(nonzero, quantiles)) if len(nonzero) else np.empty(0)
        counts = np.bincount(_bin(column_values, cuts), minlength=len(cuts) + 2)
        features.append(
            {"name": names[column], "column": column, "gain": float(gains[column]), "cuts": [float(c) for c in cuts], "counts": [int(c) for c in counts]}
        )
    return {"version": PROFILE_VERSION, "n": len(texts), "features": features}


def psi(expected: Any, actual: Any) -> float:
    """Population stability index between two histograms of counts over the same bins.

    Examples
    --------
    >>> psi([50, 50], [50, 50])
    0.0
    >>> round(psi([50, 50], [90, 10]), 4)
    0.8789
    """
    import numpy as np

    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    e = np.maximum(e / max(e.sum(), 1), _FLOOR)
    a = np.maximum(a / max(a.sum(), 1), _FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass(frozen=True)
class FeatureDrift:
    """The PSI of one feature between the training data and the batch."""

    name: str
    psi: float


class DriftMonitor:
    """Accumulate a batch's histograms over a reference profile's bins and compute PSI per feature.

    Parameters
    ----------
    profile
        From :func:`reference_profile`.
    features
        Watch only the first (most important) this many features of the profile.
    min_rows
        Fewer scored articles give no verdict (see the module notes).

    Examples
    --------
    In each worker, per chunk: ``counts = monitor.histogram(X)``; in the parent:
    ``monitor.add(counts)``; at the end: ``monitor.report()``.
    """

    def __init__(self, profile: dict[str, Any], features: int | None = None, min_rows: int = 200) -> None:
        import numpy as np

        if profile.get("version") != PROFILE_VERSION:
            raise ValueError(f"Got a drift profile of version {profile.get('version')!r}, expected {PROFILE_VERSION}.")
        self.features = profile["features"][:features] if features is not None else list(profile["features"])
        self.min_rows = min_rows
        self.columns = [int(f["column"]) for f in self.features]
        self._cuts = [np.asarray(f["cuts"], dtype=float) for f in self.features]
        self._width = max((len(c) + 2 for c in self._cuts), default=1)
        self.counts = np.zeros((len(self.features), self._width), dtype=np.int64)
        self.n = 0

    def histogram(self, X: Any) -> np.ndarray:
        """Counts per feature and bin for the rows of a feature matrix, ``(features, bins)`` (padded)."""
        import numpy as np

        out = np.zeros((len(self.features), self._width), dtype=np.int64)
        if not self.columns or X.shape[0] == 0:
            return out
        values = dense_columns(X, self.columns)
        for k, cuts in enumerate(self._cuts):
            counts = np.bincount(_bin(values[:, k], cuts), minlength=len(cuts) + 2)
            out[k, : len(counts)] = counts
        return out

    def add(self, counts: np.ndarray) -> None:
        """Add one chunk's :meth:`histogram` (the number of rows is read off the counts)."""
        self.counts += counts
        if len(self.features):
            self.n += int(counts[0].sum())

    def report(self) -> list[FeatureDrift]:
        """PSI per watched feature, the most drifted first (empty under ``min_rows`` articles)."""
        if self.n < self.min_rows:
            return []
        drifts = [
            FeatureDrift(f["name"], psi(f["counts"], self.counts[k, : len(f["counts"])])) for k, f in enumerate(self.features)
        ]
        return sorted(drifts, key=lambda d: -d.psi)
