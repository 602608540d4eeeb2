"""Shared helpers for the feature extractors: document checks, tokens, the estimator contract.

Every extractor follows scikit-learn's contract (``../shared/STYLE.md``): a keyword-only
``__init__`` that only stores its arguments, state built in ``fit`` into trailing-underscore
attributes, a deterministic ``transform`` returning a 2-D float array, and stable feature names
``<family>__<name>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "DEFAULT",
    "RESOURCES",
    "TextFeatures",
    "check_documents",
    "count_tokens",
    "lower_same_length",
    "per_thousand",
    "resource_path",
    "trie_pattern",
]

# The YAML resources (cleaning patterns, gazetteer, style words, lexicons) ship inside the package
# (package-data), so an installed framing finds them wherever it runs from.
RESOURCES = Path(__file__).resolve().parents[1] / "resources"
# What a config or an extractor argument writes instead of a path to mean "the packaged file".
DEFAULT = "default"

# A token: letters/digits, with inner hyphens (reduplication: "negara-negara") and apostrophes.
TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")


def check_documents(X: Any) -> list[str]:
    """Return the documents as a list of strings (``None`` and NaN become ``""``).

    Raises
    ------
    TypeError
        ``X`` is a single string (or bytes) rather than a sequence of documents.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"Expected a list of documents, got a single {type(X).__name__}: wrap it in a list, e.g. [text].")
    if hasattr(X, "ndim") and getattr(X, "ndim", 1) != 1:
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0] if isinstance(X, np.ndarray) else X.iloc[:, 0]
        else:
            raise TypeError(f"Expected a 1-D sequence of documents, got an array of shape {X.shape}.")
    docs = []
    for doc in X:
        if doc is None or (isinstance(doc, float) and doc != doc):
            docs.append("")
        elif isinstance(doc, str):
            docs.append(doc)
        else:
            raise TypeError(f"Expected documents as strings, got {type(doc).__name__}: {doc!r:.60}.")
    return docs


def resource_path(value: str | os.PathLike[str] | None, name: str) -> Path:
    """The file or folder a resource argument stands for.

    ``None`` and ``"default"`` mean ``name`` in the packaged :data:`RESOURCES`; anything else is a
    path (``~`` expanded), as given.

    Examples
    --------
    >>> resource_path("default", "style.yaml") == RESOURCES / "style.yaml" == resource_path(None, "style.yaml")
    True
    >>> resource_path("my/style.yaml", "style.yaml").as_posix()
    'my/style.yaml'
    """
    if value is None or (isinstance(value, str) and value == DEFAULT):
        return RESOURCES / name
    return Path(value).expanduser()


def lower_same_length(text: str) -> str:
    """Lower-case ``text`` keeping every offset.

    "İ" (U+0130) is the one character whose lower case is two characters long; it becomes "i".
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return text.replace("\u0130", "i").lower()


def trie_pattern(words: list[str]) -> str:
    """One regex matching any of ``words`` (lower case), longest first, shared prefixes factored.

    A space in a word matches any run of whitespace.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # The greedy "?" tries the longer alias first and falls back to the shorter one.
        return f"(?:{body})?" if "" in node else body

    return emit(root) or "(?!)"


@lru_cache(maxsize=8192)
def count_tokens(text: str) -> int:
    """Number of whitespace-separated words: the denominator of every per-1,000 rate.

    Splitting on whitespace runs at C speed (about 5x a regex scan), which matters because every
    extractor normalises by it. The extractors of a feature union transform the same batch one
    after the other, so the count is cached (strings cache their hash; a batch of up to 8,192
    documents is counted once for all of them).

    Examples
    --------
    >>> count_tokens("Menurut Interfax, delegasi tiba (5/8/2024).")
    5
    """
    return len(text.split())


def per_thousand(count: float, n_tokens: int) -> float:
    """A count as a rate per 1,000 tokens (0 for an empty document)."""
    return 1000.0 * count / n_tokens if n_tokens else 0.0


class TextFeatures(TransformerMixin, BaseEstimator):
    """Base of the domain extractors: documents in, a dense float matrix out.

    Subclasses set ``family`` and implement ``_fit(docs)`` (build state into attributes ending in
    ``_``; at least ``names_``, the feature names without the family prefix) and
    ``_transform_one(doc) -> list[float]``.
    """

    family = "text"

    def fit(self, X: Iterable[str], y: Any = None) -> TextFeatures:
        """Validate the parameters and build the extractor's state; return ``self``."""
        self._fit(check_documents(X))
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """One row per document, one column per name in :meth:`get_feature_names_out`."""
        check_is_fitted(self, "names_")
        docs = check_documents(X)
        out = np.zeros((len(docs), len(self.names_)), dtype=np.float64)
        for row, doc in enumerate(docs):
            out[row] = self._transform_one(doc)
        return out

    def _check_text(self, text: Any) -> None:
        """What ``find`` needs: a fitted extractor and one document."""
        check_is_fitted(self, "names_")
        if not isinstance(text, str):
            raise TypeError(f"Got text of type {type(text).__name__}, expected a str (one document).")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "names_")
        return np.asarray([f"{self.family}__{name}" for name in self.names_], dtype=object)

    def __sklearn_tags__(self) -> Any:
        # Documents in, not a 2-D array: scikit-learn's check_estimator then skips the numeric
        # checks instead of failing them (tests/features/test_contract.py checks the rest).
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def _fit(self, docs: list[str]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform_one(self, doc: str) -> list[float]:  # pragma: no cover - abstract
        raise NotImplementedError
