"""Logs: a failed call's traceback and error id, one access line per call, JSON lines for log shippers.

In-process (``httpx.ASGITransport``, records captured with caplog or a stream of our own) for the content
of each line, and real uvicorn subprocesses for what an operator sees on stderr: under plain uvicorn (no
logging configuration at all) and with ``GATEWAY_LOGGING_FORMAT=json``.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from examples.secured import make_app as make_secured_app
from gateway import AsyncRemotingClient, JsonLogFormatter, RemotingClient, RemotingError, configure_logging
from gateway.config import build_app, load_config
from gateway.model.logs import configure_logging_from_env, parse_level

from ..support.probe import IProbe, ProbeRefused, make_app
from ..support.server import free_port, live_process

BASE = "http://testserver"
CALLER = ("203.0.113.7", 5555)
ERROR_ID = re.compile(r"error id ([0-9a-f]{8})")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def probe() -> AsyncIterator[IProbe]:
    transport = httpx.ASGITransport(app=make_app(), client=CALLER)
    async with AsyncRemotingClient(http_client=httpx.AsyncClient(transport=transport)) as client:
        yield client.get_object(IProbe, f"{BASE}/Probe.soap")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes the ``gateway`` logger (and uvicorn's); put them back afterwards."""
    loggers = [logging.getLogger(name) for name in ("gateway", "uvicorn", "uvicorn.access")]
    saved = [(lg.handlers[:], lg.level, lg.propagate, [h.formatter for h in lg.handlers]) for lg in loggers]
    yield
    for lg, (handlers, level, propagate, formatters) in zip(loggers, saved, strict=True):
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate = propagate
        for handler, formatter in zip(handlers, formatters, strict=True):
            handler.setFormatter(formatter)


def error_id_of(exc: BaseException) -> str:
    found = ERROR_ID.search(str(exc))
    assert found, f"no error id in {exc}"
    return found.group(1)


# ------------------------------------------------------------------ records


