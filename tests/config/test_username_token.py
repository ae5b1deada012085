"""The config file's WS-Security switch: ``[authentication] username_token = true`` lets the file's users
authenticate with a UsernameToken (text or digest) while HTTP Basic keeps working, and refuses tokenless,
credential-less calls. In process, through the real client with ``username_token=`` credentials."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.wssecurity import SecureInteropService
from gateway import AsyncRemotingClient, LiteralBinding, RemotingApp, RemotingError
from gateway.config import ConfigError, load_config
from gateway.config.builder import build_app
from soap import WSSE_NS
from wsdl import contract_of

from .calls import get

BASE = "http://testserver/"
URL = BASE + "InteropService.soap"
NAMESPACE = contract_of(SecureInteropService).literal_namespace

CONFIG = """
[[wellknown]]
type = "examples.wssecurity:SecureInteropService"
uri = "InteropService.soap"
mode = "SingleCall"

[authentication]
username_token = true
{extra}

[[authentication.users]]
name = "alice"
password = "wonderland"
roles = ["admin"]
"""


def build(tmp_path: Path, extra: str = "") -> RemotingApp:
    path = tmp_path / "gateway.toml"
    path.write_text(CONFIG.format(extra=extra))
    return build_app(load_config(path))


def whoami(app: RemotingApp, auth: httpx.Auth | None = None, **credentials: Any) -> list[str]:
    """``whoami()`` in SOAP 1.1 and 1.2 through the real client; a fault's message instead of a name."""

    async def main() -> list[str]:
        answers = []
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), auth=auth)
        async with AsyncRemotingClient(http_client=http, **credentials) as client:
            for version in ("1.1", "1.2"):
                proxy = client.get_object(SecureInteropService, URL, LiteralBinding(NAMESPACE, soap_version=version))
                try:
                    answers.append(await proxy.whoami())
                except RemotingError as exc:
                    answers.append(f"fault: {exc}")
        return answers

    return asyncio.run(main())


@pytest.mark.parametrize("digest", [False, True])
def test_the_files_users_authenticate_with_a_username_token(tmp_path: Path, digest: bool) -> None:
    app = build(tmp_path)
    assert whoami(app, username_token=("alice", "wonderland"), password_digest=digest) == [
        "alice (UsernameToken)"] * 2


def test_http_basic_still_works_and_nothing_gets_through_without_credentials(tmp_path: Path) -> None:
    app = build(tmp_path)
    assert whoami(app, auth=httpx.BasicAuth("alice", "wonderland")) == ["alice (Basic)"] * 2
    for answer in whoami(app) + whoami(app, username_token=("alice", "wrong"), password_digest=True):
        assert answer.startswith("fault: ") and ("wsse" in answer or "authenticated" in answer), answer
    assert get(app, "/InteropService.soap?wsdl").status_code == 200  # toolkits read it before they can sign


def test_a_refused_token_reaches_the_caller_with_its_ws_security_code(tmp_path: Path) -> None:
    """A client tells a wrong password from other faults by the qualified code WS-Security gives it (a SOAP
    1.2 Subcode, a SOAP 1.1 faultcode), not by parsing the message."""
    app = build(tmp_path)

    async def main() -> list[RemotingError]:
        caught = []
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with AsyncRemotingClient(http_client=http, username_token=("alice", "wrong")) as client:
            for version in ("1.1", "1.2"):
                proxy = client.get_object(SecureInteropService, URL, LiteralBinding(NAMESPACE, soap_version=version))
                with pytest.raises(RemotingError) as error:
                    await proxy.whoami()
                caught.append(error.value)
        return caught

    for error in asyncio.run(main()):
        assert error.fault_subcode == (WSSE_NS, "FailedAuthentication"), error
        assert error.fault_code == "Client"


def test_text_tokens_can_be_refused(tmp_path: Path) -> None:
    app = build(tmp_path, "username_token_allow_text = false")
    [text_11, _] = whoami(app, username_token=("alice", "wonderland"), password_digest=False)
    assert text_11.startswith("fault: ") and "PasswordText is not accepted" in text_11
    assert whoami(app, username_token=("alice", "wonderland"), password_digest=True) == ["alice (UsernameToken)"] * 2


def test_username_token_needs_users(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('[authentication]\nusername_token = true\n\n[[authentication.tokens]]\ntoken = "t"\nname = "x"\n')
    with pytest.raises(ConfigError, match=re.escape("username_token: needs [[authentication.users]]")):
        build_app(load_config(path))


def test_the_security_docs_block_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    block = docs.split("```toml\n[authentication]\nusername_token = true", 1)[1].split("```", 1)[0]
    path = tmp_path / "gateway.toml"
    path.write_text("[authentication]\nusername_token = true" + block)
    monkeypatch.setenv("ALICE_PASSWORD", "wonderland")
    settings = load_config(path).sections["authentication"]
    assert settings.username_token_clock_skew == 300.0  # type: ignore[attr-defined]
    assert settings.username_token_allow_text is False  # type: ignore[attr-defined]
