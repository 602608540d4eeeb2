"""Read and validate corpus files into records, with a rejects list for bad rows.

Supported inputs: JSONL, CSV (UTF-8 with or without BOM, quoted multi-line cells), Parquet, XLSX,
and ``.txt`` files (one article each, id = file name), given as files or glob patterns; a folder
stands for the ``.txt`` articles in it.

Two kinds of problems are told apart:

- **file-level** (unreadable file, unsupported extension, a mapped column missing, a label value
  outside the configured classes): :class:`CorpusError`, naming the file, the line or row, and the
  field. The run stops: fixing the file or the config is the user's next step.
- **row-level** (empty text, bytes that do not decode, a broken JSON line, a missing or duplicate id,
  a missing label): the row becomes a :class:`Reject` with its reason, is counted, and the run goes on.

Locations are ``line N`` for JSONL (physical lines), ``row N`` for CSV and XLSX (the header is
row 1, as in a spreadsheet) and for Parquet (data rows counted from 1).
"""

from __future__ import annotations

import glob
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from framing.config import DataConfig

__all__ = ["Corpus", "CorpusError", "CorpusReader", "Reject", "read_corpus", "write_rejects"]

EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx", ".txt": "txt"}
FIELDS = ("id", "text", "title", "outlet", "url", "published_at")
_INDOSUM_COLUMNS = {"text": "paragraphs", "outlet": "source", "url": "source_url"}
# Lone surrogates are what undecodable bytes become under errors="surrogateescape".
_SURROGATE = re.compile("[\ud800-\udfff]")


