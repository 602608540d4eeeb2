"""``framing experiment run``: variants of one config into one MLflow experiment, then compared.

One parent run holds the comparison (CSV and figure); each variant is a nested child run with the
full training report, so the MLflow UI and the terminal show the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run_experiment"]


def run_experiment(path: str | Path, *, report: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Train every variant of an experiment file and return the comparison table.

    Parameters
    ----------
    path
        The experiment YAML (see ``experiments/ablation.yaml``).
    report
        Receives progress lines.

    Returns
    -------
    pandas.DataFrame
        One row per variant: ``variant``, ``run_id``, the file's ``metrics``, the test macro-F1's
        95% interval (``test_macro_f1_low``/``_high``), ``baseline`` (the stronger baseline's test
        macro-F1), ``margin`` over it, and ``error`` (empty, or why the variant failed; the other
        variants still run).
    """
    import pandas as pd

    from framing import track
    from framing.config import load_config, load_experiment
    from framing.plots import comparison_figure
    from framing.training import train_and_log

    spec = load_experiment(path)
    say = report or (lambda line: None)
    rows: list[dict[str, Any]] = []
    with track.start_run(spec.experiment, run_name=f"experiment {Path(path).stem}", tags={"framing.kind": "experiment"}) as parent:
        for name, overrides in spec.variants.items():
            say(f"variant {name}: {' '.join(overrides) or '(base config)'}")
            try:
                config = load_config(spec.base, [*spec.set, *overrides])
                # Set directly, not as --set text: a variant named "no" or "2024" stays a string.
                config = config.model_copy(
                    update={
                        "name": name,
                        "tracking": config.tracking.model_copy(update={"experiment": spec.experiment, "register_model": False}),
                    }
                )
                def variant_report(line: str, name: str = name) -> None:
                    say(f"  [{name}] {line}")

                result = train_and_log(config, config_path=spec.base, report=variant_report)
            except Exception as exc:  # noqa: BLE001 - one broken variant must not cost the others
                say(f"variant {name} failed: {exc}")
                rows.append({"variant": name, "run_id": None, "error": f"{type(exc).__name__}: {exc}"})
                continue
            m = result.metrics
            row = {"variant": name, "run_id": result.run_id} | {k: m.get(k, float("nan")) for k in spec.metrics}
            row |= {
                "test_macro_f1": m["test_macro_f1"],
                "test_macro_f1_low": m.get("test_macro_f1_low", float("nan")),
                "test_macro_f1_high": m.get("test_macro_f1_high", float("nan")),
                "baseline": m["baseline_best_test_macro_f1"],
                "margin": m["test_macro_f1_margin_over_baseline"],
                "error": "",
            }
            rows.append(row)
        table = pd.DataFrame(rows)
        track.log_text(table.to_csv(index=False), "comparison.csv")
        done = table[table["error"] == ""]
        if not done.empty:
            track.log_figure(comparison_figure(done, metric="test_macro_f1", title=f"{spec.experiment}: test macro-F1 by variant"), "comparison.png")
        if len(done) < len(table):
            track.set_tag("framing.failed_variants", ", ".join(table.loc[table["error"] != "", "variant"]))
    table.attrs["parent_run_id"] = parent
    return table
