"""Job settings in Slack (admins): App Home's job picker, the settings modal with where
each value comes from, and what the admin hears once saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.pmo.job_settings import DEFAULT, Change
from bot.pmo.rhythm import JOB_NAMES, RawSettings, Source, schedule_text
from bot.runtime.schedule import JobTiming
from messages import ids
from messages.escape import escape_mrkdwn, mention
from messages.format import context, sections
from messages.wins_builder import VALUE

LABELS = {"time": "time", "channel": "channel", "switch": "on/off"}
ON, OFF = Option(value="on", label="On"), Option(value="off", label="Off")


def job_settings_picker() -> list[Block]:
    """App Home (admins): pick a job to change its time, channel or on/off."""
    options = [Option(value=name, label=name) for name in JOB_NAMES]
    return [
        ActionsBlock(
            elements=[
                StaticSelectElement(
                    action_id=ids.JOB_SETTINGS_PICK,
                    placeholder="Change a job's time, channel or on/off…",
                    options=options,
                )
            ]
        )
    ]


def source_text(source: Source, tz: ZoneInfo) -> str:
    """Where a value comes from: set in Slack by whom and when, the environment, or the
    default."""
    if source.kind == "slack" and source.at is not None:
        return f"set in Slack by {mention(source.by)} {source.at.astimezone(tz):%a %b %-d %H:%M}"
    if source.kind == "env":
        return f"from `{escape_mrkdwn(source.variable)}`"
    return "the default"


def build_job_settings_modal(timing: JobTiming, raw: RawSettings, tz: ZoneInfo) -> View:
    """The job's time, channel and on/off, filled in with what applies now."""
    where = [
        f"*{LABELS[name]}*: {source_text(source, tz)}"
        for name, (_, source) in (
            ("time", raw.time),
            ("channel", raw.channel),
            ("switch", raw.switch),
        )
    ]
    return View(
        type="modal",
        callback_id=ids.JOB_SETTINGS_VIEW,
        private_metadata=timing.name,
        title="Job settings",
        submit="Save",
        close="Cancel",
        blocks=[
            *sections([f"*{escape_mrkdwn(timing.name)}* — {escape_mrkdwn(timing.summary)}"]),
            context(" · ".join(where)),
            InputBlock(
                block_id="time",
                label="When",
                optional=True,
                hint=f"Now: {timing.describe()}. Written as its PSBOT_JOB_ setting is; "
                "empty goes back to the environment's value or the default.",
                element=PlainTextInputElement(
                    action_id=VALUE, initial_value=schedule_text(timing.schedule), max_length=40
                ),
            ),
            InputBlock(
                block_id="channel",
                label="Channel",
                optional=True,
                hint="A channel ID (C0123ABCDEF) or name; empty goes back to the "
                "environment's value or the default.",
                element=PlainTextInputElement(
                    action_id=VALUE, initial_value=timing.channel, max_length=80
                ),
            ),
            InputBlock(
                block_id="switch",
                label="On or off",
                element=RadioButtonsElement(
                    action_id=VALUE, options=[ON, OFF], initial_option=ON if timing.enabled else OFF
                ),
            ),
        ],
    )


def read_job_settings_form(values: dict[str, Any]) -> dict[str, Any]:
    """The modal's state: time and channel as typed, and whether it is on."""

    def element(block: str) -> dict[str, Any]:
        return values.get(block, {}).get(VALUE, {}) or {}

    switch = (element("switch").get("selected_option") or {}).get("value")
    return {
        "time": element("time").get("value") or "",
        "channel": element("channel").get("value") or "",
        "enabled": switch != "off",
    }


def build_job_settings_saved(name: str, changes: Sequence[Change], now: dt.datetime) -> str:
    """What the admin hears once saved: each change, old → new, or that nothing changed."""
    if not changes:
        return f"Nothing changed for `{escape_mrkdwn(name)}`."
    lines = [
        f"• {LABELS[c.setting]}: {escape_mrkdwn(c.old)} → {escape_mrkdwn(c.new or DEFAULT)}"
        for c in changes
    ]
    return "\n".join(
        [
            f":gear: Saved `{escape_mrkdwn(name)}` ({now:%a %b %-d %H:%M %Z}):",
            *lines,
            "Every running psbot takes it at its next tick, within a minute; no restart.",
        ]
    )
