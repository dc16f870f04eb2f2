"""The exchange with other credit information platforms (Art. 7, 12, 16; docs/exchange.md).

Export (a read path like any other): the records a partner platform may receive are those the one visibility
decision lets it see (``inquiry.rules`` kind ``platform``: public items only), servable today (never what
Art. 37 deleted, Art. 38 hid, or past its Art. 35 period), received since the last watermark; plus the acts
done on records since (corrections, withdrawals, revocations, restorations), the objections transferred to
the partner (Art. 36.2(2)) and the decisions on the objections it transferred to us. Every subject whose
information leaves is logged as an inquiry by that platform before the files are in place. The files are in
the national formats (``formats``), natural persons' numbers sealed to the recipient's key, and a manifest
(counts, digests, the catalog version, the watermarks) signed with the platform's key.

Import: the manifest's signature and every file's digest are checked first (nothing of a file that does not
verify is kept); the record files go through the importer as the partner's unit — the same catalog, field and
Art. 9.2(4) filters as any provider's file — and each stored record keeps where it came from (platform, file,
line, the sender's reference); the acts are carried out through the record workflows. Importing the same export
again changes nothing.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import CONSOLE, Actor
from ..catalog import compilation
from ..clock import now, today
from ..config import get_settings
from ..db import session_scope
from ..errors import DomainError, InvalidInput, NotFound, RuleViolation, msg
from ..logmask import mask_text
from ..inquiry import rules as inquiry_rules
from ..inquiry import service as inquiries
from ..models import (CatalogItem, ExchangeExport, ExchangeImport, ExchangeObjection, ExchangePartner,
                      ExchangeReceived, Objection, ObjectionRecord, Record, RecordAction, Subject, Unit)
from ..objection import rules as objection_rules
from ..objection import service as objections
from ..record import importer, spool, workflows
from ..subject import service as subjects
from ..unit import service as units
from . import formats, keys, rules
from .rules import Watermark

PURPOSE = "exchange"
FORMAT = "xinyong-exchange/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
_R = Record.__table__
_A = RecordAction.__table__


# Partners ------------------------------------------------------------------------------------------------


def add_partner(session: Session, *, name: str, kind: str, uscc: str, region: str, verify_key: str, seal_key: str,
                items: list[str], actor: Actor) -> tuple[ExchangePartner, str]:
    """Register another platform: what it is (``kind``: the national sharing platform, another province's, a
    system of the city's — each the article the sharing rests on), its unit (kind ``platform``, providing
    ``items``: what its exports may carry), its region and its two public keys. Returns the partner and its
    unit's first token (shown once)."""
    name = name.strip()
    if not name:
        raise InvalidInput("the partner needs a name", field="name")
    region = rules.check_recipient_region(region)
    basis = rules.check_partner(kind, region, get_settings().platform_region)
    verify = keys._b64(keys.public_key_bytes(verify_key, field="verify_key"))
    seal = keys._b64(keys.public_key_bytes(seal_key, field="seal_key"))
    if session.scalar(select(ExchangePartner.id).where(ExchangePartner.name == name)) is not None:
        raise RuleViolation(msg("a partner named {name} is registered already", name=name), article="Art. 12",
                            field="name", status=409)
    unit, token = units.add_unit(session, name=name, kind="platform", uscc=uscc, provides=items,
                                 published_on=today(), actor=actor)
    partner = ExchangePartner(name=name, kind=kind, unit_id=unit.id, region=region, verify_key=verify, seal_key=seal,
                              active=True, added_at=now(), added_by=actor.label)
    session.add(partner)
    session.flush()
    audit.append(session, action="exchange:partner", actor=actor, object_type="exchange_partner",
                 object_id=partner.id, details={"name": name, "kind": kind, "basis": basis, "region": region,
                                                "unit_id": unit.id, "items": sorted(items)})
    return partner, token


def partner(session: Session, name: str) -> ExchangePartner:
    found = session.scalar(select(ExchangePartner).where(ExchangePartner.name == name.strip()))
    if found is None or not found.active:
        raise NotFound(msg("no partner platform named {name} (xinyong exchange partner list names them)", name=name),
                       field="recipient")
    return found


def partner_of_unit(session: Session, unit_id: int | None) -> ExchangePartner | None:
    if unit_id is None:
        return None
    return session.scalar(select(ExchangePartner).where(ExchangePartner.unit_id == unit_id))


