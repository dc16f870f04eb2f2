"""``xinyong exchange …``: sharing with the national credit information sharing platform, other provinces' platforms
and the city's other systems (Art. 7, 12, 16), as signed files in the national formats (docs/exchange.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..auth import CONSOLE
from ..console import handles_errors, out, print_json
from ..db import get_engine, session_scope
from . import keys, service

app = typer.Typer(help="Exchange with other credit information platforms (Art. 7, 12, 16): signed exports in the "
                  "national formats, and imports of theirs.", no_args_is_help=True)
partner_app = typer.Typer(help="The partner platforms.", no_args_is_help=True)
app.add_typer(partner_app, name="partner")


@app.command("key")
@handles_errors
def key(as_json: bool = typer.Option(False, "--json")) -> None:
    """The platform's public keys, for the partners to register: the one its manifests are signed with, and the
    one they seal natural persons' numbers to."""
    k = keys.platform_keys()
    doc = {"verify_key": k.verify_key, "seal_key": k.seal_key}
    if as_json:
        print_json(doc)
        return
    out.print(f"verify key (Ed25519, signs the manifests): {k.verify_key}", markup=False)
    out.print(f"seal key (X25519, numbers sealed to this platform): {k.seal_key}", markup=False)


@partner_app.command("add")
@handles_errors
def partner_add(name: str = typer.Argument(..., help="The partner platform's name."),
                kind: str = typer.Option(..., "--kind", help="national (Art. 12) | province (Art. 7.2) | city "
                                         "(a system of the city's, Art. 16.1)"),
                uscc: str = typer.Option(..., "--uscc", help="The USCC of the body that runs it."),
                region: str = typer.Option(..., "--region", help="Its ISO 3166 region (CN, CN-ZJ, …)."),
                verify_key: str = typer.Option(..., "--verify-key", help="Its Ed25519 public key (base64)."),
                seal_key: str = typer.Option(..., "--seal-key", help="Its X25519 public key (base64)."),
                items: str = typer.Option("penalty,licence", "--items",
                                          help="Catalog items its exports may carry, comma-separated."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Register a partner platform (a recipient outside the mainland is refused). Prints its unit's token once:
    it uses it for the exchange API."""
    with session_scope() as s:
        p, token = service.add_partner(s, name=name, kind=kind, uscc=uscc, region=region, verify_key=verify_key,
                                       seal_key=seal_key, items=[i.strip() for i in items.split(",") if i.strip()],
                                       actor=CONSOLE)
        doc = {"name": p.name, "region": p.region, "unit_id": p.unit_id, "token": token}
    if as_json:
        print_json(doc)
        return
    out.print(f"partner {doc['name']} ({doc['region']}) registered; its token (shown once): {token}", markup=False)


@partner_app.command("list")
@handles_errors
def partner_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """The partner platforms, with the watermark of the last export to each."""
    with session_scope() as s:
        rows = service.partners(s)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("no partner platforms")
    for r in rows:
        last = r["last_export"]
        out.print(f"{r['name']} ({r['kind']}, {r['basis']}; {r['region']}, {r['uscc']}): last export "
                  + (f"#{last['id']} on {last['created_on']}, watermark {last['watermark']}" if last else "none"),
                  markup=False)


@app.command("export")
@handles_errors
def export(directory: Path = typer.Argument(..., help="A new (or empty) directory for the files."),
           recipient: str = typer.Option(..., "--recipient", help="The partner platform's name."),
           recipient_region: str = typer.Option(..., "--recipient-region",
                                                help="Its ISO 3166 region; CN is the mainland. Outside it: refused."),
           since: str = typer.Option(None, "--since", metavar="WATERMARK",
                                     help="Only what came or changed after this watermark (the last manifest's)."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Export what the recipient may receive, since a watermark: records in the national formats, the acts done
    on records, objections. Every subject whose information leaves is logged as an inquiry before the files are
    in place; the manifest is signed with the platform's key."""
    upto = service.watermark_now(get_engine())  # its own short transaction: imports are held up only while it runs
    with session_scope() as s:
        result = service.export(s, recipient=recipient, region=recipient_region, since=since, actor=CONSOLE,
                                directory=directory, channel="cli", upto=upto)
    try:
        result.publish()
    finally:
        result.discard()
    m = result.manifest
    if as_json:
        print_json({"export_id": result.export_id, "directory": str(directory), "since": m["since"],
                    "watermark": m["watermark"], "counts": m["counts"], "catalog_version": m["catalog_version"]})
        return
    counts = ", ".join(f"{n} {c:,}" for n, c in m["counts"].items()) or "nothing new"
    out.print(f"export #{result.export_id} to {recipient} in {directory}: {counts}", markup=False)
    out.print(f"watermark {m['watermark']} (give it as --since next time)", markup=False)


@app.command("import")
@handles_errors
def import_(directory: Path = typer.Argument(..., help="The partner's export directory."),
            sender: str = typer.Option(..., "--from", help="The partner platform's name."),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """Import a partner platform's export: verified against its key, its records through the importer as its
    unit (the same catalog and field filters as any file), their provenance kept, its acts carried out. Exit 0;
    3 when some rows were rejected (the batches list them)."""
    body, signature, files = service.read_bundle(directory)
    result = service.import_export(get_engine(), sender=sender, body=body, signature=signature, files=files,
                                   actor=CONSOLE)
    summary = result.summary()
    if as_json:
        print_json(summary)
    elif result.already_imported:
        out.print(f"already imported (import #{result.import_id}): nothing changed", markup=False)
    else:
        for name, f in result.files.items():
            out.print(f"{name}: {f['rows']:,} rows — accepted {f['accepted']:,}, already present "
                      f"{f['already_present']:,}, rejected {f['rejected']:,} (batch {f['batch_id']})", markup=False)
        if result.changes:
            out.print("acts carried out: " + ", ".join(f"{k} {v}" for k, v in sorted(result.changes.items())),
                      markup=False)
        if result.objections or result.decisions:
            out.print(f"objections received {result.objections}, decisions received {result.decisions}",
                      markup=False)
        for n in result.notices:
            out.print(f"notice: {n}", markup=False)
    raise typer.Exit(result.exit_code)
