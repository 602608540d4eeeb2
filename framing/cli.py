"""Command line: parse, then call one importable function per command.

Heavy libraries (mlflow, lightgbm, sklearn) are imported inside the commands, so ``framing --help``
stays instant.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

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

    # No markup: messages carry paths and globs such as news/[a-z]*.csv.
    return Console(stderr=stderr, highlight=False, markup=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> None:
    from rich.text import Text

    _console(stderr=True).print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def train(config: ConfigOption, set_: SetOption = None) -> None:
    """Train and evaluate a model from a config; log the run to MLflow and register the model."""
    from framing.config import load_config
    from framing.errors import FramingError
    from framing.training import train as run_training

    try:
        cfg = load_config(config, set_ or [])
        result = run_training(cfg, config_path=config)
    except FramingError as exc:
        _fail(str(exc))
        return
    console = _console()
    console.print(f"run id:      {result.run_id}")
    console.print(f"records:     {result.n_records} ({result.n_train} train, {result.n_test} test, {result.n_rejects} rejected)")
    if result.n_rejects:
        console.print("rejects:     data/rejects.jsonl in the run's artifacts (framing ui, or mlflow artifacts download)")
    metric_names = ["test_macro_f1", "test_accuracy", "baseline_tfidf_lr_test_macro_f1", "test_macro_f1_margin_over_baseline", "cv_macro_f1_mean"]
    for name in metric_names + [f"test_f1_{c}" for c in result.classes]:
        if name in result.metrics:
            console.print(f"{name + ':':<40} {result.metrics[name]:.3f}")
    console.print(f"model uri:   {result.model_uri}")


@app.command()
def score(
    model: Annotated[str, typer.Option("--model", "-m", help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/ID/model or a model folder.")],
    input: Annotated[list[str], typer.Option("--input", "-i", help="File, glob or folder of .txt articles (repeatable).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file: .jsonl, .csv or .parquet.")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config whose data section maps the input's columns.")] = None,
    set_: SetOption = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Articles per chunk.")] = 2_000,
) -> None:
    """Label articles with a logged model: id, label and one probability per class."""
    from framing.config import load_config
    from framing.errors import FramingError
    from framing.scoring import score as run_scoring

    if set_ and config is None:
        _fail(f"Got --set {' '.join(set_)} without --config: overrides apply to a config file.")
    console = _console(stderr=True)
    try:
        cfg = load_config(config, set_ or []) if config is not None else None
        summary = run_scoring(model, input, output, config=cfg, chunk_size=chunk_size, report=console.print)
    except FramingError as exc:
        _fail(str(exc))
        return
    labels = ", ".join(f"{k} {v}" for k, v in sorted(summary.label_counts.items()))
    _console().print(
        f"scored {summary.n_scored} articles in {summary.seconds:.1f} s -> {summary.output} ({labels}); "
        f"{summary.n_rejects} rejected -> {summary.rejects}"
    )


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


@app.command()
def ui(port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 5000) -> None:
    """Serve the MLflow UI over the tracking store (MLFLOW_TRACKING_URI or mlruns/)."""
    from framing.track import serve_ui

    _console(stderr=True).print(f"MLflow UI on http://127.0.0.1:{port} (Ctrl-C stops it)")
    raise typer.Exit(serve_ui(port))


def main() -> None:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    app(prog_name="framing")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
