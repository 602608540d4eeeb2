"""Lexicon cues: YAML loading and validation, the matcher (case, separators, clitics, confixes,
word boundaries, longest match), exact spans on the seed articles, and exact feature values."""

from __future__ import annotations

import itertools
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS, needs_seeds
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from framing.errors import FramingError
from framing.features._text import RESOURCES
from framing.features.lexicon import Hit, LexiconFeatures, load_lexicons

SHIPPED = RESOURCES / "lexicons"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shipped() -> LexiconFeatures:
    return LexiconFeatures(min_term_count=0).fit([])


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Two hand-written categories: files sort as hedging.yaml, moral.yaml."""
    folder = tmp_path / "lexicons"
    write(folder, "moral.yaml", "category: moral\ndescription: Moral condemnation.\nterms:\n  - kesombongan\n  - kejahatan\n")
    write(folder, "hedging.yaml", "category: hedging\ndescription: Hedging.\nterms:\n  - dilaporkan\n  - belum dapat diverifikasi\n")
    return folder


@pytest.fixture
def mechanics(tmp_path: Path) -> LexiconFeatures:
    """A lexicon exercising every entry option, without the catch-all terms of the shipped files."""
    folder = tmp_path / "mech"
    write(
        folder,
        "cues.yaml",
        """category: cues
description: Matcher mechanics.
terms:
  - rezim Zionis
  - hegemoni
  - hegemoni AS
  - teroris
  - term: sombong
    confix: ke-an
  - term: lawan
    confix: per-an
    bare: false
  - term: rezim Teheran
    variants: [rezim Tehran]
  - Syi'ah
  - neo-Nazi
