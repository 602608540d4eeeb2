"""``framing score``: label any number of articles with a logged model, in bounded memory.

The input is read in chunks (JSONL, CSV, Parquet, XLSX, folders of ``.txt``); each chunk is
screened, scored and written before the next is read, so memory does not grow with the input.

- **Output** (JSONL, CSV or Parquet, by the output's extension): one row per accepted article,
  ``id, label, p_<class>...`` and, with ``explain=K``, ``evidence`` (a JSON string: the K features
  that pushed the predicted class most, see :func:`framing.explain.evidence`). Rows keep the input
  order, whatever the number of workers.
- **Rejects** go to ``<output stem>.rejects.jsonl`` with their reason: the reader's (empty text,
  undecodable bytes, broken JSON, missing or duplicate id) and the screen's (``too long``: more than
  ``scoring.max_chars`` characters; ``not Indonesian``: see :mod:`framing.language`). A bad row never
  stops a run; a file-level problem does.
- **Workers**: ``workers=N`` scores chunks in N processes, each loading the model once (LightGBM on
  one thread each); the parent reads, writes and keeps at most ``2 N`` chunks in flight.
- **Atomic and resumable**: everything is written into the folder ``.<output name>.partial``
  beside the output, and committed after every chunk (``state.json`` records how many bytes of the
  data and rejects files are complete; Parquet output is one part file per chunk, since a Parquet
  file is unreadable until its footer is written). Only a complete run moves the output and the
  rejects into place. After a crash, a kill or Ctrl-C, ``resume=True`` cuts the files back to
  the last commit, skips the ids already written, and appends the rest: no id is written twice.
- **One writer per output**: a run holds ``.<output name>.lock`` beside the output (an exclusive
  ``flock`` on a file naming its process id and host) from start to end; a second run on the same
  output stops with a message naming the holder. The kernel drops the lock when its process dies
  (even by SIGKILL), so the lock of a dead run is taken over by the next one.
- **Drift**: when the model carries a reference profile (:mod:`framing.drift`), the summary lists
  the features whose distribution moved most from the training data's. The summary (counts, reject
  reasons, drift) is written to ``<output stem>.summary.json`` beside the output, where
  ``framing report`` reads it.
- **Spark**: ``engine="spark"`` sends each chunk through ``mlflow.pyfunc.spark_udf`` instead of
  local workers (:mod:`framing.spark`); reading, screening, resuming and writing are the same.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing._signals import sigterm_as_interrupt
from framing.chunks import Done, Job, Screen
from framing.corpus import CorpusReader, IdSet, Reject
from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd

    from framing.config import Config, ScoringConfig
    from framing.drift import FeatureDrift
    from framing.model import FramingModel

__all__ = [
    "Progress",
    "ScoreSummary",
    "ScoringInterrupted",
    "bar_progress",
    "count_rows",
    "load_fitted",
    "plain_progress",
    "predict_texts",
    "rejects_path",
    "score",
]

OUTPUT_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
ENGINES = ("local", "spark")
STATE_VERSION = 1


# -- the model: load, predict --------------------------------------------------------------------
def load_fitted(path: str | Path) -> FramingModel:
    """Load the model pickled inside a logged model (``artifacts/pipeline.joblib``), single-threaded.

    Models logged before :class:`framing.model.FramingModel` pickled their pipeline (or calibrated
    wrapper) there; those load into a :class:`~framing.model.FramingModel` too.
    """
    import joblib

    from framing.model import FramingModel

    return FramingModel.of(joblib.load(path)).single_thread()


def predict_texts(model: FramingModel, texts: list[Any], explain: int = 0) -> tuple[pd.DataFrame, Any]:
    """Labels and probabilities (and evidence) for ``texts``, plus the feature matrix.

    Returns
    -------
    tuple of (pandas.DataFrame, matrix or None)
        ``label, p_<class>...[, evidence]`` (one row per text) and the model's input matrix
        (``None`` for no texts); see :meth:`framing.model.FramingModel.label_frame`.
    """
    return model.label_frame(texts, explain)


def _settings(scoring: ScoringConfig) -> dict[str, Any]:
    return scoring.model_dump()


class _Scorer:
    """Screen and score one chunk: the work a worker process (or the parent, with one worker) does."""

    def __init__(self, model: Any, settings: dict[str, Any], explain: int, profile: dict[str, Any] | None, drift_features: int) -> None:
        from framing.drift import DriftMonitor

        self.model = model
        self.screen = Screen(settings)
        self.explain = explain
        self.monitor = DriftMonitor(profile, drift_features) if profile is not None else None

    def __call__(self, job: Job) -> Done:
        ids, texts, rejects = self.screen.split(job)
        try:
            frame, X = predict_texts(self.model, texts, self.explain)
        except Exception:  # noqa: BLE001 - one article the pipeline chokes on must not stop the run
            frame, X, ids, failed = self._one_by_one(ids, texts)
            rejects += [Reject(file=job.file, location="", id=rid, reason=f"scoring error: {why}") for rid, why in failed]
        frame.insert(0, "id", ids)
        drift = self.monitor.histogram(X) if self.monitor is not None and X is not None else None
        return Done(job.number, frame, rejects, drift, job.skipped)


    def _one_by_one(self, ids: list[str], texts: list[str]) -> tuple[pd.DataFrame, Any, list[str], list[tuple[str, str]]]:
        """Score a chunk that failed as a whole article by article; return what failed and why."""
        import numpy as np
        import pandas as pd
        import scipy.sparse as sp

        frames, matrices, kept, failed = [], [], [], []
        for rid, text in zip(ids, texts):
            try:
                frame, X = predict_texts(self.model, [text], self.explain)
            except Exception as exc:  # noqa: BLE001
                failed.append((rid, f"{type(exc).__name__}: {exc}"[:500]))
                continue
            frames.append(frame)
            matrices.append(X)
            kept.append(rid)
        if not frames:
            frame, _ = predict_texts(self.model, [], self.explain)
            return frame, None, [], failed
        if any(m is None for m in matrices):
            X = None
        elif any(sp.issparse(m) for m in matrices):
            X = sp.vstack(matrices).tocsr()
        else:  # the default design's features are dense
            X = np.vstack(matrices)
        return pd.concat(frames, ignore_index=True), X, kept, failed


_WORKER: _Scorer | None = None


def _init_worker(pipeline_path: str, settings: dict[str, Any], explain: int, profile: dict[str, Any] | None, drift_features: int, parent: int) -> None:
    """Runs once in each worker process: load the model, and never outlive the parent."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle

    def watch() -> None:  # a parent killed with SIGKILL cannot tell its workers to stop
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    _WORKER = _Scorer(load_fitted(pipeline_path), settings, explain, profile, drift_features)


