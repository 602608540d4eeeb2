"""Read and validate corpus files into records, with a rejects list for bad rows.

Supported inputs: JSONL, CSV (UTF-8 with or without BOM, quoted multi-line cells), Parquet, XLSX,
and ``.txt`` files (one article each, id = file name), given as files or glob patterns; a folder
stands for the ``.txt`` articles in it.

Two kinds of problems are told apart:

- **file-level** (unreadable file, unsupported extension, a mapped column missing, a label value
  outside the configured classes): :class:`CorpusError`, naming the file, the line or row, and the
  field. The run stops: fixing the file or the config is the user's next step.
- **row-level** (empty text, bytes that do not decode, a broken JSON line, a missing or duplicate id,
  a missing label, and with ``other_labels="reject"`` a label outside the classes): the row becomes
  a :class:`Reject` with its reason, is counted, and the run goes on.

Records have the fields ``id, text, title, outlet, url, published_at``, the label, and every other
field named in ``columns`` (``target``, ``author``, ``category`` ...), so any of them can be a
split's group column. A field a row or file lacks is ``None``.

Locations are ``line N`` for JSONL (physical lines), ``row N`` for CSV and XLSX (the header is
row 1, as in a spreadsheet) and for Parquet (data rows counted from 1).
"""

from __future__ import annotations

import glob
import hashlib
import json
import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from framing.errors import FramingError

if TYPE_CHECKING:
    import pandas as pd

    from framing.config import DataConfig

__all__ = ["Corpus", "CorpusError", "CorpusReader", "IdSet", "Reject", "read_corpus", "write_rejects"]

EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx", ".txt": "txt"}
FIELDS = ("id", "text", "title", "outlet", "url", "published_at")
_INDOSUM_COLUMNS = {"text": "paragraphs", "outlet": "source", "url": "source_url"}
OTHER_LABELS = ("error", "reject")
# Lone surrogates are what undecodable bytes become under errors="surrogateescape".
_SURROGATE = re.compile("[\ud800-\udfff]")


class CorpusError(FramingError):
    """A file-level problem: the message names the file, the line or row, and the field."""


@dataclass(frozen=True)
class Reject:
    """A row that was not read, and why."""

    file: str
    location: str
    id: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Corpus:
    """Validated records plus what was rejected on the way.

    ``records`` has the columns ``id, text, title, outlet, url, published_at`` (``None`` where a file
    lacks the field), the label column when one was asked for, then every other field the reader's
    ``columns`` names.
    """

    records: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    label: str | None = None

    @property
    def n_rejects(self) -> int:
        return len(self.rejects)

    def fingerprint(self) -> str:
        """SHA-256 over every field of every record (ids, texts, labels, outlets, dates ...).

        Independent of the order of records, as training sorts them by id before splitting.
        """
        columns = sorted(self.records.columns)
        values = self.records[columns].astype(object).fillna("\x00").astype(str)
        rows = sorted(values.itertuples(index=False, name=None))
        digest = hashlib.sha256()
        for row in rows:
            digest.update("\x1f".join(row).encode("utf-8", "surrogatepass"))
            digest.update(b"\x1e")
        return digest.hexdigest()

    def reject_counts(self) -> dict[str, int]:
        """Number of rejects per reason kind (the text before the first colon)."""
        counts: dict[str, int] = {}
        for reject in self.rejects:
            kind = reject.reason.split(":", 1)[0]
            counts[kind] = counts.get(kind, 0) + 1
        return counts


def write_rejects(rejects: Iterable[Reject], path: str | Path) -> Path:
    """Write rejects as JSONL (``file, location, id, reason``), atomically, and return the path."""
    import os

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8") as handle:
        for reject in rejects:
            handle.write(json.dumps(reject.to_dict(), ensure_ascii=False) + "\n")
    os.replace(partial, path)
    return path


