"""The deliveries as this app wires them: the Slack outbox with what follows a shout-out,
and the GitLab sync with the words its failure DMs use."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.core.context import AppContext
from bot.integrations.gitlab import GitLabSync
from messages.gitlab_builder import build_gitlab_failure_dm

logger = logging.getLogger(__name__)


def gitlab_sync(ctx: AppContext, slack_client: WebClient | None) -> GitLabSync:
    """The GitLab sync; `retry_due` is the minute tick's retry loop."""
    return GitLabSync(ctx, slack_client, advise=build_gitlab_failure_dm)


def deliver_gitlab_now(ctx: AppContext, slack_client: WebClient, project_id: int | None) -> None:
    """Best effort, right after the Slack post: send the project's owed GitLab notes.

    Never raises into the user's action; whatever is not sent now, the minute tick sends.
    """
    if not ctx.settings.gitlab_enabled or project_id is None:
        return
    try:
        gitlab_sync(ctx, slack_client).deliver_now(project_id, ctx.now())
    except Exception:
        logger.exception("GitLab delivery for project %s failed; the tick will retry", project_id)
