"""`/ps forecast [--quarter YYYY-Qn]`."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.business_days import calendar_of
from bot.core.dates import Quarter, local_today
from bot.core.errors import UserError, first_line
from bot.pmo.accuracy import forecasts_made
from bot.pmo.freshness import data_as_of
from bot.pmo.portfolio_cache import quarter_figures
from bot.pmo.upside import open_upside
from commands.arguments import parse_options
from commands.request import PsRequest, Reply
from messages.chart import Chart, ChartError, ChartMonth, render_png
from messages.forecast_builder import CHART_FOLLOWS, build_forecast
from messages.format import context, dated


def show_forecast(request: PsRequest) -> Reply:
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued={"quarter"}, switches=set(), usage=usage)
    if parsed.words:
        raise UserError(f"Unexpected '{parsed.words[0]}'.", usage)
    today = local_today(request.ctx.now(), request.ctx.settings.timezone)
    option = parsed.options.get("quarter")
    quarter = Quarter.parse(str(option)) if option else Quarter.of(today)
    request.working_on_it()
    ctx = request.ctx
    calendar = calendar_of(ctx.settings)
    with ctx.session_factory() as session:
        # The sums and findings as this process computed them for the data's version.
        figures = quarter_figures(ctx.results, session, today, quarter, calendar)
        revenue = figures.revenue
        made = forecasts_made(session, [m for m in quarter.months if revenue.closed(m)])
        # Upside recorded by hand (a pending CO, a milestone moving in), apart from the sums.
        recorded = open_upside(session, today, quarter.months)
        as_of = data_as_of(session, ctx.now(), ctx.settings.timezone)
    summary, findings = figures.summary, figures.findings
    text, blocks = dated(build_forecast(quarter, summary, findings, recorded), as_of)
    if not ctx.settings.charts:
        return Reply(text, blocks)
    chart = Chart(
        f"Forecast vs actual, {quarter.label}",
        [
            ChartMonth(m.label, *made[m], summary.actuals[m])
            if m in made
            else ChartMonth(m.label, a.forecast, a.upside, None)
            for m, a in summary.by_month.items()
        ],
    )
    blocks.append(context(CHART_FOLLOWS))
    return Reply(
        text, blocks, then=lambda: send_chart(request, chart, f"forecast-{quarter.label}.png")
    )


def send_chart(request: PsRequest, chart: Chart, filename: str) -> Reply | None:
    """Draw the chart and share it in the caller's DM with psbot (an ephemeral answer
    can't hold a file); say so when it can't be, the figures being complete without it."""
    try:
        png = render_png(chart)
        channel = request.client.conversations_open(users=request.user_id)["channel"]["id"]
        request.client.files_upload_v2(
            channel=channel,
            content=png,
            filename=filename,
            title=chart.title,
            alt_txt=chart.alt_text,
        )
    except (ChartError, SlackApiError, SlackClientError, OSError) as error:
        reason = first_line(error)
        return Reply(
            f":warning: The chart couldn't be sent ({reason}); the figures above are complete."
        )
    return None
