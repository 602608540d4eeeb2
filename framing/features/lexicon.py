"""Lexical cues: loaded terms from YAML lexicons, counted per category and per term.

A lexicon is a YAML file (the packaged ones are under ``framing/resources/lexicons/``), one
category per file::

    category: moral_condemnation        # snake_case; the feature is rate_moral_condemnation
    description: >-                     # what the category captures, for the analyst (required)
      Words that condemn an actor morally ...
    terms:                              # a non-empty list; each item a string or a mapping
      - kesombongan                     # base form; case, clitics and separators are handled
      - rezim Zionis                    # multi-word: words separated by spaces or hyphens
      - term: biadab                    # the name a hit and its feature carry
        confix: ke-an                   # also match ke+biadab+an = "kebiadaban" (str or list)
      - term: rezim Teheran
        variants: [rezim Tehran]        # other spellings counted as the same term
      - term: lawan
        confix: per-an
        bare: false                     # only the confixed form ("perlawanan"), not "lawan"

Matching rules (one regex over every term of every file, alternatives arranged as a trie):

- case-insensitive;
- the words of a multi-word term may be separated by any run of whitespace (line breaks included)
  and hyphens: "rezim Zionis", "rezim  Zionis", "rezim-Zionis". A comma or other punctuation
  between the words is *not* a match: "melawan rezim, Zionis ..." usually splits two phrases, and
  "hegemoni, AS" is a list, not "hegemoni AS";
- the last word may carry the clitics -nya/-ku/-mu followed by -lah/-kah/-pun ("kesombongannya",
  "kejahatannyalah"); ``Hit.text`` includes the clitic;
- a term never matches inside another word: "teroris" does not match "terorisme" or "teroristis",
  "hegemoni" does not match "hegemonik" or "hegemonial" (different words with their own shades of
  meaning: list them as terms of their own when wanted). A hyphen before a term is a boundary, so
  "anti-hegemoni" contains "hegemoni", and each half of a reduplication counts;
- overlapping terms: the leftmost match wins, then the longest ("rezim Zionis" over "Zionis").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framing.errors import FramingError
from framing.features._text import (
    RESOURCES,
    TextFeatures,
    count_tokens,
    per_thousand,
    resource_path,
)

__all__ = ["Hit", "LexiconFeatures", "LexiconTerm", "load_lexicons"]

DEFAULT_LEXICONS = RESOURCES / "lexicons"

_CATEGORY = re.compile(r"[a-z][a-z0-9_]*\Z")
# A term: words of letters/digits (inner apostrophes allowed) separated by whitespace or hyphens.
_TERM = re.compile(r"\w+(?:['’]\w+)*(?:[\s\-‐‑]+\w+(?:['’]\w+)*)*\Z")
_SPLIT = re.compile(r"[\s\-‐‑]+")
_CONFIX = re.compile(r"([a-z]*)-([a-z]*)\Z")
_FILE_KEYS = {"category", "description", "terms"}
_TERM_KEYS = {"term", "variants", "confix", "bare"}
# Between the words of a term: whitespace and hyphens (ASCII, Unicode hyphen, non-breaking hyphen).
_SEPARATOR = r"[\s\-‐‑]+"
_APOSTROPHE = "['’]"
# Possessive clitic then emphatic particle, both optional: -nya, -ku, -mu; -lah, -kah, -pun.
_CLITICS = r"(?:nya|ku|mu)?(?:lah|kah|pun)?"


@dataclass(frozen=True)
class Hit:
    """One lexicon match: ``document[start:end] == text``.

    ``term`` is the term as written in the lexicon (not the surface form), ``text`` the exact
    surface form in the document, clitics included.
    """

    term: str
    category: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class LexiconTerm:
    """A validated lexicon entry: the forms it matches, normalised (lowercase, single spaces)."""

    term: str
    category: str
    forms: tuple[str, ...]
    source: str


def _normalise(form: str) -> str:
    return " ".join(_SPLIT.split(form.strip().lower())).replace("’", "'")


def _slug(term: str) -> str:
    return re.sub(r"\W+", "_", _normalise(term)).strip("_")


def _lexicon_files(lexicons: Any) -> list[Path]:
    """The YAML files that ``lexicons`` (None, a file, a folder or a list of them) stands for.

    ``None``, and ``"default"`` anywhere a path may stand, is the packaged lexicon folder.
    """
    if lexicons is None:
        entries: list[Any] = [DEFAULT_LEXICONS]
    elif isinstance(lexicons, (str, os.PathLike)):
        entries = [lexicons]
    elif isinstance(lexicons, Sequence) and lexicons and all(isinstance(e, (str, os.PathLike)) for e in lexicons):
        entries = list(lexicons)
    else:
        raise FramingError(f"Got lexicons={lexicons!r}, expected a YAML file, a folder of them, a list of these, or None or 'default' (the packaged lexicons).")
    files: list[Path] = []
    for entry in entries:
        path = resource_path(entry, "lexicons")
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in {".yaml", ".yml"})
            if not inside:
                raise FramingError(f"{path}: this lexicon folder has no .yaml file. Add one file per category (see framing/features/lexicon.py).")
            files.extend(inside)
        elif path.is_file():
            files.append(path)
        else:
            raise FramingError(f"Got lexicons={str(path)!r}, expected an existing YAML file or folder of YAML files.")
    return files


def _expected(path: Path, key: str, value: Any, what: str) -> FramingError:
    return FramingError(f"{path}: Got {key}={value!r}, expected {what}.")


def _read_file(path: Path) -> tuple[str, str, list[tuple[str, list[str], list[tuple[str, str]], bool, str]]]:
    """Parse and check one lexicon file: (category, description, [(term, variants, confixes, bare, key)])."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FramingError(f"{path}: cannot read this lexicon file: {exc}.") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise FramingError(f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', None) or exc}). Fix the syntax.") from exc
    if not isinstance(data, dict):
        raise _expected(path, "(top level)", data, "a mapping with keys category, description, terms")
    unknown = sorted(set(map(str, data)) - _FILE_KEYS)
    if unknown:
        raise FramingError(f"{path}: unknown key {unknown[0]!r}, expected only {sorted(_FILE_KEYS)}.")
    for key in sorted(_FILE_KEYS):
        if key not in data:
            raise FramingError(f"{path}: missing key {key!r}; a lexicon file needs {sorted(_FILE_KEYS)}.")
    category, description, items = data["category"], data["description"], data["terms"]
    if not isinstance(category, str) or not _CATEGORY.match(category):
        raise _expected(path, "category", category, "a snake_case name such as 'moral_condemnation'")
    if not isinstance(description, str) or not description.strip():
        raise _expected(path, "description", description, "a non-empty string saying what the category captures")
    if not isinstance(items, list) or not items:
        raise _expected(path, "terms", items, "a non-empty list of terms")
    entries = []
    for i, item in enumerate(items):
        key = f"terms[{i}]"
        if isinstance(item, str):
            item = {"term": item}
        if not isinstance(item, dict):
            raise _expected(path, key, item, "a string or a mapping with key 'term'")
        unknown = sorted(set(map(str, item)) - _TERM_KEYS)
        if unknown:
            raise FramingError(f"{path}: unknown key {key}.{unknown[0]!r}, expected only {sorted(_TERM_KEYS)}.")
        term = item.get("term")
        if not isinstance(term, str) or not _TERM.match(term.strip()):
            raise _expected(path, f"{key}.term", term, "words of letters or digits separated by spaces or hyphens")
        variants = item.get("variants", [])
        variants = [variants] if isinstance(variants, str) else variants
        if not isinstance(variants, list) or not all(isinstance(v, str) and _TERM.match(v.strip()) for v in variants):
            raise _expected(path, f"{key}.variants", item.get("variants"), "a list of spellings made of words separated by spaces or hyphens")
        confixes = item.get("confix", [])
        confixes = [confixes] if isinstance(confixes, str) else confixes
        parsed = []
        if not isinstance(confixes, list):
            raise _expected(path, f"{key}.confix", item.get("confix"), "a confix such as 'ke-an' or a list of them")
        for confix in confixes:
            match = _CONFIX.match(confix.strip().lower()) if isinstance(confix, str) else None
            if match is None or not (match.group(1) or match.group(2)):
                raise _expected(path, f"{key}.confix", confix, "prefix-suffix in lowercase letters, such as 'ke-an' or 'per-an'")
            parsed.append((match.group(1), match.group(2)))
        bare = item.get("bare", True)
        if not isinstance(bare, bool):
            raise _expected(path, f"{key}.bare", bare, "true or false")
        if not bare and not parsed:
            raise _expected(path, f"{key}.bare", bare, "true unless a confix is given (the term would match nothing)")
        entries.append((term.strip(), [v.strip() for v in variants], parsed, bare, key))
    return category, description.strip(), entries


