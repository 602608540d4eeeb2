"""Shared fixtures: paths to ../shared, a private MLflow store, tiny corpora, real servers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEEDS = SHARED / "seeds"

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

# A model that trains in a second or two on a slice of the demo corpus (one LightGBM thread).
SMALL_MODEL = [
    "model.n_estimators=20",
    "model.min_child_samples=1",
    "model.num_leaves=4",
    "model.n_jobs=1",
    "model.params={min_data_in_bin: 1}",
    "features.word.max_features=3000",
]

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present")
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")


@pytest.fixture(scope="session")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite MLflow store for the whole session (a fresh store costs about a second)."""
    home = tmp_path_factory.mktemp("mlruns")
    return f"sqlite:///{home}/mlflow.db"


@pytest.fixture
def mlflow_env(tracking_uri: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    return tracking_uri


@pytest.fixture(autouse=True)
def _restore_tracking_uri():  # noqa: ANN202
    """Tests that point MLflow at a private store must not leave it pointed there."""
    import mlflow

    before = mlflow.get_tracking_uri()
    yield
    mlflow.set_tracking_uri(before)


def demo_slice(per_outlet: int = 10):  # noqa: ANN201 - pandas is imported lazily
    """The first ``per_outlet`` articles of each outlet of the demo corpus (a DataFrame)."""
    import pandas as pd

    from framing.demo import DEMO_CORPUS

    rows = [json.loads(line) for line in DEMO_CORPUS.read_text(encoding="utf-8").splitlines()]
    return pd.DataFrame(rows).groupby("outlet", sort=True).head(per_outlet).reset_index(drop=True)


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    """Write rows (dicts as JSON, strings verbatim) one per line."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


# -- real servers: PostgreSQL (Debian's package) and mlflow server, one of each per session --------
def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server binaries (initdb, postgres), or ``None``."""
    found = shutil.which("initdb")
    if found and (Path(found).resolve().parent / "postgres").is_file():
        return Path(found).resolve().parent
    # Debian keeps them out of PATH, one folder per major version.
    versions = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if (p.parent / "postgres").is_file()]
    versions.sort(key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Postgres:
    """A PostgreSQL server on 127.0.0.1 that trusts local connections of ``user``."""

    port: int
    user: str = "framing"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create the database ``name`` (dropping any of that name) and return its SQLAlchemy URL."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)


def _run_as() -> dict:
    """PostgreSQL refuses to run as root: as root, run it as the ``postgres`` user Debian's package creates."""
    if os.geteuid() != 0:
        return {}
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no postgres user to run the PostgreSQL server as (apt-get install postgresql creates it)")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": [], "env": dict(os.environ, HOME=entry.pw_dir)}


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL server: initdb in a temporary folder, a free port, stopped at the end."""
    binaries = postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, postgres) are not installed: apt-get install postgresql (.ci/run does)")
    pytest.importorskip("psycopg2", reason="psycopg2 is not installed: pip install -e '.[postgres]'")
    import psycopg2

    as_user = _run_as()
    home = Path(tempfile.mkdtemp(prefix="framing-postgres-"))  # not under pytest's tmp: that is private to root
    if as_user:
        os.chown(home, as_user["user"], as_user["group"])
    data = home / "data"
    subprocess.run(
        [str(binaries / "initdb"), "-D", str(data), "-U", "framing", "--auth=trust", "-E", "UTF8", "--no-locale"],
        check=True, capture_output=True, **as_user,
    )
    log = (home / "postgres.log").open("w")
    server = port = None
    try:
        for _attempt in range(3):  # another process may take the free port first
            port = free_port()
            # No durability needed for a test database: fsync off keeps commits cheap.
            command = [str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(home), "-c", "fsync=off", "-c", "max_connections=200"]
            server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **as_user)
            deadline = time.monotonic() + 30
            while server.poll() is None and time.monotonic() < deadline:
                try:
                    psycopg2.connect(host="127.0.0.1", port=port, user="framing", dbname="postgres", connect_timeout=2).close()
                    break
                except psycopg2.OperationalError:
                    time.sleep(0.1)
            else:
                server = None if server.poll() is not None else server
                continue
            break
        if server is None or server.poll() is not None:
            raise RuntimeError(f"PostgreSQL did not start: {(home / 'postgres.log').read_text()[-2000:]}")
        yield Postgres(port)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)  # fast shutdown: ends the sessions, then stops
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class TrackingServer:
    """``mlflow server`` over HTTP, with a PostgreSQL backend store and served artifacts."""

    url: str
    artifacts: Path

    def get(self, endpoint: str, **params: str) -> dict:
        """GET ``/api/2.0/mlflow/<endpoint>`` and return the decoded JSON."""
        from urllib.parse import urlencode

        with urllib.request.urlopen(f"{self.url}/api/2.0/mlflow/{endpoint}?{urlencode(params)}", timeout=30) as response:
            return json.loads(response.read())

    def post(self, endpoint: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.url}/api/2.0/mlflow/{endpoint}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="session")
def tracking_server(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrackingServer]:
    """``mlflow server`` on 127.0.0.1 and a free port, runs in PostgreSQL, artifacts under tmp."""
    store = postgres.create_database("mlflow")
    home = tmp_path_factory.mktemp("mlflow-server")
    artifacts = home / "artifacts"
    port = free_port()
    command = [
        sys.executable, "-m", "mlflow", "server", "--backend-store-uri", store, "--serve-artifacts",
        "--artifacts-destination", str(artifacts), "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]
    env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    env.pop("MLFLOW_TRACKING_URI", None)
    log = (home / "server.log").open("w")
    # Its own process group: the server's workers stop with it.
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not answer {url}/health: {(home / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        yield TrackingServer(url, artifacts)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()
