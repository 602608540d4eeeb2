"""Is framing better than the bag of words it logs beside itself? Test macro-F1 against TF-IDF + LR.

For each task the data are read, cleaned once, deduplicated and split exactly as ``framing train``
does (``framing.training.prepare``); framing's model is fitted as ``framing train`` fits it
(``framing.training.fit_model``: cross-validation on the training side, the LightGBM/stacker blend
weight chosen on its out-of-fold predictions, the final fit) and the TF-IDF (word 1-2) + logistic
regression baseline on the same training rows; both are scored on the same test rows by the argmax
of their probabilities (calibration is left out: the default, temperature, never moves the argmax). The 95% interval
resamples whole groups under a grouped split and articles otherwise. The notes give the LightGBM
weight each run chose.

Tasks:
- ``demo_stance``, ``demo_outlet_style``: the demo corpus, outlets held out (configs/*.yaml).
- ``demo_outlet_style_x10``: the same task over ten outlet holdouts (split seeds 42 to 51): with
  seven outlets, one test split holds two outlets (84 articles) and its macro-F1 swings from 0.2 to
  0.9 with which two; the mean of ten is the figure to compare. Printed: the mean, the range over
  the splits in brackets, and on how many splits framing was ahead.
- ``indosum_random``: IndoSum ``category`` (6 classes), stratified random 20% test.
- ``indosum_source``: IndoSum ``category``, whole sources held out; the split seed is the first
  whose training side keeps every class (sport comes from two sources only).
- ``indonews_time``: indonews outlet identification, trained before 12 June 2025, tested 18-20 June.

Variants (``--ablations``): ``default``; ``no_domain`` (lexicon, attribution, style off);
``no_text_scores`` (text scores off, raw word TF-IDF columns on: the previous design);
``no_title`` (no headline text score, no lexicon hits counted in the headline); ``no_blend``
(LightGBM alone, ``blend.enabled=false``: the design before the blend).

    python benchmarks/accuracy.py                       # the table, default design
    python benchmarks/accuracy.py --ablations           # plus the four ablations
    python benchmarks/accuracy.py --tasks demo_stance indosum_random --set model.num_leaves=7
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# The real corpora: ../shared/data beside the checkout, or wherever FRAMING_SHARED_DATA points.
SHARED = Path(os.environ.get("FRAMING_SHARED_DATA", ROOT.parent / "shared" / "data"))

TASKS: dict[str, dict[str, Any]] = {
    "demo_stance": {"config": ROOT / "configs" / "stance.yaml", "set": []},
    "demo_outlet_style": {"config": ROOT / "configs" / "outlet_style.yaml", "set": []},
    "demo_outlet_style_x10": {"config": ROOT / "configs" / "outlet_style.yaml", "set": [], "repeats": 10},
    "indosum_random": {
        "config": ROOT / "configs" / "stance.yaml",
        "set": [
            f"data.paths=[{SHARED / 'indosum' / 'dev.0*.jsonl'}]",
            "data.reader=indosum",
            "data.label=category",
            "data.classes=null",
            "data.columns={category: category}",
            "split.kind=random",
        ],
        "needs": SHARED / "indosum",
    },
    "indosum_source": {
        "config": ROOT / "configs" / "stance.yaml",
        "set": [
            f"data.paths=[{SHARED / 'indosum' / 'dev.0*.jsonl'}]",
            "data.reader=indosum",
            "data.label=category",
            "data.classes=null",
            "data.columns={category: category}",
            "split.kind=group",
            "split.group_column=outlet",
        ],
        "needs": SHARED / "indosum",
        "all_classes_in_train": True,
    },
    "indonews_time": {"config": ROOT / "experiments" / "indonews_outlet.yaml", "set": [], "needs": SHARED / "indonews_2025"},
}

VARIANTS: dict[str, list[str]] = {
    "default": [],
    "no_domain": ["features.lexicon.enabled=false", "features.attribution.enabled=false", "features.style.enabled=false"],
    "no_text_scores": ["features.text_scores.enabled=false", "features.word.enabled=true"],
    "no_title": ["features.text_scores.title=false", "features.lexicon.title=false"],
    "no_blend": ["blend.enabled=false"],
}


def _prepared(name: str, extra: list[str]) -> list[tuple[Any, Any, str]]:
    """The task's config and its prepared data (read, cleaned, deduplicated, split): one per split."""
    from dataclasses import replace

    from framing.config import load_config
    from framing.evaluate import SplitError, holdout_split
    from framing.training import prepare

    task = TASKS[name]
    config = load_config(task["config"], [*task["set"], *extra])
    data = prepare(config, report=lambda line: None)
    if task.get("repeats"):
        splits = []
        for seed in range(config.seed, config.seed + task["repeats"]):
            split = holdout_split(data.records, data.y, config.split, seed)
            held = sorted(set(data.records[config.split.group_column].iloc[split.test].astype(str)))
            splits.append((config.model_copy(update={"seed": seed}), replace(data, split=split), f"seed {seed}: {', '.join(held)}"))
        return splits
    if not task.get("all_classes_in_train"):
        return [(config, data, "")]
    for seed in range(config.seed, config.seed + 200):
        try:
            split = holdout_split(data.records, data.y, config.split, seed)
        except SplitError:
            continue
        if set(data.y[split.train]) == set(data.y):
            held = sorted(set(data.records[config.split.group_column].iloc[split.test].astype(str)))
            return [(config.model_copy(update={"seed": seed}), replace(data, split=split), f"split seed {seed}; test sources: {', '.join(held)}")]
    raise SystemExit(f"{name}: no split seed in 200 keeps every class on the training side")


