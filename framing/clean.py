"""Page-furniture removal and outlet self-name masking for Indonesian news text.

Scraped articles carry their outlet's fingerprints: datelines ("JAKARTA, KOMPAS.com -"), link boxes
("Baca juga: ..."), related-article lists, ad lines, share prompts, bylines, sign-off codes and
scraper damage. A classifier that reads them learns the outlet instead of the framing, so
:class:`TextCleaner` removes them before any feature sees the text, replaces the names of
registered outlets left in the body by a neutral placeholder, repairs words glued together where
links were dropped, and counts what it did per kind (:data:`COUNT_KINDS`) so that the style
features can still use the counts when the config allows it.

Every pattern lives in a YAML file, by default the packaged ``framing/resources/cleaning.yaml``: a
user adds an outlet or a furniture line to a copy of it (named by ``patterns``), without code.
Which patterns can match an article at all is decided first, by a literal search
(:mod:`framing.prefilter`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from framing.errors import FramingError
from framing.features._text import check_documents, resource_path, trie_pattern
from framing.prefilter import RuleSet, StemSearch, fast_form

__all__ = ["COUNT_KINDS", "Article", "CleanedText", "TextCleaner", "articles"]

# Fixed order: the style features name their columns after these.
COUNT_KINDS: tuple[str, ...] = (
    "link_box",
    "related_list",
    "ad",
    "social",
    "script",
    "mojibake",
    "dateline",
    "byline",
    "signoff",
    "self_name",
    "glued",
    "embed",
    "promo",
)
# Kinds a `furniture` section of the YAML may name.
FURNITURE_KINDS: tuple[str, ...] = ("link_box", "related_list", "ad", "social", "embed", "promo")

_FLAGS = re.IGNORECASE | re.MULTILINE
_OUTLET = "{outlet}"
_SECTIONS = (
    "city",
    "furniture",
    "link_markers",
    "script",
    "mojibake",
    "placeholder",
    "datelines",
    "bylines",
    "signoffs",
    "outlets",
    "glued",
)
_GLUED_KEYS = ("keep", "keep_prefixes", "glued_words")
_MOJIBAKE_KEYS = ("replace", "utf8_as_cp1252")

# UTF-8 read as Windows-1252 (or Latin-1): a lead byte followed by its continuation bytes. The
# bytes 0x80-0x9F show as the Windows-1252 characters below, or as C1 controls under Latin-1.
_CP1252_HIGH = {bytes([b]).decode("cp1252"): b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_CONT = "[\x80-\xbf" + "".join(re.escape(ch) for ch in _CP1252_HIGH) + "]"
# The lead byte first, as one class, so that the regex engine jumps in C from one possible lead to
# the next instead of trying three branches at every character; the look-behind then tells how
# many continuation bytes that lead takes (same matches as "[\xc2-\xdf]C|[\xe0-\xef]CC|[\xf0-\xf4]CCC").
_MOJIBAKE_RUN = re.compile(f"[\xc2-\xf4](?:(?<=[\xc2-\xdf]){_CONT}|(?<=[\xe0-\xef]){_CONT}{{2}}|(?<=[\xf0-\xf4]){_CONT}{{3}})")

# Runs of spaces, and any other horizontal space (single spaces are the common case: left alone).
# Written to start with one class (a run of other spaces, or a space with more after it) so that
# the engine jumps between candidates in C. No "  " and no _ODD_SPACE: nothing to do at all.
_ODD_SPACE = re.compile("[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_LINE_SPACE = re.compile(
    r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
    r"(?:(?<=[\t\u00a0\u2000-\u200a\u202f\u205f\u3000])[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]*|[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+)"
)
_SPACE_AROUND_BREAK = re.compile(r" +\n|\n +")
_PARAGRAPH_BREAK = re.compile(r"\n{3,}")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_CR_OR_INVISIBLE = re.compile("[\r\u200b-\u200d\u2060\ufeff\u00ad]")
# Separators between a "read also" marker and its headline.
_MARKER_TAIL = re.compile(r"[ \t_]*(?:[:\-–—▶►>|»]+[ \t]*)?")
_HEADLINE_WORD = re.compile(r"[^\W_][\w'’-]*")
_TOKEN_RUN = re.compile(r"\S+")
# How many lower-case words in a row a headline may contain ("Dokter adalah Panggilan").
_HEADLINE_LOWER_RUN = 2
_OPENING = "\"'“‘«"
# A lower-case letter followed by a capital: where glued words meet ("YouTuberThariq").
# Matched at the capital (rare) rather than at the lower-case letter (most characters), so that
# the engine jumps between capitals in C: an edge starts one character before the match.
_CAMEL_EDGE = re.compile(r"[A-Z](?<=[a-z][A-Z])")
_ASCII_WORD = re.compile(r"[A-Za-z]+")
_VOWEL = re.compile("[aeiouyAEIOUY]")
_ID_CHARS = frozenset("0123456789_/@#=&%+")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# Outlet names are searched only around their stems (see framing.prefilter.stem): a stem opens a
# window this far back and ahead, wide enough for the longest form ("Perum LKBN Antara",
# "kumparan (kumparan.com)").
_WINDOW_BACK = 48
_WINDOW_AHEAD = 80


class Article(str):
    """An article's body text (a ``str``) that also carries its headline.

    The pipeline reads documents as strings; an ``Article`` lets the headline travel with its body
    through every step, so that the families that read it (the title text score, lexicon hits in
    the title) can, while spans and every other feature stay on the body.

    Examples
    --------
    >>> doc = Article("Isi berita.", headline="Judul")
    >>> doc == "Isi berita.", doc.headline
    (True, 'Judul')
    """

    headline: str | None

    def __new__(cls, text: str = "", headline: str | None = None) -> Article:
        self = super().__new__(cls, text)
        self.headline = headline
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Article, (str(self), self.headline))

    def __repr__(self) -> str:
        return f"Article({str(self)!r}, headline={self.headline!r})"


def articles(texts: Iterable[Any], titles: Iterable[Any] | None) -> list[Any]:
    """``texts`` as :class:`Article` documents with their ``titles`` (plain strings where a title
    is missing or empty; the texts unchanged when ``titles`` is None)."""
    texts = list(texts)
    if titles is None:
        return texts
    out: list[Any] = []
    for text, title in zip(texts, titles, strict=True):
        if isinstance(title, str) and title.strip() and isinstance(text, str):
            out.append(Article(text, headline=title))
        else:
            out.append(text)
    return out


class CleanedText(str):
    """A cleaned document: a ``str`` that also carries what cleaning removed or masked.

    Parameters
    ----------
    text
        The cleaned text.
    counts
        Kind -> number of removals or masks; every kind of :data:`COUNT_KINDS` is present.
    headline
        The cleaned headline, when the document was an :class:`Article` with one.

    Examples
    --------
    >>> doc = CleanedText("Teks bersih.", {"ad": 2})
    >>> doc == "Teks bersih.", doc.counts["ad"], doc.counts["byline"]
    (True, 2, 0)
    """

    counts: dict[str, int]
    headline: str | None = None

    def __new__(cls, text: str = "", counts: dict[str, int] | None = None, headline: str | None = None) -> CleanedText:
        self = super().__new__(cls, text)
        self.headline = headline
        self.counts = dict.fromkeys(COUNT_KINDS, 0)
        for kind, n in (counts or {}).items():
            if kind not in self.counts:
                raise ValueError(f"Got counts key {kind!r}, expected one of {', '.join(COUNT_KINDS)}.")
            self.counts[kind] = int(n)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (CleanedText, (str(self), dict(self.counts), self.headline))

    def __repr__(self) -> str:
        return f"CleanedText({str(self)!r})"


def _names_regex(names: tuple[tuple[str, str | None], ...]) -> str:
    """One alternation of outlet name forms (one that never matches when there are none)."""
    return "(?:" + "|".join(f"(?:{fast_form(form)})" for form, _ in names) + ")" if names else r"(?!x)x"


# Cleaners pickled before the prefilter engine moved to framing.prefilter (in every model logged
# before then) name these two classes; they unpickle into a RuleSet and a StemSearch.
class _RuleSet(RuleSet):
    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__class__ = RuleSet  # type: ignore[assignment]


class _StemTree(StemSearch):
    def __setstate__(self, state: dict[str, Any]) -> None:
        StemSearch.__init__(self, (*state["roots"], *(child for kids in state["children"].values() for child in kids)))
        self.__class__ = StemSearch  # type: ignore[assignment]


@dataclass(frozen=True)
class _Patterns:
    """The compiled form of one cleaning YAML (what :meth:`TextCleaner.fit` stores)."""

    source: str
    furniture: RuleSet
    link_markers: RuleSet
    script: RuleSet
    stems: StemSearch
    mojibake_literal: re.Pattern[str] | None
    mojibake_table: dict[str, str]
    mojibake_utf8: bool
    placeholder: str
    datelines: RuleSet
    bylines: RuleSet
    signoffs: RuleSet
    outlets: RuleSet
    collapse: re.Pattern[str]
    keep: re.Pattern[str] | None
    keep_prefixes: frozenset[str]
    keep_words: frozenset[str]
    glued_words: re.Pattern[str] | None


class TextCleaner(TransformerMixin, BaseEstimator):
    """Remove page furniture, mask outlet self-identifiers and repair glued words.

    Parameters
    ----------
    patterns
        The cleaning YAML, or a folder holding ``cleaning.yaml``. ``None`` or ``"default"`` means
        the packaged ``framing/resources/cleaning.yaml``.
    remove_furniture
        Remove link boxes, related-article lists, ad lines, share prompts, embeds, outlet promo
        lines and script snippets, and repair mojibake.
    mask_self_names
        Remove datelines, bylines and sign-off codes, and replace registered outlet names left in
        the body by the placeholder (``[media]``).
    repair_glued
        Split words glued where a link was dropped ("YouTuberThariq" -> "YouTuber Thariq").

    Attributes
    ----------
    patterns_ : _Patterns
        The compiled patterns, built by :meth:`fit`.
    path_ : str
        The YAML file read.

    Examples
    --------
    >>> cleaner = TextCleaner().fit([])
    >>> doc = cleaner.clean("JAKARTA, KOMPAS.com - Harga cabai naik.\\nBaca juga: Harga Bawang Turun")
    >>> str(doc), doc.counts["dateline"], doc.counts["link_box"]
    ('Harga cabai naik.', 1, 1)
    """

    def __init__(
        self,
        *,
        patterns: str | Path | None = None,
        remove_furniture: bool = True,
        mask_self_names: bool = True,
        repair_glued: bool = True,
    ) -> None:
        self.patterns = patterns
        self.remove_furniture = remove_furniture
        self.mask_self_names = mask_self_names
        self.repair_glued = repair_glued

    # -- estimator contract --------------------------------------------------------------------
    def fit(self, X: Iterable[str] | None, y: Any = None) -> TextCleaner:
        """Read and validate the cleaning YAML and compile it; return ``self``.

        Raises
        ------
        FramingError
            The file is missing or unreadable, or a key is unknown or has the wrong type, or a
            pattern does not compile; the message names the file and the key.
        TypeError
            ``X`` is a single string instead of a list of documents.
        """
        if X is not None:
            check_documents(X)
        for name in ("remove_furniture", "mask_self_names", "repair_glued"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise FramingError(f"Got {name}={value!r}, expected true or false.")
        path = _resolve_path(self.patterns)
        self.patterns_ = _compile(_load_yaml(path), str(path))
        self.path_ = str(path)
        return self

    def transform(self, X: Iterable[str]) -> list[CleanedText]:
        """Clean every document; one :class:`CleanedText` per document, in order."""
        check_is_fitted(self, "patterns_")
        clean = self._clean
        out = []
        for doc in check_documents(X):
            cleaned = clean(doc)
            headline = getattr(doc, "headline", None)
            if headline:
                # Cleaned by the same rules (an outlet's name in its own headline is masked too);
                # what it removed is not counted: the counts are the body's style.
                cleaned.headline = str(clean(headline))
            out.append(cleaned)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The one column the cleaner outputs: each document's cleaned text (``["text"]``)."""
        check_is_fitted(self, "patterns_")
        return np.asarray(["text"], dtype=object)

    def __sklearn_tags__(self) -> Any:
        # Documents in and out, not 2-D arrays (see framing.features._text.TextFeatures).
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def clean(self, text: str) -> CleanedText:
        """Clean one document.

        Parameters
        ----------
        text
            The article text as scraped.

        Returns
        -------
        CleanedText
            The cleaned text; paragraphs stay separated by a blank line, lines inside a paragraph
            by a line break, with no empty paragraph and no doubled space left behind.
        """
        check_is_fitted(self, "patterns_")
        if not isinstance(text, str):
            raise TypeError(f"Expected a document as a string, got {type(text).__name__}: {text!r:.60}.")
        return self._clean(text)

    def _clean(self, text: str) -> CleanedText:
        """:meth:`clean` without the checks (``transform`` makes them once per batch)."""
        p = self.patterns_
        counts = dict.fromkeys(COUNT_KINDS, 0)
        if _CR_OR_INVISIBLE.search(text) is not None:
            text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
        if self.remove_furniture:
            text = _fix_mojibake(text, p, counts)
        # Which stems occur. Cutting text out practically never creates one, so this holds for the
        # later passes too.
        present = p.stems(text)
        if self.remove_furniture:
            text = _remove(p.script, present, text, counts)
            text = _remove(p.furniture, present, text, counts)
            text = _remove_link_boxes(p.link_markers, present, text, counts)
        if self.mask_self_names:
            text = _remove(p.datelines, present, text, counts)
            # A byline and a sign-off can close an article in either order, so repeat.
            for _ in range(3):
                before = counts["byline"] + counts["signoff"]
                text = _remove(p.bylines, present, text, counts)
                text = _remove(p.signoffs, present, text, counts)
                if counts["byline"] + counts["signoff"] == before:
                    break
            text = _mask(p, present, text, counts)
        if self.repair_glued:
            glued = counts["glued"]
            text = _repair_glued(p, text, counts)
            if self.mask_self_names and counts["glued"] > glued:
                # A name glued to the word before it ("dariAntara") shows only now.
                text = _mask(p, present, text, counts)
        # `counts` already has every kind, in order, as ints: what CleanedText() would build.
        doc = str.__new__(CleanedText, _tidy(text))
        doc.counts = counts
        return doc


