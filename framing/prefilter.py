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

    def fast_path(self) -> dict[str, int]:
        """How many patterns each shortcut takes, so that a test sees one turn itself off.

        Returns
        -------
        dict
            ``patterns``; ``stemmed``: those with a stem (skipped where it is absent);
            ``scannable``: those the scanner may search on their own (:func:`_scannable`);
            ``anchored`` and ``first_known``: the line-anchored ones, and those of them whose
            first characters are known (only lines starting with one are tried).
        """
        anchored = [source for source in self.sources if source.startswith("^")]
        return {
            "patterns": len(self.sources),
            "stemmed": sum(s is not None for s in self.stems),
            "scannable": sum(_scannable(source, self.flags) for source in self.sources),
            "anchored": len(anchored),
            "first_known": sum(_first_chars(f"(?:{source[1:]})", self.flags) is not None for source in anchored),
        }

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
    r"""The longest run of at least 3 characters that every match of ``pattern`` contains, lower-cased.

    Read from the parsed pattern: literals next to each other, zero-width assertions between them
    allowed, and a branch counted only when all its alternatives spell the same word
    ("Tribun|TRIBUN"). ``None`` when there is no such run, or when the pattern uses syntax that
    the small parser here does not read (back-references, conditionals, global flags): the
    pattern is then tried on every document.

    Examples
    --------
    >>> stem(r"kompas[ \t]?\.com"), stem(r"(?-i:Tribun|TRIBUN)\b"), stem(r"\bmdk[ \t]*-"), stem(r"(ab)c\1")
    ('kompas', 'tribun', 'mdk', None)
    """
    try:
        tree = _parse(pattern, _STEM_FLAGS)
    except _Unsupported:
        return None

    def spelled(seq: _Seq) -> str | None:
        out = []
        for op, av in seq.items:
            if op == "literal":
                out.append(chr(av))
            elif op == "group" and (inner := spelled(av[3])) is not None:
                out.append(inner)
            elif op not in _ZERO_WIDTH_OPS:
                return None
        return "".join(out)

    runs: list[str] = []

    def walk(seq: _Seq, run: list[str]) -> list[str]:
        for op, av in seq.items:
            if op == "literal":
                run.append(chr(av))
            elif op in _ZERO_WIDTH_OPS:
                continue
            elif op == "group":
                run = walk(av[3], run)
            elif op == "branch" and all(all(o in _ZERO_WIDTH_OPS for o, _ in alt.items) for alt in av[1]):
                continue
            elif op == "branch" and _same_word([spelled(alt) for alt in av[1]]):
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


# -- reading patterns -------------------------------------------------------------------------
# A small parser of the regex syntax that rule files use, giving the tree that the standard
# library's own parser gives (its shapes, and the two rewrites it makes of an alternation: a prefix
# that all alternatives share moves out of it, and an alternation of single characters becomes a
# class), so that stems and first characters are read the same way on every Python. Anything else
# (back-references, conditionals, global or verbose flags, \N{...}, octal escapes) raises
# _Unsupported, and the caller answers the safe way: no stem, not scannable, first characters
# unknown. Patterns are parsed only after re.compile accepted them, so errors need no messages.
#
# A node is (op, argument), as in the standard library's tree:
#   ("literal", code) ("not_literal", code) ("any", None) ("at", name)
#   ("in", [("literal", code) | ("range", (lo, hi)) | ("category", name) | ("negate", None), ...])
#   ("group", (number | None, add_flags, del_flags, _Seq)) ("atomic", _Seq)
#   ("assert", (direction, _Seq)) ("assert_not", (direction, _Seq))
#   ("branch", (None, [_Seq, ...])) ("repeat", (min, max, _Seq))
# A _Seq compares by identity, like the standard library's SubPattern: two groups are never the
# same prefix of an alternation, two characters or classes are when they are equal.

_MAX_REPEAT = 2**32 - 1  # re's "no upper bound" (here only told apart from 0)
_REPEAT_CHARS = "*+?{"
_SPECIAL_CHARS = ".\\[{()*+?^$|"
_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_CATEGORIES = {"d": "digit", "D": "not_digit", "s": "space", "S": "not_space", "w": "word", "W": "not_word"}
_AT_ESCAPES = {"A": "beginning_string", "Z": "end_string", "b": "boundary", "B": "non_boundary"}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}
_INLINE_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "a": re.ASCII, "u": re.UNICODE, "L": re.LOCALE}
_UNIT_OPS = ("literal", "not_literal", "any", "in")
_ZERO_WIDTH_OPS = ("at", "assert", "assert_not")


