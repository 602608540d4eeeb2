"""The ``attribution`` family: who is quoted, through which cue, from which origin group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from framing.families import Cues, Family, Section, register

if TYPE_CHECKING:
    from framing.explain import Reading


class AttributionConfig(Section):
    """Arguments of :class:`framing.features.attribution.AttributionFeatures`."""

    enabled: bool = True
    gazetteer: str | None = None
    window: int = Field(default=80, ge=1)


@register
class Attribution(Family):
    """Shares per origin group, density, direct and anonymous shares, diversity, both sides;
    explained by the attributions they count."""

    name = "attribution"
    kind = "attribution"
    config = AttributionConfig
    order = 50
    resources = ("gazetteer",)
    transformer = "framing.features.attribution:AttributionFeatures"
    colour = "#2ca02c"

    def sources(self, reading: Reading) -> Cues:
        """Every attribution in the article's cleaned text (source, cue, origin group, spans), found once."""

        def find() -> Cues:
            extractor = reading.transformer(self.name)
            found = extractor.find(reading.doc) if extractor is not None else []
            return [
                {
                    "text": a.source,
                    "start": a.start,
                    "end": a.end,
                    "source": a.source,
                    "name": a.name or a.source,
                    "group": a.group,
                    "cue": a.cue,
                    "cue_start": a.cue_start,
                    "cue_end": a.cue_end,
                    "direct": bool(a.direct),
                    "anonymous": bool(a.anonymous),
                }
                for a in found
            ]

        return reading.memo(self.name, find)

    def describe(self, reading: Reading, column: str, value: float) -> tuple[str, Cues]:
        found = self.sources(reading)
        n = len(found)
        if column.startswith("share_"):
            group = column[6:]
            chosen = [a for a in found if a["group"] == group]
            if not chosen:
                return reading.absent(f"an attribution to a {group} source"), []
            return f"{len(chosen)} of {n} attributions ({value:.0%}) are to {group} sources", chosen
        if not found:
            return f"no attribution at all ({column} = 0): the absence pushed toward {reading.label}", []
        if column == "density":
            return f"{n} attribution{'s' if n != 1 else ''}, {value:.1f} per 1,000 tokens", found
        if column == "direct_share":
            chosen = [a for a in found if a["direct"]]
            return f"{len(chosen)} of {n} attributions ({value:.0%}) attach to a direct quote", chosen
        if column == "anonymous_share":
            chosen = [a for a in found if a["anonymous"]]
            return f"{len(chosen)} of {n} attributions ({value:.0%}) are to unnamed sources", chosen
        if column == "diversity":
            groups = sorted({a["group"] for a in found})
            return f"origin-group diversity {value:.2f} (entropy over {', '.join(groups)})", found
        if column == "n_sources":
            return f"{value:.0f} distinct source{'s' if value != 1 else ''} quoted", found
        if column == "both_sides":
            extractor = reading.transformer(self.name)
            side = dict(zip(extractor.groups_, extractor.sides_))
            chosen = [a for a in found if side.get(a["group"]) in ("alignment", "opposing")]
            if value:
                return "quotes both sides (an alignment group and an opposing group)", chosen
            present = sorted({side.get(a["group"], "none") for a in chosen})
            if not present:
                return "does not quote both sides: no source of the alignment or the opposing side", chosen
            return f"does not quote both sides: only the {present[0]} side ({', '.join(sorted({a['group'] for a in chosen}))})", chosen
        return f"{column} = {value:.3g}", found
