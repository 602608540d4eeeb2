"""The built-in demo corpus and a generator of large synthetic corpora from it.

``DEMO_CORPUS`` is a JSONL file of articles written for this project (data card:
``framing/data/README.md``). :func:`generate` recombines and perturbs its paragraphs into any
number of articles with fresh ids and dates, for speed and memory benchmarks; never for accuracy,
since every generated article is a collage of the same 294 originals.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from framing.errors import FramingError

__all__ = ["DEMO_CORPUS", "generate", "iter_generated"]

DEMO_CORPUS = Path(__file__).resolve().parent / "data" / "demo_corpus.jsonl"
FIELDS = ("id", "outlet", "published_at", "title", "text", "outlet_style", "stance", "event")
_NUMBER = re.compile(r"\b\d{2,3}\b")


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def iter_generated(n: int, seed: int = 0, source: Path = DEMO_CORPUS) -> Iterator[dict[str, Any]]:
    """Yield ``n`` synthetic articles, deterministically for a given ``seed``.

    Each article starts from a random original, keeps its first and last paragraphs (dateline and
    sign-off, so the outlet's furniture stays put), swaps some middle paragraphs for middle
    paragraphs of other articles with the same outlet and stance, drops or repeats a few, nudges
    two- and three-digit numbers, and gets a fresh id and a date near the original's. Labels are
    the original's.

    Parameters
    ----------
    n
        Number of articles.
    seed
        Random seed: the same seed gives the same articles.
    source
        The corpus to recombine (the demo corpus by default).

    Examples
    --------
    >>> first = next(iter_generated(1, seed=7))
    >>> first["id"], sorted(first) == sorted(FIELDS)
    ('gen-7-000000000', True)
    """
    _check_count(n)
    return _generated(n, seed, source)


def _check_count(n: int) -> None:
    if n < 0:
        raise FramingError(f"Got n={n!r}, expected a number of articles >= 0.")


def _generated(n: int, seed: int, source: Path) -> Iterator[dict[str, Any]]:
    originals = _load(source)
    rng = random.Random(seed)
    split = [a["text"].split("\n\n") for a in originals]
    pools: dict[tuple[str, str], list[str]] = {}
    for article, paragraphs in zip(originals, split):
        pools.setdefault((article["outlet"], article["stance"]), []).extend(paragraphs[1:-1])
    dates = [date.fromisoformat(a["published_at"]) for a in originals]

    def nudge(match: re.Match[str]) -> str:
        value = int(match.group())
        return str(max(10, value + rng.randint(-3, 3)))

    for number in range(n):
        k = rng.randrange(len(originals))
        base, paragraphs = originals[k], split[k]
        pool = pools[(base["outlet"], base["stance"])]
        middle = []
        for paragraph in paragraphs[1:-1]:
            roll = rng.random()
            if roll < 0.10 and len(paragraphs) > 4:
                continue
            chosen = rng.choice(pool) if roll < 0.45 else paragraph
            if rng.random() < 0.3:
                chosen = _NUMBER.sub(nudge, chosen)
            middle.append(chosen)
            if roll > 0.95:
                middle.append(rng.choice(pool))
        text = "\n\n".join([paragraphs[0], *middle, paragraphs[-1]] if len(paragraphs) > 1 else paragraphs)
        yield {
            "id": f"gen-{seed}-{number:09d}",
            "outlet": base["outlet"],
            "published_at": (dates[k] + timedelta(days=rng.randint(-20, 20))).isoformat(),
            "title": base["title"],
            "text": text,
            "outlet_style": base["outlet_style"],
            "stance": base["stance"],
            "event": base["event"],
        }


def generate(
    n: int,
    output: str | Path,
    *,
    seed: int = 0,
    batch_size: int = 10_000,
    report: Callable[[int, float], None] | None = None,
) -> Path:
    """Write ``n`` synthetic articles to ``output`` (``.jsonl`` or ``.parquet``), streaming.

    Memory stays flat: at most ``batch_size`` articles are held at once. The file appears at
    ``output`` only when complete.

    Parameters
    ----------
    n
        Number of articles.
    output
        Destination; the extension picks the format.
    seed
        Random seed.
    batch_size
        Articles per write.
    report
        Called after each batch with (articles written, seconds elapsed).

    Returns
    -------
    Path
        ``output``.

    Raises
    ------
    FramingError
        The extension is neither ``.jsonl`` nor ``.parquet``, ``n`` is negative or
        ``batch_size`` is below 1.
    """
    import os

    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".jsonl", ".parquet"):
        raise FramingError(f"Got --output {str(output)!r}, expected a file ending in .jsonl or .parquet.")
    _check_count(n)
    if batch_size < 1:
        raise FramingError(f"Got batch_size={batch_size!r}, expected at least 1.")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    started = time.perf_counter()
    articles = iter_generated(n, seed)
    written = 0
    try:
        if suffix == ".jsonl":
            with partial.open("w", encoding="utf-8") as handle:
                while written < n:
                    batch = [json.dumps(a, ensure_ascii=False) for a in islice(articles, batch_size)]
                    handle.write("\n".join(batch) + "\n")
                    written += len(batch)
                    if report is not None:
                        report(written, time.perf_counter() - started)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pa.schema([(name, pa.string()) for name in FIELDS])
            with pq.ParquetWriter(partial, schema) as writer:
                while written < n:
                    rows = list(islice(articles, batch_size))
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                    written += len(rows)
                    if report is not None:
                        report(written, time.perf_counter() - started)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return output
