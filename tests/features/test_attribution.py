"""Attribution features: exact sources, groups, cues and spans on the seeds and on hand-written
sentences, what is deliberately not an attribution, exact feature values, the gazetteer checks and
the estimator contract."""

from __future__ import annotations

import json
import math
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, ROOT, SEEDS, needs_data, needs_seeds
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from framing.errors import FramingError
from framing.features.attribution import Attribution, AttributionFeatures

GROUPS = [
    "western_wire", "western_media", "russian_state", "iranian_state", "arab_media", "turkish_state",
    "us_official", "russian_official", "iranian_official", "israeli_official", "anonymous", "other",
]  # fmt: skip
NAMES = ["density", *(f"share_{g}" for g in GROUPS), "direct_share", "anonymous_share", "diversity", "n_sources", "both_sides"]


@pytest.fixture(scope="module")
def extractor() -> AttributionFeatures:
    return AttributionFeatures().fit([])


def check_spans(text: str, found: list[Attribution]) -> None:
    for a in found:
        assert text[a.start : a.end] == a.source
        assert text[a.cue_start : a.cue_end] == a.cue
    assert [a.start for a in found] == sorted(a.start for a in found)


def triples(found: list[Attribution]) -> list[tuple[str, str, str]]:
    return [(a.source, a.group, a.cue) for a in found]


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def features(extractor: AttributionFeatures, text: str) -> dict[str, float]:
    return dict(zip(extractor.names_, extractor.transform([text])[0]))


# -- the seed articles -------------------------------------------------------------------------------
@needs_seeds
def test_seed_000_sources_groups_cues_and_spans(extractor: AttributionFeatures) -> None:
    text = seed("000")
    found = extractor.find(text)
    check_spans(text, found)
    got = triples(found)
    for expected in [
        ("Interfax", "russian_state", "Seperti dilansir"),
        ("Interfax", "russian_state", "menurut"),
        ("The New York Times", "western_media", "dikutip oleh"),
        ("usnews.com", "western_media", "Mengutip"),
        ("Reuters", "western_wire", "dikutip"),
        ("Reuters", "western_wire", "melaporkan"),
        ("juru bicara Departemen Luar Negeri", "us_official", "mengatakan"),
        ("media pemerintah Iran", "iranian_state", "lapor"),
        ("pejabat Iran", "iranian_official", "mengatakan"),
        ("Moskow", "russian_official", "dibantah oleh"),
    ]:
        assert expected in got
    # "Interfax" is cited twice, at two places; every source span is claimed once.
    assert len({(a.start, a.end) for a in found}) == len(found)
    state = next(a for a in found if a.group == "us_official" and a.source.startswith("juru bicara"))
    assert state.name == "Departemen Luar Negeri AS" and not state.direct
    quoted = next(a for a in found if a.cue == "kata")
    assert (quoted.source, quoted.group, quoted.direct) == ("Pezeshkian", "iranian_official", True)
    nyt = next(a for a in found if a.source == "The New York Times")
    assert text[nyt.cue_start : nyt.end] == "dikutip oleh The New York Times"


@needs_seeds
def test_seed_002_sources_groups_cues_and_spans(extractor: AttributionFeatures) -> None:
    text = seed("002")
    found = extractor.find(text)
    check_spans(text, found)
    by_source = {a.source: a for a in found}
    expected = {
        "IRNA": ("iranian_state", "lapor", True),
        "RIA Novosti": ("russian_state", "mengatakan", False),
        "Wall Street Journal": ("western_media", "mengatakan kepada", True),
        "Al Mayadeen": ("arab_media", "mengatakan kepada", False),
        "ANADOLU AJANSI": ("turkish_state", "SUMBER:", False),
    }
    for source, (group, cue, direct) in expected.items():
        a = by_source[source]
        assert (a.group, a.cue, a.direct) == (group, cue, direct), source
    assert by_source["ANADOLU AJANSI"].name == "Anadolu"
    assert by_source["Wall Street Journal"].name == "The Wall Street Journal"
    # The speakers of those two "kepada" sentences are unnamed sources.
    assert ("sejumlah sumber", "anonymous", "mengatakan") in triples(found)
    assert ("Sebuah sumber Iran", "iranian_official", "mengatakan") in triples(found)
    assert all(a.anonymous for a in found if "sumber" in a.source)


