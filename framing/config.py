"""Run configuration: pydantic schemas, YAML loading and ``--set`` overrides.

A config file describes one run: data + features + model + split + tracking. Its sections map
one-to-one onto constructor arguments of the pipeline steps, so ``model.learning_rate`` in the YAML
is ``model__learning_rate`` in :meth:`sklearn.pipeline.Pipeline.set_params` and ``model.learning_rate``
in the MLflow params.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from framing.errors import FramingError
from framing.families import Section, registry
from framing.families.attribution import AttributionConfig
from framing.families.lexicon import LexiconConfig
from framing.families.style import StyleConfig
from framing.families.text_scores import TextScoresConfig
from framing.families.tfidf import TfidfConfig

__all__ = [
    "Config",
    "ConfigError",
    "DataConfig",
    "AttributionConfig",
    "CalibrationConfig",
    "CleanConfig",
    "DedupConfig",
    "EvaluationConfig",
    "ExperimentConfig",
    "load_experiment",
    "FeaturesConfig",
    "LexiconConfig",
    "StyleConfig",
    "ModelConfig",
    "PrunerConfig",
    "ScoringConfig",
    "SearchDimension",
    "SplitConfig",
    "TextScoresConfig",
    "TfidfConfig",
    "TrackingConfig",
    "TuneConfig",
    "flatten",
    "load_config",
    "parse_override",
    "with_values",
]

CANONICAL_COLUMNS = ("id", "text", "title", "outlet", "url", "published_at")
# Resource files (YAML) named in a config; relative paths resolve against the config's folder.
# The value PACKAGED ("default", like None) names the file shipped in framing/resources and is left
# as it is: the extractors own their packaged defaults, and the logged params stay portable.
PACKAGED = "default"
# The name data.paths uses for the demo corpus shipped in the package (framing/data).
DEMO = "demo"
RESOURCE_KEYS = (("clean", "patterns"), *(("features", name, field) for name, family in registry().items() for field in family.resources))


class ConfigError(FramingError):
    """A config file or override is invalid; the message names the file and the key path."""


_Section = Section


class DataConfig(_Section):
    """Where the corpus is and how its columns map onto records.

    ``columns`` maps a record field (``id``, ``text``, ``title``, ``outlet``, ``url``,
    ``published_at``, a label name, or any other name such as ``target`` or ``category``) to the
    file's column. Every field it names is a record column (``None`` in a row that lacks it), so it
    can be ``split.group_column`` or the label. A list gives alternatives: the first one present in
    a file is used, so one config reads files whose column names differ. ``null`` for ``id``
    numbers the rows instead (``<file name>:<row>``).

    ``label_map`` rewrites raw label values before they are checked against ``classes``: each key
    is a regular expression searched case-insensitively, the first that matches gives the class
    (``{"detik": detik}`` turns ``finance.detik.com`` into ``detik``); unmatched values stay.
    ``other_labels`` says what a value still outside ``classes`` does: ``error`` stops the run
    (naming the file, row and field), ``reject`` sends the row to the rejects, counted.
    """

    paths: list[str] = Field(min_length=1)
    format: Literal["auto", "jsonl", "json", "csv", "parquet", "xlsx", "txt"] = "auto"
    reader: Literal["flat", "indosum", "label_studio"] = "flat"
    columns: dict[str, str | list[str] | None] = Field(default_factory=dict)
    label: str | None = None
    classes: list[str] | None = None
    label_map: dict[str, str] = Field(default_factory=dict)
    other_labels: Literal["error", "reject"] = "error"

    @field_validator("paths", mode="before")
    @classmethod
    def _one_path_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("columns")
    @classmethod
    def _text_is_required(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "text" in value and value["text"] is None:
            raise ValueError("the text column cannot be null: every record needs a text")
        return value

    @model_validator(mode="after")
    def _classes_need_a_label(self) -> DataConfig:
        if self.classes is not None and self.label is None:
            raise ValueError("data.classes is set but data.label is not: name the label column")
        if self.classes is not None and len(set(self.classes)) != len(self.classes):
            raise ValueError(f"data.classes has repeated values: {self.classes}")
        if self.other_labels == "reject" and self.classes is None:
            raise ValueError("data.other_labels=reject needs data.classes: list the classes to keep")
        return self


def _features_model() -> type[BaseModel]:
    """The ``features`` section: one field per registered feature family (:mod:`framing.families`),
    in pipeline order, each validated by the family's own schema."""
    from framing.families import freeze

    fields: dict[str, Any] = {name: (family.config, Field(default_factory=family.default)) for name, family in freeze().items()}
    return create_model(
        "FeaturesConfig",
        __base__=_Section,
        __doc__=(
            "Feature families, each a named step of the pipeline's ``features`` union.\n\n"
            "The default design: stacked text scores (``text_scores``) beside the domain features; raw\n"
            "TF-IDF columns (``word``, ``char``) are an option, off unless enabled. Other families come\n"
            "from :mod:`framing.families`."
        ),
        **fields,
    )


