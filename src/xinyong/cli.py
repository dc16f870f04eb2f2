"""``xinyong``: the operator's console on the platform's own machine."""

from __future__ import annotations

from typing import Any, NamedTuple

import typer
from typer.core import TyperGroup

from .console import handles_errors, out


class Lazy(NamedTuple):
    """A sub-command imported only when it runs (click's "lazy loading subcommands"): its module, the
    attribute (a ``typer.Typer`` group or a command function) and its one-line help, which ``xinyong --help``
    lists without importing the module (tests/test_cli_startup.py holds it to the command's own help)."""

    module: str
    attribute: str
    help: str
    help_given_here: bool = False  # a group's help set here, not by its own Typer (``add_typer(help=...)``)


# In the order ``xinyong --help`` lists them (Typer's: commands, then groups).
COMMANDS: dict[str, Lazy] = {
    "import": Lazy("xinyong.record.cli", "import_file",
                   "Import a provider's file. Exit 0 all accepted, 3 some rejected, 4 nothing usable."),
    "purge": Lazy("xinyong.deletion", "purge_command",
                  "Delete revoked records (Art. 37) and list entries revoked on remedy (Art. 25.3) from the "
                  "database.\nSafe to run from cron (or let `xinyong worker` run it daily); reports late "
                  "deletions (exit 5)."),
    "worker": Lazy("xinyong.worker", "worker_command",
                   "Import queued batches and run the scheduled work (purge, seal, reminders, retention). Exit 0; "
                   "with\n--once, 1 when a job failed and 5 when a deletion was late (as xinyong purge)."),
    "inquire": Lazy("xinyong.inquiry.cli", "inquire",
                    "Inquire about a subject. Every inquiry, allowed or denied, is logged before the answer "
                    "prints."),
    "report": Lazy("xinyong.report.cli", "report",
                   "Issue a subject's credit report (Art. 34; an organ's with --unit/--purpose, Art. 41)."),
    "check": Lazy("xinyong.measure.cli", "check",
                  "Before a decision: the announced measures the organ implements that apply, with their basis "
                  "and grounds\n(each subject an inquiry). Exit 0; 3 when some identifiers were not valid (the "
                  "others were checked)."),
    "grade": Lazy("xinyong.grading.cli", "grade",
                  "The grade of a legal person or organization under the published rules, every point "
                  "explained."),
    "backup": Lazy("xinyong.ops.cli", "backup",
                   "Back up the database with what it cannot live without (checkpoints, calendar years, stored "
                   "copies)."),
    "restore": Lazy("xinyong.ops.cli", "restore",
                    "Restore a backup into the configured database and var directory, then delete again what was "
                    "deleted\nsince (Art. 37) before anything is served."),
    "serve": Lazy("xinyong.cli", "serve", "Serve the HTTP API (/api/v1, docs at /docs) and the portal."),
    "demo": Lazy("xinyong.cli", "demo",
                 "Build a realistic synthetic data set (seeded, repeatable) through the real importer."),
    "db": Lazy("xinyong.cli", "db_app", "The database."),
    "law": Lazy("xinyong.law.cli", "app", "The law kernel: articles, parameters, working days.",
                help_given_here=True),
    "subject": Lazy("xinyong.subject.cli", "app", "Information subjects (Art. 2)."),
    "unit": Lazy("xinyong.unit.cli", "app", "Units: providers and inquirers (Art. 8, 11, 17, 19)."),
    "catalog": Lazy("xinyong.catalog.cli", "app", "The public credit information catalog (Art. 9–11)."),
    "audit": Lazy("xinyong.audit.cli", "app",
                  "The audit log: seal it into signed checkpoints, verify it (Art. 20(2))."),
    "keys": Lazy("xinyong.keys", "app",
                 "The data key ring: encryption at rest of ID numbers and stored files (docs/keys.md)."),
    "record": Lazy("xinyong.record.cli", "record_app", "A stored record's lawful changes (Art. 11, 37, 38)."),
    "inquiries": Lazy("xinyong.inquiry.cli", "inquiries_app", "Who inquired about a subject (Art. 34)."),
    "authorization": Lazy("xinyong.inquiry.cli", "authorization_app",
                          "Subjects' written authorizations (Art. 17.3)."),
    "objection": Lazy("xinyong.objection.cli", "app",
                      "Objections (Art. 36): file, note, transfer, decide, inform; deadlines."),
    "measure": Lazy("xinyong.measure.cli", "app",
                    "The application list of joint rewards and punishments (Art. 22, 29–32)."),
    "listing": Lazy("xinyong.listing.cli", "app",
                    "Lists (Art. 24, 25, 33): define, publish, enter, remove; remedies (Art. 25.3)."),
    "restoration": Lazy("xinyong.restoration.cli", "app",
                        "Credit restoration applications (Art. 38): the deciding organ's inbox and decisions."),
    "oversight": Lazy("xinyong.oversight.cli", "app",
                      "The oversight register of possible breaches (Art. 19, 20, 49–51)."),
    "exchange": Lazy("xinyong.exchange.cli", "app",
                     "Exchange with other credit information platforms (Art. 7, 12, 16): signed exports in the "
                     "national formats, and imports of theirs."),
    "commitment": Lazy("xinyong.commitment.cli", "app",
                       "Declarations and credit commitments (Art. 13.2): the accepting unit's inbox, acceptance "
                       "and fulfilment."),
}


class LazyGroup(TyperGroup):
    """The root group: every sub-command a placeholder carrying its one-line help until it runs. Listing the
    commands (``--help``, shell completion) reads the placeholders; running one imports its module and builds
    the real command the way ``app.add_typer`` / ``app.command`` would have."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False
        for name, lazy in COMMANDS.items():
            self.commands.setdefault(name, _Placeholder(name=name, help=lazy.help))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if isinstance(command, _Placeholder) and not self._listing:
            command = self.commands[cmd_name] = _load(cmd_name, COMMANDS[cmd_name], self)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False


class _Placeholder(typer.core.TyperCommand):
    """A not yet imported sub-command, as ``--help`` lists it."""


def _load(name: str, lazy: Lazy, group: TyperGroup) -> Any:
    from importlib import import_module

    target = getattr(import_module(lazy.module), lazy.attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name, **({"help": lazy.help} if lazy.help_given_here else {}))
        return typer.main.get_group_from_info(holder.registered_groups[0],
                                              pretty_exceptions_short=app.pretty_exceptions_short,
                                              rich_markup_mode=group.rich_markup_mode,
                                              suggest_commands=group.suggest_commands)
    holder.command(name)(target)
    return typer.main.get_command_from_info(holder.registered_commands[0],
                                            pretty_exceptions_short=app.pretty_exceptions_short,
                                            rich_markup_mode=group.rich_markup_mode)


app = typer.Typer(
    cls=LazyGroup,
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


@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Apply every migration (creates the schema and the default catalog)."""
    from .db import get_engine
    from .migrations import current, upgrade

    engine = get_engine()
    upgrade(engine)
    out.print(f"database at revision {current(engine)}")


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
