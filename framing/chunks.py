"""A chunk of a batch on its way through scoring: the articles read, the screen, the result.

Both scoring engines (local workers, :mod:`framing.scoring`; Spark, :mod:`framing.spark`) take
:class:`Job` chunks from the reader, screen them with :class:`Screen` and return :class:`Done`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from framing.corpus import Reject

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["Done", "Job", "Screen"]


@dataclass
class Job:
    number: int
    file: str
    ids: list[str]
    texts: list[str]
    rejects: list[Reject] = field(default_factory=list)  # the reader's, written with this chunk
    skipped: int = 0


@dataclass
class Done:
    number: int
    frame: pd.DataFrame  # id, label, p_<class>... [, evidence]
    rejects: list[Reject]
    drift: np.ndarray | None
    skipped: int


class Screen:
    """The scorer's own row checks, after the reader's: too long, not Indonesian."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.max_chars = int(settings["max_chars"])
        self.language_check = bool(settings["language_check"])
        self.min_share = float(settings["min_indonesian_share"])
        self.min_words = int(settings["language_min_words"])

    def reason(self, text: str) -> str | None:
        if len(text) > self.max_chars:
            return f"too long: {len(text)} characters, more than scoring.max_chars={self.max_chars}"
        if self.language_check:
            from framing.language import indonesian_words

            words, hits = indonesian_words(text)
            share = hits / words if words else 0.0
            # Under min_words words (a headline, a teaser) one name more or less decides: no verdict.
            if words >= self.min_words and share < self.min_share:
                return (
                    f"not Indonesian: {share:.1%} of its {words} words are common Indonesian words, "
                    f"fewer than scoring.min_indonesian_share={self.min_share}"
                )
        return None

    def split(self, job: Job) -> tuple[list[str], list[str], list[Reject]]:
        """A chunk's ids and texts that pass, and its rejects (the reader's first, then the screen's)."""
        rejects = list(job.rejects)
        ids, texts = [], []
        for rid, text in zip(job.ids, job.texts):
            reason = self.reason(text)
            if reason is None:
                ids.append(rid)
                texts.append(text)
            else:
                rejects.append(Reject(file=job.file, location="", id=rid, reason=reason))
        return ids, texts, rejects
