"""framing.prefilter: stems, the stem search, and the matchers give exactly the plain patterns' matches."""

from __future__ import annotations

import json
import pickle
import re

import pytest
from conftest import DATA, ROOT, needs_data

from framing.clean import TextCleaner
from framing.prefilter import RuleSet, StemSearch, fast_form, stem

FLAGS = re.IGNORECASE | re.MULTILINE
SECTIONS = ("script", "furniture", "link_markers", "datelines", "bylines", "signoffs", "outlets")


@pytest.fixture(scope="module")
def cleaner() -> TextCleaner:
    return TextCleaner().fit([])


# -- the fast path stays on --------------------------------------------------------------------
# If a shortcut turns itself off (a stem no longer read, a pattern no longer scannable), the output
# stays right and only the speed drops: these counts are what catches it.


def test_the_shipped_rules_keep_every_shortcut(cleaner: TextCleaner) -> None:
    p = cleaner.patterns_
    assert {name: getattr(p, name).fast_path() for name in SECTIONS} == {
        "script": {"patterns": 5, "stemmed": 4, "scannable": 5, "anchored": 1, "first_known": 1},
        "furniture": {"patterns": 35, "stemmed": 27, "scannable": 35, "anchored": 29, "first_known": 29},
        "link_markers": {"patterns": 4, "stemmed": 4, "scannable": 4, "anchored": 0, "first_known": 0},
        "datelines": {"patterns": 7, "stemmed": 0, "scannable": 7, "anchored": 6, "first_known": 6},
        "bylines": {"patterns": 7, "stemmed": 3, "scannable": 7, "anchored": 3, "first_known": 3},
        "signoffs": {"patterns": 5, "stemmed": 1, "scannable": 5, "anchored": 1, "first_known": 1},
        "outlets": {"patterns": 91, "stemmed": 91, "scannable": 91, "anchored": 0, "first_known": 0},
    }
    assert len(p.stems.stems) == 107


def test_an_article_without_stems_runs_only_the_rules_without_one(cleaner: TextCleaner) -> None:
    p = cleaner.patterns_
    text = "Harga cabai naik di pasar, kata pedagang."
    present = p.stems(text)
    assert present == set()
    chosen = {name: getattr(p, name).matcher(present)[1] for name in SECTIONS}
    assert chosen == {
        "script": (0,),
        "furniture": (3, 7, 8, 10, 14, 28, 31, 32),
        "link_markers": (),
        "datelines": (0, 1, 2, 3, 4, 5, 6),
        "bylines": (0, 3, 4, 6),
        "signoffs": (1, 2, 3, 4),
        "outlets": (),
    }
    assert p.link_markers.matcher(present)[0] is None
    assert str(cleaner.clean(text)) == text


def test_a_stem_in_the_text_brings_its_rules_back(cleaner: TextCleaner) -> None:
    p = cleaner.patterns_
    text = "JAKARTA, KOMPAS.com - Harga naik.\nBaca juga: Harga Turun\nEditor: Oki"
    present = p.stems(text)
    assert sorted(present) == ["baca", "editor", "juga", "kompas"]
    matcher, chosen = p.link_markers.matcher(present)
    assert p.link_markers.stems == ("baca", "baca", "baca", "juga")
    assert chosen == (0, 1, 2, 3) and matcher is not None and matcher.spans(text) == [(34, 43)]
    doc = cleaner.clean(text)
    assert str(doc) == "Harga naik."
    assert {k: n for k, n in doc.counts.items() if n} == {"link_box": 1, "dateline": 1, "byline": 1}


# -- stem ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^[ \t]*(?:Berita|Artikel|Topik)[ \t]+Terkait[ \t]*:?", "terkait"),
        (r"tempo\.co(?:\.id)?", "tempo.co"),
        (r"(?-i:Tribun|TRIBUN)\b", "tribun"),  # alternatives spelling one word
        (r"(?:(?<=kepada )|(?<=\())(?-i:Tempo)\b", "tempo"),  # look-behinds are zero-width
        (r"\bmdk[ \t]*-[ \t]*split\b", "split"),  # the first of the longest runs
        ("[K]ompas", "kompas"),  # a one-character class is that character
        (r"\x4bompas", "kompas"),
        ("xyzab|xyzcd", "xyz"),  # the prefix all alternatives share moves out, as in re
        ("(?:k|K)ompas", "ompas"),  # single characters become a class, as in re
        ("ab(?:c)?de", None),  # no run of 3
        ("(?i)kompas", None),  # global flags: not read, so no stem (always tried)
        (r"(kompas)\1", None),  # back-references: not read
        (r"kompas\N{DIGIT ONE}", None),
    ],
)
def test_stem(pattern: str, expected: str | None) -> None:
    assert stem(pattern) == expected


