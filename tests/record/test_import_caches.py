"""The import's caches cannot change a result (Art. 2, 11).

- ``identifiers.unusable_or_parsed`` (one normalisation per value) answers what ``explain_unusable`` and then
  ``parse_identifier`` answer, value by value, refusals word for word;
- ``RowContext`` keeps an organization's parsed identifier for the process (``rules._PUBLIC_IDENTIFIERS``) and
  the parsed dates, labels and amounts (``rules._SHARED_PARSED``): a cached answer is the fresh parse's, a
  natural person's number and a refusal are never kept beyond their import;
- a file naming one organization in two spellings stores one subject, each bad row is refused once with its
  reason, and the same file imported again (caches warm) adds nothing and refuses the same rows alike.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import func, select

from xinyong.db import session_scope
from xinyong.demo.generate import generate
from xinyong.errors import DomainError, InvalidInput
from xinyong.models import BatchReject, Record, Subject
from xinyong.record import rules
from xinyong.record.fields import map_row
from xinyong.record.rules import RowContext, validate_row
from xinyong.subject.identifiers import Identifier, explain_unusable, parse_identifier, parse_lookup

from ..factories import CF_COLUMNS, cf_row, person_cf_row, ric, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file

pytestmark = pytest.mark.article("Art. 2")


def _two_calls(raw, today: date) -> Identifier:
    """What the importer computed before the one-pass parse: ``explain_unusable``, then ``parse_identifier``."""
    unusable = explain_unusable(raw)
    if unusable:
        try:
            ident = parse_lookup(raw, today=today) if isinstance(raw, str) else None
        except InvalidInput:
            ident = None
        if ident is not None and ident.former_form is not None:
            return ident
        raise InvalidInput(unusable, article="Art. 2", field="subject_id")
    return parse_identifier(raw, today=today, allow_unlisted_region=True)


def _outcome(fn, raw, today: date = TODAY):
    try:
        ident = fn(raw, today)
    except DomainError as exc:
        return ("refused", type(exc).__name__, str(exc.message), exc.article, getattr(exc, "field", None),
                getattr(exc, "details", None))
    fields = {f.name: getattr(ident, f.name) for f in dataclasses.fields(ident)}
    fields["region"] = repr(ident.region)  # (not compared by Identifier's eq)
    return ("parsed", fields)


def _values() -> list:
    org, person = uscc(4711), ric(date(1990, 3, 7), seq=42)
    damaged = [
        org, org.lower(), f" {org} ", f"{org[:9]} {org[9:]}", "".join(chr(ord(c) + 0xFEE0) for c in org),
        org[:-1] + ("0" if org[-1] != "0" else "1"),  # its check character wrong
        person, person.lower(), f"\u3000{person}", person[:-1] + ("0" if person[-1] != "0" else "1"),
        ric(date(2012, 1, 1)),  # a minor: parsed here, refused by the capacity rule
        ric(date(2030, 1, 1)),  # born in the future
        person[:6] + person[8:17],  # the old 15-digit form
        org[8:16] + "-" + org[16], org[8:17],  # the old organization code, with and without its dash
        "9.13101E+17", org + ".0", org[:10] + "****" + org[14:], org[:15] + "000", org[:17], org + "1",
        "91310115MA1H7X5Q0X", "110101199003070000", "", " ", "无", "ABC", "１２３", None, 12345, 9.1e17,
    ]
    _units, files = generate(2000, seed=20171001, today=TODAY)
    demo = list(dict.fromkeys(map_row(f.fmt, row)["subject_id"] for f in files for row in f.iter_rows()))
    # and the demo's values broken one character each (a check that fails, a region that does not exist…)
    broken = [v[:i] + "0123456789ABX"[(n * 7) % 13] + v[i + 1:] for n, v in enumerate(demo[::4])
              if (i := n % 18) < len(v)]
    return damaged + demo + broken


VALUES = _values()


def test_one_pass_parse_answers_as_the_two_calls():
    assert len(VALUES) > 500
    kinds = set()
    for raw in VALUES:
        rules._PUBLIC_IDENTIFIERS.clear()
        got = _outcome(rules._parse_subject_id, raw)
        assert got == _outcome(_two_calls, raw), raw
        kinds.add(got[0] if got[0] == "refused" else got[1]["scheme"])
    assert {"refused", "uscc", "ric", "org"} <= kinds


def test_kept_identifiers_are_the_fresh_parse_and_never_a_person_or_a_refusal():
    rules._PUBLIC_IDENTIFIERS.clear()
    ctx = RowContext(unit_items=frozenset(), items={}, fmt="CF", today=TODAY)
    for raw in VALUES:
        if isinstance(raw, str) and raw.strip():
            try:
                ctx.identifier(raw)
            except DomainError:
                pass
    kept = dict(rules._PUBLIC_IDENTIFIERS)
    assert len(kept) > 100
    for (raw, day), ident in kept.items():
        assert day == TODAY and not ident.is_natural_person and ident.kind != "natural_person"
        assert _outcome(lambda r, t: ident, raw) == _outcome(_two_calls, raw)
    refused = [raw for raw in VALUES if _outcome(_two_calls, raw)[0] == "refused"]
    people = [raw for raw in VALUES if _outcome(_two_calls, raw)[1:2] and
              _outcome(_two_calls, raw)[0] == "parsed" and _outcome(_two_calls, raw)[1]["scheme"] == "ric"]
    assert refused and people
    assert not {(raw, TODAY) for raw in refused + people} & set(kept)
    # another day is another key: nothing parsed for one day answers for another
    assert all(day == TODAY for _raw, day in kept)


@pytest.mark.article("Art. 11")
def test_a_warm_context_validates_as_a_cold_one():
    """The same rows through a context whose process caches are warm, and through one whose caches are empty."""
    _units, files = generate(600, seed=7, today=TODAY)
    items = {code: rules.ItemInfo(code, "published", date(2017, 10, 1), None, True, False)
             for code in ("penalty", "licence", "arrears", "commendation", "judgment-default")}

    def validated(fmt, rows):
        ctx = RowContext(unit_items=frozenset(items), items=items, fmt=fmt, today=TODAY)
        out = []
        for row in rows:
            try:
                d = validate_row(map_row(fmt, row), ctx)
            except DomainError as exc:
                out.append((exc.field, str(exc.message), exc.article))
            else:
                out.append((dataclasses.astuple(dataclasses.replace(d, identifier=None)), d.identifier.code,
                            _outcome(lambda r, t: d.identifier, None)))
        return out

    for f in files:
        rows = list(f.iter_rows())
        rules._PUBLIC_IDENTIFIERS.clear()
        rules._SHARED_PARSED.clear()
        cold = validated(f.fmt, rows)
        assert validated(f.fmt, rows) == cold  # warm: the same answers


def _spellings_file() -> tuple[bytes, dict[int, str]]:
    org = uscc(8123)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in org)
    rows = [
        cf_row(1, CF_XDR_SHXYM=org),
        cf_row(2, CF_XDR_SHXYM=f" {full_width} "),  # the same code, written another way
        cf_row(3, CF_XDR_SHXYM=org[:-1] + ("0" if org[-1] != "0" else "1")),  # bad check character
        person_cf_row(4, date(1985, 6, 1)),
        cf_row(5, CF_XDR_SHXYM=org.lower() if any(c.isalpha() for c in org) else org),
        person_cf_row(6, date(2015, 6, 1)),  # a minor: refused
        cf_row(7, CF_XDR_SHXYM="9.13101E+17"),  # damaged by a spreadsheet
        cf_row(8, CF_XDR_SHXYM=org),
    ]
    # (a code that fails its check is refused by the identifier check, which names its own field)
    return to_csv(rows, CF_COLUMNS), {4: "identifier", 7: "subject_id", 8: "subject_id"}


def test_one_subject_for_two_spellings_and_one_reject_per_bad_row(engine, tmp_path):
    actor, _ = add_provider(engine)
    data, bad_lines = _spellings_file()
    rules._PUBLIC_IDENTIFIERS.clear()
    rules._SHARED_PARSED.clear()
    first = run_file(engine, actor, tmp_path, data, name="first.csv")
    assert (first.rows, first.accepted, first.rejected) == (8, 5, 3)
    assert rules._PUBLIC_IDENTIFIERS  # the organization's code is kept warm
    second = run_file(engine, actor, tmp_path, data, name="second.csv")  # the same file, caches warm
    assert (second.rows, second.accepted, second.already_present, second.rejected) == (8, 0, 5, 3)
    with session_scope(engine) as s:
        org = uscc(8123)
        assert s.scalar(select(func.count()).select_from(Subject).where(Subject.identifier == org)) == 1
        assert s.scalar(select(func.count()).select_from(Subject)) == 2  # the organization and the adult
        assert s.scalar(select(func.count(func.distinct(Record.subject_id)))) == 2
        assert s.scalar(select(func.count()).select_from(Record)) == 5
        rejects = {}
        for batch_id in (first.batch_id, second.batch_id):
            rows = s.execute(select(BatchReject.line, BatchReject.field, BatchReject.reason, BatchReject.article)
                             .where(BatchReject.batch_id == batch_id).order_by(BatchReject.line)).all()
            rejects[batch_id] = [tuple(r) for r in rows]
    assert [(line, fld) for line, fld, _r, _a in rejects[first.batch_id]] == sorted(bad_lines.items())
    assert rejects[first.batch_id] == rejects[second.batch_id]  # word for word, cold and warm
    assert all(article == "Art. 2" for *_x, article in rejects[first.batch_id])
