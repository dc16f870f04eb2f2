"""CSV meant for people: every cell neutralised against spreadsheet formulas (CSV injection).

A spreadsheet program opening a CSV evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some, one that starts with a tab or a carriage return) as a formula: ``=cmd|' /C calc'!A0`` runs a
program. Following OWASP ("CSV Injection"), such a cell is written with a single quote in front, which
the spreadsheet shows as text; the csv module quotes the cell where its content needs it.

The rule is OWASP's, applied to every cell, data included: a negative amount ``-5`` goes out as
``'-5`` and a value like ``+86 21 …`` as ``'+86 21 …``. Telling data from formulas by content would
reopen the hole (``-2+3`` is both), and a person reading the file loses nothing. Dates (``2024-05-20``)
and numbers without a sign are untouched.

Only CSV for people goes through here: the rejects files (``xinyong import --rejects``,
``GET /api/v1/batches/{id}/rejects``). Machine exchange files (import files in the national formats, the
demo's generated files, any export to another platform) stay exact: they are read by programs, and a
changed value would be a changed record.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_START = frozenset("=+-@\t\r")


def neutralise(value: Any) -> str:
    """The cell's text, with ``'`` in front when it starts like a formula (OWASP)."""
    text = "" if value is None else str(value)
    if text and text[0] in FORMULA_START:
        return "'" + text
    return text


class PeopleWriter:
    """``csv.writer`` whose every cell is neutralised: the one way to write CSV meant for people."""

    def __init__(self, fh, **kwargs: Any) -> None:
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(fh, **kwargs: Any) -> PeopleWriter:
    return PeopleWriter(fh, **kwargs)
