"""``framing train``: read, deduplicate, split, cross-validate, fit, calibrate, evaluate, log.

Everything a run reports comes from one protocol: near-duplicates are removed before splitting,
the test split holds out whole outlets (or the future), cross-validation folds follow the same
grouping, calibration learns from out-of-fold predictions only, and the test split is read once,
by the final model and the baselines.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from framing.config import Config, flatten
from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd

    from framing.model import Blend, FramingModel

__all__ = [
    "BlendChoice",
    "CrossValidation",
    "Fitted",
    "Prepared",
    "TrainResult",
    "Trained",
    "TrainingReport",
    "choose_blend",
    "choose_blend_on",
    "code_version",
    "cv_f1",
    "cross_validate",
    "fit_blend",
    "fit_model",
    "other_folds_rows",
    "prepare",
    "split_manifest",
    "train",
    "train_and_log",
]


@dataclass
class TrainResult:
    """What a logged training run produced (:func:`train_and_log`); everything here is also in the MLflow run."""

    run_id: str
    model_uri: str
    model_version: str | None
    metrics: dict[str, float]
    classes: list[str]
    n_records: int
    n_train: int
    n_test: int
    n_rejects: int
    n_near_duplicates: int
    fingerprint: str
    cv_scores: list[float] = field(default_factory=list)


@dataclass
class TrainingReport:
    """Everything a training run measured and made besides the model, ready to log.

    :func:`framing.track.log_training` writes it to one MLflow run: ``tags``, ``params``,
    ``metrics`` (and ``step_metrics``: ``(name, value, step)``, the per-fold scores), the
    ``artifacts`` (path -> text, or JSON-able data), ``figures`` (path -> matplotlib figure), the
    ``rejects``, and the model with its ``baseline``, drift ``reference`` and ``input_example``.
    """

    experiment: str
    run_name: str
    registered_name: str | None
    tags: dict[str, str]
    params: dict[str, Any]
    metrics: dict[str, float]
    step_metrics: list[tuple[str, float, int]]
    artifacts: dict[str, Any]
    figures: dict[str, Any]
    rejects: list[Any]
    baseline: Any
    reference: dict[str, Any] | None
    input_example: pd.DataFrame
    classes: list[str]
    n_records: int
    n_train: int
    n_test: int
    n_rejects: int
    n_near_duplicates: int
    fingerprint: str
    cv_scores: list[float] = field(default_factory=list)


class Trained(NamedTuple):
    """:func:`train`'s result: the fitted model and the report of its run (``model, report = train(config)``)."""

    model: FramingModel
    report: TrainingReport


