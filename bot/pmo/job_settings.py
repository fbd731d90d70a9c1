"""Job settings changed in Slack: an admin's new time, channel or on/off for one job,
checked as the environment's values are, stored over them and audited (old → new)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.authorization import Action, allowed
from bot.core.errors import UserError
from bot.core.settings import Settings, SettingsError, parse_channel
from bot.pmo.rhythm import (
    JOB_NAMES,
    configured_timings,
    parse_job_time,
    schedule_text,
    slack_settings,
)
from bot.store.models import AuditEntry, JobSetting

ONLY_ADMINS = "Only PMO admins can change job settings."
# What an emptied field goes back to.
DEFAULT = "the environment's value or the default"


class SettingRefused(UserError):
    """A job setting that can't be saved; `field` is what to fix ("time", "channel")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Change:
    setting: str  # time, channel, switch
    old: str
    new: str  # "" = back to the environment's value or the default


def may_change_settings(user_id: str, admins: Collection[str]) -> bool:
    return allowed(Action.CHANGE_SETTINGS, user_id, admins=admins)


def change_job(
    session: Session,
    name: str,
    *,
    time: str,
    channel: str,
    enabled: bool,
    settings: Settings,
    user_id: str,
    now: dt.datetime,
) -> list[Change]:
    """Store what differs from job `name`'s settings now: a time read as PSBOT_JOB_<NAME>
    is (a weekend refused), a channel as PSBOT_PMO_CHANNEL is, on or off; an emptied time
    or channel goes back to the environment's value or the default. Each change is
    audited; SettingRefused (for a non-admin too) when something can't be saved."""
    if not may_change_settings(user_id, settings.admins):
        raise SettingRefused("time", ONLY_ADMINS)
    if name not in JOB_NAMES:
        raise SettingRefused("time", f"There is no job called {name!r}.")
    slack = slack_settings(session)
    current = next(t for t in configured_timings(settings, slack) if t.name == name)
    try:
        new_time = schedule_text(parse_job_time(name, time)) if time.strip() else ""
    except SettingsError as error:
        raise SettingRefused("time", str(error)) from None
    try:
        new_channel = parse_channel("The channel", channel) if channel.strip() else ""
    except SettingsError as error:
        raise SettingRefused("channel", str(error)) from None
    wanted = {
        "time": (schedule_text(current.schedule), new_time),
        "channel": (current.channel, new_channel),
        "switch": (_switch(current.enabled), _switch(enabled)),
    }
    changes = []
    for setting, (old, new) in wanted.items():
        row = slack.get((name, setting))
        if new == old or (not new and row is None):
            continue
        if not new:
            session.delete(row)
        elif row is None:
            session.add(
                JobSetting(job=name, setting=setting, value=new, changed_by=user_id, changed_at=now)
            )
        else:
            row.value, row.changed_by, row.changed_at = new, user_id, now
        changes.append(Change(setting, old, new))
        session.add(
            AuditEntry(
                actor=user_id,
                action="job.setting",
                subject=name,
                detail={"setting": setting, "old": old, "new": new or DEFAULT},
                at=now,
            )
        )
    session.flush()
    return changes


def _switch(enabled: bool) -> str:
    return "on" if enabled else "off"
