"""Why an article got its label: the features that pushed it, mapped back to words in its text.

:func:`evidence` takes LightGBM's own per-feature contributions (``pred_contrib``: exact TreeSHAP
values on the raw score, one sparse matrix per class) and keeps, per article, the ``k`` features
that pushed the predicted class most. For a model that blends LightGBM with the text-score
stacker (:class:`framing.model.Blend`), a feature's contribution is LightGBM's weight times its
TreeSHAP value plus the stacker's share times its linear term: an attribution, not an exact split,
as the blend mixes probabilities while each part's terms are on its own log-odds. Each is mapped
back to what a person can read by its family's :meth:`framing.families.Family.describe`, through a
:class:`Reading` of the article:

- a word or character n-gram -> its occurrences in the text;
- a lexicon category or term -> the lexicon hits (term, category, span);
- an attribution feature -> the attributions it counts (source, cue, origin group, direct or not);
- a style feature -> a sentence describing the measured value ("14 sentences");
- a stacked text score -> its linear model's heaviest n-grams in the text.

Cues are found in the cleaned text (the features never see anything else), then located in the
ORIGINAL input text, so ``text[cue["start"]:cue["end"]] == cue["text"]``. Cleaning deletes page
furniture and replaces outlet names, but never reorders what it keeps, so the words of the cleaned
text are aligned in order with those of the original (as a diff does: longest common runs first,
which passes over a copy of the same words in a deleted line such as "Baca juga: ..."), and a cue
the alignment does not cover is searched for forward between its aligned neighbours. A cue that
exists only after cleaning (a masked name) keeps ``start`` and ``end`` as ``None``.

:func:`explain_text` explains one article (label, probabilities, evidence, every cue), and
:func:`render_html` turns that into a self-contained page (``framing explain --html``).
"""

from __future__ import annotations

import html
import itertools
import os
import re
import tempfile
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from framing.errors import FramingError

if TYPE_CHECKING:
    import numpy as np

    from framing.config import DataConfig
    from framing.model import FramingModel

__all__ = ["Reading", "evidence", "explain_text", "locate", "print_explanation", "read_article", "render_html", "write_html"]

# Cues listed per feature: a character n-gram can occur hundreds of times; the description still
# gives the full count.
MAX_CUES = 20
# Between two words of a cue, the original may hold any run of whitespace, a line break written
# as \r\n, or the invisible characters the cleaner deletes; where a glued word was split it holds
# nothing.
_GAP = "[\\s\u200b-\u200d\u2060\ufeff\u00ad]*"
_SPACE = re.compile(r"\s+")
_DEFAULT_TOKEN = r"(?u)\b\w\w+\b"  # scikit-learn's token_pattern


# -- the model's parts, found once per model ---------------------------------------------------
@dataclass
class _Parts:
    model: Any
    cleaner: Any
    families: dict[str, Any]
    names: list[str]
    family: list[str]
    short: list[str]
    classes: list[Any]
    placeholder: str | None
    memo: dict[str, Any] = field(default_factory=dict)


_PARTS: weakref.WeakKeyDictionary[Any, _Parts] = weakref.WeakKeyDictionary()


def _parts(fitted: FramingModel) -> _Parts:
    """What :func:`evidence` needs from a fitted :class:`framing.model.FramingModel`, cached per model."""
    cached = _PARTS.get(fitted)
    if cached is not None:
        return cached
    model = fitted
    try:
        booster = model.booster
    except AttributeError as exc:
        raise FramingError(f"Got a {type(fitted).__name__}, expected a fitted framing.model.FramingModel: {exc}.") from None
    names = model.feature_names_out()
    if booster.num_feature() != len(names):
        raise FramingError(f"The model has {booster.num_feature()} input columns but the features step names {len(names)}: the pipeline is inconsistent.")
    cleaner = model.cleaner
    families = model.families()
    family, short = zip(*(name.split("__", 1) for name in names)) if names else ((), ())
    parts = _Parts(
        model=model,
        cleaner=cleaner,
        families=families,
        names=names,
        family=list(family),
        short=list(short),
        classes=list(model.classes_),
        placeholder=getattr(getattr(cleaner, "patterns_", None), "placeholder", None),
    )
    _PARTS[fitted] = parts
    return parts


