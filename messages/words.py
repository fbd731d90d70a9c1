"""psbot's words for the layers below `messages/` (see `bot.core.words`)."""

from __future__ import annotations

from messages.gitlab_builder import build_gitlab_failure_dm
from messages.home_builder import build_home
from messages.wins_builder import (
    build_recorded,
    build_thanks_dms,
    build_thanks_post,
    build_win_post,
)


class _SlackWords:
    win_post = staticmethod(build_win_post)
    thanks_post = staticmethod(build_thanks_post)
    thanks_dms = staticmethod(build_thanks_dms)
    recorded = staticmethod(build_recorded)
    home = staticmethod(build_home)
    gitlab_failure = staticmethod(build_gitlab_failure_dm)


SLACK_WORDS = _SlackWords()
