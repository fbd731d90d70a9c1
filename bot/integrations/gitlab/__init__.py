"""GitLab sync: ProjectWins and thanks onto the project's journal issue, Y/R notes onto
its Internal Customer Epic (issue 20: the RAID issue is the customer's to read, so it
gets nothing unless PSBOT_GITLAB_RAID_UPDATES=on, and then customer-safe words only) —
stored with the record first, then sent through an outbox (issue 13).

What the rest of psbot calls:
- `enqueue_for_win`, `enqueue_for_thanks`, `enqueue_for_lesson`, `enqueue_for_note`,
  `enqueue_for_escalation`: in the transaction that stores the record (no-ops while
  GITLAB_TOKEN is empty);
- `deliver_gitlab_now`: right after the Slack post, best effort, never raises;
- `GitLabSync(ctx, client).retry_due`: the minute tick's retry loop.
"""

from bot.integrations.gitlab.delivery import GitLabSync, deliver_gitlab_now
from bot.integrations.gitlab.outbox import (
    enqueue_for_escalation,
    enqueue_for_lesson,
    enqueue_for_note,
    enqueue_for_thanks,
    enqueue_for_win,
)

__all__ = [
    "GitLabSync",
    "deliver_gitlab_now",
    "enqueue_for_escalation",
    "enqueue_for_lesson",
    "enqueue_for_note",
    "enqueue_for_thanks",
    "enqueue_for_win",
]