# -- contributions -----------------------------------------------------------------------------
class _Contributions:
    """Per-row, per-class contributions from ``pred_contrib`` without densifying rows x classes x features.

    LightGBM returns, for sparse input, one CSR matrix per class (binary: one matrix, for the
    positive class) of shape (rows, features + 1), the last column the bias; for dense input one
    array (rows, classes x (features + 1)).
    """

    def __init__(self, raw: Any, n_classes: int, n_features: int) -> None:
        import numpy as np
        import scipy.sparse as sp

        self.n_features = n_features
        self.binary = n_classes == 2
        if isinstance(raw, list):
            self.sparse: list[Any] | None = [sp.csr_matrix(m) for m in raw]
            self.dense = None
        elif sp.issparse(raw):
            self.sparse, self.dense = [sp.csr_matrix(raw)], None
        else:
            self.sparse = None
            blocks = 1 if self.binary else n_classes
            self.dense = np.asarray(raw, dtype=float).reshape(raw.shape[0], blocks, n_features + 1)

    def row(self, i: int, c: int) -> tuple[Any, Any, float]:
        """Column indices, contributions (bias excluded) and bias of row ``i`` toward class ``c``."""
        import numpy as np

        block = 0 if self.binary else c
        if self.sparse is not None:
            m = self.sparse[block]
            a, b = m.indptr[i], m.indptr[i + 1]
            columns, values = m.indices[a:b], m.data[a:b].astype(float)
            is_bias = columns == self.n_features
            bias = float(values[is_bias].sum())
            columns, values = columns[~is_bias], values[~is_bias]
        else:
            assert self.dense is not None  # one of the two is set in __init__
            full = self.dense[i, block]
            columns = np.flatnonzero(full[:-1])
            values, bias = full[columns], float(full[-1])
        if self.binary and c == 0:
            # Binary models score the positive class; the negative class's log-odds are its negation.
            values, bias = -values, -bias
        return columns, values, bias


def _blended(columns: Any, values: Any, blend: Any, X: Any, i: int, c: int, n_features: int) -> tuple[Any, Any]:
    """Contributions of a blended model: ``weight`` x LightGBM's TreeSHAP plus ``1 - weight`` x
    the stacker's linear term (``coef * (value - training mean)``), each on its own log-odds of
    class ``c`` (an attribution: the blend itself mixes probabilities)."""
    import numpy as np

    stacker = np.asarray(blend.columns)
    union = np.union1d(np.asarray(columns, dtype=int), stacker)
    out = np.zeros(len(union))
    out[np.searchsorted(union, columns)] = blend.weight * np.asarray(values, dtype=float)
    out[np.searchsorted(union, stacker)] += (1 - blend.weight) * blend.linear_contributions(X, i, c)
    present = out != 0
    return union[present], out[present]


def _top(columns: Any, values: Any, k: int) -> list[tuple[int, float]]:
    """The ``k`` largest positive contributions, largest first (ties: lower column first)."""
    import numpy as np

    positive = values > 0
    columns, values = columns[positive], values[positive]
    order = np.lexsort((columns, -values))[:k]
    return [(int(columns[j]), float(values[j])) for j in order]


def _row_values(X: Any, i: int, columns: list[int]) -> list[float]:
    import scipy.sparse as sp

    if sp.issparse(X):
        a, b = X.indptr[i], X.indptr[i + 1]
        present = dict(zip(X.indices[a:b].tolist(), X.data[a:b].tolist()))
        return [float(present.get(j, 0.0)) for j in columns]
    return [float(X[i, j]) for j in columns]


