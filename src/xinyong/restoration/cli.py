"""``xinyong restoration …``: the deciding organ's work on credit restoration applications (Art. 38), from the
operator's console acting for the unit (``--unit USCC`` with ``--console-reason``)."""

from __future__ import annotations

import typer

from ..console import acting_for, handles_errors, out, print_json
from ..db import session_scope
from ..unit import service as units
from . import service

app = typer.Typer(help="Credit restoration applications (Art. 38): the deciding organ's inbox and decisions.",
                  no_args_is_help=True)


@app.command("inbox")
@handles_errors
def inbox(unit: str = typer.Option(..., "--unit", help="The deciding unit's USCC."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """The unit's open applications."""
    with session_scope() as s:
        rows = service.inbox(s, units.get_by_uscc(s, unit).id)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("no open applications")
    for r in rows:
        out.print(f"{r['id']}: record {r['record']['id']} ({r['record']['item']}, {r['record']['document']}), "
                  f"applied {r['applied_on']}, {r['measure']}")


@app.command("decide")
@handles_errors
def decide(application: int = typer.Argument(..., help="The application's id."),
           unit: str = typer.Option(..., "--unit", help="The deciding unit's USCC."),
           outcome: str = typer.Option(..., "--outcome", help="granted | refused"),
           document: str = typer.Option(..., "--document", help="The written decision (a grant: the written proof)."),
           reason: str = typer.Option("", "--reason", help="The reasons (required for a refusal)."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Decide an application; a grant restores the record at once (Art. 38)."""
    who = acting_for(unit)
    with session_scope() as s:
        view = service.view(s, service.decide(s, application_id=application, actor=who, outcome=outcome,
                                              document=document, reason=reason))
    if as_json:
        print_json(view)
        return
    line = f"application {view['id']} {view['status']}"
    if view["restoration"]:
        line += f": record {view['record']['id']} restored (deadline {view['restoration']['due_on']} " \
                f"[{view['restoration']['article']}] met)"
    out.print(line)