def _work(job: Job) -> Done:
    assert _WORKER is not None, "worker used before its initializer ran"
    return _WORKER(job)


# -- engines: jobs in, results out, in input order ------------------------------------------------
class _InProcess:
    def __init__(self, scorer: _Scorer) -> None:
        self.scorer = scorer

    def run(self, jobs: Iterator[Job]) -> Iterator[Done]:
        for job in jobs:
            yield self.scorer(job)

    def close(self, interrupted: bool = False) -> None:
        pass


class _Pool:
    """N worker processes (spawned: LightGBM's OpenMP runtime does not survive a fork)."""

    def __init__(self, workers: int, init_args: tuple[Any, ...]) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # One thread per worker for the numerical libraries too (read when they load, in the worker).
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        self.workers = workers
        self.executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker, initargs=init_args)

    def run(self, jobs: Iterator[Job]) -> Iterator[Done]:
        pending: deque[Any] = deque()
        limit = 2 * self.workers  # bounded: a slow writer never lets chunks pile up in memory
        for job in jobs:
            pending.append(self.executor.submit(_work, job))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self, interrupted: bool = False) -> None:
        if interrupted:
            # Chunks in flight are lost anyway (resume redoes them): stop the workers now rather
            # than after their current chunk.
            for process in list(getattr(self.executor, "_processes", {}).values()):
                process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)


# -- one writer per output ----------------------------------------------------------------------
class _OutputLock:
    """``.<output name>.lock``: an exclusive ``flock`` on a file that names its holder.

    The lock is the kernel's (released when the holding process dies, however it dies); the file's
    content (pid, host, start time) is only there to name the holder in the refusal message. The
    file is removed on release; a run that finds it locked by a file that has meanwhile been
    replaced tries again on the new one.
    """

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = output.with_name(f".{output.name}.lock")
        self.fd: int | None = None
        self.previous: dict[str, Any] = {}

    def acquire(self) -> None:
        """Take the lock, or raise :class:`FramingError` naming the live holder."""
        import fcntl
        import socket

        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise FramingError(
                    f"Another framing score run (pid {holder.get('pid', '?')} on {holder.get('host', '?')}) is writing to "
                    f"{self.output}: it holds the lock {self.path}. "
                    "Wait for it to finish or stop it, or write to another --output; the lock of a run that died is taken over."
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the holder released (and removed) the file between our open and flock
        self.previous = _read_holder(fd)  # left by a run that died while holding it
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        os.ftruncate(fd, 0)
        os.pwrite(fd, (record + "\n").encode("utf-8"), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        with suppress(FileNotFoundError):
            self.path.unlink()  # while still holding it: nobody can lock the old file and think they own the path
        os.close(self.fd)
        self.fd = None


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


# -- the partial output folder --------------------------------------------------------------------
class _Partial:
    """``.<output name>.partial/``: data, rejects and a ``state.json`` committed after every chunk."""

    def __init__(self, output: Path, fmt: str) -> None:
        self.folder = output.with_name(f".{output.name}.partial")
        self.fmt = fmt
        self.state_path = self.folder / "state.json"
        self.data = self.folder / f"data.{fmt}"
        self.rejects = self.folder / "rejects.jsonl"
        self.state: dict[str, Any] = {}
        self._schema: Any = None

    def exists(self) -> bool:
        return self.folder.exists()

    def create(self, state: dict[str, Any]) -> None:
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        header = b""
        if self.fmt == "csv":
            header = (",".join(_csv_cell(c) for c in state["columns"]) + "\n").encode("utf-8")
        if self.fmt != "parquet":
            self.data.write_bytes(header)
        self.rejects.write_bytes(b"")
        self.state = dict(state, data_bytes=len(header), rejects_bytes=0, parts=0, complete=False)
        self._commit()

    def reopen(self) -> dict[str, Any]:
        """Load the state and cut the files back to the last commit."""
        try:
            self.state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FramingError(
                f"{self.folder}: cannot resume, its state.json is missing or unreadable ({exc}). Delete the folder to start over."
            ) from None
        if self.state.get("version") != STATE_VERSION:
            raise FramingError(f"{self.folder}: written by another version of framing score. Delete the folder to start over.")
        if self.fmt != "parquet":
            _truncate(self.data, self.state["data_bytes"])
        _truncate(self.rejects, self.state["rejects_bytes"])
        for part in self.folder.glob("part-*.parquet*"):
            if part.suffix != ".parquet" or int(part.stem.split("-")[1]) >= self.state["parts"]:
                part.unlink()  # written after the last commit
        return self.state

    def done_ids(self) -> IdSet:
        """The ids already written (read back from the data)."""
        done = IdSet()
        if self.fmt == "jsonl":
            with self.data.open("rb") as handle:
                for line in handle:
                    done.add(str(json.loads(line)["id"]))
        elif self.fmt == "csv":
            import pandas as pd

            for chunk in pd.read_csv(self.data, usecols=["id"], dtype=str, keep_default_na=False, chunksize=100_000):
                for rid in chunk["id"]:
                    done.add(rid)
        else:
            import pyarrow.parquet as pq

            for number in range(self.state["parts"]):
                for rid in pq.read_table(self._part(number), columns=["id"]).column("id").to_pylist():
                    done.add(rid)
        return done

    def reject_keys(self) -> IdSet:
        keys = IdSet()
        with self.rejects.open("rb") as handle:
            for line in handle:
                keys.add(_reject_key(json.loads(line)))
        return keys

    def append(self, frame: pd.DataFrame, rejects: list[Reject], update: dict[str, Any]) -> None:
        """Write one chunk's rows and rejects, then commit the new state."""
        if len(frame):
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                number = self.state["parts"]
                temporary = self._part(number).with_suffix(".parquet.tmp")
                pq.write_table(self._table(frame), temporary)
                os.replace(temporary, self._part(number))
                update["parts"] = number + 1
            else:
                update["data_bytes"] = _append(self.data, _encode(frame, self.fmt))
        if rejects:
            lines = "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rejects)
            update["rejects_bytes"] = _append(self.rejects, lines.encode("utf-8"))
        self.state.update(update)
        self._commit()

    def finish(self, output: Path, rejects_out: Path) -> None:
        """Move the output and the rejects into place and remove the folder.

        Marked complete first: if this is cut short, a resumed run only finishes the moves.
        """
        self.state["complete"] = True
        self._commit()
        if self.fmt == "parquet":
            # Always from the parts (kept until the folder goes): even with no rows, the file at
            # the output path must be this run's, never an older one.
            self._merge_parts(output)
        elif self.data.exists():
            os.replace(self.data, output)
        if self.rejects.exists():
            os.replace(self.rejects, rejects_out)
        shutil.rmtree(self.folder)

    def _merge_parts(self, output: Path) -> None:
        import pyarrow.parquet as pq

        merged = self.folder / "merged.parquet"
        with pq.ParquetWriter(merged, self._arrow_schema()) as writer:
            for number in range(self.state["parts"]):  # one part in memory at a time
                writer.write_table(pq.read_table(self._part(number)))
        os.replace(merged, output)

    def _part(self, number: int) -> Path:
        return self.folder / f"part-{number:06d}.parquet"

    def _arrow_schema(self) -> Any:
        import pyarrow as pa

        if self._schema is None:
            types = {"id": pa.string(), "label": pa.string(), "evidence": pa.string()}
            self._schema = pa.schema([(c, types.get(c, pa.float64())) for c in self.state["columns"]])
        return self._schema

    def _table(self, frame: pd.DataFrame) -> Any:
        import pyarrow as pa

        return pa.Table.from_pandas(frame, schema=self._arrow_schema(), preserve_index=False)

    def _commit(self) -> None:
        temporary = self.state_path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self.state), encoding="utf-8")
        os.replace(temporary, self.state_path)


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as handle:
        handle.truncate(size)