""",
    )
    return LexiconFeatures(lexicons=folder, min_term_count=0).fit([])


def spans(lex: LexiconFeatures, text: str) -> list[tuple[str, str, int, int]]:
    hits = lex.find(text)
    for hit in hits:
        assert text[hit.start : hit.end] == hit.text
    return [(hit.term, hit.text, hit.start, hit.end) for hit in hits]


# -- the seed articles ----------------------------------------------------------------------
@needs_seeds
def test_seed_004_hits_zionist_regime_arrogance_hegemony_unilateralism(shipped: LexiconFeatures) -> None:
    text = (SEEDS / "004_9612d64f9e19b3de.txt").read_text(encoding="utf-8")
    hits = shipped.find(text)
    assert all(text[h.start : h.end] == h.text for h in hits)
    assert [h.start for h in hits] == sorted(h.start for h in hits)
    assert all(a.end <= b.start for a, b in itertools.pairwise(hits))
    by_term = {}
    for hit in hits:
        by_term.setdefault(hit.term, []).append(hit)

    assert [(h.category, h.text) for h in by_term["rezim Zionis"]] == [("delegitimising_label", "rezim Zionis")]
    # Both forms: the bare noun and the one with the possessive clitic.
    assert [(h.category, h.text) for h in by_term["kesombongan"]] == [
        ("moral_condemnation", "kesombongan"),
        ("moral_condemnation", "kesombongannya"),
    ]
    # "hegemoni" is followed by "AS" in this article, so the longer term wins.
    assert "hegemoni" not in by_term
    assert [(h.category, h.text) for h in by_term["hegemoni AS"]] == [("anti_hegemony", "hegemoni AS")]
    assert [(h.category, h.text) for h in by_term["unilateralisme"]] == [("anti_hegemony", "unilateralisme")] * 3
    # "multilateralisme" in the same article is not a hit of "unilateralisme" (word boundary).
    assert "multilateralisme" in text
    assert not [h for h in hits if "multilateral" in h.text.lower()]


@needs_seeds
def test_seed_003_hits_foreign_interference_and_sacred_defence(shipped: LexiconFeatures) -> None:
    text = (SEEDS / "003_f385d7b13b6f3b52.txt").read_text(encoding="utf-8")
    hits = shipped.find(text)
    assert all(text[h.start : h.end] == h.text for h in hits)
    interference = [h for h in hits if h.term == "campur tangan asing"]
    assert [(h.category, h.text) for h in interference] == [("foreign_interference", "campur tangan asing")] * 2
    sacred = [h for h in hits if h.term == "Pertahanan Suci"]
    assert [(h.category, h.text) for h in sacred] == [("state_honorific", "Pertahanan Suci")]
    # "terorisme" in this article is not the militant label "teroris".
    assert not [h for h in hits if h.term == "teroris"]


# -- the matcher ----------------------------------------------------------------------------
def test_case_and_separators_between_words(mechanics: LexiconFeatures) -> None:
    text = "REZIM ZIONIS, rezim-Zionis, rezim  Zionis dan rezim\nZionis."
    assert spans(mechanics, text) == [
        ("rezim Zionis", "REZIM ZIONIS", 0, 12),
        ("rezim Zionis", "rezim-Zionis", 14, 26),
        ("rezim Zionis", "rezim  Zionis", 28, 41),
        ("rezim Zionis", "rezim\nZionis", 46, 58),
    ]


def test_comma_between_words_is_not_a_match(mechanics: LexiconFeatures) -> None:
    # A comma separates phrases or list items: "hegemoni, AS" is not "hegemoni AS".
    assert spans(mechanics, "Mereka melawan rezim, Zionis menolak.") == []
    assert spans(mechanics, "hegemoni, AS") == [("hegemoni", "hegemoni", 0, 8)]


def test_clitics_on_the_last_word_are_part_of_the_hit(mechanics: LexiconFeatures) -> None:
    text = "hegemoninya, hegemonilah, hegemonikah, hegemonipun, hegemoninyalah, teroriskah"
    assert [(term, surface) for term, surface, _, _ in spans(mechanics, text)] == [
        ("hegemoni", "hegemoninya"),
        ("hegemoni", "hegemonilah"),
        ("hegemoni", "hegemonikah"),
        ("hegemoni", "hegemonipun"),
        ("hegemoni", "hegemoninyalah"),
        ("teroris", "teroriskah"),
    ]


def test_never_inside_another_word(mechanics: LexiconFeatures) -> None:
    # Related words are different words: list them as terms of their own when wanted.
    for text in ("terorisme", "teroristis", "hegemonik", "hegemonial", "prohegemoni", "rezim Zionisme", "nonteroris"):
        assert spans(mechanics, text) == [], text
    # Israel named by its name is not the delegitimising label.
    assert spans(mechanics, "Pemerintah Israel dan rezim Iran bertemu.") == []


def test_hyphen_before_a_term_is_a_boundary(mechanics: LexiconFeatures) -> None:
    assert spans(mechanics, "sikap anti-hegemoni") == [("hegemoni", "hegemoni", 11, 19)]


def test_longest_match_wins_and_falls_back(mechanics: LexiconFeatures) -> None:
    assert spans(mechanics, "hegemoni AS") == [("hegemoni AS", "hegemoni AS", 0, 11)]
    assert spans(mechanics, "hegemoni ASnya") == [("hegemoni AS", "hegemoni ASnya", 0, 14)]
    # "as" is the start of "asing": the longer term does not complete, the shorter one matches.
    assert spans(mechanics, "hegemoni asing") == [("hegemoni", "hegemoni", 0, 8)]


def test_confix_variants_apostrophes_and_hyphenated_terms(mechanics: LexiconFeatures) -> None:
    text = "Kesombongannya, sombong, KESOMBONGAN; perlawanan, lawan; rezim Tehran; Syi’ah; neo Nazi."
    assert spans(mechanics, text) == [
        ("sombong", "Kesombongannya", 0, 14),
        ("sombong", "sombong", 16, 23),
        ("sombong", "KESOMBONGAN", 25, 36),
        ("lawan", "perlawanan", 38, 48),  # bare: false, so "lawan" alone is no hit
        ("rezim Teheran", "rezim Tehran", 57, 69),
        ("Syi'ah", "Syi’ah", 71, 77),
        ("neo-Nazi", "neo Nazi", 79, 87),
    ]


def test_spans_survive_characters_whose_lowercase_is_longer(mechanics: LexiconFeatures) -> None:
    # "İ".lower() is two characters: offsets into the original text must still be right.
    text = "İstanbul: hegemoni AS dan İİ rezim Zionis"
    assert spans(mechanics, text) == [("hegemoni AS", "hegemoni AS", 10, 21), ("rezim Zionis", "rezim Zionis", 29, 41)]


def test_reduplication_counts_each_half(shipped: LexiconFeatures) -> None:
    assert spans(shipped, "kejahatan-kejahatan") == [("kejahatan", "kejahatan", 0, 9), ("kejahatan", "kejahatan", 10, 19)]


def test_hit_is_a_frozen_record(mechanics: LexiconFeatures) -> None:
    (hit,) = mechanics.find("teroris")
    assert hit == Hit(term="teroris", category="cues", start=0, end=7, text="teroris")
    with pytest.raises(AttributeError):
        hit.start = 1  # type: ignore[misc]


# -- the shipped lexicons -------------------------------------------------------------------
def test_shipped_lexicons_one_file_per_category(shipped: LexiconFeatures) -> None:
    files = sorted(SHIPPED.glob("*.yaml"))
    assert [f.stem for f in files] == shipped.categories_
    assert set(shipped.categories_) == {
        "anti_hegemony", "delegitimising_label", "denial", "foreign_interference", "hedging",
        "militant_framing", "moral_condemnation", "resistance_framing", "state_honorific", "threat_framing",
    }  # fmt: skip
    sizes = {c: sum(1 for t in shipped.lexicon_ if t.category == c) for c in shipped.categories_}
    assert all(10 <= n <= 40 for n in sizes.values()), sizes
    assert all(shipped.descriptions_[c] for c in shipped.categories_)


def test_every_shipped_form_finds_its_own_term(shipped: LexiconFeatures) -> None:
    # Guards the group-number bookkeeping of the trie: each form must map back to its own term.
    for entry in shipped.lexicon_:
        for form in entry.forms:
            for surface in (form, form.upper(), form + "nya"):
                text = f"Kata {surface} di sini."
                assert spans(shipped, text) == [(entry.term, surface, 5, 5 + len(surface))], (entry.term, surface)


def test_default_lexicon_examples(shipped: LexiconFeatures) -> None:
    text = "Poros Perlawanan menolak kelompok militan; Janji Sejati dilaporkan, tuduhan tak berdasar."
    assert [(h.category, h.text) for h in shipped.find(text)] == [
        ("resistance_framing", "Poros Perlawanan"),
        ("militant_framing", "kelompok militan"),
        ("state_honorific", "Janji Sejati"),
        ("hedging", "dilaporkan"),
        ("denial", "tuduhan tak berdasar"),
    ]


# -- loading and validation -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("category: x\ndescription: d\nterms: [a]\nextra: 1\n", r"bad\.yaml: unknown key 'extra'"),
        ("category: x\ndescription: d\n", r"bad\.yaml: missing key 'terms'"),
        ("category: Bad Name\ndescription: d\nterms: [a]\n", r"bad\.yaml: Got category='Bad Name', expected a snake_case name"),
        ("category: x\ndescription: ''\nterms: [a]\n", r"bad\.yaml: Got description='', expected a non-empty string"),
        ("category: x\ndescription: d\nterms: []\n", r"bad\.yaml: Got terms=\[\], expected a non-empty list"),
        ("category: x\ndescription: d\nterms: [a, 'rezim, Zionis']\n", r"bad\.yaml: Got terms\[1\]\.term='rezim, Zionis', expected words"),
        ("category: x\ndescription: d\nterms:\n  - term: a\n    confix: kean\n", r"bad\.yaml: Got terms\[0\]\.confix='kean', expected prefix-suffix"),
        ("category: x\ndescription: d\nterms:\n  - term: a\n    bare: false\n", r"bad\.yaml: Got terms\[0\]\.bare=False, expected true unless a confix"),
        ("category: x\ndescription: d\nterms:\n  - term: a\n    colour: red\n", r"bad\.yaml: unknown key terms\[0\]\.'colour'"),
        ("category: x\ndescription: d\nterms: [kejahatan, Kejahatan]\n", r"bad\.yaml: Got terms\[1\]\.term='Kejahatan', expected a term whose form 'kejahatan' is not already listed at .*terms\[0\]"),
        ("category: x\ndescription: d\nterms: [sombong, {term: kesombongan}, {term: angkuh, confix: ke-an}, keangkuhan]\n", r"Got terms\[3\]\.term='keangkuhan', expected a term whose form 'keangkuhan' is not already listed at .*terms\[2\]"),
        ("category: x\ndescription: d\nterms: [\"syi'ah\", syi ah]\n", r"Got terms\[1\]\.term='syi ah', expected a term whose feature name term_syi_ah differs"),
        ("- just\n- a list\n", r"bad\.yaml: Got \(top level\)=\['just', 'a list'\], expected a mapping"),
        ("category: [unclosed\n", r"bad\.yaml: line \d+ is not valid YAML"),
    ],
)
def test_malformed_lexicon_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(FramingError, match=message):
        LexiconFeatures(lexicons=path).fit([])


def test_duplicates_across_files_name_both(tmp_path: Path) -> None:
    write(tmp_path / "a", "one.yaml", "category: one\ndescription: d\nterms: [pejuang]\n")
    write(tmp_path / "a", "two.yaml", "category: two\ndescription: d\nterms: [Pejuang]\n")
    with pytest.raises(FramingError, match=r"two\.yaml: Got terms\[0\]\.term='Pejuang', expected .* listed at .*one\.yaml: terms\[0\]"):
        load_lexicons(tmp_path / "a")
    write(tmp_path / "b", "one.yaml", "category: same\ndescription: d\nterms: [a]\n")
    write(tmp_path / "b", "two.yaml", "category: same\ndescription: d\nterms: [b]\n")
    with pytest.raises(FramingError, match=r"two\.yaml: Got category='same', expected a name not already used by .*one\.yaml"):
        load_lexicons(tmp_path / "b")


def test_missing_paths_and_bad_parameters(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"Got lexicons='.*nowhere', expected an existing YAML file or folder"):
        LexiconFeatures(lexicons=tmp_path / "nowhere").fit([])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FramingError, match=r"empty: this lexicon folder has no \.yaml file"):
        LexiconFeatures(lexicons=tmp_path / "empty").fit([])
    with pytest.raises(FramingError, match=r"Got lexicons=42, expected a YAML file"):
        LexiconFeatures(lexicons=42).fit([])  # type: ignore[arg-type]
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(FramingError, match=rf"Got min_term_count={re.escape(repr(bad))}, expected an integer >= 0"):
            LexiconFeatures(min_term_count=bad).fit([])  # type: ignore[arg-type]


def test_a_list_of_files_and_folders(tiny: Path, tmp_path: Path) -> None:
    extra = write(tmp_path / "more", "denial.yaml", "category: denial\ndescription: d\nterms: [membantah]\n")
    lex = LexiconFeatures(lexicons=[tiny, str(extra)], min_term_count=0).fit([])
    assert lex.categories_ == ["hedging", "moral", "denial"]
    assert [h.category for h in lex.find("Ia membantah kejahatan itu.")] == ["denial", "moral"]


# -- features -------------------------------------------------------------------------------
CORPUS = [
    "Kesombongannya dan kejahatan itu dilaporkan.",  # 5 tokens: moral 2, hedging 1
    "Kabar itu belum dapat diverifikasi, kata pejabat.",  # 7 tokens: hedging 1
    "Kejahatan perang dilaporkan lagi; kejahatan-kejahatan itu nyata.",  # 7 tokens: moral 3, hedging 1
]


def test_exact_feature_values(tiny: Path) -> None:
    lex = LexiconFeatures(lexicons=tiny, min_term_count=2).fit(CORPUS)
    # Hits on the training corpus: kesombongan 1, kejahatan 4, dilaporkan 2, belum dapat diverifikasi 1.
    assert lex.term_counts_ == {"dilaporkan": 2, "belum dapat diverifikasi": 1, "kesombongan": 1, "kejahatan": 4}
    assert lex.terms_ == ["dilaporkan", "kejahatan"]
    assert list(lex.get_feature_names_out()) == [
        "lexicon__rate_hedging",
        "lexicon__rate_moral",
        "lexicon__term_dilaporkan",
        "lexicon__term_kejahatan",
    ]
    expected = np.array(
        [
            [1000 * 1 / 5, 1000 * 2 / 5, 1, 1],
            [1000 * 1 / 7, 0, 0, 0],
            [1000 * 1 / 7, 1000 * 3 / 7, 1, 3],
        ]
    )
    np.testing.assert_allclose(lex.transform(CORPUS), expected, rtol=0, atol=1e-12)


def test_min_term_count_zero_keeps_every_term(tiny: Path) -> None:
    lex = LexiconFeatures(lexicons=tiny, min_term_count=0).fit([])
    assert lex.names_ == [
        "rate_hedging",
        "rate_moral",
        "term_dilaporkan",
        "term_belum_dapat_diverifikasi",
        "term_kesombongan",
        "term_kejahatan",
    ]


def test_fitted_state_keeps_no_training_text(tiny: Path) -> None:
    lex = LexiconFeatures(lexicons=tiny).fit(CORPUS)
    assert "pejabat" not in pickle.dumps(lex).decode("latin-1")


# -- the estimator contract -----------------------------------------------------------------
def test_contract(tiny: Path) -> None:
    lex = LexiconFeatures(lexicons=tiny, min_term_count=1)
    assert clone(lex).get_params() == {"lexicons": tiny, "min_term_count": 1, "title": True}
    assert lex.set_params(min_term_count=2) is lex and lex.min_term_count == 2
    assert not [name for name in vars(lex) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        lex.transform(CORPUS)
    with pytest.raises(NotFittedError):
        lex.find("kejahatan")
    assert lex.fit(CORPUS) is lex
    X = lex.transform(CORPUS)
    assert X.shape == (3, len(lex.get_feature_names_out())) and X.dtype == np.float64
    again = pickle.loads(pickle.dumps(lex))
    np.testing.assert_array_equal(again.transform(CORPUS), X)
    assert again.find(CORPUS[0]) == lex.find(CORPUS[0])
    np.testing.assert_array_equal(clone(lex).fit(CORPUS).transform(CORPUS), X)
    np.testing.assert_array_equal(lex.transform(CORPUS), X)
    assert not lex.transform(["", None]).any()
    with pytest.raises(TypeError, match="got a single str"):
        lex.transform(CORPUS[0])
    with pytest.raises(TypeError, match=r"Got text of type list, expected a str"):
        lex.find(CORPUS)  # type: ignore[arg-type]
