"""``python -m bench cli``: the CLI's start-up, against the floor any Typer command pays.

Each command is run ``--runs`` times as a fresh process (after ``--warmup`` untimed runs), interleaved so
that a noisy neighbour hits every command alike; the table gives the median wall time, the range, and the
ratio to the baseline ``python -c "import typer, rich"`` (the issue's yardstick), and the same for the CPU
time (user + system) of each run, which a busy neighbour moves less than the wall time. A second yardstick,
a one-command Typer app parsing one argument, shows what Typer itself adds when it runs a command (Typer
0.29 loads a pydantic-based parameter conversion then: hence typer < 0.29 in pyproject.toml).

The project's modules are byte-compiled first (``compileall``), as an installed package's are: with
``PYTHONDONTWRITEBYTECODE`` set, a module edited since its last ``.pyc`` would otherwise be compiled from
source on every run and time the compiler.

Target: ``xinyong subject check CODE`` and ``xinyong --help`` within 2x the baseline (the issue); reported,
never failed. No database is touched: ``subject check`` is a pure identifier check.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
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


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run; runs are sequential, so the children's CPU that
    grew meanwhile is this run's."""
    cpu, start = _child_cpu(), time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env={**os.environ, "COLUMNS": "100"}, timeout=120)
    elapsed, cpu = time.perf_counter() - start, _child_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])}… exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed, cpu


def main(args: argparse.Namespace) -> int:
    import xinyong

    compileall.compile_dir(Path(xinyong.__file__).parent, quiet=1)
    cmds = commands()
    times: dict[str, list[float]] = {name: [] for name in cmds}
    cpus: dict[str, list[float]] = {name: [] for name in cmds}
    log(f"{len(cmds)} commands, {args.warmup} warm-up + {args.runs} timed runs each, interleaved")
    for i in range(args.warmup + args.runs):
        for name, argv in cmds.items():
            elapsed, cpu = _run(argv)
            if i >= args.warmup:
                times[name].append(elapsed)
                cpus[name].append(cpu)
    baseline_name = next(iter(cmds))
    baseline = statistics.median(times[baseline_name])
    baseline_cpu = statistics.median(cpus[baseline_name])
    rows = []
    print(f"\nCLI start-up: median of {args.runs} runs (wall time, and CPU user + system), ratio to "
          f"`{baseline_name}`; target <= {TARGET_RATIO:g}x for the xinyong commands\n")
    print(f"{'command':<44} {'median':>8} {'min':>8} {'max':>8} {'ratio':>6} {'CPU':>8} {'ratio':>6}")
    for name, values in times.items():
        median, cpu = statistics.median(values), statistics.median(cpus[name])
        ratio, cpu_ratio = median / baseline, cpu / baseline_cpu
        verdict = ""
        if name.startswith("xinyong"):
            verdict = "  meets target" if ratio <= TARGET_RATIO else "  above target"
        print(f"{name:<44} {median * 1000:>6.0f}ms {min(values) * 1000:>6.0f}ms {max(values) * 1000:>6.0f}ms "
              f"{ratio:>5.1f}x {cpu * 1000:>6.0f}ms {cpu_ratio:>5.1f}x{verdict}")
        rows.append({"command": name, "median_s": median, "min_s": min(values), "max_s": max(values),
                     "ratio": ratio, "cpu_median_s": cpu, "cpu_ratio": cpu_ratio})
    path = write_results("cli", {"runs": args.runs, "warmup": args.warmup, "target_ratio": TARGET_RATIO,
                                 "results": rows})
    log(f"results: {path}")
    return 0