if TYPE_CHECKING:

    class FeaturesConfig(_Section):
        """Typed view of the generated model: the built-in families' sections, and any other by attribute."""

        text_scores: TextScoresConfig = TextScoresConfig()
        word: TfidfConfig = TfidfConfig()
        char: TfidfConfig = TfidfConfig()
        lexicon: LexiconConfig = LexiconConfig()
        attribution: AttributionConfig = AttributionConfig()
        style: StyleConfig = StyleConfig()

        def __getattr__(self, name: str) -> Any: ...

else:
    FeaturesConfig = _features_model()


class CleanConfig(_Section):
    """Arguments of :class:`framing.clean.TextCleaner`, the pipeline's first step.

    Cleaning removes page furniture and masks the outlet's self-identifiers before any feature
    sees the text, so a model cannot learn the outlet from its datelines and link boxes.
    """

    enabled: bool = True
    patterns: str | None = None
    remove_furniture: bool = True
    mask_self_names: bool = True
    repair_glued: bool = True


class ModelConfig(_Section):
    """Arguments of :class:`lightgbm.LGBMClassifier`; ``params`` passes any other LightGBM parameter."""

    n_estimators: int = Field(default=300, gt=0)
    learning_rate: float = Field(default=0.05, gt=0)
    num_leaves: int = Field(default=31, ge=2)
    max_depth: int = -1
    min_child_samples: int = Field(default=5, ge=1)
    subsample: float = Field(default=1.0, gt=0, le=1)
    subsample_freq: int = Field(default=0, ge=0)
    colsample_bytree: float = Field(default=0.5, gt=0, le=1)
    reg_alpha: float = Field(default=0.0, ge=0)
    reg_lambda: float = Field(default=0.0, ge=0)
    class_weight: Literal["balanced"] | None = "balanced"
    n_jobs: int = 2
    verbose: int = -1
    # Same config, seed and data -> the same model (LightGBM's deterministic mode, with a forced
    # histogram layout); costs a little speed.
    deterministic: bool = True
    params: dict[str, Any] = Field(default_factory=dict)


class SplitConfig(_Section):
    """How the held-out test set and the cross-validation folds are drawn.

    ``group`` keeps every value of ``group_column`` (by default the outlet) on one side: the test
    set is one of ``round(1 / test_size)`` label-stratified group folds, so its share is close to
    ``test_size`` only when there are many groups (the run logs the share it got). ``time`` trains
    on articles published before ``cutoff`` and tests on the rest (without a cutoff, the latest
    ``test_size`` share of dates is the test set). Dates are read by :func:`framing.dates.parse_dates`
    (ISO 8601, Indonesian and English month names, day-first numbers). A record without a readable
    date stops a time split, unless ``drop_undated`` leaves it out (counted and logged).
    """

    kind: Literal["random", "group", "time"] = "group"
    group_column: str = "outlet"
    time_column: str = "published_at"
    test_size: float = Field(default=0.2, gt=0, le=0.5)
    cutoff: date | None = None
    drop_undated: bool = False
    cv_folds: int = Field(default=5, ge=0)

    @field_validator("cv_folds")
    @classmethod
    def _no_single_fold(cls, value: int) -> int:
        if value == 1:
            raise ValueError("cross-validation needs at least 2 folds (0 switches it off)")
        return value


class DedupConfig(_Section):
    """Near-duplicate removal before splitting (:func:`framing.dedup.dedup`).

    Syndicated copies and light rewrites are clustered by MinHash over word shingles; one article
    per cluster is kept (the earliest, then the smallest id), so no cluster straddles a split.
    """

    enabled: bool = True
    threshold: float = Field(default=0.8, gt=0, le=1)
    shingle: int = Field(default=5, ge=1)
    num_perm: int = Field(default=128, ge=8)