# -- hand-written sentences ----------------------------------------------------------------------------
def test_direct_quote_with_inverted_verb(extractor: AttributionFeatures) -> None:
    text = "“Kami tidak akan mundur,” kata juru bicara Kremlin kepada wartawan."
    (a,) = extractor.find(text)
    start = text.index("juru bicara Kremlin")
    assert a == Attribution(
        source="juru bicara Kremlin", group="russian_official", cue="kata", start=start, end=start + 19,
        direct=True, cue_start=text.index("kata"), cue_end=text.index("kata") + 4, name="Kremlin", anonymous=False,
    )  # fmt: skip


def test_marker_skips_descriptors_and_takes_the_specific_name(extractor: AttributionFeatures) -> None:
    text = "Menurut laporan kantor berita Rusia Interfax, delegasi tiba di Teheran."
    (a,) = extractor.find(text)
    assert (a.source, a.group, a.cue, a.start) == ("Interfax", "russian_state", "Menurut", text.index("Interfax"))


def test_sumber_line_lists_several_sources(extractor: AttributionFeatures) -> None:
    text = "Isi berita.\nSUMBER: REUTERS, AFP, TASS dan IRNA"
    found = extractor.find(text)
    check_spans(text, found)
    assert triples(found) == [
        ("REUTERS", "western_wire", "SUMBER:"),
        ("AFP", "western_wire", "SUMBER:"),
        ("TASS", "russian_state", "SUMBER:"),
        ("IRNA", "iranian_state", "SUMBER:"),
    ]


def test_marker_inside_clause_and_subject_of_verb(extractor: AttributionFeatures) -> None:
    text = "Juru bicara Kementerian Luar Negeri Iran, seperti dilaporkan Press TV, mengatakan bahwa sanksi itu ilegal."
    found = extractor.find(text)
    check_spans(text, found)
    assert triples(found) == [
        ("Juru bicara Kementerian Luar Negeri Iran", "iranian_official", "mengatakan"),
        ("Press TV", "iranian_state", "seperti dilaporkan"),
    ]


def test_speaker_and_channel_share_one_direct_quote(extractor: AttributionFeatures) -> None:
    text = "Seorang pejabat senior Israel mengatakan kepada Al Jazeera, “Operasi ini akan terus berlanjut sampai tujuan tercapai.”"
    found = extractor.find(text)
    check_spans(text, found)
    assert [(a.source, a.group, a.cue, a.direct, a.anonymous) for a in found] == [
        ("Seorang pejabat senior Israel", "israeli_official", "mengatakan", True, True),
        ("Al Jazeera", "arab_media", "mengatakan kepada", True, False),
    ]


def test_channel_after_an_inverted_verb(extractor: AttributionFeatures) -> None:
    text = "“Sanksi itu ilegal,” kata juru bicara Kementerian Luar Negeri Iran kepada Al Mayadeen."
    found = extractor.find(text)
    check_spans(text, found)
    assert [(a.source, a.group, a.cue, a.direct) for a in found] == [
        ("juru bicara Kementerian Luar Negeri Iran", "iranian_official", "kata", True),
        ("Al Mayadeen", "arab_media", "kepada", True),
    ]


def test_indirect_speech_and_scare_quotes_are_not_direct(extractor: AttributionFeatures) -> None:
    text = "Presiden Iran mengatakan bahwa serangan itu “terbatas”."
    (a,) = extractor.find(text)
    assert (a.source, a.group, a.cue, a.direct) == ("Presiden Iran", "iranian_official", "mengatakan", False)


def test_quote_before_a_marker_is_direct(extractor: AttributionFeatures) -> None:
    text = "«Kerja sama kedua negara tidak ditujukan kepada pihak ketiga», menurut TASS."
    (a,) = extractor.find(text)
    assert (a.source, a.cue, a.direct) == ("TASS", "menurut", True)


def test_unresolved_names_go_to_other(extractor: AttributionFeatures) -> None:
    text = "“Harga cabai naik lagi,” ujar Budi Santoso, pedagang di pasar. Mengutip economictimes.com, harga minyak naik."
    found = extractor.find(text)
    check_spans(text, found)
    assert [(a.source, a.group, a.name, a.direct) for a in found] == [
        ("Budi Santoso", "other", "Budi Santoso", True),
        ("economictimes.com", "other", "economictimes.com", False),
    ]


