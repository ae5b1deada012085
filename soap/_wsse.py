"""WS-Security 1.0 UsernameToken (OASIS Username Token Profile 1.0): the header, read and written.

This module only handles the XML. :func:`read_username_token` finds the ``wsse:Security`` header block of
a SOAP request (document/literal, where toolkits send it) and reads its ``UsernameToken``; deciding whether
the token is good (the user store, the clock, the replay cache) is the runtime's job
(``gateway.server.wssecurity``), with :meth:`UsernameToken.matches` doing the password comparison in
constant time. :func:`security_header` writes the header block a client sends.

``PasswordText`` carries the password itself (use it over TLS only); ``PasswordDigest`` carries
``Base64(SHA-1(nonce + created + password))``, where ``nonce`` is the raw bytes of ``wsse:Nonce`` and
``created`` the text of ``wsu:Created`` exactly as sent, so the password never travels.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import os
from dataclasses import dataclass

from lxml import etree

from ._errors import SoapDecodeError
from ._escape import escape_text
from ._model import IncomingCall
from ._namespaces import WSSE_NS
from ._scalars import parse_datetime

WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = _PROFILE + "#PasswordText"
PASSWORD_DIGEST = _PROFILE + "#PasswordDigest"
BASE64_BINARY = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"

#: the header block this module reads: what a runtime that checks it "understands"
SECURITY_HEADER = (WSSE_NS, "Security")

_USERNAME_TOKEN = f"{{{WSSE_NS}}}UsernameToken"

#: Bounds on the token's parts (a header is small; anything larger is not a token).
MAX_USERNAME = 256
MAX_PASSWORD = 1024
MAX_NONCE_BYTES = 256


class SecurityHeaderError(SoapDecodeError):
    """The ``wsse:Security`` header is malformed (WS-Security's ``wsse:InvalidSecurity``), or its token is of
    a kind this module does not read (``unsupported``: ``wsse:UnsupportedSecurityToken``)."""

    def __init__(self, message: str, unsupported: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported


@dataclass(frozen=True, slots=True)
class UsernameToken:
    """A received UsernameToken: ``password`` is the password (``digest`` False) or its digest (True);
    ``created`` is the ``wsu:Created`` text as sent (the digest covers it character for character)."""

    username: str
    password: str
    digest: bool
    nonce: bytes | None = None
    created: str | None = None

    def created_at(self) -> _dt.datetime | None:
        """``created`` as an aware UTC datetime (a time without an offset counts as UTC), None when absent."""
        if self.created is None:
            return None
        try:
            value = parse_datetime(self.created)
        except ValueError:
            raise SecurityHeaderError(f"wsu:Created {self.created[:40]!r} is not an xsd:dateTime") from None
        return value.replace(tzinfo=_dt.UTC) if value.tzinfo is None else value.astimezone(_dt.UTC)

    def matches(self, password: str) -> bool:
        """Whether this token proves ``password``, compared in constant time."""
        if self.digest:
            expected = password_digest(self.nonce or b"", self.created or "", password)
            return hmac.compare_digest(self.password.encode("utf-8"), expected.encode("utf-8"))
        given = hashlib.sha256(self.password.encode("utf-8")).digest()
        return hmac.compare_digest(given, hashlib.sha256(password.encode("utf-8")).digest())


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """``Base64(SHA-1(nonce + created + password))``, the Username Token Profile's PasswordDigest."""
    raw = hashlib.sha1(nonce + created.encode("utf-8") + password.encode("utf-8")).digest()
    return base64.b64encode(raw).decode("ascii")


def read_username_token(call: IncomingCall) -> UsernameToken | None:
    """The UsernameToken of the request's ``wsse:Security`` header block addressed to this node; None when
    the request has none (binary requests have no SOAP headers at all).

    Raises :class:`SecurityHeaderError` for a malformed header or token.
    """
    blocks = [b.element for b in call.header_blocks
              if b.for_this_node and b.name == "Security" and b.namespace == WSSE_NS]
    if not blocks:
        return None
    if len(blocks) > 1:
        raise SecurityHeaderError("more than one wsse:Security header is addressed to this node")
    tokens = [t for t in blocks[0] if t.tag == _USERNAME_TOKEN]
    if not tokens:
        return None
    if len(tokens) > 1:
        raise SecurityHeaderError("the wsse:Security header holds more than one UsernameToken")
    return _read_token(tokens[0])


def _child(token: etree._Element, namespace: str, name: str) -> etree._Element | None:
    found = [c for c in token if c.tag == f"{{{namespace}}}{name}"]
    if len(found) > 1:
        raise SecurityHeaderError(f"the UsernameToken has more than one {name}")
    if found and len(found[0]):
        raise SecurityHeaderError(f"the UsernameToken's {name} holds elements, not text")
    return found[0] if found else None


def _read_token(token: etree._Element) -> UsernameToken:
    username_el = _child(token, WSSE_NS, "Username")
    if username_el is None or not (username_el.text or "").strip():
        raise SecurityHeaderError("the UsernameToken has no Username")
    username = (username_el.text or "").strip()
    if len(username) > MAX_USERNAME:
        raise SecurityHeaderError(f"the Username is longer than {MAX_USERNAME} characters")
    password_el = _child(token, WSSE_NS, "Password")
    if password_el is None:
        raise SecurityHeaderError("the UsernameToken has no Password", unsupported=True)
    kind = (password_el.get("Type") or PASSWORD_TEXT).strip()
    if kind not in (PASSWORD_TEXT, PASSWORD_DIGEST):
        raise SecurityHeaderError(f"password type {kind[:100]!r} is not supported", unsupported=True)
    password = password_el.text or ""
    if len(password) > MAX_PASSWORD:
        raise SecurityHeaderError(f"the Password is longer than {MAX_PASSWORD} characters")
    digest = kind == PASSWORD_DIGEST
    if digest:
        password = password.strip()
    nonce: bytes | None = None
    nonce_el = _child(token, WSSE_NS, "Nonce")
    if nonce_el is not None:
        encoding = (nonce_el.get("EncodingType") or BASE64_BINARY).strip()
        if encoding != BASE64_BINARY:
            raise SecurityHeaderError(f"nonce encoding {encoding[:100]!r} is not supported", unsupported=True)
        text = "".join((nonce_el.text or "").split())
        if len(text) > MAX_NONCE_BYTES * 4 // 3 + 4:
            raise SecurityHeaderError(f"the Nonce is longer than {MAX_NONCE_BYTES} bytes")
        try:
            nonce = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise SecurityHeaderError("the Nonce is not valid base64") from None
        if not nonce:
            raise SecurityHeaderError("the Nonce is empty")
    created_el = _child(token, WSU_NS, "Created")
    created = (created_el.text or "").strip() if created_el is not None else None
    if created is not None and len(created) > 64:
        raise SecurityHeaderError("wsu:Created is not an xsd:dateTime")
    result = UsernameToken(username, password, digest, nonce, created)
    result.created_at()  # a malformed Created is the header's fault, found now
    if digest and (nonce is None or created is None):
        raise SecurityHeaderError("a PasswordDigest needs a Nonce and a wsu:Created")
    return result


@dataclass(frozen=True, slots=True)
class UsernameCredentials:
    """What a client proves itself with: a UsernameToken written into every document/literal request."""

    username: str
    password: str
    digest: bool = False

    def security_block(self, soap12: bool = False) -> str:
        """A fresh ``wsse:Security`` block (a digest token gets a new nonce and creation time each time)."""
        return security_header(self.username, self.password, self.digest, soap12)


def security_header(
    username: str,
    password: str,
    digest: bool = False,
    soap12: bool = False,
    now: _dt.datetime | None = None,
    nonce: bytes | None = None,
) -> str:
    """The ``wsse:Security`` header block holding a UsernameToken (what a client sends), for a ``soap:Header``
    (``soap``: the envelope prefix of :mod:`soap._literal`).

    A digest token gets a fresh 16-byte ``nonce`` and ``now`` as ``wsu:Created`` (both injectable for tests);
    a text token gets neither. The block is marked ``mustUnderstand``: a server that does not check it must
    refuse the call rather than run it unauthenticated.
    """
    for value, what in ((username, "user name"), (password, "password")):
        if any(ord(c) < 0x20 and c not in "\t" for c in value):
            raise ValueError(f"the {what} of a UsernameToken may not contain control characters")
    parts = [f"<wsse:Username>{escape_text(username)}</wsse:Username>"]
    if digest:
        nonce = os.urandom(16) if nonce is None else nonce
        moment = (now or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC)
        created = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        parts.append(f'<wsse:Password Type="{PASSWORD_DIGEST}">{password_digest(nonce, created, password)}'
                     "</wsse:Password>")
        parts.append(f'<wsse:Nonce EncodingType="{BASE64_BINARY}">{base64.b64encode(nonce).decode("ascii")}'
                     "</wsse:Nonce>")
        parts.append(f"<wsu:Created>{created}</wsu:Created>")
    else:
        parts.append(f'<wsse:Password Type="{PASSWORD_TEXT}">{escape_text(password)}</wsse:Password>')
    must = "true" if soap12 else "1"
    return (
        f'<wsse:Security xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}" soap:mustUnderstand="{must}">'
        f'<wsse:UsernameToken>{"".join(parts)}</wsse:UsernameToken></wsse:Security>'
    )


__all__ = [
    "PASSWORD_DIGEST",
    "PASSWORD_TEXT",
    "SECURITY_HEADER",
    "WSSE_NS",
    "WSU_NS",
    "SecurityHeaderError",
    "UsernameCredentials",
    "UsernameToken",
    "password_digest",
    "read_username_token",
    "security_header",
]
