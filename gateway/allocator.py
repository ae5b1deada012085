"""glibc's memory allocator set for a server that handles messages of a megabyte and more.

Why: glibc takes a block over its mmap threshold straight from the kernel (mmap) and gives the top of its
heap back to the kernel (trim) once more than its trim threshold is free there. By default it raises the
mmap threshold to the largest mapped block freed so far and trims at twice that; a call with a 1 MiB message
makes and frees several buffers of that size at once (the request body, the message joined once, a
``byte[]`` argument or result), more than twice one of them, so the heap is trimmed after most calls and
the next call's buffers come fresh from the kernel, each 4 KiB page a page fault: about as much time as the
formatter's own work for that call. With blocks under 4 MiB taken from the heap and up to 64 MiB of free heap
kept, a warm server reuses the same pages call after call. ``bench_large.py``, binary ``byte[]`` 1 MiB
argument (benchmarks/README.md, session 8): 1.25 -> 1.02 ms a round trip, faster than Mono's 1.21; the
bare ASGI baseline gains as much, which is why the benchmarks run every Python server this way.

The cost: freed memory stays with the process after a burst of large calls, up to 64 MiB in each of glibc's
arenas that held such buffers (the event loop's, and a worker thread's whose method made large values); its
peak, which ``bench_large.py`` measures, does not grow.

``remoting-gateway serve`` calls :func:`tune_allocator` before it starts uvicorn, unless the operator set
either variable; under plain uvicorn, gunicorn or systemd set them in the environment instead
(docs/deployment.md). Elsewhere than glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import platform

#: glibc's names (malloc.h) and the environment variables it reads at start for the same settings
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_VARIABLE = "MALLOC_MMAP_THRESHOLD_"
TRIM_THRESHOLD_VARIABLE = "MALLOC_TRIM_THRESHOLD_"

#: blocks up to this size come from the heap (a 1 MiB message's buffers; a 16 MiB one still maps its own)
MMAP_THRESHOLD = 4 * 1024 * 1024
#: free heap kept for the next calls before any is given back to the kernel
TRIM_THRESHOLD = 64 * 1024 * 1024


def tune_allocator(mmap_threshold: int = MMAP_THRESHOLD, trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Set this process's glibc thresholds, and the environment variables that set them in the processes it
    starts (uvicorn's ``--workers``). Returns whether it did: not when the operator set either variable (their
    values stand: glibc read them when this process started) or when the C library is not glibc."""
    if MMAP_THRESHOLD_VARIABLE in os.environ or TRIM_THRESHOLD_VARIABLE in os.environ:
        return False
    if platform.libc_ver()[0] != "glibc":
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    if not (mallopt(_M_MMAP_THRESHOLD, mmap_threshold) and mallopt(_M_TRIM_THRESHOLD, trim_threshold)):
        return False
    os.environ[MMAP_THRESHOLD_VARIABLE] = str(mmap_threshold)
    os.environ[TRIM_THRESHOLD_VARIABLE] = str(trim_threshold)
    return True


__all__ = ["MMAP_THRESHOLD", "MMAP_THRESHOLD_VARIABLE", "TRIM_THRESHOLD", "TRIM_THRESHOLD_VARIABLE", "tune_allocator"]
