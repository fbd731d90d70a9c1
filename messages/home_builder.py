"""App Home: one person's PMO week at a glance, within Slack's 100-block limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.integrations.gitlab import NOTE_LABELS
from bot.pmo.home import MAX_CLOSING, Home, JobStatus, ProjectWeek
from bot.pmo.notes import Temperature
from bot.runtime.outbox import retryable
from bot.runtime.undelivered import Failed
from bot.store.models import Project
from messages import ids
from messages.away_builder import time_off_section, who_is_away_section
from messages.bookings_builder import finding_lines
from messages.escape import (
    Mrkdwn,
    escape_mrkdwn,
    link,
    mention,
    one_line_keeping_mentions,
    reader_time,
)
from messages.format import context, data_as_of_block, sections, zone_abbreviation
from messages.glance_builder import coverage_section, recognition_section
from messages.job_settings_builder import job_settings_picker
from messages.reminders_builder import recheck_button

HOME_BLOCK_LIMIT = 100
MAX_PROJECT_ROWS = 15
MAX_FINDINGS = 8
TEXT_SHOWN = 200  # characters of a win's or thanks' text
EMOJI = {
    Temperature.RED: ":red_circle:",
    Temperature.YELLOW: ":large_yellow_circle:",
    Temperature.GREEN: ":large_green_circle:",
}


def due_text(due: dt.datetime) -> Mrkdwn:
    """When notes are due, in the viewer's own time zone ("Tue 16:00 ET" where Slack
    cannot show it so)."""
    return reader_time(due, f"{due:%a %H:%M} {zone_abbreviation(due)}")


def deadline_sentence(due: str, *, passed: bool) -> str:
    """When this week's Top Customer notes are, or were, due (App Home, notes modal)."""
    if passed:
        return f"This week's Top Customer notes were due {due}."
    return f"Top Customer notes are due {due}."


def missing_note(due: str, *, passed: bool) -> str:
    """A missing note: due, or overdue once the deadline has passed (App Home, notes modal)."""
    if passed:
        return f":warning: overdue — was due {due}"
    return f":hourglass_flowing_sand: missing — due {due}"


def build_home(home: Home) -> View:
    """The App Home view for the person in `home`."""
    if not home.known and not home.wins and not home.thanks and not home.is_admin:
        return View(type="home", blocks=_first_run())
    due = due_text(home.notes_due)
    blocks: list[Block] = [
        HeaderBlock(text=f"Your PMO week — {home.week}"),
        quick_actions(),
        context(deadline_sentence(due, passed=home.notes_overdue)),
    ]
    blocks += _notes(home.projects, missing_note(due, passed=home.notes_overdue))
    blocks += _findings(home)
    blocks += _closing(home.closing, home.closure_progress)
    blocks += _recognition(home)
    blocks += _team_recognition(home)
    blocks += _time_off(home)
    if home.is_admin:
        blocks += _admin(home)
        blocks += _note_coverage(home)
        blocks += _who_is_away(home)
        blocks += job_settings_picker()
    blocks.append(context("`/ps help` lists every command."))
    return View(type="home", blocks=blocks[:HOME_BLOCK_LIMIT])


QUICK_ACTIONS = (
    ("Write a weekly note", ids.WRITE_NOTE),
    ("Record a ProjectWin", ids.NEW_WIN),
    ("Thank someone", ids.NEW_THANKS),
)


def quick_actions() -> ActionsBlock:
    """The buttons that open the same modals as the global shortcuts."""
    return ActionsBlock(
        block_id="quick_actions",
        elements=[_button(label, action_id, action_id) for label, action_id in QUICK_ACTIONS],
    )


def _first_run() -> list[Block]:
    return [
        HeaderBlock(text="Welcome to psbot"),
        quick_actions(),
        *sections(
            [
                "psbot runs the PMO week in Slack: forecast and Top Customer reminders, weekly "
                "R-Y-G notes, ProjectWins and thanks, bookings answers and the closure checklist.",
                "You have no projects in psbot yet. PS Ops imports them from Kantata, matched by "
                "your Slack email; once they do, this page shows your week.",
                "Meanwhile, try `/ps help`, or thank a teammate with `/ps thanks @name …`.",
            ]
        ),
    ]


