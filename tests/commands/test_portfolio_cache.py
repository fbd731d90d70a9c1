"""The portfolio computed once per data version and business date (issue 24), through
signed slash commands: a write changes the next answer on every replica, a new day
computes again, requests arriving together share one computation.

Data: the shared `portfolio` (conftest.py); Pat is hard-booked 40 h/week at $200/h on
Acme Rollout from the week of Nov 23, so Nov 2026 forecasts $9,600.
"""

import datetime as dt
import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.entry.app import create_app
from bot.entry.slack_standin.slack_requests import SlackDriver
from bot.integrations.importing.run import import_file
from bot.pmo import portfolio_cache
from bot.store import data_versions
from bot.store.models import Win
from messages.words import SLACK_WORDS

NOV = "*Nov 2026*: $9,600 forecast (48 h hard)"


def text_of(reply) -> str:
    return json.dumps(reply.get("blocks") or [], ensure_ascii=False) + reply["text"]


class Loads:
    """Counts the portfolio-wide loads behind the kept computations; `delay` makes each
    take that long, so that requests sent together overlap."""

    def __init__(self, load):
        self.load, self.count, self.delay = load, 0, 0.0
        self.lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self.lock:
            self.count += 1
        time.sleep(self.delay)
        return self.load(*args, **kwargs)


@pytest.fixture
def loads(monkeypatch) -> Loads:
    spy = Loads(portfolio_cache.load_portfolio)
    monkeypatch.setattr(portfolio_cache, "load_portfolio", spy)
    return spy


@pytest.fixture
def replica(ctx, fake_slack):
    """A second psbot process on the same database: its own context, app and kept results."""
    other = AppContext(
        settings=ctx.settings,
        session_factory=ctx.session_factory,
        clock=ctx.clock,
        words=SLACK_WORDS,
    )
    executor = ThreadPoolExecutor(max_workers=4)
    driver = SlackDriver(create_app(other, listener_executor=executor), fake_slack)
    driver._commands = itertools.count(1000)  # response_urls apart from the first app's
    yield driver
    executor.shutdown(wait=True)


def test_the_forecast_is_computed_once_until_the_data_changes(slack, portfolio, loads):
    first = text_of(slack.ask("forecast"))
    assert NOV in first
    assert text_of(slack.ask("forecast")) == first
    assert loads.count == 1
    portfolio.book(portfolio.rollout, portfolio.pat, dt.date(2026, 11, 16), 1)  # a write
    assert "*Nov 2026*: $17,600 forecast (88 h hard)" in text_of(slack.ask("forecast"))
    assert loads.count == 2


def test_a_second_replica_sees_a_write_on_its_next_request(slack, replica, portfolio, loads):
    assert NOV in text_of(slack.ask("forecast"))
    assert NOV in text_of(replica.ask("forecast"))
    assert loads.count == 2  # each process computes its own
    portfolio.book(portfolio.rollout, portfolio.pat, dt.date(2026, 11, 16), 1)
    for psbot in (replica, slack):
        assert "*Nov 2026*: $17,600 forecast (88 h hard)" in text_of(psbot.ask("forecast"))
    assert loads.count == 4


def test_a_new_business_date_computes_again(slack, portfolio, loads, clock):
    slack.ask("forecast")
    clock.current = dt.datetime(2026, 11, 25, 4, 59, tzinfo=dt.UTC)  # 23:59 Tuesday in New York
    slack.ask("forecast")
    assert loads.count == 1
    clock.current = dt.datetime(2026, 11, 25, 5, 0, tzinfo=dt.UTC)  # Wednesday there
    slack.ask("forecast")
    assert loads.count == 2


def test_requests_arriving_together_share_one_computation(slack, fake_slack, portfolio, loads):
    loads.delay = 0.5
    names = []
    for _ in range(4):
        body, name = slack.command_body("forecast", "U0PM", "C0PMO")
        assert slack.dispatch(body).status == 200  # acked: the work goes on in the pool
        names.append(name)
    # Each: "Working on it…", then the forecast in its place.
    replies = [text_of(fake_slack.wait_for(f"/response/{name}", 2)[-1].params) for name in names]
    assert all(NOV in reply for reply in replies)
    assert loads.count == 1


