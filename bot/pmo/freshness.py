"""How old the Kantata data behind a post or an answer is ("Kantata data as of 09:12 ET")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.pmo.lookup import project_open
from bot.store.in_lists import chunks
from bot.store.models import Project


@dataclass(frozen=True)
class DataAsOf:
    """When the Kantata data of some projects was last synced or imported (the oldest of
    them; None: never), in the reporting time zone, as seen at `checked`; `unreachable`
    says why a re-sync just before failed ("" when none was needed or it worked)."""

    at: dt.datetime | None
    checked: dt.datetime
    unreachable: str = ""


def data_as_of(
    session: Session,
    now: dt.datetime,
    tz: ZoneInfo,
    project_ids: Collection[int] | None = None,
    unreachable: str = "",
) -> DataAsOf:
    """How old the data of these projects is (all open ones when None)."""
    oldest: dt.datetime | None = None
    filters = (
        [[project_open()]]
        if project_ids is None
        else [[Project.id.in_(chunk)] for chunk in chunks(sorted(project_ids))]
    )
    for where in filters:
        found = session.scalar(sa.select(sa.func.min(Project.data_as_of)).where(*where))
        if found is not None:
            found = found if found.tzinfo else found.replace(tzinfo=dt.UTC)
            oldest = found if oldest is None else min(oldest, found)
    return DataAsOf(oldest.astimezone(tz) if oldest else None, now.astimezone(tz), unreachable)
