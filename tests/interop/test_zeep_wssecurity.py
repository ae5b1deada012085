"""zeep's WS-Security UsernameToken (PasswordText and PasswordDigest) against the protected document/literal
service of examples/wssecurity.py, served by a real uvicorn on loopback.

zeep reads the public WSDL, then proves who it is in every call's ``wsse:Security`` header: the method sees
the principal, the authorization rules see its roles, and a wrong password, a missing token or a replayed
digest message (zeep's own request, sent again byte for byte) get WS-Security faults; a good call after each
is served. zeep is a test dependency, so nothing here is ever skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import zeep
import zeep.exceptions
import zeep.plugins
import zeep.transports
from lxml import etree
from zeep.wsse.username import UsernameToken

try:
    from support.server import live_server
except ImportError:  # run from the repository root
    from tests.support.server import live_server

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with live_server("examples.wssecurity:app") as url:
        yield url.rstrip("/") + "/"


def client(base: str, wsse: UsernameToken | None, soap12: bool = False,
           history: zeep.plugins.HistoryPlugin | None = None) -> zeep.Client:
    wsdl = base + "InteropService.soap?wsdl" + ("=soap12" if soap12 else "")
    return zeep.Client(wsdl, wsse=wsse, plugins=[history] if history else [],
                       transport=zeep.transports.Transport(timeout=10, operation_timeout=10))


@pytest.mark.parametrize("soap12", [False, True])
@pytest.mark.parametrize("digest", [False, True])
def test_zeep_username_token_authenticates(base: str, digest: bool, soap12: bool) -> None:
    service = client(base, UsernameToken("alice", "wonderland", use_digest=digest), soap12).service
    assert service.whoami() == "alice (UsernameToken)"
    assert service.add(2, 3) == 5  # a digest token carries a fresh nonce each call: no false replay
    assert service.whoami() == "alice (UsernameToken)"


@pytest.mark.parametrize("digest", [False, True])
def test_zeep_with_a_wrong_password_gets_failed_authentication(base: str, digest: bool) -> None:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        client(base, UsernameToken("alice", "nope", use_digest=digest)).service.whoami()
    assert "FailedAuthentication" in str(caught.value.code)
    assert "could not be authenticated" in caught.value.message
    assert client(base, UsernameToken("bob", "builder", use_digest=digest)).service.whoami() == "bob (UsernameToken)"


def test_zeep_without_a_token_is_refused_but_reads_the_wsdl(base: str) -> None:
    service = client(base, None).service  # the WSDL is public
    with pytest.raises(zeep.exceptions.Fault) as caught:
        service.whoami()
    assert "InvalidSecurity" in str(caught.value.code)
    assert "requires a wsse:Security header" in caught.value.message


def test_zeep_roles_reach_the_authorization_rules(base: str) -> None:
    with pytest.raises(zeep.exceptions.Fault) as bob:
        client(base, UsernameToken("bob", "builder", use_digest=True)).service.fail("x")
    assert "is denied: bob is not in a permitted role" in bob.value.message
    with pytest.raises(zeep.exceptions.Fault) as alice:
        client(base, UsernameToken("alice", "wonderland", use_digest=True)).service.fail("x")
    assert alice.value.message == "x"  # an admin: the method ran and raised its own error


def test_zeeps_digest_message_cannot_be_replayed(base: str) -> None:
    history = zeep.plugins.HistoryPlugin()
    service = client(base, UsernameToken("alice", "wonderland", use_digest=True), history=history).service
    assert service.whoami() == "alice (UsernameToken)"
    sent = history.last_sent
    body = etree.tostring(sent["envelope"])
    headers = {k: v for k, v in sent["http_headers"].items() if k.lower() in ("content-type", "soapaction")}
    replay = httpx.post(base + "InteropService.soap", content=body, headers=headers, timeout=10)
    assert replay.status_code == 500
    assert "FailedAuthentication" in replay.text and "the nonce was seen before" in replay.text
    assert "Traceback" not in replay.text
    assert service.whoami() == "alice (UsernameToken)"  # zeep's next call has a nonce of its own