def _score(config: Any, data: Any) -> dict[str, Any]:
    """Framing as ``framing train`` fits it (cross-validation, the blend chosen out of fold, the
    final fit) on the training side, scored by the argmax of its probabilities on the test side."""
    from framing.evaluate import bootstrap_interval, classification_metrics, cv_splits
    from framing.pipeline import stack_groups
    from framing.training import _texts, fit_model

    split, records, y = data.split, data.records, data.y
    train_records = records.iloc[split.train].reset_index(drop=True)
    texts_train, texts_test = _texts(records, split.train), _texts(records, split.test)
    cleaned_train, cleaned_test = data.cleaned_for(config, split.train), data.cleaned_for(config, split.test)
    classes = data.classes
    groups = records[config.split.group_column].astype(str).to_numpy()[split.test] if config.split.kind == "group" else None

    started = time.perf_counter()
    folds = cv_splits(train_records, y[split.train], config.split, config.seed)
    stack = stack_groups(train_records, config.split, config.features.text_scores.inner_folds)
    fitted = fit_model(config, texts_train, y[split.train], classes, folds, groups=stack, cleaned=cleaned_train, report=lambda line: None)
    model = fitted.model
    proba = model.uncalibrated_proba_of(model.features(texts_test, cleaned=cleaned_test))
    predicted = np.asarray(model.classes_, dtype=object)[proba.argmax(axis=1)]
    seconds = time.perf_counter() - started
    f1 = classification_metrics(y[split.test], predicted, classes)["macro_f1"]
    low, high = bootstrap_interval(y[split.test], predicted, classes, groups=groups, n_boot=500, seed=config.seed)
    inner = model.families().get("text_scores")
    return {"f1": f1, "low": low, "high": high, "seconds": seconds, "inner": getattr(inner, "inner_split_", "-"), "weight": fitted.blend.weight}


def _baseline(config: Any, data: Any) -> float:
    from framing.evaluate import baseline_pipeline, classification_metrics

    split, y = data.split, data.y
    train = data.cleaned_for(config, split.train)
    test = data.cleaned_for(config, split.test)
    cleaner = None
    if train is None:
        train, test = data.records["text"].iloc[split.train].tolist(), data.records["text"].iloc[split.test].tolist()
    predicted = baseline_pipeline(config.seed, cleaner).fit(train, y[split.train]).predict(test)
    return classification_metrics(y[split.test], predicted, data.classes)["macro_f1"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="+", choices=sorted(TASKS), default=list(TASKS))
    parser.add_argument("--ablations", action="store_true", help="also run no_domain, no_text_scores, no_title and no_blend")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), help="run exactly these variants")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="a config override for every task (KEY=VALUE)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    variants = args.variants or (list(VARIANTS) if args.ablations else ["default"])

    from framing.config import parse_override, with_values

    print(f"{'task':<22} {'variant':<15} {'framing (95% interval)':<26} {'TF-IDF+LR':>9} {'margin':>7} {'seconds':>8}  notes", flush=True)
    for name in args.tasks:
        needs = TASKS[name].get("needs")
        if needs is not None and not Path(needs).exists():
            print(f"{name:<22} skipped: {needs} is absent", flush=True)
            continue
        started = time.perf_counter()
        splits = _prepared(name, args.overrides)
        baselines = [_baseline(config, data) for config, data, _ in splits]
        _config, data, note = splits[0]
        if len(splits) > 1:
            sizes = [len(d.split.test) for _, d, _ in splits]
            note = f"{len(splits)} outlet holdouts of {min(sizes)} to {max(sizes)} test articles"
        else:
            note = f"{len(data.split.train)} train / {len(data.split.test)} test; prepared in {time.perf_counter() - started:.0f} s" + (f"; {note}" if note else "")
        for variant in variants:
            values = {".".join(parse_override(o)[0]): parse_override(o)[1] for o in VARIANTS[variant]}
            results = [_score(with_values(config, values), data) for config, data, _ in splits]
            f1 = float(np.mean([r["f1"] for r in results]))
            baseline = float(np.mean(baselines))
            seconds = sum(r["seconds"] for r in results)
            if len(results) > 1:
                ahead = sum(r["f1"] > b for r, b in zip(results, baselines))
                interval = f"{f1:.3f} [{min(r['f1'] for r in results):.3f}-{max(r['f1'] for r in results):.3f}]"
                weights = ", ".join(f"{r['weight']:g}" for r in results)
                extra = f"framing ahead on {ahead} of {len(results)}; baseline [{min(baselines):.3f}-{max(baselines):.3f}]; LightGBM weights {weights}; {note}"
            else:
                result = results[0]
                interval = f"{f1:.3f} " + (f"({result['low']:.3f}-{result['high']:.3f})" if result["low"] == result["low"] else "(one test group)")
                extra = f"LightGBM weight {result['weight']:g}; inner {result['inner']}; {note}"
            print(f"{name:<22} {variant:<15} {interval:<26} {baseline:>9.3f} {f1 - baseline:>+7.3f} {seconds:>8.1f}  {extra}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
