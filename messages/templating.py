"""Jinja2 environment for the mrkdwn text inside Block Kit messages.

Every `{{ value }}` is escaped for Slack by default (`finalize`), so a template cannot
forget to escape user text; values the bot built itself are wrapped in `Mrkdwn`.
Templates emit text only, never JSON.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from messages.escape import Mrkdwn, escape_mrkdwn


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("messages", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        finalize=escape_mrkdwn,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return env


def render(template_name: str, **values: Any) -> Mrkdwn:
    """Render a template to mrkdwn; the result is safe to post."""
    return Mrkdwn(environment().get_template(template_name).render(**values).strip())
