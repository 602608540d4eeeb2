from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

from framing.clean import TextCleaner
from framing.config import load_config
from framing.cues import CueFinder
from framing.features.lexicon import LexiconFeatures
from framing.pipeline import build_pipeline, feature_names

TINY = [
    "Menurut kantor berita IRNA, rezim Zionis kembali menunjukkan kesombongannya di Gaza.",
    "Seperti dilansir Reuters, juru bicara Departemen Luar Negeri AS mengatakan sanksi diperluas.",
    "Kita patut bertanya apakah hegemoni AS akan berakhir, tulis seorang analis.",
    "“Kerja sama ini sah dan adil,” kata juru bicara Kremlin kepada TASS.",
] * 3
LABELS = np.array(["supportive", "critical", "neutral", "supportive"] * 3, dtype=object)
SMALL = ["model.n_estimators=5", "model.min_child_samples=1", "model.params={min_data_in_bin: 1}", "model.n_jobs=1", "features.word.min_df=1"]


def config(*overrides: str):  # noqa: ANN201
    return load_config(ROOT / "configs" / "stance.yaml", [*SMALL, *overrides])


def test_steps_and_families_follow_the_config() -> None:
    pipe = build_pipeline(config())
    assert [name for name, _ in pipe.steps] == ["clean", "features", "model"]
    assert isinstance(pipe.named_steps["clean"], TextCleaner)
    families = dict(pipe.named_steps["features"].transformer_list)
    assert families["char"] == "drop"  # off in the shipped config
    assert isinstance(families["lexicon"], LexiconFeatures)
    assert pipe.get_params()["features__lexicon__min_term_count"] == 3
    assert pipe.get_params()["clean__mask_self_names"] is True

    pipe = build_pipeline(config("clean.enabled=false", "features.lexicon.enabled=false"))
    assert [name for name, _ in pipe.steps] == ["features", "model"]
    assert dict(pipe.named_steps["features"].transformer_list)["lexicon"] == "drop"


def test_feature_names_carry_one_family_prefix() -> None:
    pipe = build_pipeline(config()).fit(TINY, LABELS)
    names = feature_names(pipe)
    assert len(names) == pipe.named_steps["model"].n_features_in_
    assert "attribution__share_iranian_state" in names and "style__question_rate" in names
    assert "lexicon__rate_delegitimising_label" in names
    # The default text signal: one out-of-fold probability per view and class (no title column here).
    assert [n for n in names if n.startswith("text_scores__")] == [f"text_scores__{view}_s_{c}" for view in ("word", "char") for c in ("critical", "neutral", "supportive")]
    assert not [n for n in names if n.startswith(("word__", "char__"))]
    with_words = feature_names(build_pipeline(config("features.word.enabled=true")).fit(TINY, LABELS))
    assert "word__rezim zionis" in with_words
    assert not [n for n in names if n.startswith(("lexicon__lexicon__", "style__style__", "attribution__attribution__"))]


def test_every_step_names_its_output() -> None:
    pipe = build_pipeline(config("features.word.enabled=true")).fit(TINY, LABELS)
    assert pipe.named_steps["clean"].get_feature_names_out().tolist() == ["text"]
    union = pipe.named_steps["features"].get_feature_names_out()
    # scikit-learn's own walk over the steps gives the union's names, one per model input column.
    assert pipe[:-1].get_feature_names_out().tolist() == union.tolist()
    assert len(union) == pipe.named_steps["model"].n_features_in_


def test_pipeline_predicts_probabilities_for_every_class() -> None:
    pipe = build_pipeline(config()).fit(TINY, LABELS)
    proba = pipe.predict_proba(TINY[:4])
    assert proba.shape == (4, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_cue_finder_spans_slice_the_cleaned_text() -> None:
    text = "WARTADUNIA.ID - Menurut kantor berita IRNA, rezim Zionis kembali menunjukkan kesombongannya.\n\n(Wartadunia.id/Rina Kartika)"
    found = CueFinder().find(text)
    assert found["text"] == "Menurut kantor berita IRNA, rezim Zionis kembali menunjukkan kesombongannya."
    assert found["removed"] == {"dateline": 1, "byline": 1}
    assert [(h["term"], h["text"]) for h in found["lexicon"]] == [("rezim Zionis", "rezim Zionis"), ("kesombongan", "kesombongannya")]
    assert [(a["source"], a["group"], a["cue"]) for a in found["attributions"]] == [("IRNA", "iranian_state", "Menurut")]
    for item in found["lexicon"]:
        assert found["text"][item["start"] : item["end"]] == item["text"]
    for item in found["attributions"]:
        assert found["text"][item["start"] : item["end"]] == item["source"]


@pytest.mark.parametrize("family", ["lexicon", "attribution"])
def test_cue_finder_respects_disabled_families(family: str) -> None:
    cfg = config(f"features.{family}.enabled=false")
    found = CueFinder(cfg.clean, cfg.features).find("Menurut IRNA, rezim Zionis kalah.")
    key = "lexicon" if family == "lexicon" else "attributions"
    assert found[key] == []
