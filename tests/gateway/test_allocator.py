"""``gateway.allocator``: with glibc's thresholds set, a server's large-message buffers are reused call after
call instead of coming fresh from the kernel (a page fault per 4 KiB page); an operator's own setting wins.

Each case runs in a fresh interpreter: the thresholds are per process and cannot be unset.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: what a call with 1 MiB messages does to the heap: a few 1 MiB buffers alive at once, then all freed; the
#: minor page faults of 40 such calls after 10 warm ones
CALLS = """
import resource, sys
sys.path.insert(0, {root!r})
from gateway.allocator import tune_allocator
tuned = tune_allocator() if {tune} else False
def call(n):
    body = bytes([n % 251]) * (1 << 20)
    joined = b"".join((b"head", body, b"tail"))
    payload = joined[4:-4]
    reply = payload + b"!"
    return len(reply)
for n in range(10):
    call(n)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for n in range(40):
    call(n)
print(tuned, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 40)
"""

ALLOCATOR_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="tunes glibc only (a no-op elsewhere)")


def faults_per_call(tune: bool, env: dict[str, str] | None = None) -> tuple[bool, float]:
    clean = {k: v for k, v in os.environ.items() if k not in ALLOCATOR_VARIABLES}
    out = subprocess.run(
        [sys.executable, "-c", CALLS.format(root=str(ROOT), tune=tune)],
        env={**clean, **(env or {})}, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()
    return out[0] == "True", float(out[1])


def test_tuned_buffers_are_reused_instead_of_faulted_in_again() -> None:
    _, untuned = faults_per_call(tune=False)
    tuned_applied, tuned = faults_per_call(tune=True)
    assert tuned_applied
    # glibc's defaults give the heap's top back after each call: about a page fault per 4 KiB of its buffers
    assert untuned > 200, f"glibc kept the pages even untuned ({untuned:.0f} faults a call): this shows nothing"
    assert tuned < untuned / 10, f"{tuned:.0f} faults a call tuned, {untuned:.0f} untuned"


def test_an_operator_setting_wins() -> None:
    applied, _ = faults_per_call(tune=True, env={"MALLOC_TRIM_THRESHOLD_": "131072"})
    assert not applied


def test_the_setting_reaches_the_processes_it_starts() -> None:
    script = (f"import os, sys; sys.path.insert(0, {str(ROOT)!r}); from gateway.allocator import tune_allocator;"
              "tune_allocator(); print(os.environ['MALLOC_MMAP_THRESHOLD_'], os.environ['MALLOC_TRIM_THRESHOLD_'])")
    clean = {k: v for k, v in os.environ.items() if k not in ALLOCATOR_VARIABLES}
    out = subprocess.run([sys.executable, "-c", script], env=clean, capture_output=True, text=True, check=True,
                         timeout=60).stdout.split()  # fmt: skip
    assert out == [str(4 * 1024 * 1024), str(64 * 1024 * 1024)]
