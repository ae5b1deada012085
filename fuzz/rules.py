"""What every fuzz target's rule shares: the error a broken rule raises, and what must never reach a caller."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Finding(AssertionError):
    """A fuzz input broke a rule (not a decode error: a crash, a leak, a non-answer)."""


def _module_names() -> list[str]:
    """The dotted names of this project's modules below its packages (``gateway.server.dispatcher``,
    ``soap._xml``): what a traceback or a ``repr`` would show. (Only real ones: a caller's own text echoed in
    a fault, such as a namespace ``soap.org.example``, is not a leak.)"""
    names = []
    for package in ("gateway", "soap", "wsdl"):
        names += [info.name for info in pkgutil.walk_packages([str(ROOT / package)], prefix=package + ".")]
    return sorted(names, key=len, reverse=True)


#: a traceback, a file path or a module path in an answer
LEAKS = re.compile(r"Traceback|File \"|\.py\b|site-packages|\b(?:"
                   + "|".join(re.escape(name) for name in _module_names()) + r")\b")  # fmt: skip

__all__ = ["LEAKS", "Finding"]
