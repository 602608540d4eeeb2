"""Build the scikit-learn Pipeline (clean -> features -> LightGBM) from a config.

Step names follow the config sections, so ``features.word.ngram_range`` is the pipeline parameter
``features__word__ngram_range``, ``clean.mask_self_names`` is ``clean__mask_self_names`` and
``model.learning_rate`` is ``model__learning_rate``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from framing.config import (
        CleanConfig,
        Config,
        FeaturesConfig,
        ModelConfig,
        SplitConfig,
    )

__all__ = ["build_cleaner", "build_family", "build_pipeline", "feature_names", "fit_pipeline", "lightgbm_params", "stack_groups"]

_DOUBLE_PREFIX = re.compile(r"^(\w+?)__\1__")


def build_family(features: FeaturesConfig, name: str, seed: int = 0) -> Any:
    """The unfitted transformer of one feature family (:mod:`framing.families`), or ``"drop"`` when it is disabled."""
    from framing.families import registry

    section = getattr(features, name)
    if not section.enabled:
        return "drop"
    return registry()[name].build(section, seed)


def build_cleaner(clean: CleanConfig) -> Any:
    """The unfitted :class:`framing.clean.TextCleaner` of a ``clean`` section, or ``None`` when disabled."""
    if not clean.enabled:
        return None
    from framing.clean import TextCleaner

    return TextCleaner(**clean.model_dump(exclude={"enabled"}))


def lightgbm_params(model: ModelConfig, seed: int) -> dict[str, Any]:
    """Keyword arguments of :class:`lightgbm.LGBMClassifier` for a ``model`` section."""
    params = model.model_dump(exclude={"params"})
    params.update(model.params)
    params.setdefault("random_state", seed)
    if params["deterministic"] and not (params.get("force_row_wise") or params.get("force_col_wise")):
        params["force_col_wise"] = True  # deterministic mode needs a fixed layout to be reproducible
    return params


def build_pipeline(config: Config) -> Pipeline:
    """Return an unfitted ``Pipeline([("clean", ...), ("features", FeatureUnion), ("model", LGBMClassifier)])``.

    The pipeline takes a sequence of article texts and predicts their label. The ``clean`` step is
    left out when ``clean.enabled`` is false.

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

    families = [(name, build_family(config.features, name, config.seed)) for name in type(config.features).model_fields]
    steps: list[tuple[str, Any]] = []
    cleaner = build_cleaner(config.clean)
    if cleaner is not None:
        steps.append(("clean", cleaner))
    steps.append(("features", FeatureUnion(families)))
    steps.append(("model", LGBMClassifier(**lightgbm_params(config.model, config.seed))))
    return Pipeline(steps)


def stack_groups(records: Any, split: SplitConfig, folds: int) -> Any:
    """The groups that keep the stacked text scores honest: what the outer split holds apart.

    ``group`` split: the group column (an outlet's other articles never score it); ``time`` split:
    ``folds`` consecutive blocks of publication dates; ``random``: none (stratified inner folds).
    """
    import numpy as np

    if split.kind == "group" and split.group_column in records:
        return records[split.group_column].fillna("(none)").astype(str).to_numpy()
    if split.kind == "time" and split.time_column in records:
        from framing.dates import parse_dates

        dates = parse_dates(records[split.time_column]).to_numpy(dtype="datetime64[ns]")
        order = np.argsort(dates, kind="stable")
        blocks = np.empty(len(order), dtype=int)
        for number, block in enumerate(np.array_split(order, max(2, min(folds, len(order))))):
            blocks[block] = number
        return blocks
    return None


def fit_pipeline(pipeline: Pipeline, texts: Any, y: Any, *, groups: Any = None, cleaned: Any = None) -> Any:
    """Fit ``pipeline`` on ``texts`` and return the matrix its model was trained on.

    ``groups`` reaches the families that ask for it (the stacked text scores, whose inner folds
    follow them) through scikit-learn's metadata routing; every other step is fitted as usual.
    The returned matrix holds the *out-of-fold* text scores, the ones LightGBM saw.

    ``cleaned`` is ``texts`` already through this pipeline's ``clean`` step (a run cleans each
    article once): the cleaner is then fitted without data (it learns nothing from it) and the
    other steps on ``cleaned``.
    """
    from sklearn import config_context

    union = pipeline.named_steps["features"]
    from framing.families import family

    routed = groups is not None and any(family(name).wants_groups and est != "drop" for name, est in union.transformer_list)
    head = pipeline[:-1]
    if cleaned is not None and "clean" in pipeline.named_steps:
        pipeline.named_steps["clean"].fit([])
        head, texts = pipeline[1:-1], cleaned
    if routed:
        with config_context(enable_metadata_routing=True):
            X = head.fit_transform(texts, y, groups=groups)
    else:
        X = head.fit_transform(texts, y)
    pipeline.steps[-1][1].fit(X, y)
    return X


def feature_names(pipeline: Pipeline) -> list[str]:
    """Names of the model's input columns: ``word__rezim zionis``, ``attribution__share_russian_state``.

    The union prefixes each name with its family; the domain extractors' names already carry it.
    """
    names = pipeline.named_steps["features"].get_feature_names_out()
    return [_DOUBLE_PREFIX.sub(r"\1__", str(name)) for name in names]
