from __future__ import annotations

import typer

from ..clock import today
from ..console import handles_errors, out, print_json
from .identifiers import parse_identifier

app = typer.Typer(help="Information subjects (Art. 2).", no_args_is_help=True)


@app.command("check")
@handles_errors
def check(code: str = typer.Argument(..., help="A USCC or resident identity card number."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Validate an identifier strictly; print its kind and normalised form, or the exact defect."""
    ident = parse_identifier(code, today=today())
    # masked like the API's answer: a terminal's scroll-back and a script's log are logs too
    shown = ident.masked()
    info = {
        "kind": ident.kind,
        "scheme": ident.scheme,
        "code": shown,
        "normalisations": list(ident.normalisations),
        "region": {"code": ident.region_code, "name": ident.region_name,
                   "abolished": ident.region_abolished},
        "warnings": list(ident.warnings),
    }
    if as_json:
        print_json(info)
        return
    out.print(f"{ident.kind} {shown}")
    for n in ident.normalisations:
        out.print(f"normalised: {n}")
    for w in ident.warnings:
        out.print(f"note: {w}")


@app.command("token")
@handles_errors
def token(code: str = typer.Argument(..., help="The subject's identifier."),
          days: int = typer.Option(90, "--days", help="Days until the token expires."),
          agent: str = typer.Option("", "--agent", help="The agent's name: an organization acts only through "
                                    "an authorized agent; a person may choose one."),
          authorization: str = typer.Option("", "--authorization",
                                            help="The written authorization the agent's token rests on.")) -> None:
    """Issue a token with which a subject (or its authorized agent) sees its own information and signs in to
    the portal (printed once).

    Verifying the person's identity (and the agent's authorization) before this is the operator's duty, at
    the counter, outside the platform.
    """
    from datetime import timedelta

    from .. import tokens
    from ..auth import CONSOLE
    from ..clock import now
    from ..db import session_scope
    from . import service

    with session_scope() as s:
        subject = service.find(s, code)
        _, tok = tokens.issue(s, actor=CONSOLE, label="agent" if agent else "subject", subject=subject,
                              expires_at=now() + timedelta(days=days), agent_name=agent or None,
                              agent_document=authorization or None)
    out.print(tok)
