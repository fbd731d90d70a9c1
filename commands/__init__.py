"""Slack listeners for `/ps` and its interactive parts: one module per feature, each
callback a plain function; `register` below is the one place that wires them."""

from __future__ import annotations

from slack_bolt import App

from commands.away import back_from_button, open_away_modal, submit_away
from commands.closure import mark_done, mark_not_applicable, mark_open, open_checklist, pick_date
from commands.entry_points import OPENERS, open_blank_modal
from commands.escalation import escalate_from_button, unescalate_from_button
from commands.failures import answers_failures, never_raises
from commands.home import app_home_opened, retry_post
from commands.job_settings import open_job_settings, submit_job_settings
from commands.lessons import lesson_shortcut, submit_lesson
from commands.notes import open_from_button, pick_project, submit_notes, suggest_projects
from commands.ps import handle_ps
from commands.recheck import recheck_home, recheck_nudge
from commands.upside import submit_upside
from commands.wins import submit_thanks, submit_win, thanks_shortcut, win_shortcut
from messages import ids


def register(app: App) -> None:
    app.command("/ps")(never_raises(handle_ps))
    app.event("app_home_opened")(app_home_opened)
    app.action(ids.OUTBOX_RETRY)(answers_failures(retry_post))
    app.view(ids.NOTES_VIEW)(answers_failures(submit_notes))
    app.action(ids.NOTES_PICK_PROJECT)(answers_failures(pick_project))
    app.options(ids.NOTES_PICK_PROJECT)(never_raises(suggest_projects))
    app.action(ids.NOTES_OPEN)(answers_failures(open_from_button))
    app.view(ids.WIN_VIEW)(answers_failures(submit_win))
    app.view(ids.THANKS_VIEW)(answers_failures(submit_thanks))
    app.shortcut(ids.WIN_SHORTCUT)(answers_failures(win_shortcut))
    app.shortcut(ids.THANKS_SHORTCUT)(answers_failures(thanks_shortcut))
    app.action(ids.CLOSURE_DONE)(never_raises(mark_done))
    app.action(ids.CLOSURE_REOPEN)(never_raises(mark_open))
    app.action(ids.CLOSURE_NA)(never_raises(mark_not_applicable))
    app.action(ids.CLOSURE_DATE)(never_raises(pick_date))
    app.action(ids.CLOSURE_OPEN)(never_raises(open_checklist))
    app.action(ids.ESCALATE)(answers_failures(escalate_from_button))
    app.action(ids.UNESCALATE)(answers_failures(unescalate_from_button))
    app.view(ids.LESSON_VIEW)(answers_failures(submit_lesson))
    app.shortcut(ids.LESSON_SHORTCUT)(answers_failures(lesson_shortcut))
    app.view(ids.UPSIDE_VIEW)(answers_failures(submit_upside))
    app.action(ids.RECHECK_NUDGE)(answers_failures(recheck_nudge))
    app.action(ids.RECHECK_HOME)(answers_failures(recheck_home))
    app.view(ids.AWAY_VIEW)(answers_failures(submit_away))
    app.action(ids.AWAY_OPEN)(answers_failures(open_away_modal))
    app.action(ids.AWAY_BACK)(answers_failures(back_from_button))
    app.action(ids.JOB_SETTINGS_PICK)(answers_failures(open_job_settings))
    app.view(ids.JOB_SETTINGS_VIEW)(answers_failures(submit_job_settings))
    for entry_point in OPENERS:  # a global shortcut and an App Home button each
        app.shortcut(entry_point)(answers_failures(open_blank_modal))
        app.action(entry_point)(answers_failures(open_blank_modal))