@pytest.mark.anyio
async def test_a_failed_call_is_logged_with_traceback_and_the_callers_error_id(
    probe: IProbe, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway")
    with pytest.raises(RemotingError) as info:
        await probe.Boom("x")
    error_id = error_id_of(info.value)
    assert "boom" not in str(info.value)  # the caller sees the id, never the details
    (failure,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.name == "gateway.server"
    assert f"[error id {error_id}]" in failure.getMessage()
    assert failure.exc_info is not None and isinstance(failure.exc_info[1], ValueError)
    assert "boom: x" in caplog.text and "Traceback (most recent call last)" in caplog.text
    fields = {k: getattr(failure, k) for k in ("uri", "method", "formatter", "caller", "error_id")}
    assert fields == {"uri": "Probe.soap", "method": "Boom", "formatter": "soap", "caller": CALLER[0],
                      "error_id": error_id}


@pytest.mark.anyio
async def test_one_access_line_per_call(probe: IProbe, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gateway.requests")
    assert await probe.Hello("a") == "Hi there a"
    with pytest.raises(ProbeRefused):
        await probe.Refuse()
    with pytest.raises(RemotingError) as info:
        await probe.Boom("y")
    lines = [r for r in caplog.records if r.name == "gateway.requests"]
    assert len(lines) == 3
    hello, refuse, boom = lines
    assert re.fullmatch(r"203\.0\.113\.7 POST /Probe\.soap Hello \[soap\] 200 \d+\.\d\d ms \d+ bytes",
                        hello.getMessage()), hello.getMessage()
    assert (hello.uri, hello.method, hello.formatter, hello.status, hello.caller) == (  # type: ignore[attr-defined]
        "Probe.soap", "Hello", "soap", 200, CALLER[0])
    assert isinstance(hello.duration_ms, float) and hello.duration_ms >= 0  # type: ignore[attr-defined]
    assert refuse.getMessage().endswith("fault=declared") and refuse.status == 500  # type: ignore[attr-defined]
    assert boom.getMessage().endswith(f"fault=internal error_id={error_id_of(info.value)}")
    assert boom.error_id == error_id_of(info.value)  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_the_access_line_names_the_authenticated_user(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gateway.requests")
    transport = httpx.ASGITransport(app=make_secured_app(), client=CALLER)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        await http.get("/SecureHello.soap?wsdl", auth=("bob", "builder"))
        await http.get("/metrics")
    wsdl, metrics = [r for r in caplog.records if r.name == "gateway.requests"]
    assert wsdl.getMessage().startswith("bob@203.0.113.7 GET /SecureHello.soap?wsdl - [-] 200 ")
    assert wsdl.user == "bob"  # type: ignore[attr-defined]
    assert metrics.status == 401 and metrics.user is None  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_a_caller_cannot_forge_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gateway")
    transport = httpx.ASGITransport(app=make_app(), client=CALLER)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        r = await http.post("/Probe.soap%0A2026-01-01 ERROR forged.rem", content=b"<x/>",
                            headers={"content-type": "text/xml"})
    assert r.status_code >= 400
    (line,) = [r for r in caplog.records if r.name == "gateway.requests"]
    assert "\n" not in line.getMessage() and "\\n2026-01-01 ERROR forged" in line.getMessage()


# ------------------------------------------------------------------ JSON and the set-up helper


@pytest.mark.anyio
@pytest.mark.usefixtures("restore_logging")
async def test_json_lines_carry_the_structured_fields(probe: IProbe) -> None:
    stream = io.StringIO()
    configure_logging("info", json=True, stream=stream)
    assert await probe.Hello("j") == "Hi there j"
    with pytest.raises(RemotingError) as info:
        await probe.Boom("j")
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    access_ok, failure, access_failed = entries
    assert {"timestamp", "level", "logger", "message"} <= set(access_ok)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", access_ok["timestamp"])
    assert (access_ok["level"], access_ok["logger"]) == ("INFO", "gateway.requests")
    assert {k: access_ok[k] for k in ("uri", "method", "formatter", "status", "caller")} == {
        "uri": "Probe.soap", "method": "Hello", "formatter": "soap", "status": 200, "caller": CALLER[0]}
    assert isinstance(access_ok["duration_ms"], float)
    error_id = error_id_of(info.value)
    assert (failure["level"], failure["logger"], failure["error_id"]) == ("ERROR", "gateway.server", error_id)
    assert "Traceback (most recent call last)" in failure["exc_info"] and "ValueError: boom: j" in failure["exc_info"]
    assert access_failed["fault"] == "internal" and access_failed["error_id"] == error_id


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_levels_text_format_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    configure_logging("warning", json=False, stream=stream)
    configure_logging("warning", json=False, stream=stream)  # again: replaces, does not add a handler
    logging.getLogger("gateway.requests").info("not shown")
    logging.getLogger("gateway.server").error("shown once")
    assert stream.getvalue().count("shown once") == 1 and "not shown" not in stream.getvalue()
    assert re.search(r"^\S+ \S+ ERROR gateway\.server: shown once$", stream.getvalue(), re.M)
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        parse_level("loud")
    monkeypatch.delenv("GATEWAY_LOGGING_LEVEL", raising=False)
    monkeypatch.delenv("GATEWAY_LOGGING_FORMAT", raising=False)
    assert configure_logging_from_env() is None
    monkeypatch.setenv("GATEWAY_LOGGING_FORMAT", "yaml")
    with pytest.raises(ValueError, match="GATEWAY_LOGGING_FORMAT"):
        configure_logging_from_env()
    monkeypatch.setenv("GATEWAY_LOGGING_FORMAT", "json")
    handler = configure_logging_from_env()
    assert handler is not None and isinstance(handler.formatter, JsonLogFormatter)
    assert logging.getLogger("gateway").level == logging.INFO


# ------------------------------------------------------------------ what uvicorn prints


def uvicorn_output(env: dict[str, str], scenario: Callable[[IProbe], None], expect: str) -> str:
    """What plain ``uvicorn tests.support.probe:app`` (no options but the address) printed once ``scenario``
    ran and ``expect`` showed up; complete lines only."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "tests.support.probe:app", "--host", "127.0.0.1", "--port", str(port)]
    with live_process(command, port, env) as (url, output), RemotingClient() as client:
        scenario(client.get_object(IProbe, url + "Probe.soap"))
        deadline = time.monotonic() + 10
        while expect not in output() and time.monotonic() < deadline:
            time.sleep(0.05)
        text = output()
    return text[: text.rfind("\n") + 1]


def test_plain_uvicorn_prints_the_failure_with_traceback_and_error_id() -> None:
    """No logging configuration at all (``uvicorn app`` with its default log level): Python's last-resort
    handler prints the ERROR record, traceback included."""
    failures: list[RemotingError] = []

    def scenario(probe: IProbe) -> None:
        with pytest.raises(RemotingError) as info:
            probe.Boom("plain")
        failures.append(info.value)

    text = uvicorn_output({}, scenario, "ValueError: boom: plain")
    error_id = error_id_of(failures[0])
    assert f"call to /Probe.soap Boom from 127.0.0.1 failed [error id {error_id}]" in text
    assert "Traceback (most recent call last)" in text and "ValueError: boom: plain" in text


def test_uvicorn_with_json_logs_prints_only_json_lines() -> None:
    failures: list[RemotingError] = []

    def scenario(probe: IProbe) -> None:
        assert probe.Hello("json") == "Hi there json"
        with pytest.raises(RemotingError) as info:
            probe.Boom("json")
        failures.append(info.value)

    last = 'HTTP/1.1\\" 500'  # uvicorn's access line of the failed call, as JSON escapes it
    text = uvicorn_output({"GATEWAY_LOGGING_FORMAT": "json"}, scenario, last)
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is one JSON object
    by_logger: dict[str, list[dict[str, object]]] = {}
    for entry in entries:
        by_logger.setdefault(str(entry["logger"]), []).append(entry)
    assert any("Started server process" in str(e["message"]) for e in by_logger["uvicorn.error"])
    assert len(by_logger["uvicorn.access"]) == 2  # uvicorn's own access lines, in the same format
    hello, boom = by_logger["gateway.requests"]
    assert (hello["method"], hello["status"], hello["caller"]) == ("Hello", 200, "127.0.0.1")
    (failure,) = by_logger["gateway.server"]
    assert failure["error_id"] == boom["error_id"] == error_id_of(failures[0])
    assert "ValueError: boom: json" in str(failure["exc_info"])


# ------------------------------------------------------------------ the configuration and the command


@pytest.mark.usefixtures("restore_logging")
def test_the_logging_section_chooses_the_format(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('[logging]\nlevel = "warning"\nformat = "json"\n', encoding="utf-8")
    build_app(load_config(path, environ={}))
    logger = logging.getLogger("gateway")
    assert logger.level == logging.WARNING
    assert [type(h.formatter) for h in logger.handlers] == [JsonLogFormatter]
    config = load_config(None, environ={"GATEWAY_LOGGING_FORMAT": "json", "GATEWAY_LOGGING_LEVEL": "debug"})
    assert not config.notes  # both variables are configuration keys


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_serve_shows_the_access_lines_of_an_app_built_in_code(log_format: str) -> None:
    """``remoting-gateway serve MODULE:APP`` hands the [logging] level and format to the app it serves."""
    port = free_port()
    command = [sys.executable, "-m", "gateway", "serve", "tests.support.probe:app", "--port", str(port)]
    env = {"GATEWAY_LOGGING_FORMAT": log_format}
    with live_process(command, port, env, name="remoting-gateway serve") as (url, output), RemotingClient() as c:
        assert c.get_object(IProbe, url + "Probe.soap").Hello("cli") == "Hi there cli"
        deadline = time.monotonic() + 10
        while "Probe.soap Hello [soap] 200" not in output() and time.monotonic() < deadline:
            time.sleep(0.05)
        text = output()
    assert f"{url}metrics" in text  # the URLs it prints include the scrape
    (line,) = [line for line in text.splitlines() if "Probe.soap Hello [soap] 200" in line]
    if log_format == "json":
        entry = json.loads(line)
        assert (entry["logger"], entry["method"], entry["status"]) == ("gateway.requests", "Hello", 200)
    else:
        assert re.search(r" INFO gateway\.requests: 127\.0\.0\.1 POST /Probe\.soap Hello \[soap\] 200 ", line)
