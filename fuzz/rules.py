"""What every fuzz target's rule shares: the error a broken rule raises, and what must never reach a caller."""

from __future__ import annotations

import re


class Finding(AssertionError):
    """A fuzz input broke a rule (not a decode error: a crash, a leak, a non-answer)."""


#: a traceback, a file or a module path in an answer
LEAKS = re.compile(r"Traceback|File \"|\.py\b|site-packages|\b(?:gateway|soap|wsdl)\.(?:_?[a-z]+)\.(?:_?[a-z]+)")

__all__ = ["LEAKS", "Finding"]
