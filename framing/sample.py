"""``framing sample``: the articles most worth labelling next, as Label Studio tasks.

A stance model is only as good as the articles someone annotated. Given a model and an unlabelled
crawl, :func:`sample` picks ``n`` articles to annotate next:

1. **Uncertain first**: every article is scored; the candidates are ordered by the margin between
   the model's two most likely labels (small margin: the model cannot tell, so a label teaches it
   most).
2. **No near-duplicates**: among the most uncertain ``pool`` times ``n`` candidates, one article
   per near-duplicate group is kept (MinHash, :func:`framing.dedup.dedup`, the most uncertain of
   the group), so annotators never label the same wire story twice.
3. **Spread over outlets and days**: the picks go round the outlets (the outlet with the most
   uncertain remaining candidate first), and within an outlet prefer a day not yet picked, so one
   loud outlet or one busy day cannot fill the batch.

The output is what Label Studio imports (``.json``: a list of tasks; ``.jsonl``: the same tasks,
one per line, for scripts): each task's ``data`` holds ``id, text, title, outlet,
published_at``, and its ``predictions`` the model's guess as a pre-annotation (a ``Choices``
control named ``label`` on ``text``, with the probability as ``score``), and ``meta`` the
margin and the evidence behind the guess. ``.csv`` writes the same as flat columns. Label Studio's
JSON export of the finished tasks reads back with ``data.reader: label_studio`` (see
:func:`framing.corpus.label_studio_row`), the label being the ``Choices`` control's name.

The labelling config that matches the tasks (:func:`label_config`) is printed by the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd

    from framing.config import Config

__all__ = ["SampleResult", "choose", "label_config", "sample"]

OUTPUT_FORMATS = {".json": "json", ".jsonl": "jsonl", ".csv": "csv"}
# Label Studio control names used in the tasks' pre-annotations.
CONTROL, TARGET = "label", "text"
UNKNOWN = "(unknown)"


@dataclass
class SampleResult:
    """What :func:`sample` picked: the tasks' rows (``id, outlet, day, label, probability, margin``)."""

    output: Path
    chosen: pd.DataFrame
    n_scored: int
    n_candidates: int
    n_near_duplicates: int
    classes: list[str]


def label_config(classes: list[str]) -> str:
    """The Label Studio labelling config the tasks fit (a text and one choice among ``classes``)."""
    choices = "\n".join(f'    <Choice value="{c}"/>' for c in classes)
    return (
        "<View>\n"
        '  <Header value="$outlet, $published_at: $title"/>\n'
        f'  <Text name="{TARGET}" value="${TARGET}"/>\n'
        f'  <Choices name="{CONTROL}" toName="{TARGET}" choice="single" showInLine="true">\n{choices}\n  </Choices>\n'
        "</View>"
    )


def choose(frame: pd.DataFrame, n: int, *, pool: int = 5, threshold: float = 0.8, seed: int = 0) -> tuple[pd.DataFrame, int, int]:
    """Pick ``n`` rows of ``frame`` (``id, text, outlet, day, margin``): uncertain, distinct, spread.

    Returns the chosen rows in pick order, the number of candidates considered and the number of
    near-duplicates dropped among them.
    """
    from framing.dedup import dedup

    ordered = frame.sort_values(["margin", "id"], kind="stable").reset_index(drop=True)
    candidates = ordered.head(max(n * pool, n)).reset_index(drop=True)
    kept = dedup(candidates["text"].tolist(), order=list(range(len(candidates))), threshold=threshold, seed=seed)
    distinct = candidates[kept.keep].reset_index(drop=True)
    queues: dict[str, list[int]] = {}
    for i, outlet in enumerate(distinct["outlet"]):
        queues.setdefault(outlet, []).append(i)
    picked: list[int] = []
    days_used: dict[str, set[str]] = {outlet: set() for outlet in queues}
    while len(picked) < n and any(queues.values()):
        # Round robin: the outlets whose best remaining candidate is most uncertain go first.
        for outlet in sorted((o for o in queues if queues[o]), key=lambda o: (distinct["margin"].iloc[queues[o][0]], o)):
            if len(picked) >= n:
                break
            queue = queues[outlet]
            fresh = next((k for k, i in enumerate(queue) if distinct["day"].iloc[i] not in days_used[outlet]), 0)
            i = queue.pop(fresh)
            days_used[outlet].add(distinct["day"].iloc[i])
            picked.append(i)
    return distinct.iloc[picked].reset_index(drop=True), len(candidates), int(kept.n_removed)


def _tasks(chosen: pd.DataFrame, classes: list[str], model_uri: str) -> list[dict[str, Any]]:
    tasks = []
    for row in chosen.itertuples(index=False):
        data = {"id": row.id, "text": row.text, "title": row.title or "", "outlet": row.outlet, "published_at": row.published_at or ""}
        tasks.append(
            {
                "data": data,
                "predictions": [
                    {
                        "model_version": model_uri,
                        "score": round(float(row.probability), 4),
                        "result": [{"from_name": CONTROL, "to_name": TARGET, "type": "choices", "value": {"choices": [row.label]}}],
                    }
                ],
                "meta": {"margin": round(float(row.margin), 4), "evidence": json.loads(row.evidence) if row.evidence else []},
            }
        )
    return tasks


