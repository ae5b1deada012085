"""Availability of real, non-Python peers (mono, mcs, wrk, nginx ...).

Interop tests need programs that a developer machine may not have. Locally a
missing peer skips the test with a clear reason; in CI (``CI=true``) the same
situation is a failure, so that a broken CI image cannot turn the interop
suite into a silent row of skips.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    """True when running under CI (the conventional ``CI=true`` variable)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def have(cmd: str) -> bool:
    """True if ``cmd`` is an executable on ``PATH``."""
    return shutil.which(cmd) is not None


def require_peer(name: str, available: bool, reason: str) -> None:
    """Skip (locally) or fail (``CI=true``) the current test when peer ``name`` is unavailable.

    ``available`` is the caller's verdict (e.g. ``have("mono")``); ``reason`` says
    what is missing and how to get it. Does nothing when ``available`` is true.
    """
    if available:
        return
    message = f"peer {name!r} unavailable: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: missing peers are failures, not skips)", pytrace=False)
    pytest.skip(message)