def _default_weights() -> list[float]:
    return [k / 10 for k in range(11)]


class BlendConfig(_Section):
    """LightGBM blended with a linear stacker over the text-score columns.

    ``p = w * LightGBM + (1 - w) * stacker``, where the stacker is a logistic regression (``C``,
    balanced classes) on the ``text_scores`` columns LightGBM is trained on, and ``w`` is the one
    of ``weights`` with the best out-of-fold macro-F1 over the cross-validation folds (ties: lower
    log-loss, then the larger ``w``). Without folds, or without text scores, ``w`` is 1: LightGBM alone.
    """

    enabled: bool = True
    weights: list[float] = Field(default_factory=_default_weights, min_length=1)
    C: float = Field(default=1.0, gt=0)

    @field_validator("weights")
    @classmethod
    def _shares(cls, value: list[float]) -> list[float]:
        if any(not 0 <= w <= 1 for w in value):
            raise ValueError(f"every weight must be in [0, 1], got {value}")
        return value


class CalibrationConfig(_Section):
    """Probability calibration fitted on out-of-fold predictions only (needs ``split.cv_folds``).

    A run config that does not set ``calibration.method`` is calibrated (``temperature``: the
    confidence changes, the predicted class never does) when it has cross-validation folds
    (``split.cv_folds`` >= 2, the default), and not otherwise.
    """

    method: Literal["none", "temperature", "sigmoid", "isotonic"] = "none"


class EvaluationConfig(_Section):
    """What a run reports besides the test metrics."""

    bootstrap: int = Field(default=1000, ge=0)
    leakage_probe: bool = True
    masking_probe: bool = True
    top_features: int = Field(default=25, ge=1)


class ScoringConfig(_Section):
    """How ``framing score`` screens a batch and watches it for drift.

    A row is rejected (with its reason, into the rejects file) when its text is longer than
    ``max_chars``, or, with ``language_check``, when it has at least ``language_min_words`` words
    and fewer than ``min_indonesian_share`` of them are common Indonesian words (a cheap check
    that catches English or other languages; see ``framing.language`` for the measured rates). The
    batch's feature distributions are compared with the training data's by the population
    stability index on the model's ``drift_features`` most important features; a value above
    ``drift_threshold`` is reported as drift.
    """

    max_chars: int = Field(default=100_000, gt=0)
    language_check: bool = True
    min_indonesian_share: float = Field(default=0.015, ge=0, le=1)
    language_min_words: int = Field(default=20, ge=1)
    drift_features: int = Field(default=20, ge=1)
    drift_threshold: float = Field(default=0.25, gt=0)


class SearchDimension(_Section):
    """One dimension of the tuning search space: exactly one of ``int``, ``float`` or ``choices``.

    ``{int: [4, 64], log: true}`` samples integers (log-uniformly), ``{float: [0.01, 0.3], log: true}``
    reals, ``{choices: [[1, 1], [1, 2]]}`` one of the listed values (any YAML value: numbers,
    strings, booleans, null, lists). ``step`` spaces an int or a linear float range.
    """

    int_range: tuple[int, int] | None = Field(default=None, alias="int")
    float_range: tuple[float, float] | None = Field(default=None, alias="float")
    choices: list[Any] | None = None
    log: bool = False
    step: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_kind(self) -> SearchDimension:
        kinds = [name for name, value in (("int", self.int_range), ("float", self.float_range), ("choices", self.choices)) if value is not None]
        if len(kinds) != 1:
            raise ValueError(f"give exactly one of int: [low, high], float: [low, high] or choices: [...], got {kinds or 'none'}")
        bounds = self.int_range or self.float_range
        if bounds is not None:
            low, high = bounds
            if not low < high:
                raise ValueError(f"expected low < high, got [{low}, {high}]")
            if self.log and low <= 0:
                raise ValueError(f"a log scale needs low > 0, got {low}")
            if self.log and self.step is not None:
                raise ValueError("log and step cannot be combined")
            if self.int_range is not None and self.step is not None and self.step != int(self.step):
                raise ValueError(f"an int range needs an integer step, got {self.step}")
        else:
            if self.log or self.step is not None:
                raise ValueError("log and step apply to int and float ranges, not to choices")
            if not self.choices:
                raise ValueError("choices is empty")
            if len({json.dumps(c, sort_keys=True) for c in self.choices}) != len(self.choices):
                raise ValueError(f"choices has repeated values: {self.choices}")
        return self

    def candidates(self) -> list[Any]:
        """The values a config must accept: both ends of a range and (for floats) a value between
        them, so that a float range on an integer key fails at once; or every choice."""
        if self.choices is not None:
            return list(self.choices)
        if self.float_range is not None:
            low, high = self.float_range
            return [low, high, low + (high - low) * 0.37]
        return list(self.int_range or ())