def code_version() -> dict[str, str]:
    """The git commit of the framing source (and whether the tree had local changes), if known."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        if commit.returncode != 0:
            return {}
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, timeout=5)
        return {"git_commit": commit.stdout.strip(), "git_dirty": str(bool(dirty.stdout.strip())).lower()}
    except (OSError, subprocess.SubprocessError):
        return {}


def _say(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False, markup=False, soft_wrap=True).print(message)


def _texts(records: pd.DataFrame, rows: np.ndarray | None = None) -> list[str]:
    """The articles' texts, as :class:`framing.clean.Article` documents carrying their headline
    where the records have a title (the families that read headlines find them there)."""
    from framing.clean import articles

    frame = records if rows is None else records.iloc[rows]
    titles = frame["title"] if "title" in frame and frame["title"].notna().any() else None
    return articles(frame["text"].tolist(), None if titles is None else titles.tolist())


def _clean(records: pd.DataFrame, config: Config) -> list[Any] | None:
    """Every article through the config's cleaner, once per run (``None`` when cleaning is off).

    The cleaner learns nothing from data, so cleaning all records before splitting leaks nothing;
    cross-validation, the final model, the baseline and the probes all read these texts.
    """
    from framing.pipeline import build_cleaner

    cleaner = build_cleaner(config.clean)
    return cleaner.fit([]).transform(_texts(records)) if cleaner is not None else None


def _deduplicate(records: pd.DataFrame, config: Config, cleaned: list[Any] | None) -> tuple[pd.DataFrame, list[Any] | None, list[dict[str, Any]]]:
    """Keep one article per near-duplicate cluster: the earliest, then the smallest id.

    Compared on the cleaned text: page furniture would otherwise hide syndicated copies that two
    outlets dressed differently. Returns the kept records and their cleaned texts.
    """
    from framing.dates import parse_dates
    from framing.dedup import dedup

    if not config.dedup.enabled or len(records) < 2:
        return records, cleaned, []
    column = config.split.time_column if config.split.time_column in records else "published_at"
    dates = parse_dates(records[column]) if column in records else None
    order = np.lexsort((records["id"].to_numpy(dtype=str), dates.fillna(np.datetime64("2262-01-01")).to_numpy())) if dates is not None else None
    rank = np.empty(len(records), dtype=int)
    if order is not None:
        rank[order] = np.arange(len(records))
    texts = [str(t) for t in cleaned] if cleaned is not None else _texts(records)
    result = dedup(
        texts,
        order=rank if order is not None else None,
        threshold=config.dedup.threshold,
        shingle=config.dedup.shingle,
        num_perm=config.dedup.num_perm,
    )
    ids = records["id"].to_numpy(dtype=object)
    kept_of_cluster = {int(result.cluster[i]): ids[i] for i in np.flatnonzero(result.keep)}
    removed = [{"id": ids[i], "kept": kept_of_cluster[int(result.cluster[i])]} for i in np.flatnonzero(~result.keep)]
    kept = [cleaned[i] for i in np.flatnonzero(result.keep)] if cleaned is not None else None
    return records[result.keep].reset_index(drop=True), kept, removed


def _leakage_probe(model: FramingModel, records: pd.DataFrame, seed: int, matrix: Any = None) -> dict[str, float]:
    """How well the model's own features tell the outlets apart (held-out part of the training side).

    A high score means the features still carry the outlet's identity: a model could lean on it.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MaxAbsScaler

    outlets = records["outlet"].fillna("(unknown)").astype(str).to_numpy()
    names, counts = np.unique(outlets, return_counts=True)
    keep = np.isin(outlets, names[counts >= 2])
    n_outlets = len(names[counts >= 2])
    if n_outlets < 2 or keep.sum() < 2 * n_outlets:
        return {}
    if matrix is None:
        matrix = model.features(_texts(records))
    X = MaxAbsScaler().fit_transform(matrix)[keep]
    y = outlets[keep]
    # At least one held-out article per outlet, however long the tail of small outlets.
    test_size = max(0.3, n_outlets / len(y))
    if len(y) - round(test_size * len(y)) < n_outlets:
        return {}
    train, test = train_test_split(np.arange(len(y)), test_size=test_size, random_state=seed, stratify=y)
    probe = LogisticRegression(max_iter=2000, class_weight="balanced").fit(X[train], y[train])
    from framing.evaluate import classification_metrics

    score = classification_metrics(y[test], probe.predict(X[test]), sorted(set(y)))["macro_f1"]
    return {"leakage_outlet_macro_f1": score, "leakage_outlet_chance": 1.0 / len(set(y))}


@dataclass
class Prepared:
    """The data of a run after reading, leaving out undated records, deduplicating and splitting."""

    corpus: Any
    records: pd.DataFrame
    y: np.ndarray
    classes: list[str]
    split: Any
    near_duplicates: list[dict[str, Any]]
    undated: int
    # The records' texts through the config's cleaner (None when cleaning is off), and the clean
    # section they were made with: a tuning trial that changes cleaning cleans again.
    cleaned: list[Any] | None = None
    cleaned_with: dict[str, Any] | None = None

    def cleaned_for(self, config: Config, rows: np.ndarray) -> list[Any] | None:
        """The cleaned texts of ``rows`` if ``config`` cleans as this data was cleaned, else ``None``."""
        if self.cleaned is None or config.clean.model_dump() != self.cleaned_with:
            return None
        return [self.cleaned[i] for i in rows]


