"""The help page (``GET /``, ``GET /<uri>``) and ``GET /healthz``, in-process through ``httpx.ASGITransport``.

* the listing: every well-known object with its mode, CLR type and WSDL links (which work, directly and
  through a trusted proxy), every client-activated type, every operation's signature and its docstring
  rendered (no raw reST left), a page per object, 404 for anything else;
* the try-it metadata: the request the page's script would build from the server's spec, posted as the
  script posts it, gets the operation's answer (and a fault for ``fail``); which operations get a form;
* hostile names, namespaces and docstrings come out escaped: no markup, no script, no attribute of theirs;
* headers: a Content-Security-Policy without ``unsafe-inline`` whose hashes are those of the page's own
  style and script, ``nosniff``; HEAD gets the headers without the body;
* the page goes through the server sinks: authentication protects it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import re
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from lxml import etree

import examples.all as all_examples
import examples.interop as interop
import examples.remoting_samples as samples
from examples.secured import make_app as secured_app
from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import clr_type
from wsdl import contract_of

BASE = "http://testserver"
FORWARDED = {
    "host": "internal:8000",
    "x-forwarded-host": "gateway.example.com:8443",
    "x-forwarded-proto": "https",
    "x-forwarded-prefix": "/api",
}


def request(app: Any, method: str, path: str, headers: dict[str, str] | None = None,
            content: bytes | None = None, root_path: str = "") -> httpx.Response:
    """One request in-process (``root_path``: as if mounted there)."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, root_path=root_path)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return await client.request(method, path, headers=headers, content=content)

    return asyncio.run(go())


def parse(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content, etree.HTMLParser())


def visible_text(el: etree._Element) -> str:
    """The text a reader sees: no <style>/<script> content."""
    return "".join(t for t in el.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]"))


def op_block(page: etree._Element, signature_start: str) -> etree._Element:
    found = [div for div in page.xpath("//div[@class='op']")
             if "".join(div.xpath("h3//text()")).startswith(signature_start)]
    assert len(found) == 1, signature_start
    return found[0]


def specs(page: etree._Element) -> list[dict[str, Any]]:
    block = page.xpath("//script[@id='try-it-data']")
    assert len(block) == 1 and block[0].get("type") == "application/json"
    data = json.loads(block[0].text)
    assert isinstance(data, list)
    return data


