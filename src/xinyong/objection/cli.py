"""``xinyong objection …``: the operator's console for objections (Art. 36).

Without ``--unit`` a command acts as the Center; ``--unit USCC`` acts for that unit (a providing unit
deciding a transferred objection, a credit service establishment handling one addressed to it).
"""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from ..auth import CONSOLE
from ..console import acting_for, handles_errors, out, print_json
from ..db import session_scope
from ..errors import InvalidInput
from ..subject import service as subjects
from ..unit import service as units
from . import service

app = typer.Typer(help="Objections (Art. 36): file, note, transfer, decide, inform; deadlines.",
                  no_args_is_help=True)


def _pairs(values: list[str]) -> dict[str, str]:
    pairs = {}
    for n, v in enumerate(values, 1):
        if "=" not in v:  # the value is not echoed: it may be a person's ID number
            raise InvalidInput(f"--set takes FIELD=VALUE: the --set number {n} has no '='", field="set")
        k, _, val = v.partition("=")
        pairs[k.strip()] = val
    return pairs


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"--{field.replace('_', '-')} takes a date (YYYY-MM-DD), not '{text}'",
                           field=field) from None


def _print_step_line(view: dict) -> None:
    for s in view["steps"]:
        if s["done_on"] is None:
            out.print(f"  next: {s['step']} by {s['party']}"
                      + (f" {s['unit']['name']}" if s["unit"] else "")
                      + f", due {s['due_on']} [{s['basis']['article']}; {s['basis']['parameter']} = "
                      f"{s['basis']['value']}]")


def _done(view: dict, as_json: bool, headline: str) -> None:
    if as_json:
        print_json(view)
        return
    out.print(headline)
    _print_step_line(view)


