"""``framing score``: label a corpus with a logged model, chunk by chunk.

Output (JSONL, CSV or Parquet, chosen by the output's extension) has one row per accepted article:
``id, label, p_<class>...``. Rejected rows go to ``<output stem>.rejects.jsonl`` beside it. The
output is written under a temporary name and moved into place when complete, so a file at the
output path is always whole.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd

    from framing.config import Config

__all__ = ["ScoreSummary", "rejects_path", "score"]

OUTPUT_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}


@dataclass
class ScoreSummary:
    """Counts of one scoring run."""

    output: Path
    rejects: Path
    n_scored: int
    n_rejects: int
    seconds: float
    label_counts: dict[str, int]


def rejects_path(output: str | Path) -> Path:
    """``out/scores.jsonl`` -> ``out/scores.rejects.jsonl``."""
    output = Path(output)
    return output.with_name(f"{output.stem}.rejects.jsonl")


class _Writer:
    """Append DataFrame chunks to a JSONL, CSV or Parquet file."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self._handle: Any = None
        self._parquet: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema)
            self._parquet.write_table(table)
            return
        if self._handle is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            if self.fmt == "csv":
                frame.head(0).to_csv(self._handle, index=False)
        if self.fmt == "csv":
            frame.to_csv(self._handle, index=False, header=False)
        else:
            for row in frame.to_dict(orient="records"):
                self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self, empty_columns: list[str]) -> None:
        if self.fmt == "parquet":
            if self._parquet is None:  # nothing scored: still leave a valid, empty file
                import pandas as pd

                self.write(pd.DataFrame({c: pd.Series(dtype="string" if c in ("id", "label") else float) for c in empty_columns}))
            self._parquet.close()
            return
        if self._handle is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            if self.fmt == "csv":
                self._handle.write(",".join(empty_columns) + "\n")
        self._handle.close()


def score(
    model_uri: str,
    inputs: list[str],
    output: str | Path,
    *,
    config: Config | None = None,
    chunk_size: int = 2_000,
    report: Callable[[str], None] | None = None,
) -> ScoreSummary:
    """Score the articles in ``inputs`` and write labels and probabilities to ``output``.

    Parameters
    ----------
    model_uri
        ``models:/name/version``, ``models:/name@alias``, ``runs:/id/model`` or a model folder.
    inputs
        Files, glob patterns or folders of ``.txt`` articles, read like training data.
    output
        ``.jsonl``, ``.csv`` or ``.parquet``.
    config
        Optional config whose ``data`` section gives the column mapping and reader; its label is
        ignored.
    chunk_size
        Articles read, scored and written per step.
    report
        Receives one progress line per chunk.

    Returns
    -------
    ScoreSummary

    Raises
    ------
    FramingError
        The output extension is not supported, or the model cannot be found.
    framing.corpus.CorpusError
        A file-level problem in the input.
    """
    from framing import track
    from framing.corpus import CorpusReader, write_rejects

    output = Path(output)
    fmt = OUTPUT_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise FramingError(f"Got --output {str(output)!r}, expected a file ending in one of {', '.join(OUTPUT_FORMATS)}.")
    if config is not None:
        reader = CorpusReader.from_config(config.data, with_label=False, paths=list(inputs))
    else:
        reader = CorpusReader(list(inputs))
    reader.files()  # file-level problems before the model is loaded
    model = track.load_model(model_uri)

    started = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    writer = _Writer(partial, fmt)
    counts: dict[str, int] = {}
    # Output columns come from the model's signature, so an empty batch still has all of them.
    columns = ["id", *model.metadata.get_output_schema().input_names()]
    n_scored = 0
    try:
        for chunk in reader.iter_chunks(chunk_size):
            predictions = model.predict(chunk[["text"]].reset_index(drop=True))
            predictions.insert(0, "id", chunk["id"].to_numpy())
            writer.write(predictions)
            n_scored += len(predictions)
            for name, count in predictions["label"].value_counts().items():
                counts[str(name)] = counts.get(str(name), 0) + int(count)
            if report is not None:
                elapsed = time.perf_counter() - started
                report(f"scored {n_scored} articles ({n_scored / max(elapsed, 1e-9):.0f}/s), {len(reader.rejects)} rejected")
        writer.close(columns)
        os.replace(partial, output)
    except BaseException:
        writer.close(columns)
        partial.unlink(missing_ok=True)
        raise
    rejected = write_rejects(reader.rejects, rejects_path(output))
    return ScoreSummary(
        output=output,
        rejects=rejected,
        n_scored=n_scored,
        n_rejects=len(reader.rejects),
        seconds=time.perf_counter() - started,
        label_counts=counts,
    )
