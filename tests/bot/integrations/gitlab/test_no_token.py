"""Without GITLAB_TOKEN, GitLab sync is off: nothing stored, sent or logged as an error."""

import datetime as dt
import logging

import pytest

from bot.core.settings import load_settings
from bot.integrations.gitlab import GitLabSync
from bot.store.models import GitLabPost
from tests.bot.integrations.gitlab.conftest import gitlab_env, posts
from tests.commands.test_notes import submit


@pytest.fixture
def settings(fake_slack, fake_gitlab, database_url):
    # GITLAB_URL points at the fake, so any request at all would be seen.
    env = gitlab_env(fake_slack, database_url, GITLAB_URL=fake_gitlab.url)
    return load_settings(env, dotenv_path=None)


def test_wins_thanks_and_notes_stay_in_slack(slack, fake_gitlab, ctx, team, clock, settle, caplog):
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
        assert GitLabSync(ctx, slack.app.client).retry_due(clock.current) == 0
    assert fake_gitlab.requests == [] and posts(ctx) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "gitlab" not in caplog.text.lower()


def test_notes_stored_before_the_token_was_removed_are_left_alone(slack, fake_gitlab, ctx, team):
    with ctx.session_factory.begin() as session:
        session.add(
            GitLabPost(
                kind="win",
                dedupe_key="win:1",
                marker="m1",
                project_id=team.rollout.id,
                subject_id=1,
                target_url=team.journal_url,
                next_attempt_at=ctx.now(),
                created_at=ctx.now(),
            )
        )
    assert GitLabSync(ctx, slack.app.client).retry_due(ctx.now()) == 0
    assert fake_gitlab.requests == [] and posts(ctx)[0].status == "pending"