class PrunerConfig(_Section):
    """When a trial is stopped early, judged on its cross-validation folds as they finish.

    ``median`` / ``percentile`` stop a trial whose best running-mean macro-F1 so far is below the
    median (percentile) of the other trials' running means at the same fold (Optuna's
    Median/PercentilePruner; running means are of uncalibrated fold scores, also when the
    objective is calibrated); ``wilcoxon`` compares the trial's fold scores with the best trial's
    (WilcoxonPruner; ``startup_trials`` does not apply to it); ``none`` never prunes. No trial is
    pruned before ``startup_trials`` trials have finished, before ``warmup_folds`` of its folds,
    nor after its last fold.
    """

    kind: Literal["median", "percentile", "wilcoxon", "none"] = "median"
    startup_trials: int = Field(default=5, ge=0)
    warmup_folds: int = Field(default=2, ge=1)
    percentile: float = Field(default=25.0, gt=0, lt=100)
    p_threshold: float = Field(default=0.1, gt=0, lt=1)


# Sections a search space may reach: what the pipeline is made of, not what it is trained and
# judged on (data, split, dedup and evaluation stay fixed, or trials would not be comparable).
TUNABLE_SECTIONS = ("clean", "features", "model", "blend", "calibration")


class TuneConfig(_Section):
    """``framing tune``: an Optuna study over the config's own keys.

    ``space`` maps dotted config keys (``model.learning_rate``, ``features.word.ngram_range``,
    ``features.style.enabled``, ``model.class_weight``, ``calibration.method``, any
    ``model.params.<lightgbm parameter>``) to a :class:`SearchDimension`. Each trial is scored by
    the mean macro-F1 over the cross-validation folds of the training side; the test split is
    read once, by the best configuration retrained after the study. ``trials`` is the number of
    finished (complete or pruned) trials the study should reach; re-running continues it.
    """

    trials: int = Field(default=20, ge=1)
    timeout: float | None = Field(default=None, gt=0)
    sampler: Literal["tpe", "random"] = "tpe"
    startup_trials: int = Field(default=10, ge=0)
    pruner: PrunerConfig = Field(default_factory=PrunerConfig)
    # Trial 0 is the config as written (when its values lie in the space): the untuned reference.
    enqueue_default: bool = True
    space: dict[str, SearchDimension] = Field(min_length=1)

    @field_validator("space")
    @classmethod
    def _tunable_keys(cls, value: dict[str, SearchDimension]) -> dict[str, SearchDimension]:
        for key in value:
            parts = key.split(".")
            if len(parts) < 2 or not all(parts) or parts[0] not in TUNABLE_SECTIONS:
                raise ValueError(f"{key!r}: expected a dotted key in one of the sections {', '.join(TUNABLE_SECTIONS)} (e.g. model.learning_rate)")
        return value


class TrackingConfig(_Section):
    """MLflow experiment and registered model names."""

    experiment: str = Field(min_length=1)
    model_name: str = Field(min_length=1)
    register_model: bool = True


