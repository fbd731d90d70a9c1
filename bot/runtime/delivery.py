"""What a deliverer does for the outbox, and what it answers.

The outbox (`bot.runtime.outbox`) holds an entry — claimed, leased, fenced — and hands
it to the deliverer of its target (Slack posts, GitLab notes) as a `Sending`. The
deliverer sends what is left of it, records its progress through `Sending.save` (a
write that counts only while the entry is still held), and answers with a `Result`.
Retries, backoff, deadlines, giving up and what follows are the outbox's, the same for
every target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.store.models import OutboxEntry


@dataclass(frozen=True)
class Result:
    """How one attempt at an entry went, as its deliverer says.

    status: "sent" (all of it is out), "retry" (try again later), "failed" (retrying
    can't help: give up now), "busy" (another process took the entry over).
    """

    status: str
    code: str = ""  # the target's error code ("ratelimited", "inaccessible", ...)
    reason: str = ""  # a sentence for logs and admins; on "sent", what went wrong anyway
    count: int = 0  # posts or notes delivered, for the caller's report
    # Not before this long (the target's Retry-After), however short the backoff.
    retry_after: dt.timedelta = dt.timedelta(0)
    # The target answered that it did not take the step in flight: nothing to look for.
    refused: bool = False
    # The target is down, limiting psbot or refusing its credentials: leave its other
    # entries in this batch for later rather than fail each in turn.
    hold_target: bool = False


BUSY = Result("busy")


def sent(count: int, note: str = "") -> Result:
    """All of the entry is out (`note`: something that went wrong, but not enough to
    fail the delivery, e.g. a label GitLab refused after the note was added)."""
    return Result("sent", reason=note, count=count)


class Sending:
    """One held entry, as its deliverer sees it: what to send, when, and fenced writes."""

    def __init__(
        self,
        entry: OutboxEntry,
        now: dt.datetime,
        save: Callable[..., bool],
        late_after: dt.timedelta,
    ) -> None:
        self.entry = entry  # as it was read when the attempt began (detached)
        self.now = now
        self._save = save
        # Past its deadline before it could be sent: only what is already under way
        # (e.g. posts after the first) may still be finished.
        self.late = now > entry.deadline + late_after
        # This attempt is the last: a failure now is final.
        self.last_try = now >= entry.deadline

    def save(self, **values: Any) -> bool:
        """Record progress on the entry (and renew the lease); False when another
        process has taken it over: stop, its new holder carries on."""
        return self._save(**values)

    def too_late(self) -> Result:
        """The answer for an entry whose deadline passed before it could be sent."""
        return Result("failed", reason="its deadline passed before it could be sent")


class Deliverer(Protocol):
    """Sends the entries of one target."""

    def send(self, sending: Sending) -> Result:
        """Send what is left of `sending.entry`; never sleep past the lease inside a call
        (give a long wait back as `Result.retry_after`)."""
        ...
