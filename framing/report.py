"""``framing report``: one self-contained HTML page over a scored batch.

What analysts ask of a day's crawl, answered from a scores file (``framing score``'s output) and
the articles it scored:

- **Labels per outlet** (and per day, or per week beyond 62 days, when the articles carry dates): counts, shares, and the
  share of low-confidence articles (top probability below ``low_confidence``).
- **Who quotes whom**: the origin groups of the sources each outlet quotes (attributions found in
  the text, :mod:`framing.features.attribution`), as a heatmap and a table.
- **Loaded terms**: the share of each outlet's articles with a cue of each lexicon category.
- **Drift**: the scoring run's drift summary (``<scores stem>.summary.json``, written by
  ``framing score``), when it is there.
- **Examples**: every table cell links to up to ``examples`` articles of that cell (id, title,
  label, probability, and the evidence: the scores' ``evidence`` column when they were written
  with ``--explain``, else the cues found in the text).

The page needs no network: plots are inline PNGs and tables sort with a few lines of inline
script (click a header). The cue pass cleans and reads every article once (about 2,000 articles
a second here), with progress reported through ``progress(done, total)``.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd

    from framing.config import Config

__all__ = ["BatchReport", "build_report", "read_scores", "summary_path", "write_report"]

SCORE_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
UNKNOWN = "(unknown)"
# More distinct days than this: labels per week instead of per day.
MAX_DAYS = 62


def summary_path(output: str | Path) -> Path:
    """``out/scores.jsonl`` -> ``out/scores.summary.json`` (what ``framing score`` writes beside it)."""
    output = Path(output)
    return output.with_name(f"{output.stem}.summary.json")


def read_scores(path: str | Path) -> pd.DataFrame:
    """A scores file as a frame: ``id`` (str), ``label``, ``p_<class>`` columns, optional ``evidence``.

    Raises
    ------
    FramingError
        The file is missing, has an unknown extension, or lacks ``id``, ``label`` or any
        ``p_`` column.
    """
    import pandas as pd

    path = Path(path)
    kind = SCORE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise FramingError(f"{path}: expected a scores file ending in {', '.join(SCORE_FORMATS)}, as framing score writes.")
    if not path.is_file():
        raise FramingError(f"{path}: no such scores file.")
    if kind == "jsonl":
        frame = pd.read_json(path, lines=True, dtype={"id": str})
    elif kind == "csv":
        frame = pd.read_csv(path, dtype={"id": str})
    else:
        frame = pd.read_parquet(path)
    missing = [c for c in ("id", "label") if c not in frame.columns]
    if missing or not any(c.startswith("p_") for c in frame.columns):
        raise FramingError(f"{path}: not a framing scores file (needs id, label and p_<class> columns; has {', '.join(map(str, frame.columns))}).")
    frame["id"] = frame["id"].astype(str)
    if frame["id"].duplicated().any():
        raise FramingError(f"{path}: id {frame['id'][frame['id'].duplicated()].iloc[0]!r} appears more than once.")
    return frame


@dataclass
class BatchReport:
    """The numbers of one report: ``tables`` (name -> frame, as shown) and the joined ``articles``."""

    articles: pd.DataFrame
    classes: list[str]
    tables: dict[str, pd.DataFrame]
    examples: dict[str, list[str]]
    low_confidence: float
    drift: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def build_report(
    scores: pd.DataFrame,
    articles: pd.DataFrame | None = None,
    *,
    config: Config | None = None,
    low_confidence: float = 0.6,
    examples: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Join ``scores`` to ``articles`` (by id) and compute the report's tables.

    Parameters
    ----------
    scores
        From :func:`read_scores`.
    articles
        ``id, text`` and optionally ``title, outlet, published_at`` (what the corpus readers
        give); ``None``: the report covers labels and confidence only.
    config
        Its ``clean`` and ``features`` sections find the cues (defaults when ``None``).
    low_confidence
        An article whose top probability is below this counts as low-confidence.
    examples
        Articles listed per table cell.

    Raises
    ------
    FramingError
        A scored id is not among the articles (the scores are of another batch).
    """
    import pandas as pd

    if not 0 < low_confidence <= 1:
        raise FramingError(f"Got low_confidence={low_confidence!r}, expected a number in (0, 1].")
    proba = [c for c in scores.columns if c.startswith("p_")]
    classes = [c[2:] for c in proba]
    frame = scores.copy()
    frame["confidence"] = frame[proba].max(axis=1)
    frame["low"] = frame["confidence"] < low_confidence
    notes: list[str] = []
    if articles is not None:
        articles = articles.drop_duplicates("id").set_index("id")
        unknown = ~frame["id"].isin(articles.index)
        if unknown.any():
            raise FramingError(
                f"{int(unknown.sum()):,} of {len(frame):,} scored ids are not in the input (e.g. {', '.join(map(repr, frame['id'][unknown].head(3)))}): "
                "give the --input the scores were made from."
            )
        extra = len(articles) - len(frame)
        if extra > 0:
            notes.append(f"{extra:,} input articles have no score (rejected when scoring, or not scored yet): left out")
        joined = articles.loc[frame["id"]]
        for column in ("title", "outlet", "published_at", "text"):
            frame[column] = joined[column].to_numpy() if column in joined else None
    for column in ("title", "outlet", "published_at", "text"):
        if column not in frame:
            frame[column] = None
    frame["outlet"] = frame["outlet"].fillna(UNKNOWN).astype(str)
    days = None
    if frame["published_at"].notna().any():
        from framing.dates import parse_dates

        dates = parse_dates(frame["published_at"])
        if dates.dt.normalize().nunique() > MAX_DAYS:  # a long span: weeks (starting on Monday)
            period = "week"
            days = (dates.dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time).dt.strftime("%Y-%m-%d")
        else:
            period = "day"
            days = dates.dt.strftime("%Y-%m-%d")
        frame[period] = days.fillna(UNKNOWN)
    tables: dict[str, pd.DataFrame] = {}
    cells: dict[str, list[str]] = {}

    def share_table(key: str) -> pd.DataFrame:
        rows = []
        # Sorted, with "(unknown)" last.
        for value, part in sorted(frame.groupby(key, sort=True), key=lambda item: (item[0] == UNKNOWN, item[0])):
            counts = part["label"].astype(str).value_counts()
            row: dict[str, Any] = {key: value, "articles": len(part)}
            for c in classes:
                row[c] = int(counts.get(c, 0))
            for c in classes:
                row[f"{c} share"] = row[c] / len(part)
            row["low-confidence share"] = float(part["low"].mean())
            rows.append(row)
            for c in classes:
                cells[f"{key}|{value}|{c}"] = _top(part[part["label"].astype(str) == c], examples)
        return pd.DataFrame(rows)

    tables["labels_by_outlet"] = share_table("outlet")
    if days is not None:
        tables[f"labels_by_{period}"] = share_table(period)
    cues: dict[str, list[dict[str, Any]]] = {}
    if articles is not None:
        from framing.cues import CueFinder

        finder = CueFinder(config.clean if config else None, config.features if config else None)
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        categories: dict[str, Counter[str]] = defaultdict(Counter)
        quoting: dict[tuple[str, str], list[int]] = defaultdict(list)
        loaded: dict[tuple[str, str], list[int]] = defaultdict(list)
        total = len(frame)
        for i, (rid, outlet, text) in enumerate(zip(frame["id"], frame["outlet"], frame["text"])):
            found = finder.find(str(text))
            cues[rid] = found["lexicon"][:3] + found["attributions"][:3]
            for attribution in found["attributions"]:
                groups[outlet][attribution["group"]] += 1
            for group in {a["group"] for a in found["attributions"]}:
                quoting[(outlet, group)].append(i)
            for category in {h["category"] for h in found["lexicon"]}:
                categories[outlet][category] += 1
                loaded[(outlet, category)].append(i)
            if progress is not None and ((i + 1) % 200 == 0 or i + 1 == total):
                progress(i + 1, total)
        outlets = sorted(frame["outlet"].unique())
        n_by_outlet = frame["outlet"].value_counts()
        group_names = sorted({g for c in groups.values() for g in c})
        tables["sources_by_outlet"] = pd.DataFrame(
            [{"outlet": o, "attributions": sum(groups[o].values()), **{g: int(groups[o][g]) for g in group_names}} for o in outlets]
        )
        category_names = sorted({c for counter in categories.values() for c in counter})
        tables["loaded_terms_by_outlet"] = pd.DataFrame(
            [{"outlet": o, "articles": int(n_by_outlet[o]), **{c: categories[o][c] / n_by_outlet[o] for c in category_names}} for o in outlets]
        )
        for (outlet, group), rows in quoting.items():
            cells[f"sources|{outlet}|{group}"] = _top(frame.iloc[rows], examples)
        for (outlet, category), rows in loaded.items():
            cells[f"loaded|{outlet}|{category}"] = _top(frame.iloc[rows], examples)
    else:
        notes.append("no --input: outlets, sources and loaded terms need the articles the scores were made from")
    frame["cues"] = [cues.get(rid, []) for rid in frame["id"]]
    return BatchReport(frame, classes, tables, cells, low_confidence, notes=notes)


