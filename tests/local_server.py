"""Serving a fake HTTP API on a free loopback port, in a daemon thread."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def serve(fake: Any, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """Start `handler` (which reads `self.fake`) for `fake`, and set `fake.url`."""
    bound = type("Handler", (handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
