"""A PostgreSQL cluster of a test's or a benchmark's own (initdb + pg_ctl on a free
loopback port), which it may stop, freeze (SIGSTOP) and start again: never the machine's
shared server.

Owned by `postgres` when the tests run as root. Tests that need one skip where the
server binaries are not installed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path


def _server_tool(name: str) -> str | None:
    """A PostgreSQL server binary: on PATH, or where Debian's packages keep them."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateCluster:
    """A PostgreSQL cluster in a temporary directory, owned by `postgres` when we are root."""

    def __init__(self, root: Path, initdb: str, pg_ctl: str, runuser: str | None) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._initdb, self._pg_ctl, self._runuser = initdb, pg_ctl, runuser

    def _run(self, *args: str) -> None:
        command = [self._runuser, "-u", "postgres", "--", *args] if self._runuser else list(args)
        with open(self.root / "commands.log", "a") as log:
            done = subprocess.run(
                command, cwd=self.root, stdout=log, stderr=subprocess.STDOUT, timeout=30
            )
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed:\n{self.log()}")

    def init(self) -> None:
        self._run(
            self._initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-k {self.root} -h 127.0.0.1 -p {self.port} -c fsync=off"
        self._run(
            self._pg_ctl, "start", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-w", "-t", "20", "-o", options,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(self._pg_ctl, "stop", "-D", str(self.data), "-w", "-t", "20", "-m", mode)

    def destroy(self) -> None:
        """Stop the server whatever state it is in, then delete the cluster."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")
        if pid_file.exists():  # pg_ctl could not stop it: end the server we started
            with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)

    def freeze(self) -> None:
        """Stop every process of the server (SIGSTOP): connections are still accepted by
        the kernel, and nothing answers, not even a cancel request."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in reversed(self._pids()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def _pids(self) -> list[int]:
        """The postmaster first (so it forks nothing meanwhile), then its children."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rpartition(")")[2].split()[1]) == postmaster:
                    children.append(int(stat.parent.name))
        return [postmaster, *children]

    def log(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in (self.root / "commands.log", self.root / "server.log")
            if path.exists()
        )


def cluster_tools() -> dict[str, str | None] | None:
    """initdb, pg_ctl and (as root, to run them as postgres) runuser; None when one is
    not installed."""
    as_root = os.geteuid() == 0
    tools = {name: _server_tool(name) for name in ("initdb", "pg_ctl")}
    tools["runuser"] = shutil.which("runuser") if as_root else None
    if not (tools["initdb"] and tools["pg_ctl"] and (tools["runuser"] or not as_root)):
        return None
    return tools


def new_cluster(root: Path, tools: dict[str, str | None]) -> PrivateCluster:
    """A cluster in `root` (not pytest's tmp_path, whose parents are private to root: the
    server runs as postgres)."""
    if tools["runuser"]:
        shutil.chown(root, user="postgres")
    return PrivateCluster(root, tools["initdb"], tools["pg_ctl"], tools["runuser"])
