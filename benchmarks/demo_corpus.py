"""Time and peak memory of `framing demo-corpus` (target for 1M articles: < 5 min, < 1 GiB).

Each format runs in its own subprocess so that peak RSS is that run's alone. The baseline, run in
the same session, writes the 294 originals over and over with no recombination: the floor of
serialising and writing the same number of articles.

    python benchmarks/demo_corpus.py --n 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from itertools import cycle, islice
from framing.demo import DEMO_CORPUS, generate
n, out, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
started = time.perf_counter()
if mode == "generate":
    generate(n, out, seed=1)
else:
    originals = [json.loads(l) for l in DEMO_CORPUS.read_text(encoding="utf-8").splitlines()]
    with open(out, "w", encoding="utf-8") as handle:
        articles = islice(cycle(originals), n)
        while batch := [json.dumps(a, ensure_ascii=False) for a in islice(articles, 10_000)]:
            handle.write("\\n".join(batch) + "\\n")
print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(n: int, out: Path, mode: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(n), str(out), mode], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["mb_written"] = out.stat().st_size / 1e6
    out.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    floor = run(args.n, args.dir / "floor.jsonl", "floor")
    print(f"baseline (write originals, no recombination) jsonl: {floor['seconds']:7.1f} s  peak RSS {floor['peak_rss_mb']:6.0f} MB  {floor['mb_written']:7.0f} MB written")
    for suffix in (".jsonl", ".parquet"):
        r = run(args.n, args.dir / f"demo{suffix}", "generate")
        print(
            f"framing demo-corpus --n {args.n:,} {suffix:<8}: {r['seconds']:7.1f} s  peak RSS {r['peak_rss_mb']:6.0f} MB  "
            f"{r['mb_written']:7.0f} MB written  {args.n / r['seconds']:,.0f} articles/s  {r['seconds'] / floor['seconds']:.2f}x baseline"
        )


if __name__ == "__main__":
    main()
