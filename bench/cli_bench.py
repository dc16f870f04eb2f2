"""``python -m bench cli``: the CLI's start-up, against the floor any Typer command pays.

Each command is run ``--runs`` times as a fresh process (after ``--warmup`` untimed runs), interleaved so
that a noisy neighbour hits every command alike; the table gives the median wall time, the range, and the
ratio to the baseline ``python -c "import typer, rich"`` (the issue's yardstick). A second yardstick, a
one-command Typer app parsing one argument, shows what Typer itself adds when it runs a command (it loads
its pydantic-based parameter conversion then), which no change to xinyong can remove.

Target: ``xinyong subject check CODE`` and ``xinyong --help`` within 2x the baseline (the issue); reported,
never failed. No database is touched: ``subject check`` is a pure identifier check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .common import log, write_results

TARGET_RATIO = 2.0
USCC = "91310000MA1FL8TQ6F"  # valid: the check prints it and exits 0
_MINIMAL_TYPER = """
import typer
app = typer.Typer()
@app.callback()
def root(): pass
@app.command("check")
def check(codes: list[str] = typer.Argument(None)): print(codes)
app()
"""


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--runs", type=int, default=15, help="timed runs of each command (default 15)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")


def _xinyong() -> list[str]:
    """The installed console script (what an operator types), else the module."""
    script = Path(sys.executable).with_name("xinyong")
    if script.exists():
        return [str(script)]
    found = shutil.which("xinyong")
    return [found] if found else [sys.executable, "-m", "xinyong.cli"]


def commands() -> dict[str, list[str]]:
    return {
        'python -c "import typer, rich"': [sys.executable, "-c", "import typer, rich"],
        "a one-command Typer app": [sys.executable, "-c", _MINIMAL_TYPER, "check", "X"],
        f"xinyong subject check {USCC}": [*_xinyong(), "subject", "check", USCC],
        "xinyong --help": [*_xinyong(), "--help"],
    }


def _run(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env={**os.environ, "COLUMNS": "100"}, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])}… exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def main(args: argparse.Namespace) -> int:
    cmds = commands()
    times: dict[str, list[float]] = {name: [] for name in cmds}
    log(f"{len(cmds)} commands, {args.warmup} warm-up + {args.runs} timed runs each, interleaved")
    for i in range(args.warmup + args.runs):
        for name, argv in cmds.items():
            elapsed = _run(argv)
            if i >= args.warmup:
                times[name].append(elapsed)
    baseline_name = next(iter(cmds))
    baseline = statistics.median(times[baseline_name])
    rows = []
    print(f"\nCLI start-up: median of {args.runs} runs (wall time), ratio to `{baseline_name}`; "
          f"target <= {TARGET_RATIO:g}x for the xinyong commands\n")
    print(f"{'command':<50} {'median':>9} {'min':>9} {'max':>9} {'ratio':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        ratio = median / baseline
        verdict = ""
        if name.startswith("xinyong"):
            verdict = "  meets target" if ratio <= TARGET_RATIO else "  above target"
        print(f"{name:<50} {median * 1000:>7.0f}ms {min(values) * 1000:>7.0f}ms {max(values) * 1000:>7.0f}ms "
              f"{ratio:>6.1f}x{verdict}")
        rows.append({"command": name, "median_s": median, "min_s": min(values), "max_s": max(values),
                     "ratio": ratio})
    path = write_results("cli", {"runs": args.runs, "warmup": args.warmup, "target_ratio": TARGET_RATIO,
                                 "results": rows})
    log(f"results: {path}")
    return 0
