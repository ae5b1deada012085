"""The help page: GET ``/`` lists every published object, GET ``/<uri>`` one of them.

For each well-known object: its URI, activation mode, CLR type, document/literal namespace, rendered
docstring, WSDL links, and its operations with signatures and docs; for each client-activated type: its
CLR name, constructor and operations. Document/literal operations with scalar parameters get a try-it form
(:mod:`.try_it`) that the page's script sends with ``fetch`` and whose request and response it shows.

The page is self-contained (inline CSS and script, no external asset: it works offline and behind
firewalls) and served with a strict Content-Security-Policy: nothing loads from anywhere, only the page's
own style and script run (allowed by their SHA-256 hashes, which are fixed, so the page can be cached), and
the script may only talk to the page's own origin. Everything taken from the objects (URIs, names,
docstrings) is escaped; per-operation metadata travels as JSON in a ``<script type="application/json">``
block with ``<``, ``>`` and ``&`` escaped, so no value can close the block.

Pages are built once per (registration revision, base URL, URI): the base URL is part of the key because
the links in the page are computed from the request, and the revision because a later registration
changes what the page lists.
"""

from __future__ import annotations

import base64
import hashlib
import html
import inspect
import json
from collections.abc import Iterable
from importlib import resources
from urllib.parse import quote, urlsplit

from wsdl import Operation, ServiceContract, contract_of, literal_operations

from ..model.activation import ACTIVATION_URI
from .docstrings import render_docstring
from .identity import IdentityTable, ServiceEntry
from .lru import BoundedCache
from .try_it import form_fields, request_spec, triable


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


_CSS = _asset("help.css")
_SCRIPT = _asset("help.js")


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


#: Nothing loads from anywhere; the inline style and script run because their hashes match; the script's
#: fetch may reach this origin only; no framing, no <base>, no form posting elsewhere.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {_sha256(_CSS)}; script-src {_sha256(_SCRIPT)}; connect-src 'self'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
#: The headers every help page is served with.
HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-cache"),
)

_WSDL_LINKS = (("wsdl", "SOAP 1.1"), ("wsdl=soap12", "SOAP 1.2"), ("wsdl=remoting", ".NET Remoting"))


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def json_for_script(value: object) -> str:
    """JSON that can sit inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` in it, so
    neither ``</script>`` nor ``<!--`` can appear, whatever the strings hold."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _Page:
    """The HTML of one help page, built section by section."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        #: the app's root as a path on the caller's origin: what the script fetches (same origin, always)
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.specs: list[dict[str, object]] = []

    def object_url(self, uri: str) -> str:
        return f"{self.base_url}/{quote(uri, safe='/')}"

    def operation(self, contract: ServiceContract, op: Operation, entry: ServiceEntry | None,
                  literal: frozenset[str], anchor: str) -> str:
        doc = render_docstring(op.doc)
        signature = op.signature()  # "name(params) -> result": the name stands out
        parts = [f'<div class="op" id="{_e(_anchor(f"{anchor}.{op.name}", "op-"))}"><h3><code class="sig">'
                 f'<span class="name">{_e(op.name)}</span>{_e(signature[len(op.name):])}</code></h3>']
        if doc:
            parts.append(f'<div class="doc">{doc}</div>')
        if entry is not None and op.name in literal and triable(op):
            key = len(self.specs)
            self.specs.append(request_spec(contract, op, f"{self.base_path}/{quote(entry.uri, safe='/')}"))
            form_id = f"try{key}"
            parts.append(
                f'<details class="try"><summary>Try it</summary>'
                f'<form class="try-form" data-op="{key}" id="{form_id}">{form_fields(op, form_id)}'
                '<div class="actions"><button type="submit">Send request</button></div></form>'
                '<div class="result" hidden><p class="status"></p>'
                '<div class="xml"><h4>Request</h4><pre class="req"></pre></div>'
                '<div class="xml"><h4>Response</h4><pre class="resp"></pre></div></div></details>'
            )
        elif entry is not None and op.name in literal:
            parts.append('<p class="note">No try-it form: a parameter is not a scalar (use the WSDL with a '
                         "SOAP toolkit).</p>")
        elif entry is not None:
            parts.append('<p class="note">.NET Remoting only (object references cannot travel in '
                         "document/literal SOAP).</p>")
        parts.append("</div>")
        return "".join(parts)

    def operations(self, contract: ServiceContract, entry: ServiceEntry | None, anchor: str) -> str:
        literal = frozenset(op.name for op in literal_operations(contract))
        ops = sorted(contract.operations.values(), key=lambda o: o.name)
        if not ops:
            return '<p class="note">No remotely callable operations.</p>'
        blocks = "".join(self.operation(contract, op, entry, literal, anchor) for op in ops)
        return f'<div class="ops">{blocks}</div>'

    def well_known(self, entry: ServiceEntry) -> str:
        contract = entry.contract
        mode = entry.mode.value
        url = self.object_url(entry.uri)
        links = "".join(f'<a class="wsdl" href="{_e(url)}?{query}">{label}</a>' for query, label in _WSDL_LINKS)
        doc = render_docstring(contract.doc)
        return (
            f'<section class="object" id="{_e(_anchor(entry.uri))}"><div class="object-head">'
            f'<h2><a href="{_e(url)}">/{_e(entry.uri)}</a></h2>'
            f'<span class="badge badge-{mode.lower()}">{_e(mode)}</span></div>'
            f'<dl class="facts"><dt>Type</dt><dd><code>{_e(contract.clr.full_name)}</code></dd>'
            f"<dt>Namespace</dt><dd><code>{_e(contract.literal_namespace)}</code></dd>"
            f'<dt>WSDL</dt><dd class="links">{links}</dd></dl>'
            + (f'<div class="doc">{doc}</div>' if doc else "")
            + self.operations(contract, entry, entry.uri)
            + "</section>"
        )

    def activated(self, name: str, cls: type) -> str:
        contract = contract_of(cls)
        doc = render_docstring(contract.doc)
        constructor = f"{cls.__name__}{_constructor_parameters(cls)}"
        return (
            f'<section class="object" id="{_e(_anchor(name))}"><div class="object-head">'
            f"<h2>{_e(name)}</h2>"
            '<span class="badge badge-activated">Client-activated</span></div>'
            f'<dl class="facts"><dt>Constructor</dt><dd><code>{_e(constructor)}</code></dd>'
            f"<dt>Activation</dt><dd>each client creates its own instance (<code>Activator.CreateInstance</code>, "
            f"<code>client.create_instance</code>) through <code>/{_e(ACTIVATION_URI)}</code>; "
            "its calls then go to the instance's own URI</dd></dl>"
            + (f'<div class="doc">{doc}</div>' if doc else "")
            + self.operations(contract, None, name)
            + "</section>"
        )

    def document(self, title: str, sections: list[str], toc: Iterable[tuple[str, str, str]], back: bool) -> bytes:
        nav = "".join(f'<li><a href="#{_e(_anchor(key))}">{_e(label)}</a><span class="kind">{_e(kind)}</span></li>'
                      for key, label, kind in toc)
        top = f'<a class="back" href="{_e(self.base_url)}/">All objects</a>' if back else ""
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            f'<header class="top"><div class="wrap">{top}<h1>{_e(title)}</h1>'
            f'<p class="base">Served at <code>{_e(self.base_url)}/</code></p></div></header>'
            '<div class="wrap layout">'
            + (f'<nav class="toc"><h2>Contents</h2><ul>{nav}</ul></nav>' if nav and not back else "")
            + f'<main>{"".join(sections)}</main></div>'
            f'<script type="application/json" id="try-it-data">{json_for_script(self.specs)}</script>'
            f"<script>{_SCRIPT}</script></body></html>"
        )
        return page.encode("utf-8")


