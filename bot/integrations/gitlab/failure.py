"""What went wrong with a GitLab call, without loading the GitLab client to say so."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """What went wrong with a GitLab call, sorted by what psbot should do about it."""

    kind: str  # "inaccessible", "token", "rate_limited", "transient", "refused"
    detail: str
    retry_after: dt.timedelta | None = None
