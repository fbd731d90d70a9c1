"""`psbot shell`: the real app in a terminal, with Slack replaced at the edges.

- `bot.entry.slack_standin` plays Slack: the Web API, response_urls and signed requests;
- `render`: Block Kit and mrkdwn as terminal text; `forms`: modals as questions;
- `demo`: the `--demo` portfolio; `shell`: the loop; `start`: wiring it all up.
"""

from bot.entry.shell.start import run_shell

__all__ = ["run_shell"]
