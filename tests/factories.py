"""Build portfolio rows directly in the database for command and job tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Booking, Milestone, Person, Project, TimeEntry


class Portfolio:
    """A tiny fluent builder: `Portfolio(session_factory).person(...).project(...)`."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def person(self, name: str, slack_user_id: str | None = None, capacity: int = 40) -> Person:
        email = name.lower().replace(" ", ".") + "@example.com"
        return self._add(
            Person(
                name=name,
                email=email,
                slack_user_id=slack_user_id,
                weekly_capacity_hours=Decimal(capacity),
            )
        )

    def project(
        self,
        sow: str,
        customer: str,
        name: str = "Rollout",
        *,
        pm: Person | None = None,
        type: str = "T&M",
        status: str = "active",
        kickoff: dt.date | None = dt.date(2026, 9, 1),
        top_customer: bool = False,
        end: dt.date | None = None,
    ) -> Project:
        return self._add(
            Project(
                sow=sow,
                customer=customer,
                name=name,
                type=type,
                status=status,
                pm_id=pm.id if pm else None,
                kickoff_date=kickoff,
                end_date=end,
                top_customer=top_customer,
            )
        )

    def book(
        self,
        project: Project,
        person: Person,
        first_week: dt.date,
        weeks: int = 1,
        *,
        hours: int = 40,
        kind: str = "hard",
        role: str = "PSE",
        rate: int | None = 200,
    ) -> None:
        with self.session_factory.begin() as session:
            for n in range(weeks):
                session.add(
                    Booking(
                        project_id=project.id,
                        person_id=person.id,
                        role=role,
                        week_start=first_week + dt.timedelta(weeks=n),
                        hours=Decimal(hours),
                        kind=kind,
                        bill_rate=None if rate is None else Decimal(rate),
                    )
                )

    def log(
        self,
        project: Project,
        person: Person,
        day: dt.date,
        hours,
        approved: bool = True,
        rate=None,
    ) -> TimeEntry:
        """Hours worked on a day (a time entry), approved unless told otherwise."""
        return self._add(
            TimeEntry(
                project_id=project.id,
                person_id=person.id,
                day=day,
                week_start=day - dt.timedelta(days=day.weekday()),
                hours=Decimal(hours),
                approved=approved,
                bill_rate=None if rate is None else Decimal(rate),
            )
        )

    def milestone(self, project: Project, name: str, due: dt.date | None) -> Milestone:
        return self._add(Milestone(project_id=project.id, name=name, due_date=due))

    def _add(self, row):
        with self.session_factory.begin() as session:
            session.add(row)
        return row


def owed_win(ctx, project: Project, when=None, text: str = "Go-live") -> tuple[int, int]:
    """A win by U0PM stored with its shout-out owed, as /ps win leaves it: (win id, outbox
    entry id)."""
    from bot.pmo.wins import record_win
    from bot.workflows.shoutouts import owe_shoutout

    with ctx.session_factory.begin() as session:
        win, _ = record_win(
            session,
            project_id=project.id,
            text=text,
            author_id="U0PM",
            member_ids=[],
            now=when or ctx.now(),
        )
        return win.id, owe_shoutout(ctx, session, win)
