"""psbot's core, in layers that import only downward (checked by import-linter in CI):

- `entry`: the composition root (Bolt app factory, CLI, WSGI, terminal shell); the only
  part of `bot` that imports `commands`, `jobs` and `messages`;
- `workflows`: what a person's action sets off (record, owe the posts, share, refresh
  App Home) and what follows a delivered post; the listeners and jobs call them;
- `integrations`: Kantata, GitLab and CSV import;
- `pmo`: the handbook's rules, knowing nothing of Slack;
- `runtime`: scheduling, running jobs once, the outbox, the Slack client, request checks;
- `store`: tables, engine and migrations;
- `core`: settings, context, dates, business days, errors, ids, authorization, parsers.
"""
