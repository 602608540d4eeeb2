"""The built-in demo corpus (counts, originality, leakage) and the scale generator."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, ROOT, SEEDS, needs_data, needs_seeds

from framing.config import load_config
from framing.corpus import CorpusReader, read_corpus
from framing.demo import DEMO_CORPUS, FIELDS, generate, iter_generated
from framing.errors import FramingError

STYLES = {"wire_rewrite", "state_aligned", "analysis"}
STANCES = {"supportive", "neutral", "critical"}


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    rows = [json.loads(line) for line in DEMO_CORPUS.read_text(encoding="utf-8").splitlines()]
    assert all(list(row) == list(FIELDS) for row in rows)
    return pd.DataFrame(rows)


def test_size_fields_and_lengths(corpus: pd.DataFrame) -> None:
    assert len(corpus) >= 240
    assert corpus["id"].is_unique
    for column in FIELDS:
        assert corpus[column].map(lambda v: isinstance(v, str) and v.strip() != "").all(), column
    words = corpus["text"].str.split().str.len()
    assert words.between(120, 600).all(), corpus.loc[~words.between(120, 600), "id"].tolist()
    assert set(corpus["stance"]) == STANCES and set(corpus["outlet_style"]) == STYLES


def test_outlets_styles_and_stance_mix(corpus: pd.DataFrame) -> None:
    style_of = corpus.groupby("outlet")["outlet_style"].unique()
    assert all(len(styles) == 1 for styles in style_of)  # one house style per outlet
    outlets_per_style = Counter(styles[0] for styles in style_of)
    assert len(style_of) >= 6
    assert outlets_per_style["wire_rewrite"] >= 3 and outlets_per_style["state_aligned"] >= 2
    stances_per_outlet = corpus.groupby("outlet")["stance"].nunique()
    assert (stances_per_outlet >= 2).all(), stances_per_outlet.to_dict()
    shares = corpus["stance"].value_counts(normalize=True)
    assert (shares >= 0.20).all(), shares.to_dict()


def test_events_span_2022_to_2025_and_several_outlets(corpus: pd.DataFrame) -> None:
    assert corpus["event"].nunique() >= 8
    dates = pd.to_datetime(corpus["published_at"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2022-01-01") and dates.max() <= pd.Timestamp("2025-12-31")
    outlets_per_event = corpus.groupby("event")["outlet"].nunique()
    assert (outlets_per_event >= 3).all(), outlets_per_event.to_dict()
    years = corpus.groupby("event")["published_at"].min().str[:4]
    assert set(years) == {"2022", "2023", "2024", "2025"}


def test_each_outlet_keeps_its_dateline(corpus: pd.DataFrame) -> None:
    datelines = {
        "Warta Dunia": "WARTADUNIA.ID - ",
        "Kabar Global": "Kabarglobal.com, Jakarta - ",
        "Jendela Internasional": "JAKARTA, JENDELAINTERNASIONAL.COM — ",
        "Suara Teheran": "Teheran, Suara Teheran – ",
        "Telaah": "ANALISIS | TELAAH.ID",
        "Sudut Pandang": "SUDUTPANDANG.CO — ",
    }
    for outlet, dateline in datelines.items():
        texts = corpus.loc[corpus["outlet"] == outlet, "text"]
        assert texts.str.startswith(dateline).all(), outlet
    assert corpus.loc[corpus["outlet"] == "Moskwa Hari Ini", "text"].str.contains(r"^[A-Z. ]+, MHI – ", regex=True).all()


_WORD = re.compile(r"\w+")


def _runs(text: str, n: int = 12) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.slow
@needs_data
@needs_seeds
def test_no_12_word_run_from_the_seeds_or_the_real_corpora(corpus: pd.DataFrame) -> None:
    ours: dict[str, str] = {}
    for rid, text in zip(corpus["id"], corpus["text"]):
        for run in _runs(text):
            ours.setdefault(run, rid)
    readers = [
        CorpusReader([str(SEEDS)]),
        CorpusReader([str(DATA / "indosum" / "*.jsonl")], reader="indosum"),
        CorpusReader([str(DATA / "indonews_2025" / "daily" / "*.csv")], columns={"id": "url", "text": "isi_berita"}),
        CorpusReader([str(DATA / "indonews_2025" / "by_outlet" / "*")], columns={"id": None, "text": ["content", "Isi"]}),
    ]
    shared, n_texts = [], 0
    for reader in readers:
        for chunk in reader.iter_chunks():
            for text in chunk["text"]:
                n_texts += 1
                shared.extend((ours[run], run) for run in _runs(text) if run in ours)
    assert n_texts > 11_000  # every source was read
    assert shared == []


@pytest.mark.parametrize("name", ["stance.yaml", "outlet_style.yaml"])
def test_configs_read_the_demo_corpus_through_the_normal_reader(name: str) -> None:
    config = load_config(ROOT / "configs" / name)
    loaded = read_corpus(config.data)
    assert loaded.files == [str(DEMO_CORPUS)]  # data.paths: [demo], the corpus shipped in the package
    assert len(loaded.records) == 294 and loaded.n_rejects == 0


@pytest.mark.slow
def test_outlet_alone_predicts_stance_clearly_worse_than_the_text(corpus: pd.DataFrame) -> None:
    """Leakage check: stance must not be a function of the outlet."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from framing.pipeline import build_pipeline

    config = load_config(ROOT / "configs" / "stance.yaml", ["model.n_estimators=100", "model.n_jobs=1", "features.char.max_features=20000"])
    y = corpus["stance"].to_numpy()
    outlet_scores, text_scores = [], []
    # Random folds: the most favourable protocol for the outlet-only model, which sees every outlet.
    for train, test in StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(corpus, y):
        by_outlet = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression(max_iter=1000))
        by_outlet.fit(corpus[["outlet"]].iloc[train], y[train])
        outlet_scores.append(f1_score(y[test], by_outlet.predict(corpus[["outlet"]].iloc[test]), average="macro"))
        model = build_pipeline(config).fit(corpus["text"].iloc[train].tolist(), y[train])
        text_scores.append(f1_score(y[test], model.predict(corpus["text"].iloc[test].tolist()), average="macro"))
    outlet_f1, text_f1 = float(np.mean(outlet_scores)), float(np.mean(text_scores))
    print(f"stance macro-F1, 3-fold CV: outlet name only {outlet_f1:.3f}, framing pipeline on text {text_f1:.3f}")
    assert outlet_f1 < 0.5
    assert text_f1 - outlet_f1 > 0.3


