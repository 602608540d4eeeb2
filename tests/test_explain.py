"""Evidence from pred_contrib, spans in the original text, the HTML page and ``framing explain``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import (
    ROOT,
    SEEDS,
    SMALL_MODEL as SHARED_SMALL_MODEL,
    demo_slice,
    needs_seeds,
    write_jsonl,
)
from typer.testing import CliRunner

from framing.cli import app
from framing.config import load_config
from framing.cues import CueFinder
from framing.errors import FramingError
from framing.explain import (
    MAX_CUES,
    _ngram_cues,
    evidence,
    explain_text,
    locate,
    read_article,
    render_html,
    write_html,
)
from framing.model import FramingModel
from framing.pipeline import build_pipeline
from framing.track import load_framing
from framing.training import train_and_log

# Raw word n-grams on beside the default text scores, so the explanations of both text paths are tested.
SMALL_MODEL = [*SHARED_SMALL_MODEL, "split.cv_folds=2", "features.word.enabled=true"]

# Hand-written: a dateline, a "Baca juga" line repeating a cue of the body, a double space, an
# outlet name masked in the body, and a byline/sign-off.
ARTICLE = (
    "JAKARTA, KOMPAS.com - Rezim Zionis kembali menunjukkan kesombongannya di Gaza.\n"
    "Menurut kantor berita IRNA, Teheran menolak tuduhan itu.\n"
    "Baca juga: Kesombongan Washington Dikecam Dunia\n"
    "Kesombongan Washington  tidak dapat diterima, kata juru bicara Kremlin kepada Kompas.com.\n"
    "(Kompas.com/sl)"
)

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return demo_slice()


@pytest.fixture(scope="module")
def model(corpus: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A tiny calibrated stance model logged to a private MLflow store: (uri, store, pipeline)."""
    home = tmp_path_factory.mktemp("mlruns-explain")
    data = write_jsonl(home / "slice.jsonl", corpus.to_dict(orient="records"))
    store = f"sqlite:///{home}/mlflow.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", store)
        config = load_config(
            ROOT / "configs" / "stance.yaml",
            # LightGBM alone: these tests check evidence against pred_contrib (tests/test_blend.py: a blend's)
            SMALL_MODEL + [f"data.paths={data}", "tracking.model_name=test-explain", "calibration.method=sigmoid", "evaluation.bootstrap=0", "blend.enabled=false"],
        )
        result = train_and_log(config, config_path=ROOT / "configs" / "stance.yaml", report=lambda line: None)
        pipeline = load_framing(result.model_uri).model
    return result.model_uri, store, pipeline


def _contributions(pipeline, texts: list[str]):  # noqa: ANN001, ANN202
    X = pipeline.features(texts)
    booster = pipeline.booster
    contrib = booster.predict(X, pred_contrib=True, num_threads=1)
    raw = booster.predict(X, raw_score=True, num_threads=1)
    width = X.shape[1] + 1
    # LightGBM returns one sparse matrix per class for sparse input and one dense block
    # (rows x classes * (features + 1)) for dense input; a binary model has one block for the
    # positive class. Multiclass: one dense array per class either way.
    if isinstance(contrib, list):
        return X, [np.asarray(m.toarray()) for m in contrib], raw
    contrib = np.asarray(contrib.toarray()) if hasattr(contrib, "toarray") else contrib
    if contrib.shape[1] == width:
        return X, contrib, raw
    per_class = list(contrib.reshape(X.shape[0], len(pipeline.classes_), width).transpose(1, 0, 2))
    return X, per_class, raw