def evidence(
    model: FramingModel,
    texts: Sequence[str],
    k: int,
    *,
    cleaned: Sequence[str] | None = None,
    X: Any = None,
    predicted: Sequence[Any] | None = None,
) -> list[list[dict[str, Any]]]:
    """The ``k`` features that pushed each article's predicted class most, with readable cues.

    Parameters
    ----------
    model
        A fitted :class:`framing.model.FramingModel` (:func:`framing.training.train`, or
        :func:`framing.track.load_framing` for a logged one).
    texts
        The ORIGINAL article texts; cue spans are offsets into them.
    k
        Features per article. Only features with a positive contribution toward the predicted
        class are listed, so an article may get fewer.
    cleaned
        ``texts`` through the model's cleaner (:meth:`~framing.model.FramingModel.clean`), when already computed.
    X
        The model's features of ``cleaned`` (:meth:`~framing.model.FramingModel.features`), when already computed.
    predicted
        The predicted label of each text (values of ``model.classes_``), when already known;
        otherwise the argmax of the (calibrated) probabilities.

    Returns
    -------
    list of list of dict
        Per text, up to ``k`` dicts, largest contribution first: ``feature`` (column name),
        ``kind`` (``ngram``, ``text_score``, ``lexicon``, ``attribution`` or ``style``),
        ``contribution`` (the feature's TreeSHAP value on the predicted class's raw score, exactly
        as LightGBM's ``pred_contrib`` gives it; for a blended model (:class:`framing.model.Blend`),
        ``weight`` x that plus ``1 - weight`` x the stacker's ``coef * (value - training mean)``,
        an attribution rather than an exact split), ``value`` (the feature's value), ``description`` and ``cues``
        (dicts with ``text``, ``start``, ``end`` and, per kind, ``term``/``category`` or
        ``source``/``name``/``group``/``cue``/``cue_start``/``cue_end``/``direct``/``anonymous``).
        ``start``/``end`` index the original text, or are ``None`` when the cue exists only in
        the cleaned text. All values are JSON-able.

    Raises
    ------
    FramingError
        ``k`` is not a positive integer, the inputs disagree in length, or a predicted label is
        not one of the model's classes.
    TypeError
        ``texts`` is a single string.

    Examples
    --------
    >>> items = evidence(model, ["Rezim Zionis kembali menunjukkan kesombongannya."], 3)  # doctest: +SKIP
    >>> items[0][0]["feature"], items[0][0]["cues"][0]["text"]  # doctest: +SKIP
    ('lexicon__rate_delegitimising_label', 'Rezim Zionis')
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError("Expected a list of texts, got a single string: wrap it in a list, e.g. [text].")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise FramingError(f"Got k={k!r}, expected a positive integer (features per article).")
    texts = ["" if t is None else str(t) for t in texts]
    parts = _parts(model)
    if cleaned is None:
        cleaned = parts.model.clean(texts)
    if len(cleaned) != len(texts):
        raise FramingError(f"Got {len(cleaned)} cleaned texts for {len(texts)} texts, expected one per text.")
    if not texts:
        return []
    if X is None:
        X = parts.model.features(texts, cleaned=cleaned)
    if X.shape[0] != len(texts):
        raise FramingError(f"Got a feature matrix of {X.shape[0]} rows for {len(texts)} texts, expected one row per text.")
    if hasattr(X, "tocsr") and getattr(X, "format", "csr") != "csr":
        X = X.tocsr()  # rows are read through indptr below
    if predicted is None:
        classes = parts.model.proba_of(X).argmax(axis=1).tolist()
    else:
        index = {str(c): i for i, c in enumerate(parts.classes)}
        if len(predicted) != len(texts):
            raise FramingError(f"Got {len(predicted)} predicted labels for {len(texts)} texts, expected one per text.")
        classes = []
        for label in predicted:
            if str(label) not in index:
                raise FramingError(f"Got predicted label {label!r}, expected one of the model's classes {[str(c) for c in parts.classes]}.")
            classes.append(index[str(label)])
    raw = parts.model.booster.predict(X, pred_contrib=True, num_threads=parts.model.threads())
    contributions = _Contributions(raw, len(parts.classes), len(parts.names))
    out = []
    batch = _Batch(cleaned)
    blend = parts.model.blend
    for i, text in enumerate(texts):
        columns, values, _ = contributions.row(i, classes[i])
        if blend is not None:
            columns, values = _blended(columns, values, blend, X, i, classes[i], len(parts.names))
        top = _top(columns, values, k)
        features = _row_values(X, i, [j for j, _ in top])
        reading = Reading(parts, text, cleaned[i], str(parts.classes[classes[i]]), batch, i)
        out.append(reading.items(top, features))
    return out


class _Batch:
    """The cleaned texts explained together, and what families compute once for all of them."""

    def __init__(self, cleaned: Sequence[Any]) -> None:
        self.docs = [str(doc) for doc in cleaned]
        self.memo: dict[str, Any] = {}


# -- mapping features back to text -------------------------------------------------------------
class Reading:
    """One article as a feature family reads it back (:meth:`framing.families.Family.describe`):
    its cleaned text, the model's fitted transformers, and the span-finding helpers.

    Cues are found in the cleaned text, memoised per article (:meth:`memo`), and moved to the
    original text by :func:`locate` once every item of the article is described.

    Attributes
    ----------
    original
        The article as given; cue spans end up indexing it.
    cleaned
        Its cleaned text (a ``str``, possibly carrying ``.headline`` and ``.counts``).
    doc
        ``str(cleaned)``, the text the features saw and the cues' spans first index.
    label
        The predicted class being explained.
    batch_docs, index
        Every cleaned text explained with this one, and this one's place among them.
    """

    def __init__(self, parts: _Parts, original: str, cleaned: Any, label: str, batch: _Batch | None = None, index: int = 0) -> None:
        self.parts = parts
        self.original = original
        self.cleaned = cleaned
        self.doc = str(cleaned)
        self.label = label
        self._batch = batch if batch is not None else _Batch([cleaned])
        self.batch_docs = self._batch.docs
        self.index = index if batch is not None else 0
        self._memo: dict[str, Any] = {}
        self._tokens: dict[str, list[tuple[str, int, int]]] = {}

    def transformer(self, family: str) -> Any:
        """The model's fitted transformer of ``family``, or ``None`` when the model has none."""
        return self.parts.families.get(family)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per article and ``key`` (a family's cue list)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def batch_memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per batch of articles explained together and ``key`` (a matrix
        over :attr:`batch_docs`, of which this article is row :attr:`index`)."""
        if key not in self._batch.memo:
            self._batch.memo[key] = compute()
        return self._batch.memo[key]

    def model_memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per model and ``key`` (a table of the fitted transformer's)."""
        if key not in self.parts.memo:
            self.parts.memo[key] = compute()
        return self.parts.memo[key]

    def absent(self, what: str) -> str:
        """The description of a feature whose cue does not occur."""
        return f"{what} does not occur: its absence pushed toward {self.label}"

    def ngram_cues(self, vectorizer: Any, gram: str, cache: dict[str, list[tuple[str, int, int]]] | None = None) -> list[dict[str, Any]]:
        """Occurrences of a TF-IDF n-gram in the cleaned text, by ``vectorizer``'s own tokenisation."""
        return _ngram_cues(vectorizer, self.doc, gram, self._tokens if cache is None else cache)

    @staticmethod
    def feature_names(vectorizer: Any) -> np.ndarray:
        """``vectorizer.get_feature_names_out()``, computed once per fitted vectorizer."""
        return _feature_names(vectorizer)

    def items(self, top: list[tuple[int, float]], values: list[float]) -> list[dict[str, Any]]:
        from framing.families import family as registered

        items: list[dict[str, Any]] = []
        unlocated: list[dict[str, Any]] = []
        for (column, contribution), value in zip(top, values):
            name, short = self.parts.family[column], self.parts.short[column]
            declared = registered(name)
            description, cues = declared.describe(self, short, value)
            item: dict[str, Any] = {
                "feature": self.parts.names[column],
                "kind": declared.kind,
                "contribution": contribution,
                "value": value,
                "description": description,
                "cues": [dict(c) for c in cues[:MAX_CUES]],
            }
            items.append(item)
            if declared.located_cues_only:
                unlocated.append(item)
        locate(self.original, self.cleaned, [c for item in items for c in item["cues"]], self.parts.placeholder)
        for item in unlocated:
            item["cues"] = [c for c in item["cues"] if c["start"] is not None]
        return items


