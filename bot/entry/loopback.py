"""HTTP servers on a free loopback port, in daemon threads, and what they were asked: the
stand-in Slack runs on one, and so do the tests' fake GitLab and Kantata."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

POLL_SECONDS = 0.05  # how soon shutdown() returns: the shell stops on :quit at once

Call = TypeVar("Call")


def serve_on_loopback(
    handler: type[BaseHTTPRequestHandler], **attributes: Any
) -> tuple[ThreadingHTTPServer, str]:
    """Serve `handler`, given `attributes` as class attributes (what it serves), on
    127.0.0.1 at a free port; returns the server and its base URL."""
    bound = type(handler.__name__, (handler,), attributes)
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
    ).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class CallLog(Generic[Call]):
    """The calls a server's threads record, in order, each known by a name (a method, a
    route); callers on other threads read them or wait for them."""

    def __init__(self, name_of: Callable[[Call], str]) -> None:
        self.calls: list[Call] = []
        self._name_of = name_of
        self._changed = threading.Condition()

    def add(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def clear(self) -> None:
        with self._changed:
            self.calls.clear()

    def all(self) -> list[Call]:
        with self._changed:
            return list(self.calls)

    def named(self, name: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if self._name_of(c) == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `name` was called at least `count` times; return those calls."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if self._name_of(c) == name]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({self._name_of(c) for c in self.calls})
                    raise AssertionError(f"{name} called {len(found)}x, wanted {count}; saw {seen}")
                self._changed.wait(remaining)