def prepare(config: Config, *, report: Callable[[str], None] = _say, config_path: str | Path | None = None) -> Prepared:
    """Read the corpus and apply the run's protocol up to the split (no model is fitted).

    Records are sorted by id (the split then depends on the records alone, not on file order),
    records without a readable date are left out when ``split.drop_undated``, near-duplicates are
    removed, and the held-out split is drawn. ``framing lexicon suggest`` uses the same steps, so
    it ranks terms on the training side only.

    Raises
    ------
    FramingError
        No label field is configured, or the data has fewer than 2 classes.
    framing.evaluate.SplitError
        The data cannot be split as configured.
    """
    from framing.corpus import read_corpus
    from framing.dates import parse_dates
    from framing.evaluate import SplitError, holdout_split

    if config.data.label is None:
        raise FramingError(f"Got data.label=None in {config_path or 'the config'}, expected the name of the label field to train on.")
    corpus = read_corpus(config.data)
    records = corpus.records.sort_values("id", kind="stable", ignore_index=True)
    label = config.data.label
    report(f"read {len(records)} records from {len(corpus.files)} file(s); {corpus.n_rejects} rejected")
    undated = 0
    if config.split.drop_undated:
        if config.split.time_column not in records:
            raise SplitError(f"Got split.time_column={config.split.time_column!r}, but the records have no such field.")
        dated = parse_dates(records[config.split.time_column]).notna().to_numpy()
        undated = int((~dated).sum())
        records = records[dated].reset_index(drop=True)
        report(f"left out {undated} records without a readable {config.split.time_column!r} (split.drop_undated)")
    records, cleaned, near_duplicates = _deduplicate(records, config, _clean(records, config))
    if config.dedup.enabled:
        report(f"near-duplicates (threshold {config.dedup.threshold}): {len(near_duplicates)} removed, {len(records)} kept")
    y = records[label].astype(str).to_numpy()
    classes = list(config.data.classes) if config.data.classes else sorted(set(y))
    if len(set(y)) < 2:
        raise FramingError(f"Training needs at least 2 classes in {label!r}, found {sorted(set(y))}.")
    split = holdout_split(records, y, config.split, config.seed)
    report(f"split {config.split.kind}: {len(split.train)} train, {len(split.test)} test ({len(split.test) / len(records):.0%})")
    return Prepared(corpus, records, y, classes, split, near_duplicates, undated, cleaned, config.clean.model_dump())


