from __future__ import annotations

import typer
from rich.table import Table

from ..console import handles_errors, out, print_json
from ..db import session_scope
from . import service

app = typer.Typer(help="The public credit information catalog (Art. 9–11).", no_args_is_help=True)


@app.command("list")
@handles_errors
def list_items(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the catalog's items: code, names, class, disclosure level, declared fields and state."""
    with session_scope() as s:
        items = [service.describe(i) for i in service.list_items(s)]
    if as_json:
        print_json(items)
        return
    table = Table("code", "名称", "name", "class", "article", "disclosure", "fields", "state")
    for i in items:
        fields = ", ".join(i["fields"]) if i["fields"] is not None else f"{i['record_format']} columns"
        table.add_row(i["code"], i["name_zh"], i["name_en"], i["class"], i["article"], i["disclosure"],
                      fields, i["state"])
    out.print(table)