_NAMES: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def _feature_names(vectorizer: Any) -> np.ndarray:
    """``vectorizer.get_feature_names_out()``, computed once per fitted vectorizer."""
    names = _NAMES.get(vectorizer)
    if names is None:
        names = _NAMES[vectorizer] = vectorizer.get_feature_names_out()
    return names


def _ngram_cues(vectorizer: Any, doc: str, gram: str, cache: dict[str, list[tuple[str, int, int]]]) -> list[dict[str, Any]]:
    """Occurrences of a TF-IDF n-gram in ``doc``, by the vectorizer's own tokenisation."""
    if vectorizer is None:
        return []
    from framing.features._text import lower_same_length

    lowered = lower_same_length(doc) if getattr(vectorizer, "lowercase", True) else doc
    analyzer = getattr(vectorizer, "analyzer", "word")
    if analyzer == "word":
        if " " not in gram and vectorizer.token_pattern == _DEFAULT_TOKEN and not vectorizer.stop_words:
            # A default token is a maximal run of two or more word characters: one regex scan in C
            # finds a unigram without tokenising the whole text.
            rx = re.compile(rf"(?<!\w){re.escape(gram)}(?!\w)")
            return [{"text": doc[m.start() : m.end()], "start": m.start(), "end": m.end()} for m in rx.finditer(lowered)]
        if "word" not in cache:
            pattern = re.compile(vectorizer.token_pattern or r"(?u)\b\w\w+\b")
            group = 1 if pattern.groups == 1 else 0
            stop = vectorizer.get_stop_words() or frozenset()
            cache["word"] = [(m.group(group), m.start(group), m.end(group)) for m in pattern.finditer(lowered) if m.group(group) not in stop]
        tokens = cache["word"]
        words = gram.split(" ")
        n = len(words)
        cues = []
        for i in range(len(tokens) - n + 1):
            if tokens[i][0] == words[0] and all(tokens[i + j][0] == words[j] for j in range(1, n)):
                start, end = tokens[i][1], tokens[i + n - 1][2]
                cues.append({"text": doc[start:end], "start": start, "end": end})
        return cues
    if analyzer in ("char", "char_wb"):
        body = gram.strip(" ") if analyzer == "char_wb" else gram
        if not body:
            return []
        # The analyzer counts a run of whitespace as one space: a leading space starts the run.
        source = ("(?<!\\s)" if body.startswith(" ") else "") + "".join(r"\s+" if ch == " " else re.escape(ch) for ch in body)
        if analyzer == "char_wb":
            source = (r"(?<!\S)" if gram.startswith(" ") else "") + source + (r"(?!\S)" if gram.endswith(" ") and len(gram) > 1 else "")
        # A lookahead finds overlapping occurrences, which the vectorizer counts too.
        return [{"text": doc[m.start(1) : m.end(1)], "start": m.start(1), "end": m.end(1)} for m in re.finditer(f"(?=({source}))", lowered)]
    return []


# -- cleaned offsets -> original offsets -------------------------------------------------------
def _flexible(text: str) -> str:
    return _GAP.join(re.escape(piece) for piece in _SPACE.split(text))