def _app(**kwargs: Any) -> RemotingApp:
    app = RemotingApp(**kwargs)
    app.register_well_known(interop.InteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
    app.register_well_known(samples.HelloServer, "nested/SayHello.soap", WellKnownObjectMode.Singleton)
    app.register_activated(samples.ClientActivatedObject)
    return app


# ------------------------------------------------------------------ the listing


def test_lists_every_well_known_object_with_its_mode_and_every_client_activated_type() -> None:
    page = parse(request(all_examples.app, "GET", "/"))
    sections = page.xpath("//section[@class='object']")
    heads = {"".join(s.xpath("div[@class='object-head']/h2//text()")):
             "".join(s.xpath("div[@class='object-head']/span[contains(@class, 'badge')]/text()")) for s in sections}
    expected = {f"/{e.uri}": e.mode.value for e in all_examples.app.identities.well_known()}
    expected["RemotingPeer.ClientActivatedObject"] = "Client-activated"
    assert heads == expected
    assert "/SingletonService.rem" in heads and heads["/SingletonService.rem"] == "Singleton"
    cao = next(s for s in sections if "ClientActivatedObject" in "".join(s.xpath("div/h2//text()")))
    text = "".join(cao.itertext())
    assert "ClientActivatedObject(name: str | None)" in text  # the constructor clients activate it with
    assert "Increment() -> int" in text and "GetName() -> str | None" in text
    assert not cao.xpath(".//a[contains(@href, '?wsdl')]") and not cao.xpath(".//form")
    # the table of contents links to every section
    anchors = {a.get("href") for a in page.xpath("//nav//a")}
    assert anchors == {f"#{s.get('id')}" for s in sections}


@pytest.mark.parametrize("headers", [{}, FORWARDED], ids=["direct", "forwarded"])
def test_operations_signatures_rendered_docs_and_working_wsdl_links(headers: dict[str, str]) -> None:
    app = _app(trust_forwarded=True)
    page = parse(request(app, "GET", "/", headers))
    text = visible_text(page)
    base = "https://gateway.example.com:8443/api" if headers else BASE
    for uri, cls in (("InteropService.soap", interop.InteropService), ("nested/SayHello.soap", samples.HelloServer)):
        contract = contract_of(cls)
        assert f"/{uri}" in text and contract.clr.full_name in text
        for op in contract.operations.values():
            assert op.signature() in text
        links = set(page.xpath("//a/@href"))
        for query in ("wsdl", "wsdl=soap12", "wsdl=remoting"):
            assert f"{base}/{uri}?{query}" in links
        assert f"{base}/{uri}" in links  # the object's own page
    # docstrings are rendered: roles and literals became code, none of the reST markup is left
    fail = op_block(page, "fail(")
    assert "".join(fail.xpath(".//div[@class='doc']//text()")) == "Always raises InteropError with message."
    assert fail.xpath(".//div[@class='doc']/p/code/text()") == ["InteropError", "message"]
    assert "``" not in text and ":class:" not in text
    assert "The reference interop service: one operation per check of the toolkit harness." in text
    if not headers:
        for href in page.xpath("//a/@href"):
            if str(href).startswith(BASE):
                assert request(app, "GET", str(href).removeprefix(BASE)).status_code == 200, href


def test_a_page_per_object_and_404_for_anything_else() -> None:
    app = _app()
    one = parse(request(app, "GET", "/nested/SayHello.soap"))
    assert [("".join(h.itertext())) for h in one.xpath("//section/div/h2")] == ["/nested/SayHello.soap"]
    assert one.xpath("//a[@class='back']/@href") == [f"{BASE}/"]
    assert "HelloMethod(name: str) -> str" in visible_text(one)
    for uri in ("/Nothing.soap", "/RemoteActivationService.rem", "/nested", "/InteropService.soap/x"):
        missing = request(app, "GET", uri)
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/plain"), uri


def test_nothing_published_says_so() -> None:
    page = parse(request(RemotingApp(), "GET", "/"))
    assert "Nothing is published yet." in visible_text(page)


def test_a_later_registration_shows_up_and_links_follow_the_host() -> None:
    app = _app()
    first = request(app, "GET", "/").text
    assert request(app, "GET", "/").text == first
    assert "/Later.rem" not in first
    app.register_well_known(samples.SingletonObject, "Later.rem", WellKnownObjectMode.Singleton)
    assert "/Later.rem" in request(app, "GET", "/").text
    other = request(app, "GET", "/", {"host": "elsewhere:9"}).text
    assert "http://elsewhere:9/Later.rem?wsdl" in other and "http://testserver/" not in other


# ------------------------------------------------------------------ try-it


def test_try_it_forms_only_for_literal_operations_with_scalar_parameters() -> None:
    page = parse(request(all_examples.app, "GET", "/"))
    interop_ops = {"add", "echo_all", "fail", "hello", "make_person", "nothing"}
    for name in interop_ops:
        assert op_block(page, f"{name}(").xpath(".//form"), name
    for name in ("older(", "reverse("):  # a dataclass, a list: no form, a note saying why
        block = op_block(page, name)
        assert not block.xpath(".//form") and "not a scalar" in "".join(block.itertext())
    factory = page.xpath("//section[@id='o-FactoryService.rem']")[0]
    assert not factory.xpath(".//form")  # object references: Remoting only
    assert "Remoting only" in "".join(factory.itertext())
    # EchoMore: Int64, Single, Decimal, Char, Byte, Int16, TimeSpan, bytes, string, enum -- all scalars
    echo_more = page.xpath("//section[@id='o-SingleCallService.rem']//div[@class='op']"
                           "[starts-with(normalize-space(h3), 'EchoMore(')]")[0]
    labels = echo_more.xpath(".//span[@class='ptype']/text()")
    assert labels == ["long", "float", "decimal", "char", "unsignedByte", "short", "duration", "base64Binary",
                      "string", "DayOfWeek"]
    assert echo_more.xpath(".//select/option/text()")[:2] == ["Sunday", "Monday"]
    # every form's inputs are p0..pN, the nullable ones with a null box
    echo_all = op_block(page, "echo_all(")
    assert echo_all.xpath(".//input/@name | .//select/@name") == ["p0", "p1", "p2", "p3", "p3-nil", "p4", "p5",
                                                                   "p5-nil"]


def build_request(spec: dict[str, Any], values: list[str | None]) -> str:
    """What help.js builds: the server's envelope, each value XML-escaped into its element (None: nil)."""
    parts = [p["nil"] if v is None else p["open"] + html.escape(v, quote=True) + p["close"]
             for p, v in zip(spec["params"], values, strict=True)]
    return spec["head"] + "".join(parts) + spec["tail"]


def spec_of(page: etree._Element, signature_start: str) -> dict[str, Any]:
    form = op_block(page, signature_start).xpath(".//form")[0]
    return specs(page)[int(form.get("data-op"))]


def post_spec(app: Any, spec: dict[str, Any], values: list[str | None]) -> httpx.Response:
    headers = {"content-type": spec["contentType"], "soapaction": spec["action"]}
    return request(app, "POST", spec["url"], headers, build_request(spec, values).encode())


@pytest.mark.parametrize("headers", [{}, FORWARDED], ids=["direct", "forwarded"])
def test_the_request_the_page_sends_is_answered(headers: dict[str, str]) -> None:
    app = _app(trust_forwarded=True)
    page = parse(request(app, "GET", "/", headers))
    add = spec_of(page, "add(")
    # a path on the page's own origin (CSP connect-src 'self'), with the proxy's prefix when trusted
    assert add["url"] == ("/api" if headers else "") + "/InteropService.soap"
    assert add["action"] == '"urn:interop/add"' and add["contentType"] == "text/xml; charset=utf-8"
    add["url"] = "/InteropService.soap"  # the proxy would strip its prefix
    answer = post_spec(app, add, ["40", "2"])
    assert answer.status_code == 200 and "<tns:addResult>42</tns:addResult>" in answer.text
    make_person = spec_of(page, "make_person(")
    make_person["url"] = "/InteropService.soap"
    person = post_spec(app, make_person, ["Ada <&> \"ü\"", "36"])
    assert "<tns:name>Ada &lt;&amp;&gt; \"ü\"</tns:name><tns:age>36</tns:age>" in person.text
    hello = spec_of(page, "hello(")
    hello["url"] = "/InteropService.soap"
    assert "<tns:helloResult>Hi there </tns:helloResult>" in post_spec(app, hello, [None]).text
    fail = spec_of(page, "fail(")
    fail["url"] = "/InteropService.soap"
    fault = post_spec(app, fail, ["boom"])
    assert fault.status_code == 500 and "<faultstring>boom</faultstring>" in fault.text
    bad = post_spec(app, add, ["1", "99999999999"])
    assert bad.status_code == 500 and "faultstring" in bad.text


def test_nested_uri_is_posted_to_its_own_path() -> None:
    page = parse(request(_app(), "GET", "/nested/SayHello.soap"))
    spec = spec_of(page, "HelloMethod(")
    assert spec["url"] == "/nested/SayHello.soap"
    answer = post_spec(_app(), spec, ["Caveman"])
    assert answer.status_code == 200 and "Hi there Caveman" in answer.text


# ------------------------------------------------------------------ hostile content


EVIL_NS = 'urn:evil"></x></script><script>alert(3)</script>'


@clr_type('Evil.<b onmouseover="alert(5)">', "Evil")
class EvilService(MarshalByRefObject):
    """<script>alert('doc')</script> and ``</script><script>alert(2)</script>``

    * <img src=x onerror=alert(4)>
    """

    __soap_namespace__ = EVIL_NS

    def probe(self, s: str) -> str:
        """</code></pre><iframe src="javascript:alert(6)"></iframe>"""
        return s


class EvilActivated(MarshalByRefObject):
    """<svg onload=alert(7)>"""

    def poke(self) -> int:
        return 1


EVIL_URI = 'e"<b>&\'x.soap'


def test_hostile_names_namespaces_and_docstrings_are_escaped() -> None:
    app = RemotingApp()
    app.register_well_known(EvilService, EVIL_URI, WellKnownObjectMode.SingleCall)
    app.register_activated(EvilActivated, 'Evil.<Activated onclick="x">')
    response = request(app, "GET", "/")
    page = parse(response)
    # only the page's own two scripts, no element or attribute from the strings above
    assert len(page.xpath("//script")) == 2
    assert not page.xpath("//iframe | //img | //svg | //b | //x | //i")
    assert not page.xpath("//@*[starts-with(name(), 'on')]")
    text = visible_text(page)
    for shown in ("<script>alert('doc')</script>", "</script><script>alert(2)</script>", "<img src=x onerror=alert(4)>",
                  '</code></pre><iframe src="javascript:alert(6)"></iframe>', "<svg onload=alert(7)>",
                  f"/{EVIL_URI}", 'Evil.<b onmouseover="alert(5)">', EVIL_NS, 'Evil.<Activated onclick="x">'):
        assert shown in text, shown
    # the JSON block cannot be closed early, and decodes to the real values
    raw = response.text
    block = raw[raw.index('<script type="application/json"'):]
    block = block[block.index(">") + 1:block.index("</script>")]
    assert "<" not in block and ">" not in block and "&" not in block
    spec = json.loads(block)[0]
    assert f'xmlns:tns="{html.escape(EVIL_NS, quote=True)}"' in spec["head"]
    assert spec["url"] == "/" + EVIL_URI.replace('"', "%22").replace("<", "%3C").replace(">", "%3E").replace(
        "&", "%26").replace("'", "%27")
    # and the request built from it is well-formed, in that very namespace (it survived both escapings)
    # (expat: libxml2 refuses such a namespace as a URI, which is the SOAP parser's business, not the page's)
    envelope = ElementTree.fromstring(build_request(spec, ["<ok>"]).encode())
    operation = envelope[0][0]
    assert operation.tag == f"{{{EVIL_NS}}}probe" and operation[0].text == "<ok>"


# ------------------------------------------------------------------ headers


def csp(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", ["/", "/InteropService.soap"])
def test_strict_csp_allows_exactly_the_pages_own_style_and_script(path: str) -> None:
    response = request(_app(), "GET", path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = csp(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    styles = re.findall(r"<style>(.*?)</style>", response.text, re.S)
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    assert len(styles) == 1 and len(scripts) == 1
    assert policy["style-src"] == [sha256(styles[0])]
    assert policy["script-src"] == [sha256(scripts[0])]
    # nothing else that CSP would block: no inline handlers, no style attributes, nothing loaded from outside
    page = parse(response)
    assert not page.xpath("//@style | //link[@rel='stylesheet'] | //script[@src] | //img")
    assert page.xpath("//link[@rel='icon']/@href") == ["data:,"]


def test_head_gets_the_headers_without_the_body() -> None:
    app = _app()
    get = request(app, "GET", "/")
    head = request(app, "HEAD", "/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    for name in ("content-type", "content-security-policy", "x-content-type-options"):
        assert head.headers[name] == get.headers[name]


# ------------------------------------------------------------------ sinks


def test_the_page_needs_credentials_behind_an_authentication_sink() -> None:
    app = secured_app()
    assert request(app, "GET", "/").status_code == 401
    assert request(app, "GET", "/SecureHello.soap").status_code == 401
    alice = {"authorization": "Basic " + base64.b64encode(b"alice:wonderland").decode()}
    assert "/SecureHello.soap" in visible_text(parse(request(app, "GET", "/", alice)))
