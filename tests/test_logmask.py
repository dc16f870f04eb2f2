"""No full ID number in a log line or a traceback: the masking filter on log records (message, arguments,
exception text), uvicorn's access and error logs as ``xinyong serve`` configures them (a real server), and
the hooks for uncaught exceptions (the interpreter's, threads', the CLI's ``main``)."""

from __future__ import annotations

import io
import re
import logging
import socket
import subprocess
import sys
import threading
import time
from datetime import date

import httpx
import pytest

from xinyong import logmask
from xinyong.subject.identifiers import mask_ric

from .factories import ric, uscc

PERSON = next(c for c in (ric(date(1985, 3, 7), seq=n) for n in range(412, 1000)) if c[-1].isdigit())
PERSON_X = next(c for c in (ric(date(1990, 5, 1), seq=n) for n in range(1000)) if c.endswith("X"))
ORG = uscc(424242)
LEGACY = "310115850307412"  # a 15-digit number of GB 11643-1989: region, YYMMDD 850307, sequence


@pytest.fixture
def installed(monkeypatch):
    """``logmask.install()`` as the CLI and ``serve`` run it, undone afterwards."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    targets = [logging.getLogger(), *(logging.getLogger(n) for n in logmask.UVICORN_LOGGERS)]
    targets += [h for t in list(targets) for h in t.handlers]
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    before = {id(t): list(t.filters) for t in targets}
    logmask.install()
    yield
    for t in targets:
        t.filters[:] = before[id(t)]


# --- the shapes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("shown", [
    PERSON, PERSON_X, PERSON_X[:-1] + "x",
    f"{PERSON[:6]} {PERSON[6:14]} {PERSON[14:]}", f"{PERSON[:6]}+{PERSON[6:14]}+{PERSON[14:]}",
    f"{PERSON[:6]}%20{PERSON[6:14]}%20{PERSON[14:]}",
    PERSON.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # full-width digits
])
def test_every_way_a_number_is_written_is_masked(shown):
    line = f'GET /search?q={shown}&lang=en name=张三{shown}。'
    masked = logmask.mask_text(line)
    digits = shown.replace(" ", "").replace("+", "").replace("%20", "")
    assert digits not in masked and digits[6:14] not in masked
    assert masked.count(digits[:6] + "********" + digits[-4:]) == 2
    assert masked.startswith("GET /search?q=") and "&lang=en name=张三" in masked and masked.endswith("。")


def test_the_mask_is_the_platforms_public_form():
    assert logmask.mask_text(PERSON) == mask_ric(PERSON)
    assert logmask.mask_text(f"[{PERSON_X}]") == f"[{mask_ric(PERSON_X)}]"


def test_legacy_fifteen_digit_numbers_are_masked_when_they_hold_a_date():
    assert logmask.mask_text(f"id={LEGACY}") == f"id={LEGACY[:6]}******{LEGACY[-3:]}"  # no digit of the birth date
    not_a_date = "310115851399412"  # month 13
    assert logmask.mask_text(not_a_date) == not_a_date


def test_what_is_not_a_number_is_left_alone():
    for text in (ORG, "1234567890123456789", "12345678901234567", "order 2025-06-16 10:00:00 took 123456 us",
                 "digest 3f2a9c", "7" * 40, ""):
        assert logmask.mask_text(text) == text


# --- log records ------------------------------------------------------------------------------------

def test_message_args_and_exception_text_are_masked_in_captured_logs(installed, caplog):
    log = logging.getLogger("xinyong.test.logmask")
    caplog.set_level(logging.INFO)
    log.info("subject %s looked up", PERSON)
    log.info("as a dict %(who)s", {"who": PERSON_X})
    log.info("as a number %d", int(PERSON))
    log.warning(f"in the message itself {PERSON}")
    try:
        number = PERSON  # noqa: F841 - a local in the frame, as a driver's error quotes parameters
        raise ValueError(f"duplicate key (identifier)=({PERSON})")
    except ValueError:
        log.exception("import failed")
    log.info("stack", stack_info=True)
    text = caplog.text
    for n in (PERSON, PERSON_X, str(int(PERSON))):
        assert n not in text
    assert text.count(mask_ric(PERSON)) >= 4 and mask_ric(PERSON_X) in text
    assert "ValueError: duplicate key (identifier)=(" + mask_ric(PERSON) + ")" in text
    for record in caplog.records:
        assert PERSON not in record.getMessage() and record.exc_info is None
    # the filter does not lose a line it cannot format
    log.info("bad %d format", "not a number")
    assert caplog.records[-1].getMessage()


def test_a_record_reaching_several_handlers_is_masked_once_and_stays_masked(installed):
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    log = logging.getLogger("xinyong.test.twice")
    handlers = [Collect(), Collect()]
    for h in handlers:
        h.addFilter(logmask.MaskingFilter())
        log.addHandler(h)
    try:
        log.error("number %s", PERSON)
    finally:
        for h in handlers:
            log.removeHandler(h)
    assert lines == [f"number {mask_ric(PERSON)}"] * 2


# --- uvicorn, as xinyong serve runs it ---------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["serve", "worker"])
def served(request, engine, installed):
    """The platform's app under a real uvicorn with ``xinyong serve``'s logging configuration, plus a route
    that fails with a number in its error (as a driver's IntegrityError quotes one). ``serve``: as the
    command runs it (``install()`` and uvicorn's configuration); ``worker``: the configuration alone, as a
    worker process of ``serve --workers N`` gets it."""
    import uvicorn

    from xinyong.app import create_app

    if request.param == "worker":
        for t in [logging.getLogger(), *(logging.getLogger(n) for n in logmask.UVICORN_LOGGERS)]:
            t.filters[:] = [f for f in t.filters if not isinstance(f, logmask.MaskingFilter)]

    app = create_app(engine)

    @app.get("/boom")
    def boom():
        raise RuntimeError(f"UNIQUE constraint failed: subject.identifier ({PERSON})")

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                            log_config=logmask.uvicorn_log_config())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _access(record) -> bool:
    """An access-log line of the requests under test (not the first visit that fetched the form's token)."""
    return record.name == "uvicorn.access" and record.args[2] != "/"


def test_requests_with_a_number_leave_none_in_uvicorns_access_and_error_logs(served, caplog):
    from uvicorn.logging import AccessFormatter

    with httpx.Client(base_url=served, timeout=10) as first:  # a visit to the form first: its CSRF token
        form = re.search(r'name="csrf_token" value="([^"]+)"', first.get("/").text).group(1)
    caplog.set_level(logging.INFO)
    for name in ("uvicorn.access", "uvicorn.error"):  # uvicorn's loggers do not propagate to caplog's root
        logging.getLogger(name).addHandler(caplog.handler)
    # what uvicorn's own handlers write (the access log to stdout, errors to stderr), with their formatters
    written = io.StringIO()
    own = [h for n in ("uvicorn", "uvicorn.access") for h in logging.getLogger(n).handlers
           if type(h) is logging.StreamHandler]
    assert len(own) == 2 and all(any(isinstance(f, logmask.MaskingFilter) for f in h.filters) for h in own)
    streams = [h.setStream(written) for h in own]
    try:
        with httpx.Client(base_url=served, timeout=10) as client:
            assert client.get("/search", params={"q": PERSON}).status_code == 200
            assert client.get(f"/search?q={PERSON[:6]}+{PERSON[6:14]}+{PERSON[14:]}").status_code == 200
            client.cookies.set("xinyong_csrf", form)
            assert client.post("/search", data={"q": PERSON, "csrf_token": form}).status_code == 200
            assert client.post("/api/v1/subjects/check", json={"code": PERSON_X},
                               params={"subject": PERSON_X}).status_code in (200, 401, 403)
            assert client.get("/boom").status_code == 500
        # uvicorn logs the error after the 500 has gone out, and the access line of the last request too
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
                any(r.name == "uvicorn.error" and r.levelno >= logging.ERROR for r in caplog.records)
                and sum(_access(r) for r in caplog.records) == 5):
            time.sleep(0.05)
    finally:
        for name in ("uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).removeHandler(caplog.handler)
        for h, stream in zip(own, streams, strict=True):
            h.setStream(stream)
    access = [r for r in caplog.records if _access(r)]
    assert len(access) == 5
    formatted = [AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(r) for r in access]
    assert f"GET /search?q={mask_ric(PERSON)} HTTP/1.1" in formatted[0]
    assert mask_ric(PERSON) in formatted[1] and mask_ric(PERSON_X) in formatted[3]
    errors = [r for r in caplog.records if r.name == "uvicorn.error" and r.levelno >= logging.ERROR]
    assert errors and "UNIQUE constraint failed: subject.identifier (" + mask_ric(PERSON) + ")" in caplog.text
    output = written.getvalue()
    everything = caplog.text + "\n".join(formatted) + output
    assert f'"GET /search?q={mask_ric(PERSON)} HTTP/1.1" 200' in output
    assert "Exception in ASGI application" in output and "RuntimeError: UNIQUE constraint failed" in output
    for n in (PERSON, PERSON_X):
        assert n not in everything and n[6:14] not in everything


# --- uncaught exceptions ------------------------------------------------------------------------------

def _fails(number: str):
    secret_local = number  # noqa: F841
    raise LookupError(f"no subject {number}")


def test_the_excepthook_masks_the_traceback(installed, capsys):
    assert sys.excepthook is logmask.excepthook
    try:
        _fails(PERSON)
    except LookupError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "_fails" in err
    assert f"LookupError: no subject {mask_ric(PERSON)}" in err and PERSON not in err


def test_a_thread_dying_with_a_number_prints_it_masked(installed, capsys):
    thread = threading.Thread(target=_fails, args=(PERSON,), name="importer")
    thread.start()
    thread.join()
    err = capsys.readouterr().err
    assert "Exception in thread importer" in err and mask_ric(PERSON) in err and PERSON not in err


def test_an_uncaught_exception_in_a_fresh_interpreter_is_printed_masked():
    code = ("from xinyong import logmask; logmask.install()\n"
            f"raise RuntimeError('collision on {PERSON}')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"RuntimeError: collision on {mask_ric(PERSON)}" in done.stderr and PERSON not in done.stderr


def test_the_cli_main_prints_an_uncaught_error_masked_and_exits_1(installed, monkeypatch, capsys):
    from xinyong import cli

    def crashing_app():
        _fails(PERSON)

    monkeypatch.setattr(cli, "app", crashing_app)
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert f"LookupError: no subject {mask_ric(PERSON)}" in err and PERSON not in err
    assert sys.excepthook is logmask.excepthook


def test_the_cli_main_installs_the_filter_on_the_root_logger(installed, monkeypatch):
    from xinyong import cli

    root = logging.getLogger()
    root.filters[:] = [f for f in root.filters if not isinstance(f, logmask.MaskingFilter)]
    monkeypatch.setattr(cli, "app", lambda: None)
    cli.main()
    assert any(isinstance(f, logmask.MaskingFilter) for f in root.filters)
    assert sys.excepthook is logmask.excepthook
