"""WS-Security UsernameToken: the header read and written (soap._wsse), the authenticator (a call inspector:
PasswordText, PasswordDigest with Nonce and Created, the replay cache, the clock-skew window, WS-Security's
fault codes), the principal it proves reaching the method and the authorization rules, and the client's
``username_token=`` credentials. Everything in process (httpx.ASGITransport) with an injected clock; zeep
against a real uvicorn is in tests/interop/test_zeep_wssecurity.py."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from lxml import etree

from examples.wssecurity import SecureInteropService, make_app
from gateway import (
    AsyncRemotingClient,
    LiteralBinding,
    RemotingApp,
    RemotingError,
    ReplayCache,
    StaticUsers,
    UsernameTokenAuthenticator,
    WellKnownObjectMode,
)
from soap import (
    SOAP11,
    SOAP12,
    SecurityHeaderError,
    SoapFormatter,
    UsernameCredentials,
    password_digest,
    read_username_token,
    security_header,
)
from soap._namespaces import WSSE_NS
from wsdl import contract_of

from ..support.clock import ManualClock

BASE = "http://testserver/"
URL = BASE + "InteropService.soap"
NAMESPACE = contract_of(SecureInteropService).literal_namespace
START = dt.datetime(2026, 12, 6, 6, 0, 0, tzinfo=dt.UTC)


def wall_clock() -> ManualClock:
    """Seconds since the epoch, standing still at START until a test moves it."""
    return ManualClock(START.timestamp())


def envelope(version: str, block: str, operation: str = f'<tns:whoami xmlns:tns="{NAMESPACE}"/>') -> bytes:
    ns = (SOAP11 if version == "1.1" else SOAP12).envelope_ns
    return (f'<soap:Envelope xmlns:soap="{ns}"><soap:Header>{block}</soap:Header>'
            f"<soap:Body>{operation}</soap:Body></soap:Envelope>").encode()


def post(app: RemotingApp, *bodies: tuple[str, bytes]) -> list[httpx.Response]:
    """POST each ``(soap version, body)`` to the interop service, in order."""

    async def scenario() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
            out = []
            for version, body in bodies:
                content_type = SOAP11.content_type if version == "1.1" else SOAP12.content_type
                headers = {"content-type": content_type, "soapaction": '""'} if version == "1.1" else \
                    {"content-type": content_type}
                out.append(await http.post("/InteropService.soap", content=body, headers=headers))
            return out

    return asyncio.run(scenario())


def token(username: str = "alice", password: str = "wonderland", digest: bool = False, version: str = "1.1",
          now: dt.datetime = START, nonce: bytes | None = b"0123456789abcdef") -> str:
    return security_header(username, password, digest, version == "1.2", now, nonce)


def fault_code(response: httpx.Response, version: str) -> str:
    """SOAP 1.1's faultcode, or SOAP 1.2's Subcode value (WS-Security puts its code there)."""
    root = etree.fromstring(response.content)
    if version == "1.1":
        return root.findtext(".//faultcode") or ""
    ns = SOAP12.envelope_ns
    return root.findtext(f".//{{{ns}}}Code/{{{ns}}}Subcode/{{{ns}}}Value") or ""


def whoami(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content).findtext(".//{*}whoamiResult") or ""


# ------------------------------------------------------------------ the header


def test_the_digest_is_the_profiles() -> None:
    nonce, created = b"\x01" * 16, "2026-12-06T06:00:00.000Z"
    expected = base64.b64encode(hashlib.sha1(nonce + created.encode() + b"secret").digest()).decode()
    assert password_digest(nonce, created, "secret") == expected


@pytest.mark.parametrize("digest", [False, True])
def test_a_written_token_reads_back(digest: bool) -> None:
    call = SoapFormatter().read_call(envelope("1.1", token(digest=digest)), SOAP11.content_type)
    read = read_username_token(call)
    assert read is not None and (read.username, read.digest) == ("alice", digest)
    assert read.matches("wonderland") and not read.matches("Wonderland")
    if digest:
        assert read.nonce == b"0123456789abcdef" and read.created == "2026-12-06T06:00:00.000Z"
    else:
        assert read.nonce is None and read.created is None and read.password == "wonderland"


@pytest.mark.parametrize(
    ("token_xml", "phrase", "unsupported"),
    [
        ("<wsse:UsernameToken><wsse:Password>x</wsse:Password></wsse:UsernameToken>", "no Username", False),
        ("<wsse:UsernameToken><wsse:Username>a</wsse:Username></wsse:UsernameToken>", "no Password", True),
        ('<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Password Type="urn:x">x</wsse:Password>'
         "</wsse:UsernameToken>", "password type 'urn:x' is not supported", True),
        ("<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Username>b</wsse:Username>"
         "<wsse:Password>x</wsse:Password></wsse:UsernameToken>", "more than one Username", False),
        ("<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Password>x</wsse:Password>"
         "<wsse:Nonce>!!</wsse:Nonce></wsse:UsernameToken>", "not valid base64", False),
        ('<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/'
         'wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">x</wsse:Password>'
         "</wsse:UsernameToken>", "needs a Nonce and a wsu:Created", False),
        ("<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Password>x</wsse:Password>"
         "<wsu:Created>yesterday</wsu:Created></wsse:UsernameToken>", "not an xsd:dateTime", False),
    ],
)
def test_malformed_tokens_are_refused_saying_why(token_xml: str, phrase: str, unsupported: bool) -> None:
    block = (f'<wsse:Security xmlns:wsse="{WSSE_NS}" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/'
             f'oasis-200401-wss-wssecurity-utility-1.0.xsd">{token_xml}</wsse:Security>')
    call = SoapFormatter().read_call(envelope("1.1", block), SOAP11.content_type)
    with pytest.raises(SecurityHeaderError, match=phrase) as caught:
        read_username_token(call)
    assert caught.value.unsupported is unsupported


def test_a_security_header_for_another_actor_is_not_ours() -> None:
    block = token().replace("<wsse:Security ", '<wsse:Security soap:actor="urn:gatekeeper" ', 1)
    call = SoapFormatter().read_call(envelope("1.1", block), SOAP11.content_type)
    assert read_username_token(call) is None


def test_control_characters_cannot_be_sent() -> None:
    with pytest.raises(ValueError, match="control characters"):
        UsernameCredentials("alice", "wonder\nland").security_block()


# ------------------------------------------------------------------ the authenticator, over HTTP


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("digest", [False, True])
def test_a_good_token_authenticates_and_the_method_sees_the_principal(version: str, digest: bool) -> None:
    app = make_app(clock=wall_clock())
    [r] = post(app, (version, envelope(version, token(digest=digest, version=version))))
    assert whoami(r) == "alice (UsernameToken)"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize(
    ("make_token", "code", "phrase"),
    [
        (lambda v: token(password="nope", version=v), "FailedAuthentication", "could not be authenticated"),
        (lambda v: token(password="nope", digest=True, version=v), "FailedAuthentication", "could not be auth"),
        (lambda v: token(username="mallory", digest=True, version=v), "FailedAuthentication", "could not be auth"),
        (lambda v: "", "InvalidSecurity", "requires a wsse:Security header"),
        (lambda v: token(version=v).replace("wsse:Username>", "wsse:User>"), "InvalidSecurity", "no Username"),
        (lambda v: token(version=v).replace("#PasswordText", "#Kerberos"), "UnsupportedSecurityToken",
         "is not supported"),
    ],
)
def test_bad_tokens_get_ws_security_faults(
    version: str, make_token: Callable[[str], str], code: str, phrase: str
) -> None:
    app = make_app(clock=wall_clock())
    r, good = post(app, (version, envelope(version, make_token(version))),
                   (version, envelope(version, token(version=version, nonce=None))))
    assert r.status_code == (500 if version == "1.1" else 400), r.text
    assert fault_code(r, version) == f"wsse:{code}"
    assert phrase in r.text and "Traceback" not in r.text
    assert whoami(good) == "alice (UsernameToken)"  # the next good call is served


def test_a_replayed_nonce_is_refused_and_a_fresh_one_is_not() -> None:
    app = make_app(clock=wall_clock())
    first = envelope("1.1", token(digest=True))
    r1, r2, r3 = post(app, ("1.1", first), ("1.1", first),
                      ("1.1", envelope("1.1", token(digest=True, nonce=b"another nonce!!!"))))
    assert whoami(r1) == "alice (UsernameToken)"
    assert fault_code(r2, "1.1") == "wsse:FailedAuthentication" and "the nonce was seen before" in r2.text
    assert whoami(r3) == "alice (UsernameToken)"


def test_created_must_lie_within_the_clock_skew_window() -> None:
    clock = wall_clock()
    app = make_app(clock=clock)
    skew = dt.timedelta(seconds=300)
    late, early, edge = (token(digest=True, now=START - skew - dt.timedelta(seconds=1), nonce=b"n1"),
                         token(digest=True, now=START + skew + dt.timedelta(seconds=1), nonce=b"n2"),
                         token(digest=True, now=START - skew, nonce=b"n3"))
    r_late, r_early, r_edge = post(app, *(("1.1", envelope("1.1", t)) for t in (late, early, edge)))
    for r in (r_late, r_early):
        assert fault_code(r, "1.1") == "wsse:FailedAuthentication" and "from the server's clock" in r.text
    assert whoami(r_edge) == "alice (UsernameToken)"
    clock.advance(1)  # the same message a second later: stale now, whether or not its nonce is remembered
    [again] = post(app, ("1.1", envelope("1.1", edge)))
    assert "from the server's clock" in again.text


def test_the_replay_cache_forgets_a_nonce_once_its_token_is_stale_and_fails_closed_when_full() -> None:
    clock = ManualClock(0.0)
    cache = ReplayCache(capacity=2, clock=clock)
    assert cache.add(b"a", 10.0) and not cache.add(b"a", 10.0)
    assert cache.add(b"b", 20.0) and not cache.add(b"c", 20.0)  # full of fresh nonces: refused
    clock.advance(10)  # "a" is held until its expiry has passed, not merely been reached
    assert len(cache) == 2 and not cache.add(b"a", 30.0)
    clock.advance(1)
    assert len(cache) == 1 and cache.add(b"a", 30.0) and not cache.add(b"c", 30.0)
    clock.advance(10)
    assert len(cache) == 1 and cache.add(b"c", 40.0) and len(cache) == 2


def test_the_roles_of_a_token_user_are_checked_by_the_authorization_rules() -> None:
    app = make_app(clock=wall_clock())
    fail = f'<tns:fail xmlns:tns="{NAMESPACE}"><tns:message>x</tns:message></tns:fail>'
    bob, alice = post(app, ("1.1", envelope("1.1", token("bob", "builder"), fail)),
                      ("1.1", envelope("1.1", token("alice", "wonderland"), fail)))
    bob_fault = etree.fromstring(bob.content).findtext(".//faultstring") or ""
    alice_fault = etree.fromstring(alice.content).findtext(".//faultstring") or ""
    assert "denied: bob is not in a permitted role" in bob_fault, bob.text  # refused before the method ran
    assert alice_fault == "x"  # admin: the method ran (and raised its own, registered error)


def test_verify_serves_text_tokens_and_refuses_digests_it_cannot_check() -> None:
    users = StaticUsers({"alice": ("wonderland", ["reader"])})
    app = RemotingApp()
    app.register_well_known(SecureInteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
    app.add_inspector(UsernameTokenAuthenticator(verify=users, clock=wall_clock()))
    text, digest = post(app, ("1.1", envelope("1.1", token(nonce=None))), ("1.1", envelope("1.1", token(digest=True))))
    assert whoami(text) == "alice (UsernameToken)"
    assert fault_code(digest, "1.1") == "wsse:UnsupportedSecurityToken"


def test_without_an_authenticator_a_must_understand_security_header_is_refused() -> None:
    """The client marks its Security block mustUnderstand: a server that would ignore it refuses instead."""
    app = RemotingApp()
    app.register_well_known(SecureInteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
    [r] = post(app, ("1.2", envelope("1.2", token(version="1.2"))))
    assert r.status_code == 500 and "MustUnderstand" in r.text and "NotUnderstood" in r.text


# ------------------------------------------------------------------ the client's credentials


def run_client(app: RemotingApp, scenario: Callable[[Any], Any], **credentials: Any) -> Any:
    async def main() -> Any:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with AsyncRemotingClient(http_client=http, **credentials) as client:
            for version in ("1.1", "1.2"):
                proxy = client.get_object(SecureInteropService, URL, LiteralBinding(NAMESPACE, soap_version=version))
                await scenario(proxy)
        return None

    return asyncio.run(main())


@pytest.mark.parametrize("digest", [False, True])
def test_a_client_with_username_token_credentials_is_authenticated(digest: bool) -> None:
    app = make_app()  # the real clock: the client stamps its tokens with it

    async def scenario(proxy: Any) -> None:
        assert await proxy.whoami() == "alice (UsernameToken)"
        assert await proxy.whoami() == "alice (UsernameToken)"  # a digest token has a fresh nonce every call

    run_client(app, scenario, username_token=("alice", "wonderland"), password_digest=digest)


def test_a_client_without_or_with_wrong_credentials_gets_the_fault() -> None:
    app = make_app()

    async def scenario(proxy: Any) -> None:
        with pytest.raises(RemotingError, match="could not be authenticated") as caught:
            await proxy.whoami()
        assert caught.value.fault_code == "Client"

    run_client(app, scenario, username_token=("alice", "nope"), password_digest=True)

    async def anonymous(proxy: Any) -> None:
        with pytest.raises(RemotingError, match="requires a wsse:Security header"):
            await proxy.whoami()

    run_client(app, anonymous)


def test_username_token_needs_a_user_name() -> None:
    with pytest.raises(ValueError, match="needs a user name"):
        AsyncRemotingClient(username_token=("", "x"))