def _append(path: Path, data: bytes) -> int:
    """Append, flush to the operating system and to disk; return the file's new size."""
    with path.open("ab") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
        return handle.tell()


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(ch in value for ch in ',"\n\r') else value


def _encode(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, lineterminator="\n")
        return buffer.getvalue().encode("utf-8")
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in frame.to_dict(orient="records")).encode("utf-8")


def _reject_key(reject: dict[str, Any]) -> str:
    return f"{reject['file']}\x1f{reject['location']}\x1f{reject['id']}\x1f{reject['reason']}"


# -- progress -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    """Where a run is, after each chunk (counts of this run; ``skipped`` were written before a resume)."""

    done: int
    scored: int
    rejected: int
    skipped: int
    total: int | None
    seconds: float

    @property
    def rate(self) -> float:
        """Articles scored or rejected per second (skipped ones cost nothing)."""
        return (self.scored + self.rejected) / max(self.seconds, 1e-9)


def count_rows(paths: list[Path]) -> int | None:
    """A cheap count of the input rows for a progress bar, or ``None`` when one file has no cheap count.

    JSONL: non-blank lines; Parquet: the row count in its footer; ``.txt``: one per file. CSV (quoted
    cells may span lines) and XLSX have none.
    """
    total = 0
    for path in paths:
        suffix = path.suffix.lower()
        if suffix == ".txt":
            total += 1
        elif suffix in (".jsonl", ".ndjson"):
            with path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            total += pq.ParquetFile(path).metadata.num_rows
        else:
            return None
    return total


