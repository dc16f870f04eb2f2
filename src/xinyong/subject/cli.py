from __future__ import annotations

import typer

from ..clock import today
from ..console import echo, handles_errors, out, print_json
from .identifiers import parse_identifier

app = typer.Typer(help="Information subjects (Art. 2).", no_args_is_help=True)


@app.command("check")
def check(codes: list[str] = typer.Argument(None, help="Identifiers (USCC or resident ID). Prefer --file: "
                                             "arguments stay in the shell's history and in the process list."),
          file: str = typer.Option("", "--file", "-f", help="Read identifiers from this file, one a line "
                                   "('-': standard input, e.g. a spreadsheet column pasted or piped)."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Validate identifiers strictly (Art. 2): for each, its kind and normalised form, or the exact defect.

    One identifier as an argument prints its details. Many (arguments, ``--file FILE``, or ``--file -`` /
    a pipe on standard input) print one line each, ``N: valid KIND CODE`` or ``N: invalid: DEFECT [Art. 2]``,
    N being the line (or argument) number; the exit code is 3 when any is invalid. Natural persons' numbers
    are shown masked: a terminal's scroll-back and a script's log are logs too.
    """
    import sys

    lines: list[str]
    if file:
        lines = _read_lines(file)
    elif codes:
        lines = list(codes)
    elif not sys.stdin.isatty():
        lines = _read_lines("-")
    else:
        raise typer.BadParameter("give identifiers as arguments, or --file FILE (or - for standard input)")
    if len(lines) == 1 and codes and not file:
        _check_one(lines[0], as_json)
        return
    _check_many(lines, as_json)


def _read_lines(path: str) -> list[str]:
    import sys
    from pathlib import Path

    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # what a spreadsheet saves
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise typer.BadParameter("the input is neither UTF-8 nor GB18030 text")
    return [line.strip().strip('"') for line in text.splitlines()]


def _describe(code: str) -> dict:
    ident = parse_identifier(code, today=today())
    return {
        "kind": ident.kind,
        "scheme": ident.scheme,
        "code": ident.masked(),  # masked like the API's answer
        "normalisations": list(ident.normalisations),
        "region": {"code": ident.region_code, "name": ident.region_name,
                   "abolished": ident.region_abolished},
        "warnings": list(ident.warnings),
    }


@handles_errors
def _check_one(code: str, as_json: bool) -> None:
    info = _describe(code)
    if as_json:
        print_json(info)
        return
    echo(f"{info['kind']} {info['code']}")
    for n in info["normalisations"]:
        echo(f"normalised: {n}")
    for w in info["warnings"]:
        echo(f"note: {w}")


def _check_many(lines: list[str], as_json: bool) -> None:
    from ..errors import DomainError
    from ..logmask import mask_text

    results = []
    for n, code in enumerate(lines, start=1):
        if not code:
            continue  # a blank line of a pasted column
        try:
            results.append({"line": n, "valid": True, **_describe(code)})
        except DomainError as exc:
            # the defect names the wrong character or region, never the whole number
            results.append({"line": n, "valid": False, "defect": mask_text(exc.message), "article": exc.article})
    if as_json:
        print_json(results)
    else:
        for r in results:
            if r["valid"]:
                notes = "".join(f"; {x}" for x in (*r["normalisations"], *r["warnings"]))
                echo(f"{r['line']}: valid {r['kind']} {r['code']}{notes}")
            else:
                echo(f"{r['line']}: invalid: {r['defect']} [{r['article']}]")
    if any(not r["valid"] for r in results):
        raise typer.Exit(3)


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


# --- the life of a subject (issue 13 §6) ------------------------------------------------------------------


def _day(text: str, what: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{what}: a date YYYY-MM-DD") from None


def _print_change(view: dict) -> None:
    other = view["other_subject"]
    line = f"change {view['id']}: subject #{view['subject_id']} {view['kind']}"
    if view["old_value"] or view["new_value"]:
        line += f" {view['old_value'] or ''} → {view['new_value'] or ''}"
    if other:
        line += f" (with #{other['id']} {other['name']} {other['identifier']})"
    line += f", on {view['doc_org']} {view['doc_no']} of {view['doc_date']}, effective {view['effective_on']}"
    out.print(line, markup=False)


@app.command("change")
@handles_errors
def change(kind: str = typer.Argument(..., help="name_changed | identifier_changed | former_identifier | "
                                      "deregistered"),
           subject: str = typer.Option(..., "--subject", help="Any identifier of the subject."),
           unit: str = typer.Option(..., "--unit", help="The providing unit's USCC (with xinyong "
                                    "--console-reason)."),
           doc_no: str = typer.Option(..., "--doc-no", help="The document's number."),
           doc_date: str = typer.Option(..., "--doc-date", help="The document's date (YYYY-MM-DD)."),
           doc_org: str = typer.Option(..., "--doc-org", help="The authority that issued the document."),
           effective_on: str = typer.Option("", "--effective-on", help="The day it took effect (default: the "
                                            "document's date)."),
           new_name: str = typer.Option("", "--new-name"),
           new_identifier: str = typer.Option("", "--new-identifier"),
           former_identifier: str = typer.Option("", "--former-identifier", help="An old organization code or "
                                                 "15-digit resident ID number."),
           reason: str = typer.Option("", "--reason"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Record a change of a subject provided by a unit with its document (Art. 11): its new name, its new
    identifier, a former identifier, its deregistration. The subject stays one subject, found by any of its
    identifiers."""
    from ..console import acting_for
    from ..db import session_scope
    from . import service

    who = acting_for(unit)
    with session_scope() as s:
        row = service.record_change(s, actor=who, subject=subject, kind=kind, doc_no=doc_no,
                                    doc_date=_day(doc_date, "--doc-date"), doc_org=doc_org,
                                    effective_on=_day(effective_on, "--effective-on") if effective_on else None,
                                    reason=reason or None, new_name=new_name or None,
                                    new_identifier=new_identifier or None,
                                    former_identifier=former_identifier or None)
        view = service.change_view(s, row)
    print_json(view) if as_json else _print_change(view)


@app.command("merge")
@handles_errors
def merge(absorbed: str = typer.Option(..., "--absorbed", help="The subject merged into the other."),
          into: str = typer.Option(..., "--into", help="The subject that continues."),
          doc_no: str = typer.Option(..., "--doc-no", help="The registration authority's document number."),
          doc_date: str = typer.Option(..., "--doc-date"),
          doc_org: str = typer.Option(..., "--doc-org", help="The registration authority."),
          reason: str = typer.Option(..., "--reason", help="The decision's reason."),
          effective_on: str = typer.Option("", "--effective-on"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """The operator's recorded decision that one subject merged into another: the absorbed one stays, deregistered,
    with its records; both histories name the other. Never done automatically."""
    from ..auth import CONSOLE
    from ..db import session_scope
    from . import service

    with session_scope() as s:
        rows = service.merge(s, actor=CONSOLE, absorbed=absorbed, into=into, doc_no=doc_no,
                             doc_date=_day(doc_date, "--doc-date"), doc_org=doc_org, reason=reason,
                             effective_on=_day(effective_on, "--effective-on") if effective_on else None)
        views = [service.change_view(s, r) for r in rows]
    if as_json:
        print_json(views)
    else:
        for v in views:
            _print_change(v)


@app.command("split")
@handles_errors
def split(source: str = typer.Option(..., "--source", help="The subject that split."),
          new: str = typer.Option(..., "--new", help="The identifier of the subject split from it."),
          new_name: str = typer.Option(..., "--new-name"),
          doc_no: str = typer.Option(..., "--doc-no"),
          doc_date: str = typer.Option(..., "--doc-date"),
          doc_org: str = typer.Option(..., "--doc-org", help="The registration authority."),
          reason: str = typer.Option(..., "--reason", help="The decision's reason."),
          source_ends: bool = typer.Option(False, "--source-ends", help="The source was dissolved (新设分立)."),
          effective_on: str = typer.Option("", "--effective-on"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """The operator's recorded decision that a subject split from another. Never done automatically."""
    from ..auth import CONSOLE
    from ..db import session_scope
    from . import service

    with session_scope() as s:
        rows = service.split(s, actor=CONSOLE, source=source, new=new, new_name=new_name, doc_no=doc_no,
                             doc_date=_day(doc_date, "--doc-date"), doc_org=doc_org, reason=reason,
                             source_ends=source_ends,
                             effective_on=_day(effective_on, "--effective-on") if effective_on else None)
        views = [service.change_view(s, r) for r in rows]
    if as_json:
        print_json(views)
    else:
        for v in views:
            _print_change(v)
