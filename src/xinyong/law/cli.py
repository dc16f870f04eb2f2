"""``xinyong law …``: working-day deadlines, the calendar, parameters and the article map.

Mounted by the root CLI as ``xinyong law``. Errors print ``error [Art. N…]: message`` (or
``error: message``) on standard error and exit 1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import calendar as cal
from .articles import ArticleRef, all_articles
from .errors import LawError
from .parameters import all_parameters
from .periods import add_working_days
from .periods import deadline as compute_deadline

app = typer.Typer(help="The law kernel: deadlines, working-day calendar, parameters, article map.", no_args_is_help=True)
calendar_app = typer.Typer(help="The official working-day calendar.", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")

F = TypeVar("F", bound=Callable[..., Any])


def _console() -> Console:
    return Console(width=160, soft_wrap=False)


def _fail(exc: LawError) -> None:
    prefix = f"error [{exc.article}]" if getattr(exc, "article", None) else "error"
    typer.echo(f"{prefix}: {exc.message}", err=True)
    raise typer.Exit(1)


def _law_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LawError as exc:
            _fail(exc)

    return wrapper  # type: ignore[return-value]


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


# --------------------------------------------------------------------------------------------
# due / deadline / show


@app.command()
@_law_errors
def due(
    start: Annotated[str, typer.Argument(help="the day of receipt (YYYY-MM-DD); it is not counted")],
    n: Annotated[int, typer.Argument(help="number of working days", min=1)],
) -> None:
    """Print the N-th working day strictly after START (ISO date)."""
    typer.echo(add_working_days(_parse_date(start), n).isoformat())


@app.command()
@_law_errors
def deadline(
    name: Annotated[str, typer.Argument(help="a working-day parameter, e.g. objection.center.decide_working_days")],
    start: Annotated[str, typer.Argument(help="the day of receipt (YYYY-MM-DD)")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Compute a deadline from a working-day parameter, with its basis."""
    d = compute_deadline(name, _parse_date(start))
    if as_json:
        typer.echo(json.dumps(d.as_dict(), ensure_ascii=False))
    else:
        typer.echo(f"{d.due.isoformat()}  ({d.value} working days after {d.start.isoformat()}, {d.article}, {d.basis_parameter})")


@app.command()
@_law_errors
def show(
    ref: Annotated[str, typer.Argument(help="e.g. 'Art. 36.2(1)' or 第三十六条第二款第（一）项")],
    lang: Annotated[str, typer.Option(help="zh (authoritative) or en")] = "zh",
) -> None:
    """Print the text of an article, paragraph or item."""
    article = ArticleRef.parse(ref)
    if lang not in ("zh", "en"):
        raise typer.BadParameter("use zh or en", param_hint="--lang")
    typer.echo(f"{article.canonical}  {article.zh()}")
    typer.echo(article.text(lang))


# --------------------------------------------------------------------------------------------
# calendar


@calendar_app.command("add")
@_law_errors
def calendar_add(
    file: Annotated[Path, typer.Argument(help="a year file transcribed from the State Council notice")],
    replace: Annotated[bool, typer.Option("--replace", help="replace this year's existing operator file")] = False,
) -> None:
    """Validate a year file and install it in the calendar directory."""
    notice = cal.add_year_file(file, replace=replace)
    typer.echo(
        f"added {notice.year}: {notice.source}; {len(notice.holidays)} holiday days, "
        f"{len(notice.in_lieu_workdays)} in-lieu working days → {cal.calendar_dir() / f'{notice.year}.yaml'}"
    )


@calendar_app.command("list")
@_law_errors
def calendar_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List the years the calendar knows, and where each comes from."""
    years = cal.known_years()
    if as_json:
        typer.echo(json.dumps({str(y): s for y, s in years.items()}, ensure_ascii=False))
        return
    table = Table(title=escape(f"Working-day calendar (operator files in {cal.calendar_dir()})"))
    table.add_column("year", justify="right")
    table.add_column("source")
    for year, source in years.items():
        table.add_row(str(year), escape(source))
    _console().print(table)


# --------------------------------------------------------------------------------------------
# params


@app.command()
@_law_errors
def params(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List every legal parameter with its article, values and sources."""
    rows = []
    for p in all_parameters():
        for pv in p.values:
            value = list(pv.value) if isinstance(pv.value, tuple) else pv.value
            rows.append(
                {
                    "name": p.name,
                    "value": value.isoformat() if isinstance(value, date) else value,
                    "unit": p.unit,
                    "article": p.article.canonical,
                    "since": pv.since.isoformat(),
                    "until": pv.until.isoformat() if pv.until else None,
                    "source": pv.source,
                    "kind": p.kind,
                    "level": p.level,
                }
            )
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="Legal parameters")
    columns = ("name", "value", "unit", "article", "basis", "since", "until", "source")
    for col in columns:
        table.add_column(col, overflow="fold", no_wrap=col in ("basis", "since", "until"))
    for r in rows:
        # basis: "platform policy" where the law sets no number, else the level of the source when recorded
        r = {**r, "basis": "platform policy" if r["kind"] == "platform-policy" else r["level"]}
        table.add_row(*(escape(str(r[c])) if r[c] is not None else "" for c in columns))
    _console().print(table)


# --------------------------------------------------------------------------------------------
# map

_MARK = re.compile(r"(?:\bmark\.article|@article)\(")
_STRING = re.compile(r"""\s*(?P<q>['"])(?P<s>.*?)(?P=q)\s*,?""")
_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def[ \t]+(test\w*)|class[ \t]+(Test\w*))", re.MULTILINE)


