"""What `psbot run` has imported by the time it would start serving (for a test of the
CLI, and for bench/, which measures a bare Bolt app loaded with the same modules).

The process runs `psbot run` for real (settings, database, auth.test, scheduler), with
waitress's server swapped for one that prints `sys.modules` and then stops the way
SIGTERM does, so psbot shuts down cleanly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

RUN_UNTIL_SERVING = """
import json, sys, waitress
class Server:
    def run(self):
        print(json.dumps(list(sys.modules)))
        raise KeyboardInterrupt
waitress.create_server = lambda *args, **kwargs: Server()
from bot.entry.cli import main
sys.exit(main(["run"]))
"""


def modules_when_serving(env: Mapping[str, str], cwd: Path, timeout: float) -> list[str]:
    """The modules `psbot run` has imported, in the order it imported them."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_UNTIL_SERVING],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"psbot run stopped before serving:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])
