"""What psbot says in Slack where a layer below `messages/` needs words: a shout-out owed
when a win is stored, the DMs that follow a posted thanks, App Home, a GitLab failure.

`messages.words.SLACK_WORDS` says it; the composition root (`bot.entry`) hands it in
through `AppContext.words`, so the domain, runtime and integrations never import
`messages/`. The types are named for readers only (checked, never imported at run time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from slack_sdk.models.views import View

    from bot.pmo.home import Home
    from bot.store.models import GitLabNote, Project, Thanks, Win

Blocks = list[dict[str, Any]]


class SlackWords(Protocol):
    def win_post(self, win: Win, project: Project | None) -> tuple[str, Blocks]:
        """The #ps-internal shout-out for a ProjectWin."""
        ...

    def thanks_post(self, thanks: Thanks, project: Project | None) -> tuple[str, Blocks]:
        """The #ps-internal post for a thanks."""
        ...

    def thanks_dms(
        self, thanks: Thanks, project: Project | None, permalink: str
    ) -> list[tuple[str, str, Blocks]]:
        """(user, text, blocks): one DM per person thanked, linking the post."""
        ...

    def recorded(self, kind: str, permalink: str, problem: str, pin_problem: str = "") -> str:
        """What the author of a win or thanks hears back once it is recorded."""
        ...

    def home(self, home: Home) -> View:
        """The App Home view of one person."""
        ...

    def gitlab_failure(self, post: GitLabNote, project: Project, bad_link: bool) -> str:
        """The DM telling a PM why a note can't reach its GitLab issue, and the fix."""
        ...
