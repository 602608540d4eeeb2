"""Command line: parse, then call one importable function per command.

Heavy libraries (mlflow, lightgbm, sklearn) are imported inside the commands, so ``framing --help``
stays instant.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    name="framing",
    help="Source-bias and framing classifier for Indonesian-language news.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="YAML run config, e.g. configs/stance.yaml.")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a config key, e.g. --set model.learning_rate=0.1 (repeatable)."),
]


def _console(stderr: bool = False):  # noqa: ANN202 - rich is imported lazily
    from rich.console import Console

    # No markup: messages carry paths and globs such as news/[a-z]*.csv. Off a terminal (a log,
    # a pipe), tables get room instead of being squeezed into 80 columns.
    console = Console(stderr=stderr, highlight=False, markup=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = max(console.width, 160)
    return console


def _needs_config(set_: list[str] | None, config: Path | None) -> None:
    if set_ and config is None:
        _fail(f"Got --set {' '.join(set_)} without --config: overrides apply to a config file.")


def _fail(message: str, code: int = 2) -> None:
    from rich.text import Text

    _console(stderr=True).print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def train(config: ConfigOption, set_: SetOption = None) -> None:
    """Train and evaluate a model from a config; log the run to MLflow and register the model."""
    from framing._memory import release_large_blocks
    from framing.config import load_config
    from framing.errors import FramingError
    from framing.training import train_and_log as run_training

    release_large_blocks()
    try:
        cfg = load_config(config, set_ or [])
        result = run_training(cfg, config_path=config)
    except FramingError as exc:
        _fail(str(exc))
        return
    console = _console()
    m = result.metrics
    console.print(f"run id:      {result.run_id}")
    console.print(
        f"records:     {result.n_records} ({result.n_train} train, {result.n_test} test; "
        f"{result.n_rejects} rejected, {result.n_near_duplicates} near-duplicates removed)"
    )
    if result.n_rejects:
        console.print("rejects:     data/rejects.jsonl in the run's artifacts (framing ui, or mlflow artifacts download)")
    interval = f"  (95% interval {m['test_macro_f1_low']:.3f}-{m['test_macro_f1_high']:.3f})" if m.get("test_macro_f1_low") == m.get("test_macro_f1_low") else ""
    console.print(f"{'test_macro_f1:':<40} {m['test_macro_f1']:.3f}{interval}")
    shown = [
        "test_balanced_accuracy",
        "test_log_loss",
        "test_ece",
        "baseline_tfidf_lr_test_macro_f1",
        "baseline_majority_test_macro_f1",
        "test_macro_f1_margin_over_baseline",
        "cv_macro_f1_mean",
        "blend_lightgbm_weight",
        "leakage_outlet_macro_f1",
        "leakage_outlet_chance",
        "leakage_masking_effect",
    ]
    for name in shown + [f"test_f1_{c}" for c in result.classes]:
        if name in m:
            console.print(f"{name + ':':<40} {m[name]:.3f}")
    console.print(f"model uri:   {result.model_uri}")


@app.command()
def tune(
    config: ConfigOption,
    set_: SetOption = None,
    trials: Annotated[int | None, typer.Option(min=1, help="Finished trials the study should reach (default: tune.trials).")] = None,
    timeout: Annotated[float | None, typer.Option(min=1, help="Stop starting trials after this many seconds.")] = None,
    storage: Annotated[str | None, typer.Option(help="Study database URL (default sqlite:///mlruns/optuna.db); PostgreSQL to share across machines.")] = None,
    study: Annotated[str | None, typer.Option(help="Study name (default: the config's name). The same name continues the study.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Local processes working on the study.")] = 1,
) -> None:
    """Tune the config's search space with Optuna; retrain the best, register it, crown it if better."""
    from framing._memory import release_large_blocks
    from framing._signals import sigterm_as_interrupt
    from framing.config import load_config
    from framing.errors import FramingError
    from framing.tuning import tune as run_tuning

    release_large_blocks()
    console = _console(stderr=True)
    try:
        cfg = load_config(config, set_ or [])
        with sigterm_as_interrupt(), _TuneProgress(console) as progress:
            result = run_tuning(
                cfg,
                config_path=config,
                trials=trials,
                timeout=timeout,
                storage=storage,
                study_name=study,
                workers=workers,
                report=progress.line,
                progress=progress.update,
            )
    except FramingError as exc:
        _fail(str(exc))
        return
    except KeyboardInterrupt:
        _fail("interrupted: finished trials are kept in the study; run the same command again to continue.", code=130)
        return
    out = _console()
    s = result.status
    out.print(f"study:        {result.study_name} ({result.storage}), MLflow parent run {result.parent_run_id}")
    out.print(f"trials:       {s.complete} complete, {s.pruned} pruned, {s.failed} failed; {result.seconds:.0f} s")
    default = f"{result.default_value:.3f}" if result.default_value is not None else "n/a (no reference trial completed: see tune.enqueue_default)"
    out.print(f"cv macro-F1:  best {s.best_value:.3f} (trial {s.best_trial}); untuned config {default}")
    out.print("best params:  " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in result.best_params.items()))
    m = result.final_metrics
    if m:
        interval = f" (95% interval {m['test_macro_f1_low']:.3f}-{m['test_macro_f1_high']:.3f})" if "test_macro_f1_low" in m else ""
        out.print(f"test macro-F1 of the retrained best: {m['test_macro_f1']:.3f}{interval}; TF-IDF + LR {m.get('baseline_tfidf_lr_test_macro_f1', float('nan')):.3f}")
    out.print(f"champion:     {result.champion}")