class Config(_Section):
    """One training run. See ``configs/stance.yaml`` for an annotated example."""

    name: str = Field(min_length=1)
    seed: int = 42
    data: DataConfig
    clean: CleanConfig = Field(default_factory=CleanConfig)
    features: FeaturesConfig = Field(default_factory=FeaturesConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    blend: BlendConfig = Field(default_factory=BlendConfig)
    calibration: CalibrationConfig = Field(default_factory=CalibrationConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    tracking: TrackingConfig
    tune: TuneConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _calibrate_where_folds_exist(cls, data: Any) -> Any:
        """Unset ``calibration.method``: temperature when the split has cross-validation folds."""
        if not isinstance(data, dict):
            return data
        calibration, split = data.get("calibration"), data.get("split")
        calibration = {} if calibration is None else calibration
        if not isinstance(calibration, dict) or "method" in calibration:
            return data
        folds = split.get("cv_folds", SplitConfig.model_fields["cv_folds"].default) if isinstance(split, dict) else SplitConfig.model_fields["cv_folds"].default
        method = "temperature" if isinstance(folds, int) and folds >= 2 else "none"
        return {**data, "calibration": {**calibration, "method": method}}

    @model_validator(mode="after")
    def _calibration_needs_folds(self) -> Config:
        if self.calibration.method != "none" and self.split.cv_folds == 0:
            raise ValueError("calibration.method needs out-of-fold predictions: set split.cv_folds to 2 or more")
        return self

    @model_validator(mode="after")
    def _some_features(self) -> Config:
        if not any(getattr(self.features, name).enabled for name in FeaturesConfig.model_fields):
            raise ValueError("every feature family is disabled: enable at least one under features")
        return self

    @model_validator(mode="after")
    def _space_fits_the_config(self) -> Config:
        """Every end of every range and every choice must make a valid config on its own."""
        if self.tune is None:
            return self
        # As tuned: on cross-validation folds (framing tune refuses fewer than 2; train may use 0).
        folds = {"split.cv_folds": max(2, self.split.cv_folds)}
        for key, dimension in self.tune.space.items():
            for value in dimension.candidates():
                try:
                    with_values(self, folds | {key: value})
                except ConfigError as exc:
                    problem = str(exc).split("\n", 1)[-1].strip()
                    raise ValueError(f"tune.space.{key}: the value {value!r} makes an invalid config: {problem}") from None
        return self


class ExperimentConfig(_Section):
    """A set of variants of one base config, run into one MLflow experiment and compared.

    ``base`` is a run config (relative to the experiment file); ``set`` overrides apply to every
    variant, then each variant's own overrides.
    """

    base: str
    experiment: str = Field(min_length=1)
    set: list[str] = Field(default_factory=list)
    variants: dict[str, list[str]] = Field(min_length=1)
    metrics: list[str] = Field(default_factory=lambda: ["test_macro_f1", "cv_macro_f1_mean", "baseline_tfidf_lr_test_macro_f1"])


def load_experiment(path: str | Path) -> ExperimentConfig:
    """Read and validate an experiment file; ``base`` is resolved against the file's folder.

    Raises
    ------
    ConfigError
        The file is missing or not YAML, or a key is unknown or has the wrong type.
    """
    path = Path(path)
    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read experiment file {str(path)!r}: {exc.strerror or exc}.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}.") from exc
    if not isinstance(tree, dict):
        raise ConfigError(f"{path}: expected a mapping with base, experiment and variants.")
    if isinstance(tree.get("base"), str):
        tree["base"] = _resolve(tree["base"], path.parent)
    tree["variants"] = {name: (value or []) for name, value in (tree.get("variants") or {}).items()} if isinstance(tree.get("variants"), dict) else tree.get("variants")
    try:
        return ExperimentConfig.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(_describe_errors(exc, str(path))) from None


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse one ``--set`` argument ``a.b.c=value`` into a key path and a YAML-typed value.

    Examples
    --------
    >>> parse_override("model.learning_rate=0.1")
    (['model', 'learning_rate'], 0.1)
    >>> parse_override("features.word.ngram_range=[1, 3]")
    (['features', 'word', 'ngram_range'], [1, 3])
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"Got --set {text!r}, expected KEY=VALUE with a dotted key, e.g. model.learning_rate=0.05.")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.split("."), value


