"""Import files → rows, streamed in bounded memory.

:func:`read_rows` reads CSV (comma; tab or semicolon when the header clearly uses them) or JSON
Lines, in UTF-8 (with or without BOM) or GB18030, and yields one :class:`SourceRow` per record,
lazily. The encoding is decided on the first 64 KiB (valid UTF-8 → UTF-8, otherwise GB18030;
plain ASCII defers the decision to the first line that is not) and every physical line is then
decoded on its own, so bytes that do not decode spoil only their own row ("undecodable bytes").

``SourceRow.line`` is the physical line of the file where the record starts (1 = the header), so a
clerk can find it in the original. Rows that cannot be read (wrong number of fields, undecodable
bytes, invalid JSON, an unclosed quote, over a bound) are yielded with ``error`` set (and ``article``);
a row with the wrong number of fields or undecodable bytes keeps what was read of it in ``values``
(by position, under the header's names), so that the rejects file shows it. Things the reader
skipped or decided (a repeated header row, the encoding) are in ``RowStream.notices``.

Bounds (:class:`InputBounds`, from the settings ``XINYONG_IMPORT_MAX_COLUMNS`` / ``_MAX_FIELD_BYTES`` /
``_MAX_LINE_BYTES``) are enforced while reading, before memory grows: a header over the column bound
(counted on the raw line, before it is split) or over the row bound refuses the file whole; a row over
the row bound (one physical line, or the lines of one quoted record together) or holding a field over
the field bound is a bad row (Art. 19(1)). Nothing the ``csv`` module says reaches the clerk: its errors
are worded here.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import InvalidInput, msg
from ..guard.rules import ARTICLE as BOUNDS_ARTICLE
from ..guard.rules import bound_message, over_input_bound
from .fields import normalize_column

__all__ = ["SourceRow", "RowStream", "UnreadableFile", "InputBounds", "read_rows"]

SNIFF_BYTES = 64 * 1024
MAX_RECORD_LINES = 500  # a quoted CSV field spanning more lines is taken for an unclosed quote
MAX_NOTICES = 1000
ROW_ARTICLE = "Art. 11.1"  # a row that cannot be read whole is not provided 准确、完整 (accurately, completely)
KEPT_CHARS = 1000  # what the rejects file keeps of a field over the field bound


@dataclass(frozen=True, slots=True)
class InputBounds:
    """The reader's bounds (settings ``import_max_*``); 0 or less: no bound."""

    max_columns: int = 1000
    max_field_bytes: int = 131072
    max_line_bytes: int = 1048576

    @classmethod
    def from_settings(cls) -> InputBounds:
        from ..config import get_settings

        s = get_settings()
        return cls(s.import_max_columns, s.import_max_field_bytes, s.import_max_line_bytes)