def locate(original: str, cleaned: str, cues: Iterable[dict[str, Any]], placeholder: str | None = None) -> None:
    """Rewrite the cleaned-text spans of ``cues`` in place as spans of ``original``.

    ``start``/``end`` (and ``cue_start``/``cue_end`` when present) become offsets into
    ``original`` such that ``original[start:end] == text`` (and ``original[cue_start:cue_end] ==
    cue``), or ``None`` where the words cannot be found there (they exist only after cleaning).

    Parameters
    ----------
    original
        The text as given to the pipeline.
    cleaned
        Its cleaned text, in which the cues' spans were found.
    cues
        Dicts with ``start`` and ``end`` (cleaned offsets), changed in place.
    placeholder
        The cleaner's placeholder for outlet names: never searched for in the original.
    """
    cues = list(cues)
    cleaned = str(cleaned)
    keys = [("start", "end", "text"), ("cue_start", "cue_end", "cue")]
    wanted = {(c[a], c[b]) for c in cues for a, b, _ in keys if c.get(a) is not None and c.get(b) is not None}
    if not wanted:
        return
    mapping: dict[tuple[int, int], tuple[int, int] | None]
    if original == cleaned:
        mapping = {span: span for span in wanted}
    else:
        mapping = _Aligner(original, cleaned, placeholder).map(wanted)
    for cue in cues:
        for a, b, text_key in keys:
            if a not in cue:
                continue
            span = mapping.get((cue[a], cue[b])) if cue[a] is not None else None
            if span is not None and text_key in cue and _words(original[span[0] : span[1]]) != _words(str(cue[text_key])):
                span = None  # the alignment landed on other words: no span rather than a wrong one
            cue[a], cue[b] = span if span is not None else (None, None)
            if span is not None and text_key in cue:
                # Whitespace may differ from the cleaned text: report the words as they stand.
                cue[text_key] = original[span[0] : span[1]]


_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")


def _words(text: str) -> str:
    """A span's characters as cleaning may leave them: whitespace and invisible marks aside (the
    cleaner collapses spaces and splits glued words: "dariIRNA" -> "dari IRNA")."""
    return "".join(_INVISIBLE.sub("", text).split())


class _Aligner:
    """Cleaned-text spans -> original-text spans, through an order-preserving alignment of words.

    Cleaning deletes and rewrites but never reorders, so the whitespace-separated words of the
    cleaned text are a subsequence of the original's, give or take a rewritten word. They are
    aligned as a diff does (longest common runs of words first), which skips deleted lines and
    passes over a deleted copy of the same words ("Baca juga: ..." repeating a phrase of the body,
    an article repeating a paragraph). A cue whose words all align in a row maps offset for offset;
    any other cue (a word split or rewritten by cleaning) is searched for forward from the aligned
    word before it, up to the aligned word after it.
    """

    _WORD = re.compile(r"\S+")

    def __init__(self, original: str, cleaned: str, placeholder: str | None) -> None:
        from difflib import SequenceMatcher

        self.original = original
        self.cleaned = cleaned
        self.placeholder = placeholder
        self.orig = [(m.group(), m.start(), m.end()) for m in self._WORD.finditer(original)]
        self.clean = [(m.group(), m.start(), m.end()) for m in self._WORD.finditer(cleaned)]
        self.clean_starts = [start for _, start, _ in self.clean]
        # Longest common runs of words first, then recursively left and right of them: a few
        # blocks per article (cleaning cuts a few regions), about 0.5 ms. No "popular word" junk
        # heuristic: "dan" and "yang" must align too.
        matcher = SequenceMatcher(None, [w for w, _, _ in self.clean], [w for w, _, _ in self.orig], autojunk=False)
        self.match = [-1] * len(self.clean)
        for i, j, size in matcher.get_matching_blocks():
            self.match[i : i + size] = range(j, j + size)

    def map(self, spans: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int] | None]:
        return {span: self._one(*span) for span in spans}

    def _one(self, s: int, e: int) -> tuple[int, int] | None:
        from bisect import bisect_right

        if not 0 <= s < e <= len(self.cleaned) or not self.clean:
            return None
        needle = self.cleaned[s:e]
        if self.placeholder and self.placeholder in needle:
            return None
        i0 = max(bisect_right(self.clean_starts, s) - 1, 0)
        i1 = max(bisect_right(self.clean_starts, e - 1) - 1, 0)
        j0 = self.match[i0]
        if j0 >= 0 and all(self.match[i] == j0 + i - i0 for i in range(i0 + 1, i1 + 1)):
            start = self.orig[j0][1] + s - self.clean[i0][1]
            end = self.orig[self.match[i1]][1] + e - self.clean[i1][1]
            return start, end
        # Between the nearest aligned words around the cue.
        before = next((self.match[i] for i in range(i0 - 1, -1, -1) if self.match[i] >= 0), -1)
        after = next((self.match[i] for i in range(i1 + 1, len(self.match)) if self.match[i] >= 0), -1)
        lo = self.orig[before][2] if before >= 0 else 0
        hi = self.orig[after][1] if after >= 0 else len(self.original)
        at = self.original.find(needle, lo, hi)
        if at >= 0:
            return at, at + len(needle)
        # Whitespace may differ, or a word the cleaner split was glued ("dariIRNA" -> "dari IRNA").
        m = re.compile(_flexible(needle)).search(self.original, lo, hi)
        return (m.start(), m.end()) if m is not None and m.end() > m.start() else None


