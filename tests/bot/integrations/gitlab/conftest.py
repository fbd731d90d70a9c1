"""GitLab sync fixtures: a fake GitLab, settings pointing at it, and the sample team with
a journal issue, a RAID issue and an Internal Customer Epic on Acme Rollout (SOW-1)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.core.settings import Settings, load_settings
from bot.entry.app import create_app
from bot.runtime.outbox import Outbox
from bot.store.models import GitLabNote, Project
from bot.workflows.deliveries import outbox_for
from tests.bot.integrations.gitlab.fake_gitlab import TOKEN, FakeGitLab, start_fake_gitlab
from tests.conftest import ADMIN_ID, SIGNING_SECRET

JOURNAL_PATH, JOURNAL_IID = "acme/ps/rollout", 7
RAID_PATH, RAID_IID = "acme/ps/rollout", 8
# The Internal Customer Epic lives in PS's own (private) group, not the customer's project.
EPIC_GROUP, EPIC_IID = "ps-group/customers", 12


@pytest.fixture(scope="session")
def fake_gitlab_server() -> Iterator[FakeGitLab]:
    fake, server = start_fake_gitlab()
    yield fake
    server.shutdown()


@pytest.fixture
def fake_gitlab(fake_gitlab_server: FakeGitLab) -> FakeGitLab:
    fake_gitlab_server.reset()
    return fake_gitlab_server


def gitlab_env(fake_slack, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "PSBOT_ADMINS": ADMIN_ID,
        "PSBOT_PMO_CHANNEL": "C0PMO",
        "PSBOT_INTERNAL_CHANNEL": "C0INTERNAL",
        **extra,
    }


@pytest.fixture
def settings(fake_slack, fake_gitlab: FakeGitLab, database_url: str) -> Settings:
    env = gitlab_env(fake_slack, database_url, GITLAB_URL=fake_gitlab.url, GITLAB_TOKEN=TOKEN)
    return load_settings(env, dotenv_path=None)


@pytest.fixture
def raid_updates_on(ctx, fake_slack, fake_gitlab: FakeGitLab, database_url: str) -> None:
    """The app's settings, with PSBOT_GITLAB_RAID_UPDATES=on."""
    env = gitlab_env(
        fake_slack,
        database_url,
        GITLAB_URL=fake_gitlab.url,
        GITLAB_TOKEN=TOKEN,
        PSBOT_GITLAB_RAID_UPDATES="on",
    )
    ctx.settings = load_settings(env, dotenv_path=None)


def dms_to(fake_slack, user_id: str, containing: str = "") -> list[str]:
    """The texts of the DMs psbot sent `user_id` (those containing `containing`)."""
    return [
        c.params["text"]
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params["channel"] == user_id and containing in c.params["text"]
    ]


class TrackingExecutor(ThreadPoolExecutor):
    """Runs listeners' after-ack work; `settle()` waits until all of it is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=8)
        self.futures: list[Future] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future

    def settle(self) -> None:
        while not all(f.done() for f in self.futures):
            wait(list(self.futures))


@pytest.fixture
def listener_executor() -> Iterator[TrackingExecutor]:
    executor = TrackingExecutor()
    yield executor
    executor.shutdown(wait=True)


@pytest.fixture
def app(ctx, listener_executor):
    return create_app(ctx, listener_executor=listener_executor)


@pytest.fixture
def settle(listener_executor):
    return listener_executor.settle


@pytest.fixture
def team(ctx, fake_slack, fake_gitlab, portfolio):
    """The sample portfolio; SOW-1 has its journal issue, RAID issue and epic in GitLab."""
    for user_id, email, name in [
        ("U0PM", "pam@example.com", "Pam"),
        ("U0PAT", "pat@example.com", "Pat"),
        ("U0TIA", "tia@example.com", "Tia Architect"),
    ]:
        fake_slack.add_user(user_id, email, name)
    portfolio.journal_url = fake_gitlab.add_issue(JOURNAL_PATH, JOURNAL_IID, ("retro",))
    portfolio.raid_url = fake_gitlab.add_issue(RAID_PATH, RAID_IID)
    portfolio.epic_url = fake_gitlab.add_epic(EPIC_GROUP, EPIC_IID)
    set_links(
        ctx,
        "SOW-1",
        journal=portfolio.journal_url,
        raid=portfolio.raid_url,
        epic=portfolio.epic_url,
    )
    return portfolio


def set_links(ctx, sow: str, **links: str | None) -> None:
    """Set (or, with None, clear) the project's `journal`, `raid` and `epic` links given."""
    columns = {"journal": "journal_issue_url", "raid": "raid_url", "epic": "epic_url"}
    with ctx.session_factory.begin() as session:
        project = session.scalar(sa.select(Project).where(Project.sow == sow))
        for name, url in links.items():
            setattr(project, columns[name], url)


def posts(ctx) -> list[GitLabNote]:
    """The GitLab notes owed, as the one outbox holds them."""
    with ctx.session_factory() as session:
        return list(session.scalars(sa.select(GitLabNote).order_by(GitLabNote.id)))


def background_outbox(ctx, fake_slack) -> Outbox:
    """The outbox as `psbot run`'s minute tick has it (GitLab's full timeout and retries)."""
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    return outbox_for(ctx, client, in_background=True)


def tick(ctx, fake_slack, at) -> int:
    """The minute tick's retry loop at `at`; how many GitLab notes it added."""
    attempts = background_outbox(ctx, fake_slack).retry_due(at)
    return sum(a.status == "sent" and a.key.startswith("gitlab:") for a in attempts)
