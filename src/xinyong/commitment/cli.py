"""``xinyong commitment …``: the accepting unit's work on declarations and credit commitments (Art. 13.2), from
the operator's console acting for the unit (``--unit USCC`` with ``--console-reason``)."""

from __future__ import annotations

import typer

from ..console import acting_for, handles_errors, out, print_json
from ..db import session_scope
from ..unit import service as units
from . import service

app = typer.Typer(help="Declarations and credit commitments (Art. 13.2): the accepting unit's inbox, acceptance "
                  "and fulfilment.", no_args_is_help=True)


def _line(v: dict) -> str:
    return f"{v['id']}: {v['code']} {v['form']}/{v['kind']} {v['status']}, made {v['made_on']}" + (
        f", record {v['record_id']}" if v["record_id"] else "")


@app.command("inbox")
@handles_errors
def inbox(unit: str = typer.Option(..., "--unit", help="The accepting unit's USCC."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Commitments to accept, and accepted ones whose fulfilment is still to record."""
    with session_scope() as s:
        rows = service.inbox(s, units.get_by_uscc(s, unit).id)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("no open commitments")
    for r in rows:
        out.print(_line(r))


@app.command("accept")
@handles_errors
def accept(commitment: int = typer.Argument(..., help="The commitment's id."),
           unit: str = typer.Option(..., "--unit", help="The accepting unit's USCC."),
           document: str = typer.Option(..., "--document", help="The unit's document."),
           decline: bool = typer.Option(False, "--decline", help="Decline instead (give --reason)."),
           reason: str = typer.Option("", "--reason", help="The reasons (required to decline)."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Accept (it becomes a record of the catalog item 'commitment') or decline."""
    who = acting_for(unit)
    act = service.decline if decline else service.accept
    with session_scope() as s:
        view = service.view(s, act(s, commitment_id=commitment, actor=who, document=document, reason=reason))
    print_json(view) if as_json else out.print(_line(view))


@app.command("fulfilment")
@handles_errors
def fulfilment(commitment: int = typer.Argument(..., help="The commitment's id."),
               unit: str = typer.Option(..., "--unit", help="The accepting unit's USCC."),
               outcome: str = typer.Option(..., "--outcome", help="fulfilled | partly_fulfilled | not_fulfilled"),
               document: str = typer.Option(..., "--document", help="The unit's document."),
               reason: str = typer.Option("", "--reason", help="The reasons (required unless fulfilled)."),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Record how the commitment was kept: a correction of its record, its history kept (Art. 34.1)."""
    who = acting_for(unit)
    with session_scope() as s:
        view = service.view(s, service.record_fulfilment(s, commitment_id=commitment, actor=who, outcome=outcome,
                                                         document=document, reason=reason))
    print_json(view) if as_json else out.print(_line(view))