def test_evidence_is_the_top_k_of_pred_contrib_toward_the_calibrated_label(model, corpus: pd.DataFrame) -> None:  # noqa: ANN001
    _, _, pipeline = model
    assert isinstance(pipeline, FramingModel) and pipeline.calibrator is not None
    texts = corpus["text"].tolist()[:25] + [ARTICLE]
    k = 4
    found = evidence(pipeline, texts, k)
    X, contributions, raw = _contributions(pipeline, texts)
    names = pipeline.feature_names_out()
    classes = [str(c) for c in pipeline.classes_]
    labels = pipeline.predict(texts)
    kinds = set()
    for i, items in enumerate(found):
        c = classes.index(str(labels[i]))
        row = contributions[c][i]
        # LightGBM's identity: the contributions and the bias add up to the class's raw score.
        assert row.sum() == pytest.approx(raw[i, c], abs=1e-9)
        positive = np.sort(row[:-1][row[:-1] > 0])[::-1]
        assert len(items) == min(k, positive.size) == k
        assert [item["contribution"] for item in items] == positive[:k].tolist()
        for item in items:
            column = names.index(item["feature"])
            assert item["contribution"] == row[column]
            assert item["value"] == pytest.approx(X[i, column])
            family = item["feature"].split("__")[0]
            assert item["kind"] == {"word": "ngram", "text_scores": "text_score", "lexicon": "lexicon", "attribution": "attribution", "style": "style"}[family]
            kinds.add(item["kind"])
    assert "text_score" in kinds and "ngram" in kinds  # both text paths are explained by this model
    assert json.loads(json.dumps(found)) == found  # JSON-able as it is


def test_ngram_cues_are_the_occurrences_the_vectorizer_counts(model, corpus: pd.DataFrame) -> None:  # noqa: ANN001
    _, _, pipeline = model
    texts = corpus["text"].tolist()[:30]
    cleaned = pipeline.clean(texts)
    analyze = pipeline.families()["word"].build_analyzer()
    seen = {1: 0, 2: 0}
    for doc, _text, items in zip(cleaned, texts, evidence(pipeline, texts, 10)):
        for item in items:
            if item["kind"] == "ngram" and item["value"]:
                gram = item["feature"].split("__", 1)[1]
                assert len(item["cues"]) == min(MAX_CUES, analyze(doc).count(gram)) > 0
                assert all(re.findall(r"\w\w+", cue["text"].lower()) == gram.split() for cue in item["cues"])
                seen[len(gram.split())] += 1
    assert seen[1] > 0


@pytest.mark.parametrize("analyzer", ["word", "char_wb", "char"])
def test_ngram_cues_match_the_analyzer_on_a_sentence(analyzer: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    doc = "Rezim Zionis, kata dia: rezim  zionis a rezim di Gaza. Rezim-rezim itu!"
    vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=(1, 2) if analyzer == "word" else (2, 4)).fit([doc])
    grams = vectorizer.build_analyzer()(doc)
    for gram in sorted(set(grams)):
        cues = _ngram_cues(vectorizer, doc, gram, {})
        assert len(cues) == grams.count(gram), gram
        for cue in cues:
            assert doc[cue["start"] : cue["end"]] == cue["text"]
            if analyzer == "word":
                assert re.findall(r"\w\w+", cue["text"].lower()) == gram.split()
            else:
                assert cue["text"].lower() == gram.strip(" ") if analyzer == "char_wb" else re.sub(r"\s+", " ", cue["text"].lower()) == gram


def test_a_batch_gets_the_evidence_each_article_gets_alone(model, corpus: pd.DataFrame) -> None:  # noqa: ANN001
    """The text-score n-grams are read from one TF-IDF matrix per batch: the same as article by article."""
    _, _, pipeline = model
    texts = corpus["text"].tolist()[:12]
    batch = evidence(pipeline, texts, 4)
    assert batch == [evidence(pipeline, [text], 4)[0] for text in texts]
    scored = [item for items in batch for item in items if item["kind"] == "text_score"]
    assert scored and all(item["cues"] for item in scored)
    assert all(len({c["ngram"] for c in item["cues"]}) <= 5 for item in scored)  # TEXT_SCORE_NGRAMS
    spans = [(text, cue) for text, items in zip(texts, batch) for item in items for cue in item["cues"] if cue["start"] is not None]
    assert spans and all(text[cue["start"] : cue["end"]] == cue["text"] for text, cue in spans)


