"""Throughput and memory of ``framing score``, beside a TF-IDF + logistic regression peer.

On N articles from ``framing demo-corpus`` (and on the indonews_2025 daily files when
../shared/data is present), in this one process and on the same texts:

- articles/s of ``score()`` end to end (read JSONL, screen, score, write JSONL; evidence off) with
  1 worker and with 2 workers, and the peak RSS of the whole process tree (this process and its
  workers, sampled every 0.2 s from /proc);
- the peer: a TF-IDF (word 1-2) + LogisticRegression pipeline trained on the demo corpus,
  reading the same file in chunks and predicting probabilities.

``--memory`` scores 100k and 1M generated articles with 2 workers, each run in a fresh process,
and compares their peak RSS (targets: flat, under 1 GiB). ``--language`` prints the language
check's rates on every corpus and on English text.

Targets (issue 7): >= 1,000 articles/s per core end to end; 2 workers >= 1.7x of 1.

    python benchmarks/score.py [--n 200000] [--model URI] [--memory] [--data DIR] [--language] [--explain K]

``--explain K`` instead times scoring with evidence (K features per article) against without.

Without ``--model``, a model is trained on the demo corpus with configs/stance.yaml (LightGBM on
one thread) into a temporary MLflow store.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DAILY = DATA / "indonews_2025" / "daily"
DAILY_COLUMNS = ["data.columns={id: url, text: isi_berita}"]

# Hand-written English news paragraphs for the language check (not from any corpus).
ENGLISH_NEWS = [
    "Iran and Russia signed a comprehensive strategic partnership treaty in Moscow on Friday, pledging closer cooperation on energy, transport and security, although the document stops short of a mutual defence clause.",
    "The Indonesian foreign ministry said on Tuesday that it was monitoring the situation in the Middle East closely and urged all parties to exercise restraint and return to dialogue.",
    "Oil prices rose more than four percent after reports of explosions near a refinery in the south of the country, traders in Singapore and London said.",
    "President Prabowo Subianto met the visiting Iranian foreign minister in Jakarta, where the two discussed trade in palm oil, the situation in Gaza and cooperation within the BRICS group.",
    "A spokesperson for the State Department told reporters that Washington had not been informed in advance of the strike and called for an immediate ceasefire.",
    "Analysts at a think tank in Washington said the treaty was largely symbolic, noting that Moscow had failed to deliver the fighter jets that Tehran had ordered years ago.",
    "The Kremlin spokesman declined to comment on whether Russia would supply air defence systems, saying only that cooperation with Tehran was developing in many areas.",
    "Thousands of people gathered in central Jakarta after Friday prayers to protest against the bombing, carrying flags and banners and chanting slogans.",
    "The central bank kept its benchmark interest rate unchanged for a third month in a row, citing uncertainty in global markets and the weakness of the rupiah.",
    "According to the Associated Press, at least twelve people were killed and dozens injured when a missile struck a residential building in the city early on Monday.",
    "A magazine reported that the ministry had drafted a new regulation on news aggregators, which would require platforms to share advertising revenue with publishers.",
    "The football club confirmed the signing of the Argentine forward Di Maria on a one-year contract, with an option to extend it for another season.",
    "Ada Lovelace is often described as the first computer programmer because of her notes on the analytical engine designed by Charles Babbage.",
    "Officials in Tehran accused Western governments of hypocrisy, arguing that sanctions had hurt ordinary people far more than they had changed the policies of the state.",
    "Election officials said turnout was higher than expected, with long queues at polling stations in Surabaya, Medan and Makassar throughout the morning.",
    "Heavy rain caused flooding in several districts of the capital, forcing hundreds of families to leave their homes and move to temporary shelters.",
    "The company said its quarterly profit fell by a fifth because of higher costs for raw materials and weaker demand from customers in China and Europe.",
    "In a statement carried by the state news agency IRNA, the government said it would suspend cooperation with the International Atomic Energy Agency.",
    "Diplomats at the United Nations said a draft resolution calling for a humanitarian pause had the support of most members of the Security Council.",
    "The researchers found that articles rewritten from foreign wire copy quoted Western agencies far more often than articles written by the outlets' own correspondents.",
]


# -- measuring ------------------------------------------------------------------------------------
def _tree_rss(root: int) -> int:
    """Resident set size (bytes) of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(stat[1]), []).append(pid)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1]) * 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class PeakRSS:
    """Sample the process tree's RSS every 0.2 s while the block runs; ``.peak`` in bytes."""

    def __init__(self, root: int | None = None) -> None:
        self.root = root or os.getpid()
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self) -> PeakRSS:
        def sample() -> None:
            while not self._stop.is_set():
                self.peak = max(self.peak, _tree_rss(self.root))
                self._stop.wait(0.2)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _tree_rss(self.root))


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