def test_a_failed_computation_is_not_kept(slack, portfolio, loads, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(portfolio_cache, "load_portfolio", broken)
    assert slack.ask("forecast")["text"].startswith(":boom:")
    monkeypatch.setattr(portfolio_cache, "load_portfolio", loads)
    assert NOV in text_of(slack.ask("forecast"))


def test_a_csv_import_bumps_the_version_and_changes_the_next_answer(
    slack, ctx, portfolio, loads, tmp_path
):
    assert slack.ask("forecast")["text"].startswith("Forecast 2026-Q4: $46,400 forecast")
    before = version(ctx)
    path = tmp_path / "bookings.csv"
    path.write_text(
        "sow,person_email,role,week_start,hours,kind,bill_rate\n"
        "SOW-2,pat@example.com,PSE,2026-11-23,10,hard,100\n",
        encoding="utf-8",
    )
    import_file("bookings", path, ctx.session_factory, now=ctx.now())
    assert version(ctx) > before
    # 10 h at $100 more, on a project the file names (its other bookings in that week go).
    assert slack.ask("forecast")["text"].startswith("Forecast 2026-Q4: $47,400 forecast")
    assert loads.count == 2


def test_only_a_write_to_the_portfolio_bumps_the_version(slack, ctx, portfolio):
    before = version(ctx)
    slack.ask("forecast")
    slack.ask("projects")
    assert version(ctx) == before  # reads write nothing
    with pytest.raises(RuntimeError), ctx.session_factory.begin() as session:
        session.add(portfolio.rollout.__class__(sow="SOW-9", customer="X", name="Y", type="FF"))
        session.flush()
        raise RuntimeError("rolled back")
    assert version(ctx) == before
    portfolio.milestone(portfolio.globex, "M1", dt.date(2026, 12, 1))
    assert version(ctx) == before + 1


def version(ctx) -> int:
    with ctx.session_factory() as session:
        return data_versions.current(session)


def test_a_project_added_is_listed_by_the_next_projects_on_every_replica(slack, replica, portfolio):
    for psbot in (slack, replica):
        assert psbot.ask("projects")["text"] == "3 projects, 2 yours"
    portfolio.project("SOW-4", "Aardvark", "Pilot")
    for psbot in (replica, slack):
        reply = psbot.ask("projects")
        assert reply["text"] == "4 projects, 2 yours"
        assert "Aardvark — Pilot" in text_of(reply)


def test_a_rolled_back_request_leaves_what_is_kept_whole(slack, ctx, portfolio, loads):
    # The App Home computes the portfolio inside a write transaction; when that request
    # fails and rolls back, the next forecast still reads what was kept.
    today = dt.date(2026, 11, 24)
    with pytest.raises(RuntimeError), ctx.session_factory.begin() as session:
        portfolio_cache.checked_portfolio(ctx.results, session, today, calendar_of(ctx.settings))
        raise RuntimeError("the request failed after")
    text = text_of(slack.ask("forecast"))
    assert "Acme — Rollout (SOW-1) has 10 h soft-booked in Nov 2026." in text
    assert loads.count == 1


def test_computing_inside_a_write_keeps_the_write(ctx, portfolio):
    today = dt.date(2026, 11, 24)
    with ctx.session_factory.begin() as session:
        session.add(Win(project_id=portfolio.rollout.id, text="Shipped", author_id="U0PM"))
        session.flush()
        portfolio_cache.checked_portfolio(ctx.results, session, today, calendar_of(ctx.settings))
        session.add(Win(project_id=portfolio.rollout.id, text="Again", author_id="U0PM"))
    with ctx.session_factory() as session:
        assert sorted(session.scalars(sa.select(Win.text))) == ["Again", "Shipped"]


def test_a_write_naming_its_project_is_brought_up_to_date_on_every_replica(
    slack, replica, ctx, portfolio, loads
):
    # As an incremental Kantata sync writes: one project's bookings, the project named.
    for psbot in (slack, replica):
        assert NOV in text_of(psbot.ask("forecast"))
    with ctx.session_factory.begin() as session:
        session.execute(
            sa.text("UPDATE bookings SET hours = 50 WHERE project_id = :p AND kind = 'hard'"),
            {"p": portfolio.rollout.id},
        )
        data_versions.touching_projects(session, [portfolio.rollout.id])
    for psbot in (replica, slack):
        assert "*Nov 2026*: $12,000 forecast (60 h hard)" in text_of(psbot.ask("forecast"))
    assert loads.count == 2  # each replica's first: the write was brought in, not recomputed
