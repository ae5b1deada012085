"""A response's body, read within the client's size limit, its content encoding decoded here.

Why: httpx reads a whole body into memory and inflates a ``Content-Encoding: gzip`` one whole, before the
client's readers could refuse a message over ``Limits.max_bytes``. A server (or anyone between it and an
``http://`` client) that answers with gigabytes, or with a few hundred kilobytes of gzip that inflate to
gigabytes (a decompression bomb: 300 KB made 300 MB of a client's memory), could exhaust the caller.

So the body is read as it arrives and reading stops as soon as it holds more than the limit: a body that
says its length is refused before a byte of it is read, one that does not (chunked, or encoded) costs at
most the limit plus one network read. The client asks for the encodings it decodes itself
(:data:`ACCEPT_ENCODING`), each inflated piece bounded by what the limit still allows (``zlib``'s
``max_length``), and refuses any other. Either way the call fails with a :class:`RemotingError` saying so.
"""

from __future__ import annotations

import zlib

import httpx

from ..model.errors import RemotingError

#: what the client asks for (and decodes itself; httpx would also advertise brotli or zstd when installed)
ACCEPT_ENCODING = "gzip, deflate"


class _Body:
    """Decodes raw pieces of a body into at most ``limit`` bytes."""

    def __init__(self, response: httpx.Response, limit: int, url: str) -> None:
        self.limit = limit
        self.url = url
        self.status = response.status_code
        self.parts: list[bytes] = []
        self.size = 0
        encoding = response.headers.get("content-encoding", "").strip().lower()
        self.inflater: zlib._Decompress | None = None
        self.raw_deflate_tried = False
        if encoding in ("gzip", "x-gzip"):
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send it (as httpx)
            self.inflater = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise self._error(f"its content encoding {encoding[:40]!r} is not one this client reads "
                              f"({ACCEPT_ENCODING})")  # fmt: skip

    def _error(self, reason: str) -> RemotingError:
        return RemotingError(f"unreadable response from {self.url}: {reason}", http_status=self.status)

    def _too_large(self) -> RemotingError:
        return self._error(f"message of more than {self.limit} bytes exceeds the limit of {self.limit} bytes")

    def feed(self, raw: bytes) -> None:
        if self.inflater is None:
            self._keep(raw)
            return
        try:
            data = self.inflater.decompress(raw, self.limit - self.size + 1)
        except zlib.error as exc:
            if self.raw_deflate_tried or self.size or self.inflater.unused_data:
                raise self._error(f"its compressed content is corrupt ({exc})") from None
            self.raw_deflate_tried = True  # a raw deflate stream, without the zlib header
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            self.feed(raw)
            return
        self._keep(data)

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise self._too_large()
        if data:
            self.parts.append(data)

    def finish(self) -> bytes:
        if self.inflater is not None:
            try:
                self._keep(self.inflater.flush())
            except zlib.error as exc:
                raise self._error(f"its compressed content is corrupt ({exc})") from None
        return b"".join(self.parts)


def _declared_too_large(response: httpx.Response, limit: int) -> bool:
    declared = response.headers.get("content-length", "")
    return declared.isascii() and declared.isdigit() and int(declared) > limit


def _already_read(response: httpx.Response, limit: int, url: str) -> bytes:
    """The body of a response its transport read (and httpx decoded) whole already (an ``httpx.Response``
    made with ``content=``, as ``httpx.MockTransport`` handlers make them): only its size is checked."""
    content = response.content
    if len(content) > limit:
        raise RemotingError(f"unreadable response from {url}: message of {len(content)} bytes exceeds the limit "
                            f"of {limit} bytes", http_status=response.status_code)  # fmt: skip
    return content


def read_body(response: httpx.Response, limit: int, url: str) -> bytes:
    """The decoded body of a streamed ``response`` (sync), at most ``limit`` bytes (see the module docstring)."""
    if response.is_stream_consumed:
        return _already_read(response, limit, url)
    body = _Body(response, limit, url)
    if _declared_too_large(response, limit) and body.inflater is None:
        raise body._too_large()
    for raw in response.iter_raw():
        body.feed(raw)
    return body.finish()


async def aread_body(response: httpx.Response, limit: int, url: str) -> bytes:
    """:func:`read_body` for a response of an ``httpx.AsyncClient``."""
    if response.is_stream_consumed:
        return _already_read(response, limit, url)
    body = _Body(response, limit, url)
    if _declared_too_large(response, limit) and body.inflater is None:
        raise body._too_large()
    async for raw in response.aiter_raw():
        body.feed(raw)
    return body.finish()


__all__ = ["ACCEPT_ENCODING", "aread_body", "read_body"]
