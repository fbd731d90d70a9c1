"""`/ps forecast [--quarter YYYY-Qn]`."""

from __future__ import annotations

from bot.bookings_rules import check_portfolio
from bot.dates import Quarter, local_today, monday_of
from bot.errors import UserError
from bot.forecast import summarise
from bot.portfolio_loading import load_portfolio, restrict, rules_window
from commands.arguments import parse_options
from commands.request import PsRequest, Reply
from messages.forecast_builder import build_forecast


def show_forecast(request: PsRequest) -> Reply:
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued={"quarter"}, switches=set(), usage=usage)
    if parsed.words:
        raise UserError(f"Unexpected '{parsed.words[0]}'.", usage)
    today = local_today(request.ctx.now(), request.ctx.settings.timezone)
    option = parsed.options.get("quarter")
    quarter = Quarter.parse(str(option)) if option else Quarter.of(today)
    window = (monday_of(quarter.months[0].first_day), quarter.months[-1].last_day)
    rules = rules_window(today)
    # One load covers both the quarter's money and the rules, whichever is wider.
    both = (min(window[0], rules[0]), max(window[1], rules[1]))
    with request.ctx.session_factory() as session:
        everything = load_portfolio(session, today, window=both)
    in_quarter = restrict(everything, window)
    findings = check_portfolio(restrict(everything, rules))
    return Reply(*build_forecast(quarter, summarise(in_quarter, quarter.months), findings))
