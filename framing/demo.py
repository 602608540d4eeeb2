"""The built-in demo corpus: where it is (its data card is ``framing/data/README.md``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEMO_CORPUS"]

DEMO_CORPUS = Path(__file__).resolve().parent / "data" / "demo_corpus.jsonl"
