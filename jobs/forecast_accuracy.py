"""The first business day of the month, 09:00: last month's forecast against actuals."""

from __future__ import annotations

import datetime as dt

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import Month, local_today
from bot.pmo.accuracy import load_accuracy
from bot.runtime.outbox import Post
from messages.accuracy_builder import build_accuracy
from messages.reminders_builder import channel_posts


def run_forecast_accuracy(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """The month just closed, by type and PM with the targets, for #ps_pmo."""
    today = local_today(now, ctx.settings.timezone)
    month = Month.of(today).plus(-1)
    with ctx.session_factory() as session:
        report = load_accuracy(session, [month], today, calendar_of(ctx.settings))
    return channel_posts([build_accuracy(report, month.label)])