def train(
    config: Config,
    *,
    config_path: str | Path | None = None,
    report: Callable[[str], None] = _say,
    prepared: Prepared | None = None,
) -> Trained:
    """Train and evaluate the model a config describes, without MLflow: the model and its report.

    The whole protocol of a run: read, deduplicate, split, cross-validate, fit, calibrate on the
    out-of-fold predictions, evaluate on the held-out split beside the baselines, probe for
    leakage. Nothing is logged; :func:`framing.track.log_training` logs the report (as
    :func:`train_and_log` and ``framing train`` do).

    Parameters
    ----------
    config
        A validated config.
    config_path
        The YAML file the config came from (kept in the report beside the resolved config).
    report
        Receives one line per step (progress for the terminal).
    prepared
        The records and split to use instead of preparing them from ``config`` (``framing tune``
        passes its own, so the retrained best sees exactly the split its trials saw, even when
        the best trial changed the cleaning that deduplication uses).

    Returns
    -------
    Trained
        ``(model, report)``: a :class:`framing.model.FramingModel` and a :class:`TrainingReport`.

    Raises
    ------
    FramingError
        No label field is configured, or the data has fewer than 2 classes.
    framing.corpus.CorpusError
        A file-level problem in the data.
    framing.evaluate.SplitError
        The data cannot be split as configured.

    Examples
    --------
    >>> model, run = train(load_config("configs/stance.yaml"))  # doctest: +SKIP
    >>> run.metrics["test_macro_f1"], model.predict(["Rezim Zionis ..."])  # doctest: +SKIP
    """
    import yaml

    from framing.evaluate import (
        baseline_pipeline,
        classification_metrics,
        cv_splits,
        majority_baseline,
        report as evaluation_report,
    )
    from framing.pipeline import stack_groups
    from framing.plots import top_features_figure

    started = time.perf_counter()
    data = prepared if prepared is not None else prepare(config, report=report, config_path=config_path)
    corpus, records, y, classes, split = data.corpus, data.records, data.y, data.classes, data.split
    near_duplicates, undated, label = data.near_duplicates, data.undated, config.data.label
    if label is None:  # prepare() refuses such a config; this is one passed with a prepared data set
        raise FramingError(f"Got data.label=None in {config_path or 'the config'}, expected the name of the label field to train on.")
    train_records, test_records = records.iloc[split.train].reset_index(drop=True), records.iloc[split.test].reset_index(drop=True)
    y_train, y_test = y[split.train], y[split.test]
    gaps = {
        "framing.classes_missing_from_train": sorted(set(classes) - set(y_train)),
        "framing.classes_missing_from_test": sorted(set(classes) - set(y_test)),
    }
    for tag, missing in gaps.items():
        if missing:
            report(f"warning: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} absent from the {tag.rsplit('_', 1)[1]} side")

    resolved = config.model_dump(mode="json")
    tags = {"framing.head": label, "framing.split": config.split.kind} | {f"framing.{k}": v for k, v in code_version().items()}
    tags |= {tag: ", ".join(missing) for tag, missing in gaps.items() if missing}
    grouped = config.split.kind == "group"
    has_outlet = records["outlet"].notna().any()
    fingerprint = corpus.fingerprint()
    params = flatten(resolved) | {"data.fingerprint": fingerprint, "data.files": ", ".join(corpus.files), "model.classes": ", ".join(classes)}
    artifacts: dict[str, Any] = {"config/resolved.yaml": yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)}
    if config_path is not None:
        artifacts[f"config/{Path(config_path).name}"] = Path(config_path).read_text(encoding="utf-8")
    metrics: dict[str, float] = {
        "data.n_records": len(records),
        "data.n_rejects": corpus.n_rejects,
        "data.n_near_duplicates": len(near_duplicates),
        "data.n_undated": undated,
        "data.n_train": len(split.train),
        "data.n_test": len(split.test),
        "data.test_share": len(split.test) / len(records),
    }
    if near_duplicates:
        artifacts["data/near_duplicates.json"] = near_duplicates
    step_metrics: list[tuple[str, float, int]] = []

    folds = cv_splits(train_records, y_train, config.split, config.seed)

    def fold_done(number: int, score: float) -> None:
        report(f"cv fold {number}/{len(folds)}: macro-F1 {score:.3f} (so far: blended as the earlier folds choose)")

    cleaned_train, cleaned_test = data.cleaned_for(config, split.train), data.cleaned_for(config, split.test)
    groups = stack_groups(train_records, config.split, config.features.text_scores.inner_folds)
    fitted = fit_model(config, _texts(train_records), y_train, classes, folds, groups=groups, cleaned=cleaned_train, on_fold=fold_done, report=report)
    model, X_train, cv_scores = fitted.model, fitted.X_train, fitted.blend.scores
    step_metrics += [("cv_macro_f1", score, number) for number, score in enumerate(cv_scores, start=1)]
    if fitted.blend.table:
        report(f"cv macro-F1 per fold, blended as the other folds choose (logged): {', '.join(f'{v:.3f}' for v in cv_scores)}")
    artifacts["data/split_manifest.json"] = split_manifest(config, train_records, test_records, folds)
    if fitted.blend.table:
        import pandas as pd

        artifacts["tables/blend_weights.csv"] = pd.DataFrame(fitted.blend.table).to_csv(index=False)
    metrics["blend_lightgbm_weight"] = fitted.blend.weight

    X_test = model.features(_texts(test_records), cleaned=cleaned_test)
    own = [classes.index(str(c)) for c in model.classes_]
    proba_test = _aligned(model, model.uncalibrated_proba_of(X_test), classes)
    proba_before = None
    if model.calibrator is not None:
        # On the probabilities already computed: no second pass over the test articles.
        proba_before, proba_test = proba_test, proba_test.copy()
        proba_test[:, own] = model.calibrate(proba_before[:, own])

    # Per-outlet breakdown; the interval resamples the groups the split held out.
    test_outlets = test_records["outlet"].fillna("(unknown)").astype(str).to_numpy() if has_outlet else None
    held_out = test_records[config.split.group_column].astype(str).to_numpy() if grouped else None
    result = evaluation_report(
        y_test,
        proba_test,
        classes,
        groups=test_outlets,
        interval_groups=held_out,
        n_boot=config.evaluation.bootstrap,
        seed=config.seed,
        title=f"{label}, held-out {config.split.kind} split: ",
        proba_before=proba_before,
    )
    metrics |= {f"test_{k}": v for k, v in result.metrics.items()}
    if cv_scores:
        metrics |= {"cv_macro_f1_mean": float(np.mean(cv_scores)), "cv_macro_f1_std": float(np.std(cv_scores))}

    # The baseline reads the same cleaned text (cleaned once, above) as the model.
    baseline_cleaner = model.cleaner if cleaned_train is None else None
    baseline_in = (cleaned_train, cleaned_test) if cleaned_train is not None else (_texts(train_records), _texts(test_records))
    baseline = baseline_pipeline(config.seed, baseline_cleaner).fit(baseline_in[0], y_train)
    baselines = {
        "majority": majority_baseline().fit(np.zeros((len(y_train), 1)), y_train).predict(np.zeros((len(y_test), 1))),
        "tfidf_lr": baseline.predict(baseline_in[1]),
    }
    if cleaned_train is not None:
        # Logged with the model, the baseline reads raw articles as the model does: put the
        # model's own fitted cleaner (it learns nothing from data) in front of it.
        from sklearn.pipeline import Pipeline

        baseline = Pipeline([("clean", model.cleaner), *baseline.steps])
    for name, predicted in baselines.items():
        scores = classification_metrics(y_test, predicted, classes)
        metrics |= {f"baseline_{name}_test_{k}": scores[k] for k in ("macro_f1", "accuracy", "balanced_accuracy")}
    metrics["baseline_best_test_macro_f1"] = max(metrics["baseline_majority_test_macro_f1"], metrics["baseline_tfidf_lr_test_macro_f1"])
    metrics["test_macro_f1_margin_over_baseline"] = metrics["test_macro_f1"] - metrics["baseline_best_test_macro_f1"]

    metrics |= _probes(config, model, train_records, test_records, y_train, y_test, classes, groups, X_train, metrics, tags, report, has_outlet=has_outlet)

    figures = {f"plots/{name}.png": figure for name, figure in result.figures.items()}
    for name, table in result.tables.items():
        artifacts[f"tables/{name}.csv"] = table.to_csv(index=False)
    weight = model.blend.weight if model.blend is not None else 1.0
    figures["plots/top_features.png"] = top_features_figure(
        model.feature_names_out(),
        model.gains().tolist(),
        k=config.evaluation.top_features,
        title=f"{label}: top features by LightGBM gain" + (f" (blend weight {weight:g})" if weight < 1 else ""),
    )
    # What scoring compares a batch with, to warn about drift (top features by gain, binned).
    # On the matrix LightGBM was trained on: out-of-fold text scores, as new articles get them.
    reference = model.reference_profile(_texts(train_records), config.scoring.drift_features, matrix=X_train)
    metrics["train_seconds"] = time.perf_counter() - started
    run = TrainingReport(
        experiment=config.tracking.experiment,
        run_name=config.name,
        registered_name=config.tracking.model_name if config.tracking.register_model else None,
        tags=tags,
        params=params,
        metrics=metrics,
        step_metrics=step_metrics,
        artifacts=artifacts,
        figures=figures,
        rejects=list(corpus.rejects),
        baseline=baseline,
        reference=reference,
        input_example=test_records[["text"]],
        classes=classes,
        n_records=len(records),
        n_train=len(split.train),
        n_test=len(split.test),
        n_rejects=corpus.n_rejects,
        n_near_duplicates=len(near_duplicates),
        fingerprint=fingerprint,
        cv_scores=cv_scores,
    )
    return Trained(model, run)


