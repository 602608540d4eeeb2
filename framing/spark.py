"""``framing score --engine spark``: the same model, run by Apache Spark through ``mlflow.pyfunc.spark_udf``.

The driver (this process) does what it does for the local engine: it reads the input in chunks,
screens the rows (the same rejects, :mod:`framing.scoring`), writes and commits the output, and can
resume. Each chunk's accepted articles become a Spark DataFrame, scored by the logged pyfunc as a
Spark UDF on the executors, with the local Python environment (``env_manager="local"``: no
network, no virtualenv), and come back in input order. The output columns are the local engine's:
``id, label, p_<class>...`` and ``evidence`` with ``--explain``.

Sessions: ``--spark-master URL`` (``local[4]``, ``spark://host:7077``, ``yarn`` ...) or, when
``SPARK_REMOTE`` is set, a Spark Connect server (``sc://host:15002``); by default ``local[2]``,
bound to 127.0.0.1 and running Python workers with this interpreter (``PYSPARK_PYTHON``), so
they see the same packages. Executors run LightGBM on one thread each (the model does so
whenever it is loaded).

Drift is checked on the driver on every ``DRIFT_EVERY``-th scored article, since the UDF returns
predictions only.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from framing.errors import FramingError

if TYPE_CHECKING:
    from framing.chunks import Done, Job

__all__ = ["DEFAULT_MASTER", "DRIFT_EVERY", "SparkEngine", "session"]

DEFAULT_MASTER = "local[2]"
DRIFT_EVERY = 20


def session(master: str | None = None) -> tuple[Any, bool]:
    """A Spark session for scoring, and whether this call created it (and so should stop it).

    Parameters
    ----------
    master
        A master URL; ``None`` uses ``SPARK_REMOTE`` (Spark Connect) when set, else ``local[2]``.

    Raises
    ------
    FramingError
        PySpark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise FramingError('--engine spark needs PySpark: pip install "framing[spark]" (and Java 17 for a local session).') from None

    # Python workers must run this interpreter (else a system python without pandas), and a
    # local session must not depend on the machine's hostname resolving.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # PySpark 4.x warns on every task that pandas 3 is "not yet fully supported"; scoring works.
    quiet = "ignore:PySpark does not yet fully support pandas:FutureWarning"
    os.environ.setdefault("PYTHONWARNINGS", quiet)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    remote = os.environ.get("SPARK_REMOTE") if master is None else None
    if remote:
        return SparkSession.builder.remote(remote).getOrCreate(), True
    master = master or DEFAULT_MASTER
    existing = SparkSession.getActiveSession()
    if existing is not None:
        return existing, False
    builder = SparkSession.builder.master(master).appName("framing-score")
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false")
    builder = builder.config("spark.sql.execution.arrow.pyspark.enabled", "true").config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


class SparkEngine:
    """Scores :class:`framing.chunks.Job` chunks through ``mlflow.pyfunc.spark_udf``.

    Parameters
    ----------
    model_uri
        The model, as given to ``framing score``.
    model
        The same model loaded on the driver (classes; drift sample).
    settings
        The ``scoring`` config section as a dict (the screen).
    explain
        Evidence features per article (0: none).
    profile
        The model's drift reference profile, or ``None``.
    drift_features
        Features the drift check watches.
    master
        Spark master URL (see :func:`session`).
    report
        Receives one line when the session is up.
    """

    def __init__(
        self,
        model_uri: str,
        model: Any,
        settings: dict[str, Any],
        explain: int,
        profile: dict[str, Any] | None,
        drift_features: int,
        *,
        master: str | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        from pyspark.sql.types import DoubleType, StringType, StructField, StructType

        from framing import track
        from framing.chunks import Screen
        from framing.drift import DriftMonitor

        self.model = model
        self.screen = Screen(settings)
        self.monitor = DriftMonitor(profile, drift_features) if profile is not None else None
        self.classes = [str(c) for c in model.classes_]
        self.columns = ["label"] + [f"p_{c}" for c in self.classes] + (["evidence"] if explain else [])
        fields = [StructField(name, DoubleType() if name.startswith("p_") else StringType()) for name in self.columns]
        self.spark, self._owned = session(master)
        self.udf = track.spark_udf(self.spark, model_uri, StructType(fields), explain)
        if report is not None:
            report(f"spark session {self.spark.version} on {_master_of(self.spark)}")

    def run(self, jobs: Iterator[Job]) -> Iterator[Done]:
        for job in jobs:
            yield self.score(job)

    def score(self, job: Job) -> Done:
        import pandas as pd
        from pyspark.sql.functions import col, struct

        from framing.chunks import Done

        ids, texts, rejects = self.screen.split(job)  # on the driver: the local engine's rejects
        if texts:
            titles = [getattr(t, "headline", None) for t in texts]
            columns = {"_row": range(len(ids)), "id": ids, "text": [str(t) for t in texts]}
            if any(titles):  # the headlines the reader found travel as the optional title column
                columns["title"] = titles
            frame = self.spark.createDataFrame(pd.DataFrame(columns))
            inputs = struct(*(col(name) for name in ("text", "title") if name in columns))
            scored = frame.select("_row", "id", self.udf(inputs).alias("_out")).select("_row", "id", "_out.*").toPandas()
            out = scored.sort_values("_row").drop(columns="_row").reset_index(drop=True)
        else:
            out = pd.DataFrame({name: pd.Series(dtype=float if name.startswith("p_") else object) for name in ["id", *self.columns]})
        drift = None
        if self.monitor is not None and texts:
            sample = texts[::DRIFT_EVERY]
            drift = self.monitor.histogram(self.model.features(sample))
        return Done(job.number, out[["id", *self.columns]], rejects, drift, job.skipped)

    def close(self, interrupted: bool = False) -> None:
        if self._owned:
            self.spark.stop()


def _master_of(spark: Any) -> str:
    try:
        return spark.sparkContext.master
    except Exception:  # noqa: BLE001 - Spark Connect sessions have no SparkContext
        return os.environ.get("SPARK_REMOTE", "a Spark Connect server")
