"""The first business day of the month, 09:00: last month's forecast against actuals,
with a chart of the quarter's closed months (when it can be drawn: the text is complete
without it, and says so in its alt text)."""

from __future__ import annotations

import datetime as dt
import logging

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import Month, Quarter, local_today
from bot.pmo.accuracy import AccuracyReport, load_accuracy
from bot.runtime.outbox import Post
from messages.accuracy_builder import build_accuracy
from messages.chart import Chart, ChartError, ChartMonth, chart_post, render_png
from messages.reminders_builder import channel_posts

logger = logging.getLogger(__name__)


def run_forecast_accuracy(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """The month just closed, by type and PM with the targets, for #ps_pmo."""
    today = local_today(now, ctx.settings.timezone)
    month = Month.of(today).plus(-1)
    quarter = Quarter.of(month.first_day)
    closed = [m for m in quarter.months if m <= month]
    calendar = calendar_of(ctx.settings)
    with ctx.session_factory() as session:
        report = load_accuracy(session, [month], today, calendar)
        whole = load_accuracy(session, closed, today, calendar) if len(closed) > 1 else report
    posts = channel_posts([build_accuracy(report, month.label)])
    if ctx.settings.charts:
        chart = quarter_chart(whole, f"Forecast vs actual, {quarter.label}")
        try:
            posts.append(chart_post(chart, render_png(chart), f"accuracy-{month.key}.png"))
        except ChartError as error:
            logger.warning("forecast_accuracy: %s; posted without the chart", error)
    return posts


def quarter_chart(report: AccuracyReport, title: str) -> Chart:
    """The quarter's closed months: the first Monday's forecast (upside stacked) and actual."""
    return Chart(
        title,
        [
            ChartMonth(month.label, forecast, upside, actual)
            for month, (forecast, upside, actual) in report.month_totals().items()
        ],
    )
