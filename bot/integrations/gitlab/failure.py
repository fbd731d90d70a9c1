"""What went wrong with a GitLab call, without loading the GitLab client to say so."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """What went wrong with a GitLab call, sorted by what psbot should do about it."""

    # "inaccessible", "token", "rate_limited", "transient", "refused", "public" (an epic
    # anyone can read), "unsupported" (GitLab serves no epic notes)
    kind: str
    detail: str
    retry_after: dt.timedelta | None = None


class EpicProblem(Exception):
    """An epic can't take psbot's notes, for a reason retrying won't fix (a public
    group, a missing epic, a GitLab serving no epic notes); `failure` says which."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure
