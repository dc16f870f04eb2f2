"""``xinyong report``: issue a credit report, or show an issued one again in another format."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..console import acting_for, err, handles_errors, print_json
from ..db import session_scope
from ..errors import InvalidInput
from ..subject import service as subjects
from . import render, service


@handles_errors
def report(
    subject: str = typer.Argument(..., help="The subject's USCC or resident ID number; or 'show' / 'list'."),
    number: str = typer.Argument(None, help="With 'show': the report number. With 'list': the subject."),
    fmt: str = typer.Option("json", "--format", help="json | html | pdf"),
    out_file: Path = typer.Option(None, "--out", help="Write to this file (PDF needs it)."),
    unit: str = typer.Option(None, "--unit", help="Issue to this administrative organ (USCC), Art. 28/41."),
    purpose: str = typer.Option(None, "--purpose", help="The organ's Art. 28 purpose (with --unit)."),
) -> None:
    """Issue a subject's credit report (Art. 34; an organ's with --unit/--purpose, Art. 41).

    Without --unit the console issues the subject's own report on its behalf (it counts among a
    natural person's free reports). ``report show NUMBER`` renders an issued report again (no count);
    ``report list SUBJECT`` lists a subject's issued reports.
    """
    fmt = service.check_format(fmt)
    if subject in ("show", "list"):
        if not number:
            raise InvalidInput(f"report {subject} needs a {'report number' if subject == 'show' else 'subject'}")
        if subject == "list":
            with session_scope() as s:
                print_json(service.listing(s, subjects.find(s, number).id))
            return
        with session_scope() as s:
            snapshot = service.get(s, number, actor=acting_for(unit))
        _emit(snapshot, fmt, out_file)
        return
    if fmt == "pdf":
        if out_file is None:
            raise InvalidInput("a PDF report needs --out FILE", field="out")
        from .pdf import find_font

        find_font()  # a missing font fails before anything is counted
    if unit and not purpose:
        raise InvalidInput("an organ's report names its purpose (--purpose, an Art. 28 code)", article="Art. 28.1")
    with session_scope() as s:
        if unit:
            issued = service.issue(s, actor=acting_for(unit), subject=subject, purpose=purpose)
        else:
            target = subjects.find(s, subject)
            issued = service.issue(s, actor=service.on_behalf_of(target.id))
    issued.answer.raise_if_denied()
    _emit(issued.snapshot, fmt, out_file)


def _emit(snapshot: dict, fmt: str, out_file: Path | None) -> None:
    if fmt == "pdf" and out_file is None:
        raise InvalidInput("a PDF report needs --out FILE", field="out")
    if out_file is None:
        if fmt == "json":
            print_json(snapshot)
        else:
            sys.stdout.write(render.to_html(snapshot))
        return
    out_file.write_bytes(render.render(snapshot, fmt))
    ch = snapshot["charge"]
    state = "free" if ch["counted_free"] else (f"chargeable {ch['fee_yuan']} yuan" if ch["chargeable"]
                                               else "not charged to the subject")
    err.print(f"report {snapshot['number']} ({state}, {ch['article']}) written to {out_file}", markup=False)