# -- the YAML ---------------------------------------------------------------------------------


def _resolve_path(patterns: str | Path | None) -> Path:
    if patterns is not None and not isinstance(patterns, (str, Path)):
        raise FramingError(f"Got patterns={patterns!r}, expected a path to a cleaning YAML file or its folder, or 'default'.")
    path = resource_path(patterns, "cleaning.yaml")
    if path.is_dir():
        path = path / "cleaning.yaml"
    if not path.is_file():
        raise FramingError(f"Got patterns={str(patterns)!r}, expected an existing YAML file (no such file: {path}).")
    return path


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FramingError(f"{path}: not readable as a UTF-8 YAML file ({exc}).") from exc
    if tree is None:
        tree = {}
    if not isinstance(tree, dict):
        raise FramingError(f"{path}: Got the whole file={type(tree).__name__}, expected a mapping of sections ({', '.join(_SECTIONS)}).")
    return tree


class _Checker:
    """Type checks that name the file and the key path in their error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, value: Any, what: str) -> FramingError:
        return FramingError(f"{self.source}: Got {key}={value!r:.120}, expected {what}.")

    def mapping(self, key: str, value: Any, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, value, "a mapping")
        for name in value:
            if not isinstance(name, str):
                raise self.fail(f"{key} key", name, "a string")
            if allowed is not None and name not in allowed:
                raise self.fail(f"{key}.{name}" if key else name, value[name], f"one of the keys {', '.join(allowed)} (unknown key {name!r})")
        return value

    def strings(self, key: str, value: Any) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, value, "a list of strings")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item:
                raise self.fail(f"{key}[{i}]", item, "a non-empty string")
        return value

    def regex(self, key: str, pattern: str, flags: int) -> str:
        try:
            compiled = re.compile(pattern, flags)
        except re.error as exc:
            raise self.fail(key, pattern, f"a valid regular expression ({exc})") from exc
        if compiled.groupindex:
            raise self.fail(key, pattern, "a regular expression without named groups (?P<...>)")
        return pattern


def _compile(tree: dict[str, Any], source: str) -> _Patterns:
    check = _Checker(source)
    check.mapping("", tree, _SECTIONS)

    city_raw = tree.get("city", r"(?-i:[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3})")
    if not isinstance(city_raw, str) or not city_raw:
        raise check.fail("city", city_raw, "a regular expression (a string)")
    city = f"(?:{check.regex('city', city_raw, _FLAGS)})"

    outlets = check.mapping("outlets", tree.get("outlets"))
    forms: list[tuple[str, str]] = []
    for key, listed in outlets.items():
        for i, form in enumerate(check.strings(f"outlets.{key}", listed)):
            forms.append(("self_name", check.regex(f"outlets.{key}[{i}]", form, _FLAGS)))
    outlet_set = RuleSet(forms, _FLAGS)
    names = tuple(zip(outlet_set.sources, outlet_set.stems))
    outlet = _names_regex(names)

    def rules(key: str, kind: str, flags: int = _FLAGS) -> RuleSet:
        found = []
        for i, raw in enumerate(check.strings(key, tree.get(key))):
            found.append((kind, check.regex(f"{key}[{i}]", raw.replace("{city}", city).replace(_OUTLET, outlet), flags)))
        return RuleSet(found, flags)

    furniture = check.mapping("furniture", tree.get("furniture"), FURNITURE_KINDS)
    kinds = []
    for kind, raw in furniture.items():
        for i, pattern in enumerate(check.strings(f"furniture.{kind}", raw)):
            kinds.append((kind, check.regex(f"furniture.{kind}[{i}]", pattern, _FLAGS)))

    mojibake = check.mapping("mojibake", tree.get("mojibake"), _MOJIBAKE_KEYS)
    table = check.mapping("mojibake.replace", mojibake.get("replace"))
    for bad, good in table.items():
        if not bad or not isinstance(good, str):
            raise check.fail(f"mojibake.replace.{bad}", good, "a string to put in place of the key")
    utf8 = mojibake.get("utf8_as_cp1252", True)
    if not isinstance(utf8, bool):
        raise check.fail("mojibake.utf8_as_cp1252", utf8, "true or false")

    placeholder = tree.get("placeholder", "[media]")
    if not isinstance(placeholder, str) or not placeholder.strip():
        raise check.fail("placeholder", placeholder, "a non-empty string such as '[media]'")

    glued = check.mapping("glued", tree.get("glued"), _GLUED_KEYS)
    keep = check.strings("glued.keep", glued.get("keep"))
    prefixes = check.strings("glued.keep_prefixes", glued.get("keep_prefixes"))
    words = check.strings("glued.glued_words", glued.get("glued_words"))
    for i, word in enumerate(words):
        if not word.isalpha() or not word.islower():
            raise check.fail(f"glued.glued_words[{i}]", word, "a lower-case word")

    script = rules("script", "script", _FLAGS | re.DOTALL)
    furniture_set = RuleSet(kinds, _FLAGS)
    markers = rules("link_markers", "link_box")
    datelines, bylines, signoffs = rules("datelines", "dateline"), rules("bylines", "byline"), rules("signoffs", "signoff")
    escaped = re.escape(placeholder)
    return _Patterns(
        source=source,
        furniture=furniture_set,
        link_markers=markers,
        script=script,
        stems=StemSearch(s for rule_set in (script, furniture_set, markers, datelines, bylines, signoffs, outlet_set) for s in rule_set.stems),
        mojibake_literal=re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))) if table else None,
        mojibake_table=dict(table),
        mojibake_utf8=utf8,
        placeholder=placeholder,
        datelines=datelines,
        bylines=bylines,
        signoffs=signoffs,
        outlets=outlet_set,
        collapse=re.compile(rf"{escaped}[ \t]*\([ \t]*{escaped}[ \t]*\)"),
        keep=re.compile("|".join(re.escape(k) for k in sorted(set(keep), key=len, reverse=True))) if keep else None,
        keep_prefixes=frozenset(prefixes),
        keep_words=frozenset(keep),
        glued_words=(
            # No leading \b (it would make the engine try every position): split_word checks it.
            # The words as a trie: at most one of them can end at a word boundary at one place, so
            # the order of the alternatives does not matter, and the trie fails faster. The
            # look-ahead (enough lower-case letters for a name and the shortest word) skips most
            # capitalised words at once.
            re.compile(r"([A-Z]" + _glued_guard(words) + r"[a-z]{3,}?)(" + trie_pattern(sorted(set(words))) + r")\b") if words else None
        ),
    )


def _glued_guard(words: list[str]) -> str:
    """A look-ahead every match of ``glued_words`` passes: 3 + the shortest word's length ASCII
    lower-case letters after the capital ("" when a word has other letters)."""
    if not all(word.isascii() for word in words):
        return ""
    return f"(?=[a-z]{{{3 + min(len(word) for word in words)}}})"


# -- the passes -------------------------------------------------------------------------------


def _remove(rules: RuleSet, present: set[str], text: str, counts: dict[str, int]) -> str:
    """Cut out every match, counting it under its pattern's kind.

    A match that covers whole lines goes with its line break, so no empty line is left where it
    was; a match inside a line is replaced by one space when it sat between two words.
    """
    if not text:
        return text
    matcher, chosen = rules.matcher(present)
    if matcher is None:
        return text
    spans = matcher.spans(text)
    if not spans:
        return text
    out: list[str] = []
    last = 0
    n = len(text)
    for start, end in spans:
        if end == start or start < last:
            continue
        counts[rules.kind_of(text, start, end, chosen)] += 1
        line_start = start == 0 or text[start - 1] == "\n"
        line_end = end == n or text[end] == "\n" or text[end - 1] == "\n"
        out.append(text[last:start])
        if line_start and line_end:
            if end < n and text[end] == "\n" and text[end - 1] != "\n":
                end += 1
        elif start > 0 and end < n and not text[start - 1].isspace() and not text[end].isspace():
            out.append(" ")
        last = end
    if last == 0:
        return text
    out.append(text[last:])
    return "".join(out)


def _fix_mojibake(text: str, p: _Patterns, counts: dict[str, int]) -> str:
    """Replace the listed mojibake strings, then repair UTF-8 read as Windows-1252 or Latin-1."""
    if p.mojibake_literal is not None and p.mojibake_literal.search(text) is not None:
        text, n = p.mojibake_literal.subn(lambda m: p.mojibake_table[m.group(0)], text)
        counts["mojibake"] += n
    if p.mojibake_utf8 and _MOJIBAKE_RUN.search(text):

        def repair(m: re.Match[str]) -> str:
            try:
                raw = bytes(_CP1252_HIGH.get(ch, ord(ch)) for ch in m.group(0))
                fixed = raw.decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return m.group(0)
            counts["mojibake"] += 1
            if fixed in "\u00a0\u202f":
                return " "
            return "" if unicodedata.category(fixed) in ("Cf", "Cc", "Co", "Cs") or fixed == "\ufffd" else fixed

        text = _MOJIBAKE_RUN.sub(repair, text)
    return text


def _is_headline(line: str) -> bool:
    """A link's title: short, no closing full stop, mostly capitalised words."""
    line = line.strip()
    if not line or len(line) > 220 or (line.endswith(".") and not line.endswith("..")):
        return False
    words = _HEADLINE_WORD.findall(line)
    if not words or len(words) > 28:
        return False
    capitalised = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return capitalised * 2 >= len(words)


