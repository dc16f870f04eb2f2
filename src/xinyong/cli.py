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
from .ops.cli import backup as ops_backup
from .ops.cli import restore as ops_restore
from .record.cli import import_file, purge, record_app
from .worker import worker_command
from .report.cli import report
from .restoration.cli import app as restoration_app
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
    _interrupted_batches(ctx.invoked_subcommand)


# Commands that never open the database: no look for interrupted batches before them.
_NO_DATABASE = {None, "law", "db", "subject", "keys",
                "restore"}  # restore: its keys go in place before the settings are read (ops.backup)


def _interrupted_batches(command: str | None) -> None:
    """At the start of a command that touches the database: batches whose process died (their lease
    lapsed) are marked interrupted (``record.queue``): one indexed statement when there are none."""
    if command in _NO_DATABASE:
        return
    from .config import get_settings
    from .db import get_engine
    from .record import queue

    url = get_settings().database_url
    if url.startswith("sqlite:///") and not __import__("os").path.exists(url.removeprefix("sqlite:///")):
        return  # no database yet: nothing to look at (and none created here)
    for batch_id in queue.sweep_quietly(get_engine()):
        from .console import err

        err.print(f"notice: batch {batch_id} was interrupted (its process stopped before it finished); "
                  + queue.RESUME_HINT.format(id=batch_id), markup=False)


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
app.command("worker")(worker_command)
app.command("inquire")(inquire)
app.add_typer(inquiries_app, name="inquiries")
app.add_typer(authorization_app, name="authorization")
app.command("report")(report)
app.add_typer(objection_app, name="objection")
app.add_typer(measure_app, name="measure")
app.add_typer(listing_app, name="listing")
app.add_typer(restoration_app, name="restoration")
app.command("check")(check_command)
app.command("grade")(grade_command)
app.command("backup")(ops_backup)
app.command("restore")(ops_restore)


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
@handles_errors
def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          workers: int = typer.Option(1, "--workers"),
          worker: bool = typer.Option(None, "--worker/--no-worker",
                                      help="Start one `xinyong worker` beside the server (imports, scheduled "
                                      "jobs), stopped with it. Default: on with the embedded SQLite database; "
                                      "with PostgreSQL run the worker as a service of its own.")) -> None:
    """Serve the HTTP API (/api/v1, docs at /docs) and the portal."""
    _worker_beside(worker)
    import uvicorn

    from . import logmask

    logmask.install()
    # uvicorn rebuilds its loggers from this (in every worker): the access and error logs mask ID numbers
    log_config = logmask.uvicorn_log_config()
    from .guard.limiter import check_workers

    check_workers(workers)  # several workers count rate limits together only in Redis (XINYONG_REDIS_URL)
    # proxy_headers=False: the client's address is decided in one place, the guard, from the socket peer and
    # X-Forwarded-For through XINYONG_TRUSTED_PROXIES only (uvicorn would otherwise believe 127.0.0.1's).
    if workers > 1:
        from .config import get_settings
        from .ops.metrics import prepare_multiprocess

        # the workers' counters in one place, summed by /metrics (ops.metrics); emptied at every start
        prepare_multiprocess(__import__("os").environ.get("PROMETHEUS_MULTIPROC_DIR")
                             or get_settings().var_dir / "metrics")
        uvicorn.run("xinyong.app:create_served_app", factory=True, host=host, port=port, workers=workers,
                    log_config=log_config, proxy_headers=False)
    else:
        from .app import create_served_app

        uvicorn.run(create_served_app(), host=host, port=port, log_config=log_config, proxy_headers=False)


def _worker_beside(wanted: bool | None) -> None:
    """``xinyong worker`` as a child process of the server (the embedded default): queued batches are
    imported outside the web process; the child stops when the server exits (or dies: --stop-with-parent)."""
    import atexit
    import subprocess
    import sys

    from .config import get_settings

    if wanted is None:
        wanted = get_settings().database_url.startswith("sqlite")
    if not wanted:
        return
    child = subprocess.Popen([sys.executable, "-m", "xinyong.cli", "worker", "--stop-with-parent"],
                             preexec_fn=_term_with_parent)
    out.print(f"worker started beside the server (pid {child.pid})")

    def stop() -> None:
        if child.poll() is None:
            child.terminate()  # the worker finishes its chunk and hands its batch back to the queue
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()

    atexit.register(stop)


def _term_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """Linux: the worker gets SIGTERM when the server's process ends, however it ends (uvicorn re-raises the
    signal it stopped on, so the server's atexit handlers may never run); elsewhere --stop-with-parent."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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