def partners(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(ExchangePartner, Unit.uscc).join(Unit, Unit.id == ExchangePartner.unit_id)
                           .order_by(ExchangePartner.name)).all()
    out = []
    for p, uscc in rows:
        last = session.scalar(select(ExchangeExport).where(ExchangeExport.partner_id == p.id)
                              .order_by(ExchangeExport.id.desc()).limit(1))
        out.append({"name": p.name, "kind": p.kind, "basis": rules.PARTNER_KINDS.get(p.kind), "uscc": uscc,
                    "region": p.region, "active": p.active,
                    "verify_key": p.verify_key, "seal_key": p.seal_key,
                    "last_export": ({"id": last.id, "watermark": last.watermark, "created_on": last.created_on}
                                    if last else None)})
    return out


def platform_actor(session: Session, p: ExchangePartner, acting: Actor) -> Actor:
    """The partner as the asker of the visibility decision (its unit), named with who acted for it."""
    unit = session.get(Unit, p.unit_id)
    return Actor(role=inquiry_rules.PLATFORM, unit_id=unit.id, unit_uscc=unit.uscc,
                 officer=acting.officer or acting.label, officer_id=acting.officer_id)


# Export ----------------------------------------------------------------------------------------------------


@dataclass
class ExportResult:
    export_id: int
    staging: Path
    target: Path | None
    manifest: dict
    published: bool = False

    def publish(self) -> Path | None:
        """After the commit (the log rows are durable): the files take their place (``target``)."""
        if self.target is None:
            return None
        if self.target.exists():
            self.target.rmdir()  # empty: checked before the export ran
        os.replace(self.staging, self.target)
        self.published = True
        return self.target

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def bundle(self) -> dict[str, Any]:
        """The export as one JSON document (the API): the manifest's exact text, its signature, the files."""
        files = {e["name"]: (self.staging / e["name"]).read_text(encoding="utf-8") for e in self.manifest["files"]}
        return {"manifest": (self.staging / MANIFEST).read_text(encoding="utf-8"),
                "signature": (self.staging / SIGNATURE).read_text(encoding="utf-8").strip(), "files": files}