# Magic numbers of files that are not text (what a clerk may send by mistake).
_MAGIC = (
    (b"%PDF-", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"), (b"\x7fELF", "a program"), (b"{\\rtf", "an RTF document"),
)
# C0 control bytes that never occur in CSV or JSON text (tab, LF, CR, FF and SUB excepted).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26)) + b"\x7f"


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be read (a spreadsheet, UTF-16, binary, a JSON array…)."""

    code = "unreadable_file"


@dataclass(slots=True)
class SourceRow:
    """One record. ``values`` maps header names to text; ``error`` is set (and ``values`` empty)
    for a row that could not be read, with ``raw`` holding what was read of it."""

    line: int
    values: dict[str, str]
    error: str | None = None
    raw: list[str] | str | None = None
    end_line: int | None = None
    article: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class _Line:
    no: int
    text: str
    ok: bool
    size: int = 0  # bytes in the file
    too_long: bool = False  # over the row bound: not read (its text is a bare newline)


def _looks_like_data(name: str) -> bool:
    return bool(re.fullmatch(r"[+-]?\d+(?:\.\d+)?|[0-9A-Za-z]{15,20}", name)) and any(
        c.isdigit() for c in name
    )


class RowStream:
    """An iterable of :class:`SourceRow` over one file, read once.

    Attributes: ``encoding`` ("utf-8" or "gb18030"), ``bom`` (a UTF-8 BOM was present),
    ``format`` ("csv" or "jsonl"), ``delimiter`` (CSV), ``header`` (normalised column names),
    ``header_line``, ``notices`` (list of (line, message)).
    """

    def __init__(self, stream: BinaryIO, *, filename: str, close: bool, bounds: InputBounds | None = None) -> None:
        self.filename = filename
        self.bounds = bounds or InputBounds.from_settings()
        self.max_line_bytes = self.bounds.max_line_bytes if self.bounds.max_line_bytes > 0 else 1 << 62
        # the csv module's own field limit (characters) never speaks first: a field is bounded by its row
        if csv.field_size_limit() < self.max_line_bytes:
            csv.field_size_limit(min(self.max_line_bytes, 2**31 - 1))
        self.empty = False  # nothing but whitespace in the file
        self._stream = stream
        self._close = close
        self._closed = False
        self.notices: list[tuple[int, str]] = []
        self._notice_count = 0
        self.header: list[str] = []
        self.header_line = 0
        self.delimiter: str | None = None
        self.bom = False
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    # -- public -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[SourceRow]:
        return self._rows

    def __enter__(self) -> RowStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._close:
                self._stream.close()

    def notice(self, line: int, message: str) -> None:
        self._notice_count += 1
        if self._notice_count <= MAX_NOTICES:
            self.notices.append((line, message))
        elif self._notice_count == MAX_NOTICES + 1:
            self.notices.append((line, "further notices suppressed"))

    # -- start: sniff encoding and format, read the header ------------------------------------

    def _start(self) -> None:
        first = self._read_exactly(SNIFF_BYTES)
        self._eof_in_first = len(first) < SNIFF_BYTES
        self._check_magic(first)
        if first.startswith(codecs.BOM_UTF8):
            self.bom = True
            first = first[len(codecs.BOM_UTF8) :]
        self._first = first
        self._undecided = False
        self.encoding = self._sniff_encoding(first)
        self._undecided = first.isascii() and not self.bom
        self._lines: Iterator[_Line] = self._decoded_lines()
        self.format = self._sniff_format(first)
        if self.format == "jsonl":
            self._rows = self._jsonl_rows()
        else:
            self._rows = self._csv_rows()
        self._start_rows()

    def _sniff_encoding(self, first: bytes) -> str:
        """Valid UTF-8 → "utf-8"; otherwise "gb18030" — unless most non-ASCII lines of the chunk
        are valid UTF-8 and only a few are broken (a UTF-8 file with stray bytes: decoding it as
        GB18030 would turn every Chinese character into plausible-looking mojibake)."""
        try:
            codecs.getincrementaldecoder("utf-8")().decode(first, final=self._eof_in_first)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        if self.bom:
            return "utf-8"
        lines = first.split(b"\n")
        if not self._eof_in_first:
            lines.pop()  # possibly cut in the middle of a character
        good = bad = 0
        for line in lines:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad += 1
        return "utf-8" if good > bad else "gb18030"

    def _read_exactly(self, n: int) -> bytes:
        parts, got = [], 0
        while got < n:
            chunk = self._stream.read(n - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _check_magic(self, first: bytes) -> None:
        """Files that are not text are refused whole before a line is read: spreadsheets, UTF-16 (with or
        without its BOM), known binary formats, and anything with NUL or control bytes that text has not."""
        if first.startswith(b"PK\x03\x04"):
            raise UnreadableFile(
                msg("{filename} is a spreadsheet or zip archive, not CSV: save it as CSV (UTF-8)",
                    filename=self.filename)
            )
        if first.startswith(b"\xd0\xcf\x11\xe0"):
            raise UnreadableFile(
                msg("{filename} is an Excel 97-2003 workbook, not CSV: save it as CSV (UTF-8)",
                    filename=self.filename)
            )
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnreadableFile(
                msg("{filename} is UTF-16 (\"Unicode text\"); save it as UTF-8 or GB18030 CSV",
                    filename=self.filename)
            )
        sample = first[:4096]
        if len(sample) >= 4 and max(sample[0::2].count(0), sample[1::2].count(0)) * 4 > len(sample):
            raise UnreadableFile(
                msg("{filename} is UTF-16 (\"Unicode text\"); save it as UTF-8 or GB18030 CSV",
                    filename=self.filename)
            )
        for magic, kind in _MAGIC:
            if first.startswith(magic):
                raise UnreadableFile(msg("{filename} is {kind}, not CSV or JSON Lines: save it as CSV (UTF-8)",
                                         filename=self.filename, kind=kind))
        if first and (first.count(b"\x00") * 100 > len(first)
                      or len(first) - len(first.translate(None, _CONTROL)) > max(8, len(first) // 100)):
            raise UnreadableFile(msg("{filename} is a binary file, not CSV or JSON Lines: save it as CSV (UTF-8)",
                                     filename=self.filename))

    def _sniff_format(self, first: bytes) -> str:
        name = self.filename.lower()
        if name.endswith((".jsonl", ".ndjson")):
            return "jsonl"
        start = first.lstrip()[:1]
        if start == b"[":
            raise UnreadableFile(
                msg("{filename} is a JSON array; send JSON Lines (one object per line) instead",
                    filename=self.filename)
            )
        if start == b"{":
            return "jsonl"
        return "csv"

    # -- physical lines --------------------------------------------------------------------------

    def _byte_lines(self) -> Iterator[tuple[int, bytes | None]]:
        """(line number, bytes incl. the newline) — ``None`` for a line over the row bound (never held
        whole: what is over the bound is skipped as it is read).

        Splitting on b"\\n" is safe in UTF-8 and GB18030: 0x0A is never part of a multi-byte char.
        """
        no = 0
        carry = b""
        skipping = False
        limit = self.max_line_bytes
        chunk = self._first
        self._first = b""
        while True:
            if not chunk:
                chunk = self._stream.read(SNIFF_BYTES)
                if not chunk:
                    break
            start = 0
            while True:
                nl = chunk.find(b"\n", start)
                if nl < 0:
                    break
                if skipping:
                    skipping = False
                else:
                    no += 1
                    if len(carry) + nl + 1 - start > limit:
                        yield no, None
                    else:
                        yield no, carry + chunk[start : nl + 1]
                carry = b""
                start = nl + 1
            if not skipping:
                carry += chunk[start:]
                if len(carry) > limit:
                    no += 1
                    yield no, None
                    carry = b""
                    skipping = True
            chunk = b""
        if carry and not skipping:
            yield no + 1, carry

    def _decoded_lines(self) -> Iterator[_Line]:
        try:
            for no, data in self._byte_lines():
                if data is None:
                    yield _Line(no, "\n", False, self.max_line_bytes + 1, True)
                    continue
                if self._undecided:
                    if data.isascii():
                        yield _Line(no, data.decode("ascii"), True, len(data))
                        continue
                    self._decide(no, data)
                try:
                    yield _Line(no, data.decode(self.encoding), True, len(data))
                except UnicodeDecodeError:
                    yield _Line(no, data.decode(self.encoding, "replace"), False, len(data))
        finally:
            self.close()

    def _decide(self, no: int, data: bytes) -> None:
        """The first 64 KiB were plain ASCII: decide on the first line that is not."""
        self._undecided = False
        try:
            data.decode("utf-8")
            self.encoding = "utf-8"
        except UnicodeDecodeError:
            try:
                data.decode("gb18030")
                self.encoding = "gb18030"
                self.notice(no, "encoding GB18030, decided at the first non-ASCII line")
            except UnicodeDecodeError:
                self.encoding = "utf-8"

    def _bad_bytes_reason(self) -> str:
        label = "UTF-8" if self.encoding == "utf-8" else "GB18030"
        return f"undecodable bytes (not valid {label})"

    def _line_too_long(self, no: int) -> str:
        return bound_message(f"line {no} is longer than", self.bounds.max_line_bytes, "bytes",
                             "XINYONG_IMPORT_MAX_LINE_BYTES")

    def _long_field(self, names: list[str], fields: list[str], size: int) -> int | None:
        """The index of the first field over the field bound (looked at only when its row is over it)."""
        limit = self.bounds.max_field_bytes
        if not over_input_bound(size, limit):
            return None
        for i, f in enumerate(fields):
            if len(f) * 4 > limit and over_input_bound(len(f.encode(self.encoding, "replace")), limit):
                return i
        return None

    def _field_too_long(self, name: str) -> str:
        return bound_message(f"field {name} is longer than", self.bounds.max_field_bytes, "bytes",
                             "XINYONG_IMPORT_MAX_FIELD_BYTES")

    # -- CSV ---------------------------------------------------------------------------------------

    def _sniff_delimiter(self, text: str) -> str:
        counts = _unquoted_counts(text)
        best = max(("\t", ";"), key=lambda d: counts[d])
        if counts[best] > counts[","]:
            return best
        return ","

    def _check_columns(self, n: int, line: int) -> None:
        if over_input_bound(n, self.bounds.max_columns):
            raise UnreadableFile(
                bound_message(msg("{filename}: the header (line {line}) has {n:,} columns, more than",
                                  filename=self.filename, line=line, n=n),
                              self.bounds.max_columns, msg("columns"), "XINYONG_IMPORT_MAX_COLUMNS"),
                article=BOUNDS_ARTICLE, field="header")

    def _csv_records(self, lines: Iterator[_Line]) -> Iterator[tuple[list[_Line], list[str] | None, str | None]]:
        """(physical lines, fields, error) per CSV record."""
        buf: list[_Line] = []
        replay: deque[_Line] = deque()
        size = [0]
        limit = self.max_line_bytes

        class _TooLong(Exception):
            pass

        def feed() -> Iterator[str]:
            while True:
                if replay:
                    item = replay.popleft()
                else:
                    item = next(lines, None)
                    if item is None:
                        return
                if not buf:
                    size[0] = 0
                if len(buf) >= MAX_RECORD_LINES or (buf and size[0] + item.size > limit):
                    replay.appendleft(item)
                    raise _TooLong
                buf.append(item)
                size[0] += item.size
                yield item.text

        reader = csv.reader(feed(), delimiter=self.delimiter or ",", strict=False)
        while True:
            buf.clear()
            try:
                fields = next(reader)
            except StopIteration:
                return
            except (_TooLong, csv.Error) as exc:
                if not buf:
                    return
                start = buf[0]
                if isinstance(exc, _TooLong) and len(buf) >= MAX_RECORD_LINES:
                    reason = (
                        f"unclosed quote: the quoted field starting on line {start.no} runs over "
                        f"{MAX_RECORD_LINES} lines"
                    )
                elif isinstance(exc, _TooLong):
                    reason = bound_message(
                        f"unclosed quote, or a row too long: the quoted field starting on line {start.no} runs "
                        "over", self.bounds.max_line_bytes, "bytes", "XINYONG_IMPORT_MAX_LINE_BYTES")
                else:
                    reason = _csv_error(exc, start)
                yield [start], None, reason
                replay.extendleft(reversed(buf[1:]))
                buf.clear()
                reader = csv.reader(feed(), delimiter=self.delimiter or ",", strict=False)
                continue
            yield list(buf), fields, None

    def _start_rows(self) -> None:
        if self.format == "jsonl":
            self._start_jsonl()
            return
        # header: the first non-blank line decides the delimiter; the first record is the header
        pending: list[_Line] = []
        seen_text = False
        for line in self._lines:
            pending.append(line)
            if line.too_long:
                raise UnreadableFile(
                    bound_message(msg("{filename}: the header (line {line}) is longer than",
                                      filename=self.filename, line=line.no),
                                  self.bounds.max_line_bytes, msg("bytes"), "XINYONG_IMPORT_MAX_LINE_BYTES"),
                    article=BOUNDS_ARTICLE, field="header")
            if line.text.strip(" \t\r\n\ufeff"):
                seen_text = True
                self.delimiter = self._sniff_delimiter(line.text)
                # counted on the raw line, before the csv module splits it into as many strings
                self._check_columns(_unquoted_counts(line.text)[self.delimiter] + 1, line.no)
                break
        lines = _chain(pending, self._lines)
        self._records = self._csv_records(lines)
        for lines_, fields, error in self._records:
            if fields is None or not any(f.strip() for f in fields):
                if error:
                    raise UnreadableFile(msg("{filename}: the header row cannot be read: {error}",
                                             filename=self.filename, error=error))
                continue
            self.header_line = lines_[0].no
            self._check_columns(len(fields), self.header_line)
            if not all(l.ok for l in lines_):
                self.notice(self.header_line, "the header row holds undecodable bytes")
            self._set_header(fields)
            break
        else:
            self.empty = not seen_text
            self.notice(0, "the file is empty: no header row" if self.empty else "the file has no header row")
        if self.delimiter and self.delimiter != ",":
            name = {"\t": "tab", ";": "semicolon"}[self.delimiter]
            self.notice(self.header_line, f"columns are separated by {name}s")

    def _set_header(self, fields: list[str]) -> None:
        raw = [normalize_column(f) for f in fields]
        self._header_key = raw
        header: list[str] = []
        seen: set[str] = set()
        for i, name in enumerate(raw, 1):
            new = name or f"column_{i}"
            if new in seen:
                k = 2
                while f"{name} ({k})" in seen:
                    k += 1
                new = f"{name} ({k})"
                self.notice(self.header_line, f"column {i} repeats the name '{name}'; read as '{new}'")
            elif not name:
                self.notice(self.header_line, f"column {i} has no name; read as '{new}'")
            seen.add(new)
            header.append(new)
        self.header = header
        suspicious = [h for h in raw if _looks_like_data(h)]
        if suspicious:
            self.notice(
                self.header_line,
                f"the first row looks like data, not column names ({', '.join(suspicious[:3])}); "
                "the file may have no header row",
            )

    def _csv_rows(self) -> Iterator[SourceRow]:
        # generator body runs on first next(); the header was read in _start_rows
        header = self.header
        n = len(header)
        header_key = getattr(self, "_header_key", [])
        for lines_, fields, error in self._records:
            start = lines_[0].no
            end = lines_[-1].no
            if error:
                yield SourceRow(start, {}, error=error, raw=lines_[0].text.rstrip("\r\n"), end_line=end,
                                article=ROW_ARTICLE if error.startswith(("unclosed quote: ", "CSV: ")) else
                                BOUNDS_ARTICLE)
                continue
            assert fields is not None
            too_long = next((l for l in lines_ if l.too_long), None)
            if too_long is not None:
                yield SourceRow(start, {}, error=self._line_too_long(too_long.no), end_line=end,
                                article=BOUNDS_ARTICLE)
                continue
            if not any(f.strip() for f in fields):
                continue
            if not all(l.ok for l in lines_):
                yield SourceRow(start, dict(zip(header, fields)), error=self._bad_bytes_reason(), raw=fields,
                                end_line=end, article=ROW_ARTICLE)
                continue
            if (
                len(fields) == len(header_key)
                and normalize_column(fields[0]) == header_key[0]
                and [normalize_column(f) for f in fields] == header_key
            ):
                self.notice(start, "repeated header row skipped")
                continue
            if len(fields) != n:
                if len(fields) > n and not any(f.strip() for f in fields[n:]):
                    fields = fields[:n]  # trailing empty fields (spreadsheet export): unambiguous
                else:
                    # what was read is kept by position (the rejects file shows it; extra fields have no name)
                    yield SourceRow(
                        start,
                        dict(zip(header, fields)),
                        error=f"row has {len(fields)} fields, header has {n}",
                        raw=fields,
                        end_line=end,
                        article=ROW_ARTICLE,
                    )
                    continue
            if len(lines_) > 1 or lines_[0].size > self.bounds.max_field_bytes > 0:
                long = self._long_field(header, fields, sum(l.size for l in lines_))
                if long is not None:
                    values = dict(zip(header, fields))
                    values[header[long]] = fields[long][:KEPT_CHARS] + "…"
                    yield SourceRow(start, values, error=self._field_too_long(header[long]), end_line=end,
                                    article=BOUNDS_ARTICLE)
                    continue
            yield SourceRow(start, dict(zip(header, fields)), end_line=end)

    # -- JSON Lines --------------------------------------------------------------------------------

    def _start_jsonl(self) -> None:
        """The header is the keys of the first object (later new keys are added, with a notice)."""
        pending: list[_Line] = []
        nonblank = 0
        for line in self._lines:
            pending.append(line)
            s = line.text.strip(" \t\r\n\ufeff")
            if not s:
                continue
            nonblank += 1
            obj = _loads(s)
            if isinstance(obj, dict):
                self.header_line = 0  # JSON Lines have no header line: every line is a record
                self._check_columns(len(obj), line.no)
                self.header = list(dict.fromkeys(normalize_column(str(k)) for k in obj))
                break
            if nonblank == 1 and not self.filename.lower().endswith((".jsonl", ".ndjson")):
                raise UnreadableFile(
                    msg("{filename} is not JSON Lines: line {no} is not a complete JSON object; put one object per "
                        "line", filename=self.filename, no=line.no)
                )
            if len(pending) >= 1000:
                break
        else:
            self.empty = nonblank == 0 and not any(l.too_long for l in pending)
        self._jsonl_lines = _chain(pending, self._lines)

    def _jsonl_rows(self) -> Iterator[SourceRow]:
        known = set(self.header)
        max_columns = self.bounds.max_columns
        for line in self._jsonl_lines:
            if line.too_long:
                yield SourceRow(line.no, {}, error=self._line_too_long(line.no), end_line=line.no,
                                article=BOUNDS_ARTICLE)
                continue
            s = line.text.strip(" \t\r\n\ufeff")
            if not s:
                continue
            if not line.ok:
                yield SourceRow(line.no, {}, error=self._bad_bytes_reason(), raw=s, end_line=line.no,
                                article=ROW_ARTICLE)
                continue
            try:
                obj = json.loads(s, parse_float=str, parse_int=str, parse_constant=str)
            except json.JSONDecodeError as exc:
                yield SourceRow(line.no, {}, error=f"invalid JSON: {exc.msg} at column {exc.colno}", raw=s,
                                end_line=line.no, article=ROW_ARTICLE)
                continue
            if not isinstance(obj, dict):
                kind = {list: "an array", str: "a string"}.get(type(obj), "a single value")
                yield SourceRow(line.no, {}, error=f"not a JSON object ({kind})", raw=s, end_line=line.no,
                                article=ROW_ARTICLE)
                continue
            keys = [normalize_column(str(k)) for k in obj]
            new = [k for k in dict.fromkeys(keys) if k not in known]
            if new and over_input_bound(len(known) + len(new), max_columns):
                yield SourceRow(line.no, {}, error=bound_message(
                    f"its keys would bring the file's columns to {len(known) + len(new):,}, more than",
                    max_columns, "columns", "XINYONG_IMPORT_MAX_COLUMNS"), raw=s, end_line=line.no,
                    article=BOUNDS_ARTICLE)
                continue
            for key in new:
                known.add(key)
                self.header.append(key)
                self.notice(line.no, f"key '{key}' first appears here (not in the first object)")
            values = dict.fromkeys(self.header, "")
            for key, v in zip(keys, obj.values()):
                values[key] = _to_str(v)
            if line.size > self.bounds.max_field_bytes > 0:
                names = list(values)
                long = self._long_field(names, list(values.values()), line.size)
                if long is not None:
                    values[names[long]] = values[names[long]][:KEPT_CHARS] + "…"
                    yield SourceRow(line.no, values, error=self._field_too_long(names[long]), end_line=line.no,
                                    article=BOUNDS_ARTICLE)
                    continue
            yield SourceRow(line.no, values, end_line=line.no)


def _unquoted_counts(text: str) -> dict[str, int]:
    """Commas, tabs and semicolons outside double quotes."""
    counts = {",": 0, "\t": 0, ";": 0}
    if '"' not in text:
        return {d: text.count(d) for d in counts}
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return counts


def _csv_error(exc: Exception, start: _Line) -> str:
    """The csv module's complaint in the clerk's words (never its internals)."""
    text = str(exc)
    if "new-line character" in text:
        return (f"CSV: a carriage return inside an unquoted field on line {start.no} (quote the field, or save "
                "the file again as CSV)")
    if "NUL" in text:
        return f"CSV: a NUL byte on line {start.no} (binary data in the file?)"
    if "field larger than field limit" in text:
        return f"CSV: a field starting on line {start.no} is too long"
    if "unexpected end of data" in text:
        return f"CSV: the file ends inside a quoted field (line {start.no})"
    return f"CSV: line {start.no} is not valid CSV (check its quotes)"


def _loads(s: str) -> object:
    try:
        return json.loads(s, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError:
        return None


def _to_str(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if v is True:
        return "true"
    if v is False:
        return "false"
    return json.dumps(v, ensure_ascii=False)


def _chain(first: list[_Line], rest: Iterator[_Line]) -> Iterator[_Line]:
    yield from first
    first.clear()
    yield from rest


def read_rows(source: bytes | bytearray | Path | str | BinaryIO, *, filename: str,
              bounds: InputBounds | None = None) -> RowStream:
    """Open an import file and return its :class:`RowStream` (header read, rows not yet).

    ``source`` is the file's bytes, a path, or a binary stream (not closed by the reader).
    ``filename`` (the name the clerk gave it) decides JSON Lines by extension (.jsonl/.ndjson).
    Raises :class:`UnreadableFile` for a file that is not CSV or JSON Lines at all, or whose header is
    over the bounds (``bounds``: default from the settings).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return RowStream(io.BytesIO(bytes(source)), filename=filename, close=True, bounds=bounds)
    if isinstance(source, (str, Path)):
        return RowStream(open(source, "rb"), filename=filename, close=True, bounds=bounds)  # noqa: SIM115
    return RowStream(source, filename=filename, close=False, bounds=bounds)
