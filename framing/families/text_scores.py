"""The ``text_scores`` family: stacked linear n-gram models whose out-of-fold class scores are columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from framing.families import Cues, Family, Section, register

if TYPE_CHECKING:
    from framing.explain import Reading

# A text score is explained by its linear model's n-grams found in the article: this many, the
# heaviest weight x TF-IDF value first.
NGRAMS = 5


def _default_views() -> list[Literal["word", "char"]]:
    return ["word", "char"]


def ordered_range(value: tuple[int, int]) -> tuple[int, int]:
    """An n-gram range ``(low, high)`` with ``1 <= low <= high``."""
    low, high = value
    if not 1 <= low <= high:
        raise ValueError(f"expected 1 <= low <= high, got {list(value)}")
    return value


class TextScoresConfig(Section):
    """Arguments of :class:`framing.features.text_scores.TextScoreFeatures`: linear n-gram models
    whose out-of-fold class scores are LightGBM columns (inner folds grouped like the split)."""

    enabled: bool = True
    views: list[Literal["word", "char"]] = Field(default_factory=_default_views, min_length=1)
    word_ngram_range: tuple[int, int] = (1, 2)
    char_ngram_range: tuple[int, int] = (2, 5)
    min_df: int = Field(default=2, ge=1)
    max_features: int | None = Field(default=100_000, gt=0)
    classifier: Literal["svm", "logistic"] = "svm"  # svm: decision values; logistic: probabilities
    C: float = Field(default=0.5, gt=0)
    inner_folds: int = Field(default=5, ge=2)
    title: bool = True  # a view over the headlines, when the corpus maps a title column

    @field_validator("word_ngram_range", "char_ngram_range")
    @classmethod
    def _ordered_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        return ordered_range(value)


@register
class TextScores(Family):
    """Stacked text models: one column per view and class, explained by the model's heaviest n-grams in the article."""

    name = "text_scores"
    kind = "text_score"
    config = TextScoresConfig
    order = 10
    wants_groups = True
    # An n-gram that joins words across a line the cleaner removed is not in the article: it
    # explains nothing a reader can find, so it is left out.
    located_cues_only = True

    def build(self, section: Any, seed: int) -> Any:
        from framing.features.text_scores import TextScoreFeatures

        return TextScoreFeatures(**section.model_dump(exclude={"enabled"}), seed=seed)

    def describe(self, reading: Reading, column: str, value: float) -> tuple[str, Cues]:
        """A stacked text model's score, explained by its heaviest n-grams in the article."""
        import numpy as np

        from framing.features.text_scores import INFIX

        scores = reading.transformer(self.name)
        infix = next((i for i in INFIX.values() if i in column), "_p_")
        view, _, slug = column.partition(infix)
        label = next((c for c in getattr(scores, "classes_", []) if "_".join(str(c).split()) == slug), None)
        what = f"{view} n-gram model: {'p' if infix == '_p_' else 'score'}({label}) = {value:.2f}"
        if scores is None or label is None or view not in scores.vectorizers_:
            return what, []
        vectorizer = scores.vectorizers_[view]
        # The batch's TF-IDF rows under this view's vectorizer, computed once for the whole batch.
        matrix = reading.batch_memo(f"{self.name}.{view}", lambda: vectorizer.transform(reading.batch_docs).tocsr())
        row = matrix[reading.index]
        coefficients = scores.coefficients(view, label)
        pushes = row.data * coefficients[row.indices] if coefficients is not None else np.zeros(len(row.data))
        vocabulary = reading.feature_names(vectorizer)
        positive = np.flatnonzero(pushes > 0)
        if len(positive) > NGRAMS:
            # Every n-gram whose push ties or beats the k-th largest: the order below breaks ties.
            kth = np.partition(pushes[positive], len(positive) - NGRAMS)[len(positive) - NGRAMS]
            positive = positive[pushes[positive] >= kth]
        present = sorted(((float(pushes[p]), str(vocabulary[row.indices[p]])) for p in positive), reverse=True)
        chosen = present[:NGRAMS]
        if not chosen:
            return f"{what}; no n-gram of this article pushes toward {label}", []
        cache: dict[str, list[tuple[str, int, int]]] = {}
        cues = []
        for push, gram in chosen:
            for cue in reading.ngram_cues(vectorizer, gram, cache):
                cues.append(cue | {"ngram": gram, "weight": push})
        grams = ", ".join(f"{gram!r}" for _, gram in chosen)
        return f"{what}; its n-grams here that push toward {label} most: {grams}", cues