# -- the model and the data -----------------------------------------------------------------------
def train_model(home: Path) -> str:
    """Train configs/stance.yaml on the demo corpus in a child process (this one stays small)."""
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{home}/mlflow.db"
    home.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "framing.cli", "train", "--config", str(ROOT / "configs" / "stance.yaml")]
    command += ["--set", "model.n_jobs=1", "--set", "tracking.model_name=bench-stance", "--set", "split.cv_folds=2"]
    started = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=home).stdout
    uri = next(line.split()[-1] for line in out.splitlines() if line.startswith("model uri:"))
    print(f"model: configs/stance.yaml on the demo corpus, trained in {time.perf_counter() - started:.0f} s -> {uri}")
    return uri


def demo_file(n: int, folder: Path) -> Path:
    from framing.demo import generate

    path = folder / f"demo_{n}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        generate(n, path, seed=0)
        print(f"generated {n:,} demo articles in {time.perf_counter() - started:.0f} s ({path.stat().st_size / 1e6:,.0f} MB)")
    return path


# -- throughput -----------------------------------------------------------------------------------
def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (workers are joined when a run ends)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_score(
    model: str, inputs: list[str], output: Path, workers: int, overrides: list[str] | None = None, chunk_size: int = 2_000, explain: int = 0
) -> tuple[int, float, float, int, float]:
    """(articles scored, seconds end to end, steady articles/s after the first chunk, peak tree RSS, CPU seconds)."""
    from framing.config import load_config
    from framing.scoring import score

    config = load_config(ROOT / "configs" / "stance.yaml", overrides) if overrides else None
    marks: list[tuple[float, int]] = []
    cpu = _cpu_seconds()
    with PeakRSS() as rss:
        started = time.perf_counter()
        summary = score(
            model, inputs, output, config=config, workers=workers, chunk_size=chunk_size, explain=explain, progress=lambda p: marks.append((time.perf_counter(), p.scored))
        )
        seconds = time.perf_counter() - started
    steady = (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0]) if len(marks) > 2 else float("nan")
    output.unlink()
    return summary.n_scored, seconds, steady, rss.peak, _cpu_seconds() - cpu


def peer(inputs: list[str], overrides: list[str] | None) -> tuple[int, float]:
    """TF-IDF (word 1-2) + LogisticRegression: train on the demo corpus, then read and predict ``inputs``."""
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from framing.config import load_config
    from framing.corpus import CorpusReader
    from framing.demo import DEMO_CORPUS

    demo = pd.read_json(DEMO_CORPUS, lines=True)
    baseline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), LogisticRegression(max_iter=1000))
    baseline.fit(demo["text"].tolist(), demo["stance"].tolist())
    config = load_config(ROOT / "configs" / "stance.yaml", overrides) if overrides else None
    reader = CorpusReader.from_config(config.data, with_label=False, paths=inputs) if config else CorpusReader(inputs)
    n = 0
    started = time.perf_counter()
    for chunk in reader.iter_chunks(2_000):
        baseline.predict_proba(chunk["text"].tolist())
        n += len(chunk)
    return n, time.perf_counter() - started


def throughput(name: str, model: str, inputs: list[str], scratch: Path, overrides: list[str] | None = None, chunk_size: int = 2_000) -> None:
    print(f"\n== {name} (load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    rates = {}
    for workers in (2, 1):  # 2 first: the peak RSS of its tree is not inflated by what 1 worker left here
        n, seconds, steady, peak, cpu = run_score(model, inputs, scratch / "out.jsonl", workers, overrides, chunk_size)
        rates[workers] = n / seconds
        print(
            f"framing score, {workers} worker{'s' if workers > 1 else ' '}: {n:,} articles in {seconds:,.1f} s = {n / seconds:,.0f} articles/s "
            f"end to end ({n / seconds / workers:,.0f} per worker; {steady:,.0f}/s after the first chunk); "
            f"{n / cpu:,.0f} articles per CPU second (all processes); peak RSS of the process tree {mib(peak)}"
        )
    print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x (target >= 1.7x); load average now {os.getloadavg()[0]:.1f}")
    cpu = _cpu_seconds()
    n, seconds = peer(inputs, overrides)
    cpu = _cpu_seconds() - cpu
    print(
        f"peer, TF-IDF (word 1-2) + LogisticRegression, 1 process: {n:,} articles in {seconds:,.1f} s = {n / seconds:,.0f} articles/s "
        f"(read + predict); {n / cpu:,.0f} articles per CPU second"
    )


def explained(model: str, n: int, k: int, folder: Path, scratch: Path) -> None:
    """Articles/s with ``--explain k`` against without, 1 worker, on the same ``n`` articles."""
    source = [str(demo_file(n, folder))]
    print(f"\n== evidence: {n:,} demo-corpus articles, 1 worker, --explain {k} against none")
    plain = run_score(model, source, scratch / "out.jsonl", 1, chunk_size=500)
    with_evidence = run_score(model, source, scratch / "out.jsonl", 1, chunk_size=500, explain=k)
    print(f"without evidence: {plain[0] / plain[1]:,.0f} articles/s; with --explain {k}: {with_evidence[0] / with_evidence[1]:,.0f} articles/s "
          f"({with_evidence[1] / plain[1]:.2f}x the time)")


# -- memory ---------------------------------------------------------------------------------------
def memory(model: str, folder: Path) -> None:
    print("\n== memory: peak RSS of the process tree (framing score --workers 2, a fresh process per run)")
    peaks = {}
    for n in (100_000, 1_000_000):
        source = demo_file(n, folder)
        output = Path(tempfile.mkdtemp(prefix="framing-bench-out-")) / "memory_out.jsonl"
        command = [sys.executable, "-m", "framing.cli", "score", "-m", model, "-i", str(source), "-o", str(output), "--workers", "2"]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with PeakRSS(process.pid) as rss:
            process.wait()
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"framing score failed with exit code {process.returncode}")
        peaks[n] = rss.peak
        print(f"{n:>9,} articles: peak RSS {mib(rss.peak)} ({n / seconds:,.0f} articles/s end to end)")
        output.unlink()
        Path(str(output).replace(".jsonl", ".rejects.jsonl")).unlink()
    growth = peaks[1_000_000] / peaks[100_000]
    print(f"1M vs 100k: {growth:.2f}x (target: flat), largest {mib(max(peaks.values()))} (target < 1,024 MiB)")


