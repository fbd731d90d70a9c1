"""Machinery that runs psbot: schedules, the scheduler and its exactly-once job runner,
the one outbox every delivery goes through (Slack posts, GitLab notes) and its Slack
deliverer, the Slack Web API client and request verification."""
