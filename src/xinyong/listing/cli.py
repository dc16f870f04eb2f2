"""``xinyong listing …``: lists of seriously untrustworthy (and trustworthy) subjects (Art. 24, 25, 33)."""

from __future__ import annotations

from datetime import date

import typer

from ..console import acting_for, handles_errors, out, print_json
from ..db import session_scope
from . import purge, rules, service

app = typer.Typer(help="Lists (Art. 24, 25, 33): define, publish, enter, remove; remedies (Art. 25.3).",
                  no_args_is_help=True)


@app.command("define")
@handles_errors
def define(code: str = typer.Argument(...), name: str = typer.Option(..., "--name"),
           kind: str = typer.Option("black", "--kind"), organ: str = typer.Option(..., "--organ"),
           standard: str = typer.Option(..., "--standard"), basis: str = typer.Option(..., "--basis"),
           entry: str = typer.Option(..., "--entry-requirements"),
           removal: str = typer.Option(..., "--removal-requirements"),
           remedy: str = typer.Option(..., "--remedy-paths"),
           comment_from: str = typer.Option(None, "--comment-from"), comment_to: str = typer.Option(None, "--comment-to"),
           disclosure: str = typer.Option("organs", "--disclosure", help="public (its rules publish the entries) | "
                                          "organs (only organs whose published inquiry list names it)"),
           public_basis: str = typer.Option(None, "--public-basis", help="The rule that publishes the entries."),
           public_level: str = typer.Option(None, "--public-basis-level", help="law | administrative-regulation | "
                                            "judicial-interpretation | departmental-rule | local-regulation | policy"),
           unit: str = typer.Option(..., "--unit", help="The organ that keeps the list (USCC).")) -> None:
    with session_scope() as s:
        lst = service.define(s, code=code, name=name, kind=kind, keeper_organ=organ, entry_standard=standard,
                             legal_basis=basis, entry_requirements=entry, removal_requirements=removal,
                             remedy_paths=remedy,
                             comment_from=date.fromisoformat(comment_from) if comment_from else None,
                             comment_to=date.fromisoformat(comment_to) if comment_to else None,
                             disclosure=disclosure, public_basis=public_basis, public_basis_level=public_level,
                             actor=acting_for(unit))
        out.print(f"list {lst.id} {lst.code} defined (draft)")


@app.command("publish")
@handles_errors
def publish(lst: str = typer.Argument(...), unit: str = typer.Option(None, "--unit")) -> None:
    with session_scope() as s:
        row = service.publish(s, list_id=lst, actor=acting_for(unit))
        out.print(f"list {row.code} published on {row.published_on}")


@app.command("enter")
@handles_errors
def enter(lst: str = typer.Argument(...), subject: str = typer.Argument(...),
          ground: str = typer.Option(None, "--ground", help="Art. 25.2 item (1)–(4)"),
          ground_text: str = typer.Option("", "--ground-text"), document: str = typer.Option(..., "--document"),
          decided_on: str = typer.Option(..., "--decided-on"),
          persons: list[str] = typer.Option([], "--person", help="ROLE:NAME (ID number read from the prompt)"),
          unit: str = typer.Option(None, "--unit"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Enter a subject. Responsible persons' ID numbers are asked for (never on the command line)."""
    people = []
    for p in persons:
        role, _, name = p.partition(":")
        ident = typer.prompt(f"resident ID number of {name} ({role})", hide_input=True, err=True)
        people.append({"role": role, "name": name, "identifier": ident})
    with session_scope() as s:
        entry = service.enter(s, list_id=lst, subject=subject, ground=ground, ground_text=ground_text,
                              document=document, decided_on=date.fromisoformat(decided_on), persons=people,
                              actor=acting_for(unit))
        view = service.view_entry(s, entry)
    print_json(view) if as_json else out.print(f"entry {view['id']} on {view['list']['code']} [{view['article']}]")


@app.command("remove")
@handles_errors
def remove(entry: int = typer.Argument(...), document: str = typer.Option(..., "--document"),
           reason: str = typer.Option("", "--reason"), unit: str = typer.Option(None, "--unit")) -> None:
    with session_scope() as s:
        service.remove(s, entry_id=entry, document=document, reason=reason, actor=acting_for(unit))
        out.print(f"entry {entry} removed")


@app.command("remedies")
@handles_errors
def remedies(entry: int = typer.Option(None, "--entry", help="Only this entry's remedies."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Remedies applied for against entries (Art. 25.3), with their status and outcome.

    Applying is the listed subject's own act, with its own token: POST
    /api/v1/list-entries/{id}/remedies (`xinyong subject token CODE` issues one); the console does not
    apply on its behalf. The outcome is entered with `xinyong listing remedy-decide`.
    """
    with session_scope() as s:
        rows = service.remedies(s, entry_id=entry)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        outcome = (f" by {r['decided_by']} on {r['decided_on']} ({r['outcome_document']})" if r["decided_by"] else "")
        out.print(f"{r['id']:>4} entry {r['entry_id']} ({r['list']['code']}, {r['entry_status']}) "
                  f"{r['subject']['name']} {r['subject']['identifier']}: applied {r['applied_on']}, "
                  f"{r['status']}{outcome} [Art. 25.3] — {r['reason']}")


@app.command("remedy-decide")
@handles_errors
def remedy_decide(remedy: int = typer.Argument(...),
                  by: str = typer.Option(..., "--by", help=" | ".join(rules.DECIDERS)),
                  outcome: str = typer.Option(..., "--outcome", help="upheld | revoked"),
                  document: str = typer.Option(..., "--document", help="The deciding document."),
                  unit: str = typer.Option(None, "--unit", help="Enter it for the organ that keeps the list (USCC).")
                  ) -> None:
    """Enter a remedy's outcome: the listing organ's, a reconsideration organ's or a court's (Art. 25.3).

    A revocation takes the entry off the list at once (it no longer counts anywhere); `xinyong purge`
    deletes it, with its responsible persons and remedies, within the Art. 37 period.
    """
    with session_scope() as s:
        rem = service.decide_remedy(s, remedy_id=remedy, decided_by=by, outcome=outcome, document=document,
                                    actor=acting_for(unit))
        entry = service.get_entry(s, rem.entry_id)
        line = f"remedy {rem.id} {rem.status} by {rem.decided_by} [Art. 25.3]"
        if rem.status == "revoked":
            due = purge.deletion_deadline(entry.removed_on)
            when = due["due_on"] or f"unknown ({due['note']})"
            line += f"; entry {entry.id} revoked: no longer counts; to be deleted by {when} [{due['basis_article']}]"
    out.print(line)
