"""Which handler answers each `/ps` subcommand. A subcommand absent here is 'coming soon'."""

from __future__ import annotations

from commands.help import show_help
from commands.request import Handler

ROUTES: dict[str, Handler] = {
    "help": show_help,
}
