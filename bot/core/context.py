"""What every listener and job needs: settings, database sessions, the clock, and the
words psbot speaks in Slack (from `messages/`, handed in by the composition root)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.core.authorization import Action, allowed
from bot.core.settings import Settings
from bot.core.shared_results import SharedResults
from bot.core.words import SlackWords


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class AppContext:
    settings: Settings
    session_factory: sessionmaker[Session]
    clock: Callable[[], dt.datetime] = field(default=system_clock)
    words: SlackWords = field(kw_only=True)
    # What this process computed from the database, kept for the next requests
    # (`bot.pmo.portfolio_cache`): one per process, as each replica keeps its own.
    results: SharedResults = field(default_factory=SharedResults, kw_only=True)

    def now(self) -> dt.datetime:
        """The current time, aware; tests and the shell replace the clock."""
        return self.clock()

    def is_admin(self, slack_user_id: str) -> bool:
        return allowed(Action.SEE_PORTFOLIO, slack_user_id, admins=self.settings.admins)
