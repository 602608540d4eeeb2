"""Give freed memory back to the system during training (glibc only).

glibc's malloc serves blocks above its mmap threshold with ``mmap`` and returns them to the system
when they are freed; smaller ones come from the heap, whose freed space it keeps for reuse. The
threshold starts at 128 KiB and rises to the largest block freed so far (up to 32 MiB), so after
the first large numpy array is freed, the many arrays of a training run (TF-IDF rows, fold copies,
the baseline's optimiser state) land in the heap, and the peak of the process keeps what earlier
phases freed. Fixing the threshold keeps large blocks on ``mmap``: on the indonews outlet
experiment the peak RSS of ``framing train`` fell from 988 to 951 MiB, in 122 s against 117 s
(``benchmarks/train.py`` against ``--keep-malloc``, one after the other on a quiet machine).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["release_large_blocks"]

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
THRESHOLD = 128 * 1024


def release_large_blocks(threshold: int = THRESHOLD) -> bool:
    """Serve blocks of ``threshold`` bytes or more with ``mmap`` from now on; ``True`` if set.

    Process-wide, and a no-op (``False``) where the C library is not glibc, or where the user
    set malloc up already (``MALLOC_MMAP_THRESHOLD_``, ``GLIBC_TUNABLES``, or another allocator
    preloaded). ``framing train`` and ``framing tune`` (and its worker processes) call it; a
    notebook may too.
    """
    import os
    import platform

    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    if any(name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES", "LD_PRELOAD")):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, int(threshold)))
