"""Job settings in Slack (admins): App Home's job picker opens the job's modal; saving
stores what changed over the environment's values, audited, for every replica's next tick."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.core.context import AppContext
from bot.core.errors import DATABASE_DOWN, MalformedRequest
from bot.pmo.job_settings import ONLY_ADMINS, SettingRefused, change_job, may_change_settings
from bot.pmo.rhythm import JOB_NAMES, configured_timings, raw_settings, slack_settings
from bot.store.db import write_while_slack_waits
from bot.workflows.home import publish_home
from commands.failures import tell_presser
from messages.job_settings_builder import (
    build_job_settings_modal,
    build_job_settings_saved,
    read_job_settings_form,
)

logger = logging.getLogger(__name__)


def open_job_settings(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """An admin picked a job in App Home: its settings modal; anyone else is told no."""
    ack()
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    if not may_change_settings(user_id, ctx.settings.admins):
        tell_presser(client, body, ONLY_ADMINS)
        return
    name = (body["actions"][0].get("selected_option") or {}).get("value")
    if name not in JOB_NAMES:
        raise MalformedRequest(f"no job {name!r}")
    with ctx.session_factory() as session:
        slack = slack_settings(session)
    timing = next(t for t in configured_timings(ctx.settings, slack) if t.name == name)
    raw = raw_settings(name, ctx.settings, slack)
    view = build_job_settings_modal(timing, raw, ctx.settings.timezone)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_job_settings(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict
) -> None:
    """Save what changed; a problem is answered beside its field."""
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    name = view.get("private_metadata") or ""
    form = read_job_settings_form(view["state"]["values"])
    now = ctx.now()
    try:
        with write_while_slack_waits(ctx.session_factory) as session:
            changes = change_job(
                session, name, settings=ctx.settings, user_id=user_id, now=now, **form
            )
    except SettingRefused as error:
        ack(response_action="errors", errors={error.field: error.message})
        return
    except OperationalError:
        logger.exception("saving job settings: database unavailable")
        ack(response_action="errors", errors={"time": DATABASE_DOWN})
        return
    ack()
    for change in changes:
        logger.info("%s set %s %s: %r -> %r", user_id, name, change.setting, change.old, change.new)
    saved = build_job_settings_saved(name, changes, now.astimezone(ctx.settings.timezone))
    tell_presser(client, body, saved)
    publish_home(ctx, client, user_id)
