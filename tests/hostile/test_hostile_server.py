"""The hostile-request corpus (``tests/hostile/corpus.py``) against a real uvicorn on loopback.

For every case: an HTTP status the protocol allows for it, a reply of the right kind that parses (a SOAP
fault in the caller's dialect, a binary exception reply, or a plain HTTP error) and carries no traceback,
file path or module path; and a good call right after it succeeds. Every URL the corpus plants (external
entities, hrefs, schema locations, forged ObjRefs) points at a canary listener that must see no connection
at all. Over two more passes of the whole corpus, the server's resident memory stays bounded.

The server runs with the defaults a deployment gets (customErrors ``On``), and the requests come from
loopback, the peer every caller has behind a reverse proxy on the same host.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from examples.remoting_samples import IRemoteService
from gateway import RemotingClient
from soap import ANY, VOID, BinaryFormatter, Fault, MethodReturn, RemotingSoapFormatter, wire_type

from ..support.listeners import SilentListener
from ..support.server import live_server
from .corpus import BINARY, HTTP, LITERAL11, LITERAL12, SOAP_FAULT, Case, corpus

APP = "tests.hostile.app:app"
TIMEOUT = httpx.Timeout(60.0)
#: what no reply may contain: a traceback, a source file, a module path of ours or of a library we run on
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|/work/|"
    r"\b(?:gateway|soap|wsdl|uvicorn|starlette|httptools|lxml|asyncio|builtins)\.[a-z_]+\.?[a-z_]*Error"
    r"|\b(?:gateway|soap|wsdl)\.(?:_?[a-z]+)\.(?:_?[a-z]+)"
)
ENVELOPES = {
    LITERAL11: "http://schemas.xmlsoap.org/soap/envelope/",
    LITERAL12: "http://www.w3.org/2003/05/soap-envelope",
}
#: how much the server's RSS may grow over two further passes of the corpus after a first one (generous:
#: the allocator keeps freed arenas; a leak of one 4 MB body per case would be far above it)
RSS_SLACK_BYTES = 96 * 1024 * 1024


@pytest.fixture(scope="module")
def canary() -> Iterator[SilentListener]:
    """Every URL the corpus plants points here: the server must never connect to it."""
    with SilentListener(hold=False) as listener:
        yield listener


@pytest.fixture(scope="module")
def server(canary: SilentListener) -> Iterator[str]:
    with live_server(APP) as base:
        yield base.rstrip("/")


@pytest.fixture(scope="module")
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=TIMEOUT) as client:
        yield client


CASES = corpus("127.0.0.1:1")  # names only: the tests use the table built for the canary's address


@functools.cache
def cases_for(canary: str) -> dict[str, Case]:
    return {case.name: case for case in corpus(canary)}


def send(http: httpx.Client, case: Case) -> httpx.Response:
    return http.request(case.method, case.path, content=case.body, headers=case.headers)


def check_reply(case: Case, response: httpx.Response) -> None:
    assert response.status_code in case.statuses, (response.status_code, response.text[:500])
    text = response.content.decode("utf-8", "replace")
    leak = LEAKS.search(text)
    assert leak is None, f"{leak.group(0)!r} leaked: {text[:2000]}"
    if (response.status_code == 200 and case.reply != BINARY) or case.reply == HTTP:
        return
    content_type = response.headers.get("content-type", "")
    if case.reply == SOAP_FAULT or (case.reply in ENVELOPES and content_type.startswith("text/xml")
                                    and b"clr/" in response.content):
        fault = RemotingSoapFormatter().read_response(response.content, "X", VOID)
        assert isinstance(fault, Fault), text[:500]
        assert fault.exception is None or fault.exception.stack_trace is None
    elif case.reply == BINARY and not content_type.startswith("text/xml"):  # (.NET sends no content type)
        reply = BinaryFormatter().read_response(response.content, "X", ANY)
        if isinstance(reply, Fault):
            assert reply.exception is None or not reply.exception.stack_trace
        else:
            assert case.may_succeed, f"a hostile binary call was answered: {reply}"
    elif case.reply == BINARY:  # a request refused before it was read as binary: a SOAP fault
        assert content_type.startswith("text/xml"), content_type
        assert isinstance(RemotingSoapFormatter().read_response(response.content, "X", VOID), Fault)
    else:
        root = etree.fromstring(response.content)
        envelopes = set(ENVELOPES.values())
        assert etree.QName(root).namespace in envelopes and etree.QName(root).localname == "Envelope", text
        faults = [el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "Fault"]
        assert len(faults) == 1, text


def good_call(http: httpx.Client) -> None:
    hello = (Path(__file__).resolve().parents[1] / "fixtures" / "mono_soap" / "001_HelloMethod.request.xml")
    r = http.post("/SayHello.soap", content=hello.read_bytes(),
                  headers={"content-type": "text/xml", "soapaction": '""'})
    assert r.status_code == 200, r.text[:500]
    result = RemotingSoapFormatter().read_response(r.content, "HelloMethod", wire_type(str))
    assert isinstance(result, MethodReturn) and result.value == "Hi there Alice"


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_hostile_request_gets_a_clean_refusal(http: httpx.Client, canary: SilentListener, name: str) -> None:
    case = cases_for(canary.address)[name]
    check_reply(case, send(http, case))
    good_call(http)
    assert canary.connections == []


def server_rss(base: str) -> int:
    with RemotingClient(timeout=30) as client:
        pid = client.get_object(IRemoteService, base + "/SingleCallService.rem").GetProcessId()
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None, status
    return int(match.group(1)) * 1024


def test_memory_stays_bounded_over_repeats_of_the_corpus(
    http: httpx.Client, server: str, canary: SilentListener
) -> None:
    def run_all() -> None:
        for case in cases_for(canary.address).values():
            check_reply(case, send(http, case))
        good_call(http)

    run_all()  # the first pass: caches, arenas and lazily loaded modules settle
    before = server_rss(server)
    run_all()
    run_all()
    after = server_rss(server)
    assert after - before < RSS_SLACK_BYTES, f"RSS grew from {before >> 20} MB to {after >> 20} MB"
    assert canary.connections == []
