"""glibc's malloc tuned for `psbot run`, a server with dozens of threads.

glibc gives a thread that allocates while others do an arena of its own (up to 8 per
core), and each arena keeps what its threads freed. psbot's listeners run on up to 128
threads, so a forecast's megabytes stayed behind in whichever arena served it: `python -m
bench --memory` measured peak RSS after 1,000 mixed commands at 124-125 MiB, and 113 MiB
with two arenas. Threads hold the GIL while they allocate, so two arenas cost no
contention.

Each thread also keeps a cache of the small blocks it freed (glibc's tcache: up to seven
of each size), for itself alone. A rush grows the listener pool to its 128 threads, and
each thread's cache fills as it meets more of psbot's work: `python -m bench.soak` at
10,000 projects grew 2.2-4.9% after warm-up in four runs, peaking at 141-146 MiB, and
with the caches off 2.3% and 2.4%, peaking at 135.6 and 135.7 MiB (peak ÷ idle 1.81),
acks as fast (`python -m bench.ack_load`: 1.74 and 1.31× bare Bolt, against 1.33 and
1.75× with them). That setting is read only when a process starts, so `psbot run` from
the command line starts itself once more with it (the same process id, before any thread
or socket exists).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Sequence

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # from glibc's <malloc.h>
SERVER_ARENAS = 2
TUNABLES = "GLIBC_TUNABLES"
NO_THREAD_CACHES = "glibc.malloc.tcache_count=0"


def cap_malloc_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Call before threads start; True when glibc took the cap.

    An operator's own MALLOC_ARENA_MAX wins (glibc read it at start); other C libraries
    (musl, macOS) have no arenas to cap, and nothing changes.
    """
    libc = _glibc()
    if "MALLOC_ARENA_MAX" in os.environ or libc is None:
        return False
    capped = libc.mallopt(M_ARENA_MAX, arenas) == 1
    if capped:
        logger.debug("malloc arenas capped at %s", arenas)
    return capped


def without_thread_caches(argv: Sequence[str]) -> None:
    """Start this process again as `argv` with glibc's per-thread caches off, unless they
    already are or an operator's GLIBC_TUNABLES says otherwise about them; on other C
    libraries, nothing changes. Call before any thread starts: it does not return when it
    starts again."""
    tunables = os.environ.get(TUNABLES, "")
    if "glibc.malloc.tcache" in tunables or _glibc() is None:
        return
    environment = {**os.environ, TUNABLES: ":".join(filter(None, [tunables, NO_THREAD_CACHES]))}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, list(argv), environment)


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (only glibc has gnu_get_libc_version)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc
