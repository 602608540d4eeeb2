"""framing._memory: glibc's mmap threshold, fixed so that freed arrays go back to the system."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

CHILD = """
import gc, sys
from framing._memory import release_large_blocks

import os

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20

if sys.argv[1] == "release":
    assert release_large_blocks() is True
# One large block freed (this raises glibc's dynamic threshold), then many blocks of 1 MiB, freed
# but one in eight: the survivors pin the heap where the dynamic threshold put the others.
big = bytearray(8 * 2**20); del big
base = rss()
blocks = [bytearray(2**20) for _ in range(400)]
kept = blocks[::8]
del blocks; gc.collect()
print(rss() - base)
"""


SET_UP = [name for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES", "LD_PRELOAD") if name in os.environ]


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
@pytest.mark.skipif(bool(SET_UP), reason=f"malloc is set up by the environment ({', '.join(SET_UP)})")
def test_freed_blocks_return_to_the_system_once_the_threshold_is_fixed() -> None:
    def held(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return int(out.stdout.strip())

    dynamic, fixed = held("keep"), held("release")
    assert fixed <= 60  # the 50 blocks kept, and little else
    assert dynamic >= 300  # the heap keeps the 350 freed ones