class IdSet:
    """A set of ids kept as 64-bit hashes: about 8 bytes per id instead of about 100 for a ``set`` of str.

    The reader remembers every id it has seen (to reject duplicates) and a resumed scoring run
    every id already written; with millions of ids a ``set[str]`` would make memory grow with the
    input. Recent ids sit in a small ``set`` of hashes, merged every 65,536 ids into one sorted
    ``uint64`` array searched by bisection (under a microsecond per lookup). Two different ids share a
    hash with probability about ``n**2 / 2**65`` (3e-8 for a million ids), and then the later one
    counts as seen. Hashes use Python's ``hash``, salted per process, so an ``IdSet`` is only valid
    in the process that built it.

    Examples
    --------
    >>> ids = IdSet()
    >>> ids.add("a1"); "a1" in ids, "a2" in ids, len(ids)
    (True, False, 1)
    """

    _FLUSH = 65_536

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        self._recent: set[int] = set()
        self._sorted = np.empty(0, dtype=np.uint64)
        self._view = memoryview(self._sorted)  # type: ignore[arg-type]  # numpy arrays are buffers; bisect on a memoryview compares plain ints: fast

    @staticmethod
    def _key(value: str) -> int:
        return hash(value) & 0xFFFF_FFFF_FFFF_FFFF

    def add(self, value: str) -> None:
        self._recent.add(self._key(value))
        if len(self._recent) >= self._FLUSH:
            self._flush()

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        key = self._key(value)
        if key in self._recent:
            return True
        where = bisect_left(self._view, key)
        return where < len(self._view) and self._view[where] == key

    def __len__(self) -> int:
        self._flush()
        return len(self._sorted)

    def _flush(self) -> None:
        if not self._recent:
            return
        np = self._np
        fresh = np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))
        fresh.sort()
        where = np.searchsorted(self._sorted, fresh)
        if len(self._sorted):  # add() does not look in the sorted part: drop keys already there
            present = self._sorted[np.minimum(where, len(self._sorted) - 1)] == fresh
            fresh, where = fresh[~present], where[~present]
        self._view.release()
        self._sorted = np.insert(self._sorted, where, fresh)  # linear: both sides are sorted
        self._view, self._recent = memoryview(self._sorted), set()  # type: ignore[arg-type]  # numpy arrays are buffers

    @property
    def nbytes(self) -> int:
        """Approximate memory held, in bytes."""
        return int(self._sorted.nbytes) + 80 * len(self._recent)


