"""Sections 7 and 8: `psbot run` in HTTP mode as a real process, driven over HTTP.

`start_psbot` runs `python -m bot.entry.cli run` (waitress, scheduler off) on the benchmark
database with Slack's Web API and response_urls served by the stand-in Slack in this
process; `start_bare` runs `bench/bare_bolt.py` the same way. `fire` sends signed
`/ps` commands to /slack/events from a fixed number of threads, each on one keep-alive
connection to 127.0.0.1, and times each HTTP answer (the ack Slack waits for);
`collect_replies` then waits for the replies on their response_urls. Peak and current
RSS come from /proc/<pid>/status (VmHWM, VmRSS). Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.slash import CHANNEL, FAILURE_MARKS, WORKING_ON_IT
from bot.entry.slack_standin.slack_requests import (
    SLACK_ACK_SECONDS,
    signed_headers,
    slash_command_body,
)
from bot.entry.slack_standin.standin import StandInSlack
from bot.entry.start_up import modules_when_serving

REPO = Path(__file__).resolve().parents[1]
EVENTS_PATH = "/slack/events"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
REQUEST_TIMEOUT = 30.0
ACK_WINDOW = SLACK_ACK_SECONDS

# The mix of commands, per 100: mostly quick lookups, a few portfolio-wide forecasts.
MIX = (
    ("help", "help", 38),
    ("bookings SOW", "bookings {sow}", 25),
    ("projects --mine", "projects --mine", 20),
    ("report", "report", 16),
    ("forecast", "forecast", 1),
)


@dataclass(frozen=True)
class Command:
    label: str
    text: str
    user_id: str


@dataclass(frozen=True)
class Shot:
    command: Command
    name: str  # the response_url's name on the stand-in Slack
    ack: float  # seconds from sending the request to reading the whole HTTP answer
    status: int  # 0: no HTTP answer
    error: str = ""


@dataclass
class Server:
    label: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def status_kib(self, name: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"{name} missing from /proc/{self.process.pid}/status")

    def rss(self) -> int:
        return self.status_kib("VmRSS") * 1024

    def peak_rss(self) -> int:
        return self.status_kib("VmHWM") * 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (all its threads)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def log_problems(self) -> list[str]:
        """Lines of the process's log that report an error or a traceback."""
        with contextlib.suppress(OSError):
            return [
                line
                for line in self.log.read_text(errors="replace").splitlines()
                if " ERROR " in line or line.startswith("Traceback")
            ]
        return []

    def stop(self) -> int | None:
        """SIGTERM (psbot shuts down cleanly on it), then SIGKILL if it does not exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        return self.process.returncode


def free_port() -> int:
    """A TCP port nothing listens on now (psbot binds every interface, so check them all)."""
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def _environment(fake: StandInSlack, port: int, **extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env |= {
        "PYTHONPATH": str(REPO),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": fake.signing_secret,
        "SLACK_API_URL": fake.api_url,
        "PORT": str(port),
        **extra,
    }
    return env


def _start(label: str, module: str, env: dict[str, str], port: int, folder: Path) -> Server:
    log = folder / f"{label.replace(' ', '-')}-{port}.log"
    with log.open("wb") as out:
        # cwd is a folder of its own so that no .env file of the checkout is read.
        process = subprocess.Popen(
            [sys.executable, "-m", *module.split()],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(label, process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{label} exited with {process.returncode} at start:\n{server.log_tail()}"
            )
        if _answers_http(port):
            return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{label} did not serve on port {port} in {START_TIMEOUT:.0f} s")


def _answers_http(port: int) -> bool:
    """Whether the server on `port` answers an HTTP request (any status): it serves, not
    only listens. `psbot run` binds its port before it computes the portfolio (about 3 s
    at 10,000 projects), and requests sent meanwhile would wait for that, not for load."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
    try:
        connection.request("GET", "/healthz")
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    return True


def _psbot_environment(database_url: str, fake: StandInSlack, port: int) -> dict[str, str]:
    """`psbot run` in HTTP mode: scheduler off, database already migrated."""
    return _environment(
        fake, port, DATABASE_URL=database_url, PSBOT_SCHEDULER="off", PSBOT_PMO_CHANNEL=CHANNEL
    )


def start_psbot(database_url: str, fake: StandInSlack, folder: Path) -> Server:
    port = free_port()
    env = _psbot_environment(database_url, fake, port)
    return _start("psbot run", "bot.entry.cli run", env, port, folder)


def start_bare(fake: StandInSlack, folder: Path) -> Server:
    port = free_port()
    return _start("bare Bolt", "bench.bare_bolt", _environment(fake, port), port, folder)


PSBOT_PACKAGES = frozenset({"bot", "commands", "jobs", "messages"})


def modules_psbot_loads(database_url: str, fake: StandInSlack, folder: Path) -> list[str]:
    """The third-party modules `psbot run` has imported when it starts serving."""
    env = _psbot_environment(database_url, fake, free_port())
    names = modules_when_serving(env, folder, START_TIMEOUT)
    return [
        name
        for name in names
        if not name.startswith("_")
        and (top := name.partition(".")[0]) not in sys.stdlib_module_names
        and top not in PSBOT_PACKAGES
    ]