@dataclass(frozen=True)
class MarkedTest:
    ref: str  # as written
    test: str  # "path::function", "path::Class" or "path" (module-level pytestmark)
    article: int | None  # None when the reference does not parse


def scan_tests(directory: Path) -> tuple[list[MarkedTest], list[str]]:
    """Find ``pytest.mark.article("…")`` / ``@article("…")`` marks under ``directory``.

    Returns the marks and a list of problems (references that are not articles of the regulation).
    """
    found: list[MarkedTest] = []
    problems: list[str] = []
    if not directory.is_dir():
        return found, problems
    for path in sorted(directory.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        rel = path.as_posix()
        for m in _MARK.finditer(text):
            refs: list[str] = []
            pos = m.end()
            while (sm := _STRING.match(text, pos)) is not None:
                refs.append(sm.group("s"))
                pos = sm.end()
            line_start = text.rfind("\n", 0, m.start()) + 1
            line = text[line_start : text.find("\n", m.start())]
            if "pytestmark" in line:
                name = rel
            else:
                d = _DEF.search(text, m.end())
                name = f"{rel}::{d.group(1) or d.group(2)}" if d else rel
            for ref in refs:
                try:
                    art: int | None = ArticleRef.parse(ref).article
                except LawError as exc:
                    art = None
                    problems.append(f"{name}: {exc.message}")
                found.append(MarkedTest(ref, name, art))
    return found, problems


# An article's state in the map. Only a registered rule that cites it, with a test marked with it,
# makes it "implemented": a parameter is a number, not its enforcement, and a rule nobody tests is a claim.
IMPLEMENTED = "implemented"
RULES_UNTESTED = "rules, untested"
PARAMETERS_ONLY = "parameters only"
TESTS_ONLY = "tests only"
NOT_IMPLEMENTED = "not implemented"
STATES = (IMPLEMENTED, RULES_UNTESTED, PARAMETERS_ONLY, TESTS_ONLY, NOT_IMPLEMENTED)


def _state(entry: dict[str, Any]) -> str:
    if entry["rules"]:
        return IMPLEMENTED if entry["tests"] else RULES_UNTESTED
    if entry["parameters"]:
        return PARAMETERS_ONLY
    return TESTS_ONLY if entry["tests"] else NOT_IMPLEMENTED


def _canonical(ref: str) -> str | None:
    try:
        return ArticleRef.parse(ref).canonical
    except LawError:
        return None


def build_map(tests_dir: Path) -> dict[str, Any]:
    from .rules import load_all  # noqa: PLC0415 - imports every domain's rules

    rules = load_all()
    marked, problems = scan_tests(tests_dir)
    exact = {c for c in (_canonical(t.ref) for t in marked if t.article is not None) if c}
    articles = []
    for ref in all_articles():
        n = ref.article
        entry = {
            "article": ref.canonical,
            "zh": ref.zh(),
            "rules": [
                {"id": r.id, "article": r.article, "summary": r.summary, "source": r.source,
                 "tested": r.article in exact}  # a test is marked with exactly its reference
                for r in sorted(rules.values(), key=lambda r: (r.article, r.id))
                if ArticleRef.parse(r.article).article == n
            ],
            "parameters": [
                {"name": p.name, "article": p.article.canonical, "kind": p.kind, "level": p.level}
                for p in all_parameters() if p.article.article == n
            ],
            "tests": sorted(
                ({"ref": t.ref, "test": t.test} for t in marked if t.article == n),
                key=lambda t: (t["test"], t["ref"]),
            ),
        }
        entry["state"] = _state(entry)
        entry["implemented"] = entry["state"] == IMPLEMENTED
        articles.append(entry)
    return {
        "articles": articles,
        "not_implemented": [a["article"] for a in articles if not a["implemented"]],
        "states": {state: [a["article"] for a in articles if a["state"] == state] for state in STATES},
        "problems": problems,
    }


@app.command("map")
@_law_errors
def map_(
    tests: Annotated[Path, typer.Option("--tests", help="tests directory to scan for article marks")] = Path("tests"),
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Article → rules → parameters → tests, each article's state, and what is not implemented.

    An article is implemented only when a registered rule cites it and a test is marked with it;
    otherwise it is "rules, untested", "parameters only", "tests only" or "not implemented".
    """
    data = build_map(tests)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = _console()
    table = Table(title="上海市社会信用条例 — what implements each article", show_lines=True)
    for col in ("article", "state", "rules", "parameters", "tests"):
        table.add_column(col)
    for a in data["articles"]:
        if a["state"] == NOT_IMPLEMENTED:
            continue
        table.add_row(
            f"{a['article']}\n{a['zh']}",
            a["state"],
            escape("\n".join(f"{r['article']} {r['id']}: {r['summary']}" + ("" if r["tested"] else " (untested)")
                             for r in a["rules"])),
            escape("\n".join(f"{p['article']} {p['name']}" + (" (platform policy)" if p["kind"] == "platform-policy"
                                                              else f" ({p['level']})" if p["level"] else "")
                             for p in a["parameters"])),
            escape("\n".join(f"{t['ref']} {t['test']}" for t in a["tests"])),
        )
    console.print(table)
    for state in STATES[1:]:
        listed = data["states"][state]
        console.print(f"{state} ({len(listed)}): " + (", ".join(listed) if listed else "none"))
    for problem in data["problems"]:
        console.print(f"[yellow]warning[/yellow]: {escape(problem)}")