def _headline_run_end(text: str, start: int, stop: int) -> int:
    """Where the body resumes after a headline that was glued into a paragraph.

    A headline is a run of capitalised words (and numbers), where up to two lower-case words may
    stand between capitalised ones ("Jadi Dokter adalah Panggilan Jiwa"). The body starts at the
    first run of lower-case words longer than that, or not followed by a capitalised word, or
    closing a clause ("menyampaikan:"): at the capitalised word just before that run (the
    sentence's first word), or at the last capital or opening quote inside that word when the
    scraper glued it to the headline ("CirebonBahkan").
    """
    found = list(_TOKEN_RUN.finditer(text, start, stop))
    words = [m.group(0) for m in found]
    if not words:
        return stop
    titled = [_titled(word) for word in words]
    k = 0
    while k < len(words):
        if titled[k]:
            k += 1
            continue
        run = k
        while run < len(words) and not titled[run]:
            run += 1
        if run - k <= _HEADLINE_LOWER_RUN and run < len(words) and not any(w[-1] in ",:;.!?" for w in words[k:run]):
            k = run  # a few small words inside the headline, not the end of a clause
            continue
        break
    else:
        return stop
    if k == 0:
        return start
    previous_start = found[k - 1].start()
    previous = words[k - 1]
    glue = [i for i in range(1, len(previous)) if (previous[i].isupper() or previous[i] in _OPENING) and previous[i - 1].isalnum()]
    if k == 1 and not glue:
        return start
    return previous_start + (glue[-1] if glue else 0)


