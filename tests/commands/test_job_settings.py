"""Job settings in Slack: an admin changes a job's time, channel or on/off from App Home;
every replica's runner takes it at its next tick, and the audit log keeps old → new."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.core.business_days import calendar_of
from bot.pmo.rhythm import notes_due
from bot.runtime.job_runner import JobRunner
from bot.runtime.outbox import Outbox
from bot.store.models import AuditEntry, JobSetting
from jobs.registry import configured_jobs, current_jobs
from messages import ids
from tests.commands.test_home import open_home, text
from tests.commands.test_notes import errors_of
from tests.conftest import ADMIN_ID
from tests.jobs.sample import ET, build_week

MONDAY = dt.date(2026, 11, 30)


def pick(slack, user_id, job):
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "trigger_id": "t.settings",
        "view": {"id": "VHOME", "type": "home", "hash": "h1"},
        "actions": [
            {
                "action_id": ids.JOB_SETTINGS_PICK,
                "type": "static_select",
                "selected_option": {"value": job},
            }
        ],
    }
    assert slack.interactive(payload).status == 200


def save(slack, job, user_id=ADMIN_ID, time="mon 08:00", channel="C0PMO", switch="on"):
    values = {
        "time": {"value": {"type": "plain_text_input", "value": time}},
        "channel": {"value": {"type": "plain_text_input", "value": channel}},
        "switch": {"value": {"type": "radio_buttons", "selected_option": {"value": switch}}},
    }
    payload = {
        "type": "view_submission",
        "user": {"id": user_id},
        "view": {
            "id": "VSET",
            "hash": "h1",
            "type": "modal",
            "callback_id": ids.JOB_SETTINGS_VIEW,
            "private_metadata": job,
            "state": {"values": values},
        },
    }
    return slack.interactive(payload)


def settings_rows(ctx):
    with ctx.session_factory() as session:
        return sorted(
            (r.job, r.setting, r.value, r.changed_by)
            for r in session.scalars(sa.select(JobSetting))
        )


def audits(ctx):
    with ctx.session_factory() as session:
        rows = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "job.setting"))
        return [(a.actor, a.subject, a.detail) for a in rows]


def test_an_admin_opens_a_jobs_settings_from_app_home(slack, fake_slack, ctx):
    view = open_home(slack, fake_slack, ADMIN_ID)
    assert ids.JOB_SETTINGS_PICK in text(view)
    pick(slack, ADMIN_ID, "top_customer_report")
    modal = fake_slack.wait_for("views.open")[-1].params["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal
    assert modal["private_metadata"] == "top_customer_report"
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks["time"]["element"]["initial_value"] == "tue 16:00"
    assert blocks["channel"]["element"]["initial_value"] == "C0PMO"
    assert blocks["switch"]["element"]["initial_option"]["value"] == "on"
    assert "*time*: the default" in json.dumps(modal)


def test_a_non_admin_cannot_open_or_save_settings(slack, fake_slack, ctx):
    assert ids.JOB_SETTINGS_PICK not in text(open_home(slack, fake_slack, "U0PM"))
    fake_slack.reset()
    pick(slack, "U0PM", "top_customer_report")
    told = fake_slack.wait_for("chat.postMessage")[-1].params
    assert (told["channel"], told["text"]) == ("U0PM", "Only PMO admins can change job settings.")
    assert fake_slack.calls_to("views.open") == []
    errors = errors_of(save(slack, "top_customer_report", user_id="U0PM", time="wed 10:00"))
    assert errors == {"time": "Only PMO admins can change job settings."}
    assert settings_rows(ctx) == []


@pytest.mark.parametrize(
    ("typed", "field", "problem"),
    [
        (
            {"time": "tue 25:00"},
            "time",
            "The time must be a time like 'tue 16:00', got 'tue 25:00'",
        ),
        ({"time": "soon"}, "time", "The time must be a time like 'tue 16:00', got 'soon'"),
        ({"time": "sat 10:00"}, "time", "The time must be on a business day, mon to fri"),
        ({"channel": "ps pmo"}, "channel", "The channel must be one channel"),
    ],
)
def test_bad_settings_are_refused_beside_their_field(slack, ctx, typed, field, problem):
    errors = errors_of(save(slack, "top_customer_report", **{"time": "tue 16:00", **typed}))
    assert list(errors) == [field] and errors[field].startswith(problem)
    assert settings_rows(ctx) == [] and audits(ctx) == []


def test_saved_settings_are_audited_and_the_admin_is_told(slack, fake_slack, ctx):
    assert (
        errors_of(save(slack, "top_customer_report", time="Wed 10:00", channel="#ps-leads")) == {}
    )
    assert settings_rows(ctx) == [
        ("top_customer_report", "channel", "ps-leads", ADMIN_ID),
        ("top_customer_report", "time", "wed 10:00", ADMIN_ID),
    ]
    assert audits(ctx) == [
        (
            ADMIN_ID,
            "top_customer_report",
            {"setting": "time", "old": "tue 16:00", "new": "wed 10:00"},
        ),
        (
            ADMIN_ID,
            "top_customer_report",
            {"setting": "channel", "old": "C0PMO", "new": "ps-leads"},
        ),
    ]
    told = fake_slack.wait_for("chat.postMessage")[-1].params
    assert told["channel"] == ADMIN_ID
    assert "• time: tue 16:00 → wed 10:00\n• channel: C0PMO → ps-leads" in told["text"]
    # The notes deadline is the report's run: it moved with it.
    assert notes_due(ctx, ctx.now()) == dt.datetime(2026, 11, 25, 10, 0, tzinfo=ET)
    # Emptied, the time goes back to the environment's value or the default.
    assert errors_of(save(slack, "top_customer_report", time="", channel="ps-leads")) == {}
    assert settings_rows(ctx) == [("top_customer_report", "channel", "ps-leads", ADMIN_ID)]
    assert audits(ctx)[-1][2] == {
        "setting": "time",
        "old": "wed 10:00",
        "new": "the environment's value or the default",
    }


def at(hour, minute=0):
    return dt.datetime.combine(MONDAY, dt.time(hour, minute), tzinfo=ET)


def sent(outcomes):
    return [outcome.period for outcome in outcomes if outcome.status == "sent"]


def replica(ctx, fake_slack):
    """A running psbot's job runner, started before the admin changes anything."""
    jobs = [job for job in configured_jobs(ctx.settings) if job.name == "forecast_prep"]
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    return JobRunner(
        ctx, Outbox(ctx, client), jobs, calendar_of(ctx.settings), lambda: current_jobs(ctx)
    )


