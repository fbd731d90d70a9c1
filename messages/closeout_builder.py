"""The closeout summary psbot posts to the project leadership channel."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.pmo.closeout import Closeout
from bot.pmo.lessons import describe
from messages.escape import escape_mrkdwn, link, mention, one_line_keeping_mentions
from messages.format import context, hours, sections

MAX_LESSONS_SHOWN = 10


def build_closeout_summary(
    report: Closeout, *, shared_by: str, em_group: str
) -> tuple[str, list[Block]]:
    """The report: hours estimated vs actual, the deliverables link, lessons learned; the
    Engagement Managers' group mentioned when `em_group` (a subteam id) is set."""
    project = report.project
    names = f"{escape_mrkdwn(project.customer)} — {escape_mrkdwn(project.name)}"
    title = f"*{names}* ({escape_mrkdwn(project.sow)})"
    pm = (
        mention(project.pm_slack_id)
        if project.pm_slack_id
        else escape_mrkdwn(project.pm_name or "no PM")
    )
    group = f" · <!subteam^{em_group}>" if em_group else ""
    lines = [
        f":checkered_flag: *Closeout report* · {title}{group}",
        f"{escape_mrkdwn(project.type_name)} · PM {pm}",
        _hours_line(report),
        "*Deliverables &amp; documents:* "
        + (
            link(report.deliverables_url, "Internal Customer Epic")
            if report.deliverables_url
            else "_no epic link on the project_"
        ),
        _lessons_heading(report),
        *(
            f"• {escape_mrkdwn(describe(lesson.label))}: "
            f"{one_line_keeping_mentions(lesson.text, 300)}"
            for lesson in report.lessons[:MAX_LESSONS_SHOWN]
        ),
    ]
    if len(report.lessons) > MAX_LESSONS_SHOWN:
        lines.append(
            f"…and {len(report.lessons) - MAX_LESSONS_SHOWN} more "
            f"(`/ps wins {escape_mrkdwn(project.sow)} --format md`)."
        )
    footer = (
        f"Ticked by {mention(shared_by)} · owner: the Regional Manager · "
        f"{report.wins} ProjectWins · from the Deploy &amp; Close checklist in psbot"
    )
    blocks = [*sections(lines), context(footer)]
    text = escape_mrkdwn(f"Closeout report: {project.customer} — {project.name} ({project.sow})")
    return (f"<!subteam^{em_group}> {text}" if em_group else text), blocks


def _hours_line(report: Closeout) -> str:
    estimated = f"{hours(report.estimated_hours)} estimated (hard-booked in Kantata)"
    if report.actual_hours is None:
        return f"*Hours:* {estimated} · actual: _not in psbot yet (timesheet actuals)_"
    return f"*Hours:* {estimated} · {hours(report.actual_hours)} actual"


def _lessons_heading(report: Closeout) -> str:
    if not report.lessons:
        return "*Lessons learned:* _none recorded with `/ps lesson`_"
    return f"*Lessons learned:* {len(report.lessons)}"