class _Unsupported(Exception):
    """Syntax the small parser does not read: the caller falls back to the safe answer."""


class _Seq:
    """A sequence of nodes (compared by identity, as the standard library's SubPattern is)."""

    __slots__ = ("items",)

    def __init__(self, items: list[tuple[str, Any]] | None = None) -> None:
        self.items = items if items is not None else []


class _Source:
    """The pattern as tokens: one character, or a backslash with the character after it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    @property
    def next(self) -> str | None:
        if self.pos >= len(self.text):
            return None
        return self.text[self.pos : self.pos + 2] if self.text[self.pos] == "\\" else self.text[self.pos]

    def get(self) -> str:
        token = self.next
        if token is None or token == "\\":
            raise _Unsupported("unexpected end")
        self.pos += len(token)
        return token

    def match(self, char: str) -> bool:
        if self.next == char:
            self.pos += len(char)
            return True
        return False

    def digits(self, count: int) -> str:
        """``count`` hexadecimal digits (what follows \\x, \\u, \\U)."""
        run = self.text[self.pos : self.pos + count]
        if len(run) != count or any(c not in "0123456789abcdefABCDEF" for c in run):
            raise _Unsupported("bad hex escape")
        self.pos += count
        return run


def _parse(pattern: str, flags: int) -> _Seq:
    """The tree of ``pattern`` (see the block comment above); raises _Unsupported."""
    if flags & re.VERBOSE:
        raise _Unsupported("verbose")
    source = _Source(pattern)
    groups = [0]
    tree = _parse_alternation(source, groups)
    if source.next is not None:
        raise _Unsupported("unbalanced parenthesis")
    return tree


def _parse_alternation(source: _Source, groups: list[int]) -> _Seq:
    items = [_parse_sequence(source, groups)]
    while source.match("|"):
        items.append(_parse_sequence(source, groups))
    if len(items) == 1:
        return items[0]
    seq = _Seq()
    while True:  # a first node that every alternative shares moves out of the branch
        prefix = None
        for item in items:
            if not item.items:
                break
            if prefix is None:
                prefix = item.items[0]
            elif item.items[0] != prefix:
                break
        else:
            for item in items:
                del item.items[0]
            assert prefix is not None
            seq.items.append(prefix)
            continue
        break
    members: list[tuple[str, Any]] = []
    for item in items:  # single characters and classes: one class
        if len(item.items) != 1:
            break
        op, av = item.items[0]
        if op == "literal":
            members.append((op, av))
        elif op == "in" and av[0][0] != "negate":
            members.extend(av)
        else:
            break
    else:
        seq.items.append(("in", list(dict.fromkeys(members))))
        return seq
    seq.items.append(("branch", (None, items)))
    return seq


def _parse_sequence(source: _Source, groups: list[int]) -> _Seq:
    seq = _Seq()
    append = seq.items.append
    while True:
        this = source.next
        if this is None or this in "|)":
            return seq
        source.get()
        if this[0] == "\\":
            append(_escape(source, this))
        elif this not in _SPECIAL_CHARS:
            append(("literal", ord(this)))
        elif this == "[":
            append(_parse_class(source))
        elif this in _REPEAT_CHARS:
            here = source.pos
            if this == "?":
                low, high = 0, 1
            elif this == "*":
                low, high = 0, _MAX_REPEAT
            elif this == "+":
                low, high = 1, _MAX_REPEAT
            else:  # "{": a bound, or a literal "{" when what follows is not one
                if source.next == "}":
                    append(("literal", ord(this)))
                    continue
                lo = hi = ""
                while source.next is not None and source.next in "0123456789":
                    lo += source.get()
                if source.match(","):
                    while source.next is not None and source.next in "0123456789":
                        hi += source.get()
                else:
                    hi = lo
                if not source.match("}"):
                    append(("literal", ord(this)))
                    source.pos = here
                    continue
                low = int(lo) if lo else 0
                high = int(hi) if hi else _MAX_REPEAT
            if not seq.items or seq.items[-1][0] in ("at", "repeat"):
                raise _Unsupported("nothing to repeat")
            last = seq.items[-1]
            inner = _Seq([last])
            if last[0] == "group" and last[1][0] is None and not last[1][1] and not last[1][2]:
                inner = last[1][3]
            if not source.match("?"):  # lazy and possessive repeats read the same here
                source.match("+")
            seq.items[-1] = ("repeat", (low, high, inner))
        elif this == ".":
            append(("any", None))
        elif this == "^":
            append(("at", "beginning"))
        elif this == "$":
            append(("at", "end"))
        elif this == "(":
            node = _parse_group(source, groups)
            if node is not None:
                append(node)
        else:  # pragma: no cover - every special character is handled above
            raise _Unsupported(this)


def _parse_group(source: _Source, groups: list[int]) -> tuple[str, Any] | None:
    """The node of the group whose "(" was just read (``None`` for a comment)."""
    number: int | None = None
    add = remove = 0
    atomic = False
    if source.match("?"):
        char = source.get()
        if char == "P" and source.match("<"):
            while source.get() != ">":
                pass
            groups[0] += 1
            number = groups[0]
        elif char == ":":
            pass
        elif char == "#":
            while source.get() != ")":
                pass
            return None
        elif char in "=!" or (char == "<" and source.next in ("=", "!")):
            direction = 1
            if char == "<":
                char, direction = source.get(), -1
            inner = _parse_alternation(source, groups)
            if not source.match(")"):
                raise _Unsupported("unbalanced parenthesis")
            return ("assert" if char == "=" else "assert_not", (direction, inner))
        elif char == ">":
            atomic = True
        elif char in _INLINE_FLAGS or char == "-":
            add, remove = _parse_flags(source, char)
        else:
            raise _Unsupported(f"(?{char}")  # back-references by name, conditionals
    else:
        groups[0] += 1
        number = groups[0]
    inner = _parse_alternation(source, groups)
    if not source.match(")"):
        raise _Unsupported("unbalanced parenthesis")
    return ("atomic", inner) if atomic else ("group", (number, add, remove, inner))


def _parse_flags(source: _Source, char: str) -> tuple[int, int]:
    """The flags of "(?i-m:" (``char``: the first one); global flags "(?i)" are not read."""
    add = remove = 0
    while char in _INLINE_FLAGS:
        add |= _INLINE_FLAGS[char]
        char = source.get()
    if char == "-":
        char = source.get()
        while char in _INLINE_FLAGS:
            remove |= _INLINE_FLAGS[char]
            char = source.get()
    if char != ":":
        raise _Unsupported("global flags")
    return add, remove


def _escape(source: _Source, token: str) -> tuple[str, Any]:
    """An escape outside a class."""
    c = token[1]
    if c in _AT_ESCAPES:
        return ("at", _AT_ESCAPES[c])
    if c in _CATEGORIES:
        return ("in", [("category", _CATEGORIES[c])])
    return _character_escape(source, token)


def _class_escape(source: _Source, token: str) -> tuple[str, Any]:
    """An escape inside a class ("\\b" is a backspace there)."""
    c = token[1]
    if c in _CATEGORIES:
        return ("in", [("category", _CATEGORIES[c])])
    if c == "b":
        return ("literal", 8)
    return _character_escape(source, token)


def _character_escape(source: _Source, token: str) -> tuple[str, Any]:
    c = token[1]
    if c in _ESCAPES:
        return ("literal", ord(_ESCAPES[c]))
    if c in _HEX_DIGITS:
        return ("literal", int(source.digits(_HEX_DIGITS[c]), 16))
    if c.isascii() and c.isalnum():
        raise _Unsupported(token)  # octal, group references, \N{...}
    return ("literal", ord(c))


def _parse_class(source: _Source) -> tuple[str, Any]:
    """The class whose "[" was just read: a literal when it holds one character."""
    members: list[tuple[str, Any]] = []
    negate = source.match("^")
    while True:
        this = source.get()
        if this == "]" and members:
            break
        code1: tuple[str, Any] = _class_escape(source, this) if this[0] == "\\" else ("literal", ord(this))
        if source.match("-"):
            that = source.get()
            if that == "]":
                members.append(code1[1][0] if code1[0] == "in" else code1)
                members.append(("literal", ord("-")))
                break
            code2: tuple[str, Any] = _class_escape(source, that) if that[0] == "\\" else ("literal", ord(that))
            if code1[0] != "literal" or code2[0] != "literal":
                raise _Unsupported("bad range")
            members.append(("range", (code1[1], code2[1])))
        else:
            members.append(code1[1][0] if code1[0] == "in" else code1)
    members = list(dict.fromkeys(members))
    if len(members) == 1 and members[0][0] == "literal":
        return ("not_literal", members[0][1]) if negate else members[0]
    return ("in", [("negate", None), *members] if negate else members)


def _min_width(seq: _Seq) -> int:
    """The fewest characters a match of ``seq`` takes."""
    low = 0
    for op, av in seq.items:
        if op == "branch":
            low += min(_min_width(alternative) for alternative in av[1])
        elif op == "group":
            low += _min_width(av[3])
        elif op == "atomic":
            low += _min_width(av)
        elif op == "repeat":
            low += _min_width(av[2]) * av[0]
        elif op in _UNIT_OPS:
            low += 1
    return low


class StemSearch:
    """Which of the given stems occur in a text (compared lower-cased).

    One Aho-Corasick pass over the text (pyahocorasick) finds every stem, overlapping ones too.

    Parameters
    ----------
    stems
        The stems to look for (lower-case; ``None`` entries, rules without a stem, are left out).

    Examples
    --------
    >>> search = StemSearch(["kompas", "baca juga", "juga:", "editor", None])
    >>> sorted(search("Baca juga: KOMPAS.com")), search.stems
    (['baca juga', 'juga:', 'kompas'], ('baca juga', 'editor', 'juga:', 'kompas'))
    """

    def __init__(self, stems: Iterable[str | None]) -> None:
        self.stems: tuple[str, ...] = tuple(sorted({s for s in stems if s}))

    def __call__(self, text: str) -> set[str]:
        automaton = self.__dict__.get("_automaton")
        if automaton is None:
            if not self.stems:
                return set()
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for word in self.stems:
                automaton.add_word(word, word)
            automaton.make_automaton()
            self._automaton = automaton
        return {word for _, word in automaton.iter(text.lower())}

    def __getstate__(self) -> dict[str, Any]:
        # The automaton is rebuilt on first use.
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
    not refer to a group by number (in the joined alternation the number points elsewhere: the
    parser does not read back-references, so such a pattern is not scannable either).
    """
    try:
        tree = _parse(source, flags)
    except _Unsupported:
        return False
    return _min_width(tree) > 0


