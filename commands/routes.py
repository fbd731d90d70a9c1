"""Which handler answers each `/ps` subcommand (every one in commands.catalog)."""

from __future__ import annotations

from commands.accuracy import show_accuracy
from commands.away import away_command, back_command
from commands.bookings import show_bookings
from commands.closure import show_closure
from commands.escalation import escalate_command
from commands.forecast import show_forecast
from commands.help import show_help
from commands.lessons import lesson_command
from commands.notes import open_notes
from commands.projects import show_projects
from commands.report import show_report
from commands.request import Handler
from commands.upside import upside_command
from commands.wins import thanks_command, win_command, wins_command

ROUTES: dict[str, Handler] = {
    "help": show_help,
    "bookings": show_bookings,
    "forecast": show_forecast,
    "projects": show_projects,
    "notes": open_notes,
    "report": show_report,
    "win": win_command,
    "thanks": thanks_command,
    "wins": wins_command,
    "closure": show_closure,
    "escalate": escalate_command,
    "lesson": lesson_command,
    "upside": upside_command,
    "accuracy": show_accuracy,
    "away": away_command,
    "back": back_command,
}