# -- the language check ---------------------------------------------------------------------------
def language() -> None:
    import numpy as np
    import pandas as pd

    from framing.config import ScoringConfig
    from framing.corpus import CorpusReader
    from framing.demo import DEMO_CORPUS
    from framing.language import indonesian_words

    settings = ScoringConfig()
    sets: dict[str, list[str]] = {"demo corpus": CorpusReader([str(DEMO_CORPUS)]).read().records["text"].tolist()}
    if DATA.is_dir():
        sets["indosum dev"] = CorpusReader([str(DATA / "indosum" / "*.jsonl")], reader="indosum").read().records["text"].tolist()
        sets["indonews_2025 daily"] = CorpusReader([str(DAILY / "*.csv")], columns={"id": "url", "text": "isi_berita"}).read().records["text"].tolist()
        by_outlet = []
        for path in sorted(glob.glob(str(DATA / "indonews_2025" / "by_outlet" / "*"))):
            frame = pd.read_csv(path) if path.endswith(".csv") else pd.read_excel(path)
            by_outlet += [t for t in frame["content" if "content" in frame else "Isi"].dropna().astype(str) if t.strip()]
        sets["indonews_2025 by_outlet"] = by_outlet
    sets["English news (hand-written paragraphs)"] = ENGLISH_NEWS
    sets["English news (4 paragraphs per article)"] = [" ".join(ENGLISH_NEWS[i : i + 4]) for i in range(0, len(ENGLISH_NEWS), 4)]
    docs = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        docs += [text[i : i + 3000] for i in range(0, min(len(text), 30_000), 3000) if len(text[i : i + 3000]) > 500]
    if docs:
        sets["English licences (3,000-character pieces)"] = docs
    print(f"\n== language check: share of common Indonesian words; rejected when >= {settings.language_min_words} words and share < {settings.min_indonesian_share}")
    for name, texts in sets.items():
        counts = [indonesian_words(t) for t in texts]
        shares = np.array([hits / words if words else 0.0 for words, hits in counts])
        judged = np.array([words >= settings.language_min_words for words, _ in counts])
        rejected = int(((shares < settings.min_indonesian_share) & judged).sum())
        low = shares[judged].min() if judged.any() else float("nan")
        print(
            f"{name:42} {len(texts):6,} texts ({int((~judged).sum())} under {settings.language_min_words} words, not judged); "
            f"share min {low:.3f}, median {np.median(shares[judged]):.3f}, max {shares[judged].max():.3f}; rejected {rejected} ({rejected / len(texts):.1%})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="Generated demo articles for the throughput runs.")
    parser.add_argument("--model", help="A logged model (default: train one on the demo corpus).")
    parser.add_argument("--memory", action="store_true", help="Also compare peak RSS on 100k and 1M articles.")
    parser.add_argument("--language", action="store_true", help="Only print the language check's rates.")
    parser.add_argument("--data", type=Path, help="Keep the generated corpora in this folder (reused by later runs).")
    parser.add_argument("--explain", type=int, default=0, metavar="K", help="Only compare scoring with --explain K against without (on --n articles).")
    args = parser.parse_args()
    if args.language:
        language()
        return
    with tempfile.TemporaryDirectory(prefix="framing-bench-") as tmp:
        scratch = Path(tmp)
        data = args.data or scratch
        data.mkdir(parents=True, exist_ok=True)
        model = args.model or train_model(scratch / "mlruns")
        if args.explain:
            explained(model, args.n, args.explain, data, scratch)
            return
        throughput(f"{args.n:,} demo-corpus articles", model, [str(demo_file(args.n, data))], scratch)
        if DAILY.is_dir():
            # Small (3,698 articles): chunks of 250 so that both workers have work and the steady rate means something.
            throughput("indonews_2025 daily (3 days, url as id: repeated articles rejected)", model, [str(DAILY / "*.csv")], scratch, DAILY_COLUMNS, 250)
        if args.memory:
            memory(model, data)


if __name__ == "__main__":
    main()
