"""Slack listeners for `/ps` and its interactive parts."""

from __future__ import annotations

from slack_bolt import App

from commands.ps import handle_ps


def register(app: App) -> None:
    app.command("/ps")(handle_ps)
