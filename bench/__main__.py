"""``python -m bench <benchmark> [options]`` (``./dev bench …``). See bench/README.md."""

from __future__ import annotations

import argparse
import sys

from . import check_bench, cli_bench, import_bench, inquiry_bench, report_bench, world
from .common import cleanup_tmp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description="xinyong's benchmarks (ratios against "
                                 "the raw database, same run; see /work/shared/performance.md)")
    sub = ap.add_subparsers(dest="benchmark", required=True)
    imp = sub.add_parser("import", help="bulk import: the platform against raw executemany / COPY")
    import_bench.add_arguments(imp)
    imp.set_defaults(run=import_bench.main)
    inq = sub.add_parser("inquiry", help="inquiries: the platform against a raw lookup (+ log row), HTTP vs a "
                         "constant-JSON ceiling")
    inquiry_bench.add_arguments(inq)
    inq.set_defaults(run=inquiry_bench.main)
    chk = sub.add_parser("check", help="the joint-measures check (service layer, 1 subject and a batch of 100) "
                         "against a raw lookup of records + list entries (+ log row)")
    check_bench.add_arguments(chk)
    chk.set_defaults(run=check_bench.main)
    cli = sub.add_parser("cli", help="CLI start-up (`xinyong subject check`, `--help`) against "
                         "`python -c \"import typer, rich\"`")
    cli_bench.add_arguments(cli)
    cli.set_defaults(run=cli_bench.main)
    rep = sub.add_parser("report", help="a credit report: issue, JSON/HTML again, PDF first render and again "
                         "(stored), against a raw read of the subject's records")
    report_bench.add_arguments(rep)
    rep.set_defaults(run=report_bench.main)
    wld = sub.add_parser("world", help="a kept PostgreSQL world of N records built by COPY (build, measure, drop): "
                         "inquiry, check, purge and audit verify at scale")
    world.add_arguments(wld)  # each subcommand sets its own ``run``
    try:
        args = ap.parse_args(argv)
        return args.run(args)
    finally:
        cleanup_tmp()


if __name__ == "__main__":
    sys.exit(main())
