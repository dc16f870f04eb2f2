from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from ..auth import CONSOLE
from ..clock import today
from ..console import acting_for, handles_errors, out, print_json
from ..record.cli import record_app
from ..db import session_scope
from ..subject import service as subjects
from . import authorizations, service


@handles_errors
def inquire(
    subject: str = typer.Argument(..., help="The subject's USCC or resident identity card number."),
    unit: str = typer.Option(None, "--unit", help="Inquire for this unit (USCC); without it, as the Center."),
    purpose: str = typer.Option(None, "--purpose", help="The purpose: an Art. 28 code for organs."),
    case: str = typer.Option(None, "--case", help="The case (judicial organs; the Center's own cases)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Inquire about a subject. Every inquiry, allowed or denied, is logged before the answer prints."""
    actor = acting_for(unit)
    with session_scope() as s:
        answer = service.inquire(s, actor=actor, subject=subject, purpose=purpose, case_no=case,
                                 channel="cli")
    answer.raise_if_denied()
    if as_json:
        print_json(answer.as_dict())
        return
    subj = answer.subject
    out.print(f"inquiry {answer.inquiry_id} [{answer.article}] {answer.reason}")
    gone = f", deregistered on {subj['deregistered_on']}" if subj.get("deregistered_on") else ""
    out.print(f"{subj['name']} ({subj['identifier']}, {subj['kind']}{gone}): {len(answer.records)} record(s)")
    table = Table("item", "document", "date", "source", "markers")
    for r in answer.records:
        table.add_row(r["item"]["name_zh"], r["document"]["number"], r["document"]["date"],
                      r["source"]["unit"], ", ".join(r["markers"]))
    out.print(table)


inquiries_app = typer.Typer(help="Who inquired about a subject (Art. 34).", no_args_is_help=True)


@inquiries_app.command("of")
@handles_errors
def inquiries_of(subject: str = typer.Argument(..., help="The subject's identifier."),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """List every inquiry about a subject: who, when, for what purpose, under which authorization."""
    with session_scope() as s:
        rows = service.inquiries_about(s, subjects.find(s, subject).id)
    if as_json:
        print_json(rows)
        return
    table = Table("at", "unit", "officer", "purpose", "case", "authorization", "decision", "records")
    for r in rows:
        table.add_row(r["at"], r["by"]["unit"] or r["by"]["role"], r["by"]["officer"] or "",
                      r["purpose"] or "", r["case_no"] or "", str(r["authorization_id"] or ""),
                      f"{r['decision']} [{r['article']}]", str(r["records_returned"]))
    out.print(table)


authorization_app = typer.Typer(help="Subjects' written authorizations (Art. 17.3).", no_args_is_help=True)


@authorization_app.command("grant")
@handles_errors
def grant(
    subject: str = typer.Argument(..., help="The subject giving the authorization."),
    to: str = typer.Option(..., "--to", help="The authorized unit's USCC."),
    items: list[str] = typer.Option(..., "--item", help="A catalog item in scope (repeatable)."),
    purpose: str = typer.Option(..., "--purpose"),
    until: str = typer.Option(..., "--until", help="Last day in force (YYYY-MM-DD)."),
    document: str = typer.Option(..., "--document", help="The written authorization's title or number."),
    restricted: list[str] = typer.Option([], "--restricted", help="An Art. 14.2 kind in scope (repeatable)."),
    adverse_told: bool = typer.Option(False, "--adverse-told", help="The subject was told the possible "
                                      "adverse consequences (Art. 14.2)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Enter a subject's written authorization (the operator's console, on the subject's behalf)."""
    with session_scope() as s:
        subj = subjects.find(s, subject)
        auth = authorizations.grant(s, subject_id=subj.id, unit_uscc=to, items=items, purpose=purpose,
                                    valid_from=today(), valid_until=date.fromisoformat(until),
                                    document=document, actor=CONSOLE, restricted_kinds=restricted,
                                    adverse_consequences_told=adverse_told)
        info = authorizations.of_subject(s, subj.id)
    info = next(a for a in info if a["id"] == auth.id)
    print_json(info) if as_json else out.print(f"authorization {auth.id} granted to {info['unit']['name']}")


@authorization_app.command("withdraw")
@handles_errors
def withdraw(authorization_id: int = typer.Argument(...),
             reason: str = typer.Option("", "--reason")) -> None:
    """Withdraw an authorization (on the subject's behalf)."""
    with session_scope() as s:
        authorizations.withdraw(s, authorization_id=authorization_id, reason=reason, actor=CONSOLE)
    out.print(f"authorization {authorization_id} withdrawn")


@authorization_app.command("notice")
@handles_errors
def publish_notice(
    text_zh: Path = typer.Option(..., "--zh", help="A file with the notice's Chinese text.", exists=True,
                                 dir_okay=False, readable=True),
    text_en: Path = typer.Option(..., "--en", help="A file with the notice's English text.", exists=True,
                                 dir_okay=False, readable=True),
    on: str = typer.Option("", "--on", help="The day it is published (YYYY-MM-DD; default today)."),
) -> None:
    """Publish a new version of the consent notice text subjects are shown before they authorize (Art. 14.2);
    earlier versions are kept, and each authorization names the version it rests on."""
    day = date.fromisoformat(on) if on else today()
    with session_scope() as s:
        notice = authorizations.publish_notice(s, text_zh=text_zh.read_text(encoding="utf-8"),
                                               text_en=text_en.read_text(encoding="utf-8"), published_on=day,
                                               actor=CONSOLE)
        version = notice.version
    out.print(f"consent notice version {version} published on {day.isoformat()}")


@authorization_app.command("list")
@handles_errors
def list_authorizations(subject: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    with session_scope() as s:
        rows = authorizations.of_subject(s, subjects.find(s, subject).id)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "unit", "items", "purpose", "valid", "document", "withdrawn")
    for a in rows:
        table.add_row(str(a["id"]), a["unit"]["name"], ", ".join(a["items"]), a["purpose"],
                      f"{a['valid_from']} – {a['valid_until']}", a["document"], a["withdrawn_at"] or "")
    out.print(table)


@record_app.command("history")
@handles_errors
def history(record_id: int = typer.Argument(...),
            unit: str = typer.Option(None, "--unit", help="The providing unit (USCC): its own records."),
            case: str = typer.Option(None, "--case", help="The Center's open case about the record.")) -> None:
    """A record's change history with reasons, documents and previous contents (Art. 34.1): for the unit that
    provided it, or the Center on a case about it — a logged inquiry."""
    actor = acting_for(unit)
    with session_scope() as s:
        rows = service.record_history(s, actor=actor, record_id=record_id, case_no=case, channel="cli")
    if rows is None:
        from ..errors import NotFound

        raise NotFound(f"no history of record {record_id} that you may see (the provider: --unit; the Center: "
                       "--case with an open case about it)")
    print_json(rows)
