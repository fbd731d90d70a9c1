"""`psbot run` caps glibc's malloc arenas: threads share two instead of one each."""

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
from bot.runtime.malloc_arenas import cap_malloc_arenas
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