def test_every_match_contains_the_stem(cleaner: TextCleaner) -> None:
    # Each stem is a literal every match contains, on the matches the demo corpus gives.
    p = cleaner.patterns_
    rows = [json.loads(line) for line in (ROOT / "framing" / "data" / "demo_corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    matched = 0
    for name in SECTIONS:
        rules = getattr(p, name)
        for single, pattern_stem in zip(rules.singles, rules.stems, strict=True):
            if pattern_stem is None:
                continue
            for row in rows:
                for m in single.finditer(row["text"]):
                    assert pattern_stem in m.group(0).lower(), (single.pattern, m.group(0))
                    matched += 1
    assert matched > 100


# -- the stem search ---------------------------------------------------------------------------


def test_stem_search_finds_every_stem_present_overlapping_and_case_blind() -> None:
    search = StemSearch(["kompas", "kompas.com", "pas", "baca juga", "–", None, "kompas"])
    assert search.stems == ("baca juga", "kompas", "kompas.com", "pas", "–")
    assert search("BACA JUGA – KOMPAS.com") == {"baca juga", "kompas", "kompas.com", "pas", "–"}
    assert search("Kompas hari ini") == {"kompas", "pas"}
    assert search("Tidak ada.") == set() and search("") == set()
    assert StemSearch([None])("apa saja") == set()


def test_stem_search_pickles_without_its_automaton() -> None:
    search = StemSearch(["kompas", "editor"])
    assert search("Editor: Oki") == {"editor"}
    copy = pickle.loads(pickle.dumps(search))
    assert copy.__getstate__() == {"stems": ("editor", "kompas")}
    assert copy("KOMPAS.com, editor") == {"kompas", "editor"}


# -- rule sets and their matchers --------------------------------------------------------------


def test_rule_set_orders_anchored_first_and_tells_the_kind() -> None:
    rules = RuleSet([("ad", "(?-i:ADVERTISEMENT)"), ("link_box", "^Baca juga:[^\n]*$"), ("ad", "^[ \t]*Iklan[ \t]*$")], FLAGS)
    assert rules.kinds == ("link_box", "ad", "ad")
    assert rules.stems == ("baca juga:", "iklan", "advertisement")
    text = "Iklan\nIsi berita ADVERTISEMENT lanjut.\nBaca juga: Judul Lain"
    matcher, chosen = rules.matcher(rules.stem_set()[0])
    assert chosen == (0, 1, 2)
    assert matcher is not None and matcher.spans(text) == [(0, 5), (17, 30), (39, 60)]
    assert [rules.kind_of(text, a, b, chosen) for a, b in matcher.spans(text)] == ["ad", "ad", "link_box"]
    assert rules.matcher({"iklan"}) == (rules.matcher({"iklan"})[0], (1,))
    assert rules.matcher(set()) == (None, ())


def test_fast_path_counts_what_each_shortcut_takes() -> None:
    # "^x?$" can match empty text (not scannable, first characters unknown); "(ab)\1" refers to a
    # group (not scannable, no stem).
    rules = RuleSet([("ad", "^x?$"), ("ad", "^[ \t]*Iklan[ \t]*$"), ("signoff", r"(ab)\1")], FLAGS)
    assert rules.stems == (None, "iklan", None)
    assert rules.fast_path() == {"patterns": 3, "stemmed": 1, "scannable": 1, "anchored": 2, "first_known": 1}


def test_fast_form() -> None:
    assert fast_form("kompas") == "(?-i:[Kk\u212a])(?<=k)ompas"
    assert fast_form(r"(?-i:\bTEMPO\b)") == r"(?-i:T(?<=\bT)EMPO\b)"
    assert fast_form("(?<=kepada )(?-i:Tempo)") == "(?-i:T)(?<=kepada T)(?-i:empo)"
    assert fast_form("[a-z]+") == "[a-z]+"


def _plain_spans(rules: RuleSet, text: str) -> list[tuple[int, int]]:
    """The matches of all the patterns as one alternation, anchored ones first: what the prefilter
    must give."""
    anchored = [s[1:] for s in rules.sources if s.startswith("^")]
    free = [s for s in rules.sources if not s.startswith("^")]
    branches = (["^(?:" + "|".join(f"(?:{s})" for s in anchored) + ")"] if anchored else []) + [f"(?:{s})" for s in free]
    return [m.span() for m in re.finditer("|".join(branches), text, rules.flags)] if branches else []


def _check_same_matches(cleaner: TextCleaner, texts: list[str]) -> int:
    p = cleaner.patterns_
    found = 0
    for text in texts:
        present = p.stems(text)
        for name in SECTIONS[:-1]:  # the outlets are masked through stem_regex, not a matcher
            rules = getattr(p, name)
            matcher = rules.matcher(present)[0]
            spans = matcher.spans(text) if matcher is not None else []
            assert spans == _plain_spans(rules, text), (name, text[:80])
            found += len(spans)
    return found


def test_the_prefilter_finds_what_the_plain_patterns_find_in_the_demo_corpus(cleaner: TextCleaner) -> None:
    rows = [json.loads(line) for line in (ROOT / "framing" / "data" / "demo_corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    assert _check_same_matches(cleaner, [row["text"] for row in rows]) > 100


@needs_data
def test_the_prefilter_finds_what_the_plain_patterns_find_in_real_news(cleaner: TextCleaner) -> None:
    from framing.corpus import CorpusReader

    indosum = CorpusReader([str(DATA / "indosum" / "dev.01.jsonl")], reader="indosum").read().records
    texts = [t for t in indosum["text"][:400] if isinstance(t, str)]
    assert _check_same_matches(cleaner, texts) > 100
