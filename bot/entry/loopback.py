"""HTTP servers on a free loopback port, in daemon threads: the stand-in Slack runs on
one, and so do the tests' fake GitLab and Kantata."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

POLL_SECONDS = 0.05  # how soon shutdown() returns: the shell stops on :quit at once


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