def _watermark_now(session: Session) -> Watermark:
    """The last record and act committed now. On PostgreSQL ids come from sequences, which a transaction
    still in progress may have drawn below the current maximum: a short SHARE lock waits for the writers in
    progress, so that nothing at or below the watermark is committed later (and missed by the next export)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE record, record_action IN SHARE MODE"))
    return Watermark(int(conn.scalar(select(func.coalesce(func.max(_R.c.id), 0)))),
                     int(conn.scalar(select(func.coalesce(func.max(_A.c.id), 0)))))


def watermark_now(engine: Engine) -> Watermark:
    with session_scope(engine) as s:  # its own short transaction: the lock ends with it
        return _watermark_now(s)


def _target_dir(directory: Path) -> Path:
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InvalidInput(msg("{path} exists and is not an empty directory: an export writes a new directory",
                               path=str(directory)), field="directory")
    return directory


def export(session: Session, *, recipient: str, region: str | None, since: str | None, actor: Actor,
           directory: Path | None, channel: str, upto: Watermark | None = None) -> ExportResult:
    """Build the export for ``recipient`` in a staging directory (flushes the log rows, the export's row and
    its audit event; the caller commits, then calls ``publish``). ``upto``: the watermark read before, in a
    transaction of its own (``watermark_now``: on PostgreSQL its lock then lasts only that long); else read here."""
    p = partner(session, recipient)
    registered = rules.check_recipient_region(p.region)
    if region is not None and rules.check_recipient_region(region) != registered:
        raise RuleViolation(msg("{name} is registered in {registered}, not {region}", name=p.name,
                                registered=registered, region=region.strip().upper()),
                            article="Art. 12", field="recipient_region")
    target = _target_dir(directory) if directory is not None else None
    start = rules.parse_watermark(since)
    end = upto or _watermark_now(session)
    if start > end:
        raise InvalidInput(msg("the watermark {since} is ahead of this platform ({now})", since=str(start),
                               now=str(end)), field="since")
    day = today()
    asker = platform_actor(session, p, actor)
    conn = session.connection()

    acts_of: dict[int, list] = defaultdict(list)
    for a in conn.execute(select(_A).where(_A.c.id > start.action, _A.c.id <= end.action,
                                           _A.c.record_id <= end.record).order_by(_A.c.id)):
        acts_of[int(a.subject_id)].append(a)
    echo = set(conn.scalars(select(ExchangeReceived.record_id).where(ExchangeReceived.partner_id == p.id)))
    subject_ids = sorted(set(conn.scalars(select(_R.c.subject_id).distinct().where(
        _R.c.id > start.record, _R.c.id <= end.record))) | set(acts_of))

    _load_formats(session)
    version = compilation.version_at(session, now())
    exp = ExchangeExport(partner_id=p.id, since=str(start) if since else None, watermark=str(end),
                         created_at=now(), created_on=day, created_by=actor.label, channel=channel,
                         catalog_version=version, counts={}, manifest_sha256="")
    session.add(exp)
    session.flush()
    staging = Path(target.parent if target else _spare_dir()) / f".exchange-{uuid.uuid4().hex}.partial"
    staging.mkdir(parents=True, mode=0o700)
    writers = _Files(staging, p.seal_key)
    logged = 0
    try:
        # a chunk of subjects at a time: decided, written, and logged (one row per subject whose information
        # leaves, naming the records: Art. 20, 34) before the next is read, so memory stays bounded
        for chunk in _chunks(subject_ids, inquiries.LOAD_CHUNK):
            loaded = inquiries.load_subjects(conn, ids=chunk)
            batch = [loaded[i] for i in chunk if i in loaded]
            decided = {d.loaded.target["id"]: d for d in inquiries.decide_many(
                session, actor=asker, loaded=batch, purpose=PURPOSE, on=day)}
            persons = _person_numbers(session, [sid for sid, d in decided.items()
                                                if d.loaded.target["kind"] == "natural_person"])
            revealed: dict[int, list[int]] = defaultdict(list)
            for sid, d in decided.items():
                for row, _markers in inquiries.visible_records(d, day):
                    if start.record < row.id <= end.record and row.id not in echo:
                        writers.record(row, _identifier(d.loaded.target, persons), ref=str(row.id))
                        revealed[sid].append(row.id)
            _carry_acts(writers, [a for sid in decided for a in acts_of.get(sid, ())], decided, echo, revealed, day)
            shown = [decided[sid] for sid in sorted(revealed)]
            if shown:
                inquiries.log(session, actor=asker, decided=shown, channel="exchange",
                              revealed=[(revealed[d.loaded.target["id"]], []) for d in shown])
                logged += len(shown)
        _objections_out(session, writers, p, exp.id)
        _decisions_out(session, writers, p, exp.id)
        files = writers.close()
        manifest = {
            "format": FORMAT, "export_id": exp.id,
            "sender": {"verify_key": keys.platform_keys().verify_key, "seal_key": keys.platform_keys().seal_key},
            "recipient": {"name": p.name, "region": registered, "seal_key": p.seal_key},
            "created_at": exp.created_at.isoformat(), "created_on": day.isoformat(),
            "since": str(start), "watermark": str(end), "catalog_version": version,
            "files": files, "counts": {f["name"]: f["rows"] for f in files},
        }
        body = orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        (staging / MANIFEST).write_bytes(body)
        (staging / SIGNATURE).write_text(keys.sign(body) + "\n", encoding="utf-8")
        exp.counts, exp.manifest_sha256 = manifest["counts"], keys.digest(body)
        audit.append(session, action="exchange:export", actor=actor, object_type="exchange_export",
                     object_id=exp.id, details={"partner": p.name, "since": str(start), "watermark": str(end),
                                                "counts": exp.counts, "manifest_sha256": exp.manifest_sha256,
                                                "subjects_logged": logged})
        session.flush()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(exp.id, staging, target, manifest)


def _spare_dir() -> Path:
    path = get_settings().var_dir / "exchange" / "outgoing"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _chunks(seq: list, n: int) -> Iterable[list]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _person_numbers(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Subject.id, Subject.kind, Subject.identifier, Subject.identifier_enc,
                                  Subject.identifier_digest).where(Subject.id.in_(ids))).all()
    return {r.id: subjects.identifier_of(r._mapping) for r in rows}


def _identifier(target: dict, persons: dict[int, str]) -> str | tuple[str]:
    if target["kind"] == "natural_person":
        return (persons[target["id"]],)  # a 1-tuple: sealed when written
    return target["identifier"]


class _Files:
    """The export's files, written line by line (JSON Lines), with their digests and counts."""

    def __init__(self, staging: Path, seal_key: str) -> None:
        self.staging = staging
        self.seal_key = seal_key
        self._fh: dict[str, Any] = {}
        self._rows: dict[str, int] = defaultdict(int)
        self._sealers: dict[str, keys.Sealer] = {}
        self._formats: dict[str, str] = {}

    def _write(self, name: str, obj: dict) -> None:
        fh = self._fh.get(name)
        if fh is None:
            fh = self._fh[name] = open(self.staging / name, "wb")  # noqa: SIM115 - closed in close()
        fh.write(orjson.dumps(obj) + b"\n")
        self._rows[name] += 1

    def seal(self, name: str, value: str) -> str:
        sealer = self._sealers.get(name)
        if sealer is None:
            sealer = self._sealers[name] = keys.Sealer(self.seal_key, name)
        return sealer.seal(value)

    def record(self, row: Any, identifier: str | tuple[str], *, ref: str) -> None:
        fmt = self._item_format(row.item_code)
        name = formats.file_for(fmt, row.item_code)
        ident = self.seal(name, identifier[0]) if isinstance(identifier, tuple) else identifier
        self._write(name, formats.national_row(formats.RECORD_FILES[name], dict(row.content), ident, ref))

    def change(self, obj: dict) -> None:
        self._write(formats.CHANGES_FILE, obj)

    def objection(self, obj: dict) -> None:
        self._write(formats.OBJECTIONS_FILE, obj)

    def decision(self, obj: dict) -> None:
        self._write(formats.DECISIONS_FILE, obj)

    def _item_format(self, code: str) -> str:
        return _FORMATS_CACHE.get(code, "general")

    def close(self) -> list[dict]:
        out = []
        for name, fh in sorted(self._fh.items()):
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            data = (self.staging / name).read_bytes()
            out.append({"name": name, "rows": self._rows[name], "sha256": keys.digest(data)})
        return out


