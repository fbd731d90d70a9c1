"""`/ps forecast [--quarter YYYY-Qn]`."""

from __future__ import annotations

from bot.core.business_days import calendar_of
from bot.core.dates import Quarter, local_today
from bot.core.errors import UserError
from bot.pmo.bookings_rules import check_portfolio
from bot.pmo.forecast import summarise
from bot.pmo.freshness import data_as_of
from bot.pmo.portfolio_loading import forecast_window, load_portfolio, restrict, rules_window
from commands.arguments import parse_options
from commands.request import PsRequest, Reply
from messages.forecast_builder import build_forecast
from messages.format import dated


def show_forecast(request: PsRequest) -> Reply:
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued={"quarter"}, switches=set(), usage=usage)
    if parsed.words:
        raise UserError(f"Unexpected '{parsed.words[0]}'.", usage)
    today = local_today(request.ctx.now(), request.ctx.settings.timezone)
    option = parsed.options.get("quarter")
    quarter = Quarter.parse(str(option)) if option else Quarter.of(today)
    window, rules = forecast_window(today, quarter), rules_window(today)
    # The current quarter lies inside the rules window, so one load's sums serve both; a
    # quarter reaching past it keeps its bookings, for the rules to pick out their own.
    ctx = request.ctx
    with ctx.session_factory() as session:
        everything = load_portfolio(
            session,
            today,
            window=window,
            keep_bookings=window != rules,
            calendar=calendar_of(ctx.settings),
        )
        as_of = data_as_of(session, ctx.now(), ctx.settings.timezone)
    summary = summarise(everything, quarter.months)
    findings = check_portfolio(restrict(everything, rules))
    return Reply(*dated(build_forecast(quarter, summary, findings), as_of))
