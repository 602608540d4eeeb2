"""Stacked text scores: linear n-gram models whose out-of-fold class scores feed LightGBM.

Trees on tens of thousands of sparse TF-IDF columns, with a few hundred articles, split on a
handful of rare words and lose to a plain logistic regression. Here the linear models do what
they are good at (weighing every n-gram a little) and LightGBM gets their class scores as a
few dense columns, beside the lexicon, attribution and style features. The linear model is a
linear SVM (``classifier="svm"``: its decision values, one per class, one-vs-rest) or a logistic
regression (``"logistic"``: class probabilities). Measured with ``benchmarks/accuracy.py``, the SVM
(C 0.5) beat the logistic regression (C 10) on the demo stance and both IndoSum tasks, lost on
indonews outlets under the time split (0.285 against 0.308), and trained 1.2 to 2.7 times faster,
so it is the default.

Out of fold: :meth:`TextScoreFeatures.fit_transform` (what a ``Pipeline`` calls while fitting)
returns, for every training row, the scores of models fitted on the *other* inner folds, so the
trees never see a score fitted on its own row's label. The inner folds are grouped by ``groups``
when given (the outer split's outlets, or time blocks), so a score on a training row is as good as
a score on an unseen outlet would be, not better. :meth:`transform` (new articles) uses the models
refitted on all training rows.

Views: ``word`` (TF-IDF word n-grams) and ``char`` (character n-grams within word boundaries), each
with its own linear model. With ``title``, documents that carry a headline
(:class:`framing.clean.Article`, cleaned into :class:`framing.clean.CleanedText` ``.headline``) get
a third view fitted on the headlines alone (word n-grams).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from framing.errors import FramingError
from framing.features._text import check_documents

__all__ = ["CLASSIFIERS", "INFIX", "TextScoreFeatures", "VIEWS"]

VIEWS = ("word", "char")
CLASSIFIERS = ("svm", "logistic")
# Between view and class in a feature name: what the column holds.
INFIX = {"svm": "_s_", "logistic": "_p_"}
# Fewer documents of a class than this in the training rows: the inner folds cannot all hold one.
_MIN_FOLDS = 2


def _slug(name: Any) -> str:
    return "_".join(str(name).split())


def headlines(docs: Iterable[Any]) -> list[str]:
    """The headline each document carries (``""`` when it has none)."""
    return [getattr(doc, "headline", None) or "" for doc in docs]


class TextScoreFeatures(TransformerMixin, BaseEstimator):
    """Out-of-fold class scores of TF-IDF + linear text models (SVM or logistic regression).

    Parameters
    ----------
    views
        Which text models to stack: ``"word"`` and/or ``"char"``.
    word_ngram_range, char_ngram_range
        N-gram ranges of the word and character (``char_wb``) TF-IDF.
    min_df
        Minimum document count of an n-gram.
    max_features
        Vocabulary cap per view (the most frequent n-grams).
    classifier
        ``"svm"`` (:class:`~sklearn.svm.LinearSVC`, decision values) or ``"logistic"``
        (:class:`~sklearn.linear_model.LogisticRegression`, probabilities).
    C
        Inverse regularisation strength of the linear models.
    inner_folds
        Inner cross-validation folds for the out-of-fold scores.
    title
        Add a view over the headlines when at least two training documents carry one.
    seed
        Seed of the inner folds and the solvers.

    Attributes
    ----------
    classes_ : numpy.ndarray
        The classes, in the order of each view's columns.
    views_ : list of str
        The fitted views (``title`` last, when headlines were present).
    vectorizers_, models_ : dict
        View -> fitted :class:`~sklearn.feature_extraction.text.TfidfVectorizer` and
        linear model (refitted on all training rows).
    names_ : list of str
        Feature names without the family prefix: ``<view>_s_<class>`` (SVM decision value) or
        ``<view>_p_<class>`` (probability).

    Examples
    --------
    >>> docs = ["rezim zionis menyerang", "pejabat membantah laporan", "rezim zionis lagi", "pejabat membantah lagi"] * 3
    >>> scores = TextScoreFeatures(views=("word",), min_df=1, inner_folds=2).fit(docs, ["a", "b", "a", "b"] * 3)
    >>> scores.get_feature_names_out().tolist()
    ['text_scores__word_s_a', 'text_scores__word_s_b']
    >>> scores.transform(["rezim zionis"]).argmax(axis=1).tolist()
    [0]
    """

    family = "text_scores"
    # The inner folds follow the outer split's groups: a Pipeline routes them here when metadata
    # routing is on (framing.pipeline.fit_pipeline does that).
    __metadata_request__fit: ClassVar[dict[str, bool]] = {"groups": True}
    __metadata_request__fit_transform: ClassVar[dict[str, bool]] = {"groups": True}

    def __init__(
        self,
        *,
        views: Sequence[str] = VIEWS,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        max_features: int | None = 100_000,
        classifier: str = "svm",
        C: float = 0.5,
        inner_folds: int = 5,
        title: bool = True,
        seed: int = 0,
    ) -> None:
        self.views = views
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.classifier = classifier
        self.C = C
        self.inner_folds = inner_folds
        self.title = title
        self.seed = seed

    # -- estimator contract --------------------------------------------------------------------
    def fit(self, X: Iterable[str], y: Any = None, groups: Any = None) -> TextScoreFeatures:
        """Fit every view's vectorizer and logistic regression on all rows; return ``self``."""
        docs = check_documents(X)
        self._fit_views(docs, self._labels(y, len(docs)))
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None, groups: Any = None, **params: Any) -> np.ndarray:
        """Fit on all rows and return the *out-of-fold* scores of the same rows.

        Parameters
        ----------
        X
            Documents (cleaned text, optionally carrying ``.headline``).
        y
            Labels; required.
        groups
            Group of each row (outlet, time block): no inner fold has a group on both sides.

        Returns
        -------
        numpy.ndarray
            ``(len(X), len(names_))``: row ``i`` holds the scores of models that never saw row ``i``.
        """
        docs = check_documents(X)
        return self._fit_views(docs, self._labels(y, len(docs)), groups, out_of_fold=True)

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Scores of the models fitted on all training rows: one block of class columns per view."""
        check_is_fitted(self, "models_")
        docs = check_documents(X)
        out = np.zeros((len(docs), len(self.names_)), dtype=np.float64)
        for v, view in enumerate(self.views_):
            matrix = self.vectorizers_[view].transform(headlines(X) if view == "title" else docs)
            out[:, v * len(self.classes_) : (v + 1) * len(self.classes_)] = self._scores(self.models_[view], matrix)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "names_")
        return np.asarray([f"{self.family}__{name}" for name in self.names_], dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = True
        return tags

    # -- explanations --------------------------------------------------------------------------
    def weights(self, view: str, label: Any) -> dict[str, float]:
        """N-gram -> weight of ``view``'s model toward ``label`` (positive: pushes toward it).

        For two classes the single coefficient row is the second class's; the first gets its
        negation.
        """
        row = self.coefficients(view, label)
        if row is None:
            return {}
        names = self.vectorizers_[view].get_feature_names_out()
        return {str(names[j]): float(row[j]) for j in np.flatnonzero(row)}

    def coefficients(self, view: str, label: Any) -> np.ndarray | None:
        """``view``'s model weights toward ``label``, one per column of its vectorizer (``None``:
        the model never saw ``label``). For two classes, the first class's are the negated row."""
        check_is_fitted(self, "models_")
        model = self.models_[view]
        classes = [str(c) for c in model.classes_]
        if str(label) not in classes:
            return None
        coef = model.coef_
        return coef[0] * (1 if classes.index(str(label)) == 1 else -1) if coef.shape[0] == 1 else coef[classes.index(str(label))]

    # -- internals -----------------------------------------------------------------------------
    def _labels(self, y: Any, n: int) -> np.ndarray:
        if y is None:
            raise TypeError("TextScoreFeatures needs the labels: fit(X, y).")
        y = np.asarray(y, dtype=object)
        if len(y) != n:
            raise ValueError(f"Got {len(y)} labels for {n} documents.")
        return y

    def _check(self) -> None:
        unknown = [v for v in self.views if v not in VIEWS]
        if isinstance(self.views, str) or not self.views or unknown:
            raise FramingError(f"Got views={self.views!r}, expected a non-empty list of {', '.join(VIEWS)}.")
        if not isinstance(self.inner_folds, int) or self.inner_folds < _MIN_FOLDS:
            raise FramingError(f"Got inner_folds={self.inner_folds!r}, expected an integer of at least {_MIN_FOLDS}.")
        if self.classifier not in CLASSIFIERS:
            raise FramingError(f"Got classifier={self.classifier!r}, expected one of {', '.join(CLASSIFIERS)}.")
        if not self.C > 0:
            raise FramingError(f"Got C={self.C!r}, expected a positive number.")

    def _vectorizer(self, view: str) -> Any:
        """Word n-grams: scikit-learn's TF-IDF; character n-grams within words: the same TF-IDF
        counted word by word (:class:`framing.features.char_ngrams.CharTfidfVectorizer`)."""
        if view == "char":
            from framing.features.char_ngrams import CharTfidfVectorizer

            low, high = self.char_ngram_range
            return CharTfidfVectorizer(ngram_range=(low, high), min_df=self.min_df, max_features=self.max_features, sublinear_tf=True, dtype=np.float32)
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer="word", ngram_range=tuple(self.word_ngram_range), min_df=self.min_df, max_features=self.max_features, sublinear_tf=True, dtype=np.float32
        )

    def _model(self) -> Any:
        if self.classifier == "svm":
            from sklearn.svm import LinearSVC

            return LinearSVC(C=self.C, class_weight="balanced", random_state=self.seed)
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced", random_state=self.seed)

    def _fit_views(self, docs: list[str], y: np.ndarray, groups: Any = None, *, out_of_fold: bool = False) -> np.ndarray:
        """Fit each view's vectorizer (on all rows: it sees no label) and full model; with
        ``out_of_fold``, also the inner folds' models, and return their scores of the held-out rows.

        One view at a time, and each view's inner folds before its full model: only one view's
        matrix is held, and the full model is fitted after that matrix is no longer needed. The
        character view goes first: its solver copies are the largest allocations of the fit, and
        the word vectorizer leaves memory behind (its whole vocabulary, pruned to the kept
        n-grams, whose strings keep the allocator's arenas from being released).
        """
        self._check()
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"TextScoreFeatures needs at least 2 classes, got {self.classes_.tolist()}.")
        sources = dict.fromkeys(self.views, docs)
        titles = headlines(docs)
        if self.title and sum(bool(t.strip()) for t in titles) >= _MIN_FOLDS:
            sources["title"] = titles
        self.views_ = list(sources)
        self.names_ = [f"{view}{INFIX[self.classifier]}{_slug(c)}" for view in self.views_ for c in self.classes_]
        folds = self._folds(y, groups) if out_of_fold else []
        out = np.zeros((len(docs), len(self.names_)), dtype=np.float64)
        width = len(self.classes_)
        self.vectorizers_, self.models_ = {}, {}
        for v, (view, texts) in sorted(enumerate(sources.items()), key=lambda item: item[1][0] != "char"):
            vectorizer = self._vectorizer(view)
            try:
                matrix = self._vectorized(vectorizer, texts)
            except ValueError:  # every n-gram below min_df (tiny corpora): relax rather than fail
                vectorizer.set_params(min_df=1)
                matrix = self._vectorized(vectorizer, texts)
            self.vectorizers_[view] = vectorizer
            for train, test in folds:
                out[test, v * width : (v + 1) * width] = self._scores(self._model().fit(self._solver_input(matrix[train]), y[train]), matrix[test])
            full = self._solver_input(matrix.tocsr())
            del matrix  # the full model's input is a copy: hold one matrix, not two
            self.models_[view] = self._model().fit(full, y)
            del full
        self.vectorizers_ = {view: self.vectorizers_[view] for view in self.views_}
        self.models_ = {view: self.models_[view] for view in self.views_}
        return out

    @staticmethod
    def _vectorized(vectorizer: Any, texts: list[str]) -> Any:
        """The TF-IDF of ``texts``, fitting ``vectorizer``: a matrix, or (character n-grams, the
        largest view) :class:`~framing.features.char_ngrams.TfidfRows`, which computes the rows
        each fold asks for instead of holding the matrix."""
        fit_rows = getattr(vectorizer, "fit_rows", None)
        return fit_rows(texts) if fit_rows is not None else vectorizer.fit_transform(texts)

    def _solver_input(self, matrix: Any) -> Any:
        """What the solver reads. ``LinearSVC`` converts its input to float64 (liblinear then
        copies it again into its own rows); converting here, on a matrix the caller drops,
        holds the float32 and float64 copies one at a time. The values are the float32 ones,
        exactly. The logistic regression reads float32 as it is."""
        return matrix.astype(np.float64) if self.classifier == "svm" else matrix

    def _scores(self, model: Any, matrix: Any) -> np.ndarray:
        """Scores in the order of ``classes_``: probabilities (zero for a class the model did not
        see), or SVM decision values (``-1``, the margin of "not this class", for an unseen class;
        with two classes the first class's value is the negation of the second's)."""
        svm = self.classifier == "svm"
        out = np.full((matrix.shape[0], len(self.classes_)), -1.0 if svm else 0.0)
        position = {c: k for k, c in enumerate(self.classes_)}
        scores = model.decision_function(matrix) if svm else model.predict_proba(matrix)
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
        for k, c in enumerate(model.classes_):
            out[:, position[c]] = scores[:, k]
        return out

    def _folds(self, y: np.ndarray, groups: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """Inner folds: grouped by ``groups`` when every fold's training side keeps every class,
        else stratified (sets ``inner_split_`` to ``"grouped"`` or ``"stratified"``).

        A grouped fold that leaves a class out of its training side would score that class's rows
        zero for it: the trees would learn the score backwards. That happens when a label is
        derived from the group (outlet style from the outlet) and a class has few groups.
        """
        import warnings

        with warnings.catch_warnings():  # a rare class in fewer folds than the others is expected
            warnings.filterwarnings("ignore", "The least populated class", UserWarning)
            return self._split(y, groups)

    def _split(self, y: np.ndarray, groups: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        from sklearn.model_selection import KFold, StratifiedGroupKFold, StratifiedKFold

        rows = np.zeros(len(y))
        self.inner_split_ = "grouped"
        if groups is not None:
            groups = np.asarray(groups, dtype=object).astype(str)
            n_groups = len(np.unique(groups))
            if n_groups >= _MIN_FOLDS:
                splitter = StratifiedGroupKFold(n_splits=min(self.inner_folds, n_groups), shuffle=True, random_state=self.seed)
                folds = list(splitter.split(rows, y, groups))
                if all(len(np.unique(y[train])) == len(self.classes_) for train, _ in folds):
                    return folds
        self.inner_split_ = "stratified"
        n_splits = min(self.inner_folds, len(y))
        if int(np.unique(y, return_counts=True)[1].max()) >= n_splits:
            return list(StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.seed).split(rows, y))
        return list(KFold(n_splits=n_splits, shuffle=True, random_state=self.seed).split(rows))