def _write(chosen: pd.DataFrame, classes: list[str], model_uri: str, output: Path) -> None:
    fmt = OUTPUT_FORMATS[output.suffix.lower()]
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    if fmt == "csv":
        flat = chosen[["id", "outlet", "published_at", "title", "text", "label", "probability", "margin", "evidence"]].rename(columns={"label": "predicted"})
        flat.to_csv(tmp, index=False)
    else:
        tasks = _tasks(chosen, classes, model_uri)
        with tmp.open("w", encoding="utf-8") as handle:
            if fmt == "json":
                json.dump(tasks, handle, ensure_ascii=False, indent=1)
            else:
                for task in tasks:
                    handle.write(json.dumps(task, ensure_ascii=False) + "\n")
    tmp.replace(output)


def sample(
    model_uri: str,
    inputs: list[str],
    output: str | Path,
    *,
    n: int = 100,
    config: Config | None = None,
    explain: int = 3,
    pool: int = 5,
    chunk_size: int = 2_000,
    progress: Callable[[int, int | None], None] | None = None,
) -> SampleResult:
    """Score ``inputs`` with the model and write the ``n`` articles most worth labelling to ``output``.

    Parameters
    ----------
    model_uri
        As for ``framing score``.
    inputs
        Files, globs or folders of articles (mapped by ``config.data`` when given).
    output
        ``.json`` (Label Studio import), ``.jsonl`` or ``.csv``.
    n
        Articles to pick.
    explain
        Evidence items per picked article (0: none).
    pool
        Near-duplicates are looked for among the ``pool * n`` most uncertain articles.
    progress
        Receives ``(articles scored, total or None)`` after each chunk.

    Raises
    ------
    FramingError
        Bad arguments, an unreadable input or model, or fewer distinct articles than ``n``.
    """
    import numpy as np
    import pandas as pd

    from framing import track
    from framing.corpus import CorpusReader
    from framing.scoring import count_rows

    output = Path(output)
    if output.suffix.lower() not in OUTPUT_FORMATS:
        raise FramingError(f"Got --output {output}, expected a file ending in {', '.join(OUTPUT_FORMATS)}.")
    if n < 1 or pool < 1:
        raise FramingError(f"Got n={n!r}, pool={pool!r}, expected positive integers.")
    model = track.load_framing(model_uri).model
    classes = [str(c) for c in model.classes_]
    reader = CorpusReader.from_config(config.data, with_label=False, paths=list(inputs)) if config else CorpusReader(list(inputs))
    total = count_rows(reader.files()) if progress is not None else None
    parts: list[pd.DataFrame] = []
    scored = 0
    for chunk in reader.iter_chunks(chunk_size):
        frame, _ = model.label_frame(chunk["text"].tolist())
        proba = np.sort(frame[[f"p_{c}" for c in classes]].to_numpy(dtype=float), axis=1)
        part = chunk[["id", "text", "title", "outlet", "published_at"]].reset_index(drop=True)
        part["label"] = frame["label"].astype(str).to_numpy()
        part["probability"] = proba[:, -1]
        part["margin"] = proba[:, -1] - (proba[:, -2] if proba.shape[1] > 1 else 0.0)
        # Only the most uncertain pool * n so far are kept: memory does not grow with the crawl.
        parts = [pd.concat([*parts, part], ignore_index=True).sort_values(["margin", "id"], kind="stable").head(max(n * pool, n))]
        scored += len(part)
        if progress is not None:
            progress(scored, total)
    if not parts:
        raise FramingError(f"No readable article in {', '.join(inputs)} ({len(reader.rejects)} rejected): nothing to sample.")
    frame = parts[0].reset_index(drop=True)
    frame["outlet"] = frame["outlet"].fillna(UNKNOWN).astype(str)
    from framing.dates import parse_dates

    frame["day"] = parse_dates(frame["published_at"]).dt.strftime("%Y-%m-%d").fillna(UNKNOWN)
    chosen, n_candidates, n_duplicates = choose(frame, n, pool=pool)
    if len(chosen) < n:
        raise FramingError(f"Only {len(chosen)} distinct articles among the {scored:,} read (near-duplicates removed): asked for {n}. Lower --n.")
    if explain:
        explained, _ = model.label_frame(chosen["text"].tolist(), explain)
        chosen["evidence"] = explained["evidence"].to_numpy()
    else:
        chosen["evidence"] = ""
    _write(chosen, classes, model_uri, output)
    return SampleResult(output, chosen, scored, n_candidates, n_duplicates, classes)
