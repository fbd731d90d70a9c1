"""`psbot run` tunes glibc's malloc: threads share two arenas instead of one each, and
keep no caches of their own."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's"
)

# Eight threads allocating at once, then glibc's own report of its arenas (on stderr).
ARENAS_AFTER_EIGHT_THREADS = """
import ctypes, sys, threading
from bot.runtime.server_malloc import cap_malloc_arenas
print(cap_malloc_arenas() if sys.argv[1] == "cap" else "-")
together, kept = threading.Barrier(8), []
def allocate():
    together.wait()
    kept.extend(bytearray(64) for _ in range(20_000))
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()
"""


def _arenas(mode: str, **env: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", ARENAS_AFTER_EIGHT_THREADS, mode],
        env={**os.environ, "PYTHONPATH": os.getcwd(), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip(), done.stderr.count("Arena ")


def test_capped_threads_share_two_arenas():
    uncapped, capped = _arenas("none"), _arenas("cap")
    assert capped == ("True", 2)
    assert uncapped[1] > 2  # what the cap saves: an arena per allocating thread


def test_an_operators_malloc_arena_max_wins():
    assert _arenas("cap", MALLOC_ARENA_MAX="3") == ("False", 3)


# Says it started, then starts itself again without thread caches, then what it runs with.
STARTS_AGAIN = """
import os, sys
from bot.runtime.server_malloc import without_thread_caches
print("started", os.getpid(), flush=True)
without_thread_caches(sys.orig_argv)
print("tunables", os.environ.get("GLIBC_TUNABLES"), os.getpid())
"""


def _starts(**env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    done = subprocess.run(
        [sys.executable, "-c", STARTS_AGAIN],
        env={**base, "PYTHONPATH": os.getcwd(), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def test_the_process_starts_once_more_as_the_same_process_without_thread_caches():
    first, again, last = _starts()
    pid = first.split()[1]
    assert first == again == f"started {pid}"
    assert last == f"tunables glibc.malloc.tcache_count=0 {pid}"


def test_an_operators_other_tunables_are_kept():
    *_, last = _starts(GLIBC_TUNABLES="glibc.malloc.arena_max=3")
    assert last.split()[1] == "glibc.malloc.arena_max=3:glibc.malloc.tcache_count=0"


def test_an_operators_own_thread_cache_setting_wins_and_nothing_starts_again():
    started, last = _starts(GLIBC_TUNABLES="glibc.malloc.tcache_count=3")
    assert started.startswith("started ")
    assert last.split()[1] == "glibc.malloc.tcache_count=3"
