"""Where `/ps forecast` spends its time: its steps, called one by one as `show_forecast` does."""

from __future__ import annotations

import cProfile
import datetime as dt
import gc
import io
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bench.slash import CHANNEL, FAILURE_MARKS
from bot.core.context import AppContext
from bot.core.dates import Quarter
from bot.pmo.bookings_rules import check_portfolio
from bot.pmo.forecast import summarise
from bot.pmo.portfolio_loading import forecast_window, load_portfolio, restrict, rules_window
from commands.ps import answer
from commands.request import Reply
from messages.forecast_builder import build_forecast

STEPS = (
    "load_portfolio (4 queries, summed as read)",
    "summarise (monthly sums, by month, PM)",
    "check_portfolio (rules)",
    "build_forecast + to_dict",
)


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def forecast_steps(session_factory: sessionmaker[Session], today: dt.date) -> list[float]:
    """Seconds per step of STEPS, for one forecast of the current quarter, as show_forecast."""
    quarter = Quarter.of(today)
    window, rules = forecast_window(today, quarter), rules_window(today)
    with session_factory() as session:
        everything, loading = _timed(
            lambda: load_portfolio(session, today, window=window, keep_bookings=window != rules)
        )
    in_rules = restrict(everything, rules)
    summary, summarising = _timed(lambda: summarise(everything, quarter.months))
    findings, checking = _timed(lambda: check_portfolio(in_rules))

    def build() -> None:
        _text, blocks = build_forecast(quarter, summary, findings)
        [block.to_dict() for block in blocks]

    _, building = _timed(build)
    return [loading, summarising, checking, building]


def median_steps(
    session_factory: sessionmaker[Session], today: dt.date, runs: int, *, collect: bool = True
) -> list[float]:
    """Median seconds per step; `collect=False` runs with the garbage collector off."""
    forecast_steps(session_factory, today)  # warm-up
    was_enabled = gc.isenabled()
    if not collect:
        gc.disable()
    try:
        samples = [forecast_steps(session_factory, today) for _ in range(runs)]
    finally:
        if was_enabled:
            gc.enable()
    return [statistics.median(step) for step in zip(*samples, strict=True)]


def profile_forecast(ctx: AppContext, user_id: str, top: int) -> str:
    """cProfile of one `/ps forecast`, handler and reply building, in this thread.

    Bolt runs listeners in a worker thread, which cProfile would not see; this calls the
    listener's own `answer` with the same command fields instead.
    """
    command = {"command": "/ps", "text": "forecast", "user_id": user_id, "channel_id": CHANNEL}
    client = WebClient(token="xoxb-bench", base_url=ctx.settings.slack_api_url)

    def forecast() -> None:
        reply = answer(ctx, command, client)
        if not isinstance(reply, Reply) or reply.text.startswith(FAILURE_MARKS):
            raise RuntimeError(f"/ps forecast failed: {reply}")
        reply.as_kwargs()

    forecast()  # warm-up
    profiler = cProfile.Profile()
    profiler.runcall(forecast)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()
