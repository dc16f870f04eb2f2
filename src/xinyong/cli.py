"""``xinyong``: the operator's console on the platform's own machine."""

from __future__ import annotations

import typer

from .audit.cli import app as audit_app
from .catalog.cli import app as catalog_app
from .inquiry.cli import authorization_app, inquire, inquiries_app
from .keys import app as keys_app
from .console import handles_errors, out
from .grading.cli import grade as grade_command
from .law.cli import app as law_app
from .listing.cli import app as listing_app
from .measure.cli import app as measure_app
from .measure.cli import check as check_command
from .objection.cli import app as objection_app
from .record.cli import import_file, purge, record_app
from .report.cli import report
from .subject.cli import app as subject_app
from .unit.cli import app as unit_app

app = typer.Typer(
    help="xinyong — Public Credit Information Service Platform (上海市社会信用条例).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(ctx: typer.Context,
          console_reason: str = typer.Option(None, "--console-reason", envvar="XINYONG_CONSOLE_REASON",
                                             help="Why the console acts for a unit (--unit): recorded with the act "
                                             "and shown to the supervisor.")) -> None:
    from .console import set_invocation

    set_invocation(reason=console_reason, command=f"xinyong {ctx.invoked_subcommand or ''}".strip())


db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(law_app, name="law", help="The law kernel: articles, parameters, working days.")
app.add_typer(subject_app, name="subject")
app.add_typer(unit_app, name="unit")
app.add_typer(catalog_app, name="catalog")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.command("import")(import_file)
app.add_typer(record_app, name="record")
app.command("purge")(purge)
app.command("inquire")(inquire)
app.add_typer(inquiries_app, name="inquiries")
app.add_typer(authorization_app, name="authorization")
app.command("report")(report)
app.add_typer(objection_app, name="objection")
app.add_typer(measure_app, name="measure")
app.add_typer(listing_app, name="listing")
app.command("check")(check_command)
app.command("grade")(grade_command)


@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Apply every migration (creates the schema and the default catalog)."""
    from .db import get_engine
    from .migrations import current, upgrade

    engine = get_engine()
    upgrade(engine)
    out.print(f"database at revision {current(engine)}")


@app.command("serve")
def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          workers: int = typer.Option(1, "--workers")) -> None:
    """Serve the HTTP API (/api/v1, docs at /docs) and the portal."""
    import uvicorn

    from . import logmask

    logmask.install()
    # uvicorn rebuilds its loggers from this (in every worker): the access and error logs mask ID numbers
    log_config = logmask.uvicorn_log_config()
    if workers > 1:
        uvicorn.run("xinyong.app:create_served_app", factory=True, host=host, port=port, workers=workers,
                    log_config=log_config)
    else:
        from .app import create_served_app

        uvicorn.run(create_served_app(), host=host, port=port, log_config=log_config)


@app.command("demo")
@handles_errors
def demo(records: int = typer.Option(5000, "--records", help="How many records to generate."),
         seed: int = typer.Option(20171001, "--seed")) -> None:
    """Build a realistic synthetic data set (seeded, repeatable) through the real importer."""
    from .demo.load import load_demo

    load_demo(records=records, seed=seed, echo=out.print)


def main() -> None:
    import sys

    from . import logmask

    logmask.install()
    try:
        app()
    except Exception as exc:  # noqa: BLE001
        # Typer puts its own sys.excepthook back on every call (the plain traceback): print it masked here
        logmask.excepthook(type(exc), exc, exc.__traceback__)
        sys.exit(1)


if __name__ == "__main__":
    main()