class CorpusReader:
    """Stream records from one or more corpus files.

    Parameters
    ----------
    paths
        Files, glob patterns, or folders (a folder stands for the ``.txt`` files in it, one article
        each). Together they make one corpus.
    format
        ``auto`` picks the reader from each file's extension.
    reader
        ``flat`` (one column per field), ``indosum`` (``paragraphs`` = paragraphs of sentences of
        tokens, joined back into text) or ``label_studio`` (a Label Studio JSON export: each task's
        data fields and its annotation's choices, see :func:`label_studio_row`).
    columns
        Record field -> file column (or a list of alternatives, the first present wins). A field
        other than the fixed ones and the label becomes a record column too (``None`` where absent).
    label
        The label field to read, or ``None`` (scoring).
    classes
        Allowed label values.
    label_map
        Regular expression -> class, applied to raw label values first (first match wins).
    other_labels
        What a label outside ``classes`` (after ``label_map``) does: ``error`` stops the run naming
        the file, row and field; ``reject`` makes the row a reject (``label not in classes: ...``).

    Examples
    --------
    Read a crawl in chunks, rejects accumulating on the way::

        reader = CorpusReader(["news/*.csv"], columns={"text": "isi_berita", "id": "url"})
        for chunk in reader.iter_chunks(10_000):
            print(len(chunk), len(reader.rejects))
    """

    def __init__(
        self,
        paths: list[str] | tuple[str, ...],
        *,
        format: str = "auto",
        reader: str = "flat",
        columns: dict[str, str | list[str] | None] | None = None,
        label: str | None = None,
        classes: list[str] | None = None,
        label_map: dict[str, str] | None = None,
        other_labels: str = "error",
    ) -> None:
        if other_labels not in OTHER_LABELS:
            raise CorpusError(f"Got other_labels={other_labels!r}, expected one of {', '.join(OTHER_LABELS)}.")
        self.paths = list(paths)
        self.format = format
        self.reader = reader
        self.columns = dict(columns or {})
        self.label = label
        self.classes = list(classes) if classes is not None else None
        self.label_map = dict(label_map or {})
        self.other_labels = other_labels
        self._label_patterns = [(re.compile(pattern, re.IGNORECASE), name) for pattern, name in self.label_map.items()]
        self.rejects: list[Reject] = []
        self.n_rows = 0
        self.files_read: list[str] = []
        self._seen_ids = IdSet()
        self._row_mappings: dict[tuple[str, ...], dict[str, str | None]] = {}

    @classmethod
    def from_config(cls, data: DataConfig, *, with_label: bool = True, paths: list[str] | None = None) -> Self:
        """Build a reader from a config's ``data`` section (``paths`` replaces the config's paths)."""
        return cls(
            paths or data.paths,
            format=data.format,
            reader=data.reader,
            columns=data.columns,
            label=data.label if with_label else None,
            classes=data.classes if with_label else None,
            label_map=data.label_map if with_label else None,
            other_labels=data.other_labels,
        )

    # -- files -----------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The files the paths stand for, in a stable order.

        Raises
        ------
        CorpusError
            A path matches nothing, or a file has an extension no reader handles.
        """
        found: list[Path] = []
        for entry in self.paths:
            if any(ch in entry for ch in "*?["):
                matches = [Path(p) for p in sorted(glob.glob(entry, recursive=True)) if Path(p).is_file()]
                if not matches:
                    raise CorpusError(f"{entry}: no file matches this pattern. Check data.paths.")
                found.extend(matches)
            elif Path(entry).is_dir():
                inside = sorted(p for p in Path(entry).iterdir() if p.is_file() and p.suffix.lower() == ".txt")
                if not inside:
                    raise CorpusError(
                        f"{entry}: a folder is read as .txt articles, and this one has no .txt file. "
                        f"For other formats give the files or a pattern such as {str(Path(entry) / '*.jsonl')!r}."
                    )
                found.extend(inside)
            elif Path(entry).is_file():
                found.append(Path(entry))
            else:
                raise CorpusError(f"{entry}: no such file or folder. Check data.paths.")
        for path in found:
            self._format_of(path)
        return found

    def _format_of(self, path: Path) -> str:
        if self.format != "auto":
            return self.format
        fmt = EXTENSIONS.get(path.suffix.lower())
        if fmt is None:
            raise CorpusError(
                f"{path}: unsupported extension {path.suffix or '(none)'!r}, expected one of "
                f"{', '.join(sorted(EXTENSIONS))} (or set data.format)."
            )
        return fmt

    # -- records ---------------------------------------------------------------------------
    def iter_chunks(self, chunk_size: int = 10_000) -> Iterator[pd.DataFrame]:
        """Yield validated records in chunks of at most ``chunk_size`` rows.

        Row-level problems are appended to :attr:`rejects` as they are met. Each call starts
        afresh (counts, rejects and the duplicate-id memory are reset).
        """
        import pandas as pd

        if chunk_size < 1:
            raise CorpusError(f"Got chunk_size={chunk_size!r}, expected at least 1.")
        self.rejects, self.n_rows, self._seen_ids, self._row_mappings = [], 0, IdSet(), {}
        files = self.files()
        self.files_read = [str(p) for p in files]
        columns = self._output_columns()
        txt = [p for p in files if self._format_of(p) == "txt"]
        raw_chunks: list[Iterator[tuple[str, list[tuple[str, Any]], dict[str, str | None] | None]]] = [self._txt_chunks(txt, chunk_size)] if txt else []
        raw_chunks += [self._raw_chunks(p, chunk_size) for p in files if self._format_of(p) != "txt"]
        required = [name for name in ("id", "text", self.label) if name and self._wanted(name) is not None]
        for source in raw_chunks:
            # Rows without a header (JSONL) are mapped one by one; a field absent from every row
            # is still a file-level problem, like a missing column in a header.
            absent: dict[str, int] = dict.fromkeys(required, 0)
            first: tuple[str, str, dict[str, Any]] | None = None
            objects = 0
            for path, rows, mapping in source:
                out: dict[str, list[Any]] = {name: [] for name in columns}
                for location, row in rows:
                    self.n_rows += 1
                    if isinstance(row, Reject):
                        self.rejects.append(row)
                        continue
                    row_mapping: dict[str, str | None] | None = None
                    if mapping is None:
                        row_mapping = self._lenient_mapping(row)
                        objects += 1
                        first = first or (path, location, row)
                        for name in required:
                            absent[name] += row_mapping[name] is None
                    record = self._validate(path, location, row, mapping or row_mapping or {})
                    if record is not None:
                        for name in columns:
                            out[name].append(record[name])
                if out["id"]:
                    yield pd.DataFrame(out, columns=columns)
            missing = [name for name in required if objects and absent[name] == objects]
            if missing and first is not None:
                path, location, row = first
                self._mapping(row.keys(), Path(path), location)  # raises, naming the column

    def read(self) -> Corpus:
        """Read everything into one :class:`Corpus`."""
        import pandas as pd

        chunks = list(self.iter_chunks())
        records = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=self._output_columns())
        return Corpus(records=records, rejects=list(self.rejects), files=self.files_read, label=self.label)

    def _output_columns(self) -> list[str]:
        """The fixed fields, the label, then the other fields ``columns`` names, in its order."""
        names = list(FIELDS)
        for name in (self.label, *self.columns):
            if name and name not in names:
                names.append(name)
        return names

    def _wanted(self, name: str) -> list[str] | None:
        """The file columns that may hold a record field, in order of preference (None: not read)."""
        defaults = _INDOSUM_COLUMNS if self.reader == "indosum" else {}
        wanted = self.columns[name] if name in self.columns else defaults.get(name, name)
        if wanted is None:
            return None
        return [wanted] if isinstance(wanted, str) else list(wanted)

    def _mapping(self, available: Iterable[str], path: Path, location: str) -> dict[str, str | None]:
        """Resolve record field -> file column from a header, or raise naming the missing column."""
        available = list(available)
        mapping: dict[str, str | None] = {}
        for name in self._output_columns():
            options = self._wanted(name)
            chosen = next((c for c in options if c in available), None) if options else None
            required = name == "text" or name == self.label or (name == "id" and options is not None)
            if chosen is None and required:
                shown = ", ".join(repr(c) for c in available[:20]) or "none"
                raise CorpusError(
                    f"{path}: {location}: missing column {' or '.join(repr(o) for o in options or [name])} for field "
                    f"{name!r} (columns found: {shown}). Map it with data.columns.{name}."
                )
            mapping[name] = chosen
        return mapping

    def _lenient_mapping(self, row: dict[str, Any]) -> dict[str, str | None]:
        """Per-row mapping for JSONL, where rows need not share keys: a missing field is None."""
        key = tuple(row)
        mapping = self._row_mappings.get(key)
        if mapping is None:
            mapping = {}
            for name in self._output_columns():
                options = self._wanted(name)
                mapping[name] = next((c for c in options if c in row), None) if options else None
            self._row_mappings[key] = mapping
        return mapping

    def _validate(self, path: str, location: str, row: dict[str, Any], mapping: dict[str, str | None]) -> dict[str, Any] | None:
        record: dict[str, Any] = {}
        for name, column in mapping.items():
            value = row.get(column) if column is not None else None
            if name == "text" and self.reader == "indosum" and value is not None:
                value = _indosum_text(value)
                if value is None:
                    self._reject(path, location, None, f"bad paragraphs: field {column!r} is not a list of paragraphs of sentences of tokens")
                    return None
            record[name] = _as_text(value)
        if mapping.get("id") is None and self._wanted("id") is None:
            record["id"] = f"{Path(path).name}:{location.split()[-1]}" if location else Path(path).name
        rid = record["id"]
        for name, value in record.items():
            if isinstance(value, str) and _SURROGATE.search(value):
                self._reject(path, location, None if name == "id" else rid, f"undecodable bytes: field {name!r} is not valid UTF-8")
                return None
        if rid is None or not rid.strip():
            self._reject(path, location, None, "missing id: the id field is empty or absent")
            return None
        text = record["text"]
        if text is None or not text.strip():
            self._reject(path, location, rid, "empty text: the text field is empty, whitespace or absent")
            return None
        if rid in self._seen_ids:
            self._reject(path, location, rid, "duplicate id: an earlier row has the same id")
            return None
        if self.label:
            raw = value = (record[self.label] or "").strip()
            for pattern, name in self._label_patterns:
                if pattern.search(value):
                    value = name
                    break
            if not value:
                self._reject(path, location, rid, f"missing label: field {self.label!r} is empty or absent")
                return None
            if self.classes is not None and value not in self.classes:
                shown = repr(value) if value == raw else f"{value!r} (from {raw!r} by data.label_map)"
                if self.other_labels == "reject":
                    self._reject(path, location, rid, f"label not in classes: field {self.label!r} has {shown}, expected one of {self.classes}")
                    return None
                raise CorpusError(
                    f"{path}: {location or 'file'}: field {self.label!r} has {shown}, expected one of "
                    f"{self.classes}. Fix the row, add the value to data.classes, or set data.other_labels: reject "
                    "to leave such rows out."
                )
            record[self.label] = value
        self._seen_ids.add(rid)
        return record

    def _reject(self, path: str, location: str, rid: str | None, reason: str) -> None:
        self.rejects.append(Reject(file=path, location=location, id=rid, reason=reason))

    # -- raw readers: yield (file, [(location, row or Reject)], mapping or None) per chunk -----
    def _raw_chunks(self, path: Path, chunk_size: int) -> Iterator[tuple[str, list[tuple[str, Any]], dict[str, str | None] | None]]:
        reader = {"jsonl": self._jsonl_rows, "json": self._json_rows, "csv": self._csv_rows, "parquet": self._parquet_rows, "xlsx": self._xlsx_rows}
        fmt = self._format_of(path)
        if fmt not in reader:
            raise CorpusError(f"{path}: data.format={fmt!r} reads folders of articles, not single files.")
        mapping: dict[str, str | None] | None = None
        rows: list[tuple[str, Any]] = []
        for item in reader[fmt](path):
            if isinstance(item, dict):  # a header: resolve the mapping once for the file
                mapping = self._mapping(item["columns"], path, item["location"])
                continue
            rows.append(item)
            if len(rows) >= chunk_size:
                yield str(path), rows, mapping
                rows = []
        if rows:
            yield str(path), rows, mapping

    def _jsonl_rows(self, path: Path) -> Iterator[Any]:
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CorpusError(f"{path}: cannot open: {exc.strerror or exc}.") from exc
        with handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                location = f"line {number}"
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    yield location, Reject(str(path), location, None, f"undecodable bytes: not valid UTF-8 at byte {exc.start}")
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield location, Reject(str(path), location, None, f"broken JSON: {exc.msg} at column {exc.colno}")
                    continue
                if not isinstance(row, dict):
                    yield location, Reject(str(path), location, None, f"broken JSON: expected an object, got {type(row).__name__}")
                    continue
                yield location, row

    def _json_rows(self, path: Path) -> Iterator[Any]:
        """A JSON array of objects, one row each (``reader: label_studio``: Label Studio tasks,
        flattened by :func:`label_studio_row`)."""
        try:
            rows = json.loads(path.read_bytes().decode("utf-8-sig"))
        except OSError as exc:
            raise CorpusError(f"{path}: cannot open: {exc.strerror or exc}.") from exc
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path}: not valid UTF-8 at byte {exc.start}.") from exc
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}: broken JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from exc
        if isinstance(rows, dict):  # one task
            rows = [rows]
        if not isinstance(rows, list):
            raise CorpusError(f"{path}: expected a JSON array of objects, got {type(rows).__name__}.")
        for number, row in enumerate(rows, start=1):
            location = f"item {number}"
            if not isinstance(row, dict):
                yield location, Reject(str(path), location, None, f"broken JSON: expected an object, got {type(row).__name__}")
                continue
            if self.reader == "label_studio":
                flat = label_studio_row(row)
                if isinstance(flat, str):
                    yield location, Reject(str(path), location, _as_text((row.get("data") or {}).get("id")), flat)
                    continue
                row = flat
            yield location, row

    def _csv_rows(self, path: Path) -> Iterator[Any]:
        import pandas as pd

        try:
            with pd.read_csv(
                path,
                dtype=object,
                keep_default_na=False,
                na_values=[],
                skip_blank_lines=False,  # keep row numbers true to the file
                encoding="utf-8-sig",
                encoding_errors="surrogateescape",
                chunksize=10_000,
            ) as chunks:
                number = 2
                header = None
                for chunk in chunks:
                    if header is None:
                        header = [str(c) for c in chunk.columns]
                        yield {"columns": header, "location": "row 1 (header)"}
                    for values in chunk.itertuples(index=False, name=None):
                        if any(v != "" for v in values):  # blank lines are not records
                            yield f"row {number}", dict(zip(header, values))
                        number += 1
        except pd.errors.EmptyDataError:
            raise CorpusError(f"{path}: row 1: the file is empty (no header row).") from None
        except pd.errors.ParserError as exc:
            raise CorpusError(f"{path}: not readable as CSV: {str(exc).strip()}") from None
        except UnicodeError:  # cells keep undecodable bytes for the rejects; pandas refuses them in names
            raise CorpusError(f"{path}: row 1 (header): column names are not valid UTF-8. Save the file as UTF-8.") from None
        except OSError as exc:
            raise CorpusError(f"{path}: cannot open: {exc.strerror or exc}.") from exc

    def _parquet_rows(self, path: Path) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as exc:
            raise CorpusError(f"{path}: not readable as Parquet: {exc}.") from exc
        columns = parquet.schema_arrow.names
        yield {"columns": columns, "location": "schema"}
        wanted = sorted({c for name in self._output_columns() for c in (self._wanted(name) or []) if c in columns})
        number = 1
        for batch in parquet.iter_batches(batch_size=10_000, columns=wanted):
            for row in batch.to_pylist():
                yield f"row {number}", row
                number += 1

    def _xlsx_rows(self, path: Path) -> Iterator[Any]:
        """Rows of the workbook's first sheet (the header is row 1, as in a spreadsheet)."""
        import zipfile

        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise CorpusError(f"{path}: not readable as XLSX: {exc}.") from exc
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # a stale stored sheet size would otherwise cut rows off
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                raise CorpusError(f"{path}: row 1: the sheet is empty (no header row).")
            names = ["" if h is None else str(h) for h in header]
            yield {"columns": names, "location": "row 1 (header)"}
            for number, values in enumerate(rows, start=2):
                if all(v is None for v in values):
                    continue  # formatting-only rows are not records
                yield f"row {number}", dict(zip(names, values))
        finally:
            workbook.close()

    def _txt_chunks(self, paths: list[Path], chunk_size: int) -> Iterator[tuple[str, list[tuple[str, Any]], dict[str, str | None]]]:
        if self.label:
            raise CorpusError(f"{paths[0]}: .txt files carry no label field {self.label!r}; use JSONL, CSV, Parquet or XLSX for labelled data.")
        mapping = {name: (name if name in ("id", "text") else None) for name in self._output_columns()}
        for start in range(0, len(paths), chunk_size):
            rows: list[tuple[str, Any]] = []
            for path in paths[start : start + chunk_size]:
                try:
                    raw = path.read_bytes()
                except OSError as exc:
                    raise CorpusError(f"{path}: cannot open: {exc.strerror or exc}.") from exc
                try:
                    rows.append(("", {"id": path.name, "text": raw.decode("utf-8-sig")}))
                except UnicodeDecodeError as exc:
                    rows.append(("", Reject(str(path), "", path.name, f"undecodable bytes: not valid UTF-8 at byte {exc.start}")))
            yield str(paths[0].parent), rows, mapping


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):  # pandas / numpy timestamps
        return value.isoformat()
    return str(value)


