"""A response's body, read within the client's size limit, its content encoding decoded here.

Why: httpx reads a whole body into memory and inflates a ``Content-Encoding: gzip`` one whole, before the
client's readers could refuse a message over ``Limits.max_bytes``. A server (or anyone between it and an
``http://`` client) that answers with gigabytes, or with a few hundred kilobytes of gzip that inflate to
gigabytes (a decompression bomb: 300 KB made 300 MB of a client's memory), could exhaust the caller.

So a body whose declared length is over the limit is refused before a byte of it is read, and any other
(chunked, or encoded) is read as it arrives, reading stopping as soon as it holds more than the limit: it
costs at most the limit plus one network read. The client asks for the encodings it decodes itself
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

    def __init__(self, encoding: str, limit: int, url: str, status: int) -> None:
        self.limit = limit
        self.url = url
        self.status = status
        self.parts: list[bytes] = []
        self.size = 0
        self.inflater: zlib._Decompress | None = None
        self.raw_deflate_tried = False
        if encoding in ("gzip", "x-gzip"):
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send it (as httpx)
            self.inflater = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise _error(url, status, f"its content encoding {encoding[:40]!r} is not one this client reads "
                                      f"({ACCEPT_ENCODING})")  # fmt: skip

    def feed(self, raw: bytes) -> None:
        if self.inflater is None:
            self._keep(raw)
            return
        try:
            data = self.inflater.decompress(raw, self.limit - self.size + 1)
        except zlib.error as exc:
            if self.raw_deflate_tried or self.size or self.inflater.unused_data:
                raise _error(self.url, self.status, f"its compressed content is corrupt ({exc})") from None
            self.raw_deflate_tried = True  # a raw deflate stream, without the zlib header
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            self.feed(raw)
            return
        self._keep(data)

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise _too_large(self.url, self.status, self.limit)
        if data:
            self.parts.append(data)

    def finish(self) -> bytes:
        if self.inflater is not None:
            try:
                self._keep(self.inflater.flush())
            except zlib.error as exc:
                raise _error(self.url, self.status, f"its compressed content is corrupt ({exc})") from None
        return b"".join(self.parts)


def _error(url: str, status: int, reason: str) -> RemotingError:
    return RemotingError(f"unreadable response from {url}: {reason}", http_status=status)


def _too_large(url: str, status: int, limit: int, size: int | None = None) -> RemotingError:
    said = f"more than {limit}" if size is None else str(size)
    return _error(url, status, f"message of {said} bytes exceeds the limit of {limit} bytes")


def _plain_length(headers: dict[str, str], limit: int, url: str, status: int) -> int | None:
    """The declared length of an unencoded body (None: encoded, or no length said); a length over
    ``limit`` is refused here, before a byte of the body is read."""
    encoding = headers.get("content-encoding")
    if encoding is not None and encoding.strip().lower() not in ("", "identity"):
        return None
    declared = headers.get("content-length", "")
    if not (declared.isascii() and declared.isdigit()):
        return None
    if int(declared) > limit:
        raise _too_large(url, status, limit)
    return int(declared)


def _checked(content: bytes, limit: int, url: str, status: int) -> bytes:
    if len(content) > limit:
        raise _too_large(url, status, limit, len(content))
    return content


def read_body(response: httpx.Response, headers: dict[str, str], limit: int, url: str) -> bytes:
    """The decoded body of a streamed ``response`` (sync; ``headers``: its headers, lower-case names), at most
    ``limit`` bytes (see the module docstring). An unencoded body of a declared length within the limit is read
    in one go (what its transport delivers is that length); a body a transport read whole already (an
    ``httpx.Response`` made with ``content=``, as ``httpx.MockTransport`` handlers make them) is only measured."""
    status = response.status_code
    if response.is_stream_consumed:
        return _checked(response.content, limit, url, status)
    if _plain_length(headers, limit, url, status) is not None:
        return _checked(response.read(), limit, url, status)
    body = _Body(headers.get("content-encoding", "").strip().lower(), limit, url, status)
    for raw in response.iter_raw():
        body.feed(raw)
    return body.finish()


async def aread_body(response: httpx.Response, headers: dict[str, str], limit: int, url: str) -> bytes:
    """:func:`read_body` for a response of an ``httpx.AsyncClient``."""
    status = response.status_code
    if response.is_stream_consumed:
        return _checked(response.content, limit, url, status)
    if _plain_length(headers, limit, url, status) is not None:
        return _checked(await response.aread(), limit, url, status)
    body = _Body(headers.get("content-encoding", "").strip().lower(), limit, url, status)
    async for raw in response.aiter_raw():
        body.feed(raw)
    return body.finish()


__all__ = ["ACCEPT_ENCODING", "aread_body", "read_body"]
