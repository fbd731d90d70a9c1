"""The sample portfolio the command tests share.

The clock is Tuesday 24 November 2026. Pat is hard-booked 40 h/week on Acme Rollout
from the week of Nov 23 for ten weeks at $200/h; Tia has 10 soft hours in the week of
Nov 16 on the same project, which breaks the "no soft bookings this month" rule.
"""

import datetime as dt

import pytest

from tests.factories import Portfolio


@pytest.fixture
def portfolio(ctx):
    data = Portfolio(ctx.session_factory)
    data.pam = data.person("Pam Manager", "U0PM")
    data.pat = data.person("Pat Engineer", "U0PAT")
    data.tia = data.person("Tia Architect")
    data.rollout = data.project("SOW-1", "Acme", "Rollout", pm=data.pam, top_customer=True)
    data.migration = data.project("SOW-2", "Acme", "Migration", pm=data.pam)
    data.globex = data.project("SOW-3", "Globex", "Platform", type="FF", kickoff=None)
    data.book(data.rollout, data.pat, dt.date(2026, 11, 23), 10)
    data.book(data.rollout, data.tia, dt.date(2026, 11, 16), hours=10, kind="soft", role="TA")
    return data