_FORMATS_CACHE: dict[str, str] = {}  # catalog item → its record format (reference data, read per export)


def _load_formats(session: Session) -> None:
    _FORMATS_CACHE.update(dict(session.execute(select(CatalogItem.code, CatalogItem.record_format)).all()))


def _carry_acts(writers: _Files, acts: list, decided: dict[int, inquiries.Decided], echo: set[int],
                revealed: dict[int, list[int]], day) -> None:
    """The acts done on records since the watermark, for the records of items the partner may receive."""
    rows_by_id = {row.id: row for d in decided.values() for row in d.loaded.rows}
    for a in acts:
        what = rules.CARRIED_ACTIONS.get(a.action)
        d = decided.get(a.subject_id)
        if what is None or d is None or a.record_id in echo:
            continue
        access = d.decision.access.get(a.item_code)
        if not d.decision.allowed or access is None or not access.visible:
            continue
        line: dict[str, Any] = {"ref": str(a.record_id), "action": what, "document": a.document,
                                "reason": a.reason, "decided_by": a.decided_by,
                                "on": a.received_on.isoformat(), "act": a.id}
        if what == "correct":
            row = rows_by_id.get(a.record_id)
            if row is None or row.status != "active":
                continue  # gone since (its removal travels as its own act)
            line["content"] = {k: v for k, v in dict(row.content).items()}
            line["version"] = row.version
        writers.change(line)
        if a.record_id not in revealed[a.subject_id]:
            revealed[a.subject_id].append(a.record_id)


def _objections_out(session: Session, writers: _Files, p: ExchangePartner, export_id: int) -> None:
    """Objections transferred to the partner's unit (records it sent us) and not yet sent: Art. 36.2(2)."""
    sent = set(session.scalars(select(ExchangeObjection.objection_id).where(
        ExchangeObjection.partner_id == p.id, ExchangeObjection.direction == "outgoing")))
    open_ = session.scalars(select(Objection).where(Objection.handler_unit_id == p.unit_id,
                                                    Objection.status == "transferred")).all()
    for obj in open_:
        if obj.id in sent:
            continue
        linked = session.scalars(select(ObjectionRecord).where(ObjectionRecord.objection_id == obj.id)).all()
        refs = dict(session.execute(select(ExchangeReceived.record_id, ExchangeReceived.origin_ref).where(
            ExchangeReceived.record_id.in_([r.record_id for r in linked]))).all())
        for r in linked:
            ref = refs.get(r.record_id)
            if ref is None:
                continue
            number = objections.number_of(obj)
            writers.objection({"number": number, "record_ref": ref, "kind": obj.kind, "reason": obj.reason,
                               "evidence": list(obj.evidence or []), "received_on": obj.received_on.isoformat()})
            session.add(ExchangeObjection(partner_id=p.id, direction="outgoing", objection_id=obj.id,
                                          their_number=number, record_ref=ref, sent_export_id=export_id,
                                          created_at=now()))


