"""A cap on glibc's malloc arenas for `psbot run`, a server with dozens of threads.

glibc gives a thread that allocates while others do an arena of its own (up to 8 per
core), and each arena keeps what its threads freed. psbot's listeners run on 32 threads,
so a forecast's megabytes stayed behind in whichever arena served it: `python -m bench
--memory` measured peak RSS after 1,000 mixed commands at 124-125 MiB, and 113 MiB with
two arenas. Threads hold the GIL while they allocate, so two arenas cost no contention.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # from glibc's <malloc.h>
SERVER_ARENAS = 2


def cap_malloc_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Call before threads start; True when glibc took the cap.

    An operator's own MALLOC_ARENA_MAX wins (glibc read it at start); other C libraries
    (musl, macOS) have no arenas to cap, and nothing changes.
    """
    if "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it, and M_ARENA_MAX
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    capped = mallopt(M_ARENA_MAX, arenas) == 1
    if capped:
        logger.debug("malloc arenas capped at %s", arenas)
    return capped