def test_evidence_uses_what_the_scorer_passes(model, corpus: pd.DataFrame) -> None:  # noqa: ANN001
    _, _, pipeline = model
    texts = corpus["text"].tolist()[:6]
    cleaned = pipeline.clean(texts)
    X = pipeline.features(texts, cleaned=cleaned)
    labels = pipeline.predict(texts)
    assert evidence(pipeline, texts, 3, cleaned=cleaned, X=X, predicted=list(labels)) == evidence(pipeline, texts, 3)
    # Another class asked for: the contributions are toward that class.
    other = [next(c for c in pipeline.classes_ if c != label) for label in labels]
    _, contributions, _ = _contributions(pipeline, texts)
    names = pipeline.feature_names_out()
    for i, items in enumerate(evidence(pipeline, texts, 3, predicted=other)):
        c = list(pipeline.classes_).index(other[i])
        assert [item["contribution"] for item in items] == [contributions[c][i, names.index(item["feature"])] for item in items]
    with pytest.raises(FramingError, match=r"^Got predicted label 'pro', expected one of the model's classes \['critical', 'neutral', 'supportive'\]\.$"):
        evidence(pipeline, texts[:1], 3, predicted=["pro"])
    with pytest.raises(FramingError, match=r"^Got k=0, expected a positive integer \(features per article\)\.$"):
        evidence(pipeline, texts, 0)
    with pytest.raises(TypeError, match="wrap it in a list"):
        evidence(pipeline, texts[0], 3)
    assert evidence(pipeline, [], 3) == []


@pytest.mark.slow
def test_every_cue_span_slices_back_to_the_original_text(model, corpus: pd.DataFrame) -> None:  # noqa: ANN001
    _, _, pipeline = model
    texts = corpus["text"].tolist()
    finder = CueFinder()
    surfaces = {}
    for text in texts:
        found = finder.find(text)
        surfaces[text] = {" ".join(h["text"].split()) for h in found["lexicon"]} | {" ".join(a["source"].split()) for a in found["attributions"]}
    located = unlocated = text_score_cues = 0
    for text, items in zip(texts, evidence(pipeline, texts, 10)):
        for item in items:
            for cue in item["cues"]:
                if cue["start"] is None:
                    unlocated += 1
                    continue
                located += 1
                assert text[cue["start"] : cue["end"]] == cue["text"]
                if "cue_start" in cue and cue["cue_start"] is not None:
                    assert text[cue["cue_start"] : cue["cue_end"]] == cue["cue"]
                # Independently of the alignment: the words at the span are the words found in
                # the cleaned text (a lexicon hit, a source, an n-gram).
                words = " ".join(text[cue["start"] : cue["end"]].split())
                if item["kind"] == "ngram":
                    assert words.lower() == item["feature"].split("__", 1)[1]
                elif item["kind"] in ("lexicon", "attribution"):
                    assert words in surfaces[text], (words, item["feature"])
                elif item["kind"] == "text_score" and item["feature"].startswith("text_scores__word_"):
                    assert re.findall(r"\w\w+", words.lower()) == cue["ngram"].split()
                    text_score_cues += 1
    assert located > 100 and unlocated == 0 and text_score_cues > 10


def test_spans_map_past_furniture_and_masked_names_into_the_original(model) -> None:  # noqa: ANN001
    _, _, pipeline = model
    found = explain_text(pipeline, ARTICLE, k=5)
    assert found["removed"] == {"link_box": 1, "dateline": 1, "byline": 1, "self_name": 1}
    # The body's "Kesombongan", not the copy in the deleted "Baca juga" line before it.
    assert [(h["term"], h["text"], h["start"], h["end"]) for h in found["lexicon"]] == [
        ("rezim Zionis", "Rezim Zionis", 22, 34),
        ("kesombongan", "kesombongannya", 55, 69),
        ("menolak tuduhan", "menolak tuduhan", 115, 130),
        ("kesombongan", "Kesombongan", 184, 195),
    ]
    assert ARTICLE[184:213] == "Kesombongan Washington  tidak" and ARTICLE.index("Kesombongan") == 147
    assert [(a["source"], a["group"], a["start"], a["cue"], a["cue_start"]) for a in found["attributions"]] == [
        ("IRNA", "iranian_state", 101, "Menurut", 79),
        ("juru bicara Kremlin", "russian_official", 235, "kata", 230),
    ]
    for cue in found["lexicon"] + found["attributions"]:
        assert ARTICLE[cue["start"] : cue["end"]] == cue["text"]
    for item in found["evidence"]:
        for cue in item["cues"]:
            assert cue["start"] is None or ARTICLE[cue["start"] : cue["end"]] == cue["text"]


