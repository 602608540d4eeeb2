"""Build the scikit-learn Pipeline (features -> LightGBM) from a config.

Step names follow the config sections, so ``features.word.ngram_range`` is the pipeline parameter
``features__word__ngram_range`` and ``model.learning_rate`` is ``model__learning_rate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from framing.config import Config, ModelConfig, TfidfConfig

__all__ = ["build_pipeline", "lightgbm_params"]


def _tfidf(section: TfidfConfig) -> Any:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not section.enabled:
        return "drop"
    return TfidfVectorizer(
        analyzer=section.analyzer,
        ngram_range=tuple(section.ngram_range),
        min_df=section.min_df,
        max_df=section.max_df,
        max_features=section.max_features,
        sublinear_tf=section.sublinear_tf,
        lowercase=section.lowercase,
        dtype=np.float32,
    )


def lightgbm_params(model: ModelConfig, seed: int) -> dict[str, Any]:
    """Keyword arguments of :class:`lightgbm.LGBMClassifier` for a ``model`` section."""
    params = model.model_dump(exclude={"params"})
    params.update(model.params)
    params.setdefault("random_state", seed)
    return params


def build_pipeline(config: Config) -> Pipeline:
    """Return an unfitted ``Pipeline([("features", FeatureUnion), ("model", LGBMClassifier)])``.

    The pipeline takes a sequence of article texts and predicts their label.

    Parameters
    ----------
    config
        A validated run config.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Examples
    --------
    >>> from framing.config import load_config
    >>> pipe = build_pipeline(load_config("configs/stance.yaml"))  # doctest: +SKIP
    >>> pipe.set_params(model__learning_rate=0.1)  # doctest: +SKIP
    """
    from lightgbm import LGBMClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    families = [(name, _tfidf(getattr(config.features, name))) for name in type(config.features).model_fields]
    return Pipeline(
        [
            ("features", FeatureUnion(families)),
            ("model", LGBMClassifier(**lightgbm_params(config.model, config.seed))),
        ]
    )