@dataclass
class Fitted:
    """A config's model fitted on a training side: the model, the matrix LightGBM was trained on
    (out-of-fold text scores), the cross-validation and the blend chosen from it."""

    model: FramingModel
    X_train: Any
    cv: CrossValidation
    blend: BlendChoice


def fit_model(
    config: Config,
    texts: list[Any],
    y: np.ndarray,
    classes: list[str],
    folds: list[Any],
    *,
    groups: np.ndarray | None = None,
    cleaned: list[Any] | None = None,
    on_fold: Callable[[int, float], None] | None = None,
    report: Callable[[str], None] = _say,
) -> Fitted:
    """Cross-validate, choose the blend on the out-of-fold predictions, fit on all of ``texts``,
    and calibrate on the (blended) out-of-fold probabilities: the model a run evaluates and logs.

    Parameters
    ----------
    config
        The run's config.
    texts, y, classes
        The training side only, and the class order of probability columns.
    folds, groups, cleaned, on_fold
        As :func:`cross_validate`.
    report
        Receives a line on the blend chosen and one on the calibration.

    Returns
    -------
    Fitted
        Nothing here reads the test split.
    """
    from framing.model import FramingModel
    from framing.pipeline import build_pipeline, fit_pipeline

    cv = cross_validate(config, texts, y, classes, folds, groups=groups, cleaned=cleaned, on_fold=on_fold)
    choice = choose_blend(config, cv, y, classes)
    if choice.table:
        chosen = next(row["macro_f1"] for row in choice.table if row["weight"] == choice.weight)
        alone = f"LightGBM alone {cv_f1(cv.oof, y, classes):.3f}"
        report(f"blend: LightGBM weight {choice.weight:g} chosen on out-of-fold macro-F1 {chosen:.3f} ({alone})")
    pipeline = build_pipeline(config)
    X_train = fit_pipeline(pipeline, texts, y, groups=groups, cleaned=cleaned)
    model = FramingModel(pipeline)
    if choice.weight < 1:
        model = FramingModel(pipeline, blend=fit_blend(config, model, X_train, y, choice.weight))
    if config.calibration.method != "none":
        seen = ~np.isnan(choice.oof).any(axis=1)
        model = model.calibrated(choice.oof[seen], y[seen], classes, config.calibration.method)
        report(f"calibration ({config.calibration.method}) fitted on {int(seen.sum())} out-of-fold predictions")
    return Fitted(model, X_train, cv, choice)