def test_unknown_title_takes_the_group_of_the_country_inside_it(extractor: AttributionFeatures) -> None:
    text = "Menurut Kepala Staf Gabungan Iran, latihan itu bersifat defensif."
    (a,) = extractor.find(text)
    assert (a.source, a.group, a.name) == ("Kepala Staf Gabungan Iran", "iranian_official", "Kepala Staf Gabungan Iran")


def test_longest_alias_wins(extractor: AttributionFeatures) -> None:
    text = "Menurut Iran International, ledakan terdengar. Menurut CNN Indonesia, warga mengungsi. Menurut CNN, warga panik."
    assert [(a.source, a.group) for a in extractor.find(text)] == [
        ("Iran International", "western_media"),
        ("CNN Indonesia", "other"),
        ("CNN", "western_media"),
    ]


def test_anonymous_sources(extractor: AttributionFeatures) -> None:
    text = "Sumber yang tidak disebutkan namanya mengatakan rencana itu batal. Para analis menilai langkah itu wajar."
    found = extractor.find(text)
    assert [(a.source, a.group, a.anonymous) for a in found] == [
        ("Sumber yang tidak disebutkan namanya", "anonymous", True),
        ("Para analis", "anonymous", True),
    ]


def test_country_names_speak_only_right_before_the_verb(extractor: AttributionFeatures) -> None:
    text = "Setelah serangan Israel terhadap Iran pekan lalu, Rusia mengatakan pihaknya prihatin. Teheran membantah tuduhan itu."
    assert [(a.source, a.group, a.cue) for a in extractor.find(text)] == [
        ("Rusia", "russian_official", "mengatakan"),
        ("Teheran", "iranian_official", "membantah"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Menurut saya, kebijakan itu keliru.",  # a pronoun is not a source
        "Menurutnya, kebijakan itu keliru.",
        "“Kami siap berunding,” ujarnya.",  # the speaker is named elsewhere
        "Reuters memiliki kantor di Jakarta.",  # a mention without a cue is not an attribution
        "Laporan Reuters itu beredar luas di media sosial.",
        "Dengan kata lain, sikap tegas pemerintah sudah jelas.",  # kata/tegas/jelas as ordinary words
        "Rusia dilaporkan mengirim drone ke Iran.",  # bare "dilaporkan" is hedging
        "Dalam pertemuan dengan Shoigu di Teheran, ia mengatakan hal itu.",  # places and objects do not speak
        "Laporan itu dikutip Rabu (18/6/2025) oleh banyak portal.",  # a day is not a source
        "Mereka mengatakan kepada wartawan bahwa situasi aman.",  # wartawan is the addressee
        "“Jalan itu rusak,” kata rt setempat.",  # case-sensitive acronyms (RT) need their case
        "",
    ],
)
def test_not_attributions(extractor: AttributionFeatures, text: str) -> None:
    assert extractor.find(text) == []


def test_addressee_after_kepada_is_not_a_source(extractor: AttributionFeatures) -> None:
    text = "“Iran siap membantu,” kata Pezeshkian kepada Shoigu dalam pertemuan itu."
    assert triples(extractor.find(text)) == [("Pezeshkian", "iranian_official", "kata")]


def test_window_limits_the_distance_between_cue_and_source() -> None:
    text = "Menurut laporan resmi kantor berita IRNA, kunjungan berlangsung."
    assert AttributionFeatures(window=10).fit([]).find(text) == []
    assert [a.source for a in AttributionFeatures(window=40).fit([]).find(text)] == ["IRNA"]


# -- feature values ----------------------------------------------------------------------------------
def test_feature_names(extractor: AttributionFeatures) -> None:
    assert extractor.groups_ == GROUPS
    assert extractor.names_ == NAMES
    assert list(extractor.get_feature_names_out()) == [f"attribution__{n}" for n in NAMES]


def test_feature_values_two_sides(extractor: AttributionFeatures) -> None:
    # 6 tokens; Reuters (western_wire, opposing) and Iran (iranian_official, alignment).
    row = features(extractor, "Menurut Reuters, Iran membantah laporan itu.")
    assert row["density"] == pytest.approx(1000 * 2 / 6)
    assert row["share_western_wire"] == row["share_iranian_official"] == 0.5
    assert sum(row[f"share_{g}"] for g in GROUPS) == pytest.approx(1.0)
    assert row["direct_share"] == row["anonymous_share"] == 0.0
    assert row["diversity"] == pytest.approx(math.log(2))
    assert row["n_sources"] == 2.0 and row["both_sides"] == 1.0


