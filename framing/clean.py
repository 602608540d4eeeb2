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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from framing.errors import FramingError
from framing.features._text import check_documents, resource_path, trie_pattern

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
# Outlet names are searched only around their stems (see _stem): a stem opens a window this far
# back and ahead, wide enough for the longest form ("Perum LKBN Antara", "kumparan (kumparan.com)").
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


class _RuleSet:
    """The patterns of one pass, searched per document only for those that can match it.

    Each pattern has a *stem*: a lower-case literal that every match contains (see
    :func:`_stem`). A pattern whose stem does not occur in a document cannot match it, so only the
    others are searched for in that document (the matcher of each combination is built once and
    cached), and the result is the same as with all of them. ``{outlet}`` in a pattern stands for
    every outlet name form. The patterns act as one alternation with the line-anchored ones first,
    under one ``^``: at one position the first pattern in that order wins.
    """

    def __init__(self, rules: list[tuple[str, str]], flags: int, names: tuple[tuple[str, str | None], ...] = ()) -> None:
        ordered = [r for r in rules if r[1].startswith("^")] + [r for r in rules if not r[1].startswith("^")]
        self.kinds = tuple(kind for kind, _ in ordered)
        self.sources = tuple(pattern.replace(_OUTLET, _names_regex(names)) for _, pattern in ordered)
        self.stems = tuple(_stem(pattern) for pattern in self.sources)
        self.flags = flags
        self.singles = tuple(re.compile(pattern, flags) for pattern in self.sources)
        self._cache: dict[tuple[Any, ...], re.Pattern[str] | None] = {}

    def __getstate__(self) -> dict[str, Any]:
        # The caches are rebuilt on demand (also for a cleaner pickled before they existed).
        return {key: value for key, value in self.__dict__.items() if key not in ("_cache", "_matchers", "_stemmed")} | {"_cache": {}}

    def matcher(self, present: set[str]) -> tuple[_Scanner | _Joined | None, tuple[int, ...]]:
        """What finds the matches of the patterns whose stem is in ``present``, and their indices.

        The matches are those of the patterns joined into one alternation (:func:`_joined_regex`),
        found faster when the patterns allow it (see :class:`_Scanner`).
        """
        stemmed = self.stem_set()[0]
        matchers: dict[frozenset[str], tuple[_Scanner | _Joined | None, tuple[int, ...]]] = self.__dict__.setdefault("_matchers", {})
        key = stemmed.intersection(present)
        found = matchers.get(key)
        if found is None:
            chosen = tuple(i for i, stem in enumerate(self.stems) if stem is None or stem in key)
            sources = [self.sources[i] for i in chosen]
            if not chosen:
                matcher: _Scanner | _Joined | None = None
            elif self.flags & re.MULTILINE and all(_scannable(source, self.flags) for source in sources):
                matcher = _Scanner(sources, self.flags)
            else:
                regex = _joined_regex(sources, self.flags)
                assert regex is not None
                matcher = _Joined(regex)
            if len(matchers) >= 4096:
                matchers.clear()
            found = matchers[key] = (matcher, chosen)
        return found

    def stem_regex(self, stem: str | None) -> re.Pattern[str]:
        """The joined regex of the patterns with this stem (``None``: those without one)."""
        key = ("stem", stem)
        if key not in self._cache:
            # _fast_form: the same matches, with a first letter the engine can skip on.
            self._cache[key] = re.compile("|".join(f"(?:{_fast_form(p)})" for p, s in zip(self.sources, self.stems) if s == stem), self.flags)
        compiled = self._cache[key]
        assert compiled is not None
        return compiled

    def stem_set(self) -> tuple[frozenset[str], bool]:
        """The stems of the patterns, and whether some pattern has none."""
        stemmed: frozenset[str] | None = self.__dict__.get("_stemmed")
        if stemmed is None:
            stemmed = self._stemmed = frozenset(stem for stem in self.stems if stem is not None)
        return stemmed, None in self.stems

    def kind_of(self, text: str, start: int, end: int, chosen: tuple[int, ...]) -> str:
        """The kind of the pattern that matched ``text[start:end]`` (the first that matches there)."""
        first = self.kinds[chosen[0]]
        if all(self.kinds[i] == first for i in chosen):
            return first
        for i in chosen:
            single = self.singles[i].match(text, start)
            if single is not None and single.end() == end:
                return self.kinds[i]
        return first  # pragma: no cover - the joined regex matched, so one pattern does


