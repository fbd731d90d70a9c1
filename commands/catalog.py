"""Every `/ps` subcommand with its usage line, one-line summary and what `/ps help TOPIC`
says about it (SPEC §6)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    details: str = ""  # mrkdwn for `/ps help NAME`: what it does, with examples


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "help",
        "/ps help [TOPIC]",
        "what psbot does and every command; with a TOPIC, one command",
        "`/ps help` lists every command; `/ps help forecast` explains one.",
    ),
    Subcommand(
        "notes",
        "/ps notes [PROJECT]",
        "write or edit this week's R-Y-G note",
        "Opens this week's note for a project, pre-filled from its latest one. Without "
        "PROJECT, a picker offers the projects whose note you may write, those still owing "
        "this week's note first (type a SOW, customer or project name to find one). RAID and "
        "epic links are required when a temperature is Yellow or Red.\n"
        "Examples: `/ps notes SOW-1234`, `/ps notes acme`.",
    ),
    Subcommand(
        "report",
        "/ps report [--week 2026-W48] [--all]",
        "the compiled Top Customer report",
        "Yellow and Red first with issue, assistance, DRI and links, then Green, forecast "
        "pushes, upside and who is missing. `--week` shows an earlier week; `--all` covers "
        "every active project, not only Top Customer ones.",
    ),
    Subcommand(
        "bookings",
        "/ps bookings [PROJECT | @person]",
        "soft vs hard bookings, and what needs fixing",
        "Alone: soft vs hard bookings explained, and what breaks a rule on your projects. "
        "With PROJECT: its people over the next three months, soft and hard, and what to "
        "fix. With @person: their hours against capacity for the next eight weeks.",
    ),
    Subcommand(
        "forecast",
        "/ps forecast [--quarter 2026-Q4]",
        "hard forecast and upside by month",
        "Forecast (hard hours × rate) and upside (soft hours × rate, plus `/ps upside` "
        "items) by month and by PM for this quarter or `--quarter`, with every bookings "
        "rule break, most money at stake first.",
    ),
    Subcommand(
        "win",
        "/ps win [PROJECT] [text]",
        "record a ProjectWin and shout it out",
        "Records a ProjectWin and shouts it out in the internal channel, pinned. Without "
        "text a modal asks what happened and who made it happen.\n"
        "Example: `/ps win SOW-1234 UAT signed off a week early`.",
    ),
    Subcommand(
        "thanks",
        "/ps thanks @user [@user ...] [PROJECT] text",
        "thank teammates",
        "Thanks teammates in the internal channel; each gets a DM with a link. Pick people "
        "from Slack's @ autocomplete.\n"
        "Example: `/ps thanks @sam SOW-1234 for the weekend cutover`.",
    ),
    Subcommand(
        "wins",
        "/ps wins [PROJECT | @person] [--since YYYY-MM-DD] [--format md|csv]",
        "wins and thanks for a retrospective",
        "Wins, thanks and lessons, newest first. `--format md` or `--format csv` sends a "
        "file to your DMs for the project's retrospective.",
    ),
    Subcommand(
        "closure",
        "/ps closure [PROJECT]",
        "the Deploy & Close checklist",
        "The checklist for the project's type, with Done / Reopen / N/A buttons and date "
        "pickers; only the PM and admins can tick. Without PROJECT: your projects closing "
        "or ending within 30 days.",
    ),
    Subcommand(
        "projects",
        "/ps projects [--mine]",
        "projects with type, status and flags",
        "Your projects first, with type, status, Top Customer flag, next milestone and "
        "booking flags; `--mine` shows only yours.",
    ),
    Subcommand(
        "upside",
        "/ps upside [add PROJECT $AMOUNT YYYY-MM reason | remove ID]",
        "upside beyond soft bookings: list, record (a pending CO, a milestone moving in), remove",
        "Alone: the upside items. `add` records one (this month or later), or opens a "
        "modal when nothing follows; `remove ID` takes one out.\n"
        "Example: `/ps upside add SOW-1234 $12,000 2026-12 CO-17 pending signature`.",
    ),
    Subcommand(
        "lesson",
        "/ps lesson [PROJECT] LABEL text",
        "record a lesson learned (llPsProcess, llProduct, llExpectation, llSupport, "
        "llFinanceDelays) or a CustomerStory",
        "Records a lesson learned or a customer story for the project's retrospective. "
        "Without arguments a modal asks for the label, the text and the project.\n"
        "Example: `/ps lesson SOW-1234 llExpectation scope the data migration up front`.",
    ),
    Subcommand(
        "escalate",
        "/ps escalate PROJECT [--off]",
        "mark a Red project Escalated, or not any more (admins)",
        "Admins: marks a project whose latest note is Red as Escalated (listed first in "
        "the report), or with `--off` not any more.",
    ),
    Subcommand(
        "accuracy",
        "/ps accuracy [--month 2026-11 | --quarter 2026-Q4] [PROJECT | @pm]",
        "closed months' forecast against actuals, by type and PM",
        "The first Monday's forecast and the latest before month end against actual "
        "revenue, per project, PM and type, with the target (±5% T&M and Fixed Fee, ±10% "
        "Consulting Block and Dedicated Engineer). Default: last month.",
    ),
    Subcommand(
        "away",
        "/ps away YYYY-MM-DD YYYY-MM-DD [@delegate]",
        "time off: no nudges meanwhile; who covers gets them and may write your notes",
        "Records your time off, first and last day included: psbot sends you no nudges "
        "meanwhile, and the colleague who covers is mentioned in the Tuesday reminder, "
        "gets your nudges and may write your notes. It ends by itself after the last "
        "day. Without dates a modal asks.\n"
        "Example: `/ps away 2026-12-21 2027-01-01 @sam`.",
    ),
    Subcommand(
        "back",
        "/ps back",
        "end your time off early (or cancel one still to come)",
        "Ends the time off you recorded with `/ps away` today, or cancels one that has "
        "not started yet; your nudges come to you again.",
    ),
)

BY_NAME = {sub.name: sub for sub in SUBCOMMANDS}


def closest(name: str) -> str | None:
    """The subcommand a mistyped `name` most likely meant, if any is close."""
    close = difflib.get_close_matches(name, list(BY_NAME), n=1, cutoff=0.5)
    return close[0] if close else None
