"""Which regex rules can match a text, decided by a cheap literal search before the regexes run.

Cleaning runs a few hundred regular expressions over every article, and most of them match
nowhere. Each rule has a *stem* (:func:`stem`): a lower-case literal that every match of it
contains. One search for all stems at once (:class:`StemSearch`) tells which stems occur in an
article, and a :class:`RuleSet` then searches that article only for the rules whose stem occurs
(plus those without a stem), joined into one matcher built once per combination. The matches are
exactly those of all the rules: a rule whose stem is absent cannot match.

The rest is speed with the same matches: patterns rewritten so that the regex engine can jump to
where they can start (:func:`fast_form`), and line-anchored and free patterns searched apart
(:class:`_Scanner`) instead of as one alternation.

Examples
--------
>>> rules = RuleSet([("ad", "(?-i:ADVERTISEMENT)"), ("link_box", "^Baca juga:[^\\n]*$")], re.IGNORECASE | re.MULTILINE)
>>> rules.stems
('baca juga:', 'advertisement')
>>> search = StemSearch(rules.stems)
>>> text = "Harga naik.\\nBaca juga: Harga Turun"
>>> present = search(text)
>>> sorted(present)
['baca juga:']
>>> matcher, chosen = rules.matcher(present)
>>> matcher.spans(text), chosen
([(12, 34)], (0,))
>>> rules.matcher(search("Tidak ada apa-apa."))
(None, ())
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

__all__ = ["RuleSet", "StemSearch", "fast_form", "stem"]

# The flags every stem is read under (a stem does not depend on them: it is lower-cased).
_STEM_FLAGS = re.IGNORECASE | re.MULTILINE


class RuleSet:
    """The patterns of one pass, searched per document only for those that can match it.

    Each pattern has a *stem*: a lower-case literal that every match contains (see :func:`stem`).
    A pattern whose stem does not occur in a document cannot match it, so only the others are
    searched for in that document (the matcher of each combination is built once and cached), and
    the result is the same as with all of them. The patterns act as one alternation with the
    line-anchored ones first, under one ``^``: at one position the first pattern in that order
    wins.

    Parameters
    ----------
    rules
        (kind, pattern) pairs; the kind is what :meth:`kind_of` tells for a match of the pattern.
    flags
        The ``re`` flags of every pattern.

    Attributes
    ----------
    kinds, sources, stems : tuple
        Per pattern, in the alternation's order: its kind, its source and its stem (``None``: the
        pattern is searched in every document).
    flags : int
        The flags.
    singles : tuple of re.Pattern
        Each pattern compiled alone.
    """

    def __init__(self, rules: list[tuple[str, str]], flags: int) -> None:
        ordered = [r for r in rules if r[1].startswith("^")] + [r for r in rules if not r[1].startswith("^")]
        self.kinds = tuple(kind for kind, _ in ordered)
        self.sources = tuple(pattern for _, pattern in ordered)
        self.stems = tuple(stem(pattern) for pattern in self.sources)
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
            # fast_form: the same matches, with a first letter the engine can skip on.
            self._cache[key] = re.compile("|".join(f"(?:{fast_form(p)})" for p, s in zip(self.sources, self.stems) if s == stem), self.flags)
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


def stem(pattern: str) -> str | None:
    """The longest run of at least 3 characters that every match of ``pattern`` contains, lower-cased.

    Read from the parsed pattern: literals next to each other, zero-width assertions between them
    allowed, and a branch counted only when all its alternatives spell the same word
    ("Tribun|TRIBUN"). ``None`` when there is no such run: the pattern is then tried on every
    document.
    """
    try:  # the standard library's own regex parser (private: without it, no stems, only slower)
        from re import _constants as sre, _parser

        tree = _parser.parse(pattern, _STEM_FLAGS)
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


class StemSearch:
    """Which of the given stems occur in a text (compared lower-cased).

    Parameters
    ----------
    stems
        The stems to look for (lower-case; ``None`` entries, rules without a stem, are left out).

    Examples
    --------
    >>> sorted(StemSearch(["kompas", "baca juga", "editor", None])("Baca juga: KOMPAS.com"))
    ['baca juga', 'kompas']
    """

    def __init__(self, stems: Iterable[str | None]) -> None:
        self.stems: tuple[str, ...] = tuple(sorted({s for s in stems if s}))

    def __call__(self, text: str) -> set[str]:
        finder: _StemFinder | None = self.__dict__.get("_finder")
        if finder is None:
            finder = self._finder = _StemFinder(self.stems)
        return finder(text.lower())

    def __getstate__(self) -> dict[str, Any]:
        # The finder is rebuilt on first use.
        return {"stems": self.stems}

    def __repr__(self) -> str:
        return f"StemSearch({len(self.stems)} stems)"


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
    try:  # the standard library's own regex parser, as in stem (without it: the joined regex)
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


def fast_form(form: str) -> str:
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
