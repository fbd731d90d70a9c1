"""Without GITLAB_TOKEN, GitLab sync is off: nothing stored, sent or logged as an error."""

import datetime as dt
import logging

import pytest

from bot.core.settings import load_settings
from bot.runtime.outbox import add_entry
from bot.store.models import GitLabNote
from tests.bot.integrations.gitlab.conftest import background_outbox, gitlab_env, posts
from tests.commands.test_notes import submit


@pytest.fixture
def settings(fake_slack, fake_gitlab, database_url):
    # GITLAB_URL points at the fake, so any request at all would be seen.
    env = gitlab_env(fake_slack, database_url, GITLAB_URL=fake_gitlab.url)
    return load_settings(env, dotenv_path=None)


def test_wins_thanks_and_notes_stay_in_slack(
    slack, fake_slack, fake_gitlab, ctx, team, clock, settle, caplog
):
    assert not ctx.settings.gitlab_enabled
    with caplog.at_level(logging.INFO):
        slack.ask("win sow-1 Go-live")
        slack.ask("thanks <@U0PAT|pat> sow-1 for the runbook")
        red = {"internal": "red", "customer": "red", "raid_url": team.raid_url}
        submit(slack, team.rollout.id, epic_url="https://gitlab.com/groups/a/-/epics/1", **red)
        settle()
        clock.set(clock.current + dt.timedelta(days=7))
        submit(slack, team.rollout.id, view_id="V2")
        settle()
        background_outbox(ctx, fake_slack).retry_due(clock.current)
    assert fake_gitlab.requests == [] and posts(ctx) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "gitlab" not in caplog.text.lower()


def test_notes_stored_before_the_token_was_removed_are_left_alone(
    fake_slack, fake_gitlab, ctx, team
):
    with ctx.session_factory.begin() as session:
        note = GitLabNote(
            key="gitlab:win_note:1",
            kind="win_note",
            marker="m1",
            project_id=team.rollout.id,
            subject_id=1,
            target_url=team.journal_url,
            payload={},
        )
        note_id = add_entry(session, note, ctx.now())
    box = background_outbox(ctx, fake_slack)
    assert box.retry_due(ctx.now() + dt.timedelta(days=1)) == []
    assert box.deliver(note_id, ctx.now()).status == "busy"  # no deliverer here takes it
    assert fake_gitlab.requests == [] and posts(ctx)[0].status == "pending"