def test_feature_values_quote_and_anonymous(extractor: AttributionFeatures) -> None:
    # 14 tokens; a quoted Kremlin spokesperson and unnamed sources: one side only.
    row = features(extractor, "“Kami siap berunding kapan saja,” kata juru bicara Kremlin. Sejumlah sumber mengatakan hal serupa.")
    assert row["density"] == pytest.approx(1000 * 2 / 14)
    assert row["share_russian_official"] == row["share_anonymous"] == 0.5
    assert row["direct_share"] == row["anonymous_share"] == 0.5
    assert row["diversity"] == pytest.approx(math.log(2))
    assert row["n_sources"] == 2.0 and row["both_sides"] == 0.0


def test_feature_values_three_attributions(extractor: AttributionFeatures) -> None:
    text = "Menurut TASS, latihan dimulai. Menurut RIA Novosti, latihan berlangsung sepekan. Menurut Al Jazeera, kapal perang tiba."
    row = features(extractor, text)
    assert row["share_russian_state"] == pytest.approx(2 / 3) and row["share_arab_media"] == pytest.approx(1 / 3)
    assert row["diversity"] == pytest.approx(-(2 / 3) * math.log(2 / 3) - (1 / 3) * math.log(1 / 3))
    assert row["n_sources"] == 3.0 and row["both_sides"] == 0.0


def test_same_source_twice_counts_once_in_n_sources(extractor: AttributionFeatures) -> None:
    row = features(extractor, "Menurut Reuters, harga naik. Reuters melaporkan bahwa stok menipis.")
    assert row["share_western_wire"] == 1.0 and row["n_sources"] == 1.0 and row["diversity"] == 0.0


def test_demo_corpus_separates_wire_and_state_outlets(extractor: AttributionFeatures) -> None:
    rows = [json.loads(line) for line in (ROOT / "framing" / "data" / "demo_corpus.jsonl").open(encoding="utf-8")]
    X = extractor.transform([r["text"] for r in rows])
    column = {n: i for i, n in enumerate(extractor.names_)}
    style = np.array([r["outlet_style"] for r in rows])
    wire, state = X[style == "wire_rewrite"], X[style == "state_aligned"]
    assert wire[:, column["share_western_wire"]].mean() > 3 * state[:, column["share_western_wire"]].mean()
    assert wire[:, column["both_sides"]].mean() > state[:, column["both_sides"]].mean()


# -- the gazetteer -----------------------------------------------------------------------------------
MINI = """
groups:
  - {name: wire, kind: media, side: opposing}
  - {name: state, kind: media, side: alignment}
  - {name: other, kind: other, side: none}
sources:
  - {name: Reuters, group: wire, aliases: [Reuters]}
  - {name: TASS, group: state, aliases: [TASS]}
"""


