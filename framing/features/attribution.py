"""Attribution features: who an article quotes, how, and from which side.

An *attribution* links a cue to a source:

- a **marker** before the source: "menurut X", "(seperti) dilansir (dari) X", "mengutip X",
  "dikutip (dari/oleh) X", "seperti dilaporkan (oleh) X", "dibantah oleh X", "SUMBER: X, Y";
- an **inverted reporting verb** after a quote or a comma: "“...,” kata X", "..., ujar X",
  "..., lapor X" (the verb must follow a comma, a closing quote or a dash, which keeps "dengan kata
  lain", "sikap tegas" and "sudah jelas" out);
- a **reporting verb after its subject**: "X mengatakan", "X melaporkan", "X membantah" ...; the
  source is the leftmost name of the clause that ends at most ``window`` characters before the verb
  and is not the object of a preposition ("di Teheran", "dengan Shoigu");
- the **channel** of a reporting verb: "X mengatakan kepada <media>", when <media> is a media
  source of the gazetteer (after "kepada" anything else is the addressee, not a source).

Sources resolve through the gazetteer (``framing/resources/gazetteer.yaml``) to an origin group. A capitalised
phrase (or a domain name) that the gazetteer does not know becomes a source of group ``other`` when
it stands where a source must stand (right after a marker, right before a reporting verb); it takes
the group of a gazetteer name inside it ("Kepala Staf Angkatan Bersenjata Iran" -> iranian_official).

Deliberately **not** attributions:

- a source named without a cue ("Reuters" alone, "laporan Reuters"): a mention is not a citation;
- pronoun sources ("menurut saya", "menurutnya", "ujarnya", "katanya"): the speaker is not named
  there, and counting them would double-count the source named earlier;
- bare "dilaporkan"/"diberitakan" without "seperti" or "oleh" ("Rusia dilaporkan mengirim ..."):
  that is hedging, which the lexicon features count.

An attribution is **direct** when it attaches to a quoted passage (“...”, "...", «...», ‘...’):
the quote closes right before the cue ("“...,” kata X", "“...”, menurut X"), or a quote of at least
four tokens opens within 40 characters after the attribution in the same sentence ("X mengatakan,
“...”"). Shorter quoted phrases are scare quotes or quoted terms, not direct speech.

Speed: every cue family is one regex whose literal or punctuation prefix lets the regex engine skip
through the text, run over a lower-cased copy of the document (same offsets); the gazetteer is one
trie-shaped regex tried only next to cues.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from framing.errors import FramingError
from framing.features._text import (
    TextFeatures,
    count_tokens,
    lower_same_length,
    per_thousand,
    resource_path,
    trie_pattern,
)

__all__ = ["Attribution", "AttributionFeatures"]

GAZETTEER_FILE = "gazetteer.yaml"

# -- cues ----------------------------------------------------------------------------------------
# Markers and verbs, matched on the lower-cased document. Each family starts with a literal ("me",
# "di", "berkata", "sumber") or a punctuation class, which the regex engine scans for in C.
_PRE_ME = ("menurut", "mengutip", "melansir")
_POST_ME = (
    "mengatakan", "menyatakan", "menegaskan", "membantah", "menuturkan", "menambahkan", "melaporkan",
    "menyebut", "menyebutkan", "mengklaim", "mengeklaim", "menjelaskan", "mengungkapkan", "mengungkap",
    "menyampaikan", "memperingatkan", "mengingatkan", "mengumumkan", "menulis", "menekankan",
    "mengonfirmasi", "mengkonfirmasi", "membenarkan", "menuduh", "mengakui", "menilai", "menampik",
    "menyangkal",
)  # fmt: skip
_INVERTED = ("kata", "ujar", "ungkap", "tegas", "jelas", "tutur", "imbuh", "tambah", "lapor", "tulis",
             "sebut", "papar", "terang")  # fmt: skip
# Passive markers that cite on their own ("dikutip Reuters") vs only with "seperti"/"oleh".
_DI_ALONE = ("lansir", "kutip")
_DI_NEEDS_OLEH = ("laporkan", "beritakan", "bantah", "tegaskan", "sampaikan", "nyatakan", "ungkapkan",
                  "katakan", "umumkan", "konfirmasi")  # fmt: skip


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_ME_RX = re.compile(r"me(?<!\wme)(?:%s)(?!\w)" % _alternation([w[2:] for w in _PRE_ME + _POST_ME]))
_BERKATA_RX = re.compile(r"berkata(?<!\wberkata)(?!\w)")
_DI_RX = re.compile(r"di(?<!\wdi)(%s)(?:[ \t]+(dari|oleh))?(?!\w)" % _alternation(_DI_ALONE + _DI_NEEDS_OLEH))
_INV_RX = re.compile(r"[,”\"»’—–][ \t]*(%s)(?!\w)" % _alternation(_INVERTED))
_SUMBER_RX = re.compile(r"sumber(?<!\wsumber)[ \t]*:")
_SEPERTI_RX = re.compile(r"(?:seperti|sebagaimana)[ \t]+\Z")
_KEPADA_RX = re.compile(r"[ \t]*,?[ \t]*(kepada)[ \t]+")
_LIST_SEP_RX = re.compile(r"[ \t]*(?:,|/|&|;|dan(?!\w))[ \t]*")
_SPACES_RX = re.compile(r"[ \t\xa0]*")


def _skip_spaces(lo: str, pos: int) -> int:
    """The end of the run of spaces at ``pos`` (``pos`` itself when there is none)."""
    m = _SPACES_RX.match(lo, pos)
    return pos if m is None else m.end()  # a "*" pattern always matches: never None
# Sentence (or quoted-speech) starts: a subject never lies before one of these.
# The greedy ".*" makes one match end at the LAST boundary of a stretch.
_LAST_BOUNDARY_RX = re.compile(r".*(?:[.!?][\"”’»)]*\s|\n|[“«])", re.DOTALL)

# -- names nobody listed -------------------------------------------------------------------------
_CAP_TOKEN = r"[A-ZÀ-ÖØ-Þ](?:[\w&'’-]|\.(?=\w))*"
_CAP_TOKEN_RX = re.compile(_CAP_TOKEN)
# Lower-case particles inside names: "Press Trust of India", "Head of Marketing", "Ali bin Ahmad".
_CAP_LINK = r"[ \t]+(?:(?:of|the|for|and|de|del|der|van|von|bin|binti|al|el|la|le|du)[ \t]+)?"
_CAP_NAME = rf"{_CAP_TOKEN}(?:{_CAP_LINK}{_CAP_TOKEN}){{0,5}}"
_CAP_PHRASE_RX = re.compile(_CAP_NAME)
# A capitalised phrase that ends right before a reporting verb, maybe with a comma or an adverb.
_CAP_BEFORE_RX = re.compile(
    rf"({_CAP_NAME})[ \t]*,?[ \t]*"
    r"(?:(?:juga|pun|kemudian|sebelumnya|sendiri|lalu|telah|sudah|pernah|kembali|secara\s+terpisah)[ \t]+)?\Z"
)
_DOMAIN_RX = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|id|ru|ir|tr|il|ua|uk|qa|tv|news|info))(?![\w.])")

# -- direct quotes -------------------------------------------------------------------------------
_OPENER = {"”": "“", '"': '"', "»": "«", "’": "‘"}
_CLOSER = {"“": "”", '"': '"', "«": "»", "‘": "’"}
_QUOTE_BEFORE_RX = re.compile(
    r"([”\"»’])[ \t,.;:!?—–-]*(?:(?:kata|ujar|tutur|tegas|jelas|imbuh|tambah|ungkap)nya[ \t,]*)?\Z", re.IGNORECASE
)
_QUOTE_AFTER_GAP = 40
_QUOTE_AFTER_RX = re.compile(r"[^.!?\n“\"«‘”»]{0,%d}?([“\"«‘])" % _QUOTE_AFTER_GAP)
_MIN_QUOTE_TOKENS = 4

# A metonym ("Rusia", "Teheran") is the speaker only when it stands right before the verb.
_METONYM_GAP = 20

_GROUP_KINDS = ("media", "official", "anonymous", "other")
_SIDES = ("alignment", "opposing", "none")
_TOP_KEYS = ("groups", "quantifiers", "descriptors", "not_sources", "prepositions", "officials", "sources")
_SOURCE_KEYS = ("name", "group", "aliases", "patterns", "case_sensitive", "metonym", "anonymous")
_GROUP_NAME_RX = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Attribution:
    """One attribution: a cue and the source it points to.

    ``document[start:end] == source`` and ``document[cue_start:cue_end] == cue``.

    Attributes
    ----------
    source
        The source as written in the document: "IRNA" in "kantor berita IRNA", "ANADOLU AJANSI".
    group
        Origin group from the gazetteer, ``other`` when unresolved.
    cue
        The marker or reporting verb as written ("Seperti dilansir", "kata", "SUMBER:"). For a
        channel it is "<verb> kepada" ("mengatakan kepada") or, after an inverted verb whose
        speaker stands in between ("kata X kepada Al Jazeera"), "kepada".
    direct
        The attribution attaches to a quoted passage.
    name
        Canonical name (the gazetteer entry's name, or the source itself when unresolved).
    anonymous
        The source is unnamed ("sejumlah sumber", "pejabat Iran").
    """

    source: str
    group: str
    cue: str
    start: int
    end: int
    direct: bool
    cue_start: int
    cue_end: int
    name: str = ""
    anonymous: bool = False


class _Hit(NamedTuple):
    """A resolved source span, before it is tied to a cue."""

    start: int
    end: int
    group: int
    name: str
    anonymous: bool
    metonym: bool


class _Entry(NamedTuple):
    name: str
    group: int
    anonymous: bool
    metonym: bool


class _Claims:
    """Source spans already attributed (disjoint, kept sorted): a span is attributed once."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, start)
        return (i > 0 and self.ends[i - 1] > start) or (i < len(self.starts) and self.starts[i] < end)

    def add(self, start: int, end: int) -> None:
        i = bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _norm(alias: str) -> str:
    return " ".join(lower_same_length(alias).split())


class AttributionFeatures(TextFeatures):
    """Who is quoted and how: attribution density, origin-group shares, quotes, diversity.

    Parameters
    ----------
    gazetteer
        The gazetteer YAML (a file, or a folder holding ``gazetteer.yaml``); ``None`` or
        ``"default"`` means the packaged ``framing/resources/gazetteer.yaml``. Its schema is
        documented at the top of that file.
    window
        Largest number of characters between a cue and its source.

    Attributes
    ----------
    names_ : list of str
        ``density`` (attributions per 1,000 tokens), ``share_<group>`` for every gazetteer group in
        its order, ``direct_share``, ``anonymous_share`` (share of unnamed sources, whatever their
        group), ``diversity`` (Shannon entropy of the groups, natural log), ``n_sources`` (distinct
        source names) and ``both_sides`` (1 when the article attributes to at least one group of
        side ``alignment`` - by default russian_state, iranian_state, russian_official,
        iranian_official - and at least one of side ``opposing`` - us_official, israeli_official,
        western_media, western_wire; else 0). All are 0 for a document without attributions.
    groups_ : list of str
        The origin groups, in feature order.

    Examples
    --------
    >>> features = AttributionFeatures().fit([])
    >>> text = "Menurut kantor berita IRNA, Teheran menolak tuduhan itu."
    >>> [(a.source, a.group, a.cue) for a in features.find(text)]
    [('IRNA', 'iranian_state', 'Menurut')]
    """

    family = "attribution"

    def __init__(self, *, gazetteer: str | Path | None = None, window: int = 80) -> None:
        self.gazetteer = gazetteer
        self.window = window

    # -- fitting ---------------------------------------------------------------------------------
    def _fit(self, docs: list[str]) -> None:
        if isinstance(self.window, bool) or not isinstance(self.window, int) or self.window < 1:
            raise FramingError(f"Got window={self.window!r}, expected a positive integer (characters between cue and source).")
        path = self._gazetteer_path()
        spec = _load_yaml(path)
        _Compiler(path, spec).build(self)
        shares = [f"share_{g}" for g in self.groups_]
        self.names_ = ["density", *shares, "direct_share", "anonymous_share", "diversity", "n_sources", "both_sides"]

    def _gazetteer_path(self) -> Path:
        path = resource_path(self.gazetteer, GAZETTEER_FILE)
        if path.is_dir():
            path = path / GAZETTEER_FILE
        if not path.is_file():
            raise FramingError(f"Got gazetteer={str(path)!r}, expected an existing YAML file (or a folder holding {GAZETTEER_FILE}).")
        return path

    # -- finding -----------------------------------------------------------------------------------
    def find(self, text: str) -> list[Attribution]:
        """The attributions of one document, sorted by the start of their source.

        Parameters
        ----------
        text
            One document.

        Returns
        -------
        list of Attribution
            ``text[a.start:a.end] == a.source`` and ``text[a.cue_start:a.cue_end] == a.cue``.

        Raises
        ------
        TypeError
            ``text`` is not a string.
        sklearn.exceptions.NotFittedError
            The extractor has not been fitted.
        """
        self._check_text(text)
        return self._find(text)

    def _find(self, text: str) -> list[Attribution]:
        lo = lower_same_length(text)
        found: list[Attribution] = []
        claimed = _Claims()
        post: list[tuple[int, int]] = []

        def add(hit: _Hit, cue_start: int, cue_end: int, direct: bool | None = None) -> None:
            if claimed.overlaps(hit.start, hit.end):
                return
            if direct is None:
                direct = self._is_direct(text, min(hit.start, cue_start), max(hit.end, cue_end))
            found.append(
                Attribution(
                    source=text[hit.start : hit.end],
                    group=self.groups_[hit.group],
                    cue=text[cue_start:cue_end],
                    start=hit.start,
                    end=hit.end,
                    direct=direct,
                    cue_start=cue_start,
                    cue_end=cue_end,
                    name=hit.name,
                    anonymous=hit.anonymous,
                )
            )
            claimed.add(hit.start, hit.end)

        # Markers first: the sources they name are then not taken again as a verb's subject
        # ("pejabat Iran yang dikutip oleh The New York Times mengatakan").
        for m in _ME_RX.finditer(lo):
            if lo[m.start() : m.end()] in _PRE_ME:
                hit = self._after(text, lo, m.end())
                if hit:
                    add(hit, m.start(), m.end())
            else:
                post.append(m.span())
        for m in _DI_RX.finditer(lo):
            start = m.start()
            seperti = _SEPERTI_RX.search(lo, max(0, start - 14), start)
            if m.group(1) in _DI_NEEDS_OLEH and m.group(2) != "oleh" and not seperti:
                continue
            if seperti:
                start = seperti.start()
            hit = self._after(text, lo, m.end())
            if hit:
                add(hit, start, m.end())
        for m in _INV_RX.finditer(lo):
            hit = self._after(text, lo, m.end())
            if hit:
                # "“...,” kata X kepada Al Jazeera": one utterance, the speaker and its channel.
                channel = self._channel(text, lo, hit.end)
                right = channel[0].end if channel else hit.end
                direct = self._is_direct(text, m.start(1), right)
                add(hit, m.start(1), m.end(), direct)
                if channel:
                    add(channel[0], channel[1], channel[2], direct)
        for m in _SUMBER_RX.finditer(lo):
            hit = self._after(text, lo, m.end())
            while hit:
                add(hit, m.start(), m.end())
                sep = _LIST_SEP_RX.match(lo, hit.end)
                hit = self._after(text, lo, sep.end(), descriptors=False) if sep and sep.end() > hit.end else None
        post.extend(m.span() for m in _BERKATA_RX.finditer(lo))
        post.sort()
        for cue_start, cue_end in post:
            channel = self._channel(text, lo, cue_end)
            hit = self._before(text, lo, cue_start, claimed)
            if not hit and not channel:
                continue
            left = min(hit.start, cue_start) if hit else cue_start
            right = channel[0].end if channel else max(hit.end, cue_end)  # type: ignore[union-attr]
            direct = self._is_direct(text, left, right)
            if hit:
                add(hit, cue_start, cue_end, direct)
            if channel:
                add(channel[0], cue_start, channel[2], direct)
        found.sort(key=lambda a: (a.start, a.cue_start))
        return found

    # -- sources -----------------------------------------------------------------------------------
    def _entity_at(self, text: str, lo: str, pos: int, endpos: int) -> _Hit | None:
        """The longest gazetteer source starting at ``pos`` (a quantifier included), or None."""
        best: _Hit | None = None
        m = self.literal_rx_.match(lo, pos, endpos)
        if m:
            index, exact = self.aliases_[" ".join(m.group("a").split())]
            if exact is None or " ".join(text[m.start("a") : m.end("a")].split()) == exact:
                best = self._hit(m.start(), m.end(), index)
        for rx, index in self.pattern_rx_:
            m = rx.match(lo, pos, endpos)
            if m and (best is None or m.end() > best.end):
                best = self._hit(m.start(), m.end(), index)
        return best

    def _hit(self, start: int, end: int, index: int) -> _Hit:
        entry = self.entries_[index]
        return _Hit(start, end, entry.group, entry.name, entry.anonymous, entry.metonym)

    def _specific(self, text: str, lo: str, hit: _Hit, endpos: int) -> _Hit:
        """Follow touching names to the most specific one ("kantor berita Rusia Interfax")."""
        while True:
            nxt = _skip_spaces(lo, hit.end)
            if nxt == hit.end or nxt >= endpos:
                return hit
            more = self._entity_at(text, lo, nxt, endpos)
            if more is None and hit.metonym:
                # "Rusia Izvestia": a country name before an unknown name is its nationality.
                more = self._unresolved_at(text, lo, nxt, endpos)
            if more is None:
                return hit
            if more.metonym:
                if not hit.anonymous:
                    return hit
                # "sebuah sumber Iran": an unnamed source of that country, still unnamed.
                more = _Hit(hit.start, more.end, more.group, f"{hit.name} {more.name}", True, False)
            hit = more

    def _after(self, text: str, lo: str, pos: int, *, media_only: bool = False, descriptors: bool = True) -> _Hit | None:
        """The source a marker at ``pos`` points to: descriptors skipped, then a name."""
        limit = pos + self.window
        n = len(text)
        while True:
            pos = _skip_spaces(lo, pos)
            if pos >= n or pos > limit:
                return None
            hit = self._entity_at(text, lo, pos, n)
            if hit:
                hit = self._specific(text, lo, hit, n)
                if media_only and self.kinds_[hit.group] != "media":
                    return None
                return hit
            d = self.descriptor_rx_.match(lo, pos) if descriptors else None
            if d:
                pos = d.end()
                continue
            return None if media_only else self._unresolved_at(text, lo, pos, n)

    def _channel(self, text: str, lo: str, pos: int) -> tuple[_Hit, int, int] | None:
        """A medium after "kepada" at ``pos`` ("mengatakan kepada Al Mayadeen"), and the span of "kepada"."""
        m = _KEPADA_RX.match(lo, pos)
        if not m:
            return None
        hit = self._after(text, lo, m.end(), media_only=True)
        return (hit, m.start(1), m.end(1)) if hit else None

    def _unresolved_at(self, text: str, lo: str, pos: int, endpos: int) -> _Hit | None:
        """A name the gazetteer does not know: a domain or a short capitalised phrase."""
        m = _DOMAIN_RX.match(lo, pos, endpos)
        if m:
            known = self._entity_at(text, lo, m.start(1), endpos)
            if known and known.end == m.end():
                return known
            return _Hit(pos, m.end(), self.other_, text[pos : m.end()], False, False)
        m = _CAP_PHRASE_RX.match(text, pos, endpos)
        if not m:
            return None
        end = pos
        for token in _CAP_TOKEN_RX.finditer(text, pos, m.end()):
            if token.group().lower() in self.not_sources_:
                break
            end = token.end()
        if end == pos:
            return None
        return self._named(text, lo, pos, end)

    def _named(self, text: str, lo: str, start: int, end: int) -> _Hit:
        """An unresolved name; it takes the group of a gazetteer name inside it, if any."""
        name = " ".join(text[start:end].split())
        inner = self._first_entity(text, lo, start, end)
        if inner and inner.group != self.other_:
            return _Hit(start, end, inner.group, name, inner.anonymous, False)
        return _Hit(start, end, self.other_, name, False, False)

    def _first_entity(self, text: str, lo: str, pos: int, endpos: int) -> _Hit | None:
        while pos < endpos:
            m = self.search_rx_.search(lo, pos, endpos)
            if m is None:
                return None
            hit = self._entity_at(text, lo, m.start(), endpos)
            if hit:
                return hit
            pos = m.start() + 1
        return None

    def _before(self, text: str, lo: str, cue_start: int, claimed: _Claims) -> _Hit | None:
        """The subject of a reporting verb at ``cue_start``: the leftmost eligible name of its clause."""
        limit = cue_start - self.window
        scan = max(0, limit - self.reach_)
        boundary = _LAST_BOUNDARY_RX.match(lo, scan, cue_start)
        if boundary:
            scan = boundary.end()
        pos = scan
        while pos < cue_start:
            m = self.search_rx_.search(lo, pos, cue_start)
            if m is None:
                break
            hit = self._entity_at(text, lo, m.start(), cue_start)
            if hit is None:
                pos = m.start() + 1
                continue
            hit = self._specific(text, lo, hit, cue_start)
            pos = hit.end
            if hit.end < limit or claimed.overlaps(hit.start, hit.end):
                continue
            if hit.metonym and cue_start - hit.end > _METONYM_GAP:
                continue
            if self._previous_word(lo, hit.start) in self.prepositions_:
                continue
            return hit
        m = _CAP_BEFORE_RX.search(text, max(scan, limit), cue_start)
        if not m:
            return None
        tokens = list(_CAP_TOKEN_RX.finditer(text, m.start(1), m.end(1)))
        while tokens and tokens[0].group().lower() in self.not_sources_:
            tokens.pop(0)
        if not tokens or self._previous_word(lo, tokens[0].start()) in self.prepositions_:
            return None
        hit = self._named(text, lo, tokens[0].start(), tokens[-1].end())
        return None if claimed.overlaps(hit.start, hit.end) else hit

    @staticmethod
    def _previous_word(lo: str, pos: int) -> str:
        j = pos
        while j > 0 and lo[j - 1] in " \t":
            j -= 1
        k = j
        while k > 0 and (lo[k - 1].isalnum() or lo[k - 1] == "_"):
            k -= 1
        return lo[k:j]

    @staticmethod
    def _is_direct(text: str, left: int, right: int) -> bool:
        m = _QUOTE_BEFORE_RX.search(text, max(0, left - 24), left)
        if m:
            q = m.start(1)
            line_start = text.rfind("\n", 0, q) + 1
            if text.rfind(_OPENER[m.group(1)], line_start, q) >= 0:
                return True
        m = _QUOTE_AFTER_RX.match(text, right)
        if m:
            q = m.start(1)
            line_end = text.find("\n", q)
            close = text.find(_CLOSER[m.group(1)], q + 1, len(text) if line_end < 0 else line_end)
            if close > 0 and count_tokens(text[q + 1 : close]) >= _MIN_QUOTE_TOKENS:
                return True
        return False

    # -- features ----------------------------------------------------------------------------------
    def _transform_one(self, doc: str) -> list[float]:
        attributions = self._find(doc)
        n = len(attributions)
        n_groups = len(self.groups_)
        if n == 0:
            return [0.0] * len(self.names_)
        counts = [0] * n_groups
        for a in attributions:
            counts[self.group_index_[a.group]] += 1
        shares = [c / n for c in counts]
        diversity = -sum(p * math.log(p) for p in shares if p > 0)
        sides = {self.sides_[self.group_index_[a.group]] for a in attributions}
        return [
            per_thousand(n, count_tokens(doc)),
            *shares,
            sum(a.direct for a in attributions) / n,
            sum(a.anonymous for a in attributions) / n,
            diversity + 0.0,  # -0.0 -> 0.0 for a single group
            float(len({a.name.casefold() for a in attributions})),
            float("alignment" in sides and "opposing" in sides),
        ]


# -- loading the gazetteer ---------------------------------------------------------------------------
def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        with path.open(encoding="utf-8") as handle:
            spec = yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FramingError(f"{path}: cannot read the gazetteer ({exc}). Fix the YAML or point gazetteer= at another file.") from exc
    if not isinstance(spec, dict):
        raise FramingError(f"{path}: Got a top level of {type(spec).__name__}, expected a mapping with keys {', '.join(_TOP_KEYS)}.")
    return spec


class _Compiler:
    """Validate a gazetteer spec and compile it into an extractor's fitted state."""

    def __init__(self, path: Path, spec: dict[str, Any]) -> None:
        self.path = path
        self.spec = spec

    def fail(self, key: str, value: Any, expected: str) -> FramingError:
        return FramingError(f"{self.path}: Got {key}={value!r}, expected {expected}.")

    def strings(self, key: str, value: Any, *, required: bool = False) -> list[str]:
        if value is None and not required:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, value, "a list of non-empty strings")
        return value

    def build(self, est: AttributionFeatures) -> None:
        spec = self.spec
        unknown = sorted(set(spec) - set(_TOP_KEYS))
        if unknown:
            raise self.fail(unknown[0], spec[unknown[0]], f"one of the keys {', '.join(_TOP_KEYS)}")
        groups, kinds, sides = self.groups(spec.get("groups"))
        index = {g: i for i, g in enumerate(groups)}

        entries: list[_Entry] = []
        aliases: dict[str, tuple[int, str | None]] = {}
        owner: dict[str, str] = {}
        patterns: list[tuple[str, int]] = []

        def add_alias(alias: str, entry: int, exact: bool, key_path: str, templated: bool) -> None:
            key = _norm(alias)
            if key in aliases and not templated and owner[key] != "template":
                previous = entries[aliases[key][0]]
                if (previous.name, previous.group) != (entries[entry].name, entries[entry].group):
                    raise self.fail(key_path, alias, f"an alias listed once (it is also an alias of {previous.name!r} in {owner[key]})")
            if key in aliases and templated:
                return
            aliases[key] = (entry, " ".join(alias.split()) if exact else None)
            owner[key] = "template" if templated else key_path

        officials = spec.get("officials") or {}
        if not isinstance(officials, dict) or set(officials) - {"countries", "titles", "unnamed_titles"}:
            raise self.fail("officials", officials, "a mapping with keys countries, titles, unnamed_titles")
        countries = officials.get("countries") or {}
        if not isinstance(countries, dict):
            raise self.fail("officials.countries", countries, "a mapping of group -> list of country names")
        titles = self.strings("officials.titles", officials.get("titles"))
        unnamed = self.strings("officials.unnamed_titles", officials.get("unnamed_titles"))

        sources = spec.get("sources")
        if not isinstance(sources, list) or not sources:
            raise self.fail("sources", sources, "a non-empty list of source entries")
        for i, src in enumerate(sources):
            key = f"sources[{i}]"
            if not isinstance(src, dict):
                raise self.fail(key, src, "a mapping with keys name, group, aliases and/or patterns")
            bad = sorted(set(src) - set(_SOURCE_KEYS))
            if bad:
                raise self.fail(f"{key}.{bad[0]}", src[bad[0]], f"one of the keys {', '.join(_SOURCE_KEYS)}")
            name, group = src.get("name"), src.get("group")
            if not isinstance(name, str) or not name.strip():
                raise self.fail(f"{key}.name", name, "a non-empty string")
            if group not in index:
                raise self.fail(f"{key}.group", group, f"one of the groups {', '.join(groups)}")
            flags = {}
            for flag in ("case_sensitive", "metonym", "anonymous"):
                flags[flag] = src.get(flag, False)
                if not isinstance(flags[flag], bool):
                    raise self.fail(f"{key}.{flag}", flags[flag], "true or false")
            literal = self.strings(f"{key}.aliases", src.get("aliases"))
            regexes = self.strings(f"{key}.patterns", src.get("patterns"))
            if not literal and not regexes:
                raise self.fail(key, src, "at least one of aliases, patterns")
            anonymous = flags["anonymous"] or kinds[index[group]] == "anonymous"
            entries.append(_Entry(name.strip(), index[group], anonymous, flags["metonym"]))
            for j, alias in enumerate(literal):
                add_alias(alias, len(entries) - 1, flags["case_sensitive"], f"{key}.aliases[{j}]", False)
            for j, pattern in enumerate(regexes):
                try:
                    compiled = re.compile(pattern, re.IGNORECASE)
                except re.error as exc:
                    raise self.fail(f"{key}.patterns[{j}]", pattern, f"a valid Python regex ({exc})") from exc
                if compiled.groupindex:
                    raise self.fail(f"{key}.patterns[{j}]", pattern, "a regex without named groups")
                patterns.append((pattern, len(entries) - 1))

        for group, names in countries.items():
            if group not in index:
                raise self.fail(f"officials.countries.{group}", names, f"a key among the groups {', '.join(groups)}")
            names = self.strings(f"officials.countries.{group}", names, required=True)
            for title_list, anonymous in ((titles, False), (unnamed, True)):
                for title in title_list:
                    entries.append(_Entry(f"{title} {names[0]}", index[group], anonymous, False))
                    for country in names:
                        add_alias(f"{title} {country}", len(entries) - 1, False, "officials", True)

        quantifiers = [_norm(q) for q in self.strings("quantifiers", spec.get("quantifiers"))]
        descriptors = [_norm(d) for d in self.strings("descriptors", spec.get("descriptors"))]
        quantifier = rf"(?:(?:{trie_pattern(quantifiers)})\s+)?" if quantifiers else ""
        literal_trie = trie_pattern(list(aliases))
        est.groups_ = groups
        est.group_index_ = index
        est.kinds_ = kinds
        est.sides_ = sides
        est.other_ = index["other"]
        est.entries_ = entries
        est.aliases_ = aliases
        est.literal_rx_ = re.compile(rf"(?<!\w){quantifier}(?P<a>{literal_trie})(?!\w)")
        est.pattern_rx_ = [(re.compile(rf"(?<!\w){quantifier}(?:{p})(?!\w)", re.IGNORECASE), i) for p, i in patterns]
        alternatives = "|".join([literal_trie, *(f"(?i:{p})" for p, _ in patterns)])
        est.search_rx_ = re.compile(rf"(?<!\w){quantifier}(?:{alternatives})(?!\w)")
        est.descriptor_rx_ = re.compile(rf"(?:{trie_pattern(descriptors)})(?!\w)")
        est.not_sources_ = frozenset(lower_same_length(w) for w in self.strings("not_sources", spec.get("not_sources")))
        est.prepositions_ = frozenset(_norm(w) for w in self.strings("prepositions", spec.get("prepositions")))
        longest_quantifier = max((len(q) for q in quantifiers), default=0)
        est.reach_ = max(len(k) for k in aliases) + longest_quantifier + 1 if aliases else 80

    def groups(self, value: Any) -> tuple[list[str], list[str], list[str]]:
        if not isinstance(value, list) or not value:
            raise self.fail("groups", value, "a non-empty list of {name, kind, side} mappings")
        names, kinds, sides = [], [], []
        for i, group in enumerate(value):
            key = f"groups[{i}]"
            if not isinstance(group, dict) or set(group) != {"name", "kind", "side"}:
                raise self.fail(key, group, "a mapping with exactly the keys name, kind, side")
            name = group["name"]
            if not isinstance(name, str) or not _GROUP_NAME_RX.fullmatch(name):
                raise self.fail(f"{key}.name", name, "a lower-case identifier such as western_wire")
            if name in names:
                raise self.fail(f"{key}.name", name, "a group name listed once")
            if group["kind"] not in _GROUP_KINDS:
                raise self.fail(f"{key}.kind", group["kind"], f"one of {', '.join(_GROUP_KINDS)}")
            if group["side"] not in _SIDES:
                raise self.fail(f"{key}.side", group["side"], f"one of {', '.join(_SIDES)}")
            names.append(name)
            kinds.append(group["kind"])
            sides.append(group["side"])
        if "other" not in names:
            raise self.fail("groups", names, "a list that includes the group 'other' (unresolved sources)")
        return names, kinds, sides
