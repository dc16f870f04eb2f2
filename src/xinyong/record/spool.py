"""The platform's copy of a submitted file holds only what is stored from it, encrypted at rest
(Art. 11, 19, 20(4)).

The clerk's file is read once (:func:`write_spool`): its header is checked first — a file refused
whole (a prohibited kind of information, Art. 14.3; unreadable; no header; required columns missing)
raises :class:`FileRefused` before a byte of it is kept — then every row is written, with its
original physical line number, keeping only the columns its catalog item declares
(``fields.declared_fields``), to an encrypted JSON Lines spool (``crypto.open_writer``):

    {"spool": 1, "format": "CF", "filename": …}               the header record
    {"line": 7, "values": {"CF_XDR_MC": "…", …}}              a row (declared columns only)
    {"line": 9, "error": "row has 6 fields, header has 5",    a row that could not be read (with what
     "article": "Art. 11.1", "values": {…}}                   was read of it, declared columns only)
    {"end": true, "rows": …, "columns": […], "dropped_columns": […], "notices": […], "encoding": …}

The import reads it back (:class:`SpoolReader`), so provenance (``line_no``) and rejects still name
the clerk's line. Art. 37 deletion rewrites it without the deleted record's row (:func:`remove_line`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import orjson

from .. import crypto
from ..errors import DomainError, InvalidInput, msg
from ..law.errors import message_parts, restore_message
from .fields import (
    FORMATS,
    STRUCTURAL_KEYS,
    FieldError,
    clean_text,
    column_key,
    detect_format,
    mask_id_shaped,
    missing_required,
    normalize_column,
)
from .reading import SourceRow, UnreadableFile, read_rows
from .rules import check_no_prohibited_columns

SPOOL_VERSION = 1
_FLUSH_BYTES = 256 * 1024


class FileRefused(InvalidInput):
    """The file is refused whole: nothing of it is kept. ``field`` names the column (or "file",
    "header"); ``article`` the article; ``sha256`` the digest of the bytes read (all of them)."""

    code = "file_refused"

    def __init__(self, message: str, *, article: str | None, field: str | None, sha256: str = "") -> None:
        super().__init__(message, article=article, field=field)
        self.sha256 = sha256


@dataclass
class SpoolResult:
    path: Path
    sha256: str
    format: str
    encoding: str | None
    rows: int
    columns: list[str]
    dropped_columns: list[dict]
    notices: list[tuple[int, str]] = field(default_factory=list)


class _Hashing:
    """A binary stream that hashes what is read through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.hash = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.hash.update(data)
        return data

    def drain(self) -> str:
        while block := self.read(1 << 20):
            pass
        return self.hash.hexdigest()

    def close(self) -> None:  # the caller closes the source
        pass


def _refusal(exc: DomainError, default_article: str = "Art. 11") -> FileRefused:
    field_ = exc.field if exc.field is not None else "file"
    return FileRefused(mask_id_shaped(exc.message), article=exc.article or default_article,
                       field=mask_id_shaped(field_))


class _Plan:
    """Which header columns each catalog item's rows keep (Art. 11), and what was dropped."""

    def __init__(self, fmt: str, declared: Mapping[str, frozenset[str]]) -> None:
        self.fmt = fmt
        self.declared = declared
        # A row of an item the catalog does not know is rejected (Art. 11): it keeps only what
        # identifies it in the rejects file.
        self.default = STRUCTURAL_KEYS
        self.anywhere = frozenset().union(self.default, *declared.values())
        self.default_item = FORMATS[fmt].default_catalog_item or ""
        self.columns: list[str] = []  # kept for some item (the rejects file's columns)
        self.keys: dict[str, str] = {}
        self.dropped: dict[str, str] = {}  # column → why, dropped from every row
        self.partly: dict[tuple[str, str], int] = {}  # (column, item) → rows it was dropped from
        self._keep: dict[str, tuple[tuple[str, ...], bool]] = {}
        self.header_len = 0

    def add_columns(self, header: list[str]) -> None:
        for col in header[self.header_len:]:
            key = column_key(self.fmt, col)
            if key is None:
                self.dropped[col] = msg("not a column of the {format} format (docs/import-format.md), so not a "
                                        "declared field of the catalog: dropped before anything was kept",
                                        format=self.fmt)
            elif key not in self.anywhere:
                self.dropped[col] = msg("{field} is not a declared field of any catalog item: dropped before "
                                        "anything was kept", field=key)
            else:
                self.columns.append(col)
                self.keys[col] = key
        self.header_len = len(header)
        self._keep.clear()

    def keep(self, item: str) -> tuple[tuple[str, ...], bool]:
        """(the columns a row of ``item`` keeps, whether that is every kept column)."""
        found = self._keep.get(item)
        if found is None:
            declared = self.declared.get(item, self.default)
            cols = tuple(c for c in self.columns if self.keys[c] in declared)
            found = self._keep[item] = (cols, len(cols) == len(self.columns))
        return found

    def count_partial(self, item: str, kept: tuple[str, ...]) -> None:
        kept_set = set(kept)
        for col in self.columns:
            if col not in kept_set:
                self.partly[(col, item)] = self.partly.get((col, item), 0) + 1

    def report(self) -> list[dict]:
        out = [_with_reason({"column": mask_id_shaped(c), "article": "Art. 11"}, why)
               for c, why in self.dropped.items()]
        by_column: dict[str, list[tuple[str, int]]] = {}
        for (col, item), n in self.partly.items():
            by_column.setdefault(col, []).append((item, n))
        for col, items in by_column.items():
            names = ", ".join(f"'{i}'" if i else "(none)" for i, _ in items)
            rows = sum(n for _, n in items)
            out.append(_with_reason({"column": col, "article": "Art. 11", "rows": rows},
                                    msg("{field} is not a declared field of catalog item {items}: dropped from its "
                                        "{rows} row(s) before anything was kept", field=self.keys[col],
                                        items=names, rows=rows)))
        return out


