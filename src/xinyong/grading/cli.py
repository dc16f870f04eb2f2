"""``xinyong grade SUBJECT``: a subject's grade (Art. 23) from the operator's console."""

from __future__ import annotations

import typer

from ..console import handles_errors, out, print_json
from ..db import session_scope
from . import service


@handles_errors
def grade(subject: str = typer.Argument(..., help="USCC (or resident ID number)."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """The grade of a legal person or organization under the published rules, every point explained."""
    with session_scope() as s:
        result = service.grade(s, subject_id=service.find_subject(s, subject).id)
    if as_json:
        print_json(result)
        return
    out.print(f"{result['subject']['name']}: grade {result['grade']} (score {result['score']}, "
              f"rules {result['rules']['version']} of {result['rules']['published_on']}) [Art. 23]")
    for c in result["contributions"]:
        what = (f"record {c['record_id']} {c['item']['code']} {c['document']['number']}" if c["type"] == "record"
                else f"list entry {c['entry_id']} {c['list']['code']} {c['document']['number']}")
        out.print(f"  {c['points']:+d}  {what}  ({c['rule']['id']} {c['rule']['text']})")