def _decisions_out(session: Session, writers: _Files, p: ExchangePartner, export_id: int) -> None:
    """Decisions on the objections the partner transferred to us, not yet sent back."""
    rows = session.scalars(select(ExchangeObjection).where(
        ExchangeObjection.partner_id == p.id, ExchangeObjection.direction == "incoming",
        ExchangeObjection.sent_export_id.is_(None))).all()
    for x in rows:
        obj = session.get(Objection, x.objection_id)
        if obj is None or obj.outcome is None:
            continue
        writers.decision({"number": x.their_number, "record_ref": x.record_ref, "outcome": obj.outcome,
                          "document": obj.outcome_document, "reason": obj.outcome_reason,
                          "changes": obj.changes or {}})
        x.sent_export_id, x.outcome = export_id, obj.outcome


# Import ----------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    import_id: int | None
    already_imported: bool = False
    files: dict[str, dict] = field(default_factory=dict)  # name → counts
    changes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    objections: int = 0
    decisions: int = 0
    notices: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "already_imported": self.already_imported, "files": self.files,
                "changes": dict(self.changes), "objections_received": self.objections,
                "decisions_received": self.decisions, "notices": self.notices}

    @property
    def exit_code(self) -> int:
        return 3 if any(f.get("rejected") for f in self.files.values()) else 0


MAX_BUNDLE_FILES = 16  # an export holds at most the files of ``formats`` and the manifest


