"""httpx's cookie jar, reading a response only when the response sets a cookie.

httpx hands every response to its client's jar (``Cookies.extract_cookies``), which wraps the request and the
response in ``urllib`` objects so that ``http.cookiejar`` can look for ``Set-Cookie`` and ``Set-Cookie2``
headers: about a sixth of an ``AsyncRemotingClient`` call (benchmarks/README.md, "Session 7: the client's
per-call work"), on every call, for answers that almost never set one. A response without either header has
nothing for the jar (``http.cookiejar`` makes no cookie from it and keeps no other state from it), so the jar
here skips it and reads every other response exactly as httpx's does: cookies a server sets are kept and sent
back as before (a balancer's sticky-session cookie, say).
"""

from __future__ import annotations

import httpx


class ResponseCookies(httpx.Cookies):
    """An ``httpx.Cookies`` that hands a response to its jar only when the response sets a cookie."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


def with_response_cookies(client: httpx.Client | httpx.AsyncClient) -> None:
    """Give ``client`` (one of ours, just made) a :class:`ResponseCookies` holding the jar it has. httpx has no
    setting for the jar's class: its setter copies into a plain ``Cookies``, so the attribute behind it is set;
    a future httpx without it keeps its own jar, which is just slower."""
    cookies = getattr(client, "_cookies", None)
    if type(cookies) is httpx.Cookies:
        replacement = ResponseCookies()
        replacement.jar = cookies.jar
        client._cookies = replacement  # (httpx's own attribute: see above)
