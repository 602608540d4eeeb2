"""Evidence a person can read: the lexicon hits and attributions of each article, with spans.

``framing features`` prints these. Spans are character offsets into the text the cues were found
in: the cleaned text when cleaning is on (page furniture removed, self-names masked), which is
returned beside them, so ``text[start:end]`` always gives the matched words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framing.config import CleanConfig, FeaturesConfig

__all__ = ["CueFinder"]


class CueFinder:
    """Clean an article, then find its lexicon cues and attributions.

    Parameters
    ----------
    clean, features
        The ``clean`` and ``features`` sections of a config (defaults when ``None``). Disabled
        families find nothing.

    Examples
    --------
    >>> finder = CueFinder()
    >>> found = finder.find("“Kesombongan Washington harus diakhiri,” kata juru bicara Kremlin.")
    >>> [(h["term"], h["text"]) for h in found["lexicon"]]
    [('kesombongan', 'Kesombongan')]
    """

    def __init__(self, clean: CleanConfig | None = None, features: FeaturesConfig | None = None) -> None:
        from framing.config import CleanConfig, FeaturesConfig
        from framing.pipeline import build_cleaner, build_family

        clean = clean or CleanConfig()
        features = features or FeaturesConfig()
        self.cleaner = build_cleaner(clean)
        if self.cleaner is not None:
            self.cleaner.fit([])
        self.lexicon = build_family(features, "lexicon")
        self.attribution = build_family(features, "attribution")
        for extractor in (self.lexicon, self.attribution):
            if extractor != "drop":
                extractor.fit([])

    def find(self, text: str) -> dict[str, Any]:
        """``text`` (cleaned), ``removed`` (counts per kind), ``lexicon`` hits and ``attributions``."""
        cleaned = self.cleaner.clean(text) if self.cleaner is not None else text
        return {
            "text": str(cleaned),
            "removed": {k: v for k, v in getattr(cleaned, "counts", {}).items() if v},
            "lexicon": [asdict(hit) for hit in self.lexicon.find(cleaned)] if self.lexicon != "drop" else [],
            "attributions": [asdict(a) for a in self.attribution.find(cleaned)] if self.attribution != "drop" else [],
        }

    def find_all(self, records: Iterable[tuple[str, str]]) -> Iterator[dict[str, Any]]:
        """``find`` for each ``(id, text)``, with the id first."""
        for rid, text in records:
            yield {"id": rid} | self.find(text)