def _probes(
    config: Config,
    model: FramingModel,
    train_records: pd.DataFrame,
    test_records: pd.DataFrame,
    y_train: np.ndarray,
    y_test: np.ndarray,
    classes: list[str],
    groups: np.ndarray | None,
    X_train: Any,
    metrics: dict[str, float],
    tags: dict[str, str],
    report: Callable[[str], None],
    *,
    has_outlet: bool,
) -> dict[str, float]:
    """The leakage probes: can the features tell the outlets apart, and what does masking change.

    A probe that fails is reported (and tagged ``framing.probe_error``) without losing the run.
    """
    from sklearn.base import clone

    from framing.evaluate import classification_metrics
    from framing.pipeline import fit_pipeline

    probes: dict[str, float] = {}
    try:
        if config.evaluation.leakage_probe and has_outlet:
            probes |= _leakage_probe(model, train_records, config.seed, X_train)
            if not probes:
                report("leakage probe skipped: too few outlets with at least 2 training articles")
        if config.evaluation.masking_probe and config.clean.enabled and config.clean.mask_self_names:
            unmasked = clone(model.pipeline).set_params(clean__mask_self_names=False)
            fit_pipeline(unmasked, _texts(train_records), y_train, groups=groups)
            unmasked_f1 = classification_metrics(y_test, unmasked.predict(_texts(test_records)), classes)["macro_f1"]
            # Against the uncalibrated score: the unmasked model is not calibrated either.
            masked_f1 = metrics.get("test_uncalibrated_macro_f1", metrics["test_macro_f1"])
            probes |= {"leakage_unmasked_test_macro_f1": unmasked_f1, "leakage_masking_effect": unmasked_f1 - masked_f1}
    except Exception as exc:  # noqa: BLE001 - a failing probe must not lose the run's result
        report(f"warning: a leakage probe failed ({type(exc).__name__}: {exc}); the run is kept without it")
        tags["framing.probe_error"] = f"{type(exc).__name__}: {exc}"[:500]
    return probes


def train_and_log(
    config: Config,
    *,
    config_path: str | Path | None = None,
    report: Callable[[str], None] = _say,
    prepared: Prepared | None = None,
) -> TrainResult:
    """:func:`train`, then log the model and its report to one MLflow run (what ``framing train`` does).

    Parameters and exceptions as :func:`train`; the run is logged under ``tracking.experiment``
    and the model registered as ``tracking.model_name`` when ``tracking.register_model``.
    """
    from framing import track

    model, run = train(config, config_path=config_path, report=report, prepared=prepared)
    logged = track.log_training(model, run)
    return TrainResult(
        run_id=logged.run_id,
        model_uri=logged.model_uri,
        model_version=logged.version,
        metrics=run.metrics,
        classes=run.classes,
        n_records=run.n_records,
        n_train=run.n_train,
        n_test=run.n_test,
        n_rejects=run.n_rejects,
        n_near_duplicates=run.n_near_duplicates,
        fingerprint=run.fingerprint,
        cv_scores=run.cv_scores,
    )


def split_manifest(config: Config, train_records: pd.DataFrame, test_records: pd.DataFrame, folds: list[Any]) -> dict[str, Any]:
    """Which records went where: the train and test sides and each fold's ids (a run artifact)."""

    def side(frame: pd.DataFrame) -> list[dict[str, Any]]:
        columns = ["id"] + [c for c in ("outlet", "published_at") if frame[c].notna().any()]
        return frame[columns].to_dict(orient="records")

    return {
        "kind": config.split.kind,
        "group_column": config.split.group_column if config.split.kind == "group" else None,
        "train": side(train_records),
        "test": side(test_records),
        "folds": [{"train_ids": train_records["id"].iloc[f.train].tolist(), "validation_ids": train_records["id"].iloc[f.test].tolist()} for f in folds],
    }


@dataclass
class CrossValidation:
    """Out-of-fold predictions of a config's model over the cross-validation folds.

    ``oof`` holds LightGBM's probabilities and ``oof_stacker`` the text-score stacker's (``None``
    when the config blends nothing: ``blend.enabled`` off, or no text scores), both with columns
    in the order of ``classes`` and NaN rows for records no fold validated. ``scores`` is
    LightGBM's macro-F1 per fold; :func:`choose_blend` gives the blend's.
    """

    scores: list[float]
    oof: np.ndarray
    oof_stacker: np.ndarray | None
    folds: list[Any]