def _titled(word: str) -> bool:
    """A headline word: capitalised, a number, or no letter at all ("-", "&")."""
    core = word.lstrip(_OPENING + "([")
    first = core[:1]
    return not first or first.isupper() or first.isdigit() or not first.isalpha()


def _remove_link_boxes(rules: RuleSet, present: set[str], text: str, counts: dict[str, int]) -> str:
    """Remove "Baca juga" markers and what they point to (see ``link_markers`` in the YAML)."""
    markers = rules.matcher(present)[0] if text else None
    if markers is None:
        return text
    spans = markers.spans(text)
    if not spans:
        return text
    cuts: list[tuple[int, int]] = []
    last = 0
    for m_start, m_end in spans:
        if m_start < last:
            continue
        line_start = text.rfind("\n", 0, m_start) + 1
        line_end = text.find("\n", m_end)
        line_end = len(text) if line_end < 0 else line_end
        tail = _MARKER_TAIL.match(text, m_end, line_end)
        after = tail.end() if tail else m_end
        rest = text[after:line_end]
        alone = not text[line_start:m_start].strip(" \t-•*[(")
        if alone and not rest.strip(" \t]):"):
            # The marker on its own line; its headline (if any) is the next non-empty line.
            end = line_end
            nxt = end
            while nxt < len(text) and text[nxt] == "\n":
                nxt += 1
            next_end = text.find("\n", nxt)
            next_end = len(text) if next_end < 0 else next_end
            if nxt < len(text) and _is_headline(text[nxt:next_end]) and not markers.matches_at(text, nxt):
                end = next_end
            cuts.append((line_start, end))
        elif alone and _is_headline(rest.strip(" \t]")):
            cuts.append((line_start, line_end))
        else:
            resume = _headline_run_end(text, after, line_end)
            cuts.append((m_start, resume))
        counts["link_box"] += 1
        last = cuts[-1][1]
    out: list[str] = []
    last = 0
    for start, end in cuts:
        piece = text[last:start]
        if end < len(text) and text[end] == "\n" and (start == 0 or text[start - 1] == "\n"):
            end += 1  # a whole line goes with its line break
        elif start > 0 and end < len(text) and not text[start - 1].isspace() and not text[end].isspace():
            piece += " "
        out.append(piece)
        last = end
    out.append(text[last:])
    return "".join(out)


