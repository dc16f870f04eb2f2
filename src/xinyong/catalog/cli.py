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


@app.command("conduct-laws")
@handles_errors
def conduct_laws(code: str = typer.Argument(..., help="The catalog item."),
                 law: str = typer.Option(..., "--law", help="The law or regulation, by its title (《…》 optional)."),
                 articles: list[str] = typer.Option([], "--article", help="An article whose conduct the item records "
                                                    "(repeatable: 第N条, 第N条第M款, N or N.M). None: the law no "
                                                    "longer limits the item."),
                 document: str = typer.Option(..., "--document", help="The document it rests on."),
                 token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Record that a law names the conduct of its field that an item records (Art. 9.3): rows citing the law are
    then aggregated only for those articles (the supervisor, under its own token)."""
    from ..console import identity

    actor = identity(token)
    with session_scope() as s:
        item = service.set_conduct_laws(s, code=code, law=law, articles=articles, document=document, actor=actor)
        laws = dict(item.conduct_laws or {})
    listed = "; ".join(f"{name}: {', '.join(arts)}" for name, arts in laws.items()) or "none"
    out.print(f"catalog item {code}: laws that name its conduct (Art. 9.3): {listed}")


# --- compiling the catalog (Art. 10) ----------------------------------------------------------------------------
_TOKEN_HELP = "The token of who acts (or XINYONG_TOKEN): the proposing unit's, or the supervisor's."


def _day(text: str | None):
    from datetime import date

    from ..clock import today
    from ..errors import InvalidInput

    if not text:
        return today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"not a date (YYYY-MM-DD): {text!r}", field="date") from None


@app.command("propose")
@handles_errors
def propose(item_file: str = typer.Argument(..., help="A JSON file: the item (code, name_zh, name_en, class, "
                                            "article, legal_basis, disclosure, record_format, fields, providers)."),
            reasons: str = typer.Option(..., "--reasons", help="Why the item belongs in the catalog (Art. 10.1)."),
            contested: bool = typer.Option(False, "--contested", help="Opinions differ widely or the social impact "
                                           "may be large: assessed with the supervisor first (Art. 10.1)."),
            token: str = typer.Option(None, "--token", help=_TOKEN_HELP)) -> None:
    """Propose an item for the catalog, with its reasons (a unit, under its own token)."""
    import json
    from pathlib import Path

    from ..console import identity
    from . import compilation

    actor = identity(token)
    item = json.loads(Path(item_file).read_text(encoding="utf-8"))
    with session_scope() as s:
        p = compilation.propose(s, item=item, reasons=reasons, contested=contested, actor=actor)
        number = p.id
    out.print(f"proposal {number} of item {item.get('code')} recorded (Art. 10.1)")


@app.command("propose-retire")
@handles_errors
def propose_retire(code: str = typer.Argument(..., help="The catalog item to take out of the catalog."),
                   reasons: str = typer.Option(..., "--reasons", help="Why the item should leave the catalog."),
                   contested: bool = typer.Option(False, "--contested", help="Opinions differ widely or the social "
                                                  "impact may be large: assessed with the supervisor first."),
                   token: str = typer.Option(None, "--token", help=_TOKEN_HELP)) -> None:
    """Propose to retire an item, with its reasons: it goes through the draft, the public comment and the approval
    as an item going in does; its publication retires the item from that day (platform policy resting on Art. 10)."""
    from ..console import identity
    from . import compilation

    actor = identity(token)
    with session_scope() as s:
        number = compilation.propose(s, item={"code": code}, reasons=reasons, contested=contested, actor=actor,
                                     kind="retire").id
    out.print(f"proposal {number} to retire item {code} recorded (Art. 10.1)")


@app.command("assess")
@handles_errors
def assess(proposal: int = typer.Argument(...), held_on: str = typer.Option(None, "--held-on"),
           representatives: list[str] = typer.Option(..., "--representative", help="Repeatable."),
           experts: list[str] = typer.Option(..., "--expert", help="Repeatable."),
           conclusion: str = typer.Option(..., "--conclusion"),
           token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Record the assessment of a contested proposal: who was heard, the conclusion (Art. 10.1)."""
    from ..console import identity
    from . import compilation

    actor = identity(token)
    with session_scope() as s:
        a = compilation.record_assessment(s, proposal_id=proposal, held_on=_day(held_on),
                                          representatives=representatives, experts=experts, conclusion=conclusion,
                                          actor=actor)
        number = a.id
    out.print(f"assessment {number} of proposal {proposal} recorded")


@app.command("draft")
@handles_errors
def draft(title: str = typer.Argument(...), proposals: list[int] = typer.Option(..., "--proposal"),
          procedures: str = typer.Option(None, "--procedures", help="A text file: the collection procedures and "
                                         "standards published with the catalog (Art. 11.2)."),
          token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Compile proposals into a draft catalog (Art. 10.2)."""
    from pathlib import Path

    from ..console import identity
    from . import compilation

    actor = identity(token)
    text = Path(procedures).read_text(encoding="utf-8") if procedures else None
    with session_scope() as s:
        d = compilation.compile_draft(s, title=title, proposal_ids=proposals, procedures=text, actor=actor)
        number = d.id
    out.print(f"draft {number} compiled from proposals {', '.join(map(str, proposals))}")


@app.command("comment-period")
@handles_errors
def comment_period(draft_id: int = typer.Argument(...), start: str = typer.Option(..., "--from"),
                   end: str = typer.Option(..., "--to"),
                   token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Put a draft out for public comment on the portal (Art. 10.2; at least catalog.comment_min_days)."""
    from ..console import identity
    from . import compilation

    actor = identity(token)
    with session_scope() as s:
        compilation.put_out_for_comment(s, draft_id=draft_id, comment_from=_day(start), comment_to=_day(end),
                                        actor=actor)
    out.print(f"draft {draft_id} is out for public comment: /catalog/drafts/{draft_id}")


@app.command("comment")
@handles_errors
def comment(draft_id: int = typer.Argument(...), received_on: str = typer.Option(None, "--received-on"),
            summary: str = typer.Option(..., "--summary", help="The comment as summarised (nobody named)."),
            token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Record a comment received on a draft during its comment period."""
    from ..console import identity
    from . import compilation

    actor = identity(token)
    with session_scope() as s:
        c = compilation.record_comment(s, draft_id=draft_id, received_on=_day(received_on), summary=summary,
                                       actor=actor)
        number = c.id
    out.print(f"comment {number} on draft {draft_id} recorded")


@app.command("respond")
@handles_errors
def respond(comment_id: int = typer.Argument(...), response: str = typer.Option(..., "--response"),
            token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Answer a comment on a draft: how the draft took it up, or why not."""
    from ..console import identity
    from . import compilation

    actor = identity(token)
    with session_scope() as s:
        compilation.respond(s, comment_id=comment_id, response=response, actor=actor)
    out.print(f"comment {comment_id} answered")


@app.command("approve")
@handles_errors
def approve(draft_id: int = typer.Argument(...), document: str = typer.Option(..., "--document"),
            approved_on: str = typer.Option(None, "--on"),
            token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Record the deliberative body's approval of a draft: its document and day (Art. 10.2)."""
    from ..console import identity
    from . import compilation

    actor = identity(token)
    with session_scope() as s:
        compilation.approve(s, draft_id=draft_id, document=document, approved_on=_day(approved_on), actor=actor)
    out.print(f"draft {draft_id} approved ({document})")


@app.command("publish-draft")
@handles_errors
def publish_draft(draft_id: int = typer.Argument(...), on: str = typer.Option(None, "--on"),
                  token: str = typer.Option(None, "--token", help="The supervisor's token (or XINYONG_TOKEN).")) -> None:
    """Publish an approved draft: its items may be aggregated from that day; the catalog's next version."""
    from ..console import identity
    from . import compilation

    actor = identity(token)
    with session_scope() as s:
        v = compilation.publish(s, draft_id=draft_id, actor=actor, on=_day(on))
        number, codes, retired = v.version, [i["code"] for i in v.items], [i["code"] for i in v.retired or []]
        day = v.published_on.isoformat()
    out.print(f"catalog version {number} published: {', '.join(codes) or '-'}"
              + (f"; retired from {day}: {', '.join(retired)}" if retired else ""))


@app.command("drafts")
@handles_errors
def drafts(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The drafts put out for comment, approved or published, with their comments and responses."""
    from . import compilation

    with session_scope() as s:
        found = compilation.public_drafts(s)
    if as_json:
        print_json(found)
        return
    for d in found:
        out.print(f"draft {d['id']} {d['title']}: {d['state']}, {len(d['comments'])} comment(s)"
                  + (f", version {d['version']}" if d["version"] else ""))
