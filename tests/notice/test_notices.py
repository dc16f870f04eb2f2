"""Notices to subjects (Art. 32.1, 36, 37, 38): the letter is written with the act, shown in the portal's inbox,
and announced by an e-mail that says only that it waits — sent to a real SMTP server (aiosmtpd) started here."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl

import pytest
from sqlalchemy import select, update

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.measure import service as measures
from xinyong.models import Notice, NoticeMail, Subject, SubjectContact
from xinyong.notice import mail, rules
from xinyong.notice import service as notices
from xinyong.objection import service as objections

from ..helpers import issue_subject_token
from ..measure.conftest import ORG_USCC, joint  # noqa: F401 (fixtures)
from ..inquiry.conftest import world  # noqa: F401
from ..portal.support import portal_client

ADDRESS = "fawu@example.com"


def _apply(engine, w):
    with session_scope(engine) as s:
        chk = measures.check(s, actor=w.organ, subjects_raw=[ORG_USCC], context="permit", channel="api")
        app = measures.apply(s, check_id=chk["check_id"], measure="P-PENALTY", subject=ORG_USCC,
                             document="沪府许〔2025〕7号", actor=w.organ)
        return app.id


def _give_address(engine, subject_id, address=ADDRESS):
    with session_scope(engine) as s:
        notices.set_contact(s, actor=Actor(role="subject", subject_id=subject_id), address=address)


@pytest.mark.article("Art. 32.1")
def test_applying_a_measure_writes_a_letter_naming_the_organ_basis_and_grounds(engine, joint):
    w = joint.w
    app_id = _apply(engine, w)
    with session_scope(engine) as s:
        n = s.scalars(select(Notice).where(Notice.subject_id == w.org_id)).one()
        organ = s.get(Subject, w.org_id) and w.organ.unit_id
        from xinyong.models import Unit
        organ_name = s.get(Unit, organ).name
        assert (n.kind, n.article, n.object_type, n.object_id) == ("measure_applied", "Art. 32.1",
                                                                   "measure_application", app_id)
        assert n.body["organ"] == organ_name and organ_name in n.title
        assert n.body["basis"] == {"text": "《上海市社会信用条例》第三十条", "level": "local-regulation"}
        assert n.body["document"] == "沪府许〔2025〕7号" and n.body["measure"]["code"] == "P-PENALTY"
        assert n.body["grounds"] and all(g["type"] == "record" for g in n.body["grounds"])
        assert s.scalar(select(NoticeMail.id)) is None  # no address given: the letter only


@pytest.mark.article("Art. 36.2(2)")
def test_each_objection_step_writes_a_letter(engine, joint):
    w = joint.w
    with session_scope(engine) as s:
        rid = s.execute(select(__import__("xinyong.models", fromlist=["Record"]).Record.id)
                        .where(__import__("xinyong.models", fromlist=["Record"]).Record.subject_id == w.org_id)).scalar()
        obj = objections.file(s, actor=CONSOLE, subject_id=w.org_id, kind="error", reason="金额错误",
                              evidence=["缴款凭证"], record_ids=[rid], channel="cli")
        number = objections.number_of(obj)
        objections.note(s, objection=number, actor=CONSOLE, path="center")
    with session_scope(engine) as s:
        letters = notices.inbox(s, w.org_id)
    assert [(n["kind"], n["article"], n["body"]["step"]) for n in letters] == [("objection_step", "Art. 36.2", "note")]
    assert str(letters[0]["title"]) == f"Your objection {number} was noted"


@pytest.mark.article("Art. 36.2(2)")
def test_a_providers_decision_reaches_the_objector_once_in_the_centers_letter(engine, joint):
    """The providing unit tells its decision to the Center; the Center tells the objector: one letter with the
    decision (the inform step), not one for the provider's decision and another for the Center's."""
    from xinyong.models import Record, Unit

    w = joint.w
    with session_scope(engine) as s:
        record = s.scalars(select(Record).where(Record.subject_id == w.org_id)).first()
        unit = s.get(Unit, record.unit_id)
        provider = Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer="console")
        obj = objections.file(s, actor=CONSOLE, subject_id=w.org_id, kind="error", reason="金额错误",
                              evidence=["缴款凭证"], record_ids=[record.id], channel="cli")
        number = objections.number_of(obj)
        objections.note(s, objection=number, actor=CONSOLE, path="provider")
        objections.transfer(s, objection=number, actor=CONSOLE)
    with session_scope(engine) as s:
        objections.decide(s, objection=number, actor=provider, outcome="upheld", document="沪核〔2025〕1号",
                          reason="经核查，记录无误")
    with session_scope(engine) as s:
        after_decision = [n["body"]["step"] for n in notices.inbox(s, w.org_id)]
        objections.inform(s, objection=number, actor=CONSOLE)
    with session_scope(engine) as s:
        letters = notices.inbox(s, w.org_id)
    steps = sorted(n["body"]["step"] for n in letters)
    assert sorted(after_decision) == ["note", "transfer"] and steps == ["inform", "note", "transfer"]
    [told] = [n for n in letters if n["body"]["step"] == "inform"]
    assert told["body"]["outcome"] == "upheld" and told["body"]["document"] == "沪核〔2025〕1号"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + dt.timedelta(days=36500))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


class _Inbox:
    def __init__(self, refuse: bool = False):
        self.refuse, self.messages, self.tls = refuse, [], []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, parsed.get_content()))
        self.tls.append(session.ssl is not None)
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch, tmp_path):
    from aiosmtpd.controller import Controller

    started = []

    def start(*, refuse=False, starttls=False):
        handler, port = _Inbox(refuse), _free_port()
        kw, client = {}, None
        if starttls:
            server_ctx, client = _self_signed(tmp_path)
            kw = {"tls_context": server_ctx, "require_starttls": True}
        c = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost", **kw)
        c.start()
        started.append(c)
        monkeypatch.setenv("XINYONG_SMTP_HOST", "localhost" if starttls else "127.0.0.1")
        monkeypatch.setenv("XINYONG_SMTP_PORT", str(port))
        monkeypatch.setenv("XINYONG_SMTP_STARTTLS", "true" if starttls else "false")
        monkeypatch.setenv("XINYONG_SMTP_FROM", "notices@credit.example")
        return handler, client

    yield start
    for c in started:
        c.stop()


@pytest.mark.article("Art. 32.1")
def test_the_mail_says_only_that_a_letter_waits_over_starttls(engine, joint, smtp, monkeypatch):
    monkeypatch.setenv("XINYONG_PUBLIC_URL", "https://credit.example")
    w = joint.w
    _give_address(engine, w.org_id)
    _apply(engine, w)
    handler, client_ctx = smtp(starttls=True)
    summary = mail.send_due(engine, tls_context=client_ctx)
    assert summary["sent"] == 1 and summary["failed"] == 0
    (rcpt, content), = handler.messages
    assert rcpt == [ADDRESS] and handler.tls == [True]
    assert content == mail.message_text() and "https://credit.example/me/notices" in content
    assert "沪府许〔2025〕7号" not in content and "P-PENALTY" not in content and "第三十条" not in content
    with session_scope(engine) as s:
        enc = s.scalar(select(SubjectContact.address_enc))
        assert ADDRESS not in enc  # encrypted at rest
        assert s.scalar(select(NoticeMail.state)) == "sent"


@pytest.mark.article("Art. 32.1")
def test_a_refused_mail_is_retried_then_failed_and_reported_and_the_letter_stays(engine, joint, smtp, caplog):
    w = joint.w
    _give_address(engine, w.org_id)
    _apply(engine, w)
    smtp(refuse=True)
    runs = []
    for _ in range(5):
        runs.append(mail.send_due(engine))
        with session_scope(engine) as s:  # the backoff has passed
            s.execute(update(NoticeMail).values(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)))
    assert [r["retrying"] for r in runs] == [1, 1, 1, 1, 0] and runs[-1]["failed"] == 1
    assert mail.send_due(engine)["sent"] == 0  # failed: not tried again
    with session_scope(engine) as s:
        m = s.scalars(select(NoticeMail)).one()
        assert (m.state, m.attempts) == ("failed", 5) and m.last_error == "SMTPRecipientsRefused 550"
        assert notices.failed_mails(s)[0]["notice_id"] == m.notice_id
        assert [n["id"] for n in notices.inbox(s, w.org_id)] == [m.notice_id]
    assert ADDRESS not in caplog.text and "notice mail failed" in caplog.text


def test_a_closed_port_is_retried_with_backoff(engine, joint, monkeypatch):
    w = joint.w
    _give_address(engine, w.org_id)
    _apply(engine, w)
    monkeypatch.setenv("XINYONG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("XINYONG_SMTP_PORT", str(_free_port()))
    monkeypatch.setenv("XINYONG_SMTP_STARTTLS", "false")
    assert mail.send_due(engine)["retrying"] == 1
    assert mail.send_due(engine)["retrying"] == 0  # not due again before the backoff
    with session_scope(engine) as s:
        m = s.scalars(select(NoticeMail)).one()
        assert m.state == "queued" and m.attempts == 1 and m.last_error == "ConnectionRefusedError"


def test_backoff_doubles_then_fails():
    at = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.timezone.utc)
    assert rules.after_failure(1, max_attempts=3, backoff_minutes=5, at=at) == ("queued", at + dt.timedelta(minutes=5))
    assert rules.after_failure(2, max_attempts=3, backoff_minutes=5, at=at)[1] == at + dt.timedelta(minutes=10)
    assert rules.after_failure(3, max_attempts=3, backoff_minutes=5, at=at) == ("failed", None)


@pytest.mark.article("Art. 32.1")
def test_the_inbox_page_shows_the_letter_and_opening_marks_it_read(engine, joint):
    w = joint.w
    _apply(engine, w)
    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, w.org_id))
    client = portal_client(engine)
    client.sign_in(token)
    page = client.get("/me/notices")
    assert page.status_code == 200 and 'class="unread"' in page.text and "/me/notices/" in page.text
    with session_scope(engine) as s:
        nid = s.scalar(select(Notice.id))
    letter = client.get(f"/me/notices/{nid}")
    assert letter.status_code == 200 and "沪府许〔2025〕7号" in letter.text and "《上海市社会信用条例》第三十条" in letter.text
    assert 'class="unread"' not in client.get("/me/notices").text
    api = client.get("/api/v1/me/notices", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.json()[0]["read_at"] is not None
    put = client.put("/api/v1/me/contact", json={"address": "not-an-address"},
                     headers={"Authorization": f"Bearer {token}"})
    assert put.status_code == 422


@pytest.mark.article("Art. 37")
def test_a_revocation_carried_out_writes_a_letter_and_the_deletion_marks_its_grounds(engine, joint):
    from xinyong import deletion
    from xinyong.record import workflows

    w = joint.w
    _apply(engine, w)
    with session_scope(engine) as s:
        ground = s.scalar(select(Notice).where(Notice.kind == "measure_applied")).body["grounds"][0]["record_id"]
        workflows.revoke(s, record_id=ground, document="沪撤销〔2025〕3号", decided_by="court", reason="判决撤销",
                         actor=CONSOLE)
    with session_scope(engine) as s:
        letter = s.scalar(select(Notice).where(Notice.kind == "record_revoked"))
        assert (letter.article, letter.body["record_id"], letter.body["document"]) == ("Art. 37", ground,
                                                                                       "沪撤销〔2025〕3号")
        deletion.purge(s, actor=CONSOLE)
    with session_scope(engine) as s:
        grounds = s.scalar(select(Notice).where(Notice.kind == "measure_applied")).body["grounds"]
        assert {"type": "record", "record_id": ground, "deleted": True, "article": "Art. 37"} in grounds
