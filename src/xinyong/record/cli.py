from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..clock import today
from ..config import get_settings
from ..console import acting_for, engine, err, handles_errors, out, print_json
from ..errors import InvalidInput
from . import importer
from .service import Reject


@handles_errors
def import_file(
    file: Path = typer.Argument(..., help="CSV (UTF-8 or GB18030) or JSON Lines: CF_*, XK_* or the general columns."),
    unit: str = typer.Option(..., "--unit", help="The providing unit's USCC."),
    rejects: Path = typer.Option(None, "--rejects", help="Where to write rejected rows "
                                 "(default: FILE.rejects.csv beside the file)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import a provider's file. Exit 0 all accepted, 3 some rejected, 4 nothing usable."""
    if not file.is_file():
        raise InvalidInput(f"no such file: {file}", field="file")
    actor = acting_for(unit)
    eng = engine()
    batch_id = importer.open_batch(eng, unit_uscc=unit, filename=file.name,
                                   sha256=importer.sha256_of(file), actor=actor)
    rejects_path = rejects or file.with_name(file.name + ".rejects.csv")
    writer = _RejectsWriter(rejects_path)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=as_json) as progress:
        task = progress.add_task("reading", total=None)
        try:
            result = importer.run_import(
                eng, batch_id=batch_id, path=file, actor=actor, today=today(),
                chunk_rows=get_settings().import_chunk_rows, on_reject=writer.write,
                progress=lambda n: progress.update(task, description=f"{n:,} rows read"),
            )
        finally:
            writer.close()
    summary = result.summary()
    summary["rejects_file"] = str(rejects_path) if writer.count else None
    if as_json:
        print_json(summary)
    else:
        out.print(f"batch {result.batch_id}: {result.rows:,} rows — accepted {result.accepted:,}, "
                  f"already present {result.already_present:,}, rejected {result.rejected:,}")
        for line, message in result.notices:
            out.print(f"notice (line {line}): {message}")
        if result.file_error:
            r = result.file_error
            prefix = f"error [{r.article}]" if r.article else "error"
            err.print(f"{prefix}: {r.reason}", markup=False)
        if writer.count:
            out.print(f"rejected rows with their reasons: {rejects_path}")
    raise typer.Exit(result.exit_code)


class _RejectsWriter:
    """Rejected rows, each with line, field, reason and article, then the row as it was sent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh = None
        self._writer = None
        self._columns: list[str] = []
        if path.exists():  # never leave the rejects of an earlier run looking current
            path.unlink()

    def write(self, reject: Reject, values: dict | None) -> None:
        if self._fh is None:
            self._fh = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._fh)
            self._columns = list(values or {})
            self._writer.writerow(["line", "field", "reason", "article", *self._columns])
        values = values or {}
        self._writer.writerow([reject.line, reject.field or "", reject.reason, reject.article or "",
                               *(values.get(c, "") for c in self._columns)])
        self.count += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