def cross_validate(
    config: Config,
    texts: list[str],
    y: np.ndarray,
    classes: list[str],
    folds: list[Any],
    *,
    groups: np.ndarray | None = None,
    cleaned: list[Any] | None = None,
    on_fold: Callable[[int, float], None] | None = None,
) -> CrossValidation:
    """Fit the config's pipeline (and its text-score stacker) on each fold's training rows and
    predict its validation rows.

    Parameters
    ----------
    texts, y
        The training side only (the folds index into it).
    folds
        From :func:`framing.evaluate.cv_splits`.
    groups
        Groups of the training side for the stacked text scores' inner folds
        (:func:`framing.pipeline.stack_groups`).
    cleaned
        ``texts`` through the config's cleaner, so that no fold cleans them again.
    on_fold
        Called with ``(fold number from 1, macro-F1)`` after each fold, the score of the blend
        with the weight the earlier folds choose (of LightGBM when nothing is blended); it may
        raise to stop (a tuning trial being pruned).
    """
    from framing.evaluate import classification_metrics
    from framing.model import FramingModel
    from framing.pipeline import build_pipeline, fit_pipeline

    scores: list[float] = []
    oof = np.full((len(texts), len(classes)), np.nan)
    oof_stacker = np.full((len(texts), len(classes)), np.nan) if config.blend.enabled else None
    for number, fold in enumerate(folds, start=1):
        pipeline = build_pipeline(config)
        X_fit = fit_pipeline(
            pipeline,
            [texts[i] for i in fold.train],
            y[fold.train],
            groups=groups[fold.train] if groups is not None else None,
            cleaned=[cleaned[i] for i in fold.train] if cleaned is not None else None,
        )
        model = FramingModel(pipeline)
        X = model.features([texts[i] for i in fold.test], cleaned=[cleaned[i] for i in fold.test] if cleaned is not None else None)
        proba = _aligned(model, model.uncalibrated_proba_of(X), classes)
        oof[fold.test] = proba
        if oof_stacker is not None:
            stacker = fit_blend(config, model, X_fit, y[fold.train], weight=0.0)
            if stacker is None:
                oof_stacker = None  # no text-score columns: nothing to blend with
            else:
                oof_stacker[fold.test] = _aligned(model, stacker.proba(X), classes)
        names = np.asarray(classes, dtype=object)
        score = classification_metrics(y[fold.test], names[proba.argmax(axis=1)], classes)["macro_f1"]
        scores.append(score)
        if on_fold is not None:
            if oof_stacker is not None:
                # The fold's score as the run would use it: blended with the weight the earlier
                # folds choose (LightGBM alone for the first).
                earlier = other_folds_rows(folds[:number], number - 1, True)
                w = choose_blend_on(config, CrossValidation(scores, oof, oof_stacker, folds), y, classes, earlier)
                score = classification_metrics(y[fold.test], names[(w * proba + (1 - w) * oof_stacker[fold.test]).argmax(axis=1)], classes)["macro_f1"]
            on_fold(number, score)
    return CrossValidation(scores, oof, oof_stacker, folds)


@dataclass
class BlendChoice:
    """LightGBM's weight in the blend, chosen on out-of-fold predictions, and what it gives.

    ``table`` has one row per candidate weight: ``weight``, out-of-fold ``macro_f1`` and
    ``log_loss``. ``oof`` is the out-of-fold probabilities blended with ``weight``. ``scores`` is
    the macro-F1 per fold of a blend whose weight was chosen *without* that fold (on the other
    folds; under a time split on the earlier ones, LightGBM alone for the first), so that the
    cross-validation score does not profit from the choice it reports.
    """

    weight: float
    oof: np.ndarray
    scores: list[float]
    table: list[dict[str, float]]


def _weight_table(weights: list[float], lightgbm: np.ndarray, stacker: np.ndarray, y: np.ndarray, classes: list[str]) -> tuple[float, list[dict[str, float]]]:
    """The best of ``weights`` on these rows (macro-F1, then lower log-loss, then larger weight) and the table."""
    from framing.evaluate import classification_metrics

    names = np.asarray(classes, dtype=object)
    truth = np.array([classes.index(str(label)) for label in y])
    table, best = [], None
    for weight in weights:
        proba = weight * lightgbm + (1 - weight) * stacker
        f1 = classification_metrics(y, names[proba.argmax(axis=1)], classes)["macro_f1"]
        loss = float(-np.log(np.clip(proba[np.arange(len(truth)), truth], 1e-6, 1)).mean())
        table.append({"weight": float(weight), "macro_f1": float(f1), "log_loss": loss})
        key = (round(f1, 9), -round(loss, 9), weight)  # rounded: equal blends differ in the last bits
        best = key if best is None or key > best else best
    assert best is not None  # blend.weights is never empty
    return float(best[2]), table


