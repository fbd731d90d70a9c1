"""Slack listeners for `/ps` and its interactive parts."""

from __future__ import annotations

from slack_bolt import App

from commands.notes import open_from_button, pick_project, submit_notes
from commands.ps import handle_ps
from messages import ids


def register(app: App) -> None:
    app.command("/ps")(handle_ps)
    app.view(ids.NOTES_VIEW)(submit_notes)
    app.action(ids.NOTES_PICK_PROJECT)(pick_project)
    app.action(ids.NOTES_OPEN)(open_from_button)
