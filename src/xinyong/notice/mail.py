"""The e-mail that tells a subject a letter waits in the portal (no content, no identifier), over SMTP with
STARTTLS (``smtplib``); the worker's ``notices`` job sends the queued ones. A failure is tried again after
``notice.mail_backoff_minutes`` (doubling) up to ``notice.mail_attempts`` times, then the mail is ``failed``
and reported in the job's summary; the letter itself is always in the inbox."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from sqlalchemy.engine import Engine

from ..clock import local_date, now
from ..config import env
from ..db import session_scope
from ..law import parameters
from ..models import NoticeMail
from . import rules, service

log = logging.getLogger(__name__)

SUBJECT = "您有一封新信件 / A letter is waiting for you"


def portal_url() -> str:
    base = (env("XINYONG_PUBLIC_URL") or "").rstrip("/")
    return f"{base}/me/notices" if base else "/me/notices"


def message_text() -> str:
    url = portal_url()
    return ("上海市公共信用信息服务平台有一封给您的信件，请登录平台查看：" + url + "\n\n"
            "A letter from the Shanghai Public Credit Information Service Platform is waiting for you. "
            "Sign in to read it: " + url + "\n")


def _message(sender: str, to: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, to, SUBJECT
    m.set_content(message_text())
    return m


def _error_text(exc: BaseException) -> str:
    """The failure's class and SMTP code only: an SMTP error's text may name the recipient."""
    code = getattr(exc, "smtp_code", None)
    if code is None and isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = next((c for c, _m in exc.recipients.values()), None)
    return type(exc).__name__ + (f" {code}" if code is not None else "")


def send_one(to: str, *, tls_context: ssl.SSLContext | None = None, timeout: float = 10.0) -> None:
    host = env("XINYONG_SMTP_HOST")
    port = int(env("XINYONG_SMTP_PORT", "587") or "587")
    user, password = env("XINYONG_SMTP_USER"), env("XINYONG_SMTP_PASSWORD")
    sender = env("XINYONG_SMTP_FROM") or user or "noreply@localhost"
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        smtp.ehlo()
        if (env("XINYONG_SMTP_STARTTLS", "true") or "true").lower() in ("1", "true", "yes"):
            smtp.starttls(context=tls_context or ssl.create_default_context())
            smtp.ehlo()
        if user:
            smtp.login(user, password or "")
        smtp.send_message(_message(sender, to))


def send_due(engine: Engine, *, tls_context: ssl.SSLContext | None = None) -> dict[str, Any]:
    """Try every queued mail that is due; the summary counts them (no address, no content)."""
    if not env("XINYONG_SMTP_HOST"):
        return {"sent": 0, "retrying": 0, "failed": 0, "skipped": "XINYONG_SMTP_HOST is not set"}
    at = now()
    day = local_date(at)
    most = int(parameters.value("notice.mail_attempts", day))
    backoff = int(parameters.value("notice.mail_backoff_minutes", day))
    with session_scope(engine) as s:
        due = service.due_mails(s, at)
    sent = retrying = failed = 0
    for mail_id, subject_id in due:
        with session_scope(engine) as s:
            mail = s.get(NoticeMail, mail_id)
            if mail is None or mail.state != "queued":
                continue
            address = service.address_of(s, subject_id)
            mail.attempts += 1
            error = None
            if address is None:
                error = "no address (withdrawn)"
            else:
                try:
                    send_one(address, tls_context=tls_context)
                except (OSError, smtplib.SMTPException) as exc:
                    error = _error_text(exc)
            if error is None:
                mail.state, mail.sent_at, mail.last_error = "sent", now(), None
                sent += 1
                continue
            mail.last_error = error[:300]
            state, nxt = rules.after_failure(mail.attempts, max_attempts=most, backoff_minutes=backoff, at=at)
            if address is None:
                state, nxt = "failed", None
            mail.state = state
            if nxt is not None:
                mail.next_attempt_at = nxt
                retrying += 1
            else:
                failed += 1
                log.warning("notice mail failed [Art. 32.1]: mail %s (letter %s) after %s attempts: %s",
                            mail.id, mail.notice_id, mail.attempts, mail.last_error)
    with session_scope(engine) as s:
        total_failed = len(service.failed_mails(s))
    return {"sent": sent, "retrying": retrying, "failed": failed, "failed_in_all": total_failed}