def _apply_override(tree: dict[str, Any], path: list[str], value: Any, source: str) -> None:
    node = tree
    for depth, part in enumerate(path[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            where = ".".join(path[: depth + 1])
            raise ConfigError(f"{source}: cannot set {'.'.join(path)}: {where} is a {type(child).__name__}, not a section.")
        node = child
    node[path[-1]] = value


def _describe_errors(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid config ({error.error_count()} problem{'s' if error.error_count() > 1 else ''})"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"  {where}: unknown key; check its spelling and the section it is in")
        elif item["type"] == "missing":
            lines.append(f"  {where}: required key is missing")
        elif not item["loc"] and item["type"] == "value_error":
            # A check across sections: its message names the keys; the input is the whole config.
            lines.append(f"  {item['msg'].removeprefix('Value error, ')}")
        else:
            lines.append(f"  {where}: {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Read a YAML config, apply ``--set`` overrides and validate it.

    Relative ``data.paths`` in the file are resolved against the file's folder; paths given in an
    override are resolved against the current directory, where the user typed them. The data path
    ``demo`` is the demo corpus shipped in the package. Resource files (``clean.patterns``,
    ``features.lexicon.lexicons``, ``features.attribution.gazetteer``,
    ``features.style.evaluative``) resolve like the file's data paths, except ``default``, which
    names the file shipped in ``framing/resources``.

    Parameters
    ----------
    path
        The YAML file.
    overrides
        ``KEY=VALUE`` strings; the value is parsed as YAML (``0.1``, ``true``, ``[1, 2]``).

    Returns
    -------
    Config
        The validated config.

    Raises
    ------
    ConfigError
        The file is missing or not YAML, or a key is unknown or has the wrong type; the message
        names the file and the key path.
    """
    path = Path(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read config {str(path)!r}: {exc.strerror or exc}.") from exc
    try:
        tree = yaml.safe_load(raw_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise ConfigError(f"{path}:{where}: not valid YAML: {problem}.") from exc
    if tree is None:
        tree = {}
    if not isinstance(tree, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level, got {type(tree).__name__}.")

    data = tree.get("data")
    if isinstance(data, dict) and data.get("paths") is not None:
        paths = data["paths"] if isinstance(data["paths"], list) else [data["paths"]]
        data["paths"] = [_data_path(str(p), path.parent) for p in paths]
    for keys in RESOURCE_KEYS:
        node: Any = tree
        for key in keys[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(keys[-1]), str) and node[keys[-1]] != PACKAGED:
            node[keys[-1]] = _resolve(node[keys[-1]], path.parent)

    source = str(path)
    if overrides:
        for text in overrides:
            key_path, value = parse_override(text)
            if key_path == ["data", "paths"]:
                value = [_data_path(str(p), Path()) for p in (value if isinstance(value, list) else [value])]
            _apply_override(tree, key_path, value, source)
        source = f"{path} (with --set {' '.join(overrides)})"
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(_describe_errors(exc, source)) from None


def with_values(config: Config, values: dict[str, Any]) -> Config:
    """A copy of ``config`` with dotted keys set (as ``--set`` would), validated again.

    The ``tune`` section is left out of the copy: a trial's config is a plain run config.

    Examples
    --------
    >>> base = Config.model_validate({"name": "x", "data": {"paths": ["a.jsonl"]}, "tracking": {"experiment": "e", "model_name": "m"}})
    >>> with_values(base, {"model.num_leaves": 7, "features.word.ngram_range": [1, 3]}).features.word.ngram_range
    (1, 3)

    Raises
    ------
    ConfigError
        A key is unknown or a value is invalid for it.
    """
    tree = config.model_dump(mode="json", by_alias=True, exclude={"tune"})
    for key, value in values.items():
        _apply_override(tree, key.split("."), value, "tune")
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(_describe_errors(exc, f"setting {', '.join(f'{k}={v!r}' for k, v in values.items())}")) from None


def _resolve(entry: str, base: Path) -> str:
    candidate = Path(entry).expanduser()
    if candidate.is_absolute():
        return str(candidate)
    return str(base / candidate)


def _data_path(entry: str, base: Path) -> str:
    """A data path: ``demo`` is the packaged demo corpus, anything else a path relative to ``base``."""
    if entry == DEMO:
        from framing.demo import DEMO_CORPUS

        return str(DEMO_CORPUS)
    return _resolve(entry, base)


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested sections into dotted keys, as logged to MLflow.

    Examples
    --------
    >>> flatten({"model": {"learning_rate": 0.1, "params": {}}, "seed": 1})
    {'model.learning_rate': 0.1, 'model.params': '{}', 'seed': 1}
    """
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, (dict, list, tuple)):
            flat[name] = json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)
        else:
            flat[name] = value
    return flat
