"""GitLab sync: ProjectWins and thanks onto the project's journal issue, Y/R notes onto
its Internal Customer Epic (issue 20: the RAID issue is the customer's to read, so it
gets nothing unless PSBOT_GITLAB_RAID_UPDATES=on, and then customer-safe words only) —
stored with the record first, then delivered through the one outbox (issue 21).

What the rest of psbot calls:
- `enqueue_for_win`, `enqueue_for_thanks`, `enqueue_for_lesson`, `enqueue_for_note`,
  `enqueue_for_escalation`: in the transaction that stores the record (no-ops while
  GITLAB_TOKEN is empty); each returns the outbox entries it owes, to deliver after;
- `notes_waiting_for`: a shout-out is out, so the notes that link it are due;
- `GitLabDeliverer` and `tell_the_pm`: what the outbox is given for the target "gitlab"
  (the deliverer, and the after-failed hook that tells a PM their link is broken).
"""

from bot.integrations.gitlab.delivery import GitLabDeliverer, tell_the_pm
from bot.integrations.gitlab.owed import (
    NOTE_LABELS,
    enqueue_for_escalation,
    enqueue_for_lesson,
    enqueue_for_note,
    enqueue_for_thanks,
    enqueue_for_win,
    notes_waiting_for,
)

__all__ = [
    "NOTE_LABELS",
    "GitLabDeliverer",
    "enqueue_for_escalation",
    "enqueue_for_lesson",
    "enqueue_for_note",
    "enqueue_for_thanks",
    "enqueue_for_win",
    "notes_waiting_for",
    "tell_the_pm",
]
