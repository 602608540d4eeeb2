"""Speed and memory of near-duplicate detection, beside exact-duplicate hashing.

Two corpora, each timed in this process: the indonews_2025 daily files (real news, when
``../shared/data`` is present) and articles from :func:`framing.demo.iter_generated` (collages of
the demo corpus, so rich in near-duplicates). For each, two methods:

- ``exact``: one BLAKE2 digest of the lower-cased text per document; equal digests are one group.
- ``minhash``: :func:`framing.dedup.dedup` with its defaults (threshold 0.8, 5-word shingles,
  128 hashes).

Time is the best of ``--repeat`` runs; peak memory is measured in a separate run under
:mod:`tracemalloc` (Python and numpy allocations made by the call, not the input texts), so that
tracing does not slow the timed runs.

    python benchmarks/dedup.py [--generated 50000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from framing.corpus import CorpusReader
from framing.dedup import choose_bands, dedup
from framing.demo import iter_generated

DAILY = Path(__file__).resolve().parents[2] / "shared" / "data" / "indonews_2025" / "daily"


def exact_groups(texts: list[str]) -> tuple[int, int]:
    """Groups of identical lower-cased texts: (groups with more than one text, texts removed)."""
    first: dict[bytes, int] = {}
    label = np.empty(len(texts), dtype=np.int64)
    for index, text in enumerate(texts):
        digest = hashlib.blake2b(text.lower().encode("utf-8", "surrogatepass"), digest_size=16).digest()
        label[index] = first.setdefault(digest, index)
    sizes = np.bincount(label, minlength=len(texts))
    return int((sizes > 1).sum()), int(len(texts) - len(first))


def near_groups(texts: list[str]) -> tuple[int, int]:
    """Near-duplicate groups at the defaults: (groups with more than one text, texts removed)."""
    result = dedup(texts)
    return result.n_clusters, result.n_removed


def measure(work: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall time over ``repeat`` runs, peak traced memory (MB) of one more run, and the result."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    try:
        work()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return best, peak, result


def report(name: str, texts: list[str], repeat: int) -> None:
    megabytes = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) / 1e6
    print(f"\n{name}: {len(texts):,} docs, {megabytes:.1f} MB of text")
    print(f"  {'method':<8} {'seconds':>8} {'docs/s':>9} {'MB/s':>6} {'groups>1':>9} {'removed':>8} {'peak MB':>8}")
    for method, work in (("exact", exact_groups), ("minhash", near_groups)):
        seconds, peak, (groups, removed) = measure(lambda work=work: work(texts), repeat)
        print(f"  {method:<8} {seconds:8.2f} {len(texts) / seconds:9,.0f} {megabytes / seconds:6.1f} {groups:9,} {removed:8,} {peak:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=50_000, help="number of generated articles")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per method (the best counts)")
    args = parser.parse_args()
    bands, rows = choose_bands(0.8, 128)
    print(f"threshold 0.8, 128 hashes -> {bands} bands x {rows} rows")
    if DAILY.is_dir():
        reader = CorpusReader([str(DAILY / "*.csv")], columns={"id": "url", "text": "isi_berita"})
        report("indonews_2025 daily", reader.read().records["text"].tolist(), args.repeat)
    else:
        print("\nindonews_2025 daily: skipped, ../shared/data is absent")
    generated = [article["text"] for article in iter_generated(args.generated, seed=1)]
    report(f"iter_generated({args.generated:,}, seed=1)", generated, args.repeat)


if __name__ == "__main__":
    main()
