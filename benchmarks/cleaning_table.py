"""How much self-naming cleaning leaves, per outlet, and how fast TextCleaner runs.

For every outlet of indonews_2025 (daily files and by-outlet files) and of IndoSum: the number of
articles and the share that contain the outlet's own name before and after cleaning, with "own
name" defined as in ``tests/test_clean.py`` (the outlet's distinctive forms). Then the speed of
``TextCleaner.transform`` on the indonews_2025 daily texts (a fresh cleaner, so the per-document
regex cache starts empty, then the same cleaner again), beside ``re.findall(r"\\w+", text.lower())``
over the same texts, all in this one process.

    python benchmarks/cleaning_table.py
"""

from __future__ import annotations

import importlib.util
import re
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from framing.clean import TextCleaner

ROOT = Path(__file__).resolve().parents[1]


def _test_module() -> ModuleType:
    """tests/test_clean.py, for its OWN_NAMES and its corpus reading (one definition for both)."""
    sys.path.insert(0, str(ROOT / "tests"))  # its `from conftest import ...`
    spec = importlib.util.spec_from_file_location("test_clean", ROOT / "tests" / "test_clean.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(tests: ModuleType, cleaner: TextCleaner) -> None:
    corpora = tests.read_real_corpora()
    print(f"{'corpus':<44} {'outlet':<16} {'articles':>8} {'own name before':>16} {'after':>8}")
    for name, rows in corpora.items():
        cleaned = [(key, text, str(doc)) for (key, text), doc in zip(rows, cleaner.transform([t for _, t in rows]))]
        for outlet, (n, before, after) in sorted(tests.own_name_shares(cleaned).items()):
            print(f"{name:<44} {outlet:<16} {n:>8} {before:>16.1%} {after:>8.2%}")


def speed(tests: ModuleType, cleaner_class: type[TextCleaner]) -> None:
    from framing.corpus import CorpusReader

    records = CorpusReader([str(tests.DATA / "indonews_2025" / "daily" / "*.csv")], columns=tests.INDONEWS_DAILY).read().records
    texts = list(records["text"])
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6

    started = time.perf_counter()
    for text in texts:
        re.findall(r"\w+", text.lower())
    baseline = megabytes / (time.perf_counter() - started)

    cleaner = cleaner_class().fit([])
    started = time.perf_counter()
    cleaner.transform(texts)
    cold = megabytes / (time.perf_counter() - started)
    started = time.perf_counter()
    cleaner.transform(texts)
    warm = megabytes / (time.perf_counter() - started)

    print(f"\nindonews_2025 daily: {len(texts)} texts, {megabytes:.1f} MB, one core")
    print(f"re.findall(r'\\w+', text.lower())     {baseline:8.1f} MB/s")
    print(f"TextCleaner.transform (fresh)          {cold:8.1f} MB/s   ratio {baseline / cold:5.1f}x slower")
    print(f"TextCleaner.transform (again)          {warm:8.1f} MB/s   ratio {baseline / warm:5.1f}x slower")


def main() -> None:
    from framing.clean import TextCleaner

    tests = _test_module()
    if not tests.DATA.is_dir():
        sys.exit(f"{tests.DATA} is not present: nothing to measure.")
    table(tests, TextCleaner().fit([]))
    speed(tests, TextCleaner)


if __name__ == "__main__":
    main()