def _first_chars(source: str, flags: int) -> frozenset[str] | None:
    """Every character a match of ``source`` can start with (``None``: unknown, or any).

    Read from the parsed pattern, case variants included; ``None`` as soon as anything is not a
    plain character or a small class (a category, a negated class, ".") or when the pattern can
    match empty text.
    """
    try:
        tree = _parse(source, flags)
    except _Unsupported:
        return None

    def variants(ch: str, ignore: bool) -> set[str] | None:
        if not ignore or ch.lower() == ch == ch.upper():
            return {ch}
        if ch.isascii():
            return {ch.lower(), ch.upper(), *_CASE_EXTRA.get(ch.lower(), "")}
        return None  # another cased character: its case rules are not spelled out here

    def sequence(seq: _Seq, mode: int) -> tuple[set[str] | None, bool]:
        first: set[str] = set()
        for op, av in seq.items:
            chars, nullable = item(op, av, mode)
            if chars is None:
                return None, False
            first |= chars
            if not nullable:
                return first, False
        return first, True

    def item(op: Any, av: Any, mode: int) -> tuple[set[str] | None, bool]:
        ignore = bool(mode & re.IGNORECASE)
        if op == "literal":
            return variants(chr(av), ignore), False
        if op == "in":
            chars: set[str] = set()
            for kind, value in av:
                if kind == "literal":
                    members = [chr(value)]
                elif kind == "range" and value[1] - value[0] < 512:
                    members = [chr(c) for c in range(value[0], value[1] + 1)]
                else:  # a category, a negation, a big range
                    return None, False
                for ch in members:
                    found = variants(ch, ignore)
                    if found is None:
                        return None, False
                    chars |= found
            return chars, False
        if op in _ZERO_WIDTH_OPS:
            return set(), True
        if op == "group":
            _, add, remove, inner = av
            return sequence(inner, (mode | add) & ~remove)
        if op == "atomic":
            return sequence(av, mode)
        if op == "branch":
            union: set[str] = set()
            empty = False
            for alternative in av[1]:
                alternative_chars, nullable = sequence(alternative, mode)
                if alternative_chars is None:
                    return None, False
                union |= alternative_chars
                empty = empty or nullable
            return union, empty
        if op == "repeat":
            low, high, inner = av
            if high == 0:
                return set(), True
            inner_chars, nullable = sequence(inner, mode)
            return inner_chars, low == 0 or nullable
        return None, False

    first, nullable = sequence(tree, flags)
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
            moved = [head if head[0] >= end else self._next(head[1], text, end) for head in heads]
            heads = [head for head in moved if head is not None]
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
