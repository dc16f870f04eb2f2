"""``xinyong backup DIR`` and ``xinyong restore PATH`` (ops.backup; docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..console import err, handles_errors, out, print_json


@handles_errors
def backup(directory: Path = typer.Argument(..., help="Where backups are kept: each is a new directory in it."),
           keys_to: Path = typer.Option(None, "--keys-to", help="Where the keys go: another destination than DIR "
                                        "(a backup holding both would undo encryption at rest)."),
           prune: bool = typer.Option(False, "--prune", help="Then delete backups older than retention.backup_days "
                                      "(the newest is always kept), in DIR and in --keys-to."),
           prune_only: bool = typer.Option(False, "--prune-only", help="Only delete the old backups."),
           keep_days: int = typer.Option(None, "--keep-days", help="Instead of retention.backup_days."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Back up the database with what it cannot live without (checkpoints, calendar years, stored copies)."""
    from ..db import get_engine
    from . import backup as ops

    pruned: list[Path] = []
    summary: dict = {}
    if not prune_only:
        result = ops.backup(get_engine(), directory, keys_to=keys_to)
        summary = result.summary()
        if keys_to is None:
            err.print("note: the keys are not in this backup and were not copied (--keys-to KDIR): back up "
                      "var/keys and the HMAC key apart from it (docs/keys.md)", markup=False)
    if prune or prune_only:
        pruned = ops.prune(directory, keep_days=keep_days)
        if keys_to is not None:
            pruned += ops.prune(keys_to, keep_days=keep_days, prefix=ops.KEYS_PREFIX,
                                manifest_name=ops.KEYS_MANIFEST)
        summary["pruned"] = [str(p) for p in pruned]
    if as_json:
        print_json(summary)
        return
    if not prune_only:
        out.print(f"backup {summary['backup']}: {summary['database']} at revision {summary['revision']}, "
                  f"{summary['rows']} rows, {summary['files']} files, last checkpoint {summary['last_checkpoint']}"
                  + (f"; keys in {summary['keys']}" if summary["keys"] else ""), markup=False)
    for path in pruned:
        out.print(f"pruned {path}", markup=False)


@handles_errors
def restore(path: Path = typer.Argument(..., help="A backup (a directory with manifest.json), or the directory "
                                        "holding backups (the newest is restored)."),
            keys_from: Path = typer.Option(None, "--keys-from", help="The key backup made with --keys-to (or the "
                                           "directory holding key backups): the keys are put back where the "
                                           "configuration expects them, never over different ones."),
            journal: Path = typer.Option(None, "--journal", help="The purge journal to replay (default "
                                         "XINYONG_PURGE_JOURNAL_DIR)."),
            replace: bool = typer.Option(False, "--replace", help="Restore over a database that is not empty."),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """Restore a backup into the configured database and var directory, then delete again what was deleted
    since (Art. 37) before anything is served."""
    from . import backup as ops

    result = ops.restore(path, keys_from=keys_from, journal_dir=journal, replace=replace)
    summary = result.summary()
    if as_json:
        print_json(summary)
        return
    again = summary["deleted_again"]
    out.print(f"restored {summary['backup']} (revision {summary['revision']['backup']} → {summary['revision']['now']}); "
              f"deleted again since the backup [Art. 37]: records {again['records']}, list entries "
              f"{again['list_entries']}", markup=False)
    for skipped in result.skipped:
        err.print(f"warning: journal entry not applied: {skipped}", markup=False)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False)