def start_floor(database_url: str, fake: StandInSlack, folder: Path, modules: list[str]) -> Server:
    """The bare Bolt app with psbot's third-party modules and a database connection."""
    port = free_port()
    env = _environment(fake, port, DATABASE_URL=database_url, BARE_BOLT_MODULES=",".join(modules))
    return _start("floor", "bench.bare_bolt", env, port, folder)


def mixed_commands(
    count: int, sows: Sequence[str], pm_ids: Sequence[str], user_ids: Sequence[str], seed: int
) -> list[Command]:
    """`count` commands in MIX's proportions, shuffled with `seed`."""
    rng = random.Random(seed)
    total = sum(weight for *_, weight in MIX)
    labels = [label for label, _, weight in MIX for _ in range(count * weight // total)]
    labels += ["help"] * (count - len(labels))
    rng.shuffle(labels)
    texts = {label: text for label, text, _ in MIX}
    commands = []
    for label in labels:
        text = texts[label].format(sow=rng.choice(sows))
        user = rng.choice(pm_ids if label in ("projects --mine", "forecast") else user_ids)
        commands.append(Command(label, text, user))
    return commands


_names = itertools.count(1)


def _body(command: Command, fake: StandInSlack, name: str) -> str:
    return slash_command_body(
        fake.identity,
        command="/ps",
        text=command.text,
        user_id=command.user_id,
        user_name=command.user_id.lower(),
        channel_id=CHANNEL,
        channel_name="ps_pmo",
        response_url=fake.response_url(name),
        trigger_id=f"trigger.bench.{next(_names)}",
    )


@dataclass
class Fired:
    shots: list[Shot]
    seconds: float  # from the first request to the last answer
    unsent: int  # commands not sent because the time ran out


def fire(
    port: int,
    commands: Sequence[Command],
    fake: StandInSlack,
    *,
    concurrency: int,
    prefix: str,
    time_limit: float,
) -> Fired:
    """Send every command from `concurrency` threads, each on a keep-alive connection."""
    order = iter(enumerate(commands))
    lock = threading.Lock()
    shots: list[Shot] = []
    deadline = time.monotonic() + time_limit

    def worker() -> None:
        connection: http.client.HTTPConnection | None = None
        while time.monotonic() < deadline:
            with lock:
                item = next(order, None)
            if item is None:
                break
            index, command = item
            name = f"{prefix}{index}"
            body = _body(command, fake, name)
            headers = signed_headers(body, fake.signing_secret)
            started = time.perf_counter()
            status, error = 0, ""
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", port, timeout=REQUEST_TIMEOUT
                    )
                connection.request("POST", EVENTS_PATH, body=body.encode(), headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if status != 200:
                    error = f"HTTP {status}"
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as problem:
                error = f"{type(problem).__name__}: {problem}"
                if connection is not None:
                    connection.close()
                connection = None
            shot = Shot(command, name, time.perf_counter() - started, status, error)
            with lock:
                shots.append(shot)
        if connection is not None:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(time_limit + REQUEST_TIMEOUT + 5)
    seconds = time.perf_counter() - started
    with lock:
        done = list(shots)
    return Fired(done, seconds, len(commands) - len(done))


@dataclass
class Replies:
    texts: dict[str, str] = field(default_factory=dict)  # response name → its answer's text
    seconds: float = 0.0  # from when collecting began until the last reply came
    missing: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [name for name, text in self.texts.items() if text.startswith(FAILURE_MARKS)]


def collect_replies(fake: StandInSlack, names: Sequence[str], timeout: float) -> Replies:
    """Wait (at most `timeout`) until each name had its answer on its response_url (not
    the "Working on it…" a heavy command says first)."""
    wanted = {f"/response/{name}": name for name in names}
    replies = Replies()
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while True:
        for call in fake.recorded():
            name = wanted.get(call.method)
            answered = call.params.get("text") != WORKING_ON_IT
            if name is not None and answered and name not in replies.texts:
                replies.texts[name] = str(call.params.get("text", ""))
                replies.seconds = time.perf_counter() - started
        if len(replies.texts) == len(wanted) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    replies.missing = sorted(set(names) - set(replies.texts))
    return replies


# --- the two benchmarks ----------------------------------------------------------------------

MEMORY_COMMANDS = 1000
LOAD_COMMANDS = 2000
CONCURRENCY = 20
SEND_LIMIT = 300.0  # seconds for sending, then as long again at most for the replies
REPLY_LIMIT = 300.0


@dataclass
class Run:
    """One server process driven with one batch of commands."""

    label: str
    commands: int
    fired: Fired
    replies: Replies | None  # None for the bare app, which never replies
    rss_before: int  # after start, before the first request
    rss_after: int  # after the last reply
    peak_rss: int  # VmHWM: the process's peak, start-up included
    cpu_seconds: float  # CPU time the server used from the first request to the last reply
    log_problems: list[str]

    @property
    def acks(self) -> list[float]:
        return [shot.ack for shot in self.fired.shots if not shot.error]

    @property
    def failed(self) -> list[Shot]:
        return [shot for shot in self.fired.shots if shot.error]

    @property
    def slow(self) -> list[Shot]:
        return [shot for shot in self.fired.shots if shot.ack >= ACK_WINDOW]

    @property
    def error_count(self) -> int:
        """Requests without a 200, replies missing or reporting a failure, ERROR log lines."""
        replies = self.replies
        reply_errors = len(replies.errors()) + len(replies.missing) if replies else 0
        return self.fired.unsent + len(self.failed) + reply_errors + len(self.log_problems)


def drive(
    server: Server,
    fake: StandInSlack,
    commands: Sequence[Command],
    prefix: str,
    *,
    replies: bool,
    then: Callable[[Server], None] | None = None,
) -> Run:
    """Send `commands` to a started server, wait for the replies, read its memory, stop it.

    `then` runs after the figures are taken, before the server stops.
    """
    try:
        time.sleep(0.5)  # let start-up settle before reading the idle RSS
        before, cpu_before = server.rss(), server.cpu_seconds()
        fired = fire(
            server.port,
            commands,
            fake,
            concurrency=CONCURRENCY,
            prefix=prefix,
            time_limit=SEND_LIMIT,
        )
        answered = (
            collect_replies(fake, [shot.name for shot in fired.shots], REPLY_LIMIT)
            if replies
            else None
        )
        after, peak = server.rss(), server.peak_rss()
        cpu = server.cpu_seconds() - cpu_before
        fake.reset()
        if then is not None:
            then(server)
    finally:
        code = server.stop()
        fake.reset()
    problems = server.log_problems()
    if code not in (0, -signal.SIGTERM):
        problems.append(f"{server.label} exited with {code}")
    return Run(server.label, len(commands), fired, answered, before, after, peak, cpu, problems)


@dataclass
class MemoryFigures:
    psbot: Run
    bare: Run
    floor: Run
    floor_modules: int  # how many third-party modules the floor imported

    @property
    def ratio(self) -> float:
        return self.psbot.peak_rss / self.bare.peak_rss

    @property
    def floor_ratio(self) -> float:
        return self.psbot.peak_rss / self.floor.peak_rss


def measure_http_memory(
    database_url: str, fake: StandInSlack, folder: Path, commands: Sequence[Command]
) -> MemoryFigures:
    """Peak RSS of `psbot run`, the bare Bolt app and the floor after the same requests."""
    modules = modules_psbot_loads(database_url, fake, folder)
    psbot = drive(start_psbot(database_url, fake, folder), fake, commands, "mem", replies=True)
    bare = drive(start_bare(fake, folder), fake, commands, "bare", replies=False)
    floor_server = start_floor(database_url, fake, folder, modules)
    floor = drive(floor_server, fake, commands, "floor", replies=False)
    return MemoryFigures(psbot, bare, floor, len(modules))


BURST_FORECASTS = 6
BURST_HELPS = 3
BURST_PAUSE = 0.2  # seconds between sending the forecasts and the first /ps help


@dataclass
class Burst:
    forecasts: list[Shot]
    helps: list[Shot]
    replies: Replies

    @property
    def shots(self) -> list[Shot]:
        return self.forecasts + self.helps


def burst(port: int, fake: StandInSlack, user_id: str) -> Burst:
    """BURST_FORECASTS `/ps forecast` at once (PMs before the forecast call), then `/ps help`s.

    Bolt calls a listener, and so its ack(), on its listener executor (5 threads unless
    the app is given another); this shows what an ack waits for when they are all busy.
    """
    forecasts: list[Fired] = []
    background = threading.Thread(
        target=lambda: forecasts.append(
            fire(
                port,
                [Command("forecast", "forecast", user_id)] * BURST_FORECASTS,
                fake,
                concurrency=BURST_FORECASTS,
                prefix="burst-forecast",
                time_limit=SEND_LIMIT,
            )
        ),
        daemon=True,
    )
    background.start()
    time.sleep(BURST_PAUSE)
    helps = fire(
        port,
        [Command("help", "help", user_id)] * BURST_HELPS,
        fake,
        concurrency=1,
        prefix="burst-help",
        time_limit=SEND_LIMIT,
    )
    background.join(SEND_LIMIT + REQUEST_TIMEOUT)
    forecast_shots = forecasts[0].shots if forecasts else []
    shots = forecast_shots + helps.shots
    answered = collect_replies(fake, [shot.name for shot in shots], REPLY_LIMIT)
    return Burst(forecast_shots, helps.shots, answered)


def run_load(
    database_url: str,
    fake: StandInSlack,
    folder: Path,
    commands: Sequence[Command],
    burst_user: str,
) -> tuple[Run, Burst | None]:
    """The load test of issue 10 against a fresh `psbot run`; then a burst of forecasts."""
    probes: list[Burst] = []

    def then(server: Server) -> None:
        probes.append(burst(server.port, fake, burst_user))

    run = drive(
        start_psbot(database_url, fake, folder), fake, commands, "load", replies=True, then=then
    )
    return run, probes[0] if probes else None