# -- one article -------------------------------------------------------------------------------
def explain_text(model: FramingModel, text: str, k: int = 10) -> dict[str, Any]:
    """Explain one article: label, probabilities, top-``k`` evidence and every cue of its text.

    Parameters
    ----------
    model
        A fitted :class:`framing.model.FramingModel` (:func:`framing.track.load_framing` for a logged one).
    text
        The article as given (spans index it).
    k
        Evidence items.

    Returns
    -------
    dict
        JSON-able: ``text``, ``label``, ``probabilities`` (class -> probability, model order),
        ``evidence`` (as :func:`evidence`), ``lexicon`` (every lexicon hit) and ``attributions``
        (every attribution), both with spans in ``text``, ``categories`` (lexicon category ->
        description), ``groups`` (attribution origin group -> side) and ``removed`` (what
        cleaning removed, per kind).
    """
    if not isinstance(text, str):
        raise TypeError(f"Got text of type {type(text).__name__}, expected a str (one article).")
    parts = _parts(model)
    cleaned = parts.model.clean([text])
    X = parts.model.features([text], cleaned=cleaned)
    proba = parts.model.proba_of(X)[0]
    label = parts.classes[int(proba.argmax())]
    items = evidence(model, [text], k, cleaned=cleaned, X=X, predicted=[label])[0]
    from framing.families.attribution import Attribution
    from framing.families.lexicon import Lexicon

    reading = Reading(parts, text, cleaned[0], str(label))
    lexicon, attributions = [dict(h) for h in Lexicon().hits(reading)], [dict(a) for a in Attribution().sources(reading)]
    locate(text, cleaned[0], lexicon + attributions, parts.placeholder)
    lex = parts.families.get("lexicon")
    attr = parts.families.get("attribution")
    return {
        "text": text,
        "label": str(label),
        "probabilities": {str(c): float(p) for c, p in zip(parts.classes, proba)},
        "evidence": items,
        "lexicon": lexicon,
        "attributions": attributions,
        "categories": dict(getattr(lex, "descriptions_", {})),
        "groups": dict(zip(getattr(attr, "groups_", []), getattr(attr, "sides_", []))),
        "removed": {kind: n for kind, n in getattr(cleaned[0], "counts", {}).items() if n},
    }


def read_article(path: str | Path, *, id: str | None = None, data: DataConfig | None = None) -> tuple[str, str]:
    """The ``(id, text)`` of one article from a .txt, JSONL, CSV or Parquet file.

    Parameters
    ----------
    path
        A ``.txt`` file (one article, id = file name) or a corpus file.
    id
        The record to pick; without it the file must hold exactly one.
    data
        A config's ``data`` section, for the column mapping.

    Raises
    ------
    FramingError
        The file holds no readable article, several without ``id``, or none with that ``id``.
    """
    from framing.corpus import CorpusReader

    path = str(path)
    reader = CorpusReader.from_config(data, with_label=False, paths=[path]) if data is not None else CorpusReader([path])
    first: tuple[str, str] | None = None
    seen: list[str] = []
    for chunk in reader.iter_chunks(1_000):
        for rid, text in zip(chunk["id"], chunk["text"]):
            rid = str(rid)
            if id is None:
                if first is not None:
                    raise FramingError(f"{path} holds several articles ({first[0]!r}, {rid!r}, ...): pick one with --id.")
                first = (rid, text)
            elif rid == id:
                return rid, text
            elif len(seen) < 4:
                seen.append(rid)  # a few, to name in the error
    if id is not None:
        shown = ", ".join(repr(s) for s in seen[:3]) + (", ..." if len(seen) > 3 else "")
        raise FramingError(f"Got --id {id!r}, but {path} has no article with that id (its ids: {shown or 'none readable'}).")
    if first is None:
        why = f": {reader.rejects[0].reason}" if reader.rejects else ""
        raise FramingError(f"{path} holds no readable article{why}.")
    return first


# -- terminal view -----------------------------------------------------------------------------
def print_explanation(console: Any, explanation: dict[str, Any], name: str = "") -> None:
    """Print label, probabilities and the evidence table to a rich console."""
    from rich.table import Table
    from rich.text import Text

    if name:
        console.print(Text(f"article:        {name}"))
    console.print(Text(f"label:          {explanation['label']}"))
    probabilities = "  ".join(f"{c} {p:.3f}" for c, p in explanation["probabilities"].items())
    console.print(Text(f"probabilities:  {probabilities}"))
    removed = ", ".join(f"{k} {v}" for k, v in explanation["removed"].items()) or "nothing"
    console.print(Text(f"cleaning removed: {removed}"))
    table = Table(title=Text(f"evidence toward {explanation['label']}"), title_justify="left")
    for column in ("feature", "contribution", "description", "cues (span in the input)"):
        table.add_column(column, justify="right" if column == "contribution" else "left")
    for item in explanation["evidence"]:
        cues = "; ".join(_cue_label(c) for c in item["cues"][:6]) + ("; ..." if len(item["cues"]) > 6 else "")
        table.add_row(Text(item["feature"]), f"{item['contribution']:+.4f}", Text(item["description"]), Text(cues or "-"))
    console.print(table)


