"""``xinyong audit seal`` and ``xinyong audit verify``: the tamper-evident log (Art. 20(2))."""

from __future__ import annotations

from pathlib import Path

import typer

from ..console import engine, err, handles_errors, out, print_json
from . import seal as sealing
from .rules import ordered
from .verify import verify as run_verify

app = typer.Typer(help="The audit log: seal it into signed checkpoints, verify it (Art. 20(2)).",
                  no_args_is_help=True)


@app.command("seal")
@handles_errors
def seal(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Chain the events not yet sealed and sign and export a checkpoint (safe to run often, from cron)."""
    result = sealing.seal(engine())
    if as_json:
        print_json(result.summary())
    elif result.sealed:
        out.print(f"sealed {result.sealed} event(s): checkpoint #{result.seq}, tree size {result.tree_size}, "
                  f"root {result.root_hash}, exported to {result.file}", markup=False)
    elif result.seq is None:
        out.print("nothing to seal: the log is empty")
    else:
        out.print(f"nothing new to seal: checkpoint #{result.seq} covers {result.tree_size} event(s)")


@app.command("verify")
@handles_errors
def verify(
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    against: Path | None = typer.Option(
        None, "--against", metavar="FILE",
        help="Also hold the log to a checkpoint kept elsewhere (an exported checkpoint-<seq>.json, or what "
             "GET /api/v1/public/checkpoint returned): the log must contain its tree."),
) -> None:
    """Recompute chain hashes, Merkle roots and signatures, and check every bound row (records, the inquiry
    log, checks, lists, objections, reports …) against the events that wrote it."""
    witness = sealing.load_witness(against) if against is not None else None
    report = run_verify(engine(), against=witness)
    if as_json:
        print_json(report.summary())
    else:
        rows = sum(report.rows.values())
        out.print(f"{report.events} event(s): {report.sealed} sealed by {report.checkpoints} checkpoint(s), "
                  f"{report.unsealed} not yet sealed; {report.records} record(s) checked against "
                  f"{report.import_events} import event(s); {rows} row(s) of {len(report.rows)} bound table(s) "
                  "checked against their events", markup=False)
        if report.witness is not None:
            w = report.witness
            out.print(f"held to the witnessed checkpoint #{w['seq']} (tree size {w['tree_size']}, root "
                      f"{w['root_hash']})", markup=False)
        for note in report.notes:
            err.print(f"note: {note}", markup=False)
        for p in ordered(report.problems)[1:]:  # the first is the error line
            err.print(f"  also {p.where()}: {p.message}", markup=False)
    report.raise_if_failed()
    if not as_json:
        out.print("audit log verified: intact")
