"""Authentication (HTTP Basic and Bearer sinks) and authorization (roles per URI and method), end to end.

In-process through ``httpx.ASGITransport`` for the HTTP-level answers, and the Python clients against a real
uvicorn for the credentials they send.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from examples.secured import ISecureHello, make_app
from gateway import (
    AccessDeniedError,
    AsyncRemotingClient,
    AuthorizationRules,
    HttpAuthenticationSink,
    Principal,
    RemotingClient,
    RemotingError,
    StaticUsers,
)
from gateway.server.authentication import secrets_equal

from ..support.server import live_server

NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.ISecureHello/PeerShared"


def call_body(method: str, params: str = "") -> bytes:
    return (
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
        'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body>'
        f'<i2:{method} id="ref-1" xmlns:i2="{NS}">{params}</i2:{method}></SOAP-ENV:Body></SOAP-ENV:Envelope>'
    ).encode()


def basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


SOAP = {"content-type": 'text/xml; charset="utf-8"', "soapaction": f'"{NS}#WhoAmI"'}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(), client=("203.0.113.5", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/SecureHello.soap"), ("GET", "/SecureHello.soap?wsdl"), ("GET", "/"), ("HEAD", "/"),
     ("PUT", "/SecureHello.soap")],
)
async def test_no_credentials_get_401_with_challenges(client: httpx.AsyncClient, method: str, path: str) -> None:
    r = await client.request(method, path, content=call_body("WhoAmI") if method == "POST" else None, headers=SOAP)
    assert r.status_code == 401
    challenges = r.headers.get_list("www-authenticate")
    assert 'Basic realm="examples", charset="UTF-8"' in challenges
    assert 'Bearer realm="examples"' in challenges


@pytest.mark.anyio
@pytest.mark.parametrize(
    "authorization",
    ["Basic " + base64.b64encode(b"alice:wrong").decode(), "Basic " + base64.b64encode(b"mallory:x").decode(),
     "Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer nope", "Bearer ",
     "Digest abc", "Negotiate"],
)
async def test_bad_credentials_get_401(client: httpx.AsyncClient, authorization: str) -> None:
    r = await client.post("/SecureHello.soap", content=call_body("WhoAmI"),
                          headers={**SOAP, "authorization": authorization})
    assert r.status_code == 401
    assert "credentials were not accepted" in r.text


@pytest.mark.anyio
async def test_good_credentials_reach_the_method_as_the_principal(client: httpx.AsyncClient) -> None:
    r = await client.post("/SecureHello.soap", content=call_body("WhoAmI"), headers={**SOAP, **basic("bob", "builder")})
    assert r.status_code == 200 and ">bob<" in r.text
    r = await client.post("/SecureHello.soap", content=call_body("WhoAmI"),
                          headers={**SOAP, "authorization": "Bearer s3cr3t-token"})
    assert r.status_code == 200 and ">reporting<" in r.text
    r = await client.get("/SecureHello.soap?wsdl", headers=basic("alice", "wonderland"))
    assert r.status_code == 200 and b"definitions" in r.content


@pytest.mark.anyio
async def test_a_forbidden_method_gets_an_access_fault(client: httpx.AsyncClient) -> None:
    reset = {**SOAP, "soapaction": f'"{NS}#Reset"'}
    r = await client.post("/SecureHello.soap", content=call_body("Reset"), headers={**reset, **basic("bob", "builder")})
    assert r.status_code == 500
    assert "System.UnauthorizedAccessException" in r.text and "bob is not in a permitted role" in r.text
    assert "Traceback" not in r.text
    r = await client.post("/SecureHello.soap", content=call_body("Reset"),
                          headers={**reset, **basic("alice", "wonderland")})
    assert r.status_code == 200 and "reset by alice" in r.text


@pytest.mark.anyio
async def test_public_metadata_and_anonymous_rules() -> None:
    app = make_app()
    app.sinks[1] = HttpAuthenticationSink(basic=StaticUsers({"u": ("p", [])}), public_metadata=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/SecureHello.soap?wsdl")).status_code == 200
        assert (await c.get("/")).status_code == 200
        assert (await c.post("/SecureHello.soap", content=call_body("WhoAmI"), headers=SOAP)).status_code == 401
    rules = AuthorizationRules().allow_anonymous("Open.soap").require("Closed.soap", "x")
    rules.check("Open.soap", "Any", None)
    rules.check("Other.soap", "Any", None)  # no rule, no default: allowed
    with pytest.raises(AccessDeniedError, match="requires an authenticated caller"):
        rules.check("Closed.soap", "Any", None)
    with pytest.raises(AccessDeniedError, match="not in a permitted role"):
        rules.check("/Closed.soap", "Any", Principal.of("u", ["y"]))
    rules.check("Closed.soap", "Any", Principal.of("u", ["x", "y"]))


def test_static_secrets_compare_in_constant_time_and_exactly() -> None:
    assert secrets_equal("abc", "abc")
    assert not secrets_equal("abc", "abd") and not secrets_equal("abc", "abcd") and not secrets_equal("", "a")
    users = StaticUsers({"alice": ("wonderland", ["admin"])})
    assert users("alice", "wonderland") == Principal.of("alice", ["admin"], "Basic")
    assert users("alice", "Wonderland") is None and users("bob", "") is None
    with pytest.raises(ValueError, match="verifier"):
        HttpAuthenticationSink()


@pytest.fixture(scope="module")
def secured_url() -> Iterator[str]:
    with live_server("examples.secured:app") as url:
        yield url


@pytest.mark.parametrize("formatter", ["soap"])
def test_sync_client_sends_basic_and_bearer_credentials(secured_url: str, formatter: str) -> None:
    url = secured_url.rstrip("/") + "/SecureHello.soap"
    with RemotingClient(basic_auth=("alice", "wonderland"), formatter=formatter) as c:
        hello = c.get_object(ISecureHello, url)
        assert hello.WhoAmI() == "alice" and hello.Reset() == "reset by alice"
    with RemotingClient(bearer_token="s3cr3t-token") as c:
        hello = c.get_object(ISecureHello, url)
        assert hello.WhoAmI() == "reporting"
        with pytest.raises(AccessDeniedError, match="reporting is not in a permitted role"):
            hello.Reset()
    with RemotingClient() as c, pytest.raises(RemotingError, match="HTTP 401"):
        c.get_object(ISecureHello, url).WhoAmI()
    with pytest.raises(ValueError, match="not both"):
        RemotingClient(basic_auth=("a", "b"), bearer_token="t")


@pytest.mark.anyio
async def test_async_client_sends_credentials(secured_url: str) -> None:
    url = secured_url.rstrip("/") + "/SecureHello.rem"
    async with AsyncRemotingClient(basic_auth=("bob", "builder")) as c:
        hello = c.get_object(ISecureHello, url)
        assert await hello.WhoAmI() == "bob"
        assert await hello.HelloMethod("Eve") == "Hi there Eve"
        with pytest.raises(AccessDeniedError):
            await hello.Reset()