# -- generator ---------------------------------------------------------------------------------


def test_generator_is_deterministic_and_keeps_labels(corpus: pd.DataFrame) -> None:
    one = list(iter_generated(300, seed=5))
    assert one == list(iter_generated(300, seed=5))
    assert one != list(iter_generated(300, seed=6))
    assert [a["id"] for a in one[:2]] == ["gen-5-000000000", "gen-5-000000001"]
    assert len({a["id"] for a in one}) == 300
    label_columns = ["outlet", "outlet_style", "stance", "event"]
    labels: dict[str, set[tuple[str, ...]]] = {}
    for row in corpus[["title", *label_columns]].itertuples(index=False):
        labels.setdefault(row[0], set()).add(tuple(row[1:]))
    first_paragraphs = set(corpus["text"].str.split("\n\n").str[0])
    for article in one:
        assert list(article) == list(FIELDS)
        assert tuple(article[k] for k in label_columns) in labels[article["title"]]
        assert article["text"].split("\n\n")[0] in first_paragraphs
    assert sum(a["text"] not in set(corpus["text"]) for a in one) > 250  # recombined, not copied


def test_generate_writes_jsonl_and_parquet_with_the_same_articles(tmp_path: Path) -> None:
    jsonl = generate(25, tmp_path / "g.jsonl", seed=2, batch_size=10)
    parquet = generate(25, tmp_path / "g.parquet", seed=2, batch_size=10)
    from_jsonl = pd.read_json(jsonl, lines=True, dtype=False)
    from_parquet = pd.read_parquet(parquet)
    assert len(from_jsonl) == 25
    pd.testing.assert_frame_equal(from_jsonl.astype(str), from_parquet.astype(str))
    assert not list(tmp_path.glob(".*partial"))
    assert len(CorpusReader([str(jsonl)], label="stance").read().records) == 25


def test_generate_rejects_other_formats(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"Got --output '.*g\.csv', expected a file ending in \.jsonl or \.parquet\."):
        generate(5, tmp_path / "g.csv")
    with pytest.raises(FramingError, match=r"Got n=-1, expected a number of articles >= 0\."):
        generate(-1, tmp_path / "g.jsonl")
    with pytest.raises(FramingError, match=r"Got batch_size=0, expected at least 1\."):
        generate(3, tmp_path / "g.jsonl", batch_size=0)
    assert not (tmp_path / "g.jsonl").exists()
