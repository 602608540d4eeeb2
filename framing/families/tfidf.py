"""The ``word`` and ``char`` families: raw TF-IDF n-gram columns (off unless enabled)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from framing.families import Cues, Family, Section, register
from framing.families.text_scores import ordered_range

if TYPE_CHECKING:
    from framing.explain import Reading


class TfidfConfig(Section):
    """Arguments of one :class:`~sklearn.feature_extraction.text.TfidfVectorizer`."""

    enabled: bool = True
    analyzer: Literal["word", "char", "char_wb"] = "word"
    ngram_range: tuple[int, int] = (1, 2)
    min_df: int | float = 2
    max_df: int | float = 1.0
    max_features: int | None = Field(default=50_000, gt=0)
    sublinear_tf: bool = True
    lowercase: bool = True

    @field_validator("min_df", "max_df")
    @classmethod
    def _document_frequency(cls, value: int | float) -> int | float:
        # As in scikit-learn: an int counts documents, a float is a share of them.
        if isinstance(value, float) and not 0 < value <= 1:
            raise ValueError(f"a share of documents must be in (0, 1], got {value}; use an int to count documents")
        if isinstance(value, int) and value < 1:
            raise ValueError(f"a count of documents must be at least 1, got {value}")
        return value

    @field_validator("ngram_range")
    @classmethod
    def _ordered_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        return ordered_range(value)


class _Tfidf(Family):
    kind = "ngram"
    config = TfidfConfig

    def build(self, section: Any, seed: int) -> Any:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer=section.analyzer,
            ngram_range=tuple(section.ngram_range),
            min_df=section.min_df,
            max_df=section.max_df,
            max_features=section.max_features,
            sublinear_tf=section.sublinear_tf,
            lowercase=section.lowercase,
            dtype=np.float32,
        )

    def describe(self, reading: Reading, column: str, value: float) -> tuple[str, Cues]:
        what = f"{'word' if self.name == 'word' else 'character'} n-gram {column!r}"
        if not value:
            return reading.absent(what), []
        cues = reading.ngram_cues(reading.transformer(self.name), column)
        return f"{what} occurs {len(cues)} time{'s' if len(cues) != 1 else ''} (TF-IDF {value:.3f})", cues


@register
class Word(_Tfidf):
    """Word n-gram TF-IDF columns."""

    name = "word"
    order = 20
    colour = "#1f77b4"

    def default(self) -> TfidfConfig:
        return TfidfConfig(enabled=False, analyzer="word", ngram_range=(1, 2))


@register
class Char(_Tfidf):
    """Character n-gram TF-IDF columns (within word boundaries by default)."""

    name = "char"
    order = 30
    colour = "#17becf"

    def default(self) -> TfidfConfig:
        return TfidfConfig(enabled=False, analyzer="char_wb", ngram_range=(2, 5), max_features=100_000)
