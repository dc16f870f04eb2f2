"""The CLI starts light: a sub-command's module is imported only when that command runs (``cli.LazyGroup``), and
a pure identifier check or ``--help`` loads no database, web framework or PDF library. Behaviour, not timing
(``python -m bench cli`` times it)."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import typer

from xinyong import cli

HEAVY = ("sqlalchemy", "fastapi", "starlette", "reportlab")
USCC = "91310000MA1FL8TQ6F"  # a valid USCC


_DRIVER = """
import json, runpy, sys
sys.argv = ["xinyong", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("xinyong.cli", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)))
sys.exit(code)
"""


def _imported(*args: str) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules loaded once the command has run (its sys.modules), and what it printed."""
    done = subprocess.run([sys.executable, "-c", _DRIVER, *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100"}, timeout=60)
    modules = set(json.loads(done.stderr.rsplit("\nMODULES ", 1)[1]))
    return modules, done


def _domain_clis(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("xinyong.") and m.endswith(".cli")} - {"xinyong.cli"}


def test_subject_check_imports_no_database_web_or_pdf():
    modules, done = _imported("subject", "check", USCC)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(f"organization {USCC}")
    assert {m.split(".")[0] for m in modules} & set(HEAVY) == set()
    # only the subject group was built: no other domain's CLI module
    assert _domain_clis(modules) == {"xinyong.subject.cli"}


def test_subject_check_loads_nothing_a_pure_identifier_check_does_not_use():
    """What ``python -m bench cli`` found to cost its start-up, each kept out: pydantic (the API's error model,
    and Typer 0.29's parameter conversion — hence typer < 0.29 in pyproject.toml), rich's Console (plain lines
    are printed as they are), python-stdnum's package ``__init__`` (only its GB/T 2260 data file is read), and
    the law kernel's calendar and parameters (chinese_calendar, yaml)."""
    modules, done = _imported("subject", "check", USCC)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = {m.split(".")[0] for m in modules} | modules
    assert loaded & {"pydantic", "pydantic_core", "rich.console", "stdnum", "yaml", "chinese_calendar",
                     "xinyong.law.calendar", "xinyong.law.parameters"} == set()
    # and a refusal is printed with its article all the same, from the same light start
    modules, done = _imported("subject", "check", USCC[:-1] + "X")
    assert done.returncode == 1
    assert done.stderr.startswith("error [Art. 2]: invalid USCC")
    assert {m.split(".")[0] for m in modules} & {"pydantic", "stdnum", "yaml"} == set()


def test_help_lists_every_command_without_importing_it():
    modules, done = _imported("--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert {m.split(".")[0] for m in modules} & set(HEAVY) == set()
    assert _domain_clis(modules) == set()
    for name in cli.COMMANDS:
        assert f"│ {name} " in done.stdout


def test_the_table_says_what_each_command_says_of_itself():
    """The one-line help in ``cli.COMMANDS`` is the first paragraph of the command's own help (what Typer's
    listing shows), and every entry resolves to a command."""
    group = typer.main.get_command(cli.app)
    ctx = typer.main._click.Context(group)
    assert group.list_commands(ctx) == list(cli.COMMANDS)
    for name, lazy in cli.COMMANDS.items():
        command = group.get_command(ctx, name)
        assert not isinstance(command, cli._Placeholder), name
        own = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0].strip()
        assert own == lazy.help, name


def test_one_provinces_regions_are_those_of_the_whole_table():
    """``xinyong subject check`` parses only the code's province (``regions._province``): the same regions."""
    from xinyong.subject import regions

    parts: dict = {}
    for prefix in regions._province_lines():
        parts.update(regions._province(prefix))
    assert parts == {code: r for code, r in regions._table().items() if code != regions.NATIONAL_CODE}
