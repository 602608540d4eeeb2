"""``framing report``: the HTML's tables hold the numbers of the scores file, computed apart here."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.errors import FramingError
from framing.report import build_report, read_scores, write_report
from tests.conftest import demo_slice, write_jsonl

CLASSES = ["pro", "kontra", "netral"]

# Handwritten articles with known cues: (outlet, day, text). Quoted: Interfax (russian_state) and
# the Kremlin's spokesman (russian_official); Reuters (western_wire), CNN (western_media) and a
# US president (us_official). Loaded: "kesombongan" (moral_condemnation), "Rezim Zionis"
# (delegitimising_label).
ARTICLES = [
    ("Kabar Satu", "2025-06-18", "Serangan itu dikecam, menurut Interfax, oleh pejabat Moskwa. “Ini kesombongan,” kata juru bicara Kremlin."),
    ("Kabar Satu", "2025-06-18", "Pasar dibuka stabil pagi ini menurut Interfax."),
    ("Kabar Satu", "2025-06-19", "Cuaca cerah di seluruh kota sepanjang hari."),
    ("Warta Dua", "2025-06-18", "Rezim Zionis kembali menyerang, mengutip Reuters. Presiden AS mengatakan kepada CNN bahwa ia kecewa."),
    ("Warta Dua", "2025-06-19", "Rezim Zionis menolak gencatan senjata, mengutip Reuters."),
]


class _Tables(HTMLParser):
    """Every ``<table id=...>`` of a page as rows of cell texts (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: set[str] = set()
        self.anchors: set[str] = set()
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "a" and a.get("href", "").startswith("#"):
            self.links.add(a["href"][1:])
        if a.get("id"):
            self.anchors.add(a["id"])

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None


def _parse(path: Path) -> _Tables:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _as_frame(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows[1:], columns=rows[0])


def _scores(ids: list[str], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet([1.0, 1.0, 1.0], size=len(ids)).round(4)
    frame = pd.DataFrame({"id": ids, "label": np.asarray(CLASSES)[proba.argmax(axis=1)]})
    for k, c in enumerate(CLASSES):
        frame[f"p_{c}"] = proba[:, k]
    return frame


@pytest.fixture
def batch(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame]:
    """The demo slice (70 articles) as input, and a scores file of 60 of them."""
    articles = demo_slice(10)
    inputs = write_jsonl(tmp_path / "articles.jsonl", articles[["id", "outlet", "published_at", "title", "text"]].to_dict(orient="records"))
    scores = _scores(articles["id"].astype(str).tolist()[:60])
    path = tmp_path / "scores.jsonl"
    scores.to_json(path, orient="records", lines=True, force_ascii=False)
    return inputs, path, articles.iloc[:60].reset_index(drop=True).assign(**{c: scores[c] for c in scores.columns if c != "id"})


def test_labels_per_outlet_and_day_match_the_scores(batch: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    inputs, scores_path, expected = batch
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--scores", str(scores_path), "--input", str(inputs), "--html", str(out), "--low-confidence", "0.5"])
    assert result.exit_code == 0, result.output
    assert "report of 60 articles" in result.output
    assert "note: 10 input articles have no score" in result.output
    page = _parse(out)
    table = _as_frame(page.tables["labels_by_outlet"])
    top = expected[[f"p_{c}" for c in CLASSES]].max(axis=1)
    for outlet, part in expected.groupby("outlet"):
        row = table[table["outlet"] == outlet].iloc[0]
        assert int(row["articles"].replace(",", "")) == len(part)
        for c in CLASSES:
            n = int((part["label"] == c).sum())
            assert int(row[c]) == n
            assert row[f"{c} share"] == f"{n / len(part):.1%}"
        assert row["low-confidence share"] == f"{(top[part.index] < 0.5).mean():.1%}"
    assert sorted(table["outlet"]) == sorted(expected["outlet"].unique())
    days = _as_frame(page.tables["labels_by_day"])
    expected_days = pd.to_datetime(expected["published_at"], utc=True).dt.strftime("%Y-%m-%d")
    assert days["day"].tolist() == sorted(expected_days.unique())
    assert [int(n) for n in days["articles"]] == [int((expected_days == d).sum()) for d in days["day"]]
    # Every linked cell has its examples on the page; no link points nowhere.
    assert page.links and page.links <= page.anchors
    html = out.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<img" in html and "data:image/png;base64," in html


def test_quoted_sources_and_loaded_terms_are_counted_per_outlet(tmp_path: Path) -> None:
    rows = [{"id": f"a{i}", "outlet": o, "published_at": d, "title": f"Judul {i}", "text": t} for i, (o, d, t) in enumerate(ARTICLES)]
    inputs = write_jsonl(tmp_path / "articles.jsonl", rows)
    scores = _scores([r["id"] for r in rows], seed=1)
    path = tmp_path / "scores.csv"
    scores.to_csv(path, index=False)
    out = tmp_path / "report.html"
    report = write_report(path, out, inputs=[str(inputs)])
    page = _parse(out)
    sources = _as_frame(page.tables["sources_by_outlet"]).set_index("outlet")
    assert sources.loc["Kabar Satu"].to_dict() == {"attributions": "3", "russian_official": "1", "russian_state": "2", "us_official": "0", "western_media": "0", "western_wire": "0"}
    assert sources.loc["Warta Dua"].to_dict() == {"attributions": "4", "russian_official": "0", "russian_state": "0", "us_official": "1", "western_media": "1", "western_wire": "2"}
    loaded = _as_frame(page.tables["loaded_terms_by_outlet"]).set_index("outlet")
    assert loaded.loc["Kabar Satu"].to_dict() == {"articles": "3", "delegitimising_label": "0.0%", "moral_condemnation": "33.3%"}
    assert loaded.loc["Warta Dua"].to_dict() == {"articles": "2", "delegitimising_label": "100.0%", "moral_condemnation": "0.0%"}
    # The examples of "Warta Dua quotes western_wire" are its two Reuters articles, most confident first.
    key = "sources|Warta Dua|western_wire"
    confidence = scores.set_index("id")[[f"p_{c}" for c in CLASSES]].max(axis=1)
    assert report.examples[key] == sorted(["a3", "a4"], key=lambda i: -confidence[i])
    # Without --explain, an example's evidence is the cues found in its text.
    assert "quotes Reuters (western_wire, “mengutip”)" in out.read_text(encoding="utf-8")


def test_evidence_of_scores_written_with_explain_is_shown(tmp_path: Path) -> None:
    rows = [{"id": f"a{i}", "outlet": o, "text": t} for i, (o, _, t) in enumerate(ARTICLES)]
    inputs = write_jsonl(tmp_path / "articles.jsonl", rows)
    scores = _scores([r["id"] for r in rows], seed=2)
    scores["evidence"] = [json.dumps([{"feature": "lexicon__moral_condemnation", "description": f"cue number {i}"}]) for i in range(len(rows))]
    path = tmp_path / "scores.parquet"
    scores.to_parquet(path)
    out = tmp_path / "report.html"
    report = write_report(path, out, inputs=[str(inputs)])
    assert "labels_by_day" not in report.tables  # no dates in the input
    assert "cue number 0" in out.read_text(encoding="utf-8")


def test_drift_summary_beside_the_scores_is_shown(tmp_path: Path) -> None:
    scores = _scores(["x", "y"])
    path = tmp_path / "scores.jsonl"
    scores.to_json(path, orient="records", lines=True)
    (tmp_path / "scores.summary.json").write_text(json.dumps({"drift": [{"name": "style__quote_marks", "psi": 0.41}, {"name": "text_scores__word_s_pro", "psi": 0.05}], "drift_threshold": 0.25, "drift_note": None}))
    out = tmp_path / "report.html"
    write_report(path, out)
    page = _parse(out)
    assert page.tables["drift"] == [["feature", "PSI"], ["style__quote_marks", "0.410 (drifted)"], ["text_scores__word_s_pro", "0.050"]]
    # Without the articles: labels and confidence only, with one outlet row "(unknown)".
    assert _as_frame(page.tables["labels_by_outlet"])["outlet"].tolist() == ["(unknown)"]


def test_scores_of_another_batch_are_refused(tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "articles.jsonl", [{"id": "a0", "text": "Cuaca cerah."}])
    scores = _scores(["a0", "b1", "b2"])
    path = tmp_path / "scores.jsonl"
    scores.to_json(path, orient="records", lines=True)
    with pytest.raises(FramingError, match=r"^2 of 3 scored ids are not in the input \(e\.g\. 'b1', 'b2'\): give the --input the scores were made from\.$"):
        write_report(path, tmp_path / "r.html", inputs=[str(inputs)])
    assert not (tmp_path / "r.html").exists()
    result = CliRunner().invoke(app, ["report", "--scores", str(path), "--input", str(inputs), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "2 of 3 scored ids are not in the input" in result.output


def test_a_file_that_is_not_a_scores_file_is_refused(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "articles.jsonl", [{"id": "a0", "text": "Cuaca cerah."}])
    with pytest.raises(FramingError, match=r"not a framing scores file \(needs id, label and p_<class> columns; has id, text\)"):
        read_scores(path)
    with pytest.raises(FramingError, match=r"expected a scores file ending in \.jsonl, \.csv, \.parquet"):
        read_scores(tmp_path / "scores.txt")
    with pytest.raises(FramingError, match=r"^Got low_confidence=1\.5, expected a number in \(0, 1\]\.$"):
        build_report(_scores(["a"]), low_confidence=1.5)
