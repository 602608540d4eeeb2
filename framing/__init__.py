"""framing: source-bias and framing classifier for Indonesian-language news.

Public names are importable from here; heavy dependencies load only when a name that needs them is
first used, so ``import framing`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Config": "framing.config",
    "ConfigError": "framing.config",
    "load_config": "framing.config",
    "Corpus": "framing.corpus",
    "CorpusError": "framing.corpus",
    "CorpusReader": "framing.corpus",
    "Reject": "framing.corpus",
    "read_corpus": "framing.corpus",
    "build_pipeline": "framing.pipeline",
    "classification_metrics": "framing.evaluate",
    "SplitError": "framing.evaluate",
    "FramingError": "framing.errors",
    "train": "framing.training",
    "train_and_log": "framing.training",
    "Trained": "framing.training",
    "TrainingReport": "framing.training",
    "TrainResult": "framing.training",
    "FramingModel": "framing.model",
    "score": "framing.scoring",
    "ScoreSummary": "framing.scoring",
    "DEMO_CORPUS": "framing.demo",
    "TextCleaner": "framing.clean",
    "CleanedText": "framing.clean",
    "LexiconFeatures": "framing.features.lexicon",
    "AttributionFeatures": "framing.features.attribution",
    "StyleFeatures": "framing.features.style",
    "CueFinder": "framing.cues",
    "suggest_terms": "framing.suggest",
    "near_duplicate_clusters": "framing.dedup",
    "parse_dates": "framing.dates",
    "evaluate_model": "framing.evaluate",
    "run_experiment": "framing.experiment",
    "tune": "framing.tuning",
    "TuneResult": "framing.tuning",
    "Calibrator": "framing.calibration",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'framing' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
