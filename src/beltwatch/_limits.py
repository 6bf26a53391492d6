"""Resource limits: refuse work that cannot fit before allocating it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from beltwatch.errors import InputError

# Refuse a request whose working set would exceed this share of the memory available.
MEMORY_SHARE = 0.6


def available_memory_bytes() -> int:
    """Memory the system can give without swapping (MemAvailable), or physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_memory(needed_bytes: float, what: str, suggestion: str) -> None:
    """Refuse work whose estimated working set exceeds :data:`MEMORY_SHARE` of the
    available memory, before anything is allocated."""
    limit = MEMORY_SHARE * available_memory_bytes()
    if needed_bytes > limit:
        raise InputError(
            f"{what} needs about {needed_bytes / 2**30:,.1f} GiB, more than this machine can "
            f"give ({limit / 2**30:,.1f} GiB); {suggestion}"
        )


def check_disk(directory: Path, needed_bytes: float, what: str, suggestion: str) -> None:
    """Refuse output that would not fit on the disk holding ``directory``."""
    free = shutil.disk_usage(directory if str(directory) else ".").free
    if needed_bytes > free:
        raise InputError(
            f"{what} need about {needed_bytes / 2**30:,.1f} GiB of disk, more than the "
            f"{free / 2**30:,.1f} GiB free; {suggestion}"
        )
