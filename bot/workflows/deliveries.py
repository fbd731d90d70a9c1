"""The one outbox, wired: every target psbot delivers to, and what follows a delivery.

Slack posts go through the runtime's own deliverer; GitLab notes through the GitLab
deliverer, registered here when GITLAB_TOKEN is set (the runtime never imports
integrations). What follows: a shout-out's pin, link and DMs, the GitLab note that
waited for it (`Shoutouts`), the weekly report's pin (`ReportPins`), and a PM told once
when their GitLab link is broken (`tell_the_pm`).
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.core.context import AppContext
from bot.integrations.gitlab import GitLabDeliverer, tell_the_pm
from bot.runtime.outbox import Outbox
from bot.store.models import GITLAB_NOTE_KINDS
from bot.workflows.report_pins import ReportPins
from bot.workflows.shoutouts import Shoutouts


def outbox_for(
    ctx: AppContext,
    client: WebClient,
    *,
    in_background: bool = False,
    shoutouts: Shoutouts | None = None,
) -> Outbox:
    """The outbox every delivery goes through, posting to Slack through `client`.

    `in_background`: the minute tick and job runs, which give GitLab its full timeout
    and retries within a call; otherwise a person's request waits, and GitLab gets one
    short try (the tick does the rest). `shoutouts`: the hooks whose pin problems the
    caller reports to an author (`Shoutouts.deliver`).
    """
    shoutouts = shoutouts or Shoutouts(ctx, client)
    deliverers = {}
    after_failed = dict(shoutouts.after_failed)
    if ctx.settings.gitlab_enabled:
        deliverers["gitlab"] = GitLabDeliverer(ctx, client, in_background=in_background)
        after_failed.update(dict.fromkeys(GITLAB_NOTE_KINDS, tell_the_pm(ctx)))
    return Outbox(
        ctx,
        client,
        deliverers=deliverers,
        after_sent={**shoutouts.after_sent, "job": ReportPins(client)},
        after_failed=after_failed,
    )