def _constructor_parameters(cls: type) -> str:
    """``(name: str | None)``: what a client passes when it activates ``cls``."""
    try:
        signature = inspect.signature(cls, eval_str=True)
    except (TypeError, ValueError, NameError):
        try:
            signature = inspect.signature(cls)
        except (TypeError, ValueError):
            return "(...)"
    return str(signature.replace(return_annotation=inspect.Signature.empty))


def _anchor(key: str, prefix: str = "o-") -> str:
    """An element id for ``key`` (an object URI, a type name): links like ``#o-InteropService.soap`` work."""
    return prefix + "".join(c if c.isalnum() or c in "-_." else "-" for c in key)


class HelpPages:
    """Builds (and caches) the help pages of one identity table."""

    def __init__(self, identities: IdentityTable, max_entries: int = 64) -> None:
        self.identities = identities
        self._pages: BoundedCache[tuple[int, str, str], bytes | None] = BoundedCache(max_entries)

    def page(self, base_url: str, uri: str) -> bytes | None:
        """The page for all objects (``uri`` empty) or for one well-known object; None if there is none
        (not cached: requests for made-up URIs must not push real pages out of the cache)."""
        if uri and not isinstance(self.identities.lookup(uri), ServiceEntry):
            return None
        key = (self.identities.revision, base_url, uri)
        return self._pages.get(key, lambda: self._build(base_url, uri))

    def _build(self, base_url: str, uri: str) -> bytes | None:
        page = _Page(base_url)
        entries = sorted(self.identities.well_known(), key=lambda e: e.uri)
        if uri:
            entry = next((e for e in entries if e.uri == uri), None)
            if entry is None:
                return None
            return page.document(f"/{entry.uri}", [page.well_known(entry)], (), back=True)
        activated = sorted(self.identities.activated_types().items())
        sections = [page.well_known(e) for e in entries] + [page.activated(n, c) for n, c in activated]
        if not sections:
            sections = ['<p class="note">Nothing is published yet.</p>']
        toc = [(e.uri, f"/{e.uri}", e.mode.value) for e in entries]
        toc += [(name, name.rpartition(".")[2], "Client-activated") for name, _ in activated]
        return page.document("Remoting services", sections, toc, back=False)
