"""``xinyong grade SUBJECT``: a subject's grade (Art. 23) from the operator's console, as a logged inquiry."""

from __future__ import annotations

import typer

from ..console import acting_for, handles_errors, out, print_json
from ..db import session_scope
from . import service


@handles_errors
def grade(subject: str = typer.Argument(..., help="USCC (or resident ID number)."),
          unit: str = typer.Option(None, "--unit", help="Ask for this administrative organ (USCC); without it, "
                                                        "as the Center."),
          purpose: str = typer.Option(None, "--purpose", help="The organ's Art. 28 purpose (with --unit)."),
          case: str = typer.Option(None, "--case", help="The Center's case about the subject (Art. 20(1))."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """The grade of a legal person or organization under the published rules, every point explained.

    Every request is an inquiry, allowed or refused, logged before the answer prints, so the subject
    sees it among who inquired (Art. 34): an organ's for its Art. 28 purpose (--unit, --purpose); the
    Center's only while it handles a case about the subject (--case, Art. 20(1)). Records the asker may
    not see count as points only.
    """
    actor = acting_for(unit)
    with session_scope() as s:
        answer, result = service.grade_for_organ(s, actor=actor, subject=subject, purpose=purpose, case_no=case,
                                                 channel="cli")
    answer.raise_if_denied()  # after the commit: the refusal is logged too
    if as_json:
        print_json(result)
        return
    out.print(f"inquiry {answer.inquiry_id} [{answer.article}] {answer.reason}")
    out.print(f"{result['subject']['name']}: grade {result['grade']} (score {result['score']}, "
              f"rules {result['rules']['version']} of {result['rules']['published_on']}) [Art. 23]")
    for c in result["contributions"]:
        if c.get("hidden"):
            out.print(f"  {c['points']:+d}  {c['note']} [{c['article']}]")
            continue
        what = (f"record {c['record_id']} {c['item']['code']} {c['document']['number']}" if c["type"] == "record"
                else f"list entry {c['entry_id']} {c['list']['code']} {c['document']['number']}")
        out.print(f"  {c['points']:+d}  {what}  ({c['rule']['id']} {c['rule']['text']})")