@app.command("file")
@handles_errors
def file(
    subject: str = typer.Argument(..., help="The objecting subject's USCC or resident identity card number."),
    reason: str = typer.Option(..., "--reason"),
    records: list[int] = typer.Option([], "--record", help="A record of the subject's (repeatable)."),
    kind: str = typer.Option("error", "--kind", help="error | omission | unlawful-collection | rights"),
    to: str = typer.Option(None, "--to", help="A credit service establishment's USCC (Art. 36.3)."),
    evidence: list[str] = typer.Option([], "--evidence", help="A document reference (repeatable)."),
    received_on: str = typer.Option(None, "--received-on", help="The day the materials were received (by post, "
                                    "at a window), YYYY-MM-DD, today or earlier; default today. The deadlines "
                                    "count from it (Art. 36.2)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Enter a subject's objection (received at the Center's counter or by post, on its behalf)."""
    day = _day(received_on, "received_on") if received_on else None
    with session_scope() as s:
        subj = subjects.find(s, subject)
        obj = service.file(s, actor=CONSOLE, subject_id=subj.id, kind=kind, reason=reason, evidence=evidence,
                           record_ids=records, to_uscc=to, channel="cli", received_on=day)
        view = service.view(s, obj)
    _done(view, as_json, f"objection {view['number']} filed ({view['kind']}, to {view['addressee']}), received "
          f"{view['received_on']}; {len(view['records'])} record(s) now served under objection")


@app.command("note")
@handles_errors
def note(objection: str = typer.Argument(..., help="Id or number (YY-2025-000012)."),
         path: str = typer.Option(None, "--path", help="center (Art. 36.2(1)) | provider (Art. 36.2(2))"),
         unit: str = typer.Option(None, "--unit", help="Act for this unit (a credit service establishment)."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Note the objection (marker confirmed) and choose its path."""
    actor = acting_for(unit)
    with session_scope() as s:
        view = service.view(s, service.note(s, objection=objection, actor=actor, path=path))
    _done(view, as_json, f"objection {view['number']} noted (path {view['path']})")


@app.command("transfer")
@handles_errors
def transfer(objection: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Transfer the objection to the unit that provided its records (Art. 36.2(2))."""
    with session_scope() as s:
        view = service.view(s, service.transfer(s, objection=objection, actor=CONSOLE))
    _done(view, as_json, f"objection {view['number']} transferred to {view['handler']['name']}")


@app.command("decide")
@handles_errors
def decide(
    objection: str = typer.Argument(...),
    outcome: str = typer.Option(..., "--outcome", help="corrected | upheld | deleted (resolved | rejected)"),
    document: str = typer.Option(..., "--document", help="The deciding document."),
    reason: str = typer.Option(..., "--reason", help="The reasons in writing."),
    set_: list[str] = typer.Option([], "--set", help="FIELD=VALUE for a correction (repeatable)."),
    records: list[int] = typer.Option([], "--record", help="Only these records of the objection."),
    source: str = typer.Option(None, "--source", help="The source of the information (Art. 36.3)."),
    unit: str = typer.Option(None, "--unit", help="Act for this unit (the providing unit, an establishment)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Decide whether to correct: the Center (own scope), the providing unit (transferred), an establishment."""
    actor = acting_for(unit)
    with session_scope() as s:
        obj = service.decide(s, objection=objection, actor=actor, outcome=outcome, document=document,
                             reason=reason, changes=_pairs(set_), record_ids=records or None,
                             information_source=source)
        view = service.view(s, obj)
    _done(view, as_json, f"objection {view['number']} decided: {outcome} ({view['status']})")


@app.command("inform")
@handles_errors
def inform(objection: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Tell the objector the providing unit's decision (Art. 36.2(2)); the objection closes."""
    with session_scope() as s:
        view = service.view(s, service.inform(s, objection=objection, actor=CONSOLE))
    _done(view, as_json, f"objection {view['number']}: objector informed; closed")


@app.command("show")
@handles_errors
def show(objection: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """An objection: its records, steps, deadlines with their basis, and decision."""
    with session_scope() as s:
        view = service.view(s, service.get(s, objection))
    if as_json:
        print_json(view)
        return
    recorded = f", recorded {view['recorded_on']}" if view["recorded_on"] not in (None, view["received_on"]) else ""
    out.print(f"objection {view['number']} ({view['kind']}, to {view['addressee']}) — {view['status']}, "
              f"received {view['received_on']}{recorded}")
    table = Table("step", "party", "due", "basis", "done")
    for st in view["steps"]:
        table.add_row(st["step"], st["party"] + (f" {st['unit']['name']}" if st["unit"] else ""), st["due_on"],
                      f"{st['basis']['article']} {st['basis']['parameter']}={st['basis']['value']}",
                      (st["done_on"] or "") + (" LATE" if st["late"] else ""))
    out.print(table)
    if view["decision"]:
        d = view["decision"]
        out.print(f"decision: {d['outcome']} by {d['decided_by']} on {d['decided_on']} ({d['document']})")


@app.command("inbox")
@handles_errors
def inbox(unit: str = typer.Option(None, "--unit", help="A unit's open work (USCC)."),
          subject: str = typer.Option(None, "--subject", help="A subject's objections and outcomes."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Open work with deadlines (the Center by default, or --unit), or a subject's objections (--subject)."""
    with session_scope() as s:
        if subject:
            rows = service.inbox(s, subject_id=subjects.find(s, subject).id)
        elif unit:
            u = units.get_by_uscc(s, unit)
            rows = service.inbox(s, center=u.kind == "operator", unit_id=None if u.kind == "operator" else u.id)
        else:
            rows = service.inbox(s, center=True)
    if as_json:
        print_json(rows)
        return
    if subject:
        for r in rows:
            d = r["decision"]
            out.print(f"{r['number']} {r['status']}" + (f": {d['outcome']} — {d['reasons']}" if d else ""))
        return
    table = Table("objection", "step", "party", "due", "basis", "overdue")
    for r in rows:
        table.add_row(r["objection"], r["step"], r["party"], r["due_on"],
                      f"{r['basis']['article']} {r['basis']['parameter']}", "OVERDUE" if r["overdue"] else "")
    out.print(table)


@app.command("overdue")
@handles_errors
def overdue(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every step past its deadline today: party, deadline, basis, article. Exit 0 (a listing)."""
    with session_scope() as s:
        rows = service.overdue(s)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("no objection step is overdue")
        return
    table = Table("objection", "step", "party", "due", "basis", "article")
    for r in rows:
        table.add_row(r["objection"], r["step"], r["party"] + (f" {r['unit']['name']}" if r["unit"] else ""),
                      r["due_on"], f"{r['basis']['parameter']} = {r['basis']['value']} ({r['basis']['kind']})",
                      r["basis"]["article"])
    out.print(table)