def test_locate_handles_whitespace_glued_words_and_words_made_by_cleaning() -> None:
    original = "Kata rezim \r\n  Zionis dariIRNA."
    cleaned = "Kata rezim\nZionis dari IRNA. [media]"
    cues = [
        {"text": "rezim\nZionis", "start": 5, "end": 17},
        {"text": "IRNA", "start": 23, "end": 27},
        {"text": "dari IRNA", "start": 18, "end": 27},
        {"text": "[media]", "start": 29, "end": 36},
    ]
    locate(original, cleaned, cues, "[media]")
    assert [(c["text"], c["start"], c["end"]) for c in cues] == [
        ("rezim \r\n  Zionis", 5, 21),
        ("IRNA", 26, 30),
        ("dariIRNA", 22, 30),
        ("[media]", None, None),
    ]
    # A deleted line that repeats the next words, and a repeated sentence: each cue keeps its place.
    original = "Rusia menolak sanksi sepihak.\nLihat juga: Harga minyak naik\nHarga minyak naik tajam. Rusia menolak sanksi sepihak."
    cleaned = "Rusia menolak sanksi sepihak.\nHarga minyak naik tajam. Rusia menolak sanksi sepihak."
    cues = [{"text": cleaned[m.start() : m.end()], "start": m.start(), "end": m.end()} for m in re.finditer("sanksi sepihak|Harga minyak", cleaned)]
    locate(original, cleaned, cues)
    assert [(c["text"], c["start"]) for c in cues] == [("sanksi sepihak", 14), ("Harga minyak", 60), ("sanksi sepihak", 99)]
    assert original.index("Harga minyak") == 42


def test_binary_model_contributions_toward_the_negative_class_are_negated(corpus: pd.DataFrame) -> None:
    config = load_config(ROOT / "configs" / "stance.yaml", SMALL_MODEL + ["model.class_weight=null"])
    texts = corpus["text"].tolist()
    y = np.where(corpus["stance"] == "supportive", "supportive", "other")
    pipeline = FramingModel(build_pipeline(config).fit(texts, y))
    assert list(pipeline.classes_) == ["other", "supportive"]
    found = evidence(pipeline, texts[:20], 3)
    _X, contributions, raw = _contributions(pipeline, texts[:20])
    names = pipeline.feature_names_out()
    labels = pipeline.predict(texts[:20])
    assert set(labels) == {"other", "supportive"}
    for i, items in enumerate(found):
        row = contributions[i]
        sign = 1.0 if labels[i] == "supportive" else -1.0
        assert row.sum() == pytest.approx(raw[i], abs=1e-9)
        assert [item["contribution"] for item in items] == [sign * row[names.index(item["feature"])] for item in items]
        assert all(item["contribution"] > 0 for item in items) and len(items) == 3


def test_html_escapes_the_article_and_highlights_a_lexicon_hit(model, tmp_path: Path) -> None:  # noqa: ANN001
    _, _, pipeline = model
    text = "Rezim Zionis kembali menunjukkan kesombongannya.\n<script>alert('x')</script> Kesombongan itu nyata, kata juru bicara Kremlin."
    explanation = explain_text(pipeline, text, k=5)
    page = render_html(explanation, title="<b>judul</b>")
    assert "<script" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>judul</b>" not in page and "&lt;b&gt;judul&lt;/b&gt;" in page
    start = text.index("Kesombongan itu")
    mark = re.search(
        rf'<mark class="lex[^"]*" style="background:(#[0-9a-f]{{6}})" title="moral_condemnation: kesombongan" data-span="{start}-{start + 11}">'
        r"(?:<mark[^>]*>)*Kesombongan(?:</mark>)+",
        page,
    )
    assert mark is not None
    assert f'style="background:{mark.group(1)}" title="' in page.split('<div class="legend">')[1].split("</div>")[0]
    assert "src=" not in page and "href=" not in page and "<link" not in page  # self-contained
    out = write_html(explanation, tmp_path / "page" / "one.html")
    assert out.read_text(encoding="utf-8") == render_html(explanation)
    assert [p.name for p in out.parent.iterdir()] == ["one.html"]