def _names_regex(names: tuple[tuple[str, str | None], ...]) -> str:
    """One alternation of outlet name forms (one that never matches when there are none)."""
    return "(?:" + "|".join(f"(?:{_fast_form(form)})" for form, _ in names) + ")" if names else r"(?!x)x"


@dataclass(frozen=True)
class _Patterns:
    """The compiled form of one cleaning YAML (what :meth:`TextCleaner.fit` stores)."""

    source: str
    furniture: _RuleSet
    link_markers: _RuleSet
    script: _RuleSet
    stems: _StemTree
    mojibake_literal: re.Pattern[str] | None
    mojibake_table: dict[str, str]
    mojibake_utf8: bool
    placeholder: str
    datelines: _RuleSet
    bylines: _RuleSet
    signoffs: _RuleSet
    outlets: _RuleSet
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
        present = _present(text, p.stems)
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
    outlet_set = _RuleSet(forms, _FLAGS)
    names = tuple(zip(outlet_set.sources, outlet_set.stems))
    outlet = _names_regex(names)

    def rules(key: str, kind: str, flags: int = _FLAGS) -> _RuleSet:
        found = []
        for i, raw in enumerate(check.strings(key, tree.get(key))):
            template = raw.replace("{city}", city)
            check.regex(f"{key}[{i}]", template.replace(_OUTLET, outlet), flags)
            found.append((kind, template))
        return _RuleSet(found, flags, names)

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
    furniture_set = _RuleSet(kinds, _FLAGS)
    markers = rules("link_markers", "link_box")
    datelines, bylines, signoffs = rules("datelines", "dateline"), rules("bylines", "byline"), rules("signoffs", "signoff")
    escaped = re.escape(placeholder)
    return _Patterns(
        source=source,
        furniture=furniture_set,
        link_markers=markers,
        script=script,
        stems=_stem_union(script, furniture_set, markers, datelines, bylines, signoffs, outlet_set),
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


def _stem(pattern: str) -> str | None:
    """The longest run of at least 3 characters that every match of ``pattern`` contains, lower-cased.

    Read from the parsed pattern: literals next to each other, zero-width assertions between them
    allowed, and a branch counted only when all its alternatives spell the same word
    ("Tribun|TRIBUN"). ``None`` when there is no such run: the pattern is then tried on every
    document.
    """
    try:  # the standard library's own regex parser (private: without it, no stems, only slower)
        from re import _constants as sre, _parser

        tree = _parser.parse(pattern, _FLAGS)
    except (ImportError, AttributeError, re.error):  # pragma: no cover
        return None
    zero_width = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)

    def spelled(items: Any) -> str | None:
        out = []
        for op, av in items:
            if op is sre.LITERAL:
                out.append(chr(av))
            elif op is sre.SUBPATTERN and (inner := spelled(av[3])) is not None:
                out.append(inner)
            elif op not in zero_width:
                return None
        return "".join(out)

    runs: list[str] = []

    def walk(items: Any, run: list[str]) -> list[str]:
        for op, av in items:
            if op is sre.LITERAL:
                run.append(chr(av))
            elif op in zero_width:
                continue
            elif op is sre.SUBPATTERN:
                run = walk(av[3], run)
            elif op is sre.BRANCH and all(all(o in zero_width for o, _ in alt) for alt in av[1]):
                continue
            elif op is sre.BRANCH and _same_word([spelled(alt) for alt in av[1]]):
                run.append(spelled(av[1][0]) or "")
            else:
                runs.append("".join(run))
                run = []
        return run

    runs.append("".join(walk(tree, [])))
    longest = max(runs, key=len)  # the first of the longest: usually the rarest in a text
    return longest.lower() if len(longest) >= 3 else None