def load_lexicons(lexicons: Any = None) -> tuple[list[str], dict[str, str], list[LexiconTerm]]:
    """Read and validate lexicon files.

    Parameters
    ----------
    lexicons
        A YAML file, a folder of them, a list of files and folders, or ``None`` (or ``"default"``)
        for the packaged ``framing/resources/lexicons/``.

    Returns
    -------
    categories, descriptions, terms
        Category names in file order, their descriptions, and every term in file then list order.

    Raises
    ------
    FramingError
        A file is unreadable or malformed, or a category, term form or feature name is defined twice;
        the message names the file and the key.
    """
    categories: list[str] = []
    descriptions: dict[str, str] = {}
    sources: dict[str, Path] = {}
    terms: list[LexiconTerm] = []
    owner: dict[str, str] = {}  # form -> "file: key (term)" that claimed it
    slugs: dict[str, str] = {}
    for path in _lexicon_files(lexicons):
        category, description, entries = _read_file(path)
        if category in sources:
            raise FramingError(f"{path}: Got category={category!r}, expected a name not already used by {sources[category]}.")
        sources[category] = path
        categories.append(category)
        descriptions[category] = description
        for term, variants, confixes, bare, key in entries:
            forms: list[str] = []
            for spelling in [term, *variants]:
                base = _normalise(spelling)
                if bare:
                    forms.append(base)
                forms.extend(prefix + base + suffix for prefix, suffix in confixes)
            here = f"{path}: {key} ({term!r})"
            for form in dict.fromkeys(forms):
                if form in owner:
                    raise FramingError(f"{path}: Got {key}.term={term!r}, expected a term whose form {form!r} is not already listed at {owner[form]}.")
                owner[form] = here
            slug = _slug(term)
            if slug in slugs:
                raise FramingError(f"{path}: Got {key}.term={term!r}, expected a term whose feature name term_{slug} differs from {slugs[slug]}.")
            slugs[slug] = here
            terms.append(LexiconTerm(term=term, category=category, forms=tuple(dict.fromkeys(forms)), source=str(path)))
    return categories, descriptions, terms