def _mask(p: _Patterns, present: set[str], text: str, counts: dict[str, int]) -> str:
    """Replace registered outlet names by the placeholder, apart from the words glued to them.

    Each name is searched only around the places where its stem occurs, with the few forms that
    share that stem; where two forms overlap, the one that starts first wins, then the longer.
    """
    n = len(text)
    low = text.lower()
    found: list[tuple[int, int]] = []
    stemmed, unstemmed = p.outlets.stem_set()
    for stem in ([None] if unstemmed else []) + sorted(stemmed.intersection(present)):
        regex = p.outlets.stem_regex(stem)
        if stem is None or len(low) != n:
            found += [m.span() for m in regex.finditer(text)]
            continue
        windows: list[list[int]] = []
        at = low.find(stem)
        while at >= 0:
            a, b = max(0, at - _WINDOW_BACK), min(n, at + len(stem) + _WINDOW_AHEAD)
            if windows and a <= windows[-1][1]:
                windows[-1][1] = b
            else:
                windows.append([a, b])
            at = low.find(stem, at + 1)
        for a, b in windows:
            found += [m.span() for m in regex.finditer(text, a, b)]
    if not found:
        return text
    found.sort(key=lambda span: (span[0], -span[1]))
    out: list[str] = []
    last = 0
    placeholder = p.placeholder
    for start, end in found:
        if start < last or end == start:
            continue
        counts["self_name"] += 1
        out.append(text[last:start])
        out.append(" " if start > 0 and text[start - 1].isalnum() else "")
        out.append(placeholder)
        out.append(" " if end < n and text[end].isalnum() else "")
        last = end
    out.append(text[last:])
    return p.collapse.sub(placeholder, "".join(out))


