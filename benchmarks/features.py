"""Throughput of the domain feature extractors on real news, beside a tokenising floor; then the
cleaner and the whole stance pipeline, per step.

Measured in one process on the same texts: the floor is ``re.findall(r"\\w+", text.lower())``;
the target is lexicon + attribution + style together at >= 10 MB/s on one core and within 6x of
the floor. Cleaning (furniture removal + masking) is timed on its own line. The whole-transform
rows fit the stance pipeline (``configs/stance.yaml``, LightGBM on one thread) on the bundled
demo corpus, then time ``predict_proba`` on the raw texts, and each of its steps.

    python benchmarks/features.py [--repeat 3] [--demo N]

``--demo N`` measures N generated demo articles (``framing demo-corpus``) instead of the
indonews_2025 daily texts.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from framing.clean import TextCleaner
from framing.corpus import CorpusReader
from framing.demo import DEMO_CORPUS, iter_generated
from framing.features._text import count_tokens
from framing.features.attribution import AttributionFeatures
from framing.features.lexicon import LexiconFeatures
from framing.features.style import StyleFeatures

ROOT = Path(__file__).resolve().parents[1]
DAILY = ROOT.parent / "shared" / "data" / "indonews_2025" / "daily"


def texts(demo: int) -> tuple[str, list[str]]:
    if demo:
        return f"{demo:,} generated demo articles", [row["text"] for row in iter_generated(demo, seed=3)]
    if DAILY.is_dir():
        reader = CorpusReader([str(DAILY / "*.csv")], columns={"id": "url", "text": "isi_berita"})
        return "indonews_2025 daily", reader.read().records["text"].tolist()
    return "demo corpus (../shared/data absent)", CorpusReader([str(DEMO_CORPUS)]).read().records["text"].tolist()


def best_seconds(work, repeat: int) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(repeat):
        count_tokens.cache_clear()  # every repeat starts cold, as a new batch would
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def stance_pipeline():  # noqa: ANN201
    """The stance pipeline of configs/stance.yaml, fitted on the bundled demo corpus, one thread."""
    from framing.config import load_config
    from framing.pipeline import build_pipeline

    config = load_config(ROOT / "configs" / "stance.yaml", ["model.n_jobs=1"])
    records = CorpusReader([str(DEMO_CORPUS)], label="stance").read().records
    return build_pipeline(config).fit(records["text"].tolist(), records["stance"].tolist())


def whole_transform(docs: list[str], megabytes: float, repeat: int) -> None:
    pipeline = stance_pipeline()
    steps = dict(pipeline.steps)
    cleaner, union, model = steps.get("clean"), steps["features"], steps["model"]
    cleaned = cleaner.transform(docs) if cleaner is not None else docs
    X = union.transform(cleaned)
    timings = {}
    if cleaner is not None:
        timings["clean"] = best_seconds(lambda: cleaner.transform(docs), repeat)
    for name, transformer in union.transformer_list:
        if transformer != "drop":
            timings[f"features: {name}"] = best_seconds(lambda t=transformer: t.transform(cleaned), repeat)
    timings["features (the union, hstack included)"] = best_seconds(lambda: union.transform(cleaned), repeat)
    timings["model (LightGBM predict_proba)"] = best_seconds(lambda: model.predict_proba(X), repeat)
    whole = best_seconds(lambda: pipeline.predict_proba(docs), repeat)
    print(f"  stance pipeline, {len(docs):,} articles (fitted on the demo corpus, LightGBM n_jobs=1):")
    for label, seconds in timings.items():
        print(f"    {label:<46} {seconds:6.2f} s  {len(docs) / seconds:9,.0f} articles/s")
    print(f"    {'whole transform (predict_proba on raw texts)':<46} {whole:6.2f} s  {len(docs) / whole:9,.0f} articles/s  {megabytes / whole:5.1f} MB/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--demo", type=int, default=0, help="measure N generated demo articles instead")
    args = parser.parse_args()
    name, docs = texts(args.demo)
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    word = re.compile(r"\w+")
    extractors = [LexiconFeatures().fit(docs), AttributionFeatures().fit(docs), StyleFeatures(cleaning_counts=False).fit(docs)]
    cleaner = TextCleaner().fit(docs)

    floor = best_seconds(lambda: [word.findall(d.lower()) for d in docs], args.repeat)
    timings = {type(e).__name__: best_seconds(lambda e=e: e.transform(docs), args.repeat) for e in extractors}
    # As a feature union runs them: one after the other over the same batch.
    together = best_seconds(lambda: [e.transform(docs) for e in extractors], args.repeat)
    cleaning = best_seconds(lambda: cleaner.transform(docs), args.repeat)

    print(f"{name}: {len(docs):,} articles, {megabytes:.1f} MB, best of {args.repeat}")
    print(f"  floor re.findall(r'\\w+', lower): {megabytes / floor:7.1f} MB/s")
    for label, seconds in timings.items():
        print(f"  {label:<22} {megabytes / seconds:7.1f} MB/s")
    print(f"  domain extractors together (one batch, as in the pipeline): {megabytes / together:7.1f} MB/s  ({together / floor:.1f}x the floor; target >= 10 MB/s, <= 6x)")
    print(f"  TextCleaner (not in the target): {megabytes / cleaning:7.1f} MB/s  {len(docs) / cleaning:9,.0f} articles/s")
    whole_transform(docs, megabytes, args.repeat)


if __name__ == "__main__":
    main()