def _same_word(words: list[str | None]) -> bool:
    return bool(words) and all(words) and len({w.lower() for w in words if w}) == 1


def _stem_union(*sets: _RuleSet) -> _StemTree:
    return _StemTree.of({stem for rule_set in sets for stem in rule_set.stems if stem})


def _present(text: str, stems: _StemTree) -> set[str]:
    """The stems that occur in ``text`` (compared lower-cased)."""
    return stems.finder()(text.lower())


@dataclass(frozen=True)
class _StemTree:
    """Stems ordered so that a stem is looked for only when a shorter stem inside it was found."""

    roots: tuple[str, ...]
    children: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, stems: set[str]) -> _StemTree:
        parent: dict[str, str] = {}
        for stem in stems:
            inside = [other for other in stems if other != stem and other in stem]
            if inside:
                parent[stem] = max(inside, key=len)  # the longest stem inside it
        children: dict[str, list[str]] = {}
        for child, of in sorted(parent.items()):
            children.setdefault(of, []).append(child)
        roots = tuple(sorted(stem for stem in stems if stem not in parent))
        return cls(roots, {k: tuple(v) for k, v in children.items()})

    def finder(self) -> _StemFinder:
        """The finder of these stems, built on first use (not pickled: a cleaner pickled before
        finders existed gets one too)."""
        finder: _StemFinder | None = self.__dict__.get("_finder")
        if finder is None:
            finder = _StemFinder(self.roots + tuple(child for kids in self.children.values() for child in kids))
            object.__setattr__(self, "_finder", finder)
        return finder

    def __getstate__(self) -> dict[str, Any]:
        return {"roots": self.roots, "children": self.children}


# -- the passes -------------------------------------------------------------------------------


def _remove(rules: _RuleSet, present: set[str], text: str, counts: dict[str, int]) -> str:
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


def _remove_link_boxes(rules: _RuleSet, present: set[str], text: str, counts: dict[str, int]) -> str:
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


# -- matching fast: the same matches as the plain patterns give ------------------------------


def _joined_regex(sources: list[str], flags: int) -> re.Pattern[str] | None:
    """One alternation of ``sources``: the line-anchored ones first under one ``^``, then the others."""
    anchored = [p[1:] for p in sources if p.startswith("^")]
    free = [p for p in sources if not p.startswith("^")]
    branches = (["^(?:" + "|".join(f"(?:{p})" for p in anchored) + ")"] if anchored else []) + [f"(?:{p})" for p in free]
    return re.compile("|".join(branches), flags) if branches else None


@lru_cache(maxsize=4096)
def _scannable(source: str, flags: int) -> bool:
    """Whether ``source`` can be searched on its own (see :class:`_Scanner`).

    It must not match empty text (finditer's rules for empty matches are not reproduced) and must
    not refer to a group by number (in the joined alternation the number points elsewhere).
    """
    try:  # the standard library's own regex parser, as in _stem (without it: the joined regex)
        from re import _constants as sre, _parser

        tree = _parser.parse(source, flags)
    except (ImportError, AttributeError, re.error):  # pragma: no cover
        return False
    if tree.getwidth()[0] == 0:
        return False
    references = {sre.GROUPREF, sre.GROUPREF_EXISTS, sre.GROUPREF_IGNORE, sre.GROUPREF_LOC_IGNORE, sre.GROUPREF_UNI_IGNORE}
    stack: list[Any] = [tree]
    while stack:
        value = stack.pop()
        if isinstance(value, _parser.SubPattern):
            for op, av in value.data:
                if op in references:
                    return False
                stack.append(av)
        elif isinstance(value, (tuple, list)):
            stack.extend(value)
    return True