def other_folds_rows(folds: list[Any], k: int, time_split: bool) -> np.ndarray:
    """Rows validated by the folds other than ``k`` (earlier ones only under a time split)."""
    rows = [f.test for j, f in enumerate(folds) if (j < k if time_split else j != k)]
    return np.concatenate(rows) if rows else np.array([], dtype=int)


def choose_blend_on(config: Config, cv: CrossValidation, y: np.ndarray, classes: list[str], rows: np.ndarray) -> float:
    """LightGBM's weight chosen on the out-of-fold predictions of ``rows`` only (1 when nothing is blended)."""
    if cv.oof_stacker is None or not len(rows):
        return 1.0
    return _weight_table(list(config.blend.weights), cv.oof[rows], cv.oof_stacker[rows], y[rows], classes)[0]


def choose_blend(config: Config, cv: CrossValidation, y: np.ndarray, classes: list[str]) -> BlendChoice:
    """Choose LightGBM's weight in the blend from ``blend.weights`` on the pooled out-of-fold
    predictions of ``cv``.

    Parameters
    ----------
    config
        The run's config (``blend.weights``, ``split.kind``).
    cv
        From :func:`cross_validate`.
    y, classes
        The labels of the rows ``cv`` covers, and the class order of its columns.

    Returns
    -------
    BlendChoice
        Weight 1 (LightGBM alone) and LightGBM's fold scores when there is nothing to blend
        (``blend.enabled`` off, no text scores, no validated rows).
    """
    from framing.evaluate import classification_metrics

    seen = ~np.isnan(cv.oof).any(axis=1)
    if cv.oof_stacker is None or not seen.any():
        return BlendChoice(1.0, cv.oof, list(cv.scores), [])
    weights = list(config.blend.weights)
    weight, table = _weight_table(weights, cv.oof[seen], cv.oof_stacker[seen], y[seen], classes)
    names = np.asarray(classes, dtype=object)
    scores = []
    for k, fold in enumerate(cv.folds):
        w = choose_blend_on(config, cv, y, classes, other_folds_rows(cv.folds, k, config.split.kind == "time"))
        proba = w * cv.oof[fold.test] + (1 - w) * cv.oof_stacker[fold.test]
        scores.append(classification_metrics(y[fold.test], names[proba.argmax(axis=1)], classes)["macro_f1"])
    return BlendChoice(weight, weight * cv.oof + (1 - weight) * cv.oof_stacker, scores, table)


def fit_blend(config: Config, model: FramingModel, X: Any, y: np.ndarray, weight: float) -> Blend | None:
    """The text-score stacker of ``model``, fitted on ``X``, as a :class:`framing.model.Blend`.

    Parameters
    ----------
    config
        The run's config (``blend.C``, ``seed``).
    model
        The fitted model whose ``text_scores__*`` columns the stacker reads.
    X, y
        The matrix LightGBM was trained on (its text scores are out of fold) and its labels.
    weight
        LightGBM's share in the blend.

    Returns
    -------
    Blend or None
        ``None`` when the model has no text-score columns.
    """
    from sklearn.linear_model import LogisticRegression

    from framing.drift import dense_columns
    from framing.model import Blend

    columns = [j for j, name in enumerate(model.feature_names_out()) if name.startswith("text_scores__")]
    if not columns:
        return None
    values = dense_columns(X, columns)
    stacker = LogisticRegression(C=config.blend.C, class_weight="balanced", max_iter=2000, random_state=config.seed).fit(values, y)
    if [str(c) for c in stacker.classes_] != [str(c) for c in model.classes_]:  # both fitted on y: sorted the same
        raise FramingError(f"The stacker's classes {list(stacker.classes_)} differ from LightGBM's {list(model.classes_)}.")
    return Blend(stacker, columns, weight, values.mean(axis=0))


def cv_f1(oof: np.ndarray, y: np.ndarray, classes: list[str]) -> float:
    """Pooled macro-F1 of out-of-fold probabilities over the rows some fold validated."""
    from framing.evaluate import classification_metrics

    seen = ~np.isnan(oof).any(axis=1)
    return float(classification_metrics(y[seen], np.asarray(classes, dtype=object)[oof[seen].argmax(axis=1)], classes)["macro_f1"])


def _aligned(model: FramingModel, proba: np.ndarray, classes: list[str]) -> np.ndarray:
    """The model's probabilities ``proba`` with columns in the order of ``classes`` (zeros for a
    class the model never saw)."""
    out = np.zeros((len(proba), len(classes)))
    for k, name in enumerate(model.classes_):
        out[:, classes.index(str(name))] = proba[:, k]
    return out