def test_custom_gazetteer_file_or_folder(tmp_path: Path) -> None:
    (tmp_path / "gazetteer.yaml").write_text(MINI, encoding="utf-8")
    for where in (tmp_path, tmp_path / "gazetteer.yaml", str(tmp_path)):
        extractor = AttributionFeatures(gazetteer=where).fit([])
        assert extractor.names_ == ["density", "share_wire", "share_state", "share_other", "direct_share",
                                    "anonymous_share", "diversity", "n_sources", "both_sides"]  # fmt: skip
        row = dict(zip(extractor.names_, extractor.transform(["Menurut Reuters, A. Menurut TASS, B."])[0]))
        assert row["both_sides"] == 1.0 and row["share_wire"] == 0.5


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("group: state, aliases: [TASS]", "group: nope, aliases: [TASS]"), "sources[1].group"),
        (("aliases: [TASS]", "aliases: [TASS], colour: red"), "sources[1].colour"),
        (("aliases: [TASS]", "patterns: ['(unclosed']"), "sources[1].patterns[0]"),
        (("aliases: [TASS]", "patterns: ['(?P<x>TASS)']"), "sources[1].patterns[0]"),
        (("aliases: [TASS]", "aliases: [Reuters]"), "sources[1].aliases[0]"),
        (("side: alignment", "side: left"), "groups[1].side"),
        (("- {name: other, kind: other, side: none}", "- {name: misc, kind: other, side: none}"), "groups"),
        (("sources:", "lexicon: []\nsources:"), "lexicon"),
    ],
)
def test_bad_gazetteer_names_the_file_and_key(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(MINI.replace(*change), encoding="utf-8")
    with pytest.raises(FramingError, match=rf"bad\.yaml: Got {re.escape(key)}="):
        AttributionFeatures(gazetteer=path).fit([])


def test_missing_gazetteer_and_bad_window(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"Got gazetteer=.*nothing\.yaml'"):
        AttributionFeatures(gazetteer=tmp_path / "nothing.yaml").fit([])
    with pytest.raises(FramingError, match=r"Got window=0, expected a positive integer"):
        AttributionFeatures(window=0).fit([])


def test_unreadable_yaml(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.yaml"
    path.write_text("groups: [unclosed", encoding="utf-8")
    with pytest.raises(FramingError, match=r"gazetteer\.yaml: cannot read the gazetteer"):
        AttributionFeatures(gazetteer=path).fit([])


# -- the estimator contract ----------------------------------------------------------------------------
DOCS = [
    "Menurut kantor berita Interfax, delegasi Rusia tiba di Teheran.",
    "“Sanksi itu ilegal,” kata juru bicara Kementerian Luar Negeri Iran kepada Al Mayadeen.",
    "Sejumlah sumber mengatakan kepada Reuters bahwa pembicaraan buntu.",
    "",
]


def test_contract_params_and_clone() -> None:
    extractor = AttributionFeatures(window=50)
    assert extractor.get_params() == {"gazetteer": None, "window": 50}
    assert clone(extractor).get_params() == {"gazetteer": None, "window": 50}
    assert extractor.set_params(window=60) is extractor and extractor.window == 60
    assert not [name for name in vars(extractor) if name.endswith("_")]


def test_contract_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        AttributionFeatures().transform(DOCS)
    with pytest.raises(NotFittedError):
        AttributionFeatures().find(DOCS[0])


def test_contract_fit_transform_shapes_and_empty_document() -> None:
    extractor = AttributionFeatures()
    assert extractor.fit(DOCS) is extractor
    X = extractor.transform(DOCS)
    assert X.shape == (4, len(NAMES)) and X.dtype == np.float64
    assert not X[3].any() and X[:3, 0].all()


def test_contract_pickle_and_determinism() -> None:
    extractor = AttributionFeatures().fit(DOCS)
    again = pickle.loads(pickle.dumps(extractor))
    np.testing.assert_array_equal(again.transform(DOCS), extractor.transform(DOCS))
    assert [again.find(d) for d in DOCS] == [extractor.find(d) for d in DOCS]
    np.testing.assert_array_equal(AttributionFeatures().fit(DOCS).transform(DOCS), extractor.transform(DOCS))
    assert b"delegasi Rusia tiba" not in pickle.dumps(extractor)  # the training docs are not kept


def test_contract_type_errors() -> None:
    extractor = AttributionFeatures().fit(DOCS)
    with pytest.raises(TypeError, match="got a single str"):
        extractor.transform(DOCS[0])
    with pytest.raises(TypeError, match="got a single str"):
        AttributionFeatures().fit(DOCS[0])
    with pytest.raises(TypeError, match="Got text of type list, expected a str"):
        extractor.find(DOCS)  # type: ignore[arg-type]


# -- real data ---------------------------------------------------------------------------------------
@needs_data
def test_spans_hold_on_real_news(extractor: AttributionFeatures) -> None:
    from framing.corpus import CorpusReader

    reader = CorpusReader([str(DATA / "indonews_2025" / "daily" / "*.csv")], columns={"id": "url", "text": "isi_berita"})
    texts = list(reader.read().records["text"])
    n = 0
    for text in texts:
        found = extractor.find(text)
        check_spans(text, found)
        n += len(found)
    assert n > len(texts)  # about two attributions per article


def test_antara_the_agency_is_a_source_but_antara_the_preposition_is_not(extractor: AttributionFeatures) -> None:
    agency = "Hubungan kedua negara menguat, menurut Antara."
    between = "Menekankan kerja sama antara Iran dan Rusia, Presiden menjelaskan hal itu."
    assert triples(extractor.find(agency)) == [("Antara", "other", "menurut")]
    assert triples(extractor.find(between)) == [("Rusia", "russian_official", "menjelaskan")]
