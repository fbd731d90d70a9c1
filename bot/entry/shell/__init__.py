"""`psbot shell`: the real app in a terminal, with Slack replaced at the edges.

- `standin`: a local HTTP server the app's WebClient and response_urls point at;
- `slack_requests`: slash commands, actions, submissions and events, signed as Slack
  signs them and dispatched through the Bolt app;
- `render`: Block Kit and mrkdwn as terminal text; `forms`: modals as questions;
- `demo`: the `--demo` portfolio; `shell`: the loop; `start`: wiring it all up.
"""

from bot.entry.shell.start import run_shell

__all__ = ["run_shell"]