def _top(part: pd.DataFrame, k: int) -> list[str]:
    """The ids of the ``k`` most confident articles of ``part``."""
    return part.sort_values("confidence", ascending=False, kind="stable")["id"].head(k).tolist()


# -- HTML ----------------------------------------------------------------------------------------
_SORT_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows), up = th.dataset.order !== "up";
    th.dataset.order = up ? "up" : "down";
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    rows.sort(function (a, b) {
      var x = a.cells[index].dataset.v || a.cells[index].textContent, y = b.cells[index].dataset.v || b.cells[index].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var d = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return up ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 80em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; cursor: pointer; } td:first-child, th:first-child { text-align: left; }
td a { color: inherit; text-decoration: none; border-bottom: 1px dotted #888; }
.muted { color: #666; } img { max-width: 100%; } .wide { overflow-x: auto; }
.examples li { margin: 0.3em 0; } .ev { color: #555; font-size: 0.9em; }
"""


def _anchor(key: str) -> str:
    import zlib

    return "ex-" + re.sub(r"[^0-9A-Za-z]+", "-", key).strip("-").lower() + f"-{zlib.crc32(key.encode('utf-8')):08x}"


def _figure_png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _heatmap(table: pd.DataFrame, columns: list[str], title: str, fmt: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    values = table[columns].to_numpy(dtype=float)
    figure, axes = plt.subplots(figsize=(1.2 + 0.75 * len(columns), 0.9 + 0.45 * len(table)))
    image = axes.imshow(values, cmap="Blues", aspect="auto")
    axes.set_xticks(range(len(columns)), columns, rotation=35, ha="right")
    axes.set_yticks(range(len(table)), table.iloc[:, 0].astype(str))
    high = np.nanmax(values) if values.size else 0
    for (r, c), v in np.ndenumerate(values):
        axes.text(c, r, format(v, fmt), ha="center", va="center", fontsize=8, color="white" if high and v > high * 0.6 else "black")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, shrink=0.8)
    return _figure_png(figure)


def _by_day_plot(table: pd.DataFrame, classes: list[str], period: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    dated = table[table[period] != UNKNOWN].set_index(pd.to_datetime(table[table[period] != UNKNOWN][period]))
    # Every day (or week) of the span, so that a line breaks where no article was published.
    span = pd.date_range(dated.index.min(), dated.index.max(), freq="D" if period == "day" else "W-MON")
    dated = dated.reindex(span)
    figure, axes = plt.subplots(figsize=(9, 3.2))
    for c in classes:
        axes.plot(dated.index, dated[f"{c} share"], marker="o", markersize=3 if len(dated) > 40 else 5, label=c)
    axes.set_ylabel(f"share of the {period}'s articles")
    axes.set_ylim(0, 1)
    axes.legend(loc="upper left", fontsize=8, ncols=min(4, len(classes)))
    axes.tick_params(axis="x", rotation=35, labelsize=8)
    axes.set_title(f"Labels per {period}")
    return _figure_png(figure)


def _table_html(name: str, table: pd.DataFrame, link: Callable[[str, str], str | None], share_columns: set[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in table.columns)
    body = []
    first = table.columns[0]
    for _, row in table.iterrows():
        cells = []
        for column in table.columns:
            value = row[column]
            if column == first:
                cells.append(f"<td>{e(str(value))}</td>")
                continue
            shown = f"{value:.1%}" if column in share_columns else f"{int(value):,}"
            raw = f"{float(value):.6g}"
            target = link(str(row[first]), str(column))
            content = f'<a href="#{target}">{shown}</a>' if target else shown
            cells.append(f'<td data-v="{raw}">{content}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="wide"><table class="sortable" id="{e(name)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _evidence(row: Any) -> str:
    e = html.escape
    raw = row.get("evidence")
    if isinstance(raw, str) and raw:
        try:
            items = json.loads(raw)
        except ValueError:
            items = []
        return "; ".join(e(str(item.get("description") or item.get("feature"))) for item in items[:3])
    parts = []
    for cue in row.get("cues") or []:
        if "term" in cue:
            parts.append(f"{e(cue['category'])}: “{e(cue['text'])}”")
        else:
            parts.append(f"quotes {e(cue['source'])} ({e(cue['group'])}, “{e(cue['cue'])}”)")
    return "; ".join(parts[:4])


def render_html(report: BatchReport, title: str = "framing report") -> str:
    """The report as one HTML page (no external resources)."""
    e = html.escape
    frame = report.articles
    by_id = frame.set_index("id")
    classes = report.classes
    counts = frame["label"].astype(str).value_counts()
    share_columns = {f"{c} share" for c in classes} | {"low-confidence share"}
    used: dict[str, str] = {}

    def cell_link(prefix: str) -> Callable[[str, str], str | None]:
        def link(first: str, column: str) -> str | None:
            label = column[:-6] if column.endswith(" share") else column
            key = f"{prefix}|{first}|{label}"
            if not report.examples.get(key):
                return None
            used.setdefault(key, _anchor(key))
            return used[key]

        return link

    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title><style>{_STYLE}</style></head><body>"]
    parts.append(f"<h1>{e(title)}</h1>")
    low = float(frame["low"].mean()) if len(frame) else 0.0
    overall = ", ".join(f"{e(c)} {int(counts.get(c, 0)):,} ({counts.get(c, 0) / max(len(frame), 1):.1%})" for c in classes)
    parts.append(
        f'<p id="summary">{len(frame):,} scored articles: {overall}. Low-confidence (top probability below '
        f"{report.low_confidence:.2f}): {low:.1%}.</p>"
    )
    for note in report.notes:
        parts.append(f'<p class="muted">{e(note)}</p>')
    outlet_table = report.tables["labels_by_outlet"]
    parts.append("<h2>Labels per outlet</h2>")
    parts.append('<p class="muted">Counts and shares of each label among the outlet\'s scored articles; click a number for examples, a header to sort.</p>')
    if len(outlet_table) > 1 or outlet_table["outlet"].iloc[0] != UNKNOWN:
        parts.append(f'<img alt="label share per outlet" src="{_heatmap(outlet_table, [f"{c} share" for c in classes], "Label share per outlet", ".0%")}">')
    parts.append(_table_html("labels_by_outlet", outlet_table, cell_link("outlet"), share_columns))
    for period in ("day", "week"):
        if f"labels_by_{period}" in report.tables:
            day_table = report.tables[f"labels_by_{period}"]
            parts.append(f"<h2>Labels per {period}</h2>")
            parts.append(f'<img alt="labels per {period}" src="{_by_day_plot(day_table, classes, period)}">')
            parts.append(_table_html(f"labels_by_{period}", day_table, cell_link(period), share_columns))
    if "sources_by_outlet" in report.tables:
        sources = report.tables["sources_by_outlet"]
        groups = [c for c in sources.columns if c not in ("outlet", "attributions")]
        parts.append("<h2>Who quotes whom</h2>")
        parts.append('<p class="muted">Attributions per origin group of the quoted source (framing/resources/gazetteer.yaml; <i>other</i>: not in the gazetteer): the plot shows each group\'s share of the outlet\'s attributions, the table the counts.</p>')
        if groups:
            shares = sources[["outlet"]].join(sources[groups].div(sources["attributions"].where(sources["attributions"] > 0), axis=0).fillna(0.0))
            plot = _heatmap(shares, groups, "Share of each outlet's attributions, per origin group", ".0%")
            parts.append(f'<img alt="quoted sources per outlet" src="{plot}">')
        parts.append(_table_html("sources_by_outlet", sources, cell_link("sources"), set()))
    if "loaded_terms_by_outlet" in report.tables:
        loaded = report.tables["loaded_terms_by_outlet"]
        categories = [c for c in loaded.columns if c not in ("outlet", "articles")]
        parts.append("<h2>Loaded terms</h2>")
        parts.append('<p class="muted">Share of the outlet\'s articles with at least one lexicon cue of the category.</p>')
        if categories:
            parts.append(f'<img alt="loaded-term categories per outlet" src="{_heatmap(loaded, categories, "Articles with a cue of the category", ".0%")}">')
        parts.append(_table_html("loaded_terms_by_outlet", loaded, cell_link("loaded"), set(categories)))
    parts.append("<h2>Drift</h2>")
    if report.drift is None:
        parts.append('<p class="muted">No drift summary beside the scores (framing score writes &lt;scores&gt;.summary.json).</p>')
    else:
        drift_note = report.drift.get("drift_note")
        if drift_note:
            parts.append(f"<p>{e(str(drift_note))}</p>")
        rows = report.drift.get("drift") or []
        if rows:
            threshold = report.drift.get("drift_threshold", 0.25)
            body = "".join(f"<tr><td>{e(d['name'])}</td><td data-v=\"{d['psi']:.6g}\">{d['psi']:.3f}{' (drifted)' if d['psi'] > threshold else ''}</td></tr>" for d in rows)
            parts.append(f'<p>PSI of the top features against the training data (above {threshold} means drifted).</p><table class="sortable" id="drift"><thead><tr><th>feature</th><th>PSI</th></tr></thead><tbody>{body}</tbody></table>')
    parts.append("<h2>Examples</h2>")
    for key, anchor in used.items():
        kind, first, column = key.split("|", 2)
        what = {"sources": "outlet", "loaded": "outlet"}.get(kind, kind)
        heading = {"sources": f"quoting {column} sources", "loaded": f"with a {column} cue"}.get(kind, f"labelled {column}")
        items = []
        for rid in report.examples[key]:
            row = by_id.loc[rid]
            probability = row[f"p_{row['label']}"] if f"p_{row['label']}" in by_id.columns else row["confidence"]
            title = row.get("title")
            title = e(str(title)) if isinstance(title, str) and title else '<span class="muted">(no title)</span>'
            items.append(
                f"<li><code>{e(rid)}</code> {title} - <b>{e(str(row['label']))}</b> {probability:.2f}"
                f' <span class="ev">{_evidence(row)}</span></li>'
            )
        parts.append(f'<h3 id="{anchor}">{e(what)} {e(first)}, {e(heading)}</h3><ul class="examples">{"".join(items)}</ul>')
    parts.append(f"<script>{_SORT_SCRIPT}</script></body></html>")
    return "\n".join(parts)


def write_report(
    scores_path: str | Path,
    html_path: str | Path,
    *,
    inputs: list[str] | None = None,
    config: Config | None = None,
    low_confidence: float = 0.6,
    examples: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Read the scores (and the articles), build the report and write it to ``html_path``."""
    scores = read_scores(scores_path)
    articles = None
    if inputs:
        import pandas as pd

        from framing.corpus import CorpusReader

        reader = CorpusReader.from_config(config.data, with_label=False, paths=list(inputs)) if config else CorpusReader(list(inputs))
        chunks = list(reader.iter_chunks(5_000))
        articles = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=["id", "text"])
        articles["id"] = articles["id"].astype(str)
    report = build_report(scores, articles, config=config, low_confidence=low_confidence, examples=examples, progress=progress)
    summary = summary_path(scores_path)
    if summary.is_file():
        report.drift = json.loads(summary.read_text(encoding="utf-8"))
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_name(f".{html_path.name}.tmp")
    tmp.write_text(render_html(report, title=f"framing report: {Path(scores_path).name}"), encoding="utf-8")
    tmp.replace(html_path)
    return report