class _TuneProgress:
    """A progress bar (trials, best value, elapsed, ETA) on a terminal; one line per trial otherwise."""

    def __init__(self, console) -> None:  # noqa: ANN001
        self.console = console
        self.bar: Any = None
        self.task = None

    def __enter__(self) -> _TuneProgress:
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("trials"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
                speed_estimate_period=24 * 3600,
            )
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def line(self, message: str) -> None:
        self.console.print(message)

    def update(self, status) -> None:  # noqa: ANN001 - framing.tuning.TuneStatus
        best = f"best {status.best_value:.3f} (trial {status.best_trial})" if status.best_value is not None else "best -"
        text = f"{best}, {status.pruned} pruned, {status.failed} failed"
        if self.bar is not None:
            if self.task is None:
                self.task = self.bar.add_task("tune", total=status.target, completed=status.finished, status=text)
            self.bar.update(self.task, completed=status.finished, status=text)
            return
        eta = f", about {status.eta / 60:.1f} min left" if status.eta is not None and status.finished < status.target else ""
        self.console.print(f"trials {status.finished}/{status.target} ({status.last}); {text}; {status.elapsed / 60:.1f} min elapsed{eta}")


@app.command()
def score(
    model: Annotated[str, typer.Option("--model", "-m", help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/ID/model or a model folder.")],
    input: Annotated[list[str], typer.Option("--input", "-i", help="File, glob or folder of .txt articles (repeatable).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file: .jsonl, .csv or .parquet.")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config: the data section maps the input's columns, the scoring section sets the screen and the drift check.")] = None,
    set_: SetOption = None,
    chunk_size: Annotated[int, typer.Option(help="Articles per chunk (read, scored, written and committed together).")] = 2_000,
    workers: Annotated[int, typer.Option(help="Processes scoring in parallel, one model each (about one per core).")] = 1,
    explain: Annotated[int, typer.Option(help="Add an evidence column: the K features that pushed each label most.")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run: keep what it wrote, score the rest.")] = False,
    engine: Annotated[str, typer.Option(help="local, or spark (needs PySpark: the spark extra, and Java 17).")] = "local",
    spark_master: Annotated[str | None, typer.Option(help="Spark master URL for --engine spark (default local[2], or SPARK_REMOTE).")] = None,
) -> None:
    """Label articles with a logged model: id, label and one probability per class (and evidence)."""
    from contextlib import nullcontext

    from framing.config import load_config
    from framing.errors import FramingError
    from framing.scoring import (
        ScoringInterrupted,
        bar_progress,
        plain_progress,
        score as run_scoring,
    )

    _needs_config(set_, config)
    console = _console(stderr=True)
    # A live bar on a terminal; in a log or a pipe, a plain line every 10 chunks.
    bar = bar_progress(console) if console.is_terminal else nullcontext(plain_progress(console.print, every=10))
    try:
        cfg = load_config(config, set_ or []) if config is not None else None
        with bar as progress:
            summary = run_scoring(
                model, input, output, config=cfg, chunk_size=chunk_size, workers=workers, explain=explain, resume=resume,
                engine=engine, spark_master=spark_master, report=console.print, progress=progress,
            )
    except ScoringInterrupted as exc:
        _fail(str(exc), code=130)
        return
    except FramingError as exc:
        _fail(str(exc))
        return
    out = _console()
    labels = ", ".join(f"{k} {v}" for k, v in sorted(summary.label_counts.items()))
    rate = f" ({(summary.n_scored - summary.n_skipped) / summary.seconds:,.0f}/s)" if summary.seconds > 0 else ""
    out.print(f"scored {summary.n_scored} articles in {summary.seconds:.1f} s{rate} -> {summary.output} ({labels})")
    reasons = "".join(f"; {kind} {count}" for kind, count in sorted(summary.reject_counts.items()))
    out.print(f"rejected {summary.n_rejects} -> {summary.rejects}{reasons}")
    if summary.drift_note:
        out.print(summary.drift_note)
    if summary.drift:
        top = ", ".join(f"{d.name} {d.psi:.2f}" for d in summary.drift[:5])
        out.print(f"drift (PSI against the training data, top features): {top}")
        if summary.drifted:
            _console(stderr=True).print(
                f"warning: {len(summary.drifted)} of {len(summary.drift)} top features drifted beyond PSI "
                f"{summary.drift_threshold} (scoring.drift_threshold): this batch differs from the training data, "
                "so the model's accuracy may not hold. Check a sample by hand."
            )


@app.command()
def evaluate(
    model: Annotated[str, typer.Option("--model", "-m", help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/ID/model or a model folder.")],
    data: Annotated[list[str], typer.Option("--data", "-d", help="Labelled file or glob (repeatable).")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config: column mapping, label, experiment.")] = None,
    set_: SetOption = None,
    label: Annotated[str | None, typer.Option(help="Label field, when no config names it.")] = None,
) -> None:
    """Evaluate a logged model on a new labelled corpus (e.g. a later month); log the report to MLflow."""
    from framing.config import DataConfig, load_config
    from framing.errors import FramingError
    from framing.evaluate import NO_BASELINE, evaluate_model

    _needs_config(set_, config)
    try:
        cfg = load_config(config, set_ or []) if config is not None else None
        section = cfg.data.model_copy(update={"paths": list(data)}) if cfg else DataConfig(paths=list(data), label=label)
        if label is not None:
            section = section.model_copy(update={"label": label, "classes": None})
        experiment = cfg.tracking.experiment if cfg else "framing-evaluate"
        run_id, metrics = evaluate_model(
            model,
            section,
            experiment=experiment,
            grouped=cfg.split.kind == "group" if cfg else True,
            n_boot=cfg.evaluation.bootstrap if cfg else 1000,
            seed=cfg.seed if cfg else 0,
            report_line=_console(stderr=True).print,
        )
    except FramingError as exc:
        _fail(str(exc))
        return
    console = _console()
    console.print(f"run id:      {run_id}")
    for name in ("eval_macro_f1", "eval_macro_f1_low", "eval_macro_f1_high", "eval_accuracy", "eval_balanced_accuracy", "eval_log_loss", "eval_brier", "eval_ece"):
        if name in metrics:
            console.print(f"{name + ':':<40} {metrics[name]:.3f}")
    name = "eval_baseline_tfidf_lr_macro_f1"
    if name not in metrics:
        console.print(f"{'baseline:':<40} {NO_BASELINE}")
        return
    low, high = metrics[f"{name}_low"], metrics[f"{name}_high"]
    interval = f"  (95% interval {low:.3f}-{high:.3f})" if low == low else ""
    console.print(f"{name + ':':<40} {metrics[name]:.3f}{interval}")
    console.print(f"{'eval_macro_f1_margin_over_baseline:':<40} {metrics['eval_macro_f1_margin_over_baseline']:.3f}")


@app.command()
def features(
    input: Annotated[list[str], typer.Option("--input", "-i", help="File, glob or folder of .txt articles (repeatable).")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config: column mapping, cleaning and feature settings.")] = None,
    set_: SetOption = None,
    json_: Annotated[bool, typer.Option("--json", help="One JSON object per article instead of tables.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many articles.")] = None,
) -> None:
    """Show each article's lexicon cues and attributions with their spans."""
    import json
    from itertools import islice

    from framing.config import load_config
    from framing.corpus import CorpusReader
    from framing.cues import CueFinder
    from framing.errors import FramingError

    _needs_config(set_, config)
    console = _console()
    try:
        cfg = load_config(config, set_ or []) if config is not None else None
        reader = CorpusReader.from_config(cfg.data, with_label=False, paths=list(input)) if cfg else CorpusReader(list(input))
        finder = CueFinder(cfg.clean if cfg else None, cfg.features if cfg else None)
        records = ((rid, text) for chunk in reader.iter_chunks(500) for rid, text in zip(chunk["id"], chunk["text"]))
        for found in finder.find_all(islice(records, limit)):
            if json_:
                print(json.dumps(found, ensure_ascii=False))
            else:
                _print_cues(console, found)
    except FramingError as exc:
        _fail(str(exc))
        return
    if reader.rejects:
        _console(stderr=True).print(f"{len(reader.rejects)} rows rejected (e.g. {reader.rejects[0].location or reader.rejects[0].file}: {reader.rejects[0].reason})")


def _print_cues(console, found: dict) -> None:  # noqa: ANN001
    from rich.table import Table
    from rich.text import Text

    removed = ", ".join(f"{k} {v}" for k, v in found["removed"].items()) or "nothing"
    table = Table(title=Text(f"{found['id']}  (cleaning removed: {removed})"), title_justify="left", show_lines=False)
    for column in ("kind", "category / group", "text", "span", "term / cue"):
        table.add_column(column)
    for hit in found["lexicon"]:
        table.add_row("lexicon", Text(hit["category"]), Text(hit["text"]), f"{hit['start']}-{hit['end']}", Text(hit["term"]))
    for item in found["attributions"]:
        cue = f"{item['cue']} ({'direct quote' if item['direct'] else 'indirect'})"
        table.add_row("attribution", Text(item["group"]), Text(item["source"]), f"{item['start']}-{item['end']}", Text(cue))
    console.print(table)


experiment_app = typer.Typer(help="Run variants of a config and compare them.", no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")


@experiment_app.command("run")
def experiment_run(path: Annotated[Path, typer.Argument(help="Experiment YAML, e.g. experiments/ablation.yaml.")]) -> None:
    """Train every variant into one MLflow experiment and print the comparison table."""
    from rich.table import Table
    from rich.text import Text

    from framing.errors import FramingError
    from framing.experiment import run_experiment

    try:
        table = run_experiment(path, report=_console(stderr=True).print)
    except FramingError as exc:
        _fail(str(exc))
        return
    out = Table(title=Text(f"{path} (parent run {table.attrs.get('parent_run_id', '?')})"), title_justify="left")
    fixed = ("variant", "run_id", "test_macro_f1_low", "test_macro_f1_high", "baseline", "margin", "test_macro_f1", "error")
    metric_columns = [c for c in table.columns if c not in fixed]
    for column in ["variant", "test macro-F1 [95% interval]", "baseline", "margin", *metric_columns]:
        out.add_column(column, justify="left" if column == "variant" else "right")
    for row in table.to_dict(orient="records"):
        if row.get("error"):
            out.add_row(Text(row["variant"]), Text(f"failed: {row['error']}"), *[""] * (2 + len(metric_columns)))
            continue
        interval = f"{row['test_macro_f1']:.3f} [{row['test_macro_f1_low']:.3f}, {row['test_macro_f1_high']:.3f}]"
        out.add_row(Text(row["variant"]), interval, f"{row['baseline']:.3f}", f"{row['margin']:+.3f}", *(f"{row[c]:.3f}" for c in metric_columns))
    _console().print(out)
    if (table["error"] != "").any():
        raise typer.Exit(1)


lexicon_app = typer.Typer(help="Grow the lexicons from your own data.", no_args_is_help=True)
app.add_typer(lexicon_app, name="lexicon")


@lexicon_app.command("suggest")
def lexicon_suggest(
    config: ConfigOption,
    label: Annotated[str, typer.Option("--label", "-l", help="Label column whose classes the terms should separate.")],
    set_: SetOption = None,
    top: Annotated[int, typer.Option(min=1, help="Terms per class.")] = 25,
    min_count: Annotated[int, typer.Option(min=1, help="Ignore terms seen fewer times in the corpus.")] = 5,
    json_: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    all_data: Annotated[bool, typer.Option("--all-data", help="Rank on the test split too (it then stops being a fair test).")] = False,
) -> None:
    """Rank words and bigrams that separate the classes (log-odds with an informative Dirichlet prior).

    Only the training side of the config's split is read (after dedup), so terms chosen from the
    ranking carry no information about the test split into later runs.
    """
    from framing.config import load_config
    from framing.errors import FramingError
    from framing.pipeline import build_cleaner, build_family
    from framing.suggest import suggest_terms
    from framing.training import prepare

    try:
        cfg = load_config(config, [*(set_ or []), f"data.label={label}", "data.classes=null"])
        data = prepare(cfg, report=_console(stderr=True).print, config_path=config)
        side = data.records if all_data else data.records.iloc[data.split.train]
        texts = side["text"].tolist()
        cleaner = build_cleaner(cfg.clean)
        if cleaner is not None:
            texts = cleaner.fit(texts).transform(texts)
        lexicon = build_family(cfg.features, "lexicon")
        lexicon = lexicon.fit([]) if lexicon != "drop" else None
        table = suggest_terms(texts, side[label].tolist(), lexicon=lexicon, top=top, min_count=min_count)
    except FramingError as exc:
        _fail(str(exc))
        return
    if json_:
        print(table.to_json(orient="records", lines=True, force_ascii=False))
        return
    from rich.table import Table
    from rich.text import Text

    for name, group in table.groupby("class", sort=True):
        out = Table(title=Text(f"{label} = {name}"), title_justify="left")
        for column in ("term", "z", "in class", "in rest", "in lexicon"):
            out.add_column(column, justify="right" if column in ("z", "in class", "in rest") else "left")
        for row in group.itertuples(index=False):
            out.add_row(Text(row.term), f"{row.z:.2f}", str(row.count_in_class), str(row.count_rest), Text(row.in_lexicon or "-"))
        _console().print(out)


@app.command("demo-corpus")
def demo_corpus(
    n: Annotated[int, typer.Option("--n", min=0, help="Number of articles to write.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same articles.")] = 0,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file: .jsonl or .parquet.")] = Path("demo_large.jsonl"),
) -> None:
    """Write N synthetic articles recombined from the demo corpus (for speed tests, not accuracy)."""
    from framing.demo import generate
    from framing.errors import FramingError

    console = _console(stderr=True)
    every = max(1, n // 20)
    last = [0]

    def report(written: int, seconds: float) -> None:
        if written - last[0] >= every or written == n:
            last[0] = written
            console.print(f"{written:>10,} / {n:,} articles  {written / max(seconds, 1e-9):,.0f}/s")

    try:
        path = generate(n, output, seed=seed, report=report)
    except FramingError as exc:
        _fail(str(exc))
        return
    _console().print(f"wrote {n:,} articles -> {path}")


@contextmanager
def _article_progress(console, label: str, every: int = 5_000) -> Iterator[Callable[[int, int | None], None]]:  # noqa: ANN001
    """A ``progress(done, total)`` callback: a bar on a terminal, else a line every ``every`` articles and at the end."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task(label, total=None)
        printed = [0]

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)
            if not console.is_terminal and (done == total or done - printed[0] >= every):
                printed[0] = done
                console.print(f"{label}: {done:,}" + (f" / {total:,}" if total else "") + " articles")

        yield progress


@app.command()
def report(
    scores: Annotated[Path, typer.Option("--scores", help="A scores file written by framing score (.jsonl, .csv or .parquet).")],
    html: Annotated[Path, typer.Option("--html", help="The HTML page to write (self-contained: plots inline, no network).")],
    input: Annotated[list[str] | None, typer.Option("--input", "-i", help="The articles the scores were made from (repeatable): outlets, dates, quoted sources, loaded terms.")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config: the data section maps the input's columns; clean and features find the cues.")] = None,
    set_: SetOption = None,
    low_confidence: Annotated[float, typer.Option(help="An article whose top probability is below this counts as low-confidence.")] = 0.6,
    examples: Annotated[int, typer.Option(min=1, help="Example articles listed per table cell.")] = 5,
) -> None:
    """Write an HTML report of a scored batch: labels per outlet and day, who quotes whom, loaded terms, drift."""
    from framing.config import load_config
    from framing.errors import FramingError
    from framing.report import write_report

    _needs_config(set_, config)
    console = _console(stderr=True)
    try:
        cfg = load_config(config, set_ or []) if config is not None else None
        with _article_progress(console, "cues") as progress:
            result = write_report(scores, html, inputs=input, config=cfg, low_confidence=low_confidence, examples=examples, progress=progress)
    except FramingError as exc:
        _fail(str(exc))
        return
    for note in result.notes:
        console.print(f"note: {note}")
    _console().print(f"report of {len(result.articles):,} articles ({len(result.tables)} tables) -> {html}")


@app.command()
def sample(
    model: Annotated[str, typer.Option("--model", "-m", help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/ID/model or a model folder.")],
    input: Annotated[list[str], typer.Option("--input", "-i", help="File, glob or folder of unlabelled articles (repeatable).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Tasks file: .json (Label Studio import), .jsonl or .csv.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Articles to pick.")] = 100,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config: the data section maps the input's columns.")] = None,
    set_: SetOption = None,
    explain: Annotated[int, typer.Option(min=0, help="Evidence items per picked article.")] = 3,
) -> None:
    """Pick the N articles most worth labelling next (uncertain, distinct, spread over outlets and days) as Label Studio tasks."""
    from framing.config import load_config
    from framing.errors import FramingError
    from framing.sample import label_config, sample as run_sample

    _needs_config(set_, config)
    console = _console(stderr=True)
    try:
        cfg = load_config(config, set_ or []) if config is not None else None
        with _article_progress(console, "scoring") as progress:
            result = run_sample(model, input, output, n=n, config=cfg, explain=explain, progress=progress)
    except FramingError as exc:
        _fail(str(exc))
        return
    out = _console()
    outlets = result.chosen["outlet"].value_counts()
    out.print(
        f"picked {len(result.chosen)} of {result.n_scored:,} articles ({result.n_near_duplicates} near-duplicates left out of the "
        f"{result.n_candidates:,} most uncertain) from {len(outlets)} outlets and {result.chosen['day'].nunique()} days -> {output}"
    )
    out.print(f"margin between the two likeliest labels: {result.chosen['margin'].min():.3f} to {result.chosen['margin'].max():.3f}")
    out.print("Label Studio labelling config for these tasks:")
    print(label_config(result.classes))


@app.command()
def explain(
    model: Annotated[str, typer.Option("--model", "-m", help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/ID/model or a model folder.")],
    input: Annotated[Path, typer.Option("--input", "-i", help="A .txt article, or a JSONL/CSV/Parquet file with one article (or pick one with --id).")],
    id_: Annotated[str | None, typer.Option("--id", help="The article to explain when the file holds several.")] = None,
    top: Annotated[int, typer.Option("--top", "-k", min=1, help="Features to show.")] = 10,
    html: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML page with the highlighted article here.")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config whose data section maps the input's columns.")] = None,
    set_: SetOption = None,
) -> None:
    """Explain one article: label, probabilities and the features that pushed it, with their cues."""
    from framing.config import load_config
    from framing.errors import FramingError
    from framing.explain import explain_text, print_explanation, read_article, write_html
    from framing.track import load_framing

    _needs_config(set_, config)
    try:
        cfg = load_config(config, set_ or []) if config is not None else None
        rid, text = read_article(input, id=id_, data=cfg.data if cfg else None)
        explanation = explain_text(load_framing(model).model, text, top)
        if html is not None:
            write_html(explanation, html, title=f"{rid} ({model})")
    except FramingError as exc:
        _fail(str(exc))
        return
    print_explanation(_console(), explanation, name=rid)
    if html is not None:
        _console(stderr=True).print(f"wrote {html}")


@app.command()
def ui(port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 5000) -> None:
    """Serve the MLflow UI over the tracking store (MLFLOW_TRACKING_URI or mlruns/)."""
    from framing.track import serve_ui

    _console(stderr=True).print(f"MLflow UI on http://127.0.0.1:{port} (Ctrl-C stops it)")
    raise typer.Exit(serve_ui(port))


def main() -> None:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    from framing.errors import FramingError

    try:
        app(prog_name="framing")
    except FramingError as exc:  # raised on import, before a command's own handler (a feature family that does not load)
        from rich.text import Text

        _console(stderr=True).print(Text.assemble(("error: ", "bold red"), str(exc)), soft_wrap=True)
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
