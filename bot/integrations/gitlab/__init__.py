"""GitLab sync: ProjectWins and thanks onto the project's journal issue, Y/R notes onto
the RAID issue — stored with the record first, then sent through an outbox (issue 13).

What the rest of psbot calls:
- `enqueue_for_win`, `enqueue_for_thanks`, `enqueue_for_note`: in the transaction that
  stores the record (no-ops while GITLAB_TOKEN is empty);
- `GitLabSync(...).deliver_now`: right after the Slack post (`bot.workflows.delivery`);
- `GitLabSync(...).retry_due`: the minute tick's retry loop;
"""

from bot.integrations.gitlab.delivery import GitLabSync
from bot.integrations.gitlab.outbox import enqueue_for_note, enqueue_for_thanks, enqueue_for_win

__all__ = [
    "GitLabSync",
    "enqueue_for_note",
    "enqueue_for_thanks",
    "enqueue_for_win",
]