def plain_progress(report: Callable[[str], None], every: int = 10) -> Callable[[Progress], None]:
    """A progress callback that writes one plain line every ``every`` chunks (for logs and pipes)."""
    calls = [0]

    def show(progress: Progress) -> None:
        calls[0] += 1
        if calls[0] % every:
            return
        of = f" of {progress.total:,}" if progress.total else ""
        eta = ""
        if progress.total and progress.rate > 0:
            eta = f", about {_duration(max(progress.total - progress.done, 0) / progress.rate)} left"
        report(f"{progress.done:,}{of} articles: {progress.scored:,} scored, {progress.rejected:,} rejected ({progress.rate:,.0f}/s){eta}")

    return show


@contextmanager
def bar_progress(console: Any) -> Iterator[Callable[[Progress], None]]:
    """A rich progress bar (articles, articles/s, ETA) on ``console`` while the block runs."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress as Bar,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    with Bar(*columns, console=console, transient=False) as bar:
        task = bar.add_task("score", total=None, rate="")

        def show(progress: Progress) -> None:
            bar.update(task, completed=progress.done, total=progress.total, rate=f"{progress.rate:,.0f} articles/s")

        yield show


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds} s"


# -- the run --------------------------------------------------------------------------------------
@dataclass
class ScoreSummary:
    """What one scoring run did (counts cover the whole output, resumed parts included)."""

    output: Path
    rejects: Path
    n_scored: int
    n_rejects: int
    seconds: float
    label_counts: dict[str, int]
    reject_counts: dict[str, int] = field(default_factory=dict)
    n_skipped: int = 0
    drift: list[FeatureDrift] = field(default_factory=list)
    drift_threshold: float = 0.25
    drift_note: str | None = None

    @property
    def drifted(self) -> list[FeatureDrift]:
        """The features whose PSI is above the threshold."""
        return [d for d in self.drift if d.psi > self.drift_threshold]


class ScoringInterrupted(FramingError):
    """Ctrl-C (or SIGTERM) stopped a run; its partial output is kept for ``--resume``."""


class _Reader(CorpusReader):
    """The corpus reader, noting which file the current chunk comes from (for the screen's rejects)."""

    current_file = ""

    def _raw_chunks(self, path, chunk_size):  # noqa: ANN001, ANN202
        for item in super()._raw_chunks(path, chunk_size):
            self.current_file = item[0]
            yield item

    def _txt_chunks(self, paths, chunk_size):  # noqa: ANN001, ANN202
        for item in super()._txt_chunks(paths, chunk_size):
            self.current_file = item[0]
            yield item


def rejects_path(output: str | Path) -> Path:
    """``out/scores.jsonl`` -> ``out/scores.rejects.jsonl``."""
    output = Path(output)
    return output.with_name(f"{output.stem}.rejects.jsonl")


def _check_arguments(output: Path, chunk_size: int, workers: int, explain: int, engine: str) -> str:
    fmt = OUTPUT_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise FramingError(f"Got --output {str(output)!r}, expected a file ending in one of {', '.join(OUTPUT_FORMATS)}.")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise FramingError(f"Got --chunk-size {chunk_size!r}, expected a positive number.")
    if not isinstance(workers, int) or workers < 1:
        raise FramingError(f"Got --workers {workers!r}, expected a positive number.")
    if not isinstance(explain, int) or explain < 0:
        raise FramingError(f"Got --explain {explain!r}, expected 0 (no evidence) or a positive number of features.")
    if engine not in ENGINES:
        raise FramingError(f"Got --engine {engine!r}, expected one of {', '.join(ENGINES)}.")
    if engine == "spark" and workers != 1:
        raise FramingError(f"Got --workers {workers} with --engine spark: Spark runs its own tasks (choose them with --spark-master, e.g. local[4]).")
    return fmt


def score(
    model_uri: str,
    inputs: list[str],
    output: str | Path,
    *,
    config: Config | None = None,
    chunk_size: int = 2_000,
    workers: int = 1,
    explain: int = 0,
    resume: bool = False,
    engine: str = "local",
    spark_master: str | None = None,
    report: Callable[[str], None] | None = None,
    progress: Callable[[Progress], None] | None = None,
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
        Optional config: its ``data`` section gives the column mapping and reader (the label is
        ignored), its ``scoring`` section the screen and the drift settings.
    chunk_size
        Articles read, scored and written per step (and per commit).
    workers
        Processes scoring chunks in parallel (1: in this process).
    explain
        Add an ``evidence`` column with this many features per article.
    resume
        Continue the unfinished run whose partial output is beside ``output``.
    engine
        ``local`` (this machine) or ``spark`` (``mlflow.pyfunc.spark_udf``).
    spark_master
        Spark master URL for ``engine="spark"`` (default ``local[2]``, or ``SPARK_REMOTE``).
    report
        Receives a line for each notable step (resuming, the drift check ...).
    progress
        Receives a :class:`Progress` after every chunk.

    Returns
    -------
    ScoreSummary

    Raises
    ------
    FramingError
        A bad argument, a model that cannot be found, an unfinished run without ``resume``, another
        live run writing to ``output``.
    ScoringInterrupted
        Ctrl-C or SIGTERM; the partial output is kept.
    framing.corpus.CorpusError
        A file-level problem in the input (the partial output is kept: fix the file and resume).
    """
    output = Path(output)
    fmt = _check_arguments(output, chunk_size, workers, explain, engine)
    say = report or (lambda line: None)
    paths = list(inputs)
    reader = _Reader.from_config(config.data, with_label=False, paths=paths) if config is not None else _Reader(paths)
    files_in = reader.files()  # file-level problems before the model is loaded
    lock = _OutputLock(output)
    lock.acquire()
    try:
        if lock.previous:
            say(f"took over {lock.path}: its holder (pid {lock.previous.get('pid', '?')} on {lock.previous.get('host', '?')}) is no longer running")
        return _score_locked(model_uri, output, fmt, reader, files_in, config, chunk_size, workers, explain, resume, engine, spark_master, say, progress)
    finally:
        lock.release()


def _score_locked(
    model_uri: str,
    output: Path,
    fmt: str,
    reader: _Reader,
    files_in: list[Path],
    config: Config | None,
    chunk_size: int,
    workers: int,
    explain: int,
    resume: bool,
    engine: str,
    spark_master: str | None,
    say: Callable[[str], None],
    progress: Callable[[Progress], None] | None,
) -> ScoreSummary:
    """:func:`score`, once this process holds the output's lock."""
    from framing import track
    from framing.config import ScoringConfig
    from framing.drift import DriftMonitor

    scoring = config.scoring if config is not None else ScoringConfig()
    partial = _Partial(output, fmt)
    if partial.exists() and not resume:
        raise FramingError(
            f"{partial.folder} holds an unfinished run for {output}. Pass --resume to continue it, "
            "or delete that folder to start over."
        )

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="framing-score-") as scratch:
        if engine == "local" and workers > 1:
            # The parent only reads and writes: it never unpickles the pipeline (nor imports
            # scikit-learn or LightGBM), which keeps the process tree's memory down.
            files = track.model_files(model_uri, Path(scratch))
            model, classes, profile, uuid = None, files.classes, files.reference, files.uuid
        else:
            loaded = track.load_framing(model_uri)
            model, profile, uuid = loaded.model, loaded.reference, loaded.uuid
            classes = [str(c) for c in model.classes_]
        columns = ["id", "label", *(f"p_{c}" for c in classes), *(["evidence"] if explain else [])]
        # The screen decides what is scored and what rejected: a resume must screen the same way.
        screening = {k: v for k, v in _settings(scoring).items() if k in ("max_chars", "language_check", "min_indonesian_share", "language_min_words")}
        identity = {"version": STATE_VERSION, "format": fmt, "columns": columns, "model": model_uri, "model_uuid": uuid, "screening": screening}

        monitor = DriftMonitor(profile, scoring.drift_features) if profile is not None else None
        done = IdSet()
        reject_keys: IdSet | None = None
        if resume and partial.exists():
            state = partial.reopen()
            mismatch = [key for key in ("format", "columns", "model_uuid", "screening") if state.get(key, identity[key] if key == "screening" else None) != identity[key]]
            if mismatch:
                raise FramingError(
                    f"{partial.folder} was written with other settings ({', '.join(mismatch)}: model {state.get('model')!r}, "
                    f"columns {state.get('columns')}, screening {state.get('screening')}). Resume with the same --model, --explain "
                    "and scoring section, or delete the folder to start over."
                )
            if state["complete"]:  # the previous run stopped while moving its files into place
                partial.finish(output, rejects_path(output))
                return _write_summary(_summary(state, output, 0.0, monitor, scoring, profile, engine))
            done, reject_keys = partial.done_ids(), partial.reject_keys()
            if monitor is not None and state.get("drift_counts") is not None:
                import numpy as np

                monitor.add(np.asarray(state["drift_counts"], dtype=np.int64))
            say(f"resuming {partial.folder}: {state['n_scored']:,} articles scored and {state['n_rejects']:,} rejected before")
        else:
            if resume:
                say(f"nothing to resume for {output}: starting afresh")
            partial.create(dict(identity, n_scored=0, n_rejects=0, reject_counts={}, label_counts={}, drift_counts=None, chunks=0))

        total = count_rows(files_in) if progress is not None else None
        settings = _settings(scoring)
        if engine == "spark":
            from framing.spark import SparkEngine

            runner: Any = SparkEngine(model_uri, model, settings, explain, profile, scoring.drift_features, master=spark_master, report=say)
        elif workers == 1:
            runner = _InProcess(_Scorer(model, settings, explain, profile, scoring.drift_features))
        else:
            runner = _Pool(workers, (files.pipeline, settings, explain, profile, scoring.drift_features, os.getpid()))

        counts = {"scored": 0, "rejected": 0, "skipped": 0}
        finished = False
        with sigterm_as_interrupt():
            try:
                for result in runner.run(_jobs(reader, chunk_size, done)):
                    _commit_chunk(partial, result, reject_keys, monitor, counts)
                    if progress is not None:
                        handled = counts["scored"] + counts["rejected"] + counts["skipped"]
                        progress(Progress(handled, counts["scored"], counts["rejected"], counts["skipped"], total, time.perf_counter() - started))
                finished = True
            except KeyboardInterrupt:
                raise ScoringInterrupted(
                    f"Interrupted: {partial.state['n_scored']:,} articles are scored and kept in {partial.folder}. "
                    "Run the same command with --resume to go on, or delete that folder to start over."
                ) from None
            finally:
                runner.close(interrupted=not finished)
    partial.finish(output, rejects_path(output))
    return _write_summary(_summary(partial.state, output, time.perf_counter() - started, monitor, scoring, profile, engine, skipped=counts["skipped"]))


def _write_summary(summary: ScoreSummary) -> ScoreSummary:
    """Write ``<output stem>.summary.json`` (counts, drift) beside the output; return ``summary``."""
    from dataclasses import asdict

    from framing.report import summary_path

    record = asdict(summary) | {"output": str(summary.output), "rejects": str(summary.rejects), "drifted": [d.name for d in summary.drifted]}
    path = summary_path(summary.output)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1, default=float), encoding="utf-8")
    tmp.replace(path)
    return summary