def _trie_pattern(forms: list[tuple[str, int]]) -> tuple[str, list[int]]:
    """One regex alternation over ``forms``, factored as a trie, each end marked by an empty group.

    ``forms`` pairs a normalised form with its term index. Returns the pattern and, for each
    group number ``g`` (from 1), the term index whose form ends where group ``g`` sits. Children
    are tried before a node's own end, so a longer form wins at the same start position.
    """
    trie: dict[str, Any] = {}
    for form, term in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = term
    groups: list[int] = []

    def render(node: dict[str, Any]) -> str:
        branches = []
        for char in sorted(k for k in node if k):
            atom = _SEPARATOR if char == " " else _APOSTROPHE if char == "'" else re.escape(char)
            branches.append(atom + render(node[char]))
        if "" in node:
            # Groups are numbered by the position of their "(" in the pattern: record them in
            # the order they are written. The end marker goes last so longer forms are tried first.
            groups.append(node[""])
            branches.append("()")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return render(trie), groups


class LexiconFeatures(TextFeatures):
    """Lexicon cue rates per category and counts per frequent term.

    Parameters
    ----------
    lexicons
        A lexicon YAML file, a folder of them, or a list of files and folders; ``None`` or
        ``"default"`` is the packaged ``framing/resources/lexicons/``. The file format and the
        matching rules are in the module docstring.
    min_term_count
        A term gets its own count column when it has at least this many hits in the training
        documents (hits, not documents). Category rates always use every term.
    title
        When the training documents carry headlines (:class:`framing.clean.Article`), also count
        each category's hits in the headline, apart from the body (``title_<category>``): a loaded
        term in a headline frames the whole article.

    Attributes
    ----------
    categories_ : list of str
        Category names, in file order.
    descriptions_ : dict
        Category -> description.
    lexicon_ : list of LexiconTerm
        Every term of every category.
    terms_ : list of str
        Terms with their own column (in lexicon order).
    term_counts_ : dict
        Term -> number of hits in the training documents.
    pattern_ : re.Pattern
        The compiled matcher, run on lowercased text (``pattern_ignorecase_`` when lowering
        changes a text's length).
    names_ : list of str
        ``rate_<category>`` for every category, then ``term_<slug>`` for every term in ``terms_``,
        then ``title_<category>`` for every category when ``title_`` is set.
    title_ : bool
        Whether headline counts are columns (``title`` and some training document had a headline).

    Examples
    --------
    >>> lex = LexiconFeatures(min_term_count=1).fit(["Rezim Zionis dan kesombongannya."])
    >>> [(h.term, h.text) for h in lex.find("Kesombongannya nyata.")]
    [('kesombongan', 'Kesombongannya')]
    """

    family = "lexicon"

    def __init__(
        self, *, lexicons: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None, min_term_count: int = 3, title: bool = True
    ) -> None:
        self.lexicons = lexicons
        self.min_term_count = min_term_count
        self.title = title

    def _fit(self, docs: list[str]) -> None:
        if isinstance(self.min_term_count, bool) or not isinstance(self.min_term_count, int) or self.min_term_count < 0:
            raise FramingError(f"Got min_term_count={self.min_term_count!r}, expected an integer >= 0.")
        categories, descriptions, lexicon = load_lexicons(self.lexicons)
        forms = [(form, index) for index, entry in enumerate(lexicon) for form in entry.forms]
        trie, groups = _trie_pattern(forms)
        # The boundary check comes first: it rejects the positions inside words before the trie is
        # tried, which makes the scan ~3x faster than a bare trie. The clitics come after the term
        # and before the end boundary.
        pattern = r"(?<!\w)(?:" + trie + ")" + _CLITICS + r"(?!\w)"
        self.categories_ = categories
        self.descriptions_ = descriptions
        self.lexicon_ = lexicon
        # The trie holds lowercase forms. Scanning ``text.lower()`` with a case-sensitive pattern is
        # ~1.6x faster than re.IGNORECASE on the original; offsets carry over whenever lowering
        # keeps the length (it never shortens a character, so equal length means one-to-one).
        # The rare text where it does not (e.g. a dotted capital I) is scanned with IGNORECASE.
        self.pattern_ = re.compile(pattern)
        self.pattern_ignorecase_ = re.compile(pattern, re.IGNORECASE)
        # Group number -> term index, and term index -> category index, for the scanning loop.
        self.group_terms_ = [-1, *groups]
        category_index = {name: i for i, name in enumerate(categories)}
        self.term_categories_ = [category_index[entry.category] for entry in lexicon]
        counts = [0] * len(lexicon)
        for doc in docs:
            for _, _, group in self._scan(doc):
                counts[self.group_terms_[group]] += 1
        self.term_counts_ = {entry.term: counts[i] for i, entry in enumerate(lexicon)}
        kept = [i for i in range(len(lexicon)) if counts[i] >= self.min_term_count]
        self.terms_ = [lexicon[i].term for i in kept]
        # Term index -> column (or -1 when the term has no column of its own).
        columns = [-1] * len(lexicon)
        for offset, i in enumerate(kept):
            columns[i] = len(categories) + offset
        self.term_columns_ = columns
        self.names_ = [f"rate_{name}" for name in categories] + [f"term_{_slug(lexicon[i].term)}" for i in kept]
        self.title_ = bool(self.title) and any(getattr(doc, "headline", None) for doc in docs)
        if self.title_:
            self.names_ += [f"title_{name}" for name in categories]

    def column_terms(self) -> dict[str, str]:
        """The term behind each ``term_<slug>`` column (column name without the family prefix)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "terms_")
        return {f"term_{_slug(term)}": term for term in self.terms_}

    def find(self, text: str) -> list[Hit]:
        """Every lexicon hit in ``text``, sorted by start, non-overlapping.

        Parameters
        ----------
        text
            One document.

        Returns
        -------
        list of Hit
            ``text[hit.start:hit.end] == hit.text`` for each hit.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit` (the lexicons are read and compiled there).
        TypeError
            ``text`` is not a string.
        """
        self._check_text(text)
        lexicon, groups = self.lexicon_, self.group_terms_
        hits = []
        for start, end, group in self._scan(text):
            entry = lexicon[groups[group]]
            hits.append(Hit(entry.term, entry.category, start, end, text[start:end]))
        return hits

    def _scan(self, text: str) -> Iterator[tuple[int, int, int]]:
        """``(start, end, form group)`` of each lexicon match in ``text`` (spans valid for ``text``)."""
        lowered = text.lower()
        if len(lowered) != len(text):
            return ((*m.span(), m.lastindex) for m in self.pattern_ignorecase_.finditer(text))  # type: ignore[misc]
        # pattern_ with its leading "(?<!\w)" written as a consumed non-word character, on the text
        # behind one space: a pattern that starts with a character class lets the engine jump in
        # C from one non-word character to the next (~20% faster). Same matches: a term starts and
        # ends with a word character, so the character before a term is never part of the match
        # before it. Built here, not in fit, so that a pickled extractor gets it too.
        fast = self.__dict__.get("_word_start_pattern")
        if fast is None:
            source = self.pattern_.pattern
            fast = re.compile(r"\W" + source[len(r"(?<!\w)") :]) if source.startswith(r"(?<!\w)") else False
            self._word_start_pattern = fast
        if fast is False:
            return ((*m.span(), m.lastindex) for m in self.pattern_.finditer(lowered))  # type: ignore[misc]
        return ((m.start(), m.end() - 1, m.lastindex) for m in fast.finditer(" " + lowered))  # type: ignore[union-attr, misc]

    def _transform_one(self, doc: str) -> list[float]:
        n_categories = len(self.categories_)
        row = [0.0] * len(self.names_)
        groups, categories, columns = self.group_terms_, self.term_categories_, self.term_columns_
        for _, _, group in self._scan(doc):
            term = groups[group]
            row[categories[term]] += 1.0
            column = columns[term]
            if column >= 0:
                row[column] += 1.0
        if any(row[:n_categories]):
            n_tokens = count_tokens(doc)
            for i in range(n_categories):
                row[i] = per_thousand(row[i], n_tokens)
        headline = getattr(doc, "headline", None)
        if headline and self.__dict__.get("title_"):
            offset = len(self.names_) - n_categories
            for _, _, group in self._scan(headline):
                row[offset + categories[groups[group]]] += 1.0
        return row
