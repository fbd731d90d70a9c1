"""App Home's glance for the team: this week's note coverage by PM as small text bars
(admins), and the quarter's ProjectWins and thanks by project (everyone) — counts per
project, not a ranking of people. Capped so that 1,000 projects stay valid Block Kit."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock

from bot.core.slack_ids import is_user_id
from bot.pmo.glance import Glance, PmCoverage, ProjectRecognition
from messages.escape import escape_mrkdwn, mention
from messages.format import context, sections

MAX_PMS_SHOWN = 25
MAX_PROJECTS_SHOWN = 15
BAR_WIDTH = 10  # at most; fewer projects, one segment each


def bar(done: int, total: int) -> str:
    """`▰▰▰▱▱ 3/5`: one segment a project up to BAR_WIDTH, scaled beyond; never empty
    when something is done, never full while something is missing."""
    width = min(total, BAR_WIDTH)
    filled = done * width // total if total else 0
    if done and not filled:
        filled = 1
    if done < total and filled == width:
        filled = width - 1
    return f"{'▰' * filled}{'▱' * (width - filled)} {done}/{total}"


def _pm(coverage: PmCoverage) -> str:
    pm = coverage.pm
    if pm is None:
        return "_No PM_"
    if pm.slack_user_id and is_user_id(pm.slack_user_id):
        return mention(pm.slack_user_id)
    return escape_mrkdwn(pm.label)


def coverage_section(glance: Glance, week: str) -> list[Block]:
    """Admins: this week's Top Customer notes in, by PM (by name, not by score)."""
    if not glance.coverage:
        return []
    shown = glance.coverage[:MAX_PMS_SHOWN]
    lines = [f"*Notes this week by PM* ({escape_mrkdwn(week)})"]
    lines += [f"• {_pm(c)} `{bar(c.noted, c.total)}`" for c in shown]
    if len(glance.coverage) > len(shown):
        lines.append(f"…and {len(glance.coverage) - len(shown)} more PMs: `/ps report` lists all.")
    return list(sections(lines))


def _project_line(item: ProjectRecognition) -> str:
    project = item.project
    counts = []
    if item.wins:
        counts.append(f":trophy: {item.wins} {'win' if item.wins == 1 else 'wins'}")
    if item.thanks:
        counts.append(f":pray: {item.thanks} thanks")
    title = f"*{escape_mrkdwn(project.customer)} — {escape_mrkdwn(project.name)}*"
    return f"• {title} ({escape_mrkdwn(project.sow)}): {' · '.join(counts)}"


def recognition_section(glance: Glance) -> list[Block]:
    """Everyone: the quarter's ProjectWins and thanks, counted by project."""
    if not glance.projects and not glance.thanks_without_project:
        return []
    shown = glance.projects[:MAX_PROJECTS_SHOWN]
    lines = [f"*Wins and thanks this quarter, by project* ({escape_mrkdwn(glance.quarter)})"]
    lines += [_project_line(item) for item in shown]
    if len(glance.projects) > len(shown):
        lines.append(f"…and {len(glance.projects) - len(shown)} more projects.")
    blocks: list[Block] = [DividerBlock(), *sections(lines)]
    if glance.thanks_without_project:
        blocks.append(context(f"And {glance.thanks_without_project} thanks not tied to a project."))
    return blocks
