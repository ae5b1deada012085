"""Object URLs parsed once: httpx parses a URL string again on every request (its ``urlparse`` checks every
character in Python), about a tenth of a small call's client work; an ``httpx.URL`` passed in is taken as it
is. A proxy calls the same few URLs over and over, so the parsed URLs are kept (bounded: callers and servers
choose these strings, e.g. the URLs in ObjRefs)."""

from __future__ import annotations

import httpx

_MAX_KEPT = 256
_PARSED: dict[str, httpx.URL] = {}


def parsed_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, from the ones kept when ``url`` was seen before (an ``httpx.URL`` is immutable)."""
    parsed = _PARSED.get(url)
    if parsed is None:
        parsed = httpx.URL(url)
        if len(_PARSED) >= _MAX_KEPT:
            _PARSED.clear()
        _PARSED[url] = parsed
    return parsed