def test_every_replica_takes_a_change_at_its_next_tick(slack, fake_slack, ctx):
    build_week(ctx.session_factory)
    first, second = replica(ctx, fake_slack), replica(ctx, fake_slack)
    assert errors_of(save(slack, "forecast_prep", time="mon 09:00", channel="C0OTHER")) == {}
    fake_slack.wait_for("chat.postMessage")  # the admin is told; then only the job posts
    fake_slack.reset()
    # Not at 08:00 any more (last week's run, never made, is only recorded as skipped).
    assert sent(first.tick(at(8, 1))) == sent(second.tick(at(8, 2))) == []
    assert fake_slack.calls_to("chat.postMessage") == []
    assert sent(second.tick(at(9, 1))) == ["2026-W49"]
    assert first.tick(at(9, 2)) == []  # taken once, by one replica
    channels = {c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")}
    assert channels == {"C0OTHER"}


def test_a_job_switched_off_in_slack_does_not_run(slack, fake_slack, ctx):
    build_week(ctx.session_factory)
    runner = replica(ctx, fake_slack)
    assert errors_of(save(slack, "forecast_prep", switch="off")) == {}
    fake_slack.wait_for("chat.postMessage")  # the admin is told; then nothing is posted
    fake_slack.reset()
    assert sent(runner.tick(at(8, 1))) == []
    assert fake_slack.calls_to("chat.postMessage") == []
    admin = text(open_home(slack, fake_slack, ADMIN_ID))
    assert "Off: `forecast_prep`, `kantata_incremental`" in admin  # no Kantata token here
    assert "`forecast_prep` next" not in admin