def _title(project: Project) -> str:
    return (
        f"*{escape_mrkdwn(project.customer)} — {escape_mrkdwn(project.name)}* "
        f"({escape_mrkdwn(project.sow)})"
    )


def _button(text: str, action_id: str, value: str) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=value)


def _notes(projects: Sequence[ProjectWeek], missing: str) -> list[Block]:
    """The viewer's Top Customer projects, missing notes first; "Update notes" where the
    viewer may write the note."""
    if not projects:
        return []
    blocks: list[Block] = [DividerBlock(), *sections(["*This week's Top Customer notes*"])]
    ordered = sorted(projects, key=lambda pw: pw.note is not None)
    for week in ordered[:MAX_PROJECT_ROWS]:
        if week.note is None:
            state = missing
        else:
            note = week.note
            state = f"{EMOJI[note.internal]}{EMOJI[note.customer]} {escape_mrkdwn(note.progress)}"
        # Someone only booked on the project sees its note, and no button that would
        # only refuse them.
        update = (
            _button("Update notes", ids.NOTES_OPEN, str(week.project.id)) if week.writable else None
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"{_title(week.project)}\n{state}"), accessory=update
            )
        )
    if len(ordered) > MAX_PROJECT_ROWS:
        blocks.append(
            context(f"…and {len(ordered) - MAX_PROJECT_ROWS} more: `/ps notes` picks any.")
        )
    return blocks


def _findings(home: Home) -> list[Block]:
    if not home.manages_projects:
        return []
    if not home.findings:
        return [
            DividerBlock(),
            *sections(["*Bookings* :white_check_mark: no rule breaks on your projects."]),
            *data_as_of_block(home.as_of),
        ]
    lines = ["*Bookings to fix*", *finding_lines(home.findings, limit=MAX_FINDINGS)]
    return [
        DividerBlock(),
        *sections(lines),
        ActionsBlock(elements=[recheck_button(ids.RECHECK_HOME)]),
        *data_as_of_block(home.as_of),
        context("Fixed them in Kantata? *Re-check now*. `/ps bookings PROJECT` for details."),
    ]


def _closing(projects: Sequence[Project], progress: dict[int, tuple[int, int]]) -> list[Block]:
    if not projects:
        return []
    blocks: list[Block] = [DividerBlock(), *sections(["*Closing soon*"])]
    for project in projects[:MAX_CLOSING]:
        done, total = progress.get(project.id, (0, 0))
        ends = f" · ends {project.end_date:%b %-d}" if project.end_date else ""
        state = f"closure {done}/{total}" if total else "closure checklist not started"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"{_title(project)}\n{project.status}{ends} · {state}"
                ),
                accessory=_button("Open checklist", ids.CLOSURE_OPEN, str(project.id)),
            )
        )
    if len(projects) > MAX_CLOSING:
        blocks.append(
            context(f"…and {len(projects) - MAX_CLOSING} more: `/ps closure` lists them.")
        )
    return blocks


def _recognition(home: Home) -> list[Block]:
    lines = []
    for win in home.wins:
        see = f" · {link(win.permalink, 'post')}" if win.permalink else ""
        lines.append(f":trophy: {one_line_keeping_mentions(win.text, TEXT_SHOWN)}{see}")
    for thanks in home.thanks:
        text = one_line_keeping_mentions(thanks.text, TEXT_SHOWN)
        lines.append(f":pray: from {mention(thanks.giver_id)}: {text}")
    if not lines:
        return []
    return [DividerBlock(), *sections(["*Your recent wins and thanks*", *lines])]


def _team_recognition(home: Home) -> list[Block]:
    """Everyone: the quarter's wins and thanks, by project."""
    return recognition_section(home.glance) if home.glance else []