def zip_bundle(result: ExportResult) -> bytes:
    """The export as one ZIP (the console's download): the manifest, its signature and the files, as written."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in (MANIFEST, SIGNATURE, *(e["name"] for e in result.manifest["files"])):
            z.write(result.staging / name, arcname=name)
    return out.getvalue()


def unzip_bundle(data: bytes, *, max_bytes: int) -> tuple[bytes, str, dict[str, bytes]]:
    """A ZIP of an export (the console's upload): its manifest, signature and files, read in memory within
    ``max_bytes`` uncompressed. Nothing is written to disk (the numbers in it are sealed, its rows not yet checked)."""
    import zipfile

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in z.infolist() if not i.is_dir()]
    except zipfile.BadZipFile:
        raise InvalidInput("not a ZIP file: upload the export as the console's download gives it",
                           field="file") from None
    if len(infos) > MAX_BUNDLE_FILES or sum(i.file_size for i in infos) > max_bytes:
        raise InvalidInput(msg("the export is larger than {mb} MB uncompressed: import it from the console "
                               "(xinyong exchange import DIR --from NAME)", mb=max_bytes // (1 << 20)), field="file")
    found = {Path(i.filename).name: z.read(i) for i in infos}
    if MANIFEST not in found or SIGNATURE not in found:
        raise InvalidInput(msg("the ZIP holds no {manifest} and {signature}: not an export", manifest=MANIFEST,
                               signature=SIGNATURE), field="file")
    body, signature = found.pop(MANIFEST), found.pop(SIGNATURE).decode("utf-8", "replace").strip()
    return body, signature, found


def read_bundle(directory: Path) -> tuple[bytes, str, dict[str, bytes]]:
    directory = Path(directory)
    try:
        body = (directory / MANIFEST).read_bytes()
        signature = (directory / SIGNATURE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise InvalidInput(msg("{path} holds no {manifest} and {signature}: not an export",
                               path=str(directory), manifest=MANIFEST, signature=SIGNATURE),
                           field="directory") from None
    files = {p.name: p.read_bytes() for p in directory.iterdir()
             if p.is_file() and p.name not in (MANIFEST, SIGNATURE)}
    return body, signature, files


def import_export(engine: Engine, *, sender: str, body: bytes, signature: str, files: dict[str, bytes],
                  actor: Actor) -> ImportResult:
    """Import one partner export (its manifest's exact bytes, the signature, the files by name)."""
    with session_scope(engine) as s:
        p = partner(s, sender)
        own = keys.platform_keys()
        try:
            manifest = orjson.loads(body)
        except orjson.JSONDecodeError:
            manifest = {}
        found = {name: (keys.digest(data), data.count(b"\n")) for name, data in files.items()}
        rules.check_export_intact(manifest, keys.verify(p.verify_key, body, signature),
                                  {e.get("name"): found.get(e.get("name")) for e in manifest.get("files", [])},
                                  p.verify_key, own.seal_key)
        digest = keys.digest(body)
        done = s.scalar(select(ExchangeImport.id).where(ExchangeImport.partner_id == p.id,
                                                        ExchangeImport.manifest_sha256 == digest))
        if done is not None:
            return ImportResult(done, already_imported=True)
        last = s.scalar(select(ExchangeImport.watermark).where(ExchangeImport.partner_id == p.id)
                        .order_by(ExchangeImport.id.desc()).limit(1))
        unit = s.get(Unit, p.unit_id)
        partner_id, unit_uscc = p.id, unit.uscc
        as_partner = replace(units.actor_for(unit, officer=actor.officer or actor.label), officer_id=actor.officer_id)
        _load_formats(s)
    result = ImportResult(None)
    listed = {e["name"] for e in manifest.get("files", [])}
    extra = sorted(set(files) - listed)
    if extra:
        result.notices.append(f"not in the manifest, not read: {', '.join(extra)}")
    if last and manifest.get("since") not in (None, last) and manifest.get("since") != "r0.a0":
        result.notices.append(f"this export starts at {manifest.get('since')}; the last one imported from "
                              f"{sender} ended at {last}: what lies between has not been received")
    import_ref = f"{sender}#{manifest.get('export_id')}"
    batches = []
    for name in formats.RECORD_FILES:
        if name in listed:
            batches.append(_import_records(engine, result, name, files[name], partner_id, unit_uscc, as_partner,
                                           import_ref))
    with session_scope(engine) as s:
        row = ExchangeImport(partner_id=partner_id, manifest_sha256=digest, sender_export_id=manifest.get("export_id"),
                             watermark=manifest.get("watermark"), imported_at=now(), imported_by=actor.label,
                             counts={}, batches=[b for b in batches if b])
        s.add(row)
        s.flush()
        result.import_id = row.id
        s.execute(update(ExchangeReceived).where(ExchangeReceived.import_id == 0,
                                                 ExchangeReceived.partner_id == partner_id).values(import_id=row.id))
        # decisions first: a decision to correct or delete carries out its own change, which the changes file
        # then finds done
        if formats.DECISIONS_FILE in listed:
            _receive_decisions(s, result, files[formats.DECISIONS_FILE], partner_id, as_partner)
        if formats.CHANGES_FILE in listed:
            _apply_changes(s, result, files[formats.CHANGES_FILE], partner_id, as_partner)
        if formats.OBJECTIONS_FILE in listed:
            center = actor if objection_rules.is_center(actor.role) else CONSOLE
            _receive_objections(s, result, files[formats.OBJECTIONS_FILE], partner_id, row.id, center)
        row.counts = result.summary()
        audit.append(s, action="exchange:import", actor=actor, object_type="exchange_import", object_id=row.id,
                     details={"partner": sender, "manifest_sha256": digest, "export_id": manifest.get("export_id"),
                              "files": result.files, "changes": dict(result.changes)})
    return result


def _lines(data: bytes) -> Iterable[tuple[int, dict]]:
    for n, raw in enumerate(data.splitlines(), start=1):
        if raw.strip():
            yield n, orjson.loads(raw)


def _import_records(engine: Engine, result: ImportResult, name: str, data: bytes, partner_id: int, unit_uscc: str,
                    as_partner: Actor, import_ref: str) -> str | None:
    """One record file through the importer, as the partner's unit; numbers unsealed in memory only."""
    unsealer = keys.Unsealer(name)
    refs: dict[int, str] = {}
    out = io.BytesIO()
    for n, obj in _lines(data):
        refs[n] = str(obj.pop(formats.REF_COLUMN, "") or "")
        for k, v in obj.items():
            if isinstance(v, str) and v.startswith(keys.SEALED_PREFIX):
                try:
                    obj[k] = unsealer.unseal(v)
                except keys.UnsealFailed:
                    obj[k] = ""  # the row is rejected for its missing identifier, naming the line
                    result.notices.append(f"{name} line {n}: a sealed number does not open with this platform's key")
        out.write(orjson.dumps(obj) + b"\n")
    if not refs:
        return None
    batch_id = importer.new_batch_id()
    with session_scope(engine) as s:
        declared = importer.declared_by_item(s)
    out.seek(0)
    filename = f"{import_ref}/{name}"
    spooled = spool.write_spool(out, filename=name, target=importer.stored_copy_path(batch_id), declared=declared)
    importer.open_batch(engine, unit_uscc=unit_uscc, filename=filename, sha256=keys.digest(data), actor=as_partner,
                        batch_id=batch_id, dropped_columns=spooled.dropped_columns)
    run = importer.run_import(engine, batch_id=batch_id, path=spooled.path, actor=as_partner, today=today())
    result.files[name] = {"batch_id": batch_id, "rows": run.rows, "accepted": run.accepted,
                          "already_present": run.already_present, "rejected": run.rejected}
    with session_scope(engine) as s:
        _provenance(s, batch_id, name, refs, partner_id, as_partner, filename)
    return batch_id


def _provenance(s: Session, batch_id: str, name: str, refs: dict[int, str], partner_id: int, actor: Actor,
                filename: str) -> None:
    """Where each record of the file came from. Rows already present (the same export again, or a record the
    partner had sent before) keep the provenance they have."""
    known = set(s.scalars(select(ExchangeReceived.origin_ref).where(ExchangeReceived.partner_id == partner_id,
                                                                    ExchangeReceived.origin_ref.in_(
                                                                        [r for r in refs.values() if r]))))
    rows, events = [], []
    for rec_id, line in s.execute(select(_R.c.id, _R.c.line_no).where(_R.c.batch_id == batch_id)):
        ref = refs.get(int(line))
        if not ref or ref in known:
            continue
        row = {"record_id": int(rec_id), "partner_id": partner_id, "origin_ref": ref, "import_id": 0,
               "file": filename[:255], "line": int(line)}
        rows.append(row)
        events.append(audit.event_row(action="exchange:received", actor=actor, object_type="exchange_received",
                                      object_id=0, details={"record_id": int(rec_id), "line": int(line)}))
    if rows:
        audit.insert_many_with_events(s, ExchangeReceived.__table__, rows, events)


def _received(s: Session, partner_id: int, ref: str) -> Record | None:
    rec_id = s.scalar(select(ExchangeReceived.record_id).where(ExchangeReceived.partner_id == partner_id,
                                                               ExchangeReceived.origin_ref == ref))
    return s.get(Record, rec_id) if rec_id is not None else None


def _apply_changes(s: Session, result: ImportResult, data: bytes, partner_id: int, as_partner: Actor) -> None:
    """The partner's acts on records it sent us, carried out here through the same workflows (Art. 11, 36–38).
    An act on a record we never received, or already carried out, changes nothing."""
    for n, ch in _lines(data):
        try:
            with s.begin_nested():  # one act refused (its article named) leaves the others
                _apply_change(s, result, n, ch, partner_id, as_partner)
        except DomainError as exc:
            result.changes["refused"] += 1
            result.notices.append(f"{formats.CHANGES_FILE} line {n}: {mask_text(str(exc.message))} [{exc.article}]")


def _apply_change(s: Session, result: ImportResult, n: int, ch: dict, partner_id: int, as_partner: Actor) -> None:
    rec = _received(s, partner_id, str(ch.get("ref", "")))
    action = ch.get("action")
    if rec is None:
        result.changes["unknown_record"] += 1
        return
    document = (ch.get("document") or "").strip() or f"exchange line {n}"
    reason = (ch.get("reason") or "").strip() or "carried from the platform the record came from"
    if rec.status == "revoked" or (action == rec.status) or (action == "restore" and rec.status == "restored") \
            or (action == "withdraw" and rec.status == "withdrawn"):
        result.changes["already_done"] += 1
        return
    if action == "correct":
        wanted = ch.get("content") or {}
        keys_ = (set(wanted) | set(rec.content)) - {"subject_id_column", "amount_unit", "amount_yuan",
                                                    "catalog_item", "other_ids"}
        changes = {k: wanted.get(k, "") for k in keys_ if (wanted.get(k) or "") != (rec.content.get(k) or "")}
        if not changes:
            result.changes["already_done"] += 1
            return
        workflows.correct(s, record_id=rec.id, changes=changes, reason=reason, document=document,
                          actor=as_partner)
    elif action == "withdraw":
        workflows.withdraw(s, record_id=rec.id, reason=reason, document=document, actor=as_partner)
    elif action == "revoke":
        workflows.revoke(s, record_id=rec.id, document=document, decided_by=ch.get("decided_by") or "organ",
                         reason=reason, actor=as_partner)
    elif action == "delete":
        workflows.remove(s, record_id=rec.id, document=document, reason=reason, actor=as_partner,
                         article="Art. 36.2(2)")
    elif action == "restore":
        if not rec.untrustworthy:
            result.changes["not_applicable"] += 1
            return
        workflows.restore(s, record_id=rec.id, document=document, reason=reason, actor=as_partner)
    else:
        result.changes["unknown_action"] += 1
        return
    result.changes[action] += 1


def _receive_objections(s: Session, result: ImportResult, data: bytes, partner_id: int, import_id: int,
                        actor: Actor) -> None:
    """Objections the partner received about records we sent it: ours to decide (Art. 36.2(2)). Each is opened
    here as an objection about our record, received today (its Art. 36 deadlines run from today), to be handled
    like any other; its decision goes back in the next export to the partner."""
    for _n, ob in _lines(data):
        number = str(ob.get("number", ""))[:40]
        exists = s.scalar(select(ExchangeObjection.id).where(
            ExchangeObjection.partner_id == partner_id, ExchangeObjection.direction == "incoming",
            ExchangeObjection.their_number == number))
        if exists is not None:
            continue
        ref = str(ob.get("record_ref", ""))
        rec = s.get(Record, int(ref)) if ref.isdigit() else None
        if rec is None:
            result.notices.append(f"objection {number}: record {ref} is not (or no longer) on this platform")
            continue
        try:
            with s.begin_nested():
                obj = objections.file(s, actor=actor, subject_id=rec.subject_id, kind=ob.get("kind") or "error",
                                      reason=(ob.get("reason") or "").strip() or "objection received from a partner "
                                      "platform", record_ids=[rec.id], evidence=list(ob.get("evidence") or []),
                                      channel="cli")
        except DomainError as exc:
            result.notices.append(f"objection {number}: {mask_text(str(exc.message))} [{exc.article}]")
            continue
        s.add(ExchangeObjection(partner_id=partner_id, direction="incoming", objection_id=obj.id,
                                their_number=number, record_ref=ref, received_import_id=import_id,
                                created_at=now()))
        result.objections += 1


def _receive_decisions(s: Session, result: ImportResult, data: bytes, partner_id: int, as_partner: Actor) -> None:
    """The partner's decisions on objections we transferred to it: recorded as the providing unit's decision
    (Art. 36.2(2)); the Center then tells the objector, as for any provider's decision."""
    for _n, dec in _lines(data):
        x = s.scalar(select(ExchangeObjection).where(
            ExchangeObjection.partner_id == partner_id, ExchangeObjection.direction == "outgoing",
            ExchangeObjection.their_number == str(dec.get("number", ""))))
        if x is None or x.outcome is not None:
            continue
        try:
            with s.begin_nested():
                objections.decide(s, objection=x.objection_id, actor=as_partner, outcome=dec.get("outcome") or "",
                                  document=dec.get("document") or "", reason=dec.get("reason") or "",
                                  changes=dec.get("changes") or None)
        except DomainError as exc:
            result.notices.append(f"decision on objection {x.their_number}: {mask_text(str(exc.message))} "
                                  f"[{exc.article}]")
            continue
        x.outcome = dec.get("outcome")
        result.decisions += 1


# The operator's view ----------------------------------------------------------------------------------------


def overview(session: Session, *, limit: int = 50) -> dict[str, Any]:
    """What the console shows (``/console/exchange``): the platform's public keys, the partners, the latest
    exports and imports, and the objections carried between platforms still waiting for a decision. Counts and
    references only: no record content, no number."""
    own = keys.platform_keys()
    names = dict(session.execute(select(ExchangePartner.id, ExchangePartner.name)).all())
    received = dict(session.execute(select(ExchangeReceived.partner_id, func.count())
                                    .group_by(ExchangeReceived.partner_id)).all())
    exports = session.scalars(select(ExchangeExport).order_by(ExchangeExport.id.desc()).limit(limit)).all()
    imports = session.scalars(select(ExchangeImport).order_by(ExchangeImport.id.desc()).limit(limit)).all()
    waiting = session.scalars(select(ExchangeObjection).where(ExchangeObjection.outcome.is_(None))
                              .order_by(ExchangeObjection.id)).all()
    numbers = {o.id: objections.number_of(o) for o in session.scalars(
        select(Objection).where(Objection.id.in_([x.objection_id for x in waiting] or [0])))}
    return {
        "own_keys": {"verify_key": own.verify_key, "seal_key": own.seal_key},
        "partners": [{**p, "id": pid, "received": received.get(pid, 0)} for pid, p in
                     ((session.scalar(select(ExchangePartner.id).where(ExchangePartner.name == p["name"])), p)
                      for p in partners(session))],
        "exports": [{"id": e.id, "partner": names.get(e.partner_id, ""), "since": e.since or "r0.a0",
                     "watermark": e.watermark, "created_at": e.created_at, "channel": e.channel,
                     "counts": e.counts or {}, "manifest_sha256": e.manifest_sha256,
                     "catalog_version": e.catalog_version} for e in exports],
        "imports": [{"id": i.id, "partner": names.get(i.partner_id, ""), "sender_export_id": i.sender_export_id,
                     "watermark": i.watermark, "imported_at": i.imported_at,
                     "files": (i.counts or {}).get("files", {}), "changes": (i.counts or {}).get("changes", {})}
                    for i in imports],
        "objections": [{"direction": x.direction, "partner": names.get(x.partner_id, ""),
                        "their_number": x.their_number, "number": numbers.get(x.objection_id, ""),
                        "created_at": x.created_at, "sent": x.sent_export_id is not None} for x in waiting],
    }
