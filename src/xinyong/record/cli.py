from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..clock import today
from ..config import get_settings
from ..console import acting_for, engine, err, handles_errors, out, print_json
from ..errors import InvalidInput
from . import importer


@handles_errors
def import_file(
    file: Path = typer.Argument(..., help="CSV (UTF-8 or GB18030) or JSON Lines: CF_*, XK_* or the general columns."),
    unit: str = typer.Option(..., "--unit", help="The providing unit's USCC."),
    rejects: Path = typer.Option(None, "--rejects", help="Where to write rejected rows "
                                 "(default: FILE.rejects.csv beside the file)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    resume: str = typer.Option(None, "--resume", metavar="BATCH",
                               help="Complete this interrupted batch of FILE (its process stopped before the end): "
                               "it goes on from the chunks already stored, with the same totals at the end."),
) -> None:
    """Import a provider's file. Exit 0 all accepted, 3 some rejected, 4 nothing usable.

    The file is read once: only the columns its catalog items declare are kept, in the platform's
    encrypted copy; the others are dropped and listed (Art. 11). A batch whose process stopped (a crash,
    Ctrl-C) is interrupted with the chunks it committed: --resume BATCH completes it."""
    if not file.is_file():
        raise InvalidInput(f"no such file: {file}", field="file")
    actor = acting_for(unit)
    eng = engine()
    if resume:
        batch_id, path = _resumable(eng, resume, file, actor)
    else:
        batch_id = importer.open_batch(eng, unit_uscc=unit, filename=file.name, actor=actor)
        path = file
    rejects_path = rejects or file.with_name(file.name + ".rejects.csv")
    if rejects_path.exists():  # never leave the rejects of an earlier run looking current
        rejects_path.unlink()
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err.console(), transient=True, disable=as_json) as progress:
            task = progress.add_task("reading", total=None)
            result = importer.run_import(
                eng, batch_id=batch_id, path=path, actor=actor, today=today(),
                chunk_rows=get_settings().import_chunk_rows, resume=bool(resume),
                progress=lambda n: progress.update(task, description=f"{n:,} rows read"),
            )
    except KeyboardInterrupt:
        err.print(f"interrupted: batch {batch_id} keeps the chunks it stored; complete it with "
                  f"xinyong import {file} --unit {unit} --resume {batch_id}", markup=False)
        raise typer.Exit(130) from None
    written = _write_rejects(eng, batch_id, rejects_path)
    summary = result.summary()
    summary["rejects_file"] = str(rejects_path) if written else None
    if as_json:
        print_json(summary)
    else:
        resumed = f" (resumed after {result.resumed_from:,} rows)" if result.resumed_from else ""
        out.print(f"batch {result.batch_id}{resumed}: {result.rows:,} rows — accepted {result.accepted:,}, "
                  f"already present {result.already_present:,}, rejected {result.rejected:,}", markup=False)
        for d in result.dropped_columns:
            out.print(f"dropped column {d['column']} [{d['article']}]: {d['reason']}", markup=False)
        for line, message in result.notices:
            out.print(f"notice (line {line}): {message}", markup=False)
        if result.file_error:
            r = result.file_error
            prefix = f"error [{r.article}]" if r.article else "error"
            err.print(f"{prefix}: {r.reason}", markup=False)
        if written:
            out.print(f"rejected rows with their reasons: {rejects_path}", markup=False)
    raise typer.Exit(result.exit_code)


def _resumable(eng, batch_id: str, file: Path, actor) -> tuple[str, Path]:
    """The interrupted batch ``batch_id`` of ``file``, this unit's, and what to read it from: its stored copy,
    or — when it was interrupted while the file was being read — the file again."""
    import uuid

    from ..db import session_scope
    from ..errors import NotFound
    from ..models import Batch
    from .queue import NotResumable

    try:
        batch_id = str(uuid.UUID(batch_id))
    except ValueError:
        raise InvalidInput(f"--resume takes a batch id, not {batch_id!r}", field="resume") from None
    with session_scope(eng) as s:
        batch = s.get(Batch, batch_id)
        if batch is None or (actor.unit_id is not None and batch.unit_id != actor.unit_id):
            raise NotFound(f"no batch {batch_id} of this unit")
        if batch.status != "interrupted":
            raise NotResumable(f"batch {batch_id} is {batch.status}: only an interrupted batch can be resumed"
                               + (" (its process still holds its lease)" if batch.status == "running" else ""))
        digest = batch.sha256
    if digest and importer.sha256_of(file) != digest:
        raise InvalidInput(f"{file.name} is not the file of batch {batch_id} (its SHA-256 differs)", field="file")
    stored = importer.stored_copy_path(batch_id)
    return batch_id, stored if stored.exists() else file


