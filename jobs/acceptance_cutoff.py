"""Every business day, 09:00: DM a PM two business days before the last day a Fixed Fee
milestone's sign-off request can be sent for passive acceptance to land in the period."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.slack_ids import is_user_id
from bot.pmo.away import away_on
from bot.pmo.cutoff import cutoffs
from bot.runtime.outbox import Post
from bot.store.in_lists import padded
from bot.store.models import Person
from messages.reminders_builder import build_cutoff_reminder, nudge_post


def run_acceptance_cutoff(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """One DM per milestone whose reminder day is today (to whoever covers for a PM away
    today; none for one away with nobody covering); [] on other days."""
    today = local_today(now, ctx.settings.timezone)
    calendar = calendar_of(ctx.settings)
    if not calendar.is_business_day(today):
        return []
    with ctx.session_factory() as session:
        due = [c for c in cutoffs(session, today, calendar) if c.remind_on == today]
        pm_ids = {c.project.pm_id for c in due if c.project.pm_id}
        people = {
            p.id: p for p in session.scalars(sa.select(Person).where(Person.id.in_(padded(pm_ids))))
        }
        away = away_on(session, today)
    posts = []
    for cutoff in due:
        pm = people.get(cutoff.project.pm_id) if cutoff.project.pm_id else None
        if pm is not None and pm.slack_user_id and is_user_id(pm.slack_user_id):
            post = nudge_post(pm.slack_user_id, build_cutoff_reminder(cutoff, today), away)
            posts.extend([post] if post else [])
    return posts
