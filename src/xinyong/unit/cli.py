from __future__ import annotations

import typer
from rich.table import Table

from ..clock import today
from ..console import acting_for, handles_errors, out, print_json
from ..db import session_scope
from . import service

app = typer.Typer(help="Units: providers and inquirers (Art. 8, 11, 17, 19).", no_args_is_help=True)


@app.command("add")
@handles_errors
def add(
    name: str = typer.Argument(..., help="The unit's name."),
    kind: str = typer.Option(..., "--kind", help="administrative, judicial, public-enterprise, "
                             "public-institution, credit-service, enterprise, operator, supervisor"),
    uscc: str = typer.Option(..., "--uscc", help="The unit's Unified Social Credit Code."),
    provides: list[str] = typer.Option([], "--provides", help="A catalog item it may provide (repeatable)."),
    inquires: list[str] = typer.Option([], "--inquires", help="An item on its published inquiry list (repeatable)."),
    purposes: list[str] = typer.Option([], "--purposes", help="An Art. 28 purpose of that list (repeatable)."),
    lists: list[str] = typer.Option([], "--lists", help="A list (code or id) on its published inquiry list (repeatable)."),
    subkind: str = typer.Option(None, "--subkind", help="A judicial organ's kind: court | procuratorate."),
    mandate: str = typer.Option(None, "--mandate", help="Art. 28.2: the law or regulation giving the unit "
                                "public-affairs functions."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a unit and print its bearer token once (only its digest is stored)."""
    from ..auth import CONSOLE

    with session_scope() as s:
        created, token = service.add_unit(
            s, name=name, kind=kind, uscc=uscc, provides=provides, inquires=inquires,
            purposes=purposes, lists=lists, subkind=subkind, mandate=mandate, published_on=today(), actor=CONSOLE,
        )
        info = service.describe(created, s)
    if as_json:
        print_json({**info, "token": token})
        return
    out.print(f"registered {info['name']} ({info['kind']}, {info['uscc']})")
    out.print(f"token (shown once, keep it safe): {token}")


@app.command("list")
@handles_errors
def list_units(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the registered units."""
    with session_scope() as s:
        units = [service.describe(u) for u in service.list_units(s)]
    if as_json:
        print_json(units)
        return
    table = Table("USCC", "name", "kind", "provides", "inquiry list")
    for u in units:
        table.add_row(u["uscc"], u["name"], u["kind"], ", ".join(u["provides"]),
                      ", ".join(f"{q['item']}/{q['purpose']}" for q in u["inquiry_list"]))
    out.print(table)


@app.command("token")
@handles_errors
def token(uscc: str = typer.Argument(..., help="The unit's USCC."),
          label: str = typer.Option("console", "--label")) -> None:
    """Issue another bearer token for a unit (printed once)."""
    from ..auth import CONSOLE

    with session_scope() as s:
        tok = service.issue_token(s, unit=service.get_by_uscc(s, uscc), label=label, actor=CONSOLE)
    out.print(tok)


@app.command("inquiry-list")
@handles_errors
def inquiry_list(
    uscc: str = typer.Argument(..., help="The organ's USCC."),
    items: list[str] = typer.Option([], "--inquires", help="An item on its published inquiry list (repeatable)."),
    lists: list[str] = typer.Option([], "--lists", help="A list (code or id) on it (repeatable)."),
    purposes: list[str] = typer.Option(..., "--purposes", help="An Art. 28 purpose of that list (repeatable)."),
    published_on: str = typer.Option(None, "--published-on", help="The day the organ published it (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Enter the list an organ published (Art. 17.2), replacing the one in force (the console, for the organ)."""
    from datetime import date

    actor = acting_for(uscc)
    with session_scope() as s:
        unit = service.publish_inquiry_list(s, unit=service.get_by_uscc(s, uscc), items=items, lists=lists,
                                            purposes=purposes,
                                            published_on=date.fromisoformat(published_on) if published_on else today(),
                                            actor=actor)
        info = service.describe(unit, s)
    if as_json:
        print_json(info)
        return
    out.print(f"{info['name']}: {len(info['inquiry_list'])} item pair(s), {len(info['inquiry_lists'])} list pair(s)")


@app.command("officer")
@handles_errors
def officer(
    unit: str = typer.Argument(..., help="The unit's USCC."),
    staff_no: str = typer.Argument(..., help="The officer's staff number."),
    name: str = typer.Argument(..., help="The officer's name."),
    items: list[str] = typer.Option([], "--items", help="Limit to these items of the unit's list."),
    purposes: list[str] = typer.Option([], "--purposes", help="Limit to these purposes of the unit's list."),
    expires: str = typer.Option(None, "--expires", help="The token's expiry (YYYY-MM-DD)."),
) -> None:
    """Add an officer with query rights within the unit's (Art. 19(2)); prints their token once."""
    from datetime import date

    from ..auth import CONSOLE
    from ..clock import start_of

    with session_scope() as s:
        _, tok = service.add_officer(
            s, unit=service.get_by_uscc(s, unit), staff_no=staff_no, name=name, items=items or None,
            purposes=purposes or None, expires_at=start_of(date.fromisoformat(expires)) if expires else None,
            actor=CONSOLE)
    out.print(tok)


@app.command("revoke-token")
@handles_errors
def revoke_token(token_id: int = typer.Argument(..., help="The token's id (see the audit log).")) -> None:
    """Revoke a token at once."""
    from .. import tokens
    from ..auth import CONSOLE

    with session_scope() as s:
        tokens.revoke(s, token_id=token_id, actor=CONSOLE)
    out.print(f"token {token_id} revoked")
