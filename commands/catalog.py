"""Every `/ps` subcommand with its usage line and one-line summary (SPEC §6)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("help", "/ps help", "what psbot does and every command"),
    Subcommand("notes", "/ps notes [PROJECT]", "write or edit this week's R-Y-G note"),
    Subcommand(
        "report", "/ps report [--week 2026-W48] [--all]", "the compiled Top Customer report"
    ),
    Subcommand(
        "bookings",
        "/ps bookings [PROJECT | @person]",
        "soft vs hard bookings, and what needs fixing",
    ),
    Subcommand("forecast", "/ps forecast [--quarter 2026-Q4]", "hard forecast and upside by month"),
    Subcommand("win", "/ps win [PROJECT] [text]", "record a ProjectWin and shout it out"),
    Subcommand("thanks", "/ps thanks @user [@user ...] [PROJECT] text", "thank teammates"),
    Subcommand(
        "wins",
        "/ps wins [PROJECT | @person] [--since YYYY-MM-DD] [--format md|csv]",
        "wins and thanks for a retrospective",
    ),
    Subcommand("closure", "/ps closure [PROJECT]", "the Deploy & Close checklist"),
    Subcommand("projects", "/ps projects [--mine]", "projects with type, status and flags"),
    Subcommand(
        "upside",
        "/ps upside [add PROJECT $AMOUNT YYYY-MM reason | remove ID]",
        "upside beyond soft bookings: list, record (a pending CO, a milestone moving in), remove",
    ),
    Subcommand(
        "lesson",
        "/ps lesson [PROJECT] LABEL text",
        "record a lesson learned (llPsProcess, llProduct, llExpectation, llSupport, "
        "llFinanceDelays) or a CustomerStory",
    ),
    Subcommand(
        "escalate",
        "/ps escalate PROJECT [--off]",
        "mark a Red project Escalated, or not any more (admins)",
    ),
    Subcommand(
        "accuracy",
        "/ps accuracy [--month 2026-11 | --quarter 2026-Q4] [PROJECT | @pm]",
        "closed months' forecast against actuals, by type and PM",
    ),
    Subcommand(
        "away",
        "/ps away YYYY-MM-DD YYYY-MM-DD [@delegate]",
        "time off: no nudges meanwhile; who covers gets them and may write your notes",
    ),
    Subcommand("back", "/ps back", "end your time off early (or cancel one still to come)"),
)

BY_NAME = {sub.name: sub for sub in SUBCOMMANDS}