def _cue_label(cue: dict[str, Any]) -> str:
    span = f"{cue['start']}-{cue['end']}" if cue.get("start") is not None else "only after cleaning"
    if "group" in cue:
        return f"{cue['text']} ({cue['group']}, {cue['cue']}, {'direct' if cue['direct'] else 'indirect'}) {span}"
    if "category" in cue:
        return f"{cue['text']} ({cue['category']}) {span}"
    return f"{cue['text']} {span}"


# -- HTML page ---------------------------------------------------------------------------------
# Light fills for lexicon categories, strong borders for origin groups: a word can carry both.
_FILLS = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#bc80bd", "#ccebc5",
          "#ffed6f", "#d9d9d9"]  # fmt: skip (ColorBrewer Set3: categorical, dark text stays readable)
_LINES = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
          "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"]  # fmt: skip

_PAGE = Template("""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>$title</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; line-height: 1.5; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .4rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #ddd; }
.label { display: inline-block; font-size: 1.3rem; font-weight: 700; padding: .1rem .7rem; border-radius: .4rem; background: #222; color: #fff; }
.probs { margin: .6rem 0; } .prob { display: flex; align-items: center; gap: .5rem; font-size: .9rem; }
.prob .name { width: 9rem; } .prob .track { width: 20rem; height: .8rem; background: #eee; border-radius: .2rem; }
.prob .fill { height: 100%; background: #555; border-radius: .2rem; } .prob.top .fill { background: #d62728; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
.bars td.bar { width: 32%; } .bar .track { background: #f2f2f2; height: 1rem; border-radius: .2rem; }
.bar .fill { background: #d62728; height: 100%; border-radius: .2rem; } .num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.feature { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .82rem; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1rem; font-size: .85rem; } .legend span.key { padding: 0 .35rem; border-radius: .2rem; }
article { white-space: pre-wrap; font-size: 1rem; border: 1px solid #ddd; border-radius: .4rem; padding: 1rem 1.2rem; background: #fcfcfc; }
mark { background: none; color: inherit; padding: 0 .05rem; border-radius: .15rem; }
mark.evidence { font-weight: 700; }
.muted { color: #777; font-size: .85rem; }
</style>
</head>
<body>
<h1>$title</h1>
<div><span class="label">$label</span></div>
<div class="probs">$probabilities</div>
<h2>Evidence toward $label</h2>
<p class="muted">Contribution of each feature to the raw score of the predicted class (LightGBM TreeSHAP; for a blended model, weighted and added to the text-score stacker's linear terms); bars scale to the largest.</p>
<table class="bars"><tr><th>feature</th><th>contribution</th><th></th><th>what it measured</th></tr>
$bars</table>
<h2>Article</h2>
<div class="legend">$legend</div>
<p class="muted">Filled: lexicon cue (colour per category). Boxed: quoted source (colour per origin group); the attribution cue is underlined in the same colour. Dashed: an n-gram of the evidence. Bold: part of the evidence above.</p>
<article>$article</article>
<h2>Attributions</h2>
<table><tr><th>source</th><th>origin group</th><th>cue</th><th>quote</th><th>span</th></tr>
$attributions</table>
<p class="muted">Cleaning removed: $removed.</p>
</body>
</html>
""")