class CorpusError(ValueError):
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
    lacks the field) and the label column when one was asked for.
    """

    records: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    label: str | None = None

    @property
    def n_rejects(self) -> int:
        return len(self.rejects)

    def fingerprint(self) -> str:
        """SHA-256 of (id, text, label) over all records, independent of their order."""
        columns = ["id", "text"] + ([self.label] if self.label else [])
        rows = sorted(map(tuple, self.records[columns].astype(str).itertuples(index=False, name=None)))
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
    """Write rejects as JSONL (``file, location, id, reason``) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for reject in rejects:
            handle.write(json.dumps(reject.to_dict(), ensure_ascii=False) + "\n")
    return path


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
        ``flat`` (one column per field) or ``indosum`` (``paragraphs`` = paragraphs of sentences of
        tokens, joined back into text).
    columns
        Record field -> file column (or a list of alternatives, the first present wins).
    label
        The label field to read, or ``None`` (scoring).
    classes
        Allowed label values; a value outside them stops the run.

    Examples
    --------
    >>> reader = CorpusReader(["news/*.csv"], columns={"text": "isi_berita", "id": "url"})  # doctest: +SKIP
    >>> for chunk in reader.iter_chunks(10_000):  # doctest: +SKIP
    ...     print(len(chunk), len(reader.rejects))
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
    ) -> None:
        self.paths = list(paths)
        self.format = format
        self.reader = reader
        self.columns = dict(columns or {})
        self.label = label
        self.classes = list(classes) if classes is not None else None
        self.rejects: list[Reject] = []
        self.n_rows = 0
        self._seen_ids: set[str] = set()

    @classmethod
    def from_config(cls, data: DataConfig, *, with_label: bool = True, paths: list[str] | None = None) -> CorpusReader:
        """Build a reader from a config's ``data`` section (``paths`` replaces the config's paths)."""
        return cls(
            paths or data.paths,
            format=data.format,
            reader=data.reader,
            columns=data.columns,
            label=data.label if with_label else None,
            classes=data.classes if with_label else None,
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

        Row-level problems are appended to :attr:`rejects` as they are met.
        """
        import pandas as pd

        txt_batch: list[Path] = []
        for path in self.files():
            fmt = self._format_of(path)
            if fmt == "txt":
                txt_batch.append(path)
                if len(txt_batch) >= chunk_size:
                    yield from self._records(self._txt_rows(txt_batch), pd)
                    txt_batch = []
                continue
            if txt_batch:
                yield from self._records(self._txt_rows(txt_batch), pd)
                txt_batch = []
            raw = {"jsonl": self._jsonl_rows, "csv": self._csv_rows, "parquet": self._parquet_rows, "xlsx": self._xlsx_rows}[fmt]
            yield from self._records(raw(path, chunk_size), pd)
        if txt_batch:
            yield from self._records(self._txt_rows(txt_batch), pd)

    def read(self) -> Corpus:
        """Read everything into one :class:`Corpus`."""
        import pandas as pd

        files = [str(p) for p in self.files()]
        chunks = list(self.iter_chunks())
        records = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=self._output_columns())
        return Corpus(records=records, rejects=list(self.rejects), files=files, label=self.label)

    def _output_columns(self) -> list[str]:
        return list(FIELDS) + ([self.label] if self.label and self.label not in FIELDS else [])

    def _mapping(self, available: Iterable[str], path: Path, location: str) -> dict[str, str | None]:
        """Resolve record field -> file column for one file, or raise naming the missing column."""
        available = list(available)
        defaults = dict(_INDOSUM_COLUMNS) if self.reader == "indosum" else {}
        mapping: dict[str, str | None] = {}
        for name in self._output_columns():
            if name in self.columns:
                wanted = self.columns[name]
            else:
                wanted = defaults.get(name, name)
            if wanted is None:
                mapping[name] = None
                continue
            options = [wanted] if isinstance(wanted, str) else list(wanted)
            chosen = next((column for column in options if column in available), None)
            required = name in ("id", "text") or name == self.label
            if chosen is None and required:
                shown = ", ".join(repr(c) for c in available[:20]) or "none"
                wanted_text = " or ".join(repr(o) for o in options)
                raise CorpusError(
                    f"{path}: {location}: missing column {wanted_text} for field {name!r} "
                    f"(columns found: {shown}). Map it with data.columns.{name}."
                )
            mapping[name] = chosen
        return mapping

    def _records(self, rows: Iterator[tuple[str, str, dict[str, Any] | Reject, dict[str, str | None]]], pd: Any) -> Iterator[pd.DataFrame]:
        """Validate raw rows (already split into chunks by the raw readers) into record frames."""
        columns = self._output_columns()
        out: dict[str, list[Any]] = {name: [] for name in columns}
        for path, location, row, mapping in rows:
            if row is None:  # end of a raw chunk
                if out["id"]:
                    yield pd.DataFrame(out, columns=columns)
                    out = {name: [] for name in columns}
                continue
            self.n_rows += 1
            if isinstance(row, Reject):
                self.rejects.append(row)
                continue
            record = self._validate(path, location, row, mapping)
            if record is None:
                continue
            for name in columns:
                out[name].append(record[name])
        if out["id"]:
            yield pd.DataFrame(out, columns=columns)

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
        if mapping.get("id") is None:
            record["id"] = f"{Path(path).name}:{location.split()[-1]}" if location else Path(path).name
        rid = record["id"]
        for name, value in record.items():
            if isinstance(value, str) and _SURROGATE.search(value):
                self._reject(path, location, None if name == "id" else rid, f"undecodable bytes: field {name!r} is not valid UTF-8")
                return None
        if rid is None or not rid.strip():
            self._reject(path, location, None, "missing id: the id field is empty")
            return None
        text = record["text"]
        if text is None or not text.strip():
            self._reject(path, location, rid, "empty text: the text field is empty or whitespace")
            return None
        if rid in self._seen_ids:
            self._reject(path, location, rid, "duplicate id: an earlier row has the same id")
            return None
        if self.label:
            value = record[self.label]
            if value is None or not value.strip():
                self._reject(path, location, rid, f"missing label: field {self.label!r} is empty")
                return None
            if self.classes is not None and value not in self.classes:
                raise CorpusError(
                    f"{path}: {location or 'file'}: field {self.label!r} has {value!r}, expected one of "
                    f"{self.classes}. Fix the row, or add the value to data.classes."
                )
        self._seen_ids.add(rid)
        return record

    def _reject(self, path: str, location: str, rid: str | None, reason: str) -> None:
        self.rejects.append(Reject(file=path, location=location, id=rid, reason=reason))

    # -- raw readers: yield (file, location, row or Reject, mapping), then a None row per chunk ---
    def _jsonl_rows(self, path: Path, chunk_size: int) -> Iterator[tuple[str, str, Any, Any]]:
        mapping: dict[str, str | None] | None = None
        pending = 0
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
                    yield str(path), location, Reject(str(path), location, None, f"undecodable bytes: not valid UTF-8 at byte {exc.start}"), mapping
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield str(path), location, Reject(str(path), location, None, f"broken JSON: {exc.msg} at column {exc.colno}"), mapping
                    continue
                if not isinstance(row, dict):
                    yield str(path), location, Reject(str(path), location, None, f"broken JSON: expected an object, got {type(row).__name__}"), mapping
                    continue
                if mapping is None:
                    mapping = self._mapping(row.keys(), path, location)
                yield str(path), location, row, mapping
                pending += 1
                if pending >= chunk_size:
                    yield str(path), "", None, None
                    pending = 0
        yield str(path), "", None, None

    def _csv_rows(self, path: Path, chunk_size: int) -> Iterator[tuple[str, str, Any, Any]]:
        import pandas as pd

        try:
            with pd.read_csv(
                path,
                dtype=object,
                keep_default_na=False,
                na_values=[],
                encoding="utf-8-sig",
                encoding_errors="surrogateescape",
                chunksize=chunk_size,
            ) as chunks:
                first_row = 2
                mapping = None
                for chunk in chunks:
                    names = [str(c) for c in chunk.columns]
                    if mapping is None:
                        mapping = self._mapping(names, path, "row 1 (header)")
                    for offset, values in enumerate(chunk.itertuples(index=False, name=None)):
                        yield str(path), f"row {first_row + offset}", dict(zip(names, values)), mapping
                    first_row += len(chunk)
                    yield str(path), "", None, None
        except pd.errors.EmptyDataError:
            raise CorpusError(f"{path}: row 1: the file is empty (no header row).") from None
        except pd.errors.ParserError as exc:
            raise CorpusError(f"{path}: not readable as CSV: {exc}.") from None
        except OSError as exc:
            raise CorpusError(f"{path}: cannot open: {exc.strerror or exc}.") from exc

    def _parquet_rows(self, path: Path, chunk_size: int) -> Iterator[tuple[str, str, Any, Any]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as exc:
            raise CorpusError(f"{path}: not readable as Parquet: {exc}.") from exc
        mapping = self._mapping(parquet.schema_arrow.names, path, "schema")
        wanted = sorted({c for c in mapping.values() if c is not None})
        number = 1
        for batch in parquet.iter_batches(batch_size=chunk_size, columns=wanted):
            for row in batch.to_pylist():
                yield str(path), f"row {number}", row, mapping
                number += 1
            yield str(path), "", None, None

    def _xlsx_rows(self, path: Path, chunk_size: int) -> Iterator[tuple[str, str, Any, Any]]:
        import zipfile

        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise CorpusError(f"{path}: not readable as XLSX: {exc}.") from exc
        try:
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                raise CorpusError(f"{path}: row 1: the sheet is empty (no header row).")
            names = ["" if h is None else str(h) for h in header]
            mapping = self._mapping(names, path, "row 1 (header)")
            pending = 0
            for number, values in enumerate(rows, start=2):
                if all(v is None for v in values):
                    continue  # formatting-only rows are not records
                yield str(path), f"row {number}", dict(zip(names, values)), mapping
                pending += 1
                if pending >= chunk_size:
                    yield str(path), "", None, None
                    pending = 0
            yield str(path), "", None, None
        finally:
            workbook.close()

    def _txt_rows(self, paths: list[Path]) -> Iterator[tuple[str, str, Any, Any]]:
        mapping = {name: name for name in ("id", "text")} | {name: None for name in self._output_columns() if name not in ("id", "text")}
        if self.label:
            raise CorpusError(f"{paths[0]}: .txt files carry no label field {self.label!r}; use JSONL, CSV, Parquet or XLSX for labelled data.")
        for path in paths:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise CorpusError(f"{path}: cannot open: {exc.strerror or exc}.") from exc
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                yield str(path), "", Reject(str(path), "", path.name, f"undecodable bytes: not valid UTF-8 at byte {exc.start}"), mapping
                continue
            yield str(path), "", {"id": path.name, "text": text}, mapping
        yield "", "", None, None


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
