"""``xinyong oversight …``: the oversight register of possible breaches (Art. 19, 20, 49–51), read-only on the
console. The Center cannot edit it: the supervisor records decisions with its own token (the API or the portal's
``/oversight``)."""

from __future__ import annotations

import typer

from ..console import handles_errors, out, print_json
from ..db import session_scope

app = typer.Typer(help="The oversight register of possible breaches (Art. 19, 20, 49–51).", no_args_is_help=True)


@app.command("list")
@handles_errors
def list_entries(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every possible breach with its article, party, competent authority and state."""
    from . import register

    with session_scope() as s:
        rows = register.entries(s)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("the register is empty")
    for e in rows:
        unit = (e["unit"] or {}).get("uscc") or ""
        line = f"{e['key']} [{e['article']}] {e['party']}{' ' + unit if unit else ''} → {e['authority']}: {e['state']}"
        if e["deadline"]:
            line += f" (deadline {e['deadline']})"
        out.print(line)
