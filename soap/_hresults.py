"""The HRESULT values exceptions carry on the wire (``System.Exception.HResult``).

.NET and Mono compare these numbers, not the type names, in places (and print them in stack traces), so
each one is the exact value the CLR's own exception of that kind carries, kept here under its CLR name.
"""

from __future__ import annotations

#: ``COR_E_EXCEPTION`` (0x80131500): ``System.Exception``'s, and so every user exception's, unless it sets one.
COR_E_EXCEPTION = -2146233088

#: ``COR_E_SYSTEM`` (0x80131501): ``System.SystemException``'s; Mono's ``RemotingException`` keeps it (the
#: captured "No receiver for uri" faults carry it), so the gateway's own infrastructure errors send it too.
COR_E_SYSTEM = -2146233087

__all__ = ["COR_E_EXCEPTION", "COR_E_SYSTEM"]