def _first_chars(source: str, flags: int) -> frozenset[str] | None:
    """Every character a match of ``source`` can start with (``None``: unknown, or any).

    Read from the parsed pattern, case variants included; ``None`` as soon as anything is not a
    plain character or a small class (a category, a negated class, ".") or when the pattern can
    match empty text.
    """
    try:
        from re import _constants as sre, _parser

        tree = _parser.parse(source, flags)
    except (ImportError, AttributeError, re.error):  # pragma: no cover
        return None

    def variants(ch: str, ignore: bool) -> set[str] | None:
        if not ignore or ch.lower() == ch == ch.upper():
            return {ch}
        if ch.isascii():
            return {ch.lower(), ch.upper(), *_CASE_EXTRA.get(ch.lower(), "")}
        return None  # another cased character: its case rules are not spelled out here

    def sequence(items: Any, mode: int) -> tuple[set[str] | None, bool]:
        first: set[str] = set()
        for op, av in items:
            chars, nullable = item(op, av, mode)
            if chars is None:
                return None, False
            first |= chars
            if not nullable:
                return first, False
        return first, True

    def item(op: Any, av: Any, mode: int) -> tuple[set[str] | None, bool]:
        ignore = bool(mode & re.IGNORECASE)
        if op is sre.LITERAL:
            return variants(chr(av), ignore), False
        if op is sre.IN:
            chars: set[str] = set()
            for kind, value in av:
                if kind is sre.LITERAL:
                    members = [chr(value)]
                elif kind is sre.RANGE and value[1] - value[0] < 512:
                    members = [chr(c) for c in range(value[0], value[1] + 1)]
                else:  # a category, a negation, a big range
                    return None, False
                for ch in members:
                    found = variants(ch, ignore)
                    if found is None:
                        return None, False
                    chars |= found
            return chars, False
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return set(), True
        if op is sre.SUBPATTERN:
            _, add, remove, inner = av
            return sequence(inner, (mode | add) & ~remove)
        if op is sre.ATOMIC_GROUP:
            return sequence(av, mode)
        if op is sre.BRANCH:
            union: set[str] = set()
            empty = False
            for alternative in av[1]:
                chars, nullable = sequence(alternative, mode)
                if chars is None:
                    return None, False
                union |= chars
                empty = empty or nullable
            return union, empty
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, inner = av
            if high == 0:
                return set(), True
            chars, nullable = sequence(inner, mode)
            return chars, low == 0 or nullable
        return None, False

    first, nullable = sequence(tree, tree.state.flags)
    return None if first is None or nullable else frozenset(first)


