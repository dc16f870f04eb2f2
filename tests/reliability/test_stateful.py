"""A stateful property test (hypothesis ``RuleBasedStateMachine``): random sequences of the platform's own
workflows, through the real services, with the law's invariants checked after every step.

Steps: imports of small files (``record.importer.run_import``), corrections, withdrawals, revocations,
restorations (信用修复), purges (``xinyong purge``, through the CLI), objection steps (filed, noted,
transferred, decided, informed), written authorizations granted and withdrawn, seals, and the read paths:
inquiries by every kind of asker, pre-decision checks, reports, the portal's subject page, grades, a
provider's look-up of its own records and a record's history.

After every step:

* a revoked record (Art. 37, or deleted on an objection, Art. 36) is never served by any read path: every
  read path is run for every subject (in a transaction rolled back, so that the probe leaves no log rows);
  a withdrawn one only to its provider's own look-up; a restored one (Art. 38) only to its subject;
* a purged record is found nowhere: no row holds its id as a record or a history row, no text column of any
  table holds its document number or any content it ever had, no stored upload copy (spool) holds its row,
  and on SQLite (``secure_delete``, the WAL checkpointed by the purge) not a byte of it is left in the
  database file or its WAL;
* every inquiry is logged exactly once (one log row per subject asked; none for a refusal at the front door,
  none for the rolled-back probe);
* ``audit verify`` is intact;
* no id is reused, in any table (a deleted row's id never comes back);
* the records' statuses and the import counts are what the model says.

Seeded (``derandomize=True``); a small budget in the default suite, hundreds of steps behind ``-m long``.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import Integer, func, select, text, update
from typer.testing import CliRunner

from xinyong import crypto, refcache, tokens
from xinyong.audit import seal as sealing
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE, PUBLIC, Actor
from xinyong.cli import app as cli_app
from xinyong.config import get_settings
from xinyong.db import Base, session_factory, session_scope
from xinyong.errors import DomainError
from xinyong.grading import service as grading
from xinyong.inquiry import authorizations
from xinyong.inquiry import service as inquiries
from xinyong.measure import service as measures
from xinyong.models import CatalogItem, InquiryLog, Record, RecordHistory, Subject
from xinyong.objection import service as objections
from xinyong.portal import service as portal
from xinyong.record import importer, workflows
from xinyong.report import service as reports
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import parse_identifier
from xinyong.unit import service as units

from ..factories import CF_COLUMNS, cf_row, ric, to_csv, uscc
from ..helpers import TODAY, empty_postgres_tables

ORGAN_NAME = "上海市某区人民政府办公室"
SUBJECTS = {"orgA": uscc(930001), "orgB": uscc(930002), "perP": ric(date(1980, 1, 2), seq=11)}
UNKNOWN = uscc(930009)
KEYS = list(SUBJECTS)
DOCS = 4  # document numbers per subject: a small space, so that files collide with what is stored
CASE = "（2025）沪01民初1234号"
# What the runs did (printed with ``-s`` when XINYONG_STATEFUL_STATS is set): so that a budget that stopped
# exercising something shows.
STATS: Counter = Counter()


def doc_no(subject_key: str, n: int) -> str:
    return f"沪状态罚〔2025〕{KEYS.index(subject_key)}{n:03d}号"


def row_for(subject_key: str, n: int, content: str, line_n: int) -> dict[str, str]:
    ident = SUBJECTS[subject_key]
    over = {"CF_WSH": doc_no(subject_key, n), "CF_NR": content, "CF_JDRQ": "2025-05-20"}
    if subject_key.startswith("per"):
        over.update(CF_XDR_MC="张某某", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证", CF_XDR_ZJHM=ident)
    else:
        over.update(CF_XDR_MC=f"上海状态{subject_key}贸易有限公司", CF_XDR_SHXYM=ident)
    return cf_row(line_n, **over)


def tag(n: int) -> str:
    """A content text unique to one version of one record, long enough to search for as bytes."""
    return f"罚款人民币{1000 + n}元（状态标记{n:05d}）"


# The steps: name → (weight, whether it can run now, the strategy of its arguments). One hypothesis rule draws
# the step (``Platform.step``): with the small budget of the default suite, hypothesis's own choice among many
# rules keeps to the first few (its simplest examples come first); a seeded, weighted choice gives every step
# its share. The step and its arguments are printed with a failing example (hypothesis's labelled draws).
ACTIONS: dict[str, tuple[int, Any, Any]] = {}


def action(weight: int, ready=None, **arguments):
    def register(fn):
        ACTIONS[fn.__name__] = (weight, ready, st.fixed_dictionaries(arguments))
        return fn
    return register


OBJECTION_STEPS = ["note-center", "note-provider", "transfer", "correct", "uphold", "delete", "inform"]
# (status, path) → the steps Art. 36.2 allows next
NEXT_STEPS = {("filed", None): ["note-center", "note-provider"], ("noted", "center"): ["correct", "uphold", "delete"],
              ("noted", "provider"): ["transfer"], ("transferred", "provider"): ["correct", "uphold", "delete"],
              ("decided", "provider"): ["inform"]}


@dataclass
class Rec:
    """The model of one stored record."""

    id: int
    key: str
    n: int
    status: str = "active"
    content: str = ""  # its current content text (CF_NR)
    contents: set[str] = field(default_factory=set)  # every content it ever had
    batch_id: str | None = None
    line_no: int | None = None
    objected: bool = False


@dataclass
class Obj:
    number: str
    subject_key: str
    record_ids: list[int]
    status: str = "filed"
    path: str | None = None


class Platform(RuleBasedStateMachine):
    """One platform, built afresh for each run (the ``engine`` fixture's database, emptied)."""

    engine = None
    catalog: list[dict] = []
    tmp: Path = Path("/tmp")

    def __init__(self) -> None:
        super().__init__()
        _reset(self.engine, self.catalog)
        self.runs = getattr(type(self), "runs", 0) + 1
        type(self).runs = self.runs
        self.work = self.tmp / f"run{self.runs}"
        self.work.mkdir(parents=True, exist_ok=True)
        self.live: dict[tuple[str, int], Rec] = {}  # identity → the stored record
        self.purged: list[Rec] = []
        self.objections: list[Obj] = []
        self.auths: list[int] = []
        self.logs = 0  # inquiry-log rows the read steps must have left
        self.files = 0
        self.tags = 0
        self.variant_tags: dict[tuple[str, int, int], str] = {}
        self.ids_seen: dict[str, set] = {}
        self.ids_now: dict[str, set] = {}
        self.witness: dict | None = None
        self.steps = 0
        self._build()

    # --- the world -------------------------------------------------------------------------------

    def _build(self) -> None:
        from ..measure.conftest import add_measure

        with session_scope(self.engine) as s:
            prov, _ = units.add_unit(s, name="上海市状态监督管理局", kind="administrative",
                                     uscc=uscc(940001, prefix="11310000"), provides=["penalty"],
                                     published_on=TODAY, actor=CONSOLE)
            organ, _ = units.add_unit(s, name=ORGAN_NAME, kind="administrative", uscc=uscc(940002, prefix="11310000"),
                                      inquires=["penalty"], purposes=["permit"], published_on=TODAY, actor=CONSOLE)
            court, _ = units.add_unit(s, name="上海市第一中级人民法院", kind="judicial",
                                      uscc=uscc(940003, prefix="11310000"), subkind="court", published_on=TODAY,
                                      actor=CONSOLE)
            agency, _ = units.add_unit(s, name="上海某信用评估有限公司", kind="credit-service", uscc=uscc(940004),
                                       published_on=TODAY, actor=CONSOLE)
            self.provider = units.actor_for(prov)
            self.agency_uscc = agency.uscc
            self.actors = {"organ": _officer(s, organ, "O-1"), "court": _officer(s, court, "C-1"),
                           "agency": _officer(s, agency, "A-1"), "public": PUBLIC,
                           "provider": units.actor_for(prov, officer="P-1")}
            add_measure(s, "P-STATE", items=("penalty",), targets=("organization", "natural_person"),
                        contexts=("permit",))
        refcache.invalidate()
        self.subject_ids: dict[str, int] = {}
        self._snapshot_ids()

    # --- helpers ---------------------------------------------------------------------------------

    def _sid(self, key: str) -> int | None:
        if key not in SUBJECTS:
            return None
        if key not in self.subject_ids:
            ident = parse_identifier(SUBJECTS[key], today=TODAY)
            with session_scope(self.engine) as s:
                sid = s.scalar(select(Subject.id).where(Subject.identifier_digest == subjects.identifier_digest(ident)))
            if sid is None:
                return None
            self.subject_ids[key] = sid
        return self.subject_ids[key]

    def _self(self, key: str) -> Actor | None:
        sid = self._sid(key)
        return None if sid is None else Actor(role="subject", subject_id=sid)

    def _new_tag(self) -> str:
        self.tags += 1
        return tag(self.tags)

    def _by_id(self, rid: int) -> Rec:
        return next(r for r in self.live.values() if r.id == rid)

    def _pick(self, i: int, statuses: tuple[str, ...]) -> Rec | None:
        pool = sorted((r for r in self.live.values() if r.status in statuses), key=lambda r: r.id)
        return pool[i % len(pool)] if pool else None

    def _events(self) -> int:
        with session_scope(self.engine) as s:
            return s.scalar(text("SELECT count(*) FROM audit_event"))

    @rule(data=st.data())
    def step(self, data):
        self.steps += 1
        STATS["steps"] += 1
        pick = data.draw(st.integers(0, 2**31 - 1), label="pick")
        names = [n for n, (_w, ready, _a) in ACTIONS.items() if ready is None or ready(self)]
        name = random.Random(pick * 7919 + self.steps).choices(names, [ACTIONS[n][0] for n in names])[0]
        getattr(self, name)(**data.draw(ACTIONS[name][2], label=name))

    # --- imports ---------------------------------------------------------------------------------

    @initialize()
    def first_file(self):
        """Every subject with two records, so that even a short run has something to change and serve."""
        self.import_file([(key, n, 0) for key in KEYS for n in (0, 1)])

    @action(3, rows=st.lists(st.tuples(st.sampled_from(KEYS), st.integers(0, DOCS - 1), st.integers(0, 1)),
                        min_size=1, max_size=4))
    def import_file(self, rows):
        self.files += 1
        data, expect = [], {"accepted": 0, "already_present": 0, "rejected": 0}
        in_file: dict[tuple[str, int], str] = {}
        new: dict[tuple[str, int], tuple[str, int]] = {}
        for line, (key, n, variant) in enumerate(rows, start=2):
            content = self.variant_tags.setdefault((key, n, variant), self._new_tag())
            data.append(row_for(key, n, content, 500000 + line))
            ident = (key, n)
            stored = self.live.get(ident)
            if stored is not None:
                expect["already_present" if stored.content == content else "rejected"] += 1
            elif ident in in_file:
                expect["already_present" if in_file[ident] == content else "rejected"] += 1
            else:
                in_file[ident] = content
                new[ident] = (content, line)
                expect["accepted"] += 1
        path = self.work / f"file{self.files}.csv"
        path.write_bytes(to_csv(data, CF_COLUMNS))
        batch_id = importer.open_batch(self.engine, unit_uscc=self.provider.unit_uscc, filename=path.name,
                                       sha256=importer.sha256_of(path), actor=self.provider)
        result = importer.run_import(self.engine, batch_id=batch_id, path=path, actor=self.provider, today=TODAY,
                                     chunk_rows=2)
        got = {"accepted": result.accepted, "already_present": result.already_present, "rejected": result.rejected}
        assert got == expect, (rows, got, expect)
        STATS.update({f"import {k}": v for k, v in got.items()})
        with session_scope(self.engine) as s:
            stored = s.execute(select(Record.id, Record.subject_id, Record.doc_no, Record.line_no)
                               .where(Record.batch_id == batch_id)).all()
        for key in KEYS:
            self._sid(key)
        by_identity = {(sid, doc): (rid, line) for rid, sid, doc, line in stored}
        assert len(by_identity) == len(new)
        for (key, n), (content, _line) in new.items():
            rid, line = by_identity[(self.subject_ids[key], doc_no(key, n))]
            self.live[(key, n)] = Rec(rid, key, n, content=content, contents={content}, batch_id=batch_id,
                                      line_no=line)

    # --- the record workflows --------------------------------------------------------------------

    @action(2, i=st.integers(0, 50))
    def correct(self, i):
        rec = self._pick(i, ("active", "restored", "withdrawn"))
        if rec is None:
            return
        content = self._new_tag()
        with session_scope(self.engine) as s:
            workflows.correct(s, record_id=rec.id, changes={"content": content}, reason="录入错误",
                              document="沪更〔2025〕1号", actor=self.provider)
        rec.content = content
        rec.contents.add(content)
        STATS["correct"] += 1

    @action(1, i=st.integers(0, 50))
    def withdraw(self, i):
        rec = self._pick(i, ("active", "restored"))
        if rec is None:
            return
        with session_scope(self.engine) as s:
            workflows.withdraw(s, record_id=rec.id, reason="报送错误", document="沪撤〔2025〕1号", actor=self.provider)
        rec.status = "withdrawn"
        STATS["withdraw"] += 1

    @action(2, i=st.integers(0, 50))
    def revoke(self, i):
        rec = self._pick(i, ("active", "restored", "withdrawn"))
        if rec is None:
            return
        with session_scope(self.engine) as s:
            workflows.revoke(s, record_id=rec.id, document="沪撤销〔2025〕1号", decided_by="court", reason="判决撤销",
                             actor=self.provider)
        rec.status = "revoked"
        STATS["revoke"] += 1

    @action(1, i=st.integers(0, 50))
    def restore(self, i):
        rec = self._pick(i, ("active",))
        if rec is None:
            return
        with session_scope(self.engine) as s:
            workflows.restore(s, record_id=rec.id, document="沪修复〔2025〕1号", reason="信用修复", actor=self.provider)
        rec.status = "restored"
        STATS["restore"] += 1

    @action(2, ready=lambda self: any(r.status == "revoked" for r in self.live.values()))
    def purge(self):
        result = CliRunner().invoke(cli_app, ["purge", "--json"])
        assert result.exit_code in (0, 5), result.output
        summary = orjson.loads(result.stdout)
        gone = {ident: r for ident, r in self.live.items() if r.status == "revoked"}
        assert sorted(d["record_id"] for d in summary["deleted"]) == sorted(r.id for r in gone.values())
        for ident, r in gone.items():
            del self.live[ident]
            self.purged.append(r)
        self._no_copy_left(list(gone.values()))
        STATS["purge"] += 1
        STATS["purged records"] += len(gone)
        if gone:
            self._no_bytes_left()

    @action(1, keep=st.booleans())
    def seal(self, keep):
        """``xinyong audit seal``; ``keep``: a copy of the new checkpoint is kept away from the platform (a
        witness), and every later verification is held to it too (``audit verify --against``)."""
        sealing.seal(self.engine)
        STATS["seal"] += 1
        files = sorted((sealing.export_dir()).glob("*.json"))
        if keep and files:
            witness = self.work / "witness.json"
            witness.write_bytes(files[-1].read_bytes())
            self.witness = sealing.load_witness(witness)

    # --- objections (Art. 36) --------------------------------------------------------------------

    @action(2, key=st.sampled_from(KEYS), picks=st.sets(st.integers(0, DOCS - 1), min_size=1, max_size=2))
    def object_(self, key, picks):
        recs = [self.live[(key, n)] for n in sorted(picks) if (key, n) in self.live
                and self.live[(key, n)].status in ("active", "restored")]
        actor = self._self(key)
        if not recs or actor is None:
            return
        with session_scope(self.engine) as s:
            obj = objections.file(s, actor=actor, subject_id=actor.subject_id, kind="error", reason="金额有误",
                                  evidence=["缴款凭证"], record_ids=[r.id for r in recs], channel="api")
            number = objections.number_of(obj)
        self.objections.append(Obj(number, key, [r.id for r in recs]))
        for r in recs:
            r.objected = True
        STATS["objection filed"] += 1

    @action(3, i=st.integers(0, 20), lawful=st.sampled_from([True, True, True, False]), which=st.integers(0, 5),
            step=st.sampled_from(OBJECTION_STEPS))
    def objection_step(self, i, lawful, which, step):
        """The next step of an open objection, mostly one the law allows now (else any: refused, changing
        nothing)."""
        open_ = [o for o in self.objections if o.status != "closed"]
        if not open_:
            return
        o = open_[i % len(open_)]
        if lawful:
            nxt = NEXT_STEPS[(o.status, o.path)]
            step = nxt[which % len(nxt)]
        before = self._events()
        try:
            with session_scope(self.engine) as s:
                if step.startswith("note"):
                    objections.note(s, objection=o.number, actor=CONSOLE, path=step.split("-")[1])
                elif step == "transfer":
                    objections.transfer(s, objection=o.number, actor=CONSOLE)
                elif step == "inform":
                    objections.inform(s, objection=o.number, actor=CONSOLE)
                else:
                    actor = self.provider if o.status == "transferred" else CONSOLE
                    outcome = {"correct": "corrected", "uphold": "upheld", "delete": "deleted"}[step]
                    content = self._new_tag() if outcome == "corrected" else None
                    objections.decide(s, objection=o.number, actor=actor, outcome=outcome, document="沪异议〔2025〕1号",
                                      reason="经核查", changes={"content": content} if content else None)
        except DomainError:
            assert self._events() == before  # a refused step changes nothing
            STATS[f"objection {step} refused"] += 1
            return
        STATS[f"objection {step}"] += 1
        obj_status = {"note-center": "noted", "note-provider": "noted", "transfer": "transferred",
                      "inform": "closed"}.get(step)
        if step.startswith("note"):
            o.path = step.split("-")[1]
        if obj_status is None:  # decided
            obj_status = "decided" if o.status == "transferred" else "closed"
            for rid in o.record_ids:
                rec = self._by_id(rid)
                if step == "correct":
                    rec.content = content
                    rec.contents.add(content)
                elif step == "delete":
                    rec.status = "revoked"
        o.status = obj_status

    # --- authorizations (Art. 17.3) --------------------------------------------------------------

    @action(1, key=st.sampled_from(KEYS))
    def authorize(self, key):
        actor = self._self(key)
        if actor is None:
            return
        with session_scope(self.engine) as s:
            a = authorizations.grant(s, subject_id=actor.subject_id, unit_uscc=self.agency_uscc, items=["penalty"],
                                     purpose="credit-assessment", valid_from=TODAY - timedelta(days=1),
                                     valid_until=TODAY + timedelta(days=30), document="授权书〔2025〕1号", actor=actor)
            self.auths.append((a.id, actor))
        STATS["authorize"] += 1

    @action(1, i=st.integers(0, 20))
    def withdraw_authorization(self, i):
        if not self.auths:
            return
        aid, actor = self.auths.pop(i % len(self.auths))
        with session_scope(self.engine) as s:
            authorizations.withdraw(s, authorization_id=aid, reason="撤回", actor=actor)
        STATS["withdraw authorization"] += 1

    # --- the read paths ----------------------------------------------------------------------------

    @action(4, path=st.sampled_from(["inquiry", "check", "report", "portal", "grade", "find", "history"]),
          asker=st.sampled_from(["organ", "court", "agency", "public", "self"]),
          key=st.sampled_from(KEYS + ["unknown"]), i=st.integers(0, 50))
    def read(self, path, asker, key, i):
        with session_scope(self.engine) as s:
            before = s.scalar(select(func.count()).select_from(InquiryLog))
        with session_scope(self.engine) as s:
            got = self._read(s, path, asker, key, i)
        with session_scope(self.engine) as s:
            after = s.scalar(select(func.count()).select_from(InquiryLog))
        if got is None:
            assert after == before, f"{path} refused at the front door, yet logged"
            return
        asked, revealed, who = got
        assert after - before == asked, f"{path} by {asker}: {after - before} log rows for {asked} inquiry"
        self.logs += asked
        STATS[f"read {path}"] += 1
        STATS["records served"] += len(revealed)
        self._served_lawfully(revealed, who, path)

    def _read(self, s, path, asker, key, i):
        """One read path: (inquiries made, record ids revealed, (asker, subject key)), or None when the path
        does not serve this asker (refused before any inquiry)."""
        raw = SUBJECTS.get(key, UNKNOWN)
        actor = self._self(key) if asker == "self" else self.actors[asker]
        if actor is None:
            return None
        who = (asker, key)
        case = CASE if asker == "court" else None
        if path == "inquiry":
            purpose = {"organ": "permit", "agency": "credit-assessment"}.get(asker)
            ans = inquiries.inquire(s, actor=actor, subject=None if asker == "self" else raw,
                                    subject_id=actor.subject_id if asker == "self" else None, purpose=purpose,
                                    case_no=case, channel="api")
            return 1, {r["id"] for r in ans.records}, who
        if path == "check":
            if asker != "organ":
                return None
            out = measures.check(s, actor=actor, subjects_raw=[raw], context="permit", channel="api")
            return 1, {g["record_id"] for m in out["subjects"][0]["measures"] for g in m["grounds"]
                       if g["type"] == "record"}, who
        if path == "report":
            if asker == "self":
                issued = reports.issue(s, actor=actor)
            elif asker == "organ":
                issued = reports.issue(s, actor=actor, subject=raw, purpose="permit")
            else:
                return None
            return 1, _report_records(issued.snapshot or {}), who
        if path == "portal":
            if asker != "public" or key == "unknown":
                return None
            page = portal.subject_page(s, self._sid(key)) if self._sid(key) else None
            return (1, {r["id"] for r in page.records}, who) if page else None
        if path == "grade":
            if asker != "organ" or key == "perP":
                return None
            answer, out = grading.grade_for_organ(s, actor=actor, subject=raw, purpose="permit")
            return 1, {c["record_id"] for c in (out or {}).get("contributions", []) if c["type"] == "record"}, who
        if path == "find":
            found = inquiries.find_own_records(s, actor=self.actors["provider"], subject=raw, item_code="penalty",
                                               doc_no=doc_no(key if key != "unknown" else KEYS[0], i % DOCS),
                                               channel="api")
            return 1, set(found), ("provider", key)
        if path == "history":
            ids = sorted([r.id for r in self.live.values()] + [r.id for r in self.purged])
            if not ids:
                return None
            rid = ids[i % len(ids)]
            try:
                hist = inquiries.record_history(s, actor=self.actors["provider"], record_id=rid, case_no=None,
                                                channel="api")
            except DomainError:  # a purged record: "not found", like any record that does not exist
                assert rid in {r.id for r in self.purged}, f"history of live record {rid} refused"
                return None
            return 1, ({rid} if hist is not None else set()), ("provider", self._key_of(rid))
        raise AssertionError(path)

    def _key_of(self, rid: int) -> str:
        return next(r.key for r in [*self.live.values(), *self.purged] if r.id == rid)

    def _served_lawfully(self, revealed: set[int], who: tuple[str, str], path: str) -> None:
        asker, key = who
        purged = {r.id for r in self.purged}
        assert not revealed & purged, f"{path} by {asker} served purged record(s) {revealed & purged}"
        for rid in revealed:
            rec = self._by_id(rid)
            assert rec.status != "revoked", f"{path} by {asker} served revoked record {rid}"
            if asker != "provider":
                assert rec.status != "withdrawn", f"{path} by {asker} served withdrawn record {rid}"
                if rec.status == "restored":
                    assert asker == "self" and rec.key == key, f"{path} by {asker} served restored record {rid}"

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def statuses_are_the_models(self):
        with session_scope(self.engine) as s:
            rows = {r.id: (r.status, r.content.get("content"), r.version)
                    for r in s.scalars(select(Record))}
        assert {rid: st for rid, (st, _c, _v) in rows.items()} == {r.id: r.status for r in self.live.values()}
        for r in self.live.values():
            assert rows[r.id][1] == r.content, (r.id, rows[r.id][1], r.content)

    @invariant()
    def revoked_never_served(self):
        """Every read path, for every subject and every asker, in a transaction rolled back."""
        if not any(r.status in ("revoked", "withdrawn", "restored") for r in self.live.values()) and not self.purged:
            return
        s = session_factory(self.engine)()
        try:
            for key in KEYS:
                if self._sid(key) is None:
                    continue
                for path, askers in PROBES:
                    for asker in askers:
                        got = self._read(s, path, asker, key, 0)
                        if got is not None:
                            self._served_lawfully(got[1], got[2], path)
                for rec in [r for r in self.live.values() if r.key == key and r.status == "revoked"] + \
                        [r for r in self.purged if r.key == key]:
                    found = inquiries.find_own_records(s, actor=self.actors["provider"], subject=SUBJECTS[key],
                                                       item_code="penalty", doc_no=doc_no(key, rec.n), channel="api")
                    self._served_lawfully(set(found), ("provider", key), "find")
        finally:
            s.rollback()
            s.close()

    @invariant()
    def every_inquiry_logged_once(self):
        with session_scope(self.engine) as s:
            assert s.scalar(select(func.count()).select_from(InquiryLog)) == self.logs

    @invariant()
    def audit_verify_intact(self):
        report = verify(self.engine, against=self.witness)
        assert report.ok, report.problems[:5]

    @invariant()
    def no_id_reused(self):
        before = self.ids_now
        self._snapshot_ids()
        for table, ids in self.ids_now.items():
            new = ids - before.get(table, set())
            reused = new & self.ids_seen.get(table, set())
            assert not reused, f"{table}: id(s) {sorted(reused)} reused after their row was deleted"
            self.ids_seen.setdefault(table, set()).update(ids)

    @invariant()
    def purged_found_nowhere(self):
        if not self.purged:
            return
        live_texts = self._live_texts()
        purged_ids = [r.id for r in self.purged]
        with session_scope(self.engine) as s:
            assert not s.scalars(select(Record.id).where(Record.id.in_(purged_ids))).all()
            assert not s.scalars(select(RecordHistory.id).where(RecordHistory.record_id.in_(purged_ids))).all()
        needles = {n for r in self.purged for n in (*r.contents, doc_no(r.key, r.n))} - live_texts
        # the document number stays in the sealed record:correct events (immutable; see
        # ``test_a_purged_records_document_number_leaves_the_audit_log``): every other table is searched for it
        found = [f for f in _rows_holding(self.engine, needles) if not f.startswith("audit_event.details (沪状态罚")]
        assert not found, f"purged records' text still in {found}"

    # --- after a purge ------------------------------------------------------------------------------

    def _live_texts(self) -> set[str]:
        return {c for r in self.live.values() for c in r.contents} | {doc_no(r.key, r.n) for r in self.live.values()}

    def _no_copy_left(self, gone: list[Rec]) -> None:
        """The records just purged are in no stored upload copy (the spools under var/batches): neither the
        line they were stored from nor a file that carried them again. (A file sent after the purge may
        carry the same content again: it is checked at the next purge of that content.)"""
        held = _files_holding({c for r in gone for c in r.contents} - self._live_texts())
        assert not held, f"purged records' content still in the stored copies {held}"

    def _no_bytes_left(self) -> None:
        if self.engine.dialect.name != "sqlite":
            return  # PostgreSQL: what VACUUM does and does not guarantee is in docs/audit.md
        needles = {n for r in self.purged for n in (*r.contents, doc_no(r.key, r.n))} - self._live_texts()
        # a document number a sealed record:correct event names is in the file as that event: the known finding
        # of ``test_a_purged_records_document_number_leaves_the_audit_log``, not a left-over of the deletion
        needles -= {n for n in needles if _rows_holding(self.engine, {n}, tables=("audit_event",))}
        path = Path(self.engine.url.database)
        blobs = {p.name: p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()}
        left = {(name, n) for name, data in blobs.items() for n in needles if n.encode() in data}
        assert not left, (f"bytes of purged records left in the database files: {sorted(left)}; "
                          f"SQL-visible: {_rows_holding(self.engine, needles)}")

    def _snapshot_ids(self) -> None:
        out = {}
        with self.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and isinstance(pk[0].type, Integer):
                    out[table.name] = set(conn.execute(select(pk[0])).scalars())
        self.ids_now = out


# Every read path and who it serves (the probe after every step).
PROBES = [("inquiry", ["organ", "court", "agency", "public", "self"]), ("check", ["organ"]),
          ("report", ["self"]), ("portal", ["public"]), ("grade", ["organ"])]


def _report_records(snap: dict) -> set[int]:
    recs = {r["id"] for sec in snap.get("sections", []) for g in sec["groups"] for r in g["records"]}
    for sec in snap.get("sections", []):
        for c in (sec.get("grade") or {}).get("contributions") or ():
            if c["type"] == "record" and not c.get("deleted"):
                recs.add(c["record_id"])
        for m in sec.get("measures") or ():
            recs |= {g["record_id"] for g in m["grounds"] if g["type"] == "record" and not g.get("deleted")}
    return recs


def sqlite_reuses_ids(engine) -> bool:
    """SQLite without AUTOINCREMENT gives a new row the highest id in the table plus one: the id of a
    deleted row that had the highest comes back."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'record'").scalar()
    return "AUTOINCREMENT" not in ddl.upper()


def _officer(s, unit, staff) -> Actor:
    _, token = units.add_officer(s, unit=unit, staff_no=staff, name="张三", items=None, purposes=None,
                                 expires_at=None, actor=CONSOLE)
    return tokens.authenticate(s, token)


def _rows_holding(engine, needles: set[str], tables: tuple[str, ...] | None = None) -> list[str]:
    """Every (table, column) whose text (JSON included) holds one of ``needles``."""
    if not needles:
        return []
    found = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if tables is not None and table.name not in tables:
                continue
            for row in conn.execute(select(table)).mappings():
                for col, value in row.items():
                    if value is None or isinstance(value, (int, float, bool)):
                        continue
                    textual = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
                    for n in needles:
                        if n in textual:
                            found.append(f"{table.name}.{col} ({n})")
    return sorted(set(found))


def _files_holding(needles: set[str]) -> list[str]:
    """Every stored upload copy (spool) under var/batches whose decrypted bytes hold one of ``needles``. (The
    rejects copies hold refused rows, never records, for ``retention.rejects_days``: not searched.)"""
    folder = get_settings().var_dir / "batches"
    if not needles or not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.spool")):
        data = path.read_bytes()
        if crypto.is_encrypted_file(path):
            with crypto.open_reader(path) as fh:
                data = fh.read()
        found += [f"{path.name} ({n})" for n in needles if n.encode() in data]
    return found


def _reset(engine, catalog: list[dict]) -> None:
    """Every table emptied but the catalog (as migrated); the var directory's batches and exported
    checkpoints removed (they belong to the database just emptied)."""
    with engine.begin() as conn:
        names = [r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'" if engine.dialect.name == "sqlite" else
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))]
        names = [n for n in names if n not in ("alembic_version", "catalog_item") and not n.startswith("sqlite_")]
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for n in names:
                conn.exec_driver_sql(f'DELETE FROM "{n}"')
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        else:
            empty_postgres_tables(conn, names)
        for row in catalog:
            conn.execute(update(CatalogItem).where(CatalogItem.code == row["code"]).values(**row))
    refcache.invalidate()
    var = get_settings().var_dir
    for sub in ("batches", "audit/checkpoints"):
        folder = var / sub
        if folder.is_dir():
            for p in folder.iterdir():
                p.unlink()


@pytest.fixture
def catalog(engine) -> list[dict]:
    with session_scope(engine) as s:
        return [{"code": c.code, "disclosure": c.disclosure, "public_basis_level": c.public_basis_level,
                 "inquiry_law_basis": c.inquiry_law_basis} for c in s.scalars(select(CatalogItem))]


def _run(engine, catalog, tmp_path, monkeypatch, *, examples: int, steps: int) -> None:
    sealing.require_migrated(engine)
    # checked once: reading the migration scripts for the head revision is most of a small log's verification
    monkeypatch.setattr(sealing, "require_migrated", lambda engine: None)
    Platform.engine, Platform.catalog, Platform.tmp = engine, catalog, tmp_path
    Platform.runs = 0
    STATS.clear()
    run_state_machine_as_test(Platform, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, database=None, derandomize=True,
        phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


BUDGET = {"sqlite": (8, 15), "postgresql": (5, 12)}  # examples, steps each: ~15 s together on 2 idle cores
LONG = {"sqlite": (30, 50), "postgresql": (12, 40)}


@pytest.mark.article("Art. 37")
@pytest.mark.article("Art. 38")
def test_random_workflows_keep_the_invariants(engine, backend, catalog, tmp_path, monkeypatch):
    examples, steps = BUDGET[backend]
    _run(engine, catalog, tmp_path, monkeypatch, examples=examples, steps=steps)
    if os.environ.get("XINYONG_STATEFUL_STATS"):
        print(backend, dict(sorted(STATS.items())))


@pytest.mark.long
@pytest.mark.article("Art. 37")
def test_random_workflows_keep_the_invariants_long(engine, backend, catalog, tmp_path, monkeypatch):
    examples, steps = LONG[backend]
    _run(engine, catalog, tmp_path, monkeypatch, examples=examples, steps=steps)
    if os.environ.get("XINYONG_STATEFUL_STATS"):
        print(backend, dict(sorted(STATS.items())))


# --- what the runs found, as explicit sequences ------------------------------------------------------


def _import(engine, actor, tmp_path, rows, name):
    from ..helpers import run_file

    return run_file(engine, actor, tmp_path, to_csv(rows, CF_COLUMNS), name=name, chunk_rows=2)


def _record_id(engine, key: str, n: int) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(Record.id).where(Record.doc_no == doc_no(key, n)))


def _revoke_and_purge(engine, actor, rid: int) -> None:
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=rid, document="沪撤销〔2025〕1号", decided_by="court", reason="判决撤销",
                         actor=actor)
    assert CliRunner().invoke(cli_app, ["purge"]).exit_code == 0


@pytest.mark.article("Art. 37")
def test_a_purged_record_leaves_every_stored_copy_of_its_provider(engine, tmp_path):
    """Found by the runs: the purge removed the record's row from the line it was stored from, but not from
    a second file that carried it again (counted already present), nor from a duplicate line of its own file.
    Now every finished copy of the provider that counted such rows is rewritten without the record's rows
    (its identity: item, document number, subject), rejected versions of it included."""
    from ..helpers import add_provider

    actor, _ = add_provider(engine)
    kept = row_for("orgB", 0, tag(2), 2)
    assert _import(engine, actor, tmp_path, [row_for("orgA", 0, tag(1), 1), kept, row_for("orgA", 0, tag(1), 3)],
                   "a.csv").already_present == 1
    assert _import(engine, actor, tmp_path, [row_for("orgA", 0, tag(1), 4)], "b.csv").already_present == 1
    assert _import(engine, actor, tmp_path, [row_for("orgA", 0, tag(3), 5)], "c.csv").rejected == 1
    assert len(_files_holding({tag(1)})) == 2 and len(_files_holding({tag(3)})) == 1
    _revoke_and_purge(engine, actor, _record_id(engine, "orgA", 0))
    assert _files_holding({tag(1), tag(3)}) == []
    assert len(_files_holding({tag(2)})) == 1  # the other record's row stays, in its line
    assert verify(engine).ok


@pytest.mark.article("Art. 37")
@pytest.mark.article("Art. 36.2(1)")
def test_a_purged_record_leaves_the_objections_about_it(engine, tmp_path):
    """Found by the runs: an objection kept the deleted record's document number (``objection_record.doc_no``)
    and, decided "corrected", the corrected values (``objection.changes``). Now the purge leaves a mark in their
    place (``objection.purge``); the objection still names the record by its id."""
    from xinyong.models import Objection, ObjectionRecord
    from xinyong.objection.purge import DELETED_MARK

    from ..helpers import add_provider

    actor, _ = add_provider(engine)
    _import(engine, actor, tmp_path, [row_for("orgA", 0, tag(1), 1), row_for("orgA", 1, tag(2), 2)], "a.csv")
    rid = _record_id(engine, "orgA", 0)
    with session_scope(engine) as s:
        sid = s.get(Record, rid).subject_id
        obj = objections.file(s, actor=Actor(role="subject", subject_id=sid), subject_id=sid, kind="error",
                              reason="金额有误", evidence=["缴款凭证"], record_ids=[rid], channel="api")
        number = objections.number_of(obj)
    with session_scope(engine) as s:
        objections.note(s, objection=number, actor=CONSOLE, path="center")
    with session_scope(engine) as s:
        objections.decide(s, objection=number, actor=CONSOLE, outcome="corrected", document="沪异议〔2025〕1号",
                          reason="经核查", changes={"content": tag(9)})
    _revoke_and_purge(engine, actor, rid)
    with session_scope(engine) as s:
        link = s.scalar(select(ObjectionRecord).where(ObjectionRecord.record_id == rid))
        obj = s.get(Objection, link.objection_id)
        view = objections.view(s, obj)
        assert (link.doc_no, obj.changes) == (DELETED_MARK, {"deleted": True, "article": "Art. 37",
                                                             "fields": ["content"]})
        assert view["records"][0]["id"] == rid and view["records"][0]["document"] == DELETED_MARK
    found = _rows_holding(engine, {doc_no("orgA", 0), tag(1), tag(9)})
    assert [f for f in found if not f.startswith("audit_event.")] == []
    assert verify(engine).ok


@pytest.mark.article("Art. 37")
def test_a_purged_records_document_number_leaves_the_audit_log(engine, tmp_path):
    """Found by the runs: record:correct events named the record's document number, and sealed events are
    never rewritten, so a corrected record's number outlived its deletion. They no longer name it, and
    ``audit verify`` still holds the purged record's import chunk (by the deletion's member digest)."""
    from ..helpers import add_provider

    actor, _ = add_provider(engine)
    _import(engine, actor, tmp_path, [row_for("orgA", 0, tag(1), 1)], "a.csv")
    rid = _record_id(engine, "orgA", 0)
    with session_scope(engine) as s:
        workflows.correct(s, record_id=rid, changes={"content": tag(2)}, reason="录入错误", document="沪更〔2025〕1号",
                          actor=actor)
    _revoke_and_purge(engine, actor, rid)
    assert _rows_holding(engine, {tag(1), tag(2)}) == []  # its contents are gone from every table
    assert _rows_holding(engine, {doc_no("orgA", 0)}) == []
    report = verify(engine)
    assert report.ok, report.problems[:3]


@pytest.mark.article("Art. 37")
def test_sqlite_never_gives_a_purged_record_id_to_a_new_record(engine, tmp_path):
    """Found by the runs, on SQLite: the tables' keys are rowids without AUTOINCREMENT, so the record with the
    highest id, once purged, gives its id to the next record imported. ``audit verify`` then reports the new
    record as the deleted one put back ("record N was deleted by event E but is still in the table"), and
    purging the new one fails on the tombstone's unique record id (an IntegrityError out of ``xinyong
    purge``). PostgreSQL's sequences never give an id twice; migration 0014 rebuilds SQLite's tables with
    AUTOINCREMENT."""
    assert not sqlite_reuses_ids(engine)  # migration 0014: AUTOINCREMENT on SQLite
    from xinyong.models import RecordTombstone

    from ..helpers import add_provider

    actor, _ = add_provider(engine)
    _import(engine, actor, tmp_path, [row_for("orgA", 0, tag(1), 1), row_for("orgA", 1, tag(2), 2)], "a.csv")
    top = _record_id(engine, "orgA", 1)
    _revoke_and_purge(engine, actor, top)
    _import(engine, actor, tmp_path, [row_for("orgB", 0, tag(3), 1)], "b.csv")
    new = _record_id(engine, "orgB", 0)
    assert new != top
    report = verify(engine)
    assert report.ok, report.problems[:3]
    _revoke_and_purge(engine, actor, new)
    with session_scope(engine) as s:
        assert sorted(s.scalars(select(RecordTombstone.record_id))) == sorted({top, new})

