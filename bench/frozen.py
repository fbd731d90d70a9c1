"""Part of `--load`: `/ps help` acks while the database is frozen, against a healthy one.

A frozen database takes connections and never answers. `psbot run` reaches PostgreSQL
through `FreezingProxy`, a TCP relay in this process that can stop relaying: connections
already open go silent and new ones are accepted and never served, as with a server
that is SIGSTOPped, and without touching the server itself (so PSBOT_BENCH_DATABASE_URL
may be a shared one). Without PSBOT_BENCH_DATABASE_URL a private cluster is started
(bench/pg_cluster.py) when the PostgreSQL server binaries are installed.

The same commands are sent healthy and frozen, in turns: mostly `/ps help`, which needs
no database, and one `/ps projects --mine` in ten, which waits on it, as users would keep
sending. Goal: the help acks' p50 and p99 unchanged.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.serving import (
    CONCURRENCY,
    SEND_LIMIT,
    Command,
    Fired,
    Server,
    _psbot_environment,
    _start,
    fire,
    free_port,
)
from bot.entry.slack_standin.standin import StandInSlack

FROZEN_COMMANDS = 1000
ROUNDS = 4  # healthy, frozen, healthy, frozen, …
DB_EVERY = 10  # one command in this many needs the database


class FreezingProxy:
    """A TCP relay to `target` (host, port) that `freeze()` makes accept and never answer."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._open = threading.Event()  # set: relaying
        self._open.set()
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, name="bench-proxy", daemon=True).start()

    def freeze(self) -> None:
        self._open.clear()

    def thaw(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._stopped.set()
        self._open.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        self._open.wait()  # a connection taken while frozen waits, unanswered
        # Either end may go away at any time (psbot dropping a connection that stopped
        # answering, the server at the end): that ends this relay only.
        with contextlib.suppress(OSError), client, socket.create_connection(self.target) as server:
            peers = {client: server, server: client}
            with selectors.DefaultSelector() as selector:
                for end in peers:
                    selector.register(end, selectors.EVENT_READ)
                while not self._stopped.is_set():
                    if not self._open.wait(0.1):
                        continue  # frozen: nothing is read, nothing passed on
                    for key, _ in selector.select(0.1):
                        data = key.fileobj.recv(65536)
                        if not data:
                            return
                        peers[key.fileobj].sendall(data)


@dataclass
class FrozenFigures:
    where: str  # what PostgreSQL psbot ran on
    healthy: Fired
    frozen: Fired
    skipped: str = ""  # why there are no figures

    @staticmethod
    def help_acks(fired: Fired) -> list[float]:
        return [s.ack for s in fired.shots if s.command.label == "help" and not s.error]


@contextlib.contextmanager
def _postgres(postgres_url: str) -> Iterator[tuple[str, str]]:
    """(URL, description) of a PostgreSQL to freeze the way to; a private cluster when no
    URL is given. Raises LookupError when there is none."""
    if postgres_url:
        yield postgres_url, "PSBOT_BENCH_DATABASE_URL"
        return
    from bench.pg_cluster import cluster_tools, new_cluster

    tools = cluster_tools()
    if tools is None:
        raise LookupError("no PostgreSQL: set PSBOT_BENCH_DATABASE_URL or install the server")
    with tempfile.TemporaryDirectory(prefix="psbot-bench-pg-") as tmp:
        cluster = new_cluster(Path(tmp), tools)
        try:
            cluster.init()
            cluster.start()
            yield cluster.url, "a private cluster (PSBOT_BENCH_DATABASE_URL is not set)"
        finally:
            cluster.destroy()


def frozen_database_acks(
    fake: StandInSlack, folder: Path, postgres_url: str, user_id: str
) -> FrozenFigures:
    """The same commands against `psbot run`, its database healthy and frozen in turns."""
    commands = [
        Command("projects --mine", "projects --mine", user_id)
        if i % DB_EVERY == DB_EVERY - 1
        else Command("help", "help", user_id)
        for i in range(FROZEN_COMMANDS)
    ]
    empty = Fired([], 0.0, 0)
    try:
        with _postgres(postgres_url) as (url, where):
            target = make_url(url)
            proxy = FreezingProxy((target.host or "127.0.0.1", target.port or 5432))
            via_proxy = target.set(host="127.0.0.1", port=proxy.port)
            server = _start_psbot(via_proxy.render_as_string(hide_password=False), fake, folder)
            try:
                healthy, frozen = _in_turns(server, proxy, commands, fake)
            finally:
                proxy.thaw()
                server.stop()
                proxy.close()
                fake.reset()
            return FrozenFigures(where, healthy, frozen)
    except LookupError as missing:
        return FrozenFigures("", empty, empty, skipped=str(missing))


def _in_turns(
    server: Server, proxy: FreezingProxy, commands: list[Command], fake: StandInSlack
) -> tuple[Fired, Fired]:
    """The commands in ROUNDS batches, each sent healthy and then frozen: in turns, so
    that whatever else the machine does weighs on both alike."""
    batch = len(commands) // ROUNDS
    results: dict[str, list[Fired]] = {"healthy": [], "frozen": []}
    for number in range(ROUNDS):
        for state in results:
            (proxy.freeze if state == "frozen" else proxy.thaw)()
            sent = fire(
                server.port,
                commands[number * batch : (number + 1) * batch],
                fake,
                concurrency=CONCURRENCY,
                prefix=f"{state}{number}-",
                time_limit=SEND_LIMIT,
            )
            results[state].append(sent)
    healthy, frozen = (
        Fired(
            [shot for fired in runs for shot in fired.shots],
            sum(fired.seconds for fired in runs),
            sum(fired.unsent for fired in runs),
        )
        for runs in results.values()
    )
    return healthy, frozen


def _start_psbot(database_url: str, fake: StandInSlack, folder: Path) -> Server:
    """`psbot run` in HTTP mode, migrating the database on start (a new cluster is empty)."""
    port = free_port()
    env = _psbot_environment(database_url, fake, port)
    server = _start("psbot run (frozen database)", "bot.entry.cli run", env, port, folder)
    time.sleep(0.5)  # let start-up settle
    return server
