"""Suggest lexicon terms from labelled data: the words and bigrams that set each class apart.

Ranking is the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi & Quinn
(2008, "Fightin' Words", Political Analysis 16(4), section 3.5). For a class ``i`` against the rest
``j`` and an n-gram ``w`` with counts ``y_iw``, ``y_jw``, class totals ``n_i``, ``n_j``, and a prior
``a_w`` (here the n-gram's count in the whole corpus times ``prior_scale``, with ``a_0 = sum a_w``)::

    delta_w = log((y_iw + a_w) / (n_i + a_0 - y_iw - a_w)) - log((y_jw + a_w) / (n_j + a_0 - y_jw - a_w))
    var_w   = 1 / (y_iw + a_w) + 1 / (y_jw + a_w)
    z_w     = delta_w / sqrt(var_w)

A large positive ``z`` means ``w`` is over-represented in class ``i`` beyond what its frequency
alone would produce; unlike the raw log-odds it does not reward rare words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from framing.errors import FramingError
from framing.features._text import TOKEN, check_documents

if TYPE_CHECKING:
    import pandas as pd

    from framing.features.lexicon import LexiconFeatures

__all__ = ["suggest_terms"]

COLUMNS = ["class", "term", "z", "count_in_class", "count_rest", "in_lexicon"]


def suggest_terms(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    lexicon: LexiconFeatures | None = None,
    top: int = 25,
    min_count: int = 5,
    ngram_range: tuple[int, int] = (1, 2),
    prior_scale: float = 1.0,
) -> pd.DataFrame:
    """Rank the n-grams that separate each class from the rest, for growing the lexicons.

    Parameters
    ----------
    texts
        Documents (cleaned ones give better suggestions: page furniture and bylines otherwise rank
        high for the outlets that carry them).
    labels
        One label per document; at least two distinct labels.
    lexicon
        Marks suggestions already covered by this extractor's lexicons (``None``: no marking, the
        ``in_lexicon`` column is all ``""``). An unfitted extractor is not changed: a copy of it is
        fitted on no documents, as only its lexicons are needed.
    top
        Number of n-grams per class, those with the largest positive ``z``.
    min_count
        Leave out n-grams seen fewer times than this in the whole corpus.
    ngram_range
        ``(min_n, max_n)`` word n-gram lengths, as in scikit-learn's ``CountVectorizer``.
    prior_scale
        The prior for an n-gram is its corpus count times this; larger values shrink the log-odds
        of every n-gram more strongly towards the corpus-wide rate.

    Returns
    -------
    pandas.DataFrame
        Columns ``class, term, z, count_in_class, count_rest, in_lexicon``: for each class (in
        sorted order) up to ``top`` rows by decreasing ``z`` (ties by term). ``term`` is lowercase
        with words joined by one space. ``in_lexicon`` names the categories (comma-separated) of
        the lexicon terms found within the n-gram, or is ``""``: "kesombongannya" is covered by
        moral_condemnation, "kejahatan rezim" contains a moral_condemnation term.

    Raises
    ------
    FramingError
        ``texts`` and ``labels`` differ in length, a label is missing, there are fewer than two
        classes, an argument is out of range, or no n-gram is left to rank.
    TypeError
        ``texts`` is a single string.

    Examples
    --------
    >>> texts = ["rezim zionis dan hegemoni", "rezim zionis lagi", "cuaca cerah hari ini", "cuaca hujan"]
    >>> table = suggest_terms(texts, ["a", "a", "b", "b"], top=1, min_count=2, ngram_range=(1, 1))
    >>> table[["class", "term", "count_in_class", "count_rest"]].values.tolist()
    [['a', 'rezim', 2, 0], ['b', 'cuaca', 2, 0]]
    """
    import pandas as pd
    from sklearn.feature_extraction.text import CountVectorizer

    docs = check_documents(texts)
    labels = list(labels) if not isinstance(labels, str) else None  # type: ignore[assignment]
    if labels is None:
        raise FramingError("Got labels as a single string, expected one label per document.")
    if len(labels) != len(docs):
        raise FramingError(f"Got len(labels)={len(labels)!r}, expected len(texts)={len(docs)!r} (one label per document).")
    missing = [i for i, label in enumerate(labels) if label is None or (isinstance(label, float) and label != label)]
    if missing:
        raise FramingError(f"Got labels[{missing[0]}]={labels[missing[0]]!r}, expected a label for every document ({len(missing)} missing).")
    for name, value in (("top", top), ("min_count", min_count)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise FramingError(f"Got {name}={value!r}, expected an integer >= 1.")
    if (
        not isinstance(ngram_range, (tuple, list))
        or len(ngram_range) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in ngram_range)
        or not 1 <= ngram_range[0] <= ngram_range[1]
    ):
        raise FramingError(f"Got ngram_range={ngram_range!r}, expected (min_n, max_n) with 1 <= min_n <= max_n.")
    if isinstance(prior_scale, bool) or not isinstance(prior_scale, (int, float)) or not prior_scale > 0:
        raise FramingError(f"Got prior_scale={prior_scale!r}, expected a number > 0.")
    classes = sorted(set(labels), key=str)
    if len(classes) < 2:
        raise FramingError(f"Got {len(classes)} class(es) {classes!r}, expected at least two: terms are ranked against the other classes.")

    vectorizer = CountVectorizer(lowercase=True, token_pattern=TOKEN.pattern, ngram_range=tuple(ngram_range), dtype=np.int64)
    try:
        counts = vectorizer.fit_transform(docs).tocsr()
    except ValueError as exc:  # "empty vocabulary": every document is empty or has no token
        raise FramingError(f"Got {len(docs)} documents with no word in them, expected text to count n-grams in ({exc}).") from exc
    vocabulary = vectorizer.get_feature_names_out()
    rows_of = {c: np.flatnonzero([label == c for label in labels]) for c in classes}
    per_class = np.vstack([np.asarray(counts[rows_of[c]].sum(axis=0)).ravel() for c in classes]).astype(np.float64)
    total = per_class.sum(axis=0)
    prior = prior_scale * total
    prior_total = prior.sum()
    n_all = total.sum()
    frequent = total >= min_count

    covered = _coverage(lexicon)
    rows = []
    for k, name in enumerate(classes):
        y_i = per_class[k]
        y_j = total - y_i
        n_i = y_i.sum()
        n_j = n_all - n_i
        delta = np.log((y_i + prior) / (n_i + prior_total - y_i - prior)) - np.log((y_j + prior) / (n_j + prior_total - y_j - prior))
        z = delta / np.sqrt(1.0 / (y_i + prior) + 1.0 / (y_j + prior))
        candidates = np.flatnonzero(frequent & (z > 0))
        # Largest z first, ties broken by the n-gram itself so the order is reproducible.
        order = sorted(candidates, key=lambda t: (-z[t], vocabulary[t]))[:top]
        for t in order:
            rows.append((name, vocabulary[t], float(z[t]), int(y_i[t]), int(y_j[t]), covered(vocabulary[t])))
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({"z": "float64", "count_in_class": "int64", "count_rest": "int64"})


def _coverage(lexicon: LexiconFeatures | None) -> Callable[[str], str]:
    """A function n-gram -> comma-separated categories of the lexicon terms inside it (or "")."""
    from sklearn.base import clone

    if lexicon is None:
        return lambda ngram: ""
    if not hasattr(lexicon, "pattern_"):
        # Only the compiled lexicons are needed; fitting a copy leaves the caller's object alone.
        lexicon = clone(lexicon).fit([])

    def covered(ngram: str) -> str:
        return ",".join(sorted({hit.category for hit in lexicon.find(ngram)}))

    return covered