def _repair_glued(p: _Patterns, text: str, counts: dict[str, int]) -> str:
    """Split words glued where a link was dropped, leaving known camel-case names alone."""
    out: list[str] = []
    last = seen = 0
    for edge in _CAMEL_EDGE.finditer(text):
        start = edge.start() - 1  # the lower-case letter before the capital
        if start < seen:
            continue  # another edge of a word already looked at
        while start > 0 and text[start - 1] in _ASCII_LETTERS:
            start -= 1
        word = _ASCII_WORD.match(text, start)
        assert word is not None
        seen = word.end()
        # Next to a digit, an underscore or a URL's punctuation it is an identifier, not glue.
        if (start > 0 and text[start - 1] in _ID_CHARS) or (word.end() < len(text) and text[word.end()] in _ID_CHARS):
            continue
        split = _split_camel(p, word.group(0))
        if split is not None:
            out.append(text[last:start])
            out.append(" ".join(split))
            counts["glued"] += len(split) - 1
            last = word.end()
    if last:
        out.append(text[last:])
        text = "".join(out)
    if p.glued_words is not None:

        def split_word(m: re.Match[str]) -> str:
            start = m.start()
            if m.group(0) in p.keep_words or (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")):
                return m.group(0)
            counts["glued"] += 1
            return f"{m.group(1)} {m.group(2)}"

        text = p.glued_words.sub(split_word, text)
    return text


def _split_camel(p: _Patterns, token: str) -> list[str] | None:
    """The parts of a glued word, or ``None`` when it stays whole."""
    protected: set[int] = set()
    if p.keep is not None:
        for keep in p.keep.finditer(token):
            protected.update(range(keep.start() + 1, keep.end()))
    cuts = []
    segment = 0
    for i in range(1, len(token)):
        if not (token[i].isupper() and token[i - 1].islower()) or i in protected:
            continue
        left = token[segment:i]
        # "iPhone", "eSIM", "kW": a one-letter lower-case prefix makes a brand, not glue;
        # "McKennie", "DiCaprio": a name prefix; "WeChat", "VinFast", "PhD", "MoU": a short
        # capitalised first part is a brand or an abbreviation more often than a glued word.
        if len(left) == 1 or left in p.keep_prefixes or (left[0].isupper() and len(left) <= 3):
            continue
        # "HyperX": a single closing capital is part of the name.
        if len(token) - i < 2:
            continue
        cuts.append(i)
        segment = i
    if not cuts:
        return None
    parts = [token[a:b] for a, b in zip([0, *cuts], [*cuts, len(token)])]
    # An identifier ("FlbQIxMQBic") splits into pieces that are not words: leave it whole.
    if not all(_word_like(p, part) for part in parts):
        return None
    return parts


def _word_like(p: _Patterns, part: str) -> bool:
    """An acronym, a (capitalised) word with a vowel, a kept name, or a prefixed name."""
    if part.isupper():
        return True
    if part[1:].islower():
        return bool(_VOWEL.search(part))
    if p.keep is not None and p.keep.search(part):
        return True
    return any(part.startswith(prefix) and part[len(prefix) + 1 :].islower() for prefix in p.keep_prefixes)


def _tidy(text: str) -> str:
    """One space between words, no empty line inside a paragraph, one blank line between paragraphs."""
    if "  " in text or _ODD_SPACE.search(text) is not None:
        text = _LINE_SPACE.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _SPACE_AROUND_BREAK.sub("\n", text)
    if "\n\n\n" in text:
        text = _PARAGRAPH_BREAK.sub("\n\n", text)
    return text.strip()
