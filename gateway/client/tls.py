"""TLS for the clients: server certificates are verified by default; a private CA and a client
certificate (mutual TLS) are one argument each, for the sync and the async transport alike."""

from __future__ import annotations

import functools
import ssl


def tls_context(verify: bool | str = True, cert: str | tuple[str, str] | None = None) -> ssl.SSLContext:
    """An SSL context for ``https://`` calls.

    ``verify``: True (the system's CAs), a CA bundle file (PEM) for a private CA, or False (no check at all:
    for tests only). ``cert``: a client certificate for mutual TLS, one PEM file with the key or
    ``(certfile, keyfile)``.

    The context for the system's CAs without a client certificate (every client's default) is made once per
    process and shared: loading the CA store takes about 25 ms, which every ``RemotingClient()`` paid
    before; an ``SSLContext`` is safe to share between connections and threads.
    """
    if verify is True and cert is None:
        return _system_context()
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif verify is True:
        context = ssl.create_default_context()
    else:
        context = ssl.create_default_context(cafile=verify)
    if cert is not None:
        certfile, keyfile = (cert, None) if isinstance(cert, str) else cert
        context.load_cert_chain(certfile, keyfile)
    return context


@functools.cache
def _system_context() -> ssl.SSLContext:
    return ssl.create_default_context()
