"""httpx's cookie jar, reading a response only when the response sets a cookie.

httpx hands every response to its client's jar (``Cookies.extract_cookies``), which wraps the request and the
response in ``urllib`` objects so that ``http.cookiejar`` can look for ``Set-Cookie`` and ``Set-Cookie2``
headers: about a sixth of an ``AsyncRemotingClient`` call (benchmarks/README.md, "Session 7: the client's
per-call work"), on every call, for answers that almost never set one. A response without either header has
nothing for the jar (``http.cookiejar`` makes no cookie from it and keeps no other state from it), so the jar
here skips it and reads every other response exactly as httpx's does: cookies a server sets are kept and sent
back as before (a balancer's sticky-session cookie, say).

The jar is bounded as browsers bound theirs (RFC 6265 asks for at least 50 cookies a domain, 4096 bytes
each): a cookie larger than :data:`MAX_COOKIE_BYTES` is not kept, and beyond :data:`MAX_COOKIES` the ones
kept longest go. A server that set a new cookie on every answer would otherwise grow the client's memory,
and every request it sends, without end.
"""

from __future__ import annotations

import httpx

#: the most cookies a client keeps (all servers together), and the largest one (name and value)
MAX_COOKIES = 64
MAX_COOKIE_BYTES = 4096


class ResponseCookies(httpx.Cookies):
    """An ``httpx.Cookies`` that hands a response to its jar only when the response sets a cookie, and keeps
    the jar within bounds (see the module docstring)."""

    def __init__(self, cookies: httpx.Cookies | None = None) -> None:
        super().__init__(cookies)
        #: the cookies kept, as (domain, path, name), in the order they came
        self._arrival: dict[tuple[str, str, str], None] = {}

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)
            self._bound()

    def _bound(self) -> None:
        jar = self.jar
        order = self._arrival
        present = set()
        for cookie in list(jar):
            key = (cookie.domain, cookie.path, cookie.name)
            if len(cookie.name) + len(cookie.value or "") > MAX_COOKIE_BYTES:
                jar.clear(*key)
                continue
            present.add(key)
            order.setdefault(key, None)  # (a new one goes last; one set again keeps its place)
        for key in [k for k in order if k not in present]:  # expired or cleared meanwhile
            del order[key]
        while len(order) > MAX_COOKIES:  # the ones kept longest go first
            key = next(iter(order))
            del order[key]
            jar.clear(*key)


def with_response_cookies(client: httpx.Client | httpx.AsyncClient) -> None:
    """Give ``client`` (one of ours, just made) a :class:`ResponseCookies` holding the jar it has. httpx has no
    setting for the jar's class: its setter copies into a plain ``Cookies``, so the attribute behind it is set;
    a future httpx without it keeps its own jar, which is just slower."""
    cookies = getattr(client, "_cookies", None)
    if type(cookies) is httpx.Cookies:
        replacement = ResponseCookies()
        replacement.jar = cookies.jar
        client._cookies = replacement  # (httpx's own attribute: see above)