def _palette(explanation: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    categories = sorted(set(explanation.get("categories", {})) | {h["category"] for h in explanation["lexicon"]})
    groups = list(explanation.get("groups", {})) or sorted({a["group"] for a in explanation["attributions"]})
    groups += sorted({a["group"] for a in explanation["attributions"]} - set(groups))
    fills = {c: _FILLS[i % len(_FILLS)] for i, c in enumerate(categories)}
    lines = {g: _LINES[i % len(_LINES)] for i, g in enumerate(groups)}
    return fills, lines


def _marks(explanation: dict[str, Any], fills: dict[str, str], lines: dict[str, str]) -> list[tuple[int, int, str, str, str]]:
    """(start, end, css class, style, title) of every located cue; longest first at one position."""
    e = html.escape
    key = {(c.get("start"), c.get("end")) for item in explanation["evidence"] for c in item["cues"]}
    key |= {(c.get("cue_start"), c.get("cue_end")) for item in explanation["evidence"] for c in item["cues"] if "cue" in c}
    marks = []
    for h in explanation["lexicon"]:
        if h["start"] is not None:
            cls = "lex evidence" if (h["start"], h["end"]) in key else "lex"
            marks.append((h["start"], h["end"], cls, f"background:{fills[h['category']]}", e(f"{h['category']}: {h['term']}")))
    for item in explanation["evidence"]:
        if item["kind"] in ("ngram", "style"):
            for c in item["cues"]:
                if c.get("start") is not None:
                    marks.append((c["start"], c["end"], "gram evidence", "border-bottom:2px dashed #555", e(item["feature"])))
    for a in explanation["attributions"]:
        colour = lines.get(a["group"], "#444")
        title = e(f"{a['group']}: {a['name']} ({a['cue']}, {'direct quote' if a['direct'] else 'indirect'})")
        if a["start"] is not None:
            cls = "src evidence" if (a["start"], a["end"]) in key else "src"
            marks.append((a["start"], a["end"], cls, f"outline:2px solid {colour};outline-offset:-1px", title))
        if a.get("cue_start") is not None:
            marks.append((a["cue_start"], a["cue_end"], "cue", f"text-decoration:underline 2px {colour};text-underline-offset:3px", title))
    return marks


def _highlight(text: str, marks: list[tuple[int, int, str, str, str]]) -> str:
    """The text, escaped, cut at every cue boundary; each piece inside cues is one <mark> per cue.

    Overlapping cues (a lexicon term inside a source name) nest: every piece carries all the
    cues covering it, so the page needs no JavaScript and stays valid HTML.
    """
    cuts = sorted({0, len(text)} | {m[0] for m in marks} | {m[1] for m in marks})
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = html.escape(text[a:b])
        for start, end, cls, style, title in sorted((m for m in marks if m[0] <= a and b <= m[1]), key=lambda m: m[0] - m[1]):
            piece = f'<mark class="{cls}" style="{style}" title="{title}" data-span="{start}-{end}">{piece}</mark>'
        out.append(piece)
    return "".join(out)


def render_html(explanation: dict[str, Any], title: str = "") -> str:
    """A self-contained HTML page (inline CSS, no script, no external file) for :func:`explain_text`'s result.

    Every piece of text from the article or the model is escaped.
    """
    e = html.escape
    fills, lines = _palette(explanation)
    label = explanation["label"]
    probabilities = "".join(
        f'<div class="prob{" top" if c == label else ""}"><span class="name">{e(c)}</span><span class="track">'
        f'<div class="fill" style="width:{100 * p:.1f}%"></div></span><span class="num">{p:.3f}</span></div>'
        for c, p in explanation["probabilities"].items()
    )
    top = max((item["contribution"] for item in explanation["evidence"]), default=0.0) or 1.0
    bars = "".join(
        f'<tr><td class="feature">{e(item["feature"])}</td><td class="num">{item["contribution"]:+.4f}</td>'
        f'<td class="bar"><div class="track"><div class="fill" style="width:{100 * item["contribution"] / top:.1f}%"></div></div></td>'
        f'<td>{e(item["description"])}</td></tr>\n'
        for item in explanation["evidence"]
    )
    used_categories = sorted({h["category"] for h in explanation["lexicon"]})
    used_groups = sorted({a["group"] for a in explanation["attributions"]}, key=list(lines).index)
    legend = "".join(
        f'<span><span class="key" style="background:{fills[c]}" title="{e(explanation.get("categories", {}).get(c, ""))}">{e(c)}</span></span>'
        for c in used_categories
    ) + "".join(f'<span><span class="key" style="outline:2px solid {lines[g]}">{e(g)}</span></span>' for g in used_groups)
    if any(item["kind"] in ("ngram", "style") and item["cues"] for item in explanation["evidence"]):
        legend += '<span><span class="key" style="border-bottom:2px dashed #555">n-gram or word in the evidence</span></span>'
    spans = ["-" if a["start"] is None else f"{a['start']}-{a['end']}" for a in explanation["attributions"]]
    attributions = "".join(
        f'<tr><td>{e(a["source"])}</td><td><span class="key" style="outline:2px solid {lines.get(a["group"], "#444")};padding:0 .3rem">{e(a["group"])}</span></td>'
        f'<td>{e(a["cue"])}</td><td>{"direct" if a["direct"] else "indirect"}{", unnamed" if a["anonymous"] else ""}</td>'
        f'<td class="num">{span}</td></tr>\n'
        for a, span in zip(explanation["attributions"], spans)
    ) or '<tr><td colspan="5" class="muted">no attribution found</td></tr>'
    removed = ", ".join(f"{k} {v}" for k, v in explanation.get("removed", {}).items()) or "nothing"
    return _PAGE.substitute(
        title=e(title or "framing explain"),
        label=e(label),
        probabilities=probabilities,
        bars=bars or '<tr><td colspan="4" class="muted">no feature pushed this class</td></tr>',
        legend=legend or '<span class="muted">no cue found</span>',
        article=_highlight(explanation["text"], _marks(explanation, fills, lines)),
        attributions=attributions,
        removed=e(removed),
    )


def write_html(explanation: dict[str, Any], path: str | Path, title: str = "") -> Path:
    """Write :func:`render_html` to ``path`` atomically (a temporary file moved into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(render_html(explanation, title))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a page is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