def _note_coverage(home: Home) -> list[Block]:
    """Admins: this week's notes by PM, as small bars."""
    return coverage_section(home.glance, home.week) if home.glance else []


def _time_off(home: Home) -> list[Block]:
    """The viewer's time off and its buttons (anyone psbot knows, and admins)."""
    if home.today is None or not (home.known or home.is_admin):
        return []
    return time_off_section(home.time_off, home.today)


def _who_is_away(home: Home) -> list[Block]:
    """Admins: who is away now or soon, and who covers."""
    return who_is_away_section(home.away_ahead, home.today) if home.today else []


def _admin(home: Home) -> list[Block]:
    temps = home.temperatures
    counts = (
        f":red_circle: {temps['red']} · :large_yellow_circle: {temps['yellow']} · "
        f":large_green_circle: {temps['green']} internal · {home.missing_notes} notes missing · "
        f"{home.rule_breaks} bookings rule breaks"
    )
    jobs = [_job_line(job) for job in home.jobs]
    if home.jobs_off:
        jobs.append(f"Off: {', '.join(f'`{escape_mrkdwn(name)}`' for name in home.jobs_off)}")
    return [
        DividerBlock(),
        *sections([f"*Portfolio this week* (admin)\n{counts}"]),
        *sections(["*Scheduled jobs*", *jobs] if jobs else ["*Scheduled jobs*: none enabled."]),
        *sections(_delivery_lines(home)),
        *_failed_posts(home),
    ]


# What admins call each target's deliveries.
_DELIVERIES = {"slack": "Slack posts", "gitlab": "GitLab notes"}


def _delivery_lines(home: Home) -> list[str]:
    """Deliveries psbot could not make, by target: Slack posts (jobs, shout-outs, DMs)
    and GitLab notes."""
    found = home.undelivered
    lines = []
    for target, deliveries in _DELIVERIES.items():
        failed, retrying = (found.failed[target], found.retrying[target]) if found else (0, 0)
        if failed or retrying:
            lines.append(
                f":warning: {deliveries} not delivered: {failed} failed, {retrying} retrying."
            )
    return lines or [":white_check_mark: Every Slack post and GitLab note was delivered."]


def _failed_posts(home: Home) -> list[Block]:
    """The latest deliveries given up on, each with why, and a button to send it again
    once the cause is fixed (not a job's: a late reminder isn't worth posting)."""
    if home.undelivered is None:
        return []
    blocks: list[Block] = []
    for failure in home.undelivered.recent:
        entry = failure.entry
        text = f"• {_what(failure)}: {escape_mrkdwn(entry.error[:150])}"
        button = (
            _button("Post again", ids.OUTBOX_RETRY, str(entry.id)) if retryable(entry) else None
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text), accessory=button))
    return blocks


def _what(failure: Failed) -> str:
    """A delivery as an admin would name it."""
    entry = failure.entry
    if entry.target == "gitlab":
        return f"{NOTE_LABELS[entry.kind]} for {escape_mrkdwn(failure.project)}"
    if entry.kind == "job":
        return f"job `{escape_mrkdwn(entry.key.removeprefix('job:'))}`"
    if entry.kind == "dm" and entry.key.startswith("closeout:"):
        return "closeout report"
    return {"win": "ProjectWin shout-out", "thanks": "thanks shout-out"}.get(
        entry.kind, "direct message"
    )


def _job_line(job: JobStatus) -> str:
    last = "never run"
    if job.last_status:
        mark = {"sent": ":white_check_mark:", "failed": ":x:", "skipped": ":fast_forward:"}.get(
            job.last_status, ":hourglass_flowing_sand:"
        )
        last = f"{mark} {job.last_status} ({escape_mrkdwn(job.last_period or '')})"
        if job.last_error:
            last += f": {escape_mrkdwn(job.last_error[:150])}"
    wording = f"{job.next_run:%a %b %-d %H:%M} {zone_abbreviation(job.next_run)}"
    return f"`{job.name}` next {reader_time(job.next_run, wording)} · last {last}"