def _with_reason(dropped: dict, reason: str) -> dict:
    """A dropped column's entry with its reason, and the reason's template and values (``reason_i18n``: the
    portal words it in the page's language; ``readable_dropped`` takes it out again)."""
    template, params = message_parts(reason)
    return {**dropped, "reason": str(reason), **({"reason_i18n": [template, params]} if template else {})}


def readable_dropped(dropped: list[dict] | None) -> list[dict]:
    """The stored dropped columns as the API and the pages show them: ``reason`` a message again (the same English
    text), without the stored template."""
    out = []
    for entry in dropped or ():
        entry = dict(entry)
        template, params = entry.pop("reason_i18n", None) or (None, None)
        entry["reason"] = restore_message(entry.get("reason", ""), template, params)
        out.append(entry)
    return out


def declared_only(fmt: str, values: Mapping[str, str], declared: Mapping[str, frozenset[str]]
                  ) -> tuple[dict[str, str], list[dict]]:
    """One record's values (normalised column → text) with only its item's declared columns, and
    what was dropped (as ``dropped_columns``)."""
    values = {normalize_column(k): v for k, v in values.items()}
    plan = _Plan(fmt, declared)
    plan.add_columns(list(values))
    item = clean_text(values.get("catalog_item")) or plan.default_item
    kept, everything = plan.keep(item)
    if not everything:
        plan.count_partial(item, kept)
    return {c: values[c] for c in kept}, plan.report()


