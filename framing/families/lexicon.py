"""The ``lexicon`` family: loaded-term categories and terms from YAML lexicons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from framing.families import Cues, Family, Section, register

if TYPE_CHECKING:
    from framing.explain import Reading


class LexiconConfig(Section):
    """Arguments of :class:`framing.features.lexicon.LexiconFeatures`."""

    enabled: bool = True
    lexicons: str | None = None
    min_term_count: int = Field(default=3, ge=1)
    title: bool = True  # hits in the headline counted apart (title_<category>), when titles are mapped


@register
class Lexicon(Family):
    """Per-category rates, per-term counts and headline hits, explained by the hits themselves."""

    name = "lexicon"
    kind = "lexicon"
    config = LexiconConfig
    order = 40
    resources = ("lexicons",)
    transformer = "framing.features.lexicon:LexiconFeatures"
    colour = "#ff7f0e"

    def hits(self, reading: Reading) -> Cues:
        """Every lexicon hit in the article's cleaned text (term, category, span), found once."""

        def find() -> Cues:
            extractor = reading.transformer(self.name)
            hits = extractor.find(reading.doc) if extractor is not None else []
            return [{"text": h.text, "start": h.start, "end": h.end, "term": h.term, "category": h.category} for h in hits]

        return reading.memo(self.name, find)

    def describe(self, reading: Reading, column: str, value: float) -> tuple[str, Cues]:
        extractor = reading.transformer(self.name)
        if column.startswith("title_"):
            # Hits in the headline: it is not part of the text, so they have no spans.
            category, headline = column[6:], getattr(reading.cleaned, "headline", None) or ""
            found = [h.text for h in extractor.find(headline) if h.category == category] if extractor is not None and headline else []
            if not found:
                return reading.absent(f"a {category} cue in the headline"), []
            return f"{len(found)} {category} cue{'s' if len(found) != 1 else ''} in the headline: {', '.join(map(repr, found))}", []
        hits = self.hits(reading)
        if column.startswith("rate_"):
            category = column[5:]
            chosen = [h for h in hits if h["category"] == category]
            if not chosen:
                return reading.absent(f"lexicon category {category}"), []
            return f"{len(chosen)} {category} cue{'s' if len(chosen) != 1 else ''}, {value:.1f} per 1,000 tokens", chosen
        term_of = reading.model_memo(self.name, lambda: extractor.column_terms() if hasattr(extractor, "column_terms") else {})
        term = term_of.get(column, column[5:] if column.startswith("term_") else column)
        chosen = [h for h in hits if h["term"] == term]
        if not chosen:
            return reading.absent(f"lexicon term {term!r}"), []
        return f"lexicon term {term!r} ({chosen[0]['category']}) occurs {len(chosen)} time{'s' if len(chosen) != 1 else ''}", chosen
