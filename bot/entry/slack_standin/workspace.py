"""A pretend Slack workspace: who it is, its people and channels.

The stand-in Web API answers users.info and users.lookupByEmail from here, and the
shell's renderer names mentions with it, so `<@U01PRIYA>` reads as @Priya Patel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.core.errors import UserError
from bot.core.slack_ids import is_user_id

# `psbot shell`'s workspace; the tests name theirs with an Identity of their own.
TEAM_ID = "T0PSBOT"
TEAM_NAME = "psbot shell"
TEAM_DOMAIN = "psbot-shell"
BOT_USER_ID = "U0PSBOT"
BOT_ID = "B0PSBOT"
APP_ID = "A0PSBOT"


@dataclass(frozen=True)
class Identity:
    """Who the workspace is, and who psbot is in it."""

    team_id: str = TEAM_ID
    team_name: str = TEAM_NAME
    domain: str = TEAM_DOMAIN  # <domain>.slack.com
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    app_id: str = APP_ID

    @property
    def url(self) -> str:
        return f"https://{self.domain}.slack.com/"


@dataclass
class User:
    id: str
    handle: str  # Slack's `name`: what @ autocompletes
    real_name: str
    email: str = ""
    tz: str = "America/New_York"
    is_bot: bool = False
    deleted: bool = False  # deactivated
    team_id: str = TEAM_ID  # another team's: someone from a Slack Connect channel

    @property
    def first_name(self) -> str:
        return self.real_name.split()[0] if self.real_name.split() else self.handle

    def as_slack(self) -> dict[str, Any]:
        """The user object as users.info returns it."""
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.handle,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": self.tz,
            "profile": {
                "email": self.email,
                "real_name": self.real_name,
                "display_name": self.handle,
                "first_name": self.first_name,
            },
        }


@dataclass
class Channel:
    id: str
    name: str
    dm_user: str | None = None  # a DM's other member

    def as_slack(self) -> dict[str, Any]:
        if self.dm_user:
            return {"id": self.id, "is_im": True, "user": self.dm_user}
        return {"id": self.id, "name": self.name, "is_channel": True, "is_member": True}


@dataclass
class Workspace:
    identity: Identity = field(default_factory=Identity)
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._add_bot()

    def _add_bot(self) -> None:
        bot = self.identity.bot_user_id
        self.users.setdefault(bot, self._user(bot, "psbot", "psbot", is_bot=True))

    def _user(self, user_id: str, handle: str, real_name: str, **extra: Any) -> User:
        return User(user_id, handle, real_name, team_id=self.identity.team_id, **extra)

    def clear(self) -> None:
        """Nobody but psbot, no channels: the workspace as new."""
        self.users.clear()
        self.channels.clear()
        self._add_bot()

    # --- people ------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        email: str,
        name: str = "",
        tz: str = "America/New_York",
        *,
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str = "",
    ) -> User:
        """One person; `name` is both their handle and their full name (the email's
        local part without one). `team_id` puts them in another workspace."""
        name = name or email.split("@")[0]
        user = User(
            user_id,
            name,
            name,
            email=email,
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            team_id=team_id or self.identity.team_id,
        )
        self.users[user_id] = user
        return user

    def add_people(self, people: Iterable[tuple[str, str, str, str | None]]) -> None:
        """(slack id, name, email, tz) rows. Handles come from the email (priya.patel@ →
        @priya where no one else is a priya, else @priya.patel)."""
        rows = [row for row in people if is_user_id(row[0])]
        locals_ = [
            (e.split("@")[0].lower() if e else n.lower().replace(" ", ".")) for _, n, e, _ in rows
        ]
        firsts = [local.split(".")[0] for local in locals_]
        for (user_id, name, email, tz), local, first in zip(rows, locals_, firsts, strict=True):
            local = local or user_id.lower()
            handle = first if first and firsts.count(first) == 1 else local
            self.users[user_id] = self._user(
                user_id, handle, name or local, email=email or "", tz=tz or "America/New_York"
            )

    @property
    def people(self) -> list[User]:
        return sorted(
            (u for u in self.users.values() if not u.is_bot), key=lambda u: u.real_name.lower()
        )

    def find_user(self, query: str) -> User:
        """The one person `query` names: an id, an email, a handle, a name or a first name."""
        wanted = query.strip().removeprefix("@").strip().lower()
        mention = re.fullmatch(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", query.strip())
        if mention:
            wanted = mention.group(1).lower()
        if not wanted:
            raise UserError("Say who: an @name, an email or a Slack user id.")
        people = self.people
        for test in (
            lambda u: u.id.lower() == wanted,
            lambda u: u.email.lower() == wanted,
            lambda u: u.handle.lower() == wanted,
            lambda u: u.real_name.lower() == wanted,
            lambda u: u.first_name.lower() == wanted,
            lambda u: u.real_name.lower().startswith(wanted) or u.handle.startswith(wanted),
        ):
            found = [u for u in people if test(u)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                listed = ", ".join("@" + u.handle for u in found)
                raise UserError(f"'{query.strip()}' could be {listed}; say which.")
        raise UserError(f"Nobody here is called '{query.strip()}'. :users lists everyone.")

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        found = (u for u in self.users.values() if u.email and u.email.lower() == wanted)
        return next(found, None)

    # --- channels ----------------------------------------------------------------------

    def channel(self, name_or_id: str) -> Channel:
        """The channel a chat.postMessage `channel` means; DMs for user ids; new names
        become channels (the stand-in is permissive, a real workspace would refuse)."""
        key = name_or_id.strip().removeprefix("#")
        if key in self.channels:
            return self.channels[key]
        if is_user_id(key):
            return self.dm_with(key)
        for channel in self.channels.values():
            if channel.name == key and channel.dm_user is None:
                return channel
        channel_id = key if re.fullmatch(r"[CG][A-Z0-9]{2,}", key) else _channel_id(key)
        channel = Channel(channel_id, key)
        self.channels[channel_id] = channel
        return channel

    def dm_with(self, user_id: str) -> Channel:
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(channel_id, f"dm-{user_id}", dm_user=user_id)
        return self.channels[channel_id]

    # --- names for the renderer --------------------------------------------------------

    def user_label(self, user_id: str, fallback: str = "") -> str:
        user = self.users.get(user_id)
        return user.real_name if user else (fallback or user_id)

    def channel_label(self, channel_id: str, fallback: str = "") -> str:
        channel = self.channels.get(channel_id)
        if channel is None:
            return fallback or channel_id
        if channel.dm_user:
            return "DM with " + self.user_label(channel.dm_user)
        return channel.name

    def where(self, channel_id: str) -> str:
        """`#ps_pmo`, or `DM with Priya Patel`."""
        channel = self.channels.get(channel_id)
        if channel is not None and channel.dm_user:
            return "DM with @" + self.user_label(channel.dm_user)
        return "#" + self.channel_label(channel_id)


def _channel_id(name: str) -> str:
    return "C0" + (re.sub(r"[^A-Z0-9]", "", name.upper()) or "CHANNEL")[:20]