def write_spool(source: BinaryIO | Path, *, filename: str, target: Path,
                declared: Mapping[str, frozenset[str]]) -> SpoolResult:
    """Read the clerk's file once and write its spool at ``target`` (encrypted; its context is its
    name). ``declared``: catalog item code → declared fields. Raises :class:`FileRefused`, with
    nothing written, for a file refused whole."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as fh:
            return write_spool(fh, filename=filename, target=target, declared=declared)
    hashing = _Hashing(source)
    try:
        return _write(hashing, filename, Path(target), declared)
    except FileRefused as exc:
        exc.sha256 = hashing.drain()
        raise


def _write(hashing: _Hashing, filename: str, target: Path, declared: Mapping[str, frozenset[str]]) -> SpoolResult:
    try:
        stream = read_rows(hashing, filename=filename)  # type: ignore[arg-type]
    except UnreadableFile as exc:
        raise _refusal(exc) from None
    header = stream.header
    if not header and stream.empty:
        raise FileRefused("the file is empty: send the header row and the rows (docs/import-format.md)",
                          article="Art. 11", field="header")
    if not header:
        raise FileRefused("the file has no header row: the first line names the columns "
                          "(docs/import-format.md)", article="Art. 11", field="header")
    try:
        check_no_prohibited_columns(header)
        fmt = detect_format(header)
    except (DomainError, FieldError) as exc:
        raise _refusal(exc) from None
    missing = missing_required(fmt, header)
    if missing:
        raise FileRefused(msg("the header lacks required column(s) {missing} for the {fmt} format (see "
                              "docs/import-format.md)", missing=", ".join(missing), fmt=fmt),
                          article="Art. 11", field=missing[0])
    plan = _Plan(fmt, declared)
    plan.add_columns(header)
    item_col = "catalog_item" if "catalog_item" in header else None
    writer = crypto.open_writer(target)
    rows = 0
    try:
        buf: list[bytes] = [orjson.dumps({"spool": SPOOL_VERSION, "format": fmt, "filename": filename,
                                          "columns": plan.columns}) + b"\n"]
        size = 0
        dumps = orjson.dumps
        for row in stream:
            rows += 1
            if row.error is not None and not row.values:
                line = dumps({"line": row.line, "error": row.error, "article": row.article})
            else:
                values = row.values
                if len(header) != plan.header_len:  # JSON Lines: a key first seen on this line
                    try:
                        check_no_prohibited_columns(header[plan.header_len:])
                    except DomainError as exc:
                        raise _refusal(exc) from None
                    plan.add_columns(header)
                item = (clean_text(values.get(item_col)) if item_col else "") or plan.default_item
                kept, everything = plan.keep(item)
                if not (everything and len(values) == len(kept)):
                    if not everything:
                        plan.count_partial(item, kept)
                    values = {c: values.get(c, "") for c in kept}
                if row.error is None:
                    line = dumps({"line": row.line, "values": values})
                else:  # a bad row with what was read of it (declared columns only), for the rejects file
                    line = dumps({"line": row.line, "error": row.error, "article": row.article, "values": values})
            buf.append(line + b"\n")
            size += len(line)
            if size > _FLUSH_BYTES:
                writer.write(b"".join(buf))
                buf.clear()
                size = 0
        notices = [(ln, mask_id_shaped(m)) for ln, m in stream.notices]
        dropped = plan.report()
        buf.append(dumps({"end": True, "rows": rows, "encoding": stream.encoding, "columns": plan.columns,
                          "dropped_columns": dropped, "notices": notices}) + b"\n")
        writer.write(b"".join(buf))
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return SpoolResult(path=target, sha256=hashing.hash.hexdigest(), format=fmt, encoding=stream.encoding,
                       rows=rows, columns=plan.columns, dropped_columns=dropped, notices=notices)


def is_spool(path: Path) -> bool:
    return crypto.is_encrypted_file(path)


class SpoolReader:
    """The rows of a spool, in file order (``header``: its first record; ``trailer``: its last, once
    read through)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fh = crypto.open_reader(self.path)
        try:
            self.header = orjson.loads(self._fh.readline())
            if self.header.get("spool") != SPOOL_VERSION:
                raise ValueError(f"{self.path.name} is not a spool of version {SPOOL_VERSION}")
        except BaseException:
            self._fh.close()
            raise
        self.trailer: dict | None = None

    @property
    def format(self) -> str:
        return self.header["format"]

    def __iter__(self) -> Iterator[SourceRow]:
        loads = orjson.loads
        for raw in self._fh:
            obj = loads(raw)
            line = obj.get("line")
            if line is None:
                if obj.get("end"):
                    self.trailer = obj
                continue
            values = obj.get("values")
            error = obj.get("error")
            if values is None or error is not None:
                yield SourceRow(line, values or {}, error=error or "unreadable row", article=obj.get("article"))
            else:
                yield SourceRow(line, values)
        self.close()

    def records(self) -> Iterator[bytes]:
        """Every record as stored (header and trailer included)."""
        yield orjson.dumps(self.header)
        for raw in self._fh:
            yield raw.rstrip(b"\n")
        self.close()

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> SpoolReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_line(path: Path, line: int) -> bool:
    """Rewrite the spool at ``path`` without the row of physical line ``line`` (Art. 37); True when
    there was one. Every other row keeps its line number; the file stays encrypted throughout."""
    return bool(remove_lines(path, {line}))


def remove_lines(path: Path, lines: set[int]) -> set[int]:
    """Rewrite the spool at ``path`` once without the rows of these physical lines (Art. 37: a purge's chunk);
    returns the lines there were (nothing is rewritten when none was there)."""
    found: set[int] = set()
    if not lines:
        return found
    with SpoolReader(path) as reader:
        writer = crypto.open_writer(path)  # written beside, renamed over the old file on close
        try:
            for raw in reader.records():
                head = raw[:40]
                start = head.find(b'"line":')
                if start >= 0:
                    digits = head[start + 7:].split(b",", 1)[0]
                    if digits.isdigit() and int(digits) in lines:
                        line = orjson.loads(raw).get("line")
                        if line in lines:
                            found.add(line)
                            continue
                writer.write(raw + b"\n")
        except BaseException:
            writer.abort()
            raise
        if not found:
            writer.abort()
            return found
        writer.close()
    return found