class _Joined:
    """The matches of one joined alternation (the plain way, kept for patterns the scanner cannot take)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in self.regex.finditer(text)]

    def matches_at(self, text: str, pos: int) -> bool:
        return self.regex.match(text, pos) is not None


class _Scanner:
    """The matches that ``finditer`` of the joined alternation finds, in a few jumps instead.

    The regex engine jumps in C to the next place where a pattern can start only when it knows the
    pattern's first character: not for an alternation of patterns that start differently, nor
    for a ``^`` or a letter under IGNORECASE, where it tries every pattern at every character.
    So each free pattern is searched on its own (with its own first character), and the
    line-anchored ones together right after a literal line break (the only places where ``^`` can
    match, besides the start). Of the next matches of each, the leftmost is taken, and on a tie
    the one first in the alternation (the anchored ones come first): the alternation's own rule,
    so the matches are the same. The patterns must not match empty text (see :func:`_scannable`).
    """

    def __init__(self, sources: list[str], flags: int) -> None:
        body = "|".join(f"(?:{p[1:]})" for p in sources if p.startswith("^"))
        self.line = re.compile(f"(?:{body})", flags) if body else None
        # Only lines that start with a character a match can start with: in news text that skips
        # the empty lines between paragraphs at once.
        first = _first_chars(f"(?:{body})", flags) if body else None
        guard = f"(?=(?-i:[{''.join(re.escape(ch) for ch in sorted(first))}]))" if first else ""
        self.after_break = re.compile(f"\\n{guard}(?:{body})", flags) if body else None
        self.free = tuple(re.compile(_fast_lead(p), flags) for p in sources if not p.startswith("^"))

    def _next(self, index: int, text: str, pos: int) -> tuple[int, int, int] | None:
        """(start, index, end) of the next match at or after ``pos`` of pattern ``index`` (0: the
        anchored ones, then the free ones from 1)."""
        if index:
            m = self.free[index - 1].search(text, pos)
            return None if m is None else (m.start(), index, m.end())
        assert self.line is not None and self.after_break is not None
        if pos == 0 or text[pos - 1] == "\n":
            m = self.line.match(text, pos)
            if m is not None:
                return pos, 0, m.end()
        m = self.after_break.search(text, pos)
        return None if m is None else (m.start() + 1, 0, m.end())

    def spans(self, text: str) -> list[tuple[int, int]]:
        heads = [head for index in range(0 if self.line is not None else 1, len(self.free) + 1) if (head := self._next(index, text, 0)) is not None]
        found: list[tuple[int, int]] = []
        while heads:
            start, _, end = min(heads)  # the leftmost, then the first in the alternation
            found.append((start, end))
            heads = [head if head[0] >= end else self._next(head[1], text, end) for head in heads]
            heads = [head for head in heads if head is not None]
        return found

    def matches_at(self, text: str, pos: int) -> bool:
        if self.line is not None and (pos == 0 or text[pos - 1] == "\n") and self.line.match(text, pos) is not None:
            return True
        return any(pattern.match(text, pos) is not None for pattern in self.free)


def _fast_form(form: str) -> str:
    """An outlet name form rewritten so that the regex engine can skip it at once where it cannot
    start: same matches (see :func:`_fast_lead`).

    A form that starts with look-behinds and then a case-sensitive word ("(?:(?<=kepada )|(?<=\\())
    (?-i:Tempo)") or with a word boundary ("(?-i:\\bTEMPO\\b)") would be tried at every place;
    taking the word's first letter first and checking the look-behind or the boundary right after
    it ("(?-i:T)(?:(?<=kepada T)|(?<=\\(T))(?-i:empo)") lets the engine skip it wherever that
    letter is not.
    """
    m = _LEADING_BOUNDARY.match(form)
    if m is not None:
        # "(?-i:\bT" + rest: T, then a look-behind "\bT" (the boundary before T).
        return f"(?-i:{m.group(1)}(?<=\\b{m.group(1)}){form[m.end():]}"
    behind = _leading_lookbehinds(form)
    if behind:
        word = _CASED_WORD.match(form, len(behind))
        if word is not None:
            first, rest = word.group(1), word.group(2)
            return f"(?-i:{first})" + _append_behind(behind, first) + (f"(?-i:{rest})" if rest else "") + form[word.end() :]
    return _fast_lead(form)


# "(?-i:\bX" where X is a letter taken alone (not repeated): the start of a case-sensitive word.
_LEADING_BOUNDARY = re.compile(r"\(\?-i:\\b([A-Za-z])(?![?*+{])(?=[^|()]*\))")
# "(?-i:Word)": a case-sensitive word alone in its group.
_CASED_WORD = re.compile(r"\(\?-i:([A-Za-z])([A-Za-z]*)\)(?![?*+{])")


def _syntax(source: str, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, str]]:
    """Index and character of each regex-syntax character of ``source[start:stop]``: escapes and
    character classes (where "(", ")" and "|" are literal) are stepped over."""
    stop = len(source) if stop is None else stop
    k = start
    in_class = False
    while k < stop:
        ch = source[k]
        if ch == "\\":
            k += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            k += 1 + (source[k + 1 : k + 2] == "^")
            k += source[k : k + 1] == "]"  # a "]" first in a class is a character
            continue
        else:
            yield k, ch
        k += 1


def _group_end(source: str, start: int) -> int:
    """The index just past the group that opens at ``source[start]`` ("("), or -1."""
    depth = 0
    for k, ch in _syntax(source, start):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return k + 1
    return -1


def _alternatives(group: str) -> list[str]:
    """The top-level alternatives inside ``group`` ("(?:A|B)" -> ["A", "B"])."""
    out, depth, begin = [], 0, 3
    for k, ch in _syntax(group, 3, len(group) - 1):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(group[begin:k])
            begin = k + 1
    out.append(group[begin : len(group) - 1])
    return out


def _is_lookbehind(source: str) -> bool:
    return source.startswith(("(?<=", "(?<!")) and _group_end(source, 0) == len(source)


def _leading_lookbehinds(form: str) -> str:
    """The look-behind ("(?<=x)") or the group of look-behinds ("(?:(?<=x)|(?<=y))") that ``form``
    starts with, or ""."""
    if form.startswith(("(?<=", "(?<!")):
        end = _group_end(form, 0)
        return form[:end] if end > 0 else ""
    if form.startswith("(?:(?<"):
        end = _group_end(form, 0)
        if end > 0 and all(_is_lookbehind(alt) for alt in _alternatives(form[:end])):
            return form[:end]
    return ""


def _append_behind(behind: str, ch: str) -> str:
    """Each look-behind of ``behind`` extended by ``ch`` (checked one character later)."""
    if behind.startswith("(?<"):
        return behind[:-1] + ch + ")"
    return "(?:" + "|".join(alt[:-1] + ch + ")" for alt in _alternatives(behind)) + ")"


# What matches an ASCII letter under IGNORECASE besides its upper and lower case (tests/test_clean.py
# checks this against the running Python).
_CASE_EXTRA = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def _fast_lead(pattern: str) -> str:
    """``pattern`` with its first letter taken by a case-sensitive class: same matches, found faster.

    Under IGNORECASE the regex engine neither jumps ahead to a pattern's first letter nor skips an
    alternative that starts with a letter, so the 91 outlet name forms of an alternation are all
    tried at every place. "kompas" becomes "(?-i:[Kk\u212a])(?<=k)ompas": the class takes every
    character that "k" can match (case-sensitively, which the engine can jump to and skip on), and
    the look-behind checks the character taken as "k" would, under the flags in force there.
    """
    first = pattern[:1]
    if not (first.isascii() and first.isalpha()) or pattern[1:2] in ("?", "*", "+", "{"):
        return pattern
    chars = "".join(sorted({first.lower(), first.upper(), *_CASE_EXTRA.get(first.lower(), "")}))
    return f"(?-i:[{chars}])(?<={first}){pattern[1:]}"


# Rough share (%) of each character in lower-cased Indonesian news text; any other character: 0.05.
# _StemFinder picks its anchor characters with these (only its speed depends on them).
_CHAR_PERCENT = {
    "a": 15, " ": 13, "n": 8.4, "e": 7.1, "i": 6.8, "r": 5, "t": 4.4, "u": 3.9, "s": 3.9, "k": 3.8,
    "m": 3.6, "d": 3.1, "g": 2.9, "l": 2.7, "p": 2.5, "b": 2.1, "o": 1.7, "h": 1.7, "y": 1.1, ",": 0.9,
    ".": 0.9, "j": 0.9, "\n": 0.7, "c": 0.5, "w": 0.5, "2": 0.3, "f": 0.3, "0": 0.2, "v": 0.2,
    "-": 0.17, "1": 0.15, "(": 0.13, ")": 0.13, "/": 0.13, "5": 0.1, '"': 0.1, "z": 0.08,
}  # fmt: skip


class _StemFinder:
    """Which stems occur in a lower-cased text: one regex scan plus a few substring tests.

    Testing every stem with ``in`` scans the text once per stem. Instead each stem is anchored at
    one of its rare characters (see :func:`_anchor_characters`): one regex jumps in C from one
    occurrence of an anchor character to the next and checks there the rest of the stems anchored
    on it, and with a look-behind their beginning. Each hit is confirmed in Python for every stem
    anchored there, so the answer is exactly the set of stems that occur. Stems without a rare
    character are tested with ``in``.

    Examples
    --------
    >>> sorted(_StemFinder(["kompas", "baca juga", "editor"])("baca juga: kompas.com"))
    ['baca juga', 'kompas']
    """

    def __init__(self, stems: Iterable[str]) -> None:
        unique = sorted(set(stems))
        share = {ch: _CHAR_PERCENT.get(ch, 0.05) for stem in unique for ch in stem}
        anchors = _anchor_characters(unique, share)
        self.common: tuple[str, ...] = ()
        self.anchored: dict[str, list[tuple[str, int]]] = {}
        for stem in unique:
            usable = [i for i, ch in enumerate(stem) if ch in anchors]
            if not usable:
                self.common += (stem,)
                continue
            at = min(usable, key=lambda i: (share[stem[i]], i))
            self.anchored.setdefault(stem[at], []).append((stem, at))
        # A hit is confirmed against the stems of its anchor and next character (the stems that
        # end at the anchor: under the anchor alone).
        self.confirm: dict[str, tuple[tuple[str, int], ...]] = {}
        for ch, items in self.anchored.items():
            for stem, at in items:
                key = stem[at : at + 2]
                self.confirm[key] = self.confirm.get(key, ()) + ((stem, at),)
        # After the anchor, the rest of each stem as a trie (the engine skips a branch that starts
        # with a character that is not there at once), then a look-behind for the whole stem.
        branches = []
        for ch, items in sorted(self.anchored.items()):
            trie: dict[str, Any] = {}
            for stem, at in items:
                node = trie
                for c in stem[at + 1 :]:
                    node = node.setdefault(c, {})
                node.setdefault("", []).append(f"(?<={re.escape(stem)})" if at else "")
            branches.append(re.escape(ch) + _trie_regex(trie))
        self.regex = re.compile("|".join(branches)) if branches else None

    def __call__(self, low: str) -> set[str]:
        found = {stem for stem in self.common if stem in low}
        if self.regex is not None:
            search, confirm = self.regex.search, self.confirm
            pos = 0
            while (m := search(low, pos)) is not None:
                at = m.start()
                for stem, offset in confirm.get(low[at : at + 2], ()) + confirm.get(low[at], ()):
                    if at >= offset and low.startswith(stem, at - offset):
                        found.add(stem)
                pos = at + 1
        return found


def _anchor_characters(stems: list[str], share: dict[str, float]) -> set[str]:
    """The characters to anchor ``stems`` on: few and rare, leaving few stems to test with ``in``.

    Cost model: a scan stopping at every anchor character costs its share (%) of the text, a stem
    tested with ``in`` about as much as 1%. Start from each stem's rarest character and drop,
    while that lowers the cost, the anchor whose stems are best served otherwise.
    """

    def cost(anchors: set[str]) -> float:
        used: set[str] = set()
        common = 0
        for stem in stems:
            usable = [ch for ch in stem if ch in anchors]
            if usable:
                used.add(min(usable, key=lambda ch: (share[ch], ch)))
            else:
                common += 1
        return sum(share[ch] for ch in used) + common

    anchors = {min(stem, key=lambda ch: (share[ch], ch)) for stem in stems}
    best = cost(anchors)
    while anchors:
        trial, ch = min((cost(anchors - {ch}), ch) for ch in anchors)
        if trial >= best:
            break
        best, anchors = trial, anchors - {ch}
    return anchors


def _trie_regex(node: dict[str, Any]) -> str:
    """The regex of a trie of literal characters whose "" entries list what to check where a word ends."""
    branches = [re.escape(c) + _trie_regex(child) for c, child in sorted((c, v) for c, v in node.items() if c)]
    ends = node.get("", [])
    branches += [""] if "" in ends else ends  # nothing left to check: that word is there
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