def _jobs(reader: _Reader, chunk_size: int, done: IdSet) -> Iterator[Job]:
    """Chunks from the reader, less the ids already written; each carries the reader's new rejects."""
    from framing.clean import Article

    number = 0
    for chunk in reader.iter_chunks(chunk_size):
        ids, texts, skipped = [], [], 0
        # Titles travel with their texts as headlines (framing.clean.Article): the title text score.
        titles = chunk["title"].tolist() if "title" in chunk else [None] * len(chunk)
        for rid, text, title in zip(chunk["id"].tolist(), chunk["text"].tolist(), titles):
            if rid in done:
                skipped += 1
            else:
                ids.append(rid)
                texts.append(Article(text, headline=title) if isinstance(title, str) and title.strip() and isinstance(text, str) else text)
        rejects = list(reader.rejects)
        reader.rejects.clear()  # written with this chunk: the list must not grow with the input
        yield Job(number, reader.current_file, ids, texts, rejects, skipped)
        number += 1
    if reader.rejects:  # rows after the last accepted one
        yield Job(number, reader.current_file, [], [], list(reader.rejects))
        reader.rejects.clear()


def _commit_chunk(partial: _Partial, result: Done, reject_keys: IdSet | None, monitor: Any, counts: dict[str, int]) -> None:
    state = partial.state
    rejects = result.rejects
    if reject_keys is not None:  # a resumed run meets again the bad rows it has already written
        rejects = [r for r in rejects if _reject_key(r.to_dict()) not in reject_keys]
        counts["skipped"] += len(result.rejects) - len(rejects)
    label_counts = dict(state["label_counts"])
    for name, count in result.frame["label"].value_counts().items():
        label_counts[str(name)] = label_counts.get(str(name), 0) + int(count)
    reject_counts = dict(state["reject_counts"])
    for reject in rejects:
        kind = reject.reason.split(":", 1)[0]
        reject_counts[kind] = reject_counts.get(kind, 0) + 1
    update: dict[str, Any] = {
        "n_scored": state["n_scored"] + len(result.frame),
        "n_rejects": state["n_rejects"] + len(rejects),
        "label_counts": label_counts,
        "reject_counts": reject_counts,
        "chunks": state["chunks"] + 1,
    }
    if monitor is not None and result.drift is not None:
        monitor.add(result.drift)
    if monitor is not None:
        update["drift_counts"] = monitor.counts.tolist()
    partial.append(result.frame[state["columns"]], rejects, update)
    counts["scored"] += len(result.frame)
    counts["rejected"] += len(rejects)
    counts["skipped"] += result.skipped


def _summary(
    state: dict[str, Any], output: Path, seconds: float, monitor: Any, scoring: ScoringConfig, profile: Any, engine: str, skipped: int = 0
) -> ScoreSummary:
    note = None
    drift: list[FeatureDrift] = []
    if profile is None:
        note = "drift not checked: the model was logged without a reference profile (retrain it to add one)"
    else:
        drift = monitor.report()
        if not drift:
            note = f"drift not checked: {monitor.n:,} articles profiled, at least {monitor.min_rows} needed"
        elif engine == "spark":
            note = f"drift checked on a sample of {monitor.n:,} articles"
    return ScoreSummary(
        output=output,
        rejects=rejects_path(output),
        n_scored=state["n_scored"],
        n_rejects=state["n_rejects"],
        seconds=seconds,
        label_counts=dict(state["label_counts"]),
        reject_counts=dict(state["reject_counts"]),
        n_skipped=skipped,
        drift=drift,
        drift_threshold=scoring.drift_threshold,
        drift_note=note,
    )
