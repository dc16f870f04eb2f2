"""``xinyong measure …`` (the application list, Art. 22) and ``xinyong check`` (the pre-decision check)."""

from __future__ import annotations

import typer

from ..console import acting_for, err, handles_errors, identity, out, print_json
from ..db import session_scope
from . import service

app = typer.Typer(help="The application list of joint rewards and punishments (Art. 22, 29–32).",
                  no_args_is_help=True)


@app.command("add")
@handles_errors
def add(code: str = typer.Argument(...), name: str = typer.Option(..., "--name"),
        measure: str = typer.Option(..., "--measure", help="The measure itself."),
        kind: str = typer.Option(..., "--kind", help="incentive | punishment | restriction"),
        item: str = typer.Option(..., "--item", help="The item of Art. 29/30/31, e.g. 1"),
        incident: str = typer.Option(..., "--incident"),
        items: list[str] = typer.Option([], "--on-item", help="A catalog item that triggers it (repeatable)."),
        lists: list[str] = typer.Option([], "--on-list", help="A list (id or code) that triggers it (repeatable)."),
        targets: list[str] = typer.Option(..., "--target", help="natural_person | organization | government_organ"),
        responsible: bool = typer.Option(False, "--reaches-responsible", help="Art. 33"),
        contexts: list[str] = typer.Option(..., "--context", help="An Art. 28 purpose code (repeatable)."),
        organ: str = typer.Option(..., "--organ", help="The implementing organ, as the published list words it."),
        implementing: list[str] = typer.Option([], "--implemented-by", help="The USCC of an implementing organ "
                                               "(repeatable)."),
        implementing_class: str = typer.Option(None, "--implemented-by-class", help="'context': every organ "
                                               "deciding in one of its contexts."),
        basis: str = typer.Option(..., "--basis"), level: str = typer.Option(..., "--level"),
        check_basis: str = typer.Option(None, "--check-basis", help="A law or administrative regulation obliging "
                                        "the organ to check the triggers, with its article (Art. 17.3)."),
        check_level: str = typer.Option(None, "--check-basis-level", help="law | administrative-regulation"),
        token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN)."),
        as_json: bool = typer.Option(False, "--json")) -> None:
    """Add a draft line to the application list (the supervisor, under its own token)."""
    actor = identity(token)
    with session_scope() as s:
        m = service.add(s, code=code, name=name, description=measure, kind=kind, item=item, incident=incident,
                        incident_items=items, incident_lists=lists, targets=targets, reaches_responsible=responsible,
                        contexts=contexts, implementing_organ=organ, basis_text=basis, basis_level=level,
                        implementing_units=implementing, implementing_class=implementing_class,
                        check_basis=check_basis, check_basis_level=check_level, actor=actor)
        view = service.view(m)
    print_json(view) if as_json else out.print(f"measure {view['id']} {view['code']} added (draft, {view['article']})")


@app.command("publish")
@handles_errors
def publish(measure: str = typer.Argument(...),
            token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Record the public announcement of a measure (today; the supervisor, under its own token)."""
    actor = identity(token)
    with session_scope() as s:
        m = service.publish(s, measure=measure, actor=actor)
        out.print(f"measure {m.code} published on {m.published_on}")


@app.command("announce")
@handles_errors
def announce(measure: str = typer.Argument(...),
             where: str = typer.Option(..., "--in", help="gazette | credit-shanghai (信用上海) | national-memorandum"),
             document: str = typer.Option(..., "--document", help="The announcing document."),
             on: str = typer.Option(None, "--on", help="The announcement's date, YYYY-MM-DD (default: today)."),
             token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Record the supervisor's official announcement of a measure (Art. 22): from its date, while the measure is
    published on the application list, it counts as announced (Art. 32.2)."""
    from datetime import date

    from ..errors import InvalidInput

    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise InvalidInput("--on is a date, YYYY-MM-DD", field="on") from None
    actor = identity(token)
    with session_scope() as s:
        m = service.announce(s, measure=measure, announced_in=where, document=document, on=day, actor=actor)
        out.print(f"measure {m.code} announced in {m.announced_in} ({m.announcement_document}) on {m.announced_on}")


@app.command("withdraw")
@handles_errors
def withdraw(measure: str = typer.Argument(...),
             token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Withdraw a measure from the application list (today): no check returns it, none applies it again."""
    actor = identity(token)
    with session_scope() as s:
        m = service.withdraw(s, measure=measure, actor=actor)
        out.print(f"measure {m.code} withdrawn on {m.withdrawn_on}")


@app.command("list")
@handles_errors
def list_(drafts: bool = typer.Option(False, "--drafts"), as_json: bool = typer.Option(False, "--json")) -> None:
    """The application list."""
    with session_scope() as s:
        rows = service.application_list(s, include_drafts=drafts)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['id']:>4} {r['code']} [{r['article']}] {r['state']} {r['name']} — {r['basis']['text']}")


@handles_errors
def check(subjects: list[str] = typer.Argument(..., help="USCCs or resident ID numbers."),
          context: str = typer.Option(..., "--context", help="An Art. 28 purpose code."),
          unit: str = typer.Option(..., "--unit", help="The administrative organ checking (its USCC)."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Before a decision: the announced measures the organ implements that apply, with their basis and grounds
    (each subject an inquiry). Exit 0; 3 when some identifiers were not valid (the others were checked)."""
    actor = acting_for(unit)
    with session_scope() as s:
        result = service.check(s, actor=actor, subjects_raw=subjects, context=context, channel="cli")
    invalid = [a for a in result["subjects"] if "error" in a]
    if as_json:
        print_json(result)
        raise typer.Exit(3 if invalid else 0)
    out.print(f"check {result['check_id']} ({result['context']}, {result['checked_on']})")
    for a in result["subjects"]:
        if "error" in a:
            e = a["error"]
            err.print(f"error [{e['article']}]: {e['field']}: {e['message']}", markup=False)
            continue
        out.print(f"{a['subject']['identifier']}: " + ("not known to the platform" if a.get("found") is False
                                                       else f"{len(a['measures'])} measure(s)"))
        for m in a["measures"]:
            out.print(f"  {m['code']} [{m['article']}] {m['name']} — basis: {m['basis']['text']} ({m['basis']['level']})")
            for g in m["grounds"]:
                label = (g.get("document") or {}).get("number") if g["type"] == "record" else g.get("list")
                out.print(f"    ground: {g['type']} {g.get('item') or g.get('ground') or ''} [{g['article']}] {label}")
        for m in a.get("not_evaluable", ()):
            out.print(f"  {m['reason']}")
    raise typer.Exit(3 if invalid else 0)
