"""Wall time and peak memory of ``framing train``, beside the TF-IDF + LR baseline in the same process.

Runs the whole training job of a config (default ``experiments/indonews_outlet.yaml``: 7,283
indonews articles, outlets under the time split; the target is under 3 minutes and 1 GB) in a
child process with a private MLflow store, and prints its wall time and peak RSS. In the same
child, after the job, it times the TF-IDF (word 1-2) + logistic regression baseline fitted on the
job's training rows, and the character n-gram TF-IDF of the stacked text scores against
scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` on the same rows: the machine is shared and
noisy, so the ratios are the figures to compare between runs. The comparisons come after the job
and the job's peak is read before them: scikit-learn's ``char_wb`` vocabulary alone takes a few
hundred MB, which is no part of ``framing train``.

    python benchmarks/train.py [--config PATH] [--set KEY=VALUE ...] [--keep-malloc]

The child fixes glibc's mmap threshold as ``framing train`` does (:mod:`framing._memory`);
``--keep-malloc`` leaves it dynamic, to see what that saves.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, resource, sys, time
import numpy as np
from framing.config import load_config
from framing.evaluate import baseline_pipeline
from framing._memory import release_large_blocks
from framing.training import prepare, train_and_log

if sys.argv[3] == "release":
    release_large_blocks()  # as framing train does
config = load_config(sys.argv[1], json.loads(sys.argv[2]))
started = time.perf_counter()
data = prepare(config, report=lambda line: None)
prepared = time.perf_counter() - started
before_job = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
result = train_and_log(config, report=lambda line: None, prepared=data)
job = time.perf_counter() - t
job_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

train_rows = data.split.train
docs = data.cleaned_for(config, train_rows) or data.records["text"].iloc[train_rows].tolist()
y = data.y[train_rows]
t = time.perf_counter()
baseline_pipeline(config.seed).fit(docs, y)
baseline = time.perf_counter() - t

from sklearn.feature_extraction.text import TfidfVectorizer
from framing.features.char_ngrams import CharTfidfVectorizer
section = config.features.text_scores
settings = dict(ngram_range=tuple(section.char_ngram_range), min_df=section.min_df, max_features=section.max_features, sublinear_tf=True, dtype=np.float32)
t = time.perf_counter(); TfidfVectorizer(analyzer="char_wb", **settings).fit_transform(docs); sklearn_char = time.perf_counter() - t
t = time.perf_counter(); CharTfidfVectorizer(**settings).fit_transform(docs); word_by_word = time.perf_counter() - t
print(json.dumps({
    "n_train": len(train_rows), "n_test": len(data.split.test), "prepare_s": prepared, "baseline_s": baseline,
    "sklearn_char_s": sklearn_char, "word_by_word_char_s": word_by_word, "train_s": job,
    "peak_mib_before_train": before_job, "peak_mib_train": job_peak, "test_macro_f1": result.metrics["test_macro_f1"],
    "baseline_macro_f1": result.metrics["baseline_tfidf_lr_test_macro_f1"],
}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(ROOT / "experiments" / "indonews_outlet.yaml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="a config override (KEY=VALUE)")
    parser.add_argument("--keep-malloc", action="store_true", help="leave glibc's mmap threshold dynamic (framing train fixes it: framing._memory)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{home}/mlflow.db", MLFLOW_DISABLE_TELEMETRY="true")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, args.config, json.dumps(args.overrides), "keep" if args.keep_malloc else "release"], env=env, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        return done.returncode
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    job = figures["prepare_s"] + figures["train_s"]
    print(f"config                       {args.config}")
    print(f"articles                     {figures['n_train']:,} train / {figures['n_test']:,} test")
    print(f"framing train (prepare+run)  {job:8.1f} s   ({figures['prepare_s']:.1f} s reading, cleaning, deduplicating)")
    print(f"child process wall time      {wall:8.1f} s   (includes the comparisons below and imports)")
    print(f"peak RSS of framing train    {figures['peak_mib_train']:8.0f} MiB ({figures['peak_mib_before_train']:.0f} MiB when prepared, before the job)")
    print(f"peak RSS of the child        {child_peak:8.0f} MiB (with the comparisons below, run after the job)")
    print(f"TF-IDF + LR baseline fit     {figures['baseline_s']:8.1f} s   -> framing train takes {job / figures['baseline_s']:.1f}x the baseline")
    print(f"char_wb TF-IDF: scikit-learn {figures['sklearn_char_s']:8.1f} s, word by word {figures['word_by_word_char_s']:.1f} s ({figures['sklearn_char_s'] / figures['word_by_word_char_s']:.2f}x faster)")
    print(f"test macro-F1                {figures['test_macro_f1']:8.3f}   (baseline {figures['baseline_macro_f1']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
