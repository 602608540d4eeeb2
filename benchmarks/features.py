"""Throughput of the domain feature extractors on real news, beside a tokenising floor.

Measured in one process on the same texts: the floor is ``re.findall(r"\\w+", text.lower())``;
the target is lexicon + attribution + style together at >= 10 MB/s on one core and within 6x of
the floor. Cleaning (furniture removal + masking) is timed on its own line.

    python benchmarks/features.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from framing.clean import TextCleaner  # noqa: E402
from framing.corpus import CorpusReader  # noqa: E402
from framing.demo import DEMO_CORPUS  # noqa: E402
from framing.features._text import count_tokens  # noqa: E402
from framing.features.attribution import AttributionFeatures  # noqa: E402
from framing.features.lexicon import LexiconFeatures  # noqa: E402
from framing.features.style import StyleFeatures  # noqa: E402

DAILY = Path(__file__).resolve().parents[2] / "shared" / "data" / "indonews_2025" / "daily"


def texts() -> tuple[str, list[str]]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    name, docs = texts()
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
    print(f"  TextCleaner (not in the target): {megabytes / cleaning:7.1f} MB/s")


if __name__ == "__main__":
    main()