def test_cli_explains_a_one_record_file(model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    uri, store, pipeline = model
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    text = "Menurut TASS, Moskwa dan Teheran menandatangani perjanjian kemitraan strategis."
    source = write_jsonl(tmp_path / "one.jsonl", [{"id": "a1", "text": text}])
    page = tmp_path / "a1.html"
    result = runner.invoke(app, ["explain", "--model", uri, "--input", str(source), "--top", "3", "--html", str(page)])
    assert result.exit_code == 0, result.output
    label = pipeline.predict([text])[0]
    assert "article:        a1\n" in result.output
    assert f"label:          {label}\n" in result.output
    assert f"evidence toward {label}" in result.output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_picks_a_record_by_id_and_explains_a_txt_file(model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    uri, store, pipeline = model
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    texts = {"a": "Kremlin menyatakan dukungan penuh kepada Teheran.", "b": "Rezim Zionis kembali menunjukkan kesombongannya, tegas juru bicara."}
    source = write_jsonl(tmp_path / "two.jsonl", [{"id": k, "text": v} for k, v in texts.items()])
    result = runner.invoke(app, ["explain", "-m", uri, "-i", str(source), "--id", "b"])
    assert result.exit_code == 0, result.output
    assert f"label:          {pipeline.predict([texts['b']])[0]}\n" in result.output
    article = tmp_path / "artikel.txt"
    article.write_text(texts["a"], encoding="utf-8")
    result = runner.invoke(app, ["explain", "-m", uri, "-i", str(article)])
    assert result.exit_code == 0, result.output
    assert "article:        artikel.txt\n" in result.output


def test_cli_errors_name_the_file_and_what_to_do(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": "Satu."}, {"id": "b", "text": "Dua."}, {"id": "c", "text": "Tiga."}, {"id": "d", "text": "Empat."}]
    source = write_jsonl(tmp_path / "many.jsonl", rows)
    result = runner.invoke(app, ["explain", "--model", "models:/x/1", "--input", str(source)])
    assert result.exit_code == 2
    assert f"error: {source} holds several articles ('a', 'b', ...): pick one with --id." in result.output
    result = runner.invoke(app, ["explain", "--model", "models:/x/1", "--input", str(source), "--id", "zz"])
    assert result.exit_code == 2
    assert f"error: Got --id 'zz', but {source} has no article with that id (its ids: 'a', 'b', 'c', ...)." in result.output
    empty = write_jsonl(tmp_path / "empty.jsonl", [{"id": "e", "text": " "}])
    with pytest.raises(FramingError, match=r"empty\.jsonl holds no readable article: empty text"):
        read_article(empty)
    assert read_article(source, id="c") == ("c", "Tiga.")


@needs_seeds
def test_seed_004_cues_slice_back(model) -> None:  # noqa: ANN001
    _, _, pipeline = model
    (path,) = SEEDS.glob("004_*.txt")
    text = path.read_text(encoding="utf-8")
    found = explain_text(pipeline, text, k=10)
    cues = found["lexicon"] + found["attributions"] + [c for item in found["evidence"] for c in item["cues"]]
    assert len(found["lexicon"]) >= 10 and len(found["attributions"]) >= 5
    assert all(c["start"] is not None and text[c["start"] : c["end"]] == c["text"] for c in cues)


def test_a_text_score_is_explained_by_its_models_ngrams_with_spans_in_the_original(corpus: pd.DataFrame) -> None:
    config = load_config(
        ROOT / "configs" / "stance.yaml",
        SMALL_MODEL
        + [
            "features.word.enabled=false",
            "features.lexicon.enabled=false",
            "features.attribution.enabled=false",
            "features.style.enabled=false",
            "features.text_scores.views=[word]",
        ],
    )
    texts, y = corpus["text"].tolist(), corpus["stance"].to_numpy()
    pipeline = FramingModel(build_pipeline(config).fit(texts, y))
    scores = pipeline.families()["text_scores"]
    explanation = explain_text(pipeline, ARTICLE, k=3)
    items = [item for item in explanation["evidence"] if item["kind"] == "text_score"]
    assert items, explanation["evidence"]
    assert any(cue["start"] is not None for item in items for cue in item["cues"])
    for item in items:
        label = next(c for c in scores.classes_ if item["feature"] == f"text_scores__word_s_{c}")
        weights = scores.weights("word", label)
        assert item["cues"], item
        for cue in item["cues"]:
            # Each n-gram pushes toward the feature's class, and its span slices it out of the input.
            assert weights[cue["ngram"]] > 0 and cue["weight"] > 0
            if cue["start"] is None:  # the masked outlet name exists only in the cleaned text
                assert "media" in cue["ngram"].split(), cue
                continue
            assert re.sub(r"\s+", " ", ARTICLE[cue["start"] : cue["end"]].lower()) == cue["ngram"]
        grams = list(dict.fromkeys(c["ngram"] for c in item["cues"]))
        assert item["description"].endswith(", ".join(repr(g) for g in grams))


@pytest.mark.parametrize(
    ("family", "column", "value", "description", "cues"),
    [
        ("lexicon", "rate_delegitimising_label", 12.5, "1 delegitimising_label cue, 12.5 per 1,000 tokens", [("Rezim Zionis", 0, 12)]),
        ("lexicon", "rate_hedging", 0.0, "lexicon category hedging does not occur: its absence pushed toward critical", []),
        ("attribution", "density", 20.0, "2 attributions, 20.0 per 1,000 tokens", [("IRNA", 79, 83), ("juru bicara Kremlin", 164, 183)]),
        ("attribution", "share_iranian_state", 0.5, "1 of 2 attributions (50%) are to iranian_state sources", [("IRNA", 79, 83)]),
        (
            "attribution", "both_sides", 0.0, "does not quote both sides: only the alignment side (iranian_state, russian_official)",
            [("IRNA", 79, 83), ("juru bicara Kremlin", 164, 183)],
        ),
        ("style", "n_sentences", 4.0, "4 sentences", []),
        ("style", "n_tokens_log", 3.0, "length: 19 tokens", []),
        ("style", "removed_link_box", 1.0, "cleaning removed 1 link box item", []),
        # "Kesombongan" once: the "Baca juga" line is cleaned away and "kesombongannya" is another word.
        ("word", "kesombongan", 0.31, "word n-gram 'kesombongan' occurs 1 time (TF-IDF 0.310)", [("Kesombongan", 114, 125)]),
        ("word", "gaza", 0.0, "word n-gram 'gaza' does not occur: its absence pushed toward critical", []),
        ("gone", "x", 2.5, "gone feature x = 2.5", []),  # a family this install lacks
    ],
)
def test_each_family_describes_its_columns(model, family: str, column: str, value: float, description: str, cues: list) -> None:  # noqa: ANN001
    from framing.explain import Reading, _parts
    from framing.families import family as registered

    _, _, pipeline = model
    cleaned = pipeline.clean([ARTICLE])[0]
    reading = Reading(_parts(pipeline), ARTICLE, cleaned, "critical")
    said, found = registered(family).describe(reading, column, value)
    assert said == description
    # Spans of the cleaned text, which the cues are found in (locate moves them to the original).
    assert [(c["text"], c["start"], c["end"]) for c in found] == cues
    assert all(str(cleaned)[c["start"] : c["end"]] == c["text"] for c in found)
