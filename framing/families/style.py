"""The ``style`` family: outlet style (sentence and paragraph shape, punctuation, pronouns, evaluative words)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from framing.families import Cues, Family, Section, register

if TYPE_CHECKING:
    from framing.explain import Reading


class StyleConfig(Section):
    """Arguments of :class:`framing.features.style.StyleFeatures`."""

    enabled: bool = True
    evaluative: str | None = None
    cleaning_counts: bool = True


_STYLE = {
    "n_sentences": "{v:.0f} sentences",
    "sentence_words_mean": "{v:.1f} words per sentence on average",
    "sentence_chars_std": "sentence lengths vary by {v:.0f} characters (standard deviation)",
    "n_paragraphs": "{v:.0f} paragraphs",
    "paragraph_words_mean": "{v:.1f} words per paragraph on average",
    "paragraph_chars_std": "paragraph lengths vary by {v:.0f} characters (standard deviation)",
    "question_rate": "{v:.1f} question marks per 1,000 tokens",
    "exclamation_rate": "{v:.1f} exclamation marks per 1,000 tokens",
    "first_plural_rate": "{v:.1f} first-person plurals (kita, kami) per 1,000 tokens",
    "evaluative_rate": "{v:.1f} evaluative words per 1,000 tokens",
}


def describe_style(column: str, value: float) -> str:
    """The sentence for a style column at ``value`` ("14 sentences")."""
    if column == "n_tokens_log":
        return f"length: {math.expm1(value):.0f} tokens"
    if column in _STYLE:
        return _STYLE[column].format(v=value)
    if column.startswith("quote_") and column.endswith("_rate"):
        return f"{column[6:-5]} quote marks: {value:.1f} per 1,000 tokens"
    if column.startswith("removed_"):
        return f"cleaning removed {value:.0f} {column[8:].replace('_', ' ')} item{'s' if value != 1 else ''}"
    return f"{column} = {value:.3g}"


def style_words(extractor: Any, doc: str, *, plural: bool) -> Cues:
    """First-person plurals or evaluative words, as the style extractor counts them."""
    if extractor is None:
        return []
    from framing.features._text import lower_same_length

    cues = []
    # The extractor scans " " + lower-cased text, its pattern consuming the character before a word.
    for m in extractor.words_.finditer(" " + lower_same_length(doc)):
        if bool(m.group(1)) != plural:
            continue
        start, end = m.span()
        while start < end and not m.string[start].isalnum():
            start += 1
        cues.append({"text": doc[start - 1 : end - 1], "start": start - 1, "end": end - 1})
    return cues


@register
class Style(Family):
    """Outlet style measures, each described in a sentence; pronoun and evaluative rates with their words."""

    name = "style"
    kind = "style"
    config = StyleConfig
    order = 60
    resources = ("evaluative",)
    transformer = "framing.features.style:StyleFeatures"
    colour = "#9467bd"

    def describe(self, reading: Reading, column: str, value: float) -> tuple[str, Cues]:
        cues: Cues = []
        if column in ("first_plural_rate", "evaluative_rate"):
            cues = style_words(reading.transformer(self.name), reading.doc, plural=column == "first_plural_rate")
        return describe_style(column, value), cues