_SPACE_BEFORE = re.compile(r" ([.,;:!?%)\]}])")
_SPACE_AFTER = re.compile(r"([(\[{]) ")


def label_studio_row(task: dict[str, Any]) -> dict[str, Any] | str:
    """One task of a Label Studio JSON export as a flat row, or the reason it cannot be one.

    The row holds the task's ``data`` fields and, for each choice control of its latest
    annotation that was not cancelled, the control's name -> the chosen value (so a
    ``<Choices name="stance">`` gives a ``stance`` column, the label to map in ``data.label``).
    A task without a submitted annotation gives its data fields only (``missing label`` when
    a label is read).
    """
    data = task.get("data")
    if not isinstance(data, dict):
        return "broken task: no data object (is this a Label Studio JSON export?)"
    row = dict(data)
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if annotations:
        latest = max(annotations, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), str(a.get("id", ""))))
        for result in latest.get("result") or []:
            if isinstance(result, dict) and result.get("type") == "choices":
                choices = (result.get("value") or {}).get("choices") or []
                if len(choices) != 1:
                    return f"several choices: {result.get('from_name')!r} has {choices}, expected one"
                row[str(result.get("from_name"))] = choices[0]
    return row


def _indosum_text(paragraphs: Any) -> str | None:
    """Join IndoSum's paragraphs -> sentences -> tokens back into plain text, or None if malformed."""
    if not isinstance(paragraphs, list):
        return None
    out = []
    for paragraph in paragraphs:
        if not isinstance(paragraph, list):
            return None
        sentences = []
        for sentence in paragraph:
            if not isinstance(sentence, list) or not all(isinstance(t, str) for t in sentence):
                return None
            sentences.append(" ".join(sentence))
        joined = " ".join(sentences)
        out.append(_SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", joined)))
    return "\n\n".join(out)


def read_corpus(data: DataConfig, *, with_label: bool = True) -> Corpus:
    """Read the corpus a config's ``data`` section describes.

    Parameters
    ----------
    data
        The ``data`` section.
    with_label
        Read and check the label column (training) or ignore it (scoring).

    Returns
    -------
    Corpus

    Raises
    ------
    CorpusError
        On a file-level problem.
    """
    return CorpusReader.from_config(data, with_label=with_label).read()