def _write_rejects(eng, batch_id: str, path: Path) -> bool:
    """The clerk's plaintext export of the batch's rejects and dropped columns (declared columns
    only, full identifiers: the provider's own), where the operator asked; False: nothing to write."""
    text = importer.rejects_csv(eng, batch_id)
    if text is None:
        return False
    with path.open("w", encoding="utf-8", newline="") as fh:  # the BOM is the first chunk
        for chunk in text:
            fh.write(chunk)
    return True


record_app = typer.Typer(help="A stored record's lawful changes (Art. 11, 37, 38).", no_args_is_help=True)


def _pairs(values: list[str]) -> dict[str, str]:
    out = {}
    for n, v in enumerate(values, 1):
        if "=" not in v:  # the value is not echoed: it may be a person's ID number
            raise InvalidInput(f"--set takes FIELD=VALUE: the --set number {n} has no '='", field="set")
        k, _, val = v.partition("=")
        out[k.strip()] = val
    return out


@record_app.command("correct")
@handles_errors
def correct(record_id: int = typer.Argument(...), unit: str = typer.Option(..., "--unit"),
            set_: list[str] = typer.Option(..., "--set", help="FIELD=VALUE (repeatable)"),
            reason: str = typer.Option(..., "--reason"), document: str = typer.Option(..., "--document")) -> None:
    """The provider corrects a record it submitted (Art. 11); the history keeps both versions."""
    from ..db import session_scope
    from . import workflows

    actor = acting_for(unit)
    with session_scope() as s:
        rec = workflows.correct(s, record_id=record_id, changes=_pairs(set_), reason=reason,
                                document=document, actor=actor)
        out.print(f"record {rec.id} corrected: version {rec.version}")


@record_app.command("withdraw")
@handles_errors
def withdraw(record_id: int = typer.Argument(...), unit: str = typer.Option(..., "--unit"),
             reason: str = typer.Option(..., "--reason"), document: str = typer.Option(..., "--document")) -> None:
    """The provider withdraws a record it submitted in error (Art. 11)."""
    from ..db import session_scope
    from . import workflows

    with session_scope() as s:
        workflows.withdraw(s, record_id=record_id, reason=reason, document=document, actor=acting_for(unit))
    out.print(f"record {record_id} withdrawn")


@record_app.command("revoke")
@handles_errors
def revoke(record_id: int = typer.Argument(...), unit: str = typer.Option(..., "--unit"),
           document: str = typer.Option(..., "--document", help="The written notice of revocation."),
           by: str = typer.Option(..., "--by", help="organ, reconsideration or court"),
           reason: str = typer.Option("", "--reason")) -> None:
    """Art. 37: the designation was revoked. Hidden at once; deleted by `xinyong purge` within 3 working days."""
    from ..db import session_scope
    from . import workflows

    with session_scope() as s:
        act = workflows.revoke(s, record_id=record_id, document=document, decided_by=by, reason=reason,
                               actor=acting_for(unit))
        due = act.due_on.isoformat() if act.due_on else f"unknown ({act.deadline_note})"
    out.print(f"record {record_id} revoked: no longer served; to be deleted by {due} [{act.basis_article}]")


@record_app.command("restore")
@handles_errors
def restore(record_id: int = typer.Argument(...), unit: str = typer.Option(..., "--unit"),
            document: str = typer.Option(..., "--document", help="The written proof of credit restoration."),
            reason: str = typer.Option("", "--reason")) -> None:
    """Art. 38: credit restored. Removed from the inquiry interface at once; its subject still sees it."""
    from ..db import session_scope
    from . import workflows

    with session_scope() as s:
        act = workflows.restore(s, record_id=record_id, document=document, reason=reason, actor=acting_for(unit))
    out.print(f"record {record_id} restored (deadline {act.due_on} [{act.basis_article}] met)")


